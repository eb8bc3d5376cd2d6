//! `policy.on_prem_access` and the on-prem networks.

use super::*;

impl V<'_> {
    pub(super) fn on_prem_policy(&mut self) {
        let Some(policy) = &self.src.policy else {
            return;
        };
        let ctx = "the on_prem_access policy";
        let mut seen: HashMap<OnPremId, Pos> = HashMap::new();
        for p in &policy.on_prem_access {
            let n: OnPremId = self.hyb1(&p.network, Kind::OnPrem, ctx);
            if n == OnPremId::from(BAD) {
                continue;
            }
            if let Some(first) = seen.get(&n) {
                let msg = format!(
                    "{ctx} lists on-prem network `{}` twice{}",
                    p.network.value,
                    at_line(*first)
                );
                self.err(p.network.pos, msg, Some("merge the two entries".into()));
                continue;
            }
            seen.insert(n, p.network.pos);
            let mut allow = Vec::new();
            for a in &p.allow {
                let res = self.lookup(
                    &a.resource,
                    &[Kind::Eni, Kind::Instance, Kind::LoadBalancer],
                    "network interface, instance or load balancer",
                    ctx,
                );
                let actx = format!(
                    "the on_prem_access allowance for `{}` from `{}`",
                    a.resource.value, p.network.value
                );
                let mut ports = Vec::new();
                for x in &a.ports {
                    match crate::model::values::port_spec(&x.value, &actx) {
                        Ok(s) => ports.push(s),
                        Err(e) => self.problem(x.pos, e),
                    }
                }
                let r = match res {
                    Some((Kind::Eni, i)) => crate::model::resolved::ResourceRef::Eni(i),
                    Some((Kind::Instance, i)) => crate::model::resolved::ResourceRef::Instance(i),
                    Some((_, i)) => crate::model::resolved::ResourceRef::LoadBalancer(i),
                    None => continue,
                };
                allow.push((r, ports, a.pos));
            }
            self.t
                .policy
                .on_prem_access
                .push(crate::model::resolved::OnPremAccess {
                    network: n,
                    allow,
                    pos: p.pos,
                });
        }
    }

    /// A DX gateway associated with a gateway or attached to a transit
    /// gateway, with none of its virtual interfaces in the topology (one
    /// owned by another account, or left out): its paths on prem are not
    /// known, not absent (C-12.2), so the hybrid checks are unknown.
    pub(super) fn dx_gateways_without_vifs(&mut self) {
        let h = &self.t.hybrid;
        let mut found = Vec::new();
        for (gi, g) in h.dx_gateways.iter_enumerated() {
            let attached = h
                .tgw_attachments
                .iter()
                .any(|a| matches!(a.kind, TgwAttachmentKind::DxGateway(x) if x == gi));
            if g.vifs.is_empty() && (attached || !g.associations.is_empty()) {
                found.push(crate::model::resolved::Gap {
                    what: format!(
                        "direct connect gateway `{}` is in use, but none of its virtual interfaces is in the topology (owned by another account?): where it reaches on prem is not known",
                        g.meta.aws_id.as_deref().unwrap_or(&g.meta.name)
                    ),
                    affects: vec!["transit-encryption".into(), "on-prem-access".into()],
                    kind: crate::model::resolved::GapKind::VpnDirectConnect,
                    scope: crate::model::resolved::GapScope::Everywhere,
                    pos: g.meta.pos,
                });
            }
        }
        self.t.gaps.extend(found);
    }

    pub(super) fn on_prem(&mut self) {
        let s = self.src;
        for n in &s.on_prem_networks {
            let ctx = format!("on-prem network `{}`", n.name.value);
            if let Some(first) = n.derived_from.first()
                && n.derived != Some(true)
            {
                self.err(
                    first.pos,
                    format!("{ctx} lists `derived_from` but is not `derived: true`"),
                    Some("only a derived network records the routes it came from".into()),
                );
            }
            if n.cidrs.is_empty() {
                self.err(n.name.pos, format!("{ctx} has no `cidrs`"), None);
            }
            let cidrs = self.cidrs(&n.cidrs, &ctx);
            let mut via: Vec<OnPremVia> = Vec::new();
            let mut via_names: Vec<&str> = Vec::new();
            for x in &n.via {
                let v = match self.hyb(
                    x,
                    &[Kind::Vpn, Kind::Vif],
                    "vpn connection or virtual interface",
                    &ctx,
                ) {
                    Some((Kind::Vpn, i)) => OnPremVia::Vpn(i.into()),
                    Some((_, i)) => OnPremVia::Vif(i.into()),
                    None => continue,
                };
                if via.contains(&v) {
                    self.err(
                        x.pos,
                        format!("{ctx} lists `{}` twice in `via`", x.value),
                        None,
                    );
                    continue;
                }
                via.push(v);
                via_names.push(x.value.as_str());
            }
            let mut advertises: Vec<Option<Vec<IpNet>>> = vec![None; via.len()];
            for a in &n.advertises {
                let Some(k) = via_names.iter().position(|v| *v == a.via.value) else {
                    let help =
                        crate::model::fuzzy::did_you_mean(&a.via.value, via_names.iter().copied());
                    self.err(
                        a.via.pos,
                        format!(
                            "{ctx} advertises over `{}`, which is not in its `via`",
                            a.via.value
                        ),
                        help,
                    );
                    continue;
                };
                if let Some(OnPremVia::Vpn(vp)) = via.get(k)
                    && self
                        .t
                        .hybrid
                        .vpns
                        .get(*vp)
                        .is_some_and(|x| x.static_routes_only)
                {
                    self.err(
                        a.via.pos,
                        format!(
                            "{ctx} advertises bgp routes over `{}`, which uses static routes only",
                            a.via.value
                        ),
                        Some("static vpn routes are the connection's `routes`".into()),
                    );
                    continue;
                }
                if advertises[k].is_some() {
                    self.err(
                        a.via.pos,
                        format!("{ctx} lists advertisements over `{}` twice", a.via.value),
                        None,
                    );
                    continue;
                }
                advertises[k] = Some(self.cidrs(&a.prefixes, &ctx));
            }
            let prefer = if n.prefer.is_empty() {
                None
            } else {
                let mut out = Vec::new();
                for p in &n.prefer {
                    let t = p.value.trim();
                    if t.eq_ignore_ascii_case("dx") {
                        out.push(Preference::Dx);
                    } else if t.eq_ignore_ascii_case("vpn") {
                        out.push(Preference::Vpn);
                    } else if let Some(k) = via_names.iter().position(|v| *v == t) {
                        if let Some(v) = via.get(k) {
                            out.push(Preference::Via(*v));
                        }
                    } else {
                        let mut cands = vec!["dx", "vpn"];
                        cands.extend(via_names.iter().copied());
                        let help = crate::model::fuzzy::did_you_mean(t, cands.iter().copied())
                            .or_else(|| {
                                Some("expected `dx`, `vpn` or a connection in `via`".into())
                            });
                        self.err(p.pos, format!("invalid preference `{t}` in {ctx}"), help);
                    }
                }
                Some(out)
            };
            let derived = n.derived == Some(true);
            // A derived network is what AWS routes towards its connections,
            // and the local route wins for a VPC's own CIDRs (C-3.7): none
            // of them is on prem, even in a file derived before that rule.
            let cidrs = if derived {
                let own: Vec<IpNet> = self
                    .t
                    .vpcs
                    .iter()
                    .flat_map(|v| {
                        v.cidrs
                            .iter()
                            .map(|c| IpNet::V4(*c))
                            .chain(v.ipv6_cidrs.iter().map(|c| IpNet::V6(*c)))
                    })
                    .collect();
                cidrs
                    .into_iter()
                    .flat_map(|c| crate::model::hybrid::prefix_minus(c, &own))
                    .collect()
            } else {
                cidrs
            };
            self.t.hybrid.on_prem.push(h::OnPremNetwork {
                meta: meta(&n.name, &None),
                cidrs,
                via,
                advertises,
                prefer,
                prefer_pos: n.prefer.first().map_or(Pos::default(), |p| p.pos),
                derived,
            });
        }
    }
}
