//! Prefix lists: described ones and those only referenced.

use std::collections::{BTreeMap, BTreeSet};

use super::super::ImportError;
use super::super::aws::{self, name_tag};
use super::super::read::Items;
use super::{ALL, Ctx, PlInfo, Recs, cidr, sp};
use crate::model::format as f;

/// Prefix lists: described ones (both shapes under `PrefixLists`, an
/// AWS-managed list possibly in both), then any referenced but not
/// described. Entries: the record's `Cidrs`, else the
/// `get-managed-prefix-list-entries` output for its id.
pub(super) fn collect(
    prefix_lists: Items<aws::PrefixList>,
    prefix_list_entries: &BTreeMap<String, Vec<String>>,
    route_tables: &Recs<aws::RouteTable>,
    sgs: &Recs<aws::SecurityGroup>,
) -> Result<BTreeMap<String, PlInfo>, ImportError> {
    let mut pls: BTreeMap<String, PlInfo> = BTreeMap::new();
    for (loc, p) in prefix_lists {
        let Some(id) = p.prefix_list_id.clone() else {
            return Err(loc.err("PrefixListId", "missing".into()));
        };
        if matches!(
            p.state.as_deref(),
            Some("delete-complete" | "delete-in-progress" | "create-failed")
        ) {
            continue;
        }
        let entries = match (&p.cidrs, prefix_list_entries.get(&id)) {
            (Some(cs), _) => {
                let mut v = Vec::new();
                for (k, c) in cs.iter().enumerate() {
                    v.push(cidr(&loc, &format!("Cidrs[{k}]"), c)?);
                }
                Some(v)
            }
            (None, Some(es)) => {
                let mut v = Vec::new();
                for c in es {
                    v.push(cidr(&loc, "Entries", c)?);
                }
                Some(v)
            }
            (None, None) => None,
        };
        let name = name_tag(&p.tags)
            .map(str::to_string)
            .or(p.prefix_list_name.clone());
        let e = pls.entry(id).or_insert((None, None));
        if e.0.is_none() {
            e.0 = name;
        }
        if e.1.is_none() {
            e.1 = entries;
        }
    }
    let mut referenced_pls = BTreeSet::new();
    for (_, rt) in route_tables.values() {
        for r in &rt.routes {
            if let Some(p) = &r.destination_prefix_list_id {
                referenced_pls.insert(p.clone());
            }
        }
    }
    for (_, sg) in sgs.values() {
        for perm in sg.ip_permissions.iter().chain(&sg.ip_permissions_egress) {
            for p in &perm.prefix_list_ids {
                if let Some(id) = &p.prefix_list_id {
                    referenced_pls.insert(id.clone());
                }
            }
        }
    }
    for id in referenced_pls {
        pls.entry(id).or_insert((None, None));
    }
    Ok(pls)
}

pub(super) fn name(cx: &mut Ctx) {
    let Ctx { raw, b, .. } = cx;
    for (id, (name, _)) in &raw.pls {
        b.name(id, name.as_deref());
    }
}

pub(super) fn write(cx: &mut Ctx) {
    let Ctx { raw, b, out, ids } = cx;
    for (id, (name, entries)) in &raw.pls {
        let Some(n) = b.get(id) else { continue };
        if entries.is_none() {
            b.gap_in(
                format!("entries of prefix list `{id}` are not in the snapshot"),
                ALL,
                f::GapKind::PrefixLists,
                None,
            );
        }
        let service = name
            .as_ref()
            .filter(|x| x.starts_with("com.amazonaws."))
            .cloned();
        out.prefix_lists.push(sp(f::PrefixList {
            name: sp(n),
            aws_id: Some(id.clone()),
            family: None,
            entries: entries
                .as_ref()
                .map(|v| v.iter().cloned().map(sp).collect()),
            service,
        }));
    }
    ids.pl_by_service = raw
        .pls
        .iter()
        .filter_map(|(id, (name, _))| Some((name.clone()?, id.clone())))
        .collect();
}
