//! Validation and resolution of the hybrid sections: transit gateways,
//! virtual private gateways, customer gateways, VPN connections, Direct
//! Connect and on-prem networks (AWS-SEMANTICS §9–12).

use ipnet::{IpNet, Ipv4Net};
use std::collections::HashMap;

use super::super::format as f;
use super::super::hybrid::{
    self as h, DxAssociationTarget, DxCarrier, EncryptionMode, HybridRef, IkeVersion,
    MacsecKeyState, OnPremVia, OutsideIp, Preference, TgwAttachmentKind, TgwRouteTarget, VifKind,
    VpnGatewayRef,
};
use super::super::ids::{
    CgwId, DxConnectionId, DxGatewayId, DxLagId, OnPremId, TgwAttachmentId, TgwId, TgwRouteTableId,
    VgwId, VifId, VpnId,
};
use super::super::spanned::{Pos, Sp};
use super::{BAD, Kind, V, at_line, meta};

mod dx;
mod on_prem;
mod tgw;
mod vpn;

const AVAILABLE: &[(&str, bool)] = &[
    ("available", true),
    ("pending", false),
    ("pendingAcceptance", false),
    ("initiating", false),
    ("modifying", false),
    ("rollingBack", false),
    ("failing", false),
    ("failed", false),
    ("rejecting", false),
    ("rejected", false),
    ("deleting", false),
    ("deleted", false),
];

const VIF_STATES: &[(&str, bool)] = &[
    ("available", true),
    ("confirming", false),
    ("verifying", false),
    ("pending", false),
    ("down", false),
    ("testing", false),
    ("deleting", false),
    ("deleted", false),
    ("rejected", false),
    ("unknown", false),
];

#[derive(Clone, Copy)]
enum AttKind {
    Vpc,
    Vpn,
    Dxgw,
    Peering,
    Connect,
}

impl V<'_> {
    /// Resolve a reference to one of the hybrid `kinds`: the kind and the
    /// index in its section (which is its index in `t.hybrid`).
    fn hyb(
        &mut self,
        r: &Sp<String>,
        kinds: &[Kind],
        what: &str,
        ctx: &str,
    ) -> Option<(Kind, usize)> {
        let (kind, other) = self.lookup(r, kinds, what, ctx)?;
        let &(k, sec) = self.other_src.get(other)?;
        (k == kind).then_some((k, sec))
    }

    /// The id (of the collection `kind` names) that `r` refers to, or
    /// `BAD` when it dangles (reported).
    fn hyb1<I: From<usize>>(&mut self, r: &Sp<String>, kind: Kind, ctx: &str) -> I {
        I::from(
            self.hyb(r, &[kind], kind.label(), ctx)
                .map_or(BAD, |(_, i)| i),
        )
    }

    fn flag_state(
        &mut self,
        s: &Option<Sp<String>>,
        options: &[(&'static str, bool)],
        what: &str,
        ctx: &str,
    ) -> bool {
        match s {
            None => true,
            Some(v) => self.choice(v, options, what, ctx).unwrap_or(false),
        }
    }

    fn cidrs(&mut self, list: &[Sp<String>], ctx: &str) -> Vec<IpNet> {
        list.iter().filter_map(|c| self.cidr(c, ctx)).collect()
    }

    pub(super) fn hybrid(&mut self) {
        self.tgws();
        self.vgws();
        self.cgws();
        self.direct_connect();
        self.vpns();
        self.tgw_attachments();
        self.dx_gateways_without_vifs();
        self.tgw_route_tables();
        self.tgw_defaults();
        self.on_prem();
        self.on_prem_policy();
        let kinds: Vec<Option<HybridRef>> = self
            .other_src
            .iter()
            .map(|&(k, i)| match k {
                Kind::Tgw => Some(HybridRef::Tgw(i.into())),
                Kind::TgwAttachment => Some(HybridRef::TgwAttachment(i.into())),
                Kind::TgwRouteTable => Some(HybridRef::TgwRouteTable(i.into())),
                Kind::Vgw => Some(HybridRef::Vgw(i.into())),
                Kind::Cgw => Some(HybridRef::Cgw(i.into())),
                Kind::Vpn => Some(HybridRef::Vpn(i.into())),
                Kind::DxConnection => Some(HybridRef::DxConnection(i.into())),
                Kind::DxLag => Some(HybridRef::DxLag(i.into())),
                Kind::Vif => Some(HybridRef::Vif(i.into())),
                Kind::DxGateway => Some(HybridRef::DxGateway(i.into())),
                Kind::OnPrem => Some(HybridRef::OnPrem(i.into())),
                _ => None,
            })
            .collect();
        // Entries past `other_src` (GWLB endpoints) are not hybrid.
        let mut all = kinds;
        all.resize(self.t.others.len(), None);
        self.t.hybrid.other_kind = all;
    }
}
