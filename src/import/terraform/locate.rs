//! Where each imported record is written in the `.tf` sources: a
//! resource's record at its block, or at the attribute that decides what
//! it exposes (`map_public_ip_on_launch`, `associate_public_ip_address`,
//! `internal`); a gap at the attribute it names. Rules and routes are
//! placed as they are read (`sg`, `nacl`, `routes`, `compute`).

use std::collections::HashMap;

use crate::model::spanned::Sp;

use super::Ctx;
use super::plan::P;
use super::tf_sources::Sources;

/// The attribute that decides what a resource of `kind` exposes, when it
/// has one; else its block.
fn deciding_attr(kind: &str) -> Option<&'static str> {
    match kind {
        "aws_subnet" => Some("map_public_ip_on_launch"),
        "aws_instance" => Some("associate_public_ip_address"),
        "aws_lb" | "aws_alb" => Some("internal"),
        _ => None,
    }
}

/// Set each mapped record's position (its name's) and each gap's.
pub(super) fn records(cx: &mut Ctx) {
    if cx.sources.is_none() {
        return;
    }
    let mut names: Vec<(usize, String)> = cx.names.iter().map(|(i, n)| (*i, n.clone())).collect();
    names.sort();
    let mut at: HashMap<String, crate::diag::Pos> = HashMap::new();
    for (i, name) in names {
        let path: Vec<P> = deciding_attr(&cx.res(i).kind)
            .map(|a| vec![P::K(a)])
            .unwrap_or_default();
        let pos = cx.pos(i, &path);
        if !pos.is_unknown() || pos.site > 0 {
            at.insert(name, pos);
        }
    }
    // An instance's primary interface is where its public address is
    // decided: the instance's line.
    let eni_pos: Vec<(String, crate::diag::Pos)> = cx
        .primary_eni
        .iter()
        .filter_map(|(inst, eni)| Some((eni.clone(), *at.get(inst)?)))
        .collect();
    for (eni, pos) in eni_pos {
        at.entry(eni).or_insert(pos);
    }
    let set = |name: &mut Sp<String>| {
        if let Some(p) = at.get(&name.value) {
            name.pos = *p;
        }
    };
    let f = &mut cx.file;
    f.vpcs.iter_mut().for_each(|x| set(&mut x.value.name));
    f.subnets.iter_mut().for_each(|x| set(&mut x.value.name));
    f.route_tables
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.network_acls
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.security_groups
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.instances.iter_mut().for_each(|x| set(&mut x.value.name));
    f.network_interfaces
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.internet_gateways
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.egress_only_internet_gateways
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.nat_gateways
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.load_balancers
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.target_groups
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.vpc_endpoints
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    f.peering_connections
        .iter_mut()
        .for_each(|x| set(&mut x.value.name));
    gaps(cx);
}

/// A gap names the attribute it is about first, in backticks
/// (`` `aws_subnet.private[1].cidr_block` is known only after apply ``):
/// it is placed at that attribute (or at the resource's block).
fn gaps(cx: &mut Ctx) {
    let by_address: HashMap<&str, usize> = cx
        .plan
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.address.as_str(), i))
        .collect();
    let mut places = Vec::new();
    for (g, gap) in cx.file.gaps.iter().enumerate() {
        if gap.pos.site > 0 {
            continue;
        }
        let Some(named) = gap.what.value.split('`').nth(1) else {
            continue;
        };
        // The longest resource address that the name starts with.
        let mut best: Option<(usize, &str)> = None;
        for (k, c) in named.char_indices().filter(|(_, c)| *c == '.') {
            let _ = c;
            if let Some(i) = by_address.get(&named[..k]) {
                best = Some((*i, &named[k + 1..]));
            }
        }
        if let Some(i) = by_address.get(named) {
            best = Some((*i, ""));
        }
        let Some((i, rest)) = best else { continue };
        let attr = rest
            .split('.')
            .next()
            .map(|a| a.split('[').next().unwrap_or(a).to_owned())
            .unwrap_or_default();
        places.push((g, i, attr));
    }
    for (g, i, attr) in places {
        let path: Vec<P> = if attr.is_empty() {
            Vec::new()
        } else {
            vec![P::K(attr.as_str())]
        };
        let pos = cx.pos(i, &path);
        if let Some(gap) = cx.file.gaps.get_mut(g) {
            gap.pos = pos;
        }
    }
}

/// Say where the sources were read from, what could not be read, or that
/// there are none (findings then name resources by their address).
pub(super) fn note_sources(cx: &mut Ctx, sources: Option<&Sources>) {
    match sources {
        Some(s) if !s.is_empty() => {
            cx.notes.push(format!(
                "read the `.tf` sources in `{}`: findings point at their lines",
                s.from
            ));
            cx.file.findings_file = s.root_file();
        }
        Some(s) => cx.notes.push(format!(
            "no `.tf` sources in `{}`: findings name resources by their address",
            s.from
        )),
        None => cx.notes.push(
            "no `.tf` sources beside the plan (give them with `--tf-dir`): findings name resources by their address"
                .to_owned(),
        ),
    }
    if let Some(s) = sources {
        cx.notes.extend(s.problems.iter().cloned());
    }
}
