//! Security group identity carried with a packet (C-5.6–C-5.8, C-8.4,
//! C-9.9).
//!
//! A rule that references a security group matches a packet only while the
//! packet still carries the identity of the interface that sent it. The
//! identity is kept within a VPC, across an active same-Region peering and
//! across one transit gateway whose referencing option is on for the
//! gateway and both VPC attachments; anything else (NAT gateways, the
//! internet, on prem, a second transit gateway, TGW peering, inspection)
//! clears it. The engine and the simulator both use these transitions, so
//! they agree by construction on *when* identity survives.

use super::{Direction, PeeringId, SubnetId, TgwAttachmentId, TgwAttachmentKind, Topology, VpcId};

/// Whose security group identity a packet carries (C-5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SgTag {
    /// No identity: references match nothing.
    #[default]
    Cleared,
    /// Sent by an interface of this VPC and not yet out of it.
    Local(VpcId),
    /// Crossed an active same-Region peering from this VPC (C-8.4).
    Peered(VpcId),
    /// Crossed a peering from this VPC whose Regions are not known: whether
    /// references match is unknown (C-5.7).
    PeeredUnknownRegion(VpcId),
    /// Inside a transit gateway that preserves identity, sent from this VPC.
    InTgw(VpcId),
    /// Crossed one transit gateway with referencing on from this VPC:
    /// inbound rules only (C-9.9).
    Tgw(VpcId),
}

impl SgTag {
    /// The VPC whose groups' references can match at delivery (C-5.7);
    /// `None` when none can.
    pub fn identity(self) -> Option<VpcId> {
        match self {
            SgTag::Local(v) | SgTag::Peered(v) | SgTag::Tgw(v) => Some(v),
            SgTag::Cleared | SgTag::PeeredUnknownRegion(_) | SgTag::InTgw(_) => None,
        }
    }

    /// The VPC whose references *may* match when the Region of a peering is
    /// not known: delivery decisions that depend on them are unknown.
    pub fn doubtful(self) -> Option<VpcId> {
        match self {
            SgTag::PeeredUnknownRegion(v) => Some(v),
            _ => None,
        }
    }

    /// After crossing peering `x` (C-5.7, C-8.4): kept across a same-Region
    /// peering (cross-account is fine), cleared across Regions.
    pub fn after_peering(self, topo: &Topology, x: PeeringId) -> SgTag {
        let SgTag::Local(v) = self else {
            return SgTag::Cleared;
        };
        match topo.peerings[x].cross_region {
            Some(false) => SgTag::Peered(v),
            Some(true) => SgTag::Cleared,
            None => SgTag::PeeredUnknownRegion(v),
        }
    }

    /// After entering a transit gateway through VPC attachment `a` in
    /// subnet `entry` (C-9.9): kept only when the gateway and the attachment
    /// reference security groups and the packet was still in its own VPC.
    pub fn tgw_entry(self, topo: &Topology, a: TgwAttachmentId, entry: SubnetId) -> SgTag {
        let SgTag::Local(v) = self else {
            return SgTag::Cleared;
        };
        let h = &topo.hybrid;
        let att = &h.tgw_attachments[a];
        let on = matches!(
            att.kind,
            TgwAttachmentKind::Vpc {
                sg_referencing: true,
                ..
            }
        );
        if on && h.tgws[att.tgw].sg_referencing && !unsupported_az(topo, entry) {
            SgTag::InTgw(v)
        } else {
            SgTag::Cleared
        }
    }

    /// After leaving a transit gateway through VPC attachment `a` in subnet
    /// `exit` (C-9.9): the other attachment must reference groups too.
    /// Leaving through TGW peering, or entering from anything but a VPC
    /// attachment of this gateway, clears it (C-9.10).
    pub fn tgw_exit(self, topo: &Topology, a: TgwAttachmentId, exit: SubnetId) -> SgTag {
        let SgTag::InTgw(v) = self else {
            return SgTag::Cleared;
        };
        let att = &topo.hybrid.tgw_attachments[a];
        let on = matches!(
            att.kind,
            TgwAttachmentKind::Vpc {
                sg_referencing: true,
                ..
            }
        );
        if on && !unsupported_az(topo, exit) {
            SgTag::Tgw(v)
        } else {
            SgTag::Cleared
        }
    }
}

/// Security group referencing over a transit gateway is not supported for
/// attachments in the AZ `use1-az3` (C-9.9). Only a subnet whose zone is
/// written as that zone ID is recognised.
fn unsupported_az(topo: &Topology, s: SubnetId) -> bool {
    topo.subnets[s].availability_zone.as_deref() == Some("use1-az3")
}

/// The VPCs (other than the group's own) whose groups the rules of `sgs`
/// reference in one direction, sorted.
pub fn referenced_vpcs(topo: &Topology, sgs: &[usize], dir: Direction) -> Vec<VpcId> {
    let mut out: Vec<VpcId> = Vec::new();
    for &g in sgs {
        let sg = &topo.security_groups[g];
        for r in sg.rules(dir) {
            if let super::SgPeer::SecurityGroup(x) = r.peer {
                let w = topo.security_groups[x].vpc;
                if w != sg.vpc && !out.contains(&w) {
                    out.push(w);
                }
            }
        }
    }
    out.sort_unstable();
    out
}
