//! Random concrete packets over a topology's interesting addresses, for
//! the tests that compare the engine (or the diff) with the simulator.
//! Include with `#[path = "common/packets.rs"] mod packets;`.

use std::net::IpAddr;

use netverify::hs::Packet;
use netverify::model::Topology;

/// Candidate addresses: internet sources, every interface address, every
/// public mapping, and some addresses nobody owns.
pub fn addresses(topo: &Topology) -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = [
        "203.0.113.9",
        "198.51.100.3",
        "8.8.8.8",
        "10.0.9.9",
        "2001:db8::1",
        "2a00::5",
        "2600:1f00:0:7::1",
        "172.16.0.1",
        "10.50.3.3",
        "10.50.200.1",
        "192.168.50.5",
        "10.1.0.10",
        // Service addresses: inside and outside the S3 prefix list's entries.
        "52.216.0.7",
        "52.217.3.3",
        "3.5.0.9",
        "52.1.1.1",
        "2600:1fa0::5",
    ]
    .iter()
    .filter_map(|s| s.parse().ok())
    .collect();
    for (e, eni) in topo.enis.iter().enumerate() {
        for (k, p) in eni.private_ips.iter().enumerate() {
            v.push(IpAddr::V4(p.addr));
            if let Some(pb) = p.public {
                v.push(IpAddr::V4(pb.addr(e, k)));
            }
        }
        v.extend(eni.ipv6_addresses.iter().map(|a| IpAddr::V6(*a)));
    }
    v
}

pub fn packets(topo: &Topology, picks: &[(usize, usize, usize, usize, usize)]) -> Vec<Packet> {
    let addrs = addresses(topo);
    // tcp, udp, both ICMPs, and protocols an internet gateway carries
    // without a documented rule (C-6.8): GRE, ESP and 0.
    let protos = [6u8, 17, 1, 58, 47, 50, 0];
    let ports = [22u16, 80, 443, 8080, 500, 40000];
    let mut out = Vec::new();
    for &(a, b, pr, dp, sp) in picks {
        let src = addrs[a % addrs.len()];
        // Pick a destination of the same family.
        let same: Vec<IpAddr> = addrs
            .iter()
            .copied()
            .filter(|x| x.is_ipv4() == src.is_ipv4())
            .collect();
        let dst = same[b % same.len()];
        let proto = protos[pr % protos.len()];
        let mut p = Packet {
            src,
            dst,
            proto,
            sport: 0,
            dport: 0,
            icmp_type: 0,
            icmp_code: 0,
        };
        if p.has_ports() {
            p.sport = ports[sp % ports.len()];
            p.dport = ports[dp % ports.len()];
        } else if p.is_icmp() {
            p.icmp_type = [0u8, 3, 8, 128][dp % 4];
            p.icmp_code = (sp % 2) as u8;
        }
        out.push(p);
    }
    out
}
