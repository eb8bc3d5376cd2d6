//! The `policy` section: private service access and public exposure.

use super::*;

impl V<'_> {
    /// `policy.private_service_access`: who uses which services, and the
    /// buckets' and tables' resource policies.
    pub(super) fn service_access_policy(&mut self) {
        let Some(pa) = self
            .src
            .policy
            .as_ref()
            .and_then(|p| p.private_service_access.as_ref())
        else {
            return;
        };
        let ctx = "the private_service_access policy";
        let mut out = r::ServiceAccessPolicy {
            pos: pa.pos,
            hosts_use_vpc_dns: pa.hosts_use_vpc_dns.unwrap_or(true),
            ..r::ServiceAccessPolicy::default()
        };
        if let Some(p) = &pa.client_ports {
            match values::ports(&p.value.0, ctx) {
                Ok(r) => out.client_ports = r,
                Err(x) => self.problem(p.pos, x),
            }
        }
        let top_region = self.src.region.as_ref().map(|r| r.value.clone());
        let resources = |list: &[Sp<f::ServiceResource>]| -> Vec<r::ServiceResource> {
            list.iter()
                .map(|b| r::ServiceResource {
                    meta: meta(&b.name, &b.aws_id),
                    region: b
                        .region
                        .as_ref()
                        .map(|r| r.value.trim().to_string())
                        .or_else(|| top_region.clone()),
                    policy: b.policy.clone(),
                })
                .collect()
        };
        out.buckets = resources(&pa.buckets);
        out.tables = resources(&pa.tables);
        for (list, what) in [(&pa.buckets, "bucket"), (&pa.tables, "table")] {
            let mut seen: HashMap<&str, Pos> = HashMap::new();
            for b in list {
                if let Some(first) = seen.insert(b.name.value.as_str(), b.name.pos) {
                    self.err(
                        b.name.pos,
                        format!(
                            "{ctx} lists {what} `{}` twice{}",
                            b.name.value,
                            at_line(first)
                        ),
                        None,
                    );
                }
            }
        }
        if let Some(uses) = &pa.uses {
            let mut resolved = Vec::with_capacity(uses.len());
            for u in uses {
                let mut su = r::ServiceUse {
                    pos: u.pos,
                    tags: u.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    ..r::ServiceUse::default()
                };
                for w in &u.workloads {
                    match self.lookup(
                        w,
                        &[Kind::Eni, Kind::Instance],
                        "network interface or instance",
                        ctx,
                    ) {
                        Some((Kind::Eni, i)) => su.enis.push(i),
                        Some((_, i)) => {
                            if let Some(inst) = self.t.instances.get(i) {
                                su.enis.extend(inst.enis.iter().copied());
                            }
                        }
                        None => {}
                    }
                }
                for sn in &u.subnets {
                    let id = self.lookup1(sn, Kind::Subnet, ctx);
                    if id != BAD {
                        su.subnets.push(id);
                    }
                }
                for sv in &u.services {
                    match parse_service(&sv.value) {
                        Ok(x) => su.services.push(x),
                        Err(help) => self.err(
                            sv.pos,
                            format!("invalid service `{}` in {ctx}", sv.value.trim()),
                            Some(help),
                        ),
                    }
                }
                for (names, list, kind, what) in [
                    (&u.buckets, &out.buckets, r::ServiceKind::S3, "bucket"),
                    (&u.tables, &out.tables, r::ServiceKind::DynamoDb, "table"),
                ] {
                    for n in names {
                        match list.iter().find(|b| b.meta.name == n.value) {
                            Some(b) => su.services.push(r::ServiceRef {
                                kind: kind.clone(),
                                region: b.region.clone(),
                            }),
                            None => {
                                let help = did_you_mean(
                                    &n.value,
                                    list.iter().map(|b| b.meta.name.as_str()),
                                )
                                .or_else(|| {
                                    Some(format!(
                                        "list it under `policy.private_service_access.{what}s`"
                                    ))
                                });
                                self.err(
                                    n.pos,
                                    format!("{ctx} refers to unknown {what} `{}`", n.value),
                                    help,
                                );
                            }
                        }
                    }
                }
                resolved.push(su);
            }
            out.uses = Some(resolved);
        }
        self.t.policy.service_access = out;
    }

    pub(super) fn policy(&mut self) {
        self.service_access_policy();
        self.expect_policy();
        let Some(pe) = self
            .src
            .policy
            .as_ref()
            .and_then(|p| p.public_exposure.as_ref())
        else {
            return;
        };
        let ctx = "the public_exposure policy";
        for a in &pe.allow {
            if !self.names.contains_key(a.resource.value.as_str())
                && let Some(b) = self
                    .t
                    .buckets
                    .iter()
                    .position(|b| b.meta.name == a.resource.value)
            {
                self.t.policy.exposure_allow_buckets.push((b, a.pos));
                continue;
            }
            let res = self.lookup(
                &a.resource,
                &[Kind::Eni, Kind::Instance, Kind::LoadBalancer],
                "network interface, instance or load balancer",
                ctx,
            );
            let actx = format!("the public_exposure allowance for `{}`", a.resource.value);
            let mut ports = Vec::with_capacity(a.ports.len());
            for p in &a.ports {
                match values::port_spec(&p.value, &actx) {
                    Ok(s) => ports.push(s),
                    Err(x) => self.problem(p.pos, x),
                }
            }
            let mut from = Vec::with_capacity(a.from.len());
            for c in &a.from {
                if let Some(n) = self.cidr(c, &actx) {
                    from.push(n);
                }
            }
            let resource = match res {
                Some((Kind::Eni, i)) => ResourceRef::Eni(i),
                Some((Kind::Instance, i)) => ResourceRef::Instance(i),
                Some((_, i)) => ResourceRef::LoadBalancer(i),
                None => continue,
            };
            self.t.policy.exposure_allow.push(r::ExposureAllow {
                resource,
                ports,
                from,
                pos: a.pos,
            });
        }
        for lb in &pe.forbid {
            let id = self.lookup1(
                lb,
                Kind::LoadBalancer,
                "the public_exposure policy's `forbid`",
            );
            if id != BAD {
                self.t.policy.exposure_forbid.push((id, lb.pos));
            }
        }
    }
}

/// A service of `policy.private_service_access.uses[].services`: `s3`,
/// `dynamodb`, `ecr`, another short name, or `com.amazonaws.<region>.<name>`.
pub(super) fn parse_service(text: &str) -> Result<r::ServiceRef, String> {
    let t = text.trim().to_ascii_lowercase();
    let (region, short) = match r::service_parts(&t) {
        Some((reg, svc)) => (Some(reg.to_string()), svc.to_string()),
        None => (None, t.clone()),
    };
    let valid = !short.is_empty()
        && short
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        && !short.starts_with('.')
        && !short.ends_with('.');
    if !valid {
        return Err(
            "write `s3`, `dynamodb`, `ecr`, a service's short name such as `sqs`, or `com.amazonaws.<region>.<service>`"
                .into(),
        );
    }
    let kind = match short.as_str() {
        "s3" => r::ServiceKind::S3,
        "dynamodb" => r::ServiceKind::DynamoDb,
        "ecr" => r::ServiceKind::Ecr,
        _ => r::ServiceKind::Interface(short),
    };
    Ok(r::ServiceRef { kind, region })
}

impl V<'_> {
    /// `policy.expect`: kept as written (the query language, above the
    /// model, parses each entry: `checks::expected_flows`).
    fn expect_policy(&mut self) {
        let Some(policy) = self.src.policy.as_ref() else {
            return;
        };
        for e in &policy.expect {
            let text = e.value.trim();
            if text.is_empty() {
                self.err(
                    e.pos,
                    "empty expected flow in the policy".to_owned(),
                    Some(r::EXPECT_FORM.to_owned()),
                );
                continue;
            }
            self.t.policy.expect.push(r::Expect {
                text: text.to_owned(),
                pos: e.pos,
            });
        }
    }
}
