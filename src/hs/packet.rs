//! One concrete packet header (C-1.1).

use std::fmt;
use std::net::IpAddr;

use crate::model::{Direction, ICMP, ICMPV6, TCP, UDP};

/// A concrete packet header. `src` and `dst` are of the same family.
/// Ports are meaningful only for tcp/udp, `icmp_type`/`icmp_code` only for
/// icmp (IPv4) and icmpv6 (IPv6); they are 0 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Packet {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    pub icmp_type: u8,
    pub icmp_code: u8,
}

impl Packet {
    /// The address a filter rule's CIDR or peer is compared with when the
    /// packet crosses the filter `dir`: the source on ingress, the
    /// destination on egress.
    pub fn peer_addr(&self, dir: Direction) -> IpAddr {
        match dir {
            Direction::Ingress => self.src,
            Direction::Egress => self.dst,
        }
    }

    pub fn has_ports(&self) -> bool {
        self.proto == TCP || self.proto == UDP
    }

    pub fn is_icmp(&self) -> bool {
        (self.proto == ICMP && self.src.is_ipv4()) || (self.proto == ICMPV6 && self.src.is_ipv6())
    }

    /// A tcp packet, for tests.
    pub fn tcp(src: IpAddr, dst: IpAddr, sport: u16, dport: u16) -> Packet {
        Packet {
            src,
            dst,
            proto: TCP,
            sport,
            dport,
            icmp_type: 0,
            icmp_code: 0,
        }
    }
}

pub fn proto_name(p: u8) -> String {
    match p {
        TCP => "tcp".into(),
        UDP => "udp".into(),
        ICMP => "icmp".into(),
        ICMPV6 => "icmpv6".into(),
        n => n.to_string(),
    }
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = proto_name(self.proto);
        if self.has_ports() {
            let (s, d) = match (self.src, self.dst) {
                (IpAddr::V6(s), IpAddr::V6(d)) => (format!("[{s}]"), format!("[{d}]")),
                (s, d) => (s.to_string(), d.to_string()),
            };
            write!(f, "{name} {s}:{} → {d}:{}", self.sport, self.dport)
        } else if self.is_icmp() {
            write!(
                f,
                "{name} {} → {} type {} code {}",
                self.src, self.dst, self.icmp_type, self.icmp_code
            )
        } else {
            write!(f, "{name} {} → {}", self.src, self.dst)
        }
    }
}
