//! Direct Connect: LAGs, connections, gateways and virtual interfaces,
//! with MACsec (AWS-SEMANTICS §12).

use super::*;

impl V<'_> {
    pub(super) fn encryption_mode(
        &mut self,
        m: &Option<Sp<String>>,
        ctx: &str,
    ) -> Option<EncryptionMode> {
        let m = m.as_ref()?;
        self.choice(
            m,
            &[
                ("no_encrypt", EncryptionMode::NoEncrypt),
                ("should_encrypt", EncryptionMode::ShouldEncrypt),
                ("must_encrypt", EncryptionMode::MustEncrypt),
            ],
            "encryption mode",
            ctx,
        )
    }

    pub(super) fn keys(&mut self, keys: &[Sp<f::MacsecKey>], ctx: &str) -> Vec<MacsecKeyState> {
        keys.iter()
            .filter_map(|k| {
                self.choice(
                    &k.state,
                    &[
                        ("associating", MacsecKeyState::Associating),
                        ("associated", MacsecKeyState::Associated),
                        ("disassociating", MacsecKeyState::Disassociating),
                        ("disassociated", MacsecKeyState::Disassociated),
                    ],
                    "macsec key state",
                    ctx,
                )
            })
            .collect()
    }

    /// MACsec modes other than `no_encrypt` need a MACsec-capable port.
    pub(super) fn macsec_needs_capable(
        &mut self,
        mode: Option<EncryptionMode>,
        capable: bool,
        at: &Option<Sp<String>>,
        ctx: &str,
    ) {
        if let (Some(m), Some(at)) = (mode, at)
            && m != EncryptionMode::NoEncrypt
            && !capable
        {
            self.err(
                at.pos,
                format!(
                    "{ctx} sets encryption mode `{}` but is not `macsec_capable`",
                    m.as_str()
                ),
                Some("set `macsec_capable: true` if the port supports MACsec (C-12.5)".into()),
            );
        }
    }

    pub(super) fn direct_connect(&mut self) {
        let Some(dx) = &self.src.direct_connect else {
            return;
        };
        self.dx_lags(dx);
        self.dx_connections(dx);
        self.dx_gateways(dx);
        self.dx_vifs(dx);
    }

    /// Direct Connect LAGs.
    pub(super) fn dx_lags(&mut self, dx: &f::DirectConnect) {
        for l in &dx.lags {
            let ctx = format!("direct connect lag `{}`", l.name.value);
            let mode = self.encryption_mode(&l.encryption_mode, &ctx);
            let capable = l.macsec_capable.unwrap_or(false);
            self.macsec_needs_capable(mode, capable, &l.encryption_mode, &ctx);
            self.t.hybrid.dx_lags.push(h::DxLag {
                meta: meta(&l.name, &l.aws_id),
                macsec_capable: capable,
                encryption_mode: mode.unwrap_or_default(),
                members: Vec::new(),
            });
        }
    }

    /// Direct Connect connections, with the encryption mode and keys of their LAG (C-12.5).
    pub(super) fn dx_connections(&mut self, dx: &f::DirectConnect) {
        for (ci, c) in dx.connections.iter().enumerate() {
            let ctx = format!("direct connect connection `{}`", c.name.value);
            let hosted = match &c.kind {
                None => false,
                Some(k) => self
                    .choice(
                        k,
                        &[("dedicated", false), ("hosted", true)],
                        "connection kind",
                        &ctx,
                    )
                    .unwrap_or(false),
            };
            let lag = c
                .lag
                .as_ref()
                .map(|l| self.hyb1::<usize>(l, Kind::DxLag, &ctx));
            let own = self.encryption_mode(&c.encryption_mode, &ctx);
            let capable = c.macsec_capable.unwrap_or(false);
            self.macsec_needs_capable(own, capable, &c.encryption_mode, &ctx);
            let mut keys = self.keys(&c.macsec_keys, &ctx);
            let mut mode = own.unwrap_or_default();
            let mut mode_pos = c.encryption_mode.as_ref().map_or(Pos::default(), |m| m.pos);
            if let Some(li) = lag
                && let Some(lg) = dx.lags.get(li)
            {
                // C-12.5: a LAG's mode applies to all its members.
                if let (Some(m), Some(at)) = (own, &c.encryption_mode)
                    && lg.encryption_mode.is_some()
                    && Some(m)
                        != self
                            .t
                            .hybrid
                            .dx_lags
                            .get(DxLagId::from(li))
                            .map(|x| x.encryption_mode)
                {
                    self.err(at.pos, format!("{ctx} sets encryption mode `{}`, but its lag `{}` sets another", m.as_str(), lg.name.value), Some("a lag's encryption mode applies to all its members; set it on the lag only".into()));
                }
                if lg.encryption_mode.is_some() {
                    mode = self
                        .t
                        .hybrid
                        .dx_lags
                        .get(DxLagId::from(li))
                        .map_or(mode, |x| x.encryption_mode);
                    mode_pos = lg.encryption_mode.as_ref().map_or(mode_pos, |m| m.pos);
                }
                let lag_keys = self.keys(
                    &lg.macsec_keys,
                    &format!("direct connect lag `{}`", lg.name.value),
                );
                keys.extend(lag_keys);
                if let Some(x) = self.t.hybrid.dx_lags.get_mut(DxLagId::from(li)) {
                    x.members.push(DxConnectionId::from(ci));
                }
            }
            let port = c
                .port_encryption_status
                .as_deref()
                .map(|p| p.trim().eq_ignore_ascii_case("encryption up"));
            self.t.hybrid.dx_connections.push(h::DxConnection {
                meta: meta(&c.name, &c.aws_id),
                hosted,
                lag: lag.filter(|&l| l != BAD).map(DxLagId::from),
                macsec_capable: capable,
                encryption_mode: mode,
                encryption_mode_pos: mode_pos,
                macsec_keys: keys,
                port_encryption_up: port,
                partner_segment_encrypted: c.partner_segment_encrypted.unwrap_or(false),
            });
        }
    }

    /// Direct Connect gateways and their associations (C-12.2).
    pub(super) fn dx_gateways(&mut self, dx: &f::DirectConnect) {
        for g in &dx.gateways {
            let ctx = format!("direct connect gateway `{}`", g.name.value);
            let mut associations = Vec::new();
            let (mut tgw_seen, mut vgw_seen) = (false, false);
            for a in &g.associations {
                let target = match (&a.transit_gateway, &a.vpn_gateway) {
                    (Some(t), None) => {
                        let i: TgwId = self.hyb1(t, Kind::Tgw, &ctx);
                        tgw_seen = true;
                        (i != TgwId::from(BAD)).then_some(DxAssociationTarget::Tgw(i))
                    }
                    (None, Some(v)) => {
                        let i: VgwId = self.hyb1(v, Kind::Vgw, &ctx);
                        vgw_seen = true;
                        (i != VgwId::from(BAD)).then_some(DxAssociationTarget::Vgw(i))
                    }
                    _ => {
                        self.err(a.pos, format!("an association of {ctx} must set exactly one of `transit_gateway` and `vpn_gateway`"), None);
                        None
                    }
                };
                let allowed = self.cidrs(&a.allowed_prefixes, &ctx);
                if let Some(target) = target {
                    associations.push(h::DxGatewayAssociation {
                        target,
                        allowed_prefixes: allowed,
                        pos: a.pos,
                    });
                }
            }
            if tgw_seen && vgw_seen {
                self.err(g.name.pos, format!("{ctx} is associated with both transit gateways and vpn gateways"), Some("a direct connect gateway associates with vpn gateways or with transit gateways, not both (C-12.2)".into()));
            }
            let gi = self.t.hybrid.dx_gateways.next_key();
            for a in &associations {
                if let DxAssociationTarget::Vgw(v) = a.target
                    && let Some(x) = self.t.hybrid.vgws.get_mut(v)
                {
                    x.dx_gateways.push(gi);
                }
            }
            self.t.hybrid.dx_gateways.push(h::DxGateway {
                meta: meta(&g.name, &g.aws_id),
                amazon_side_asn: g.amazon_side_asn,
                associations,
                vifs: Vec::new(),
            });
        }
    }

    /// Virtual interfaces, and the gateways they attach to (C-12.1, C-12.2).
    pub(super) fn dx_vifs(&mut self, dx: &f::DirectConnect) {
        for (vi, x) in dx.virtual_interfaces.iter().enumerate() {
            let vi = VifId::from(vi);
            let ctx = format!("virtual interface `{}`", x.name.value);
            let kind = self.choice(
                &x.kind,
                &[
                    ("private", VifKind::Private),
                    ("transit", VifKind::Transit),
                    ("public", VifKind::Public),
                ],
                "virtual interface type",
                &ctx,
            );
            let carrier = match self.hyb(
                &x.connection,
                &[Kind::DxConnection, Kind::DxLag],
                "direct connect connection or lag",
                &ctx,
            ) {
                Some((Kind::DxLag, l)) => DxCarrier::Lag(l.into()),
                Some((_, c)) => DxCarrier::Connection(c.into()),
                None => DxCarrier::Connection(BAD.into()),
            };
            let available = self.flag_state(&x.state, VIF_STATES, "virtual interface state", &ctx);
            let dxgw = x
                .direct_connect_gateway
                .as_ref()
                .map(|g| (g, self.hyb1::<DxGatewayId>(g, Kind::DxGateway, &ctx)));
            let vgw = x
                .vpn_gateway
                .as_ref()
                .map(|g| (g, self.hyb1::<VgwId>(g, Kind::Vgw, &ctx)));
            match kind {
                Some(VifKind::Private) if dxgw.is_some() == vgw.is_some() => {
                    self.err(x.kind.pos, format!("{ctx} of type `private` must set exactly one of `direct_connect_gateway` and `vpn_gateway`"), None);
                }
                Some(VifKind::Private) => {}
                Some(VifKind::Transit) => {
                    if dxgw.is_none() {
                        self.err(
                            x.kind.pos,
                            format!(
                                "{ctx} of type `transit` does not set `direct_connect_gateway`"
                            ),
                            None,
                        );
                    }
                    if let Some((g, _)) = vgw {
                        self.err(g.pos, format!("{ctx} of type `transit` sets `vpn_gateway`"), Some("a transit virtual interface attaches to a direct connect gateway (C-12.1)".into()));
                    }
                }
                Some(VifKind::Public) => {
                    let names = dxgw.iter().map(|(g, _)| g);
                    for g in names.chain(vgw.iter().map(|(g, _)| g)) {
                        self.err(g.pos, format!("{ctx} of type `public` attaches to `{}`", g.value), Some("a public virtual interface reaches AWS public address space, not a gateway (C-12.1)".into()));
                    }
                }
                None => {}
            }
            if kind != Some(VifKind::Public)
                && let Some(p) = x.advertised_prefixes.first()
            {
                self.err(p.pos, format!("{ctx} lists `advertised_prefixes`, which only a public virtual interface has"), None);
            }
            // C-12.2: transit VIFs reach TGW associations, private VIFs VGW ones.
            if let (Some(k), Some((g, gi))) = (kind, dxgw)
                && let Some(gw) = self.t.hybrid.dx_gateways.get(gi)
            {
                let wrong = gw.associations.iter().any(|a| {
                    matches!(
                        (k, a.target),
                        (VifKind::Transit, DxAssociationTarget::Vgw(_))
                            | (VifKind::Private, DxAssociationTarget::Tgw(_))
                    )
                });
                if wrong {
                    let other = if k == VifKind::Transit {
                        "vpn gateways"
                    } else {
                        "transit gateways"
                    };
                    self.err(g.pos, format!("{ctx} of type `{}` attaches to direct connect gateway `{}`, which is associated with {other}", k.as_str(), g.value), Some("transit virtual interfaces reach transit gateways; private ones reach vpn gateways (C-12.1)".into()));
                }
            }
            let prefixes = self.cidrs(&x.advertised_prefixes, &ctx);
            let dxgw = dxgw
                .map(|(_, i)| i)
                .filter(|&i| i != DxGatewayId::from(BAD));
            let vgw = vgw.map(|(_, i)| i).filter(|&i| i != VgwId::from(BAD));
            if let Some(g) = dxgw
                && let Some(gw) = self.t.hybrid.dx_gateways.get_mut(g)
            {
                gw.vifs.push(vi);
            }
            if let Some(g) = vgw
                && let Some(gw) = self.t.hybrid.vgws.get_mut(g)
            {
                gw.vifs.push(vi);
            }
            self.t.hybrid.vifs.push(h::Vif {
                meta: meta(&x.name, &x.aws_id),
                kind: kind.unwrap_or(VifKind::Private),
                carrier,
                available,
                dx_gateway: dxgw,
                vgw,
                advertised_prefixes: prefixes,
            });
        }
    }
}
