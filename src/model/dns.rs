//! What an instance's public DNS name resolves to for a client in a peered
//! VPC (C-8.5, trap 24).
//!
//! netverify reasons about addresses: naming a resource in a query or a
//! policy means its addresses, and no verdict depends on DNS. A client that
//! uses the public DNS name of an instance in a peered VPC, however, gets
//! the instance's *public* IPv4 unless the owner's side of the peering sets
//! `AllowDnsResolutionFromRemoteVpc`: its traffic then hairpins through a
//! NAT gateway or the internet gateway, and security group references do
//! not match it (C-5.6). This module says which case applies.

use std::net::Ipv4Addr;

use super::{EniId, PeeringId, Topology, VpcId};

/// What the public DNS name of an interface's primary address resolves to
/// for a client in another VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerName {
    /// The private address: the owner allows DNS resolution from the peer.
    Private,
    /// The public address: the option is off on the owner's side (its
    /// default), so the client's traffic leaves for the internet.
    Public { addr: Ipv4Addr, peering: PeeringId },
}

/// For a client in `client_vpc`, what `target`'s public DNS name resolves
/// to, when the two VPCs are peered (an active peering) and the target's
/// primary private address has a public IPv4; `None` otherwise (no peering,
/// no public name, or the same VPC, where names resolve to private IPs).
pub fn peer_name(topo: &Topology, client_vpc: VpcId, target: EniId) -> Option<PeerName> {
    let eni = &topo.enis[target];
    let owner = eni.vpc;
    if owner == client_vpc {
        return None;
    }
    let public = eni.private_ips.first()?.public?;
    let (x, p) = topo
        .peerings
        .iter()
        .enumerate()
        .find(|(_, p)| p.active && p.peer_of(client_vpc) == Some(owner))?;
    let allows = if p.requester == owner {
        p.requester_allows_remote_dns
    } else {
        p.accepter_allows_remote_dns
    };
    Some(if allows {
        PeerName::Private
    } else {
        PeerName::Public {
            addr: public.addr(target, 0),
            peering: x,
        }
    })
}
