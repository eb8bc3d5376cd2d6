//! `transit-encryption`: traffic between on-prem networks and VPC resources
//! is always encrypted outside AWS.
//!
//! What it proves, its assumptions and how to fix a finding are in
//! [`META`], the one place they are written (the README, `--help`, SARIF
//! and `netverify checks` are rendered from it).

use std::collections::BTreeMap;

use super::{CheckId, CheckMeta};
use crate::engine::exposure::witness;
use crate::engine::hybrid::{Learned, learned};
use rayon::prelude::*;

use crate::engine::{End, Engine, Flow, Origin, Reach, Step, explain::hybrid_hop};
use crate::hs::{DST, HeaderSet, IntervalSet, SRC, nets_set};
use crate::model::{
    Direction, DxCarrier, DxConnectionId, EncryptionMode, EniOwner, MacsecKeyState, OnPremId,
    OnPremVia, PortMatch, Pos, Proto, SgPeer, SubnetId, TiSlice, TiVec, Topology, VifKind,
};
use crate::report::{CheckResult, Finding, FindingKind, Hop, Location, Severity, Verdict, Witness};

pub const ID: &str = CheckId::TransitEncryption.as_str();

pub const META: CheckMeta = CheckMeta {
    check: CheckId::TransitEncryption,
    id: ID,
    summary: "traffic between on-prem networks and VPCs is always inside IPsec or MACsec outside AWS",
    proves: r#"
Every packet that can be delivered between an on-prem network
(`on_prem_networks`) and a VPC network interface, in both directions,
crosses the segment outside AWS either inside an IPsec tunnel (Site-to-Site
VPN over the internet, or a private IP VPN over Direct Connect) or over
Direct Connect connections that are all MACsec `must_encrypt` with a key in
state `associated` (C-12.6). A hosted connection is `unknown` unless you
assert `partner_segment_encrypted` (C-12.7); `should_encrypt` fails open
and counts as clear (C-12.5).
"#,
    why: r#"
DX is not encrypted by default (C-12.4), and route priority silently moves
traffic off the VPN: a DX gateway route beats a VPN route at a TGW, DX BGP
beats VPN at a VGW, and a more specific prefix wins over both.
"#,
    details: r#"
- **AWS → on prem** follows the AWS route priority: the subnet route table
  (a `local` route beats any propagated on-prem route, C-3.7), then the
  transit gateway (longest prefix, then static > prefix list > VPC > DX
  gateway > VPN over DX > VPN, C-9.4) or the VGW (DX BGP > VPN static > VPN
  BGP, C-10.3). A tie AWS does not order is `unknown`.
- **On prem → AWS** depends on what AWS advertises over each connection (DX
  gateway `allowed_prefixes`, the VPC CIDRs over VGW connections, the
  transit gateway table over a BGP VPN) and on how the on-prem routers
  choose, which no AWS API shows. If an unencrypted connection advertises a
  route for a VPC resource, the result is `violated` when the topology says
  the on-prem routers prefer it, or when every connection that advertises
  the destination is unencrypted (no preference could change it), and
  `unknown` when an encrypted connection competes with it and the topology
  says nothing; that finding names the `prefer` entry that would decide it.
- A witness names the deciding route decision and why the crossing is in the
  clear, e.g.

  ```
  error[transit-encryption]: 10.0.10.5 → 10.50.0.7 leaves AWS unencrypted over virtual interface `vif-transit`:
    rtb-app: route 10.50.0.0/16 → tgw-core; tgw-rtb-main: 10.50.0.0/16 propagated from att-dxgw (DX gateway)
    beats `att-vpn` (VPN) (C-9.4 …); `dxcon-1` encryptionMode `no_encrypt` (C-12.4, C-12.6)
  ```

**On-prem networks derived from AWS routes.** Where no on-prem network
names a VPN connection or virtual interface, the loader derives the networks
behind it from what AWS routes towards it: VPC routes to a VGW (static and
propagated; a VGW route reaches every connection of that VGW, and the VGW
chooses, C-10.3), transit gateway routes to a VPN or DX gateway attachment
(static, and the propagated ones a snapshot shows, C-9.3), and a static
VPN's routes. Prefixes with the same connections form one network, named
`on-prem-via-<connections>` and marked `derived: true`. The VPCs' own CIDRs
(every VPC of the file) are never part of a derived network: the local
route wins for them (C-3.7), so a route `10.0.0.0/8 → vgw` in a VPC of
`10.100.0.0/16` derives `10.0.0.0/8` less `10.100.0.0/16`; the loader also
takes them out of a derived network already written in the file. A derived
network's CIDRs are what AWS routes towards a connection, not addresses on
prem owns, so they never take addresses away from the internet in queries
(`can`, `what`, an address naming an endpoint) or in transit-encryption;
only a declared network's public addresses do. A propagated route
that only one BGP connection can have taught becomes that connection's
`advertises`; a static VPN on the same gateway with that prefix among its
`routes` could have taught it too (AWS propagates static routes), and then
the advertisements stay unstated (fail closed). DX
gateway allowed prefixes name AWS addresses, so they derive nothing. A
prefix-list route stands for the list's entries when the file has them
(`get-managed-prefix-list-entries` in a snapshot); without them,
transit-encryption is `unknown` for a route towards a clear connection,
naming the list. `import snapshot` and `import aws`
write the derived networks, with `derived_from` listing the routes (with
AWS ids), for a reviewer to refine. **Declared networks win for their
CIDRs**: over the connections they name, the prefixes AWS routes there that
no declaration covers are still derived (else they would go unchecked).
Traffic AWS sends to a derived prefix in the clear is
`violated` whatever on prem does. A derived network's prefixes may be
several sites (behind different connections of one VGW or transit
gateway), so its traffic to its own prefixes does not "stay on premises"
as a declared network's does: where AWS could carry it between two of
its connections (CloudHub, C-10.6) over a clear one, transit-encryption is
`unknown` (declare the networks to decide it). Derived networks only say where AWS routes
towards a connection: a public subnet's traffic to the same addresses
through an internet gateway is internet traffic (public-exposure covers it),
not an on-prem crossing. A clear connection that no network names and no
route points at is `unknown` (what enters over it cannot be checked).

**Hybrid data the snapshot cannot show is a gap.** A propagated transit
gateway route towards an attachment the snapshot does not hold, an
attachment associated with a transit gateway route table the snapshot does
not hold (a transit gateway shared from another account), and a capture
that lists only `TransitGatewayVpcAttachments` (which never shows VPN or
DX gateway attachments) are gaps, so transit-encryption and on-prem-access
are `unknown`, never proven on what is missing. A DX gateway associated
with a gateway or attached to a transit gateway with none of its virtual
interfaces in the topology (one owned by another account) is a gap the
loader adds, for written and imported files alike.

**No private path, no hybrid gap.** A VPC with no VGW, no transit gateway
attachment and no route to either has no private path to on prem: its other
route targets stay in AWS or reach the internet, and peering is not
transitive (C-8.3). A transit gateway whose captured attachments (deleted
ones aside) include no VPN, DX gateway, Connect or peering attachment leads
nowhere off AWS either, so VPCs attached only to such gateways count as
having no private path. A DX gateway association or a VPN always goes through a
VGW or a transit gateway. When the capture shows that for every VPC, the
encryption checks need no VPN or Direct Connect files. Shown means: the
snapshot lists `VpnGateways`, and either lists transit gateways
(`TransitGateways` or their attachments) or lists network interfaces with
none of a transit gateway attachment (C-9.6). A capture without
`VpnGateways` leaves open a VGW with no route (on prem could still send
into the VPC over it), so it records a gap saying so. A Cloud WAN
attachment is seen only through a route to its core network (such a route
is recorded as a gap); one that no route uses is assumed absent.

**Stating the on-prem routing preference.** List it in the on-prem network:

```yaml
on_prem_networks:
  - name: dc1-k8s
    cidrs: [10.50.0.0/16]
    via: [vpn-dc1, vif-transit]            # every path between it and AWS
    advertises:                            # BGP routes it advertises to AWS
      - { via: vpn-dc1, prefixes: [10.50.0.0/16] }
      - { via: vif-transit, prefixes: [172.16.0.0/30] }
    prefer: [vpn, dx]                      # after longest prefix: VPN first
```

`prefer` is an ordered list of `vpn`, `dx` or connection names from `via`:
the on-prem routers take the longest prefix AWS advertises, then the first
entry that matches. Fixtures: `tests/fixtures/transit-encryption/`
(`pass-hybrid-reference.yaml` is the reference: on-prem Kubernetes over an
IPsec VPN via a transit gateway, with a DX backup that carries only IPsec).

**On prem ↔ on prem through AWS (VPN CloudHub, C-10.6).** A VGW forwards
between its VPN connections and the private virtual interfaces attached to
it directly, and re-advertises to each the routes it learned over the
others (a DX gateway does not route between its associations, C-12.2). The
check follows every on-prem network's packets to the other on-prem
networks: each leg is encrypted only if it is a VPN (or MACsec DX). A clear
leg out of AWS is `violated` (AWS chooses it); a clear leg in is `violated`
when `prefer` chooses it and `unknown` otherwise. Only *stated* routes of
the other connections are re-advertised; a connection whose routes are
unstated is already reported above.

**Public virtual interfaces (C-12.1, trap 21).** Both directions are
followed. On prem → AWS: the sources a public VIF advertises reach the EIPs
of VPC resources through the internet gateway. AWS → on prem: a VPC
resource with a public IPv4 (its own, or a NAT gateway's) that sends to a
prefix on prem advertises over a public VIF leaves AWS over Direct Connect,
not the internet (engine and simulator end such packets at the VIF), in the
clear unless the connection is MACsec-protected; other on-prem public
addresses are reached over the internet, also in the clear. A VPN whose
tunnels ride the public VIF is a VPN path and counts as encrypted.
"#,
    assumptions: r#"
BGP routes that AWS learns from on prem are not in any AWS API, so the
topology states them per connection in `on_prem_networks[].advertises`.
Where it does not, the engine lets any prefix that no known route covers
arrive over that connection, and the check reports `unknown` whenever such
an unstated connection is not encrypted (a more specific route learned over
it could win). Static VPNs take their `routes`. Public virtual interfaces:
see *Public virtual interfaces* above (trap 21). Replies count too: security groups are stateful
(C-5.3), so an interface that admits anything from on prem is checked for
every packet it could send back, whatever its egress rules, and on prem's
replies to an interface that may send to it are checked whatever its
ingress rules (ports are not narrowed: fail closed). Tunnel status is never
consulted: every configured path counts (C-11.6). AWS's statement that the
DX location → Region segment is encrypted at the physical layer is trusted
(C-12.7).
"#,
    example: r#"
An app subnet routes `10.50.0.0/16` to a TGW whose table has that prefix
propagated both from a BGP VPN and from a DX gateway over a `no_encrypt`
connection: the DX gateway route wins (C-9.4), so the app's packets to on
prem leave AWS in the clear.
"#,
    findings: r#"
A finding names the unencrypted path: a witness packet, the route decision
that chose the connection (for example a DX gateway route beating a VPN
route at a transit gateway, C-9.4), and why the connection is not
encrypted (for example `encryptionMode no_encrypt`).
"#,
    fix: r#"
Stop propagating the DX gateway attachment into the table the VPCs use (or
carry only IPsec over DX, as a private IP VPN), add a static TGW route to
the VPN attachment, or enable MACsec `must_encrypt` with an associated key
on every DX connection (dedicated, MACsec-capable). State how the on-prem
routers choose paths into AWS with `on_prem_networks[].prefer` (e.g.
`prefer: [vpn, dx]`), and what they advertise with `advertises`.
"#,
    rules: r#"
C-3.3, C-3.4, C-3.7, C-8.3, C-9.2–C-9.6, C-10.1–C-10.4, C-10.6, C-11.1,
C-11.4, C-11.6, C-12.1–C-12.7; traps 21, 22
"#,
};

/// Whether crossing the boundary over a connection is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crossing {
    Encrypted,
    /// In the clear: why, where that is written, and the connection.
    Clear(String, Pos, String),
    Unknown(String, Pos, String),
}

/// C-11.1, C-12.6, C-12.7: is traffic over `via` encrypted outside AWS?
pub fn crossing(topo: &Topology, via: OnPremVia) -> Crossing {
    let h = &topo.hybrid;
    let x = match via {
        OnPremVia::Vpn(_) => return Crossing::Encrypted,
        OnPremVia::Vif(x) => x,
    };
    let vif = &h.vifs[x];
    let members: Vec<DxConnectionId> = match vif.carrier {
        DxCarrier::Connection(c) => vec![c],
        DxCarrier::Lag(l) => h.dx_lags[l].members.clone(),
    };
    if members.is_empty() {
        return Crossing::Unknown(
            format!(
                "virtual interface `{}` runs on a lag with no member connections",
                vif.meta.name
            ),
            vif.meta.pos,
            vif.meta.name.clone(),
        );
    }
    let mut unknown: Option<Crossing> = None;
    for c in members {
        let conn = &h.dx_connections[c];
        let name = &conn.meta.name;
        let pos = if conn.encryption_mode_pos.is_unknown() {
            conn.meta.pos
        } else {
            conn.encryption_mode_pos
        };
        if conn.encryption_mode != EncryptionMode::MustEncrypt {
            let why = match conn.encryption_mode {
                EncryptionMode::ShouldEncrypt => format!(
                    "`{name}` encryptionMode `should_encrypt`, which fails open (C-12.5, C-12.6)"
                ),
                _ => format!("`{name}` encryptionMode `no_encrypt` (C-12.4, C-12.6)"),
            };
            return Crossing::Clear(why, pos, name.clone());
        }
        if !conn.macsec_capable {
            return Crossing::Clear(
                format!("`{name}` is not MACsec-capable (C-12.6)"),
                conn.meta.pos,
                name.clone(),
            );
        }
        if !conn.macsec_keys.contains(&MacsecKeyState::Associated) {
            return Crossing::Clear(
                format!("`{name}` has no MACsec key in state `associated` (C-12.6)"),
                conn.meta.pos,
                name.clone(),
            );
        }
        if conn.hosted && !conn.partner_segment_encrypted && unknown.is_none() {
            unknown = Some(Crossing::Unknown(
                format!(
                    "`{name}` is a hosted connection: MACsec does not prove the partner's segment unless `partner_segment_encrypted` asserts it (C-12.7)"
                ),
                conn.meta.pos,
                name.clone(),
            ));
        }
    }
    unknown.unwrap_or(Crossing::Encrypted)
}

fn loc(topo: &Topology, pos: Pos) -> Option<Location> {
    crate::engine::explain::pos_location(topo, pos)
}

/// The route decisions of a flow that chose how it left or entered AWS.
fn decisions(topo: &Topology, flow: &Flow) -> Vec<String> {
    let mut out = Vec::new();
    let mut last_vpc_route: Option<String> = None;
    for s in &flow.path {
        match s {
            Step::Route { .. } => {
                last_vpc_route = explain_one(topo, flow, s);
            }
            Step::TgwRoute { .. } | Step::VgwRoute { .. } | Step::OnPremIn { .. } => {
                if let Some(r) = last_vpc_route.take() {
                    out.push(r);
                }
                let h = hybrid_hop(topo, s);
                out.push(format!("{}: {}", h.component, h.rule));
            }
            // Out through the internet gateway to a public prefix that on
            // prem advertises over a public VIF (C-12.1).
            Step::IgwOut { igw } => {
                if let Some(r) = last_vpc_route.take() {
                    out.push(r);
                }
                out.push(format!(
                    "internet gateway `{}`: a public prefix advertised over a public virtual interface is reached over Direct Connect (C-12.1)",
                    topo.igws[*igw].meta.name
                ));
            }
            _ => {}
        }
    }
    out
}

/// The last subnet route table decision of a flow, in words.
fn last_route(flow: &Flow) -> String {
    flow.path
        .iter()
        .rev()
        .find(|s| matches!(s, Step::Route { .. }))
        .map_or_else(String::new, |s| format!("{s:?}"))
}

fn explain_one(topo: &Topology, flow: &Flow, s: &Step) -> Option<String> {
    let one = Flow {
        path: vec![s.clone()],
        ..flow.clone()
    };
    let p = flow.set.sample()?;
    let hops = crate::engine::explain(topo, &one, &p);
    hops.first().map(|h| format!("{}: {}", h.component, h.rule))
}

/// One group of flows for one finding.
#[derive(Default)]
struct Group<'a> {
    flows: Vec<&'a Flow>,
    set: HeaderSet,
    /// The VPC interfaces concerned.
    enis: std::collections::BTreeSet<usize>,
}

/// The route decisions that chose the crossing, as a grouping key.
fn deciding_key(f: &Flow) -> Vec<Step> {
    f.path
        .iter()
        .filter(|s| {
            matches!(
                s,
                Step::TgwRoute { .. } | Step::VgwRoute { .. } | Step::OnPremIn { .. }
            )
        })
        .cloned()
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Dir {
    ToOnPrem,
    FromOnPrem,
}

pub fn run(engine: &Engine<'_>) -> CheckResult {
    let topo = engine.topo;
    let mut findings: Vec<Finding> = super::gap_findings(topo, ID);
    findings.extend(unnamed_connections(topo));
    findings.extend(
        unknown_prefix_list_routes(topo)
            .into_iter()
            .map(|(resource, message, pos)| unknown(resource, message, loc(topo, pos))),
    );
    let h = &topo.hybrid;
    if h.on_prem.is_empty() {
        let summary = if h.vpns.is_empty() && h.vifs.is_empty() {
            "no on-prem networks and no VPN or Direct Connect connections"
        } else {
            "no on-prem networks, and no VPN or Direct Connect connection that an on-prem network could use unencrypted"
        };
        return finish(findings, summary);
    }
    findings.extend(unstated_advertisements(topo));
    let onprem = OnPrem::of(topo);
    let senders = sender_groups(topo);
    let mut reaches = reach_to_onprem(engine, &senders, &onprem);
    reaches.extend(reach_from_onprem(engine, &senders));
    let sorted = sort_flows(engine, &reaches, &onprem);
    report_clear(engine, &sorted.clear, &onprem.choices, &mut findings);
    report_internet(engine, &sorted.internet, &mut findings);
    report_undecided(topo, &sorted.unknowns, &mut findings);
    public_vifs(engine, &mut findings);
    cloudhub(engine, &onprem.space, &mut findings);
    finish(
        findings,
        "every path between on prem and the VPCs is inside IPsec or MACsec",
    )
}

/// An `unknown` warning finding with no flows and no witness.
fn unknown(resource: String, message: String, location: Option<Location>) -> Finding {
    Finding {
        kind: FindingKind::Unknown,
        severity: Severity::Warning,
        resource,
        aws_id: None,
        message,
        aws_ids: Vec::new(),
        flows: Vec::new(),
        witness: None,
        location,
    }
}

/// Private connections that no on-prem network names, declared or derived
/// (nothing AWS routes points at them), and that are not encrypted: what on
/// prem sends over them, from which addresses, is not known.
fn unnamed_connections(topo: &Topology) -> Vec<Finding> {
    let h = &topo.hybrid;
    let named: std::collections::BTreeSet<OnPremVia> = h
        .on_prem
        .iter()
        .flat_map(|n| n.via.iter().copied())
        .collect();
    let vias = h
        .vpns
        .keys()
        .map(OnPremVia::Vpn)
        .chain(h.vifs.keys().map(OnPremVia::Vif));
    let mut out = Vec::new();
    for via in vias {
        if named.contains(&via) || !crate::engine::hybrid::via_available(topo, via) {
            continue;
        }
        if matches!(via, OnPremVia::Vif(x) if h.vifs[x].kind == VifKind::Public) {
            continue;
        }
        if let Crossing::Clear(why, ..) | Crossing::Unknown(why, ..) = crossing(topo, via) {
            out.push(unknown(
                h.via_meta(via).name.clone(),
                format!(
                    "no on-prem network is behind {} (`on_prem_networks` names none, and no AWS route points at it), which is not encrypted ({why}); what enters AWS over it cannot be checked. Declare the network behind it",
                    h.via_label(via)
                ),
                loc(topo, h.via_meta(via).pos),
            ));
        }
    }
    out
}

/// Private BGP connections that are not encrypted and whose learned routes
/// are not stated: they may carry any prefix, including one more specific
/// than every stated route.
fn unstated_advertisements(topo: &Topology) -> Vec<Finding> {
    let h = &topo.hybrid;
    let mut out = Vec::new();
    for n in &h.on_prem {
        for (k, &via) in n.via.iter().enumerate() {
            let public = matches!(via, OnPremVia::Vif(x) if h.vifs[x].kind == VifKind::Public);
            if public || n.advertises[k].is_some() || learned(topo, via) != Learned::Unstated {
                continue;
            }
            if let Crossing::Clear(why, ..) | Crossing::Unknown(why, ..) = crossing(topo, via) {
                out.push(unknown(
                    h.via_meta(via).name.clone(),
                    format!(
                        "on-prem network `{}` does not state the routes it advertises over {}, which is not encrypted ({why}); a more specific route learned over it could carry traffic in the clear. State them in `advertises`",
                        n.meta.name,
                        h.via_label(via)
                    ),
                    loc(topo, n.meta.pos),
                ));
            }
        }
    }
    out
}

/// The on-prem side of the check: its addresses and its routers' choices.
struct OnPrem {
    /// Every on-prem network's CIDRs, declared or derived.
    space: IntervalSet,
    /// The addresses on prem owns (declared networks only).
    addressed: IntervalSet,
    /// Per network: the on-prem routers' choices into AWS (C-12.3).
    choices: TiVec<OnPremId, Vec<crate::engine::hybrid::OnPremRegion>>,
    /// Per network: the destinations every connection AWS advertises them
    /// over is clear for, so that no preference, stated or not, can change
    /// the verdict.
    forced: TiVec<OnPremId, IntervalSet>,
}

impl OnPrem {
    fn of(topo: &Topology) -> Self {
        let h = &topo.hybrid;
        let choices: TiVec<OnPremId, Vec<crate::engine::hybrid::OnPremRegion>> = h
            .on_prem
            .keys()
            .map(|n| crate::engine::hybrid::compile_onprem(topo, n))
            .collect();
        let forced = choices
            .iter()
            .map(|rs| {
                let mut out = IntervalSet::empty();
                for r in rs {
                    if r.vias
                        .iter()
                        .all(|v| matches!(crossing(topo, *v), Crossing::Clear(..)))
                    {
                        out = out.union(&r.dst);
                    }
                }
                out
            })
            .collect();
        OnPrem {
            space: nets_set(h.on_prem.iter().flat_map(|n| n.cidrs.iter())),
            addressed: crate::engine::on_prem_space(topo),
            choices,
            forced,
        }
    }
}

/// Interfaces that send alike, as groups propagated together, in a fixed
/// order.
type SenderGroups = BTreeMap<SenderKey, Vec<usize>>;

/// What makes interfaces send alike: subnet, the union of their groups'
/// egress rules (`None` for no security groups at all, C-13.7, C-14.4),
/// owner and source/dest check.
type SenderKey = (SubnetId, Option<Vec<EgressRule>>, EniOwner, bool);

/// An egress rule's match, without its position.
type EgressRule = (Proto, PortMatch, SgPeer);

/// Groups the attached interfaces that share subnet, egress rules, owner and
/// source/dest check: each group is propagated together, each member from its
/// own addresses only, which is exact per member (C-2.4). The groups' egress
/// is the union of their egress rules (C-5.1), so interfaces whose groups
/// have the same egress rules send alike.
fn sender_groups(topo: &Topology) -> SenderGroups {
    let mut groups = SenderGroups::new();
    let mut egress_of: BTreeMap<Vec<usize>, Option<Vec<EgressRule>>> = BTreeMap::new();
    for (e, eni) in topo.enis.iter().enumerate() {
        if !eni.attached {
            continue;
        }
        let mut sgs = eni.security_groups.clone();
        sgs.sort_unstable();
        let rules = egress_of
            .entry(sgs.clone())
            .or_insert_with(|| {
                // No groups at all is its own case (C-13.7, C-14.4).
                if sgs.is_empty() {
                    return None;
                }
                let mut r: Vec<EgressRule> = sgs
                    .iter()
                    .flat_map(|&g| topo.security_groups[g].egress.iter())
                    .map(|r| (r.proto, r.port, r.peer.clone()))
                    .collect();
                r.sort();
                r.dedup();
                Some(r)
            })
            .clone();
        let key = (eni.subnet, rules, eni.owner.clone(), eni.source_dest_check);
        groups.entry(key).or_default().push(e);
    }
    groups
}

/// What one propagation reached: its direction, the sending interfaces
/// (none from on prem) and the flows.
type Reached = (Dir, Vec<usize>, Reach);

/// Follows every sender group's packets to on prem. The groups are spread
/// over the cores, and the results kept in the groups' order.
fn reach_to_onprem(engine: &Engine<'_>, senders: &SenderGroups, onprem: &OnPrem) -> Vec<Reached> {
    let onprem_src = HeaderSet::universe().restrict(SRC, &onprem.space);
    let group_list: Vec<&Vec<usize>> = senders.values().collect();
    let reaches: Vec<Reach> = group_list
        .par_iter()
        .map(|members| {
            let mut runs: Vec<(u128, u128)> = Vec::new();
            for &e in members.iter() {
                runs.extend_from_slice(engine.eni_addrs(e).runs());
            }
            // Whether a member's security groups admit anything from on prem.
            let answers = members
                .iter()
                .any(|&e| engine.sg_admits_any(e, Direction::Ingress, &onprem_src));
            let own = IntervalSet::from_ranges(runs);
            let set = HeaderSet::universe()
                .restrict(DST, &onprem.space)
                .restrict(SRC, &own);
            // Replies to sessions on prem may open leave whatever the egress
            // rules say (C-5.3) and follow the AWS routes back (C-0.2). When a
            // member admits anything from on prem, every packet from the group
            // to on prem is followed as if it were such a reply: a superset of
            // what the egress rules let out (fail closed on ports).
            if answers {
                engine.reach_reply_from_group(members[0], &set)
            } else {
                engine.reach_from_group(members[0], &set)
            }
        })
        .collect();
    group_list
        .iter()
        .zip(reaches)
        .map(|(members, reach)| (Dir::ToOnPrem, (*members).clone(), reach))
        .collect()
}

/// Follows every on-prem network's packets into AWS, and its replies to the
/// interfaces that may send to it, over the connections that are not IPsec.
fn reach_from_onprem(engine: &Engine<'_>, senders: &SenderGroups) -> Vec<Reached> {
    let topo = engine.topo;
    let h = &topo.hybrid;
    let mut out = Vec::new();
    for (n, net) in h.on_prem.iter_enumerated() {
        let mut set = HeaderSet::universe();
        let public = net
            .via
            .iter()
            .any(|v| matches!(v, OnPremVia::Vif(x) if h.vifs[*x].kind == VifKind::Public));
        if public {
            // Public destinations are reached through the internet gateway:
            // analysed in `public_vifs` (C-12.1, T-21).
            set = set.restrict(DST, &crate::engine::non_internet_space());
        }
        // Packets that enter over IPsec are encrypted whatever happens to
        // them inside AWS: only the other connections need following.
        let keep = |via: OnPremVia| crossing(topo, via) != Crossing::Encrypted;
        out.push((
            Dir::FromOnPrem,
            Vec::new(),
            engine.reach_onprem_over(n, &set, &keep),
        ));
        // Replies to what VPC resources may send to this network enter
        // whatever the ingress rules say (C-5.3), over the path the on-prem
        // routers choose: every packet from it to an interface whose egress
        // rules let anything out to it (fail closed on ports).
        let theirs = nets_set(net.cidrs.iter());
        let to_them = HeaderSet::universe().restrict(DST, &theirs);
        // Runs collected first: a union per interface would be quadratic.
        let mut runs: Vec<(u128, u128)> = Vec::new();
        for members in senders.values() {
            if engine.sg_admits_any(members[0], Direction::Egress, &to_them) {
                for &e in members {
                    runs.extend_from_slice(engine.eni_addrs(e).runs());
                }
            }
        }
        let senders = IntervalSet::from_ranges(runs);
        let replies = set.restrict(DST, &senders);
        if !replies.is_empty() {
            out.push((
                Dir::FromOnPrem,
                Vec::new(),
                engine.reach_onprem_replies_over(n, &replies, &keep),
            ));
        }
    }
    out
}

/// A clear crossing's grouping key: direction, connection, whether AWS or
/// a stated preference decided it, and the deciding route steps.
type ClearKey = (Dir, OnPremVia, bool, Vec<Step>);

/// The flows of every reach, grouped by what will be reported about them.
#[derive(Default)]
struct Sorted<'a> {
    /// Flows that cross in the clear.
    clear: BTreeMap<ClearKey, Group<'a>>,
    /// Flows whose crossing cannot be decided, by reason.
    unknowns: BTreeMap<String, Group<'a>>,
    /// Flows to declared on-prem addresses through an internet gateway, by
    /// the subnet route that sent them there.
    internet: BTreeMap<String, Group<'a>>,
}

impl<'a> Group<'a> {
    /// Adds a flow with the part of its set concerned. `append`, not
    /// `union`: thousands of flows would make unions quadratic.
    fn add(&mut self, f: &'a Flow, set: HeaderSet) {
        self.set.append(set);
        self.flows.push(f);
    }
}

/// Decides each flow's crossing and sorts it into its group.
fn sort_flows<'a>(engine: &Engine<'_>, reaches: &'a [Reached], onprem: &OnPrem) -> Sorted<'a> {
    let topo = engine.topo;
    let mut out = Sorted::default();
    for (dir, members, reach) in reaches {
        for f in &reach.flows {
            let (via, decided, enis): (OnPremVia, bool, Vec<usize>) = match (&f.end, dir) {
                (End::OnPrem(via), Dir::ToOnPrem) => {
                    let srcs = f.set.project(SRC);
                    let enis = members
                        .iter()
                        .copied()
                        .filter(|&e| engine.eni_addrs(e).intersects(&srcs))
                        .collect();
                    (*via, true, enis)
                }
                (End::Delivered(e), Dir::FromOnPrem) => {
                    let Some((n, via, decided)) = f.path.iter().find_map(|s| match s {
                        Step::OnPremIn {
                            network,
                            via,
                            decided,
                        } => Some((*network, *via, *decided)),
                        _ => None,
                    }) else {
                        continue;
                    };
                    // Only clear connections carry these destinations.
                    let only_clear = f.set.project(DST).subtract(&onprem.forced[n]).is_empty();
                    (via, decided || only_clear, vec![*e])
                }
                (End::Unknown(why), _) => {
                    out.unknowns
                        .entry(why.clone())
                        .or_default()
                        .add(f, f.set.clone());
                    continue;
                }
                (End::Internet, Dir::ToOnPrem) => {
                    // Declared on-prem addresses reached through an internet
                    // gateway: no IPsec, no MACsec. A derived network only
                    // says where AWS routes a prefix towards a connection;
                    // what another table sends to the internet is internet
                    // traffic, which public-exposure covers.
                    let set = f.set.restrict(DST, &onprem.addressed);
                    if set.is_empty() {
                        continue;
                    }
                    out.internet.entry(last_route(f)).or_default().add(f, set);
                    continue;
                }
                _ => continue,
            };
            match crossing(topo, via) {
                Crossing::Encrypted => {}
                Crossing::Clear(..) => {
                    let key = (*dir, via, decided, deciding_key(f));
                    let g = out.clear.entry(key).or_default();
                    g.add(f, f.set.clone());
                    g.enis.extend(enis);
                }
                Crossing::Unknown(why, ..) => {
                    out.unknowns.entry(why).or_default().add(f, f.set.clone());
                }
            }
        }
    }
    out
}

/// Reports each group of clear crossings: a witness, the route decisions
/// that chose the connection and why it is clear.
fn report_clear(
    engine: &Engine<'_>,
    clear: &BTreeMap<ClearKey, Group<'_>>,
    choices: &TiSlice<OnPremId, Vec<crate::engine::hybrid::OnPremRegion>>,
    findings: &mut Vec<Finding>,
) {
    let topo = engine.topo;
    let h = &topo.hybrid;
    for ((dir, via, decided, _), g) in clear {
        let Some((mut w, p, i)) = witness(topo, &g.flows, &g.set, None) else {
            continue;
        };
        let flow = g.flows[i];
        let (why, pos) = match crossing(topo, *via) {
            Crossing::Clear(why, pos, component) | Crossing::Unknown(why, pos, component) => {
                w.path.push(Hop {
                    component,
                    aws_id: None,
                    rule: why.clone(),
                    location: loc(topo, pos),
                });
                (why, pos)
            }
            Crossing::Encrypted => continue,
        };
        // The VPC interface of the witness: the sender towards on prem, the
        // receiver from it; the others that share the path are listed.
        let who = match flow.end {
            End::Delivered(e) => Some(e),
            _ => g
                .enis
                .iter()
                .copied()
                .find(|&e| engine.eni_addrs(e).contains(crate::hs::encode(p.src))),
        };
        let Some(who) = who.or_else(|| g.enis.iter().next().copied()) else {
            continue;
        };
        let eni = &topo.enis[who];
        let others: Vec<&str> = g
            .enis
            .iter()
            .filter(|&&e| e != who)
            .map(|&e| topo.enis[e].meta.name.as_str())
            .collect();
        let also = match others.len() {
            0 => String::new(),
            n if n <= 5 => format!(" (the same path also serves {})", others.join(", ")),
            n => format!(
                " (the same path also serves {} and {} other interfaces)",
                others[..5].join(", "),
                n - 5
            ),
        };
        let route = decisions(topo, flow).join("; ");
        let head = format!("{} → {}{also}", p.src, p.dst);
        let (kind, message) = match dir {
            Dir::ToOnPrem => (
                FindingKind::Violation,
                format!(
                    "{head} leaves AWS unencrypted over {}: {route}; {why}",
                    h.via_label(*via)
                ),
            ),
            Dir::FromOnPrem if *decided => (
                FindingKind::Violation,
                format!(
                    "{head} enters AWS unencrypted over {}: {route}; {why}",
                    h.via_label(*via)
                ),
            ),
            Dir::FromOnPrem => (
                FindingKind::Unknown,
                format!(
                    "{head} may enter AWS unencrypted over {}: AWS advertises a route for it there, and the topology does not say which path the on-prem routers prefer (`prefer`); {}; {route}; {why}",
                    h.via_label(*via),
                    deciding_prefer(topo, flow, choices, crate::hs::encode(p.dst), *via)
                ),
            ),
        };
        findings.push(Finding {
            kind,
            severity: if kind == FindingKind::Violation {
                Severity::Error
            } else {
                Severity::Warning
            },
            resource: eni.meta.name.clone(),
            aws_id: eni.meta.aws_id.clone(),
            message,
            aws_ids: ids(&w),
            flows: crate::engine::summarize_flows(topo, &g.set),
            witness: Some(w),
            location: loc(topo, pos),
        });
    }
}

/// Reports each group of packets to declared on-prem addresses that leave
/// through an internet gateway.
fn report_internet(
    engine: &Engine<'_>,
    internet: &BTreeMap<String, Group<'_>>,
    findings: &mut Vec<Finding>,
) {
    let topo = engine.topo;
    for g in internet.values() {
        let Some((w, p, i)) = witness(topo, &g.flows, &g.set, None) else {
            continue;
        };
        let flow = g.flows[i];
        let route = flow
            .path
            .iter()
            .rev()
            .find(|s| matches!(s, Step::Route { .. }))
            .and_then(|s| explain_one(topo, flow, s))
            .unwrap_or_default();
        let who =
            (0..topo.enis.len()).find(|&x| engine.eni_addrs(x).contains(crate::hs::encode(p.src)));
        let (resource, aws_id) = who.map_or(("topology".to_string(), None), |x| {
            (
                topo.enis[x].meta.name.clone(),
                topo.enis[x].meta.aws_id.clone(),
            )
        });
        findings.push(Finding {
            kind: FindingKind::Violation,
            severity: Severity::Error,
            resource,
            aws_id,
            message: format!(
                "{} → {} leaves AWS through an internet gateway to an on-prem address, outside any IPsec tunnel or MACsec link: {route}",
                p.src, p.dst
            ),
            aws_ids: ids(&w),
            flows: crate::engine::summarize_flows(topo, &g.set),
            location: w.path.iter().rev().find_map(|h| h.location.clone()),
            witness: Some(w),
        });
    }
}

/// Reports each reason a crossing's encryption could not be decided.
fn report_undecided(
    topo: &Topology,
    unknowns: &BTreeMap<String, Group<'_>>,
    findings: &mut Vec<Finding>,
) {
    for (why, g) in unknowns {
        let w = witness(topo, &g.flows, &g.set, None).map(|x| x.0);
        findings.push(Finding {
            kind: FindingKind::Unknown,
            severity: Severity::Warning,
            resource: "topology".into(),
            aws_id: None,
            message: format!(
                "traffic between on prem and the VPCs takes a path whose encryption cannot be decided: {why}"
            ),
            aws_ids: w.as_ref().map(ids).unwrap_or_default(),
            flows: Vec::new(),
            witness: w,
            location: None,
        });
    }
}

/// Routes towards a connection through a prefix list whose entries the
/// topology does not have (no `get-managed-prefix-list-entries` in the
/// capture): the on-prem prefixes AWS routes there, which would be derived
/// from them, are not known. Over clear connections only: what AWS sends
/// into IPsec or MACsec is encrypted whatever it is.
fn unknown_prefix_list_routes(topo: &Topology) -> Vec<(String, String, Pos)> {
    use crate::model::{HybridRef, RouteDest, RouteTarget, TgwAttachmentKind, TgwRouteTarget};
    let h = &topo.hybrid;
    let clear = |vias: &[OnPremVia]| {
        vias.iter()
            .find(|&&v| crossing(topo, v) != Crossing::Encrypted)
            .map(|&v| h.via_label(v))
    };
    let unknown_list = |d: &RouteDest| match d {
        RouteDest::PrefixList(p) if topo.prefix_lists[*p].entries.is_none() => {
            let m = &topo.prefix_lists[*p].meta;
            Some(m.aws_id.clone().unwrap_or_else(|| m.name.clone()))
        }
        _ => None,
    };
    let text = |table: &str, pl: &str, to: &str, via: &str| {
        format!(
            "{table} routes prefix list `{pl}` towards {to}, and the list's entries are not in the topology (capture `get-managed-prefix-list-entries` for it): which on-prem prefixes AWS sends over {via}, which is not encrypted, is not known"
        )
    };
    let mut out = Vec::new();
    for t in &topo.route_tables {
        for r in &t.routes {
            let (Some(pl), &RouteTarget::Other(o)) = (unknown_list(&r.dest), &r.target) else {
                continue;
            };
            let Some(HybridRef::Vgw(g)) = h.of_other(o) else {
                continue;
            };
            if r.blackhole {
                continue;
            }
            let vias = crate::engine::hybrid::vgw_connections(topo, g);
            if let Some(via) = clear(&vias) {
                let to = format!("vpn gateway `{}`", h.vgws[g].meta.name);
                let table = format!("route table `{}`", t.meta.name);
                out.push((t.meta.name.clone(), text(&table, &pl, &to, &via), r.pos));
            }
        }
    }
    for rt in &h.tgw_route_tables {
        for r in &rt.routes {
            let (Some(pl), TgwRouteTarget::Attachment(a)) = (unknown_list(&r.dest), r.target)
            else {
                continue;
            };
            let vias: Vec<OnPremVia> = match h.tgw_attachments[a].kind {
                TgwAttachmentKind::Vpn(v) => vec![OnPremVia::Vpn(v)],
                TgwAttachmentKind::DxGateway(d) => h.dx_gateways[d]
                    .vifs
                    .iter()
                    .filter(|&&x| h.vifs[x].kind == VifKind::Transit)
                    .map(|&x| OnPremVia::Vif(x))
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(via) = clear(&vias) {
                let to = format!(
                    "transit gateway attachment `{}`",
                    h.tgw_attachments[a].meta.name
                );
                let table = format!("transit gateway route table `{}`", rt.meta.name);
                out.push((rt.meta.name.clone(), text(&table, &pl, &to, &via), r.pos));
            }
        }
    }
    out
}

/// T-21: a public VIF reaches the EIPs of VPC resources through the internet
/// gateway, unencrypted unless its connection is MACsec-protected (C-12.1).
fn public_vifs(engine: &Engine<'_>, findings: &mut Vec<Finding>) {
    let topo = engine.topo;
    let h = &topo.hybrid;
    for net in &h.on_prem {
        for &via in &net.via {
            let OnPremVia::Vif(x) = via else { continue };
            let vif = &h.vifs[x];
            if vif.kind != VifKind::Public || !vif.available {
                continue;
            }
            let (why, pos) = match crossing(topo, via) {
                Crossing::Encrypted => continue,
                Crossing::Clear(w, p, _) | Crossing::Unknown(w, p, _) => (w, p),
            };
            if vif.advertised_prefixes.is_empty() {
                findings.push(Finding {
                    kind: FindingKind::Unknown,
                    severity: Severity::Warning,
                    resource: vif.meta.name.clone(),
                    aws_id: vif.meta.aws_id.clone(),
                    message: format!(
                        "public virtual interface `{}` lists no `advertised_prefixes`, so which on-prem sources reach AWS public addresses over it is not known (C-12.1)",
                        vif.meta.name
                    ),
                    aws_ids: Vec::new(),
                    flows: Vec::new(),
                    witness: None,
                    location: loc(topo, vif.meta.pos),
                });
                continue;
            }
            let src = nets_set(vif.advertised_prefixes.iter());
            let set = HeaderSet::universe().restrict(SRC, &src);
            let reach = engine.reach(Origin::Internet, &set);
            let flows: Vec<&Flow> = reach
                .flows
                .iter()
                .filter(|f| matches!(f.end, End::Delivered(_)))
                .collect();
            let mut all = HeaderSet::empty();
            for f in &flows {
                all = all.union(&f.set);
            }
            let Some((w, p, i)) = witness(topo, &flows, &all, None) else {
                continue;
            };
            let End::Delivered(e) = flows[i].end else {
                continue;
            };
            let decided = net
                .prefer
                .as_ref()
                .and_then(|ps| ps.first())
                .is_some_and(|p| {
                    matches!(p, crate::model::Preference::Dx)
                        || *p == crate::model::Preference::Via(via)
                });
            let eni = &topo.enis[e];
            let (kind, message) = if decided {
                (
                    FindingKind::Violation,
                    format!(
                        "{} → {}: on-prem network `{}` prefers Direct Connect, and public virtual interface `{}` carries it to the internet gateway unencrypted; {why}",
                        p.src, p.dst, net.meta.name, vif.meta.name
                    ),
                )
            } else {
                (
                    FindingKind::Unknown,
                    format!(
                        "{} → {} may reach AWS over public virtual interface `{}` unencrypted, depending on the on-prem routing preference (`prefer`); {why}",
                        p.src, p.dst, vif.meta.name
                    ),
                )
            };
            findings.push(Finding {
                kind,
                severity: if decided {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                resource: eni.meta.name.clone(),
                aws_id: eni.meta.aws_id.clone(),
                message,
                aws_ids: ids(&w),
                flows: crate::engine::summarize_flows(topo, &all),
                witness: Some(w),
                location: loc(topo, pos),
            });
        }
    }
}

/// VPN CloudHub (C-10.6): on-prem networks reach each other through a VGW.
/// Each leg is encrypted only if it is a VPN (or MACsec-protected DX): the
/// leg out of AWS is AWS's choice (violated when clear), the leg in is the
/// on-prem routers' (violated when the stated preference chooses a clear
/// one, unknown when the topology does not say).
fn cloudhub(engine: &Engine<'_>, onprem_space: &IntervalSet, findings: &mut Vec<Finding>) {
    let topo = engine.topo;
    let h = &topo.hybrid;
    // (entry, exit, violation?, what happens) → the packets of one finding.
    type Key = (OnPremVia, OnPremVia, bool, String);
    let mut groups: BTreeMap<Key, (OnPremId, Group<'_>)> = BTreeMap::new();
    let reaches: Vec<(OnPremId, crate::engine::Reach)> = h
        .on_prem
        .keys()
        .map(|n| {
            let set = HeaderSet::universe().restrict(DST, onprem_space);
            (n, engine.reach_onprem_over(n, &set, &|_| true))
        })
        .collect();
    for (n, reach) in &reaches {
        let net = &h.on_prem[*n];
        // A derived network's own prefixes (`stays_on_prem`): the source
        // and the destination may be one site, which never sends the
        // packet to AWS, or two sites behind different connections, which
        // AWS carries between: not known, so a clear leg is `unknown`.
        let own = if net.derived {
            nets_set(net.cidrs.iter())
        } else {
            IntervalSet::empty()
        };
        for f in &reach.flows {
            let End::OnPrem(exit) = f.end else { continue };
            let Some((entry, decided)) = f.path.iter().find_map(|s| match s {
                Step::OnPremIn { via, decided, .. } => Some((*via, *decided)),
                _ => None,
            }) else {
                continue;
            };
            let inside = f.set.restrict(DST, &own);
            if !inside.is_empty() {
                let clear = [(entry, "enter"), (exit, "leave")]
                    .into_iter()
                    .find_map(|(v, how)| match crossing(topo, v) {
                        Crossing::Clear(why, ..) | Crossing::Unknown(why, ..) => {
                            Some((v, how, why))
                        }
                        Crossing::Encrypted => None,
                    });
                if let Some((v, how, why)) = clear {
                    let text = format!(
                        "stays inside derived on-prem network `{}`, whose prefixes are only what AWS routes towards its connections: whether on prem sends it through AWS between two of its sites is not known; if it does, it may {how} AWS unencrypted over {}: {why}. Declare the on-prem networks behind these connections",
                        net.meta.name,
                        h.via_label(v)
                    );
                    let g = &mut groups
                        .entry((entry, exit, false, text))
                        .or_insert_with(|| (*n, Group::default()))
                        .1;
                    g.set.append(inside.clone());
                    g.flows.push(f);
                }
            }
            let set = if inside.is_empty() {
                f.set.clone()
            } else {
                f.set.subtract(&inside)
            };
            if set.is_empty() {
                continue;
            }
            let verdict = match (crossing(topo, entry), crossing(topo, exit)) {
                (_, Crossing::Clear(why, ..)) => (
                    FindingKind::Violation,
                    format!("leaves AWS unencrypted over {}: {why}", h.via_label(exit)),
                ),
                (Crossing::Clear(why, ..), _) if decided => (
                    FindingKind::Violation,
                    format!(
                        "enters AWS unencrypted over {}, as the stated on-prem preference chooses: {why}",
                        h.via_label(entry)
                    ),
                ),
                (Crossing::Clear(why, ..), _) => (
                    FindingKind::Unknown,
                    format!(
                        "may enter AWS unencrypted over {}, depending on the on-prem routing preference (`prefer`): {why}",
                        h.via_label(entry)
                    ),
                ),
                (Crossing::Unknown(why, ..), _) | (_, Crossing::Unknown(why, ..)) => (
                    FindingKind::Unknown,
                    format!("crosses a connection whose encryption is not known: {why}"),
                ),
                (Crossing::Encrypted, Crossing::Encrypted) => continue,
            };
            let g = &mut groups
                .entry((entry, exit, verdict.0 == FindingKind::Violation, verdict.1))
                .or_insert_with(|| (*n, Group::default()))
                .1;
            g.set.append(set);
            g.flows.push(f);
        }
    }
    for ((_, _, violation, text), (n, g)) in &groups {
        let kind = if *violation {
            FindingKind::Violation
        } else {
            FindingKind::Unknown
        };
        let Some((w, p, _)) = witness(topo, &g.flows, &g.set, None) else {
            continue;
        };
        let vgw = g.flows.iter().find_map(|f| {
            f.path.iter().find_map(|s| match s {
                Step::VgwIn { vgw } => Some(*vgw),
                _ => None,
            })
        });
        let through = vgw.map_or_else(String::new, |v| {
            format!(
                " through vpn gateway `{}` (CloudHub, C-10.6)",
                h.vgws[v].meta.name
            )
        });
        let net = &h.on_prem[*n];
        findings.push(Finding {
            kind,
            severity: if *violation {
                Severity::Error
            } else {
                Severity::Warning
            },
            resource: net.meta.name.clone(),
            aws_id: None,
            message: if text.starts_with("stays inside") {
                format!(
                    "{} → {}: on-prem network `{}` may send it into AWS{through}; the packet {text}",
                    p.src, p.dst, net.meta.name
                )
            } else {
                format!(
                    "{} → {}: on-prem network `{}` reaches another on-prem network{through}, and the packet {text}",
                    p.src, p.dst, net.meta.name
                )
            },
            aws_ids: ids(&w),
            flows: crate::engine::summarize_flows(topo, &g.set),
            location: loc(topo, net.meta.pos),
            witness: Some(w),
        });
    }
}

/// Which `prefer` entry would decide an on-prem → AWS flow that an
/// encrypted connection and a clear one compete for (C-12.3).
fn deciding_prefer(
    topo: &Topology,
    flow: &Flow,
    choices: &TiSlice<OnPremId, Vec<crate::engine::hybrid::OnPremRegion>>,
    dst: u128,
    clear: OnPremVia,
) -> String {
    let h = &topo.hybrid;
    let Some(n) = flow.path.iter().find_map(|s| match s {
        Step::OnPremIn { network, .. } => Some(*network),
        _ => None,
    }) else {
        return String::new();
    };
    let encrypted: Vec<String> = choices[n]
        .iter()
        .filter(|r| r.dst.contains(dst))
        .flat_map(|r| r.vias.iter().copied())
        .filter(|v| crossing(topo, *v) == Crossing::Encrypted)
        .map(|v| h.via_meta(v).name.clone())
        .collect();
    let net = &h.on_prem[n].meta.name;
    match encrypted.first() {
        Some(first) => format!(
            "`prefer: [{first}]` in on-prem network `{net}` would decide it inside encryption; `prefer: [{}]` would make it violated",
            h.via_meta(clear).name
        ),
        None => format!("a `prefer` entry in on-prem network `{net}` would decide it"),
    }
}

fn ids(w: &Witness) -> Vec<String> {
    let mut out: Vec<String> = w.path.iter().filter_map(|h| h.aws_id.clone()).collect();
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|i| seen.insert(i.clone()));
    out
}

fn finish(findings: Vec<Finding>, proven_summary: &str) -> CheckResult {
    let verdict = super::verdict_of(&findings);
    let summary = match verdict {
        Verdict::Proven => proven_summary.to_string(),
        Verdict::Violated => {
            "some traffic between on prem and the VPCs crosses outside AWS unencrypted".into()
        }
        Verdict::Unknown => {
            "could not prove that traffic between on prem and the VPCs is always encrypted".into()
        }
    };
    CheckResult {
        id: ID,
        verdict,
        summary,
        findings,
    }
}
