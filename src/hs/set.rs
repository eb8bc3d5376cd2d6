//! Exact sets of packet headers: disjoint unions of cubes, where a cube is a
//! product of interval sets over five fields.
//!
//! Fields: source address, destination address, protocol, source port, and
//! "destination port or ICMP type/code". Addresses of both families live in
//! one `u128` space: IPv4 `a.b.c.d` is encoded as `::ffff:a.b.c.d`, and the
//! IPv6 universe excludes `::ffff:0:0/96`, so the two never mix (C-1.2).
//! Protocols without ports have source and destination port fixed to 0;
//! ICMP (protocol 1 in IPv4, 58 in IPv6) uses the last field for
//! `type << 8 | code` and fixes the source port to 0 (C-1.1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::interval::IntervalSet;
use super::packet::Packet;
use crate::model::{ICMP, ICMPV6, PortMatch, Proto, TCP, UDP};

pub const SRC: usize = 0;
pub const DST: usize = 1;
pub const PROTO: usize = 2;
pub const SPORT: usize = 3;
pub const DPORT: usize = 4;
pub const DIMS: usize = 5;

const V4_BASE: u128 = 0xffff_0000_0000;
const V4_LAST: u128 = V4_BASE + 0xffff_ffff;

/// All IPv4 addresses, encoded.
pub fn all_v4() -> IntervalSet {
    IntervalSet::range(V4_BASE, V4_LAST)
}

/// All IPv6 addresses (less the IPv4-mapped block used for IPv4).
pub fn all_v6() -> IntervalSet {
    IntervalSet::range(0, u128::MAX).subtract(&all_v4())
}

pub fn encode(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => V4_BASE + u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

pub fn decode(v: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from((v - V4_BASE) as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(v))
    }
}

pub fn is_v4_code(v: u128) -> bool {
    (V4_BASE..=V4_LAST).contains(&v)
}

/// The encoded addresses of a CIDR.
pub fn net_set(net: &IpNet) -> IntervalSet {
    match net {
        IpNet::V4(n) => IntervalSet::range(
            V4_BASE + u128::from(u32::from(n.network())),
            V4_BASE + u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => IntervalSet::range(u128::from(n.network()), u128::from(n.broadcast()))
            .subtract(&all_v4()),
    }
}

pub fn addr_set(a: IpAddr) -> IntervalSet {
    IntervalSet::point(encode(a))
}

pub fn nets_set<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> IntervalSet {
    IntervalSet::from_ranges(
        nets.into_iter()
            .flat_map(|n| net_set(n).runs().to_vec())
            .collect(),
    )
}

fn full() -> IntervalSet {
    IntervalSet::range(0, u128::MAX)
}

/// A product of interval sets, one per field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cube {
    pub dims: [IntervalSet; DIMS],
}

impl Cube {
    /// No constraint on any field.
    pub fn any() -> Cube {
        Cube {
            dims: [full(), full(), full(), full(), full()],
        }
    }

    pub fn with(mut self, dim: usize, set: IntervalSet) -> Cube {
        self.dims[dim] = self.dims[dim].intersect(&set);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.dims.iter().any(IntervalSet::is_empty)
    }

    pub fn intersect(&self, other: &Cube) -> Option<Cube> {
        // Most pairs are disjoint in some field: find out without allocating.
        if !self
            .dims
            .iter()
            .zip(other.dims.iter())
            .all(|(a, b)| a.intersects(b))
        {
            return None;
        }
        Some(Cube {
            dims: std::array::from_fn(|i| self.dims[i].intersect(&other.dims[i])),
        })
    }

    /// `self \ other` as disjoint cubes.
    pub fn subtract(&self, other: &Cube) -> Vec<Cube> {
        if !self
            .dims
            .iter()
            .zip(other.dims.iter())
            .all(|(a, b)| a.intersects(b))
        {
            return vec![self.clone()];
        }
        let mut out = Vec::new();
        let mut rest = self.clone();
        for d in 0..DIMS {
            let outside = rest.dims[d].subtract(&other.dims[d]);
            if !outside.is_empty() {
                let mut piece = rest.clone();
                piece.dims[d] = outside;
                out.push(piece);
            }
            rest.dims[d] = rest.dims[d].intersect(&other.dims[d]);
        }
        out
    }

    pub fn contains(&self, p: &Packet) -> bool {
        let v = packet_coords(p);
        self.dims.iter().zip(v.iter()).all(|(s, x)| s.contains(*x))
    }
}

/// `type << 8 | code` values for an ICMP match (`None` = all).
pub fn icmp_set(t: Option<u8>, code: Option<u8>) -> IntervalSet {
    match (t, code) {
        (None, _) => IntervalSet::range(0, 0xffff),
        (Some(t), None) => IntervalSet::range(u128::from(t) << 8, (u128::from(t) << 8) | 0xff),
        (Some(t), Some(c)) => IntervalSet::point((u128::from(t) << 8) | u128::from(c)),
    }
}

/// The coordinates of a concrete packet.
pub fn packet_coords(p: &Packet) -> [u128; DIMS] {
    let (sport, last) = if p.has_ports() {
        (u128::from(p.sport), u128::from(p.dport))
    } else if p.is_icmp() {
        (0, (u128::from(p.icmp_type) << 8) | u128::from(p.icmp_code))
    } else {
        (0, 0)
    };
    [
        encode(p.src),
        encode(p.dst),
        u128::from(p.proto),
        sport,
        last,
    ]
}

/// An exact set of packet headers: a union of cubes.
///
/// Operations keep cubes disjoint where that is cheap (`union`, `subtract`,
/// `intersect` of disjoint inputs); [`HeaderSet::append`] allows overlap,
/// which never changes the set, only how it is written, so large unions of
/// rules (security groups with hundreds of rules) stay linear.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderSet {
    cubes: Vec<Cube>,
}

impl HeaderSet {
    pub fn empty() -> HeaderSet {
        HeaderSet { cubes: Vec::new() }
    }

    /// Every well-formed header of one family (C-1.1): tcp/udp with any
    /// ports, ICMP with any type/code, every other protocol without ports.
    pub fn family(v4: bool) -> HeaderSet {
        let addrs = if v4 { all_v4() } else { all_v6() };
        let icmp = if v4 { ICMP } else { ICMPV6 };
        let base = Cube::any().with(SRC, addrs.clone()).with(DST, addrs);
        let ports = IntervalSet::range(0, 0xffff);
        let zero = IntervalSet::point(0);
        let tcpudp = IntervalSet::from_ranges(vec![
            (u128::from(TCP), u128::from(TCP)),
            (u128::from(UDP), u128::from(UDP)),
        ]);
        let others = IntervalSet::range(0, 255)
            .subtract(&tcpudp)
            .subtract(&IntervalSet::point(u128::from(icmp)));
        HeaderSet {
            cubes: vec![
                base.clone()
                    .with(PROTO, tcpudp)
                    .with(SPORT, ports.clone())
                    .with(DPORT, ports.clone()),
                base.clone()
                    .with(PROTO, IntervalSet::point(u128::from(icmp)))
                    .with(SPORT, zero.clone())
                    .with(DPORT, ports),
                base.with(PROTO, others)
                    .with(SPORT, zero.clone())
                    .with(DPORT, zero),
            ],
        }
    }

    /// The packets a rule matches: protocol, ports / ICMP and optional
    /// source and destination constraints (C-1.4, C-1.5). ICMP type and code
    /// apply only to ICMP of the packet's own family (protocol 1 with IPv4,
    /// 58 with IPv6); for the other family the protocol number matches alone.
    pub fn rule(
        proto: Proto,
        port: &PortMatch,
        src: Option<&IntervalSet>,
        dst: Option<&IntervalSet>,
    ) -> HeaderSet {
        let mut c = Cube::any();
        if let Some(s) = src {
            c = c.with(SRC, s.clone());
        }
        if let Some(d) = dst {
            c = c.with(DST, d.clone());
        }
        let cubes = match proto {
            Proto::All => vec![c],
            Proto::Num(p) => {
                c = c.with(PROTO, IntervalSet::point(u128::from(p)));
                if p == TCP || p == UDP {
                    vec![c.with(
                        DPORT,
                        IntervalSet::range(u128::from(port.ports.0), u128::from(port.ports.1)),
                    )]
                } else if (p == ICMP || p == ICMPV6) && port.icmp_type.is_some() {
                    let (own, other) = if p == ICMP {
                        (all_v4(), all_v6())
                    } else {
                        (all_v6(), all_v4())
                    };
                    vec![
                        c.clone()
                            .with(SRC, own)
                            .with(DPORT, icmp_set(port.icmp_type, port.icmp_code)),
                        c.with(SRC, other),
                    ]
                } else {
                    vec![c]
                }
            }
        };
        HeaderSet {
            cubes: cubes.into_iter().filter(|c| !c.is_empty()).collect(),
        }
    }

    /// Every well-formed header of both families.
    pub fn universe() -> HeaderSet {
        let mut s = HeaderSet::family(true);
        s.cubes.extend(HeaderSet::family(false).cubes);
        s
    }

    pub fn from_cube(c: Cube) -> HeaderSet {
        if c.is_empty() {
            HeaderSet::empty()
        } else {
            HeaderSet { cubes: vec![c] }
        }
    }

    pub fn cubes(&self) -> &[Cube] {
        &self.cubes
    }

    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    pub fn restrict(&self, dim: usize, set: &IntervalSet) -> HeaderSet {
        let cubes = self
            .cubes
            .iter()
            .filter_map(|c| {
                let d = c.dims[dim].intersect(set);
                if d.is_empty() {
                    None
                } else {
                    // The other fields are copied; the restricted one (which
                    // may hold many runs) is replaced, not copied first.
                    let mut d = Some(d);
                    Some(Cube {
                        dims: std::array::from_fn(|k| {
                            if k == dim {
                                d.take().unwrap_or_default()
                            } else {
                                c.dims[k].clone()
                            }
                        }),
                    })
                }
            })
            .collect();
        HeaderSet { cubes }
    }

    pub fn intersect_cube(&self, other: &Cube) -> HeaderSet {
        HeaderSet {
            cubes: self
                .cubes
                .iter()
                .filter_map(|c| c.intersect(other))
                .collect(),
        }
    }

    pub fn intersect(&self, other: &HeaderSet) -> HeaderSet {
        let mut cubes = Vec::new();
        for a in &self.cubes {
            for b in &other.cubes {
                if let Some(c) = a.intersect(b) {
                    cubes.push(c);
                }
            }
        }
        HeaderSet { cubes }
    }

    pub fn subtract_cube(&self, other: &Cube) -> HeaderSet {
        HeaderSet {
            cubes: self.cubes.iter().flat_map(|c| c.subtract(other)).collect(),
        }
    }

    pub fn subtract(&self, other: &HeaderSet) -> HeaderSet {
        let mut cur = self.clone();
        for c in &other.cubes {
            if cur.is_empty() {
                break;
            }
            cur = cur.subtract_cube(c);
        }
        cur
    }

    /// Union, kept disjoint.
    /// Adds every cube of `other` without making them disjoint from ours.
    pub fn append(&mut self, other: HeaderSet) {
        self.cubes.extend(other.cubes);
    }

    /// Builds a set from cubes that may overlap.
    pub fn from_cubes(cubes: Vec<Cube>) -> HeaderSet {
        HeaderSet {
            cubes: cubes.into_iter().filter(|c| !c.is_empty()).collect(),
        }
    }

    /// Merges cubes that differ in one field only, which keeps unions of
    /// many similar rules (same ports, different peers) small.
    pub fn coalesce(&self) -> HeaderSet {
        self.clone().into_coalesced()
    }

    /// [`HeaderSet::coalesce`], consuming the set.
    pub fn into_coalesced(self) -> HeaderSet {
        let mut cubes = self.cubes;
        if cubes.len() < 2 {
            return HeaderSet { cubes };
        }
        for dim in [SRC, DST, DPORT, PROTO] {
            cubes = merge_along(cubes, dim);
        }
        HeaderSet { cubes }
    }
    pub fn union(&self, other: &HeaderSet) -> HeaderSet {
        let mut cubes = self.cubes.clone();
        cubes.extend(other.subtract(self).cubes);
        HeaderSet { cubes }
    }

    /// Adds a cube, kept disjoint.
    pub fn add_cube(&mut self, c: Cube) {
        if c.is_empty() {
            return;
        }
        let extra = HeaderSet::from_cube(c).subtract(self);
        self.cubes.extend(extra.cubes);
    }

    pub fn contains(&self, p: &Packet) -> bool {
        self.cubes.iter().any(|c| c.contains(p))
    }

    /// Union of the values of one field.
    pub fn project(&self, dim: usize) -> IntervalSet {
        IntervalSet::from_ranges(
            self.cubes
                .iter()
                .flat_map(|c| c.dims[dim].runs().to_vec())
                .collect(),
        )
    }

    /// Replaces a field with the given values (a rewrite such as NAT).
    pub fn set_dim(&self, dim: usize, set: &IntervalSet) -> HeaderSet {
        let mut out = HeaderSet::empty();
        for c in &self.cubes {
            let mut c = c.clone();
            c.dims[dim] = set.clone();
            out.add_cube(c);
        }
        out
    }

    /// Swaps two fields (for replies: source ↔ destination).
    pub fn swap_dims(&self, a: usize, b: usize) -> HeaderSet {
        let mut out = HeaderSet::empty();
        for c in &self.cubes {
            let mut c = c.clone();
            c.dims.swap(a, b);
            out.add_cube(c);
        }
        out
    }

    /// [`HeaderSet::swap_dims`] cube by cube: swapping two fields maps
    /// disjoint cubes to disjoint cubes, so nothing is subtracted (cubes
    /// that overlap still overlap, as after [`HeaderSet::append`]).
    pub fn swapped(&self, a: usize, b: usize) -> HeaderSet {
        HeaderSet {
            cubes: self
                .cubes
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c.dims.swap(a, b);
                    c
                })
                .collect(),
        }
    }

    /// One concrete packet of the set, preferring "typical" values: the
    /// lowest port of each range, and for addresses the first address that is
    /// not a network address when the range allows it.
    pub fn sample(&self) -> Option<Packet> {
        let c = self.cubes.first()?;
        Some(cube_sample(c))
    }
}

/// Addresses that read well in a witness, tried first: documentation
/// ranges (RFC 5737, RFC 3849), then a public resolver.
const PREFERRED: [u128; 5] = [
    V4_BASE + 0xCB00_7107,                     // 203.0.113.7
    V4_BASE + 0xC633_6407,                     // 198.51.100.7
    V4_BASE + 0xC000_0207,                     // 192.0.2.7
    0x2001_0db8_0000_0000_0000_0000_0000_0007, // 2001:db8::7
    0x2a00_0000_0000_0000_0000_0000_0000_0007, // 2a00::7
];

fn pick(s: &IntervalSet) -> u128 {
    if let Some(&p) = PREFERRED.iter().find(|&&p| s.contains(p)) {
        return p;
    }
    s.sample_addr().unwrap_or(0)
}

fn cube_sample(c: &Cube) -> Packet {
    let src = pick(&c.dims[SRC]);
    let v4 = is_v4_code(src);
    let dst = pick(&c.dims[DST]);
    let proto = c.dims[PROTO].first().unwrap_or(0) as u8;
    let sport = c.dims[SPORT]
        .runs()
        .iter()
        .find(|r| r.1 >= 40000)
        .map(|r| r.0.max(40000))
        .or(c.dims[SPORT].first())
        .unwrap_or(0);
    let last = c.dims[DPORT].first().unwrap_or(0);
    let mut p = Packet {
        src: decode(src, v4),
        dst: decode(dst, v4),
        proto,
        sport: 0,
        dport: 0,
        icmp_type: 0,
        icmp_code: 0,
    };
    if p.has_ports() {
        p.sport = sport as u16;
        p.dport = last as u16;
    } else if p.is_icmp() {
        p.icmp_type = (last >> 8) as u8;
        p.icmp_code = (last & 0xff) as u8;
    }
    p
}

/// Merges the cubes that are equal in every field but `dim` (their `dim`
/// values are joined), keeping the order in which each merged cube first
/// appears. The cubes are indexed by a hash of their other fields, so no
/// key is ever copied.
fn merge_along(cubes: Vec<Cube>, dim: usize) -> Vec<Cube> {
    use std::hash::{Hash, Hasher};
    let key_hash = |c: &Cube| -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        for (d, v) in c.dims.iter().enumerate() {
            if d != dim {
                v.hash(&mut h);
            }
        }
        h.finish()
    };
    let same_key = |a: &Cube, b: &Cube| {
        a.dims
            .iter()
            .zip(b.dims.iter())
            .enumerate()
            .all(|(d, (x, y))| d == dim || x == y)
    };
    let mut merged: Vec<Cube> = Vec::with_capacity(cubes.len());
    // A few cubes are compared pairwise: cheaper than hashing them.
    if cubes.len() <= 8 {
        for c in cubes {
            match merged.iter_mut().find(|m| same_key(m, &c)) {
                Some(m) => {
                    let u = m.dims[dim].union(&c.dims[dim]);
                    m.dims[dim] = u;
                }
                None => merged.push(c),
            }
        }
        return merged;
    }
    let mut index: hashbrown::HashTable<(u64, usize)> =
        hashbrown::HashTable::with_capacity(cubes.len());
    for c in cubes {
        let h = key_hash(&c);
        match index.find(h, |&(hx, i)| hx == h && same_key(&merged[i], &c)) {
            Some(&(_, i)) => {
                let u = merged[i].dims[dim].union(&c.dims[dim]);
                merged[i].dims[dim] = u;
            }
            None => {
                index.insert_unique(h, (h, merged.len()), |&(hx, _)| hx);
                merged.push(c);
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IntervalSet {
        net_set(&s.parse().unwrap())
    }

    #[test]
    fn v4_and_v6_never_mix() {
        let u = HeaderSet::universe();
        let v6_default = net("::/0");
        assert!(!v6_default.intersects(&all_v4()));
        let only_v6_dst = u.restrict(DST, &v6_default);
        assert!(
            only_v6_dst
                .cubes()
                .iter()
                .all(|c| !c.dims[SRC].intersects(&all_v4()))
        );
    }

    #[test]
    fn split_default_routes_cover_everything() {
        let halves = net("0.0.0.0/1").union(&net("128.0.0.0/1"));
        assert_eq!(halves, net("0.0.0.0/0"));
    }

    #[test]
    fn subtract_then_union_restores() {
        let u = HeaderSet::family(true);
        let rule = HeaderSet::rule(
            Proto::Num(TCP),
            &PortMatch {
                ports: (22, 22),
                icmp_type: None,
                icmp_code: None,
            },
            Some(&net("10.0.0.0/8")),
            None,
        );
        let rest = u.subtract(&rule);
        let p = Packet::tcp(
            "10.1.2.3".parse().unwrap(),
            "1.1.1.1".parse().unwrap(),
            5555,
            22,
        );
        assert!(u.contains(&p) && !rest.contains(&p));
        let back = rest.union(&u.intersect(&rule));
        assert!(back.contains(&p));
        let q = Packet::tcp(
            "10.1.2.3".parse().unwrap(),
            "1.1.1.1".parse().unwrap(),
            5555,
            23,
        );
        assert!(rest.contains(&q));
    }

    #[test]
    fn protocol_all_ignores_ports() {
        let c = HeaderSet::rule(
            Proto::All,
            &PortMatch {
                ports: (22, 22),
                icmp_type: None,
                icmp_code: None,
            },
            None,
            None,
        );
        let p = Packet::tcp(
            "1.1.1.1".parse().unwrap(),
            "2.2.2.2".parse().unwrap(),
            1,
            443,
        );
        assert!(c.contains(&p));
    }

    #[test]
    fn sample_is_member() {
        let u = HeaderSet::family(false).restrict(DST, &net("2600:1f18::/64"));
        let p = u.sample().unwrap();
        assert!(u.contains(&p));
        assert!(p.dst.is_ipv6());
    }
}
