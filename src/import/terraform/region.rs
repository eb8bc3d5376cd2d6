//! The Region of the plan's network, when the plan says it: the AWS
//! provider's `region` (a constant, or a root variable the plan records),
//! else the availability zones and ARNs in the planned values. Every
//! source must agree; otherwise, or when none says, the Region stays
//! unknown (and the checks that need it say so).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::spanned::Sp;

use super::Ctx;
use super::plan::{P, Plan, Val};

/// What the provider configurations say about the Region: `Some(set)` of
/// the Regions they name, `None` when an AWS provider's Region is not
/// known from the plan (set by the environment, or by an expression the
/// plan does not resolve).
fn from_providers(plan: &Plan) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let Some(configs) = plan.provider_config.as_object() else {
        return Some(out);
    };
    for c in configs.values() {
        if c.get("name").and_then(Value::as_str) != Some("aws") {
            continue;
        }
        let in_root = c
            .get("module_address")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        let e = c.get("expressions").and_then(|e| e.get("region"))?;
        if let Some(r) = e.get("constant_value").and_then(Value::as_str) {
            out.insert(r.to_owned());
            continue;
        }
        let refs: Vec<&str> = e
            .get("references")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let var = refs.iter().find_map(|r| r.strip_prefix("var."))?;
        if !in_root {
            return None;
        }
        let v = plan.variables.get(var)?.get("value")?.as_str()?;
        out.insert(v.to_owned());
    }
    Some(out)
}

/// `us-east-1a` → `us-east-1` (standard zone names only; Local and
/// Wavelength Zones are not read).
pub(super) fn zone_region(az: &str) -> Option<String> {
    let (region, zone) = az.split_at(az.len().checked_sub(1)?);
    let ok_zone = zone.chars().all(|c| c.is_ascii_lowercase());
    let parts: Vec<&str> = region.split('-').collect();
    let ok_region = parts.len() >= 3
        && parts.len() <= 4
        && parts
            .last()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        && parts.iter().all(|p| !p.is_empty());
    (ok_zone && ok_region).then(|| region.to_owned())
}

/// The Regions named by availability zones and ARNs in the planned values.
fn from_values(plan: &Plan) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in &plan.resources {
        if let Val::Known(Value::String(az)) = r.get(&[P::K("availability_zone")])
            && let Some(reg) = zone_region(az)
        {
            out.insert(reg);
        }
        if let Val::Known(Value::String(arn)) = r.get(&[P::K("arn")]) {
            let parts: Vec<&str> = arn.split(':').collect();
            if parts.len() > 4
                && parts[0] == "arn"
                && !parts[3].is_empty()
                && zone_region(&format!("{}a", parts[3])).is_some()
            {
                out.insert(parts[3].to_owned());
            }
        }
    }
    out
}

/// Set the topology's Region when the plan says it, and only then.
pub(super) fn derive(cx: &mut Ctx) {
    if cx.file.region.is_some() {
        return;
    }
    let providers = from_providers(cx.plan);
    let values = from_values(cx.plan);
    let mut all = values.clone();
    if let Some(p) = &providers {
        all.extend(p.iter().cloned());
    }
    let said = providers.as_ref().is_some_and(|p| !p.is_empty()) || !values.is_empty();
    match (said, all.len()) {
        (true, 1) => {
            if let Some(r) = all.into_iter().next() {
                cx.notes.push(format!(
                    "the Region is `{r}`, from the plan's {}",
                    if providers.as_ref().is_some_and(|p| !p.is_empty()) {
                        "AWS provider configuration"
                    } else {
                        "availability zones and ARNs"
                    }
                ));
                cx.file.region = Some(Sp::new(r));
            }
        }
        (true, _) => cx.notes.push(format!(
            "the plan names several Regions ({}): the Region of each VPC is left unknown",
            all.iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => {}
    }
}
