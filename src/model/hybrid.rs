//! The resolved hybrid-connectivity model: transit gateways, virtual
//! private gateways, Site-to-Site VPN, Direct Connect and on-prem networks
//! (AWS-SEMANTICS §9–12). Built by validation from the `transit_gateways`,
//! `vpn_gateways`, `customer_gateways`, `vpn_connections`, `direct_connect`
//! and `on_prem_networks` sections; every reference is an index.
//!
//! These resources are named in [`super::Topology::others`] (so route
//! targets and messages keep working as before); [`Hybrid::other_kind`]
//! says which hybrid resource each of those entries is.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::ids::{
    CgwId, DxConnectionId, DxGatewayId, DxLagId, OnPremId, TgwAttachmentId, TgwId, TgwRouteTableId,
    TiVec, VgwId, VifId, VpnId,
};
use super::resolved::{Meta, PrefixListId, RouteDest, SubnetId, VpcId};
use super::spanned::Pos;

/// What an entry of `Topology::others` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HybridRef {
    Tgw(TgwId),
    TgwAttachment(TgwAttachmentId),
    TgwRouteTable(TgwRouteTableId),
    Vgw(VgwId),
    Cgw(CgwId),
    Vpn(VpnId),
    DxConnection(DxConnectionId),
    DxLag(DxLagId),
    Vif(VifId),
    DxGateway(DxGatewayId),
    OnPrem(OnPremId),
}

/// Every hybrid resource of a topology.
#[derive(Debug, Clone, Default)]
pub struct Hybrid {
    pub tgws: TiVec<TgwId, Tgw>,
    /// Attachments of every transit gateway, in file order.
    pub tgw_attachments: TiVec<TgwAttachmentId, TgwAttachment>,
    /// Route tables of every transit gateway, in file order.
    pub tgw_route_tables: TiVec<TgwRouteTableId, TgwRouteTable>,
    pub vgws: TiVec<VgwId, Vgw>,
    pub cgws: TiVec<CgwId, Cgw>,
    pub vpns: TiVec<VpnId, VpnConnection>,
    pub dx_connections: TiVec<DxConnectionId, DxConnection>,
    pub dx_lags: TiVec<DxLagId, DxLag>,
    pub vifs: TiVec<VifId, Vif>,
    pub dx_gateways: TiVec<DxGatewayId, DxGateway>,
    pub on_prem: TiVec<OnPremId, OnPremNetwork>,
    /// Parallel to `Topology::others`: the hybrid resource of each entry
    /// (`None` for entries that are not hybrid, e.g. GWLB endpoints).
    pub other_kind: Vec<Option<HybridRef>>,
}

impl Hybrid {
    /// The public virtual interfaces that carry AWS public traffic to
    /// `dst`: available, with a customer prefix that contains it (C-12.1).
    /// Traffic from AWS public addresses (EIPs, NAT gateways) to such a
    /// prefix leaves over Direct Connect, not the internet.
    pub fn public_vifs_to(&self, dst: std::net::IpAddr) -> Vec<VifId> {
        self.vifs
            .iter_enumerated()
            .filter(|(_, v)| {
                v.kind == VifKind::Public
                    && v.available
                    && v.advertised_prefixes.iter().any(|n| n.contains(&dst))
            })
            .map(|(x, _)| x)
            .collect()
    }

    /// The hybrid resource an `others` entry (e.g. a route's
    /// `RouteTarget::Other`) stands for.
    pub fn of_other(&self, other: usize) -> Option<HybridRef> {
        self.other_kind.get(other).copied().flatten()
    }

    /// The VPN connection or virtual interface of an on-prem connection.
    pub fn via_meta(&self, via: OnPremVia) -> &Meta {
        match via {
            OnPremVia::Vpn(v) => &self.vpns[v].meta,
            OnPremVia::Vif(v) => &self.vifs[v].meta,
        }
    }

    /// `vpn connection `x`` / `virtual interface `y``.
    pub fn via_label(&self, via: OnPremVia) -> String {
        match via {
            OnPremVia::Vpn(v) => format!("vpn connection `{}`", self.vpns[v].meta.name),
            OnPremVia::Vif(v) => format!("virtual interface `{}`", self.vifs[v].meta.name),
        }
    }

    /// True when the topology has any hybrid resource at all.
    pub fn is_empty(&self) -> bool {
        self.tgws.is_empty()
            && self.vgws.is_empty()
            && self.vpns.is_empty()
            && self.vifs.is_empty()
            && self.on_prem.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Tgw {
    pub meta: Meta,
    pub region: Option<String>,
    pub account: Option<String>,
    pub amazon_side_asn: Option<u64>,
    /// `SecurityGroupReferencingSupport` (C-9.9).
    pub sg_referencing: bool,
    /// `VpnEcmpSupport` (C-9.4).
    pub vpn_ecmp: bool,
    pub default_association_route_table: Option<TgwRouteTableId>,
    pub default_propagation_route_table: Option<TgwRouteTableId>,
    pub attachments: Vec<TgwAttachmentId>,
    pub route_tables: Vec<TgwRouteTableId>,
}

/// What a transit gateway attachment connects (C-9.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TgwAttachmentKind {
    Vpc {
        vpc: VpcId,
        /// One per AZ (C-9.6a).
        subnets: Vec<SubnetId>,
        appliance_mode: bool,
        /// Effective `SecurityGroupReferencingSupport` (attachment, else the TGW's).
        sg_referencing: bool,
        ipv6_support: bool,
    },
    Vpn(VpnId),
    DxGateway(DxGatewayId),
    /// TGW peering: static routes only (C-9.10).
    Peering(TgwId),
    /// GRE + BGP; not modelled (C-9.1): paths through it are unknown.
    Connect,
}

#[derive(Debug, Clone)]
pub struct TgwAttachment {
    pub meta: Meta,
    pub tgw: TgwId,
    pub kind: TgwAttachmentKind,
    /// `state: available` (C-9.2). Operational state.
    pub available: bool,
    /// The route table it is associated with (C-9.2); `None`: traffic from
    /// it is dropped.
    pub route_table: Option<TgwRouteTableId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TgwRouteTarget {
    Attachment(TgwAttachmentId),
    Blackhole,
}

/// A static route or prefix-list reference of a transit gateway route table.
#[derive(Debug, Clone)]
pub struct TgwRoute {
    pub dest: RouteDest,
    pub target: TgwRouteTarget,
    pub pos: Pos,
}

impl TgwRoute {
    pub fn prefix_list(&self) -> Option<PrefixListId> {
        match self.dest {
            RouteDest::PrefixList(p) => Some(p),
            RouteDest::Cidr(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TgwRouteTable {
    pub meta: Meta,
    pub tgw: TgwId,
    pub associations: Vec<TgwAttachmentId>,
    /// Attachments propagating into this table, with where each is listed.
    pub propagations: Vec<(TgwAttachmentId, Pos)>,
    pub routes: Vec<TgwRoute>,
}

#[derive(Debug, Clone, Default)]
pub struct Vgw {
    pub meta: Meta,
    pub vpc: Option<VpcId>,
    pub amazon_side_asn: Option<u64>,
    /// VPN connections that terminate on it.
    pub vpns: Vec<VpnId>,
    /// Private virtual interfaces attached directly.
    pub vifs: Vec<VifId>,
    /// DX gateways associated with it.
    pub dx_gateways: Vec<DxGatewayId>,
}

#[derive(Debug, Clone, Default)]
pub struct Cgw {
    pub meta: Meta,
    pub ip_address: Option<IpAddr>,
    pub bgp_asn: Option<u64>,
}

/// Where a VPN connection terminates (C-11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VpnGatewayRef {
    Vgw(VgwId),
    Tgw(TgwId),
}

/// `OutsideIpAddressType` (C-11.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutsideIp {
    /// Over the internet (or a DX public VIF).
    PublicIpv4,
    /// Private IP VPN: the tunnels ride a transit VIF through the TGW's DX
    /// gateway attachment.
    PrivateIpv4 {
        transport: TgwAttachmentId,
    },
    Ipv6,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IkeVersion {
    V1,
    V2,
}

/// Tunnel telemetry: operational state, never a verdict input (C-11.6).
#[derive(Debug, Clone, Default)]
pub struct Telemetry {
    /// `Some(true)` for `UP`.
    pub up: Option<bool>,
    pub status_message: Option<String>,
    pub accepted_route_count: Option<u32>,
    pub last_status_change: Option<String>,
}

/// One tunnel's IPsec options (C-11.3). An empty list means "every value AWS
/// allows", which includes weak ones; `permits_*` answer that question.
#[derive(Debug, Clone, Default)]
pub struct Tunnel {
    /// False for a tunnel the file does not list (AWS defaults throughout).
    pub declared: bool,
    pub pos: Pos,
    pub outside_ip: Option<IpAddr>,
    pub inside_cidr: Option<IpNet>,
    pub ike_versions: Vec<IkeVersion>,
    /// Canonical names: `AES128`, `AES256`, `AES128-GCM-16`, `AES256-GCM-16`.
    pub phase1_encryption: Vec<String>,
    pub phase2_encryption: Vec<String>,
    /// Canonical names: `SHA1`, `SHA2-256`, `SHA2-384`, `SHA2-512`.
    pub phase1_integrity: Vec<String>,
    pub phase2_integrity: Vec<String>,
    pub phase1_dh_groups: Vec<u32>,
    pub phase2_dh_groups: Vec<u32>,
    pub phase1_lifetime_seconds: Option<u32>,
    pub phase2_lifetime_seconds: Option<u32>,
    pub telemetry: Option<Telemetry>,
}

/// The values AWS allows for each tunnel option (C-11.3); an empty list in
/// the topology permits all of them.
pub const IKE_VERSIONS: &[&str] = &["ikev1", "ikev2"];
pub const ENCRYPTION_ALGORITHMS: &[&str] = &["AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"];
pub const INTEGRITY_ALGORITHMS: &[&str] = &["SHA1", "SHA2-256", "SHA2-384", "SHA2-512"];
pub const PHASE1_DH_GROUPS: &[u32] = &[2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
pub const PHASE2_DH_GROUPS: &[u32] = &[2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];

impl Tunnel {
    pub fn permits_ikev1(&self) -> bool {
        self.ike_versions.is_empty() || self.ike_versions.contains(&IkeVersion::V1)
    }
    /// Integrity algorithms allowed in phase 1 or 2 (`None`: defaults, i.e. all).
    pub fn permits_sha1(&self, phase: u8) -> bool {
        let l = if phase == 1 {
            &self.phase1_integrity
        } else {
            &self.phase2_integrity
        };
        l.is_empty() || l.iter().any(|a| a == "SHA1")
    }
    /// DH groups below 14 allowed in the phase.
    pub fn weak_dh_groups(&self, phase: u8) -> Vec<u32> {
        let (l, all) = if phase == 1 {
            (&self.phase1_dh_groups, PHASE1_DH_GROUPS)
        } else {
            (&self.phase2_dh_groups, PHASE2_DH_GROUPS)
        };
        let src: &[u32] = if l.is_empty() { all } else { l };
        src.iter().copied().filter(|&g| g < 14).collect()
    }
}

#[derive(Debug, Clone)]
pub struct VpnConnection {
    pub meta: Meta,
    pub customer_gateway: CgwId,
    pub gateway: VpnGatewayRef,
    /// For a TGW VPN: its `vpn` attachment (`None` if the file lists none).
    pub tgw_attachment: Option<TgwAttachmentId>,
    /// `state: available`. Operational state.
    pub available: bool,
    pub static_routes_only: bool,
    /// Static routes to on-prem (C-11.2).
    pub static_routes: Vec<(IpNet, Pos)>,
    pub outside_ip: OutsideIp,
    /// Traffic selectors (C-11.2), default `0.0.0.0/0`.
    pub local_ipv4_network_cidr: IpNet,
    pub remote_ipv4_network_cidr: IpNet,
    pub enable_acceleration: bool,
    /// Always two: the file's, then AWS defaults for any not listed.
    pub tunnels: Vec<Tunnel>,
}

/// `encryptionMode` of a Direct Connect connection or LAG (C-12.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncryptionMode {
    #[default]
    NoEncrypt,
    ShouldEncrypt,
    MustEncrypt,
}

impl EncryptionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EncryptionMode::NoEncrypt => "no_encrypt",
            EncryptionMode::ShouldEncrypt => "should_encrypt",
            EncryptionMode::MustEncrypt => "must_encrypt",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacsecKeyState {
    Associating,
    Associated,
    Disassociating,
    Disassociated,
}

#[derive(Debug, Clone, Default)]
pub struct DxConnection {
    pub meta: Meta,
    pub hosted: bool,
    pub lag: Option<DxLagId>,
    pub macsec_capable: bool,
    /// Effective mode: the LAG's for a member (C-12.5), else its own.
    pub encryption_mode: EncryptionMode,
    /// Where the effective mode is written (the connection's or the LAG's
    /// `encryption_mode`); unknown position when it is the default.
    pub encryption_mode_pos: Pos,
    /// Keys on the connection and, for a member, on its LAG.
    pub macsec_keys: Vec<MacsecKeyState>,
    /// Operational `portEncryptionStatus` (`Some(true)`: `Encryption Up`).
    pub port_encryption_up: Option<bool>,
    /// The user asserts the partner segment of a hosted connection is protected (C-12.7).
    pub partner_segment_encrypted: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DxLag {
    pub meta: Meta,
    pub macsec_capable: bool,
    pub encryption_mode: EncryptionMode,
    pub members: Vec<DxConnectionId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VifKind {
    Private,
    Transit,
    Public,
}

impl VifKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VifKind::Private => "private",
            VifKind::Transit => "transit",
            VifKind::Public => "public",
        }
    }
}

/// The physical carrier of a virtual interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DxCarrier {
    Connection(DxConnectionId),
    Lag(DxLagId),
}

#[derive(Debug, Clone)]
pub struct Vif {
    pub meta: Meta,
    pub kind: VifKind,
    pub carrier: DxCarrier,
    /// `state: available`. Operational state.
    pub available: bool,
    pub dx_gateway: Option<DxGatewayId>,
    pub vgw: Option<VgwId>,
    pub advertised_prefixes: Vec<IpNet>,
}

/// What a DX gateway association connects (C-12.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DxAssociationTarget {
    Tgw(TgwId),
    Vgw(VgwId),
}

#[derive(Debug, Clone)]
pub struct DxGatewayAssociation {
    pub target: DxAssociationTarget,
    pub allowed_prefixes: Vec<IpNet>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default)]
pub struct DxGateway {
    pub meta: Meta,
    pub amazon_side_asn: Option<u64>,
    pub associations: Vec<DxGatewayAssociation>,
    /// Virtual interfaces attached to it.
    pub vifs: Vec<VifId>,
}

/// A connection between an on-prem network and AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OnPremVia {
    Vpn(VpnId),
    Vif(VifId),
}

/// One entry of an on-prem network's `prefer` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    /// Any Direct Connect virtual interface (carrying no VPN).
    Dx,
    /// Any VPN connection.
    Vpn,
    Via(OnPremVia),
}

#[derive(Debug, Clone)]
pub struct OnPremNetwork {
    pub meta: Meta,
    pub cidrs: Vec<IpNet>,
    pub via: Vec<OnPremVia>,
    /// Parallel to `via`: the BGP prefixes advertised over it; `None` when
    /// the topology does not say (fail closed: any prefix).
    pub advertises: Vec<Option<Vec<IpNet>>>,
    /// `None`: the on-prem routing preference is not stated.
    pub prefer: Option<Vec<Preference>>,
    pub prefer_pos: Pos,
    /// Derived from the routes AWS points at its connections
    /// ([`derive_on_prem_networks`]), not declared.
    pub derived: bool,
}

impl OnPremNetwork {
    /// The prefixes that traffic from this network to them stays on
    /// premises, never entering AWS: a declared network's CIDRs (the user
    /// states it is one network). A derived network's prefixes are only
    /// what AWS routes towards its connections; they may be several sites,
    /// which AWS can carry traffic between (CloudHub, C-10.6; a transit
    /// gateway, C-9.3), so none of them is known to stay on premises: its
    /// traffic to them follows what AWS advertises, like traffic to any
    /// other on-prem network. The one rule for the engine, the simulator
    /// and the why-not tracer.
    pub fn stays_on_prem(&self) -> &[IpNet] {
        if self.derived { &[] } else { &self.cidrs }
    }
}

// ----- on-prem networks derived from AWS routes -----------------------------

/// A route AWS shows towards a connection that the topology format does not
/// keep: a transit gateway route propagated from a VPN or DX gateway
/// attachment (the format derives propagated routes, C-9.3). The importer
/// passes them to [`derive_on_prem_networks`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTgwRoute {
    pub prefix: String,
    /// The transit gateway and the attachment, by name in the topology.
    pub transit_gateway: String,
    pub attachment: String,
    /// The route in words, with AWS ids, for `derived_from`.
    pub text: String,
}

/// The connections (VPN connections and virtual interfaces, by name) behind
/// each gateway and attachment of a topology file.
struct Connections<'a> {
    file: &'a super::format::TopologyFile,
    /// BGP connections: the ones that learn routes from on prem.
    bgp: std::collections::BTreeSet<&'a str>,
}

impl<'a> Connections<'a> {
    fn new(file: &'a super::format::TopologyFile) -> Self {
        let mut bgp: std::collections::BTreeSet<&'a str> = file
            .vpn_connections
            .iter()
            .filter(|v| v.static_routes_only != Some(true))
            .map(|v| v.name.value.as_str())
            .collect();
        for x in Self::vifs(file) {
            bgp.insert(x.name.value.as_str());
        }
        Connections { file, bgp }
    }

    fn vifs(
        file: &'a super::format::TopologyFile,
    ) -> impl Iterator<Item = &'a super::format::DxVirtualInterface> {
        file.direct_connect
            .iter()
            .flat_map(|d| d.virtual_interfaces.iter().map(|v| &v.value))
    }

    /// C-10.3, C-12.2: a VGW sends to on prem over its VPN connections and
    /// the private virtual interfaces on it or on a DX gateway associated
    /// with it.
    fn of_vgw(&self, vgw: &str) -> Vec<&'a str> {
        let f = self.file;
        let dxgws: Vec<&str> = f
            .direct_connect
            .iter()
            .flat_map(|d| d.gateways.iter())
            .filter(|g| {
                g.associations
                    .iter()
                    .any(|a| a.vpn_gateway.as_ref().is_some_and(|v| v.value == vgw))
            })
            .map(|g| g.name.value.as_str())
            .collect();
        let mut out: Vec<&str> = f
            .vpn_connections
            .iter()
            .filter(|v| v.gateway.value == vgw)
            .map(|v| v.name.value.as_str())
            .collect();
        out.extend(
            Self::vifs(f)
                .filter(|x| x.kind.value == "private")
                .filter(|x| {
                    x.vpn_gateway.as_ref().is_some_and(|g| g.value == vgw)
                        || x.direct_connect_gateway
                            .as_ref()
                            .is_some_and(|g| dxgws.contains(&g.value.as_str()))
                })
                .map(|x| x.name.value.as_str()),
        );
        out
    }

    /// C-9.3, C-12.2: a transit gateway attachment reaches on prem over its
    /// VPN connection, or over the transit virtual interfaces of its DX
    /// gateway. Other attachments reach no connection.
    fn of_attachment(&self, tgw: &str, att: &str) -> Vec<&'a str> {
        let f = self.file;
        let Some(a) = f
            .transit_gateways
            .iter()
            .filter(|t| t.name.value == tgw)
            .flat_map(|t| t.attachments.iter())
            .find(|a| a.name.value == att)
        else {
            return Vec::new();
        };
        match a.kind.value.as_str() {
            "vpn" => a.vpn_connection.iter().map(|v| v.value.as_str()).collect(),
            "direct-connect-gateway" => {
                let Some(g) = &a.direct_connect_gateway else {
                    return Vec::new();
                };
                Self::vifs(f)
                    .filter(|x| x.kind.value == "transit")
                    .filter(|x| {
                        x.direct_connect_gateway
                            .as_ref()
                            .is_some_and(|d| d.value == g.value)
                    })
                    .map(|x| x.name.value.as_str())
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

/// The on-prem networks that the routes AWS points at its VPN connections
/// and virtual interfaces imply, for what no on-prem network of `file`
/// covers: over the connections declared networks name, the declared
/// prefixes win (traffic to them is checked whichever connection AWS
/// picks), and the other prefixes AWS routes there are derived; towards the
/// connections no declared network names, every prefix is derived.
///
/// A prefix AWS routes towards a connection is an on-prem destination
/// behind it: a VPC route to a VGW (static or propagated, C-10.1), a transit
/// gateway route to a VPN or DX gateway attachment (static, or propagated as
/// `observed`, C-9.3), a static route of a VPN connection (C-11.2). A route
/// to a VGW reaches every connection of that VGW, since which one carries a
/// packet is the VGW's decision (C-10.3); the engine makes it. Prefixes with
/// the same connections form one network. A propagated route is also what
/// AWS learned over BGP: when only one BGP connection can have taught it, it
/// becomes that connection's `advertises`; otherwise the advertisements stay
/// unstated (any prefix, fail closed). DX gateway allowed prefixes name AWS
/// addresses, not on-prem ones, and imply nothing here. A prefix-list route
/// stands for its entries when the file has them.
pub fn derive_on_prem_networks(
    file: &super::format::TopologyFile,
    observed: &[ObservedTgwRoute],
) -> Vec<super::format::OnPremNetwork> {
    let mut d = Derivation::new(file);
    d.vpc_routes_to_vgws();
    d.tgw_static_routes();
    for o in observed {
        let to = d.conns.of_attachment(&o.transit_gateway, &o.attachment);
        d.add(&o.prefix, &to, o.text.clone(), true);
    }
    d.static_vpn_routes();
    d.into_networks()
}

/// What `derive_on_prem_networks` knows of a file, and what it has found.
struct Derivation<'a> {
    file: &'a super::format::TopologyFile,
    conns: Connections<'a>,
    /// The connections declared networks name. Over a named connection the
    /// declarations win for their prefixes (traffic to them is checked
    /// whichever connection AWS picks); what else AWS routes towards it is
    /// derived, or it would go unchecked.
    covered: BTreeSet<&'a str>,
    /// Every declared prefix.
    declared: Vec<IpNet>,
    /// (static VPN connection, one of its routes).
    static_routes: BTreeSet<(&'a str, IpNet)>,
    /// Every VPC CIDR of the file. C-3.7: inside a VPC the local route wins
    /// for the VPC's own CIDRs, so a route towards a connection covering
    /// them sends none of them on prem.
    aws_own: Vec<IpNet>,
    /// Prefix → (connections, routes it came from).
    found: BTreeMap<IpNet, (BTreeSet<String>, BTreeSet<String>)>,
    /// BGP connection → the prefixes AWS learned over it.
    learned: BTreeMap<String, BTreeSet<IpNet>>,
}

/// A resource's AWS id, else its name (for `derived_from`).
fn id_or_name(id: &Option<String>, name: &str) -> String {
    id.clone().unwrap_or_else(|| name.into())
}

impl<'a> Derivation<'a> {
    fn new(file: &'a super::format::TopologyFile) -> Self {
        let covered = file
            .on_prem_networks
            .iter()
            .flat_map(|n| n.via.iter().map(|v| v.value.as_str()))
            .collect();
        let declared = file
            .on_prem_networks
            .iter()
            .flat_map(|n| n.cidrs.iter())
            .filter_map(|c| c.value.trim().parse::<IpNet>().ok())
            .map(|c| c.trunc())
            .collect();
        let static_routes = file
            .vpn_connections
            .iter()
            .filter(|v| v.static_routes_only == Some(true))
            .flat_map(|v| {
                v.routes.iter().filter_map(|r| {
                    let n = r.value.trim().parse::<IpNet>().ok()?;
                    Some((v.name.value.as_str(), n.trunc()))
                })
            })
            .collect();
        let aws_own = file
            .vpcs
            .iter()
            .flat_map(|v| v.cidrs.iter().chain(v.ipv6_cidrs.iter()))
            .filter_map(|c| c.value.trim().parse::<IpNet>().ok())
            .map(|n| n.trunc())
            .collect();
        Derivation {
            file,
            conns: Connections::new(file),
            covered,
            declared,
            static_routes,
            aws_own,
            found: BTreeMap::new(),
            learned: BTreeMap::new(),
        }
    }

    /// Records that AWS routes `prefix` towards the connections `to`, as
    /// the route `text` says; a propagated route is also what AWS learned.
    fn add(&mut self, prefix: &str, to: &[&str], text: String, propagated: bool) {
        let Ok(net) = prefix.trim().parse::<IpNet>() else {
            return;
        };
        let net = net.trunc();
        if propagated {
            // Who can have taught it: a BGP connection, or a static VPN
            // connection with this prefix among its routes, which AWS
            // propagates too (C-10.1, C-11.2).
            let taught: Vec<&str> = to
                .iter()
                .copied()
                .filter(|c| self.conns.bgp.contains(c) || self.static_routes.contains(&(*c, net)))
                .collect();
            if let [only] = taught[..]
                && self.conns.bgp.contains(only)
            {
                self.learned
                    .entry(only.to_string())
                    .or_default()
                    .insert(net);
            }
        }
        for c in to {
            let mut holes = self.aws_own.clone();
            if self.covered.contains(c) {
                holes.extend(self.declared.iter().copied());
            }
            for piece in prefix_minus(net, &holes) {
                let e = self.found.entry(piece).or_default();
                e.0.insert(c.to_string());
                e.1.insert(text.clone());
            }
        }
    }

    /// A route's destinations with their labels: its CIDR, or the entries
    /// of its prefix list (C-3.3); a list whose entries are not known gives
    /// none (the check names the route, see `transit_encryption`).
    fn dests(
        &self,
        d: &Option<super::spanned::Sp<String>>,
        pl: &Option<super::spanned::Sp<String>>,
    ) -> Vec<(String, String)> {
        if let Some(d) = d {
            return vec![(d.value.clone(), d.value.clone())];
        }
        let Some(pl) = pl else { return Vec::new() };
        let Some(l) = self
            .file
            .prefix_lists
            .iter()
            .find(|l| l.name.value == pl.value)
        else {
            return Vec::new();
        };
        let id = id_or_name(&l.aws_id, &l.name.value);
        l.entries
            .iter()
            .flatten()
            .map(|e| (e.value.clone(), format!("{} (prefix list `{id}`)", e.value)))
            .collect()
    }

    /// VPC routes to a VGW, static or propagated (C-10.1): they reach every
    /// connection of that VGW, which chooses (C-10.3).
    fn vpc_routes_to_vgws(&mut self) {
        let file = self.file;
        let vgws: BTreeMap<&str, &super::format::VpnGateway> = file
            .vpn_gateways
            .iter()
            .map(|g| (g.name.value.as_str(), &g.value))
            .collect();
        for t in &file.route_tables {
            for r in &t.routes {
                let Some(g) = vgws.get(r.target.value.as_str()) else {
                    continue;
                };
                if r.state.as_ref().is_some_and(|s| s.value == "blackhole") {
                    continue;
                }
                let propagated = r.origin.as_ref().is_some_and(|o| o.value == "propagated");
                let to = self.conns.of_vgw(&g.name.value);
                for (d, label) in self.dests(&r.destination, &r.prefix_list) {
                    let text = format!(
                        "route table `{}`: {label} -> `{}`{}",
                        id_or_name(&t.aws_id, &t.name.value),
                        id_or_name(&g.aws_id, &g.name.value),
                        if propagated { " (propagated)" } else { "" }
                    );
                    self.add(&d, &to, text, propagated);
                }
            }
        }
    }

    /// Static transit gateway routes to a VPN or DX gateway attachment
    /// (C-9.3).
    fn tgw_static_routes(&mut self) {
        let file = self.file;
        for t in &file.transit_gateways {
            for rt in &t.route_tables {
                for r in &rt.routes {
                    let Some(a) = &r.attachment else {
                        continue;
                    };
                    let to = self.conns.of_attachment(&t.name.value, &a.value);
                    if to.is_empty() {
                        continue;
                    }
                    let att_id = t
                        .attachments
                        .iter()
                        .find(|x| x.name.value == a.value)
                        .and_then(|x| x.aws_id.clone())
                        .unwrap_or_else(|| a.value.clone());
                    for (d, label) in self.dests(&r.destination, &r.prefix_list) {
                        let text = format!(
                            "transit gateway route table `{}`: {label} -> `{att_id}` (static)",
                            id_or_name(&rt.aws_id, &rt.name.value),
                        );
                        self.add(&d, &to, text, false);
                    }
                }
            }
        }
    }

    /// The static routes of static VPN connections (C-11.2).
    fn static_vpn_routes(&mut self) {
        let file = self.file;
        for v in &file.vpn_connections {
            if v.static_routes_only != Some(true) {
                continue;
            }
            for r in &v.routes {
                let text = format!(
                    "vpn connection `{}`: static route {}",
                    id_or_name(&v.aws_id, &v.name.value),
                    r.value
                );
                self.add(&r.value, &[v.name.value.as_str()], text, false);
            }
        }
    }

    /// One network per set of connections, named after them.
    fn into_networks(self) -> Vec<super::format::OnPremNetwork> {
        use super::format as f;
        use super::spanned::Sp;
        let mut groups: BTreeMap<Vec<String>, (Vec<IpNet>, BTreeSet<String>)> = BTreeMap::new();
        for (net, (to, from)) in self.found {
            let g = groups.entry(to.into_iter().collect()).or_default();
            g.0.push(net);
            g.1.extend(from);
        }
        let mut taken = names_in(self.file);
        let (learned, covered, conns) = (&self.learned, &self.covered, &self.conns);
        groups
            .into_iter()
            .map(|(via, (cidrs, from))| {
                let base = format!("on-prem-via-{}", via.join("+"));
                let mut name = base.clone();
                let mut k = 2;
                while !taken.insert(name.clone()) {
                    name = format!("{base}-{k}");
                    k += 1;
                }
                let advertises = via
                    .iter()
                    .filter_map(|v| {
                        // Over a connection a declared network names, what the
                        // declaration states stays the whole statement: this
                        // network adds only what AWS shows it learned there.
                        let none = BTreeSet::new();
                        let p = match learned.get(v.as_str()) {
                            Some(p) => p,
                            None if covered.contains(v.as_str())
                                && conns.bgp.contains(v.as_str()) =>
                            {
                                &none
                            }
                            None => return None,
                        };
                        Some(Sp::new(f::OnPremAdvertisement {
                            via: Sp::new(v.clone()),
                            prefixes: p.iter().map(|n| Sp::new(n.to_string())).collect(),
                        }))
                    })
                    .collect();
                f::OnPremNetwork {
                    name: Sp::new(name),
                    cidrs: cidrs.iter().map(|n| Sp::new(n.to_string())).collect(),
                    via: via.iter().map(|v| Sp::new(v.clone())).collect(),
                    advertises,
                    prefer: Vec::new(),
                    derived: Some(true),
                    derived_from: from.into_iter().map(Sp::new).collect(),
                }
            })
            .collect()
    }
}

/// `net` without the addresses of `holes`, as the fewest prefixes.
pub(crate) fn prefix_minus(net: IpNet, holes: &[IpNet]) -> Vec<IpNet> {
    let overlaps = |h: &IpNet| h.contains(&net) || net.contains(h);
    if !holes.iter().any(overlaps) {
        return vec![net];
    }
    if holes.iter().any(|h| h.contains(&net)) {
        return Vec::new();
    }
    // A hole lies strictly inside `net`, so `net` has two halves.
    let Ok(halves) = net.subnets(net.prefix_len() + 1) else {
        return Vec::new();
    };
    halves.flat_map(|h| prefix_minus(h, holes)).collect()
}

/// Every resource name of `file` (names are unique across the whole file),
/// from the validator's one table of the file's named resources.
fn names_in(file: &super::format::TopologyFile) -> std::collections::BTreeSet<String> {
    super::validate::all_names(file)
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// `file` with the derived on-prem networks of its uncovered connections
/// added, as the loader reads it.
pub fn with_derived_on_prem_networks(
    mut file: super::format::TopologyFile,
) -> super::format::TopologyFile {
    let derived = derive_on_prem_networks(&file, &[]);
    file.on_prem_networks
        .extend(derived.into_iter().map(super::spanned::Sp::new));
    file
}
