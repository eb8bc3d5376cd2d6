//! Parsing of the scalar values of the format: CIDRs, addresses, protocols,
//! port ranges and policy port specs.
//!
//! Each parser takes `ctx`, a phrase naming where the value was written (e.g.
//! ``network acl `web` ingress rule 100``), and returns a [`Problem`] with a
//! finished message and an optional help line.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::fuzzy::{closest, did_you_mean};
use super::resolved::{ICMP, ICMPV6, PortMatch, PortSpec, Proto, TCP, UDP};

/// A value that could not be parsed: the message and an optional help line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn new(message: String) -> Problem {
        Problem {
            message,
            help: None,
        }
    }

    pub fn help(message: String, help: Option<String>) -> Problem {
        Problem { message, help }
    }
}

/// A CIDR block in either family, with no host bits set (AWS rejects them).
pub fn cidr(text: &str, ctx: &str) -> Result<IpNet, Problem> {
    let t = text.trim();
    match t.parse::<IpNet>() {
        Ok(net) if net.trunc() == net => Ok(net),
        Ok(net) => Err(Problem::help(
            format!("CIDR `{t}` in {ctx} has host bits set"),
            Some(format!("did you mean `{}`?", net.trunc())),
        )),
        Err(_) => {
            let help = match t.parse::<IpAddr>() {
                Ok(IpAddr::V4(_)) => Some(format!("add a prefix length, e.g. `{t}/32`")),
                Ok(IpAddr::V6(_)) => Some(format!("add a prefix length, e.g. `{t}/128`")),
                Err(_) => None,
            };
            Err(Problem::help(format!("invalid CIDR `{t}` in {ctx}"), help))
        }
    }
}

/// An IPv4 CIDR block.
pub fn cidr_v4(text: &str, ctx: &str) -> Result<Ipv4Net, Problem> {
    match cidr(text, ctx)? {
        IpNet::V4(n) => Ok(n),
        IpNet::V6(n) => Err(Problem::new(format!(
            "{ctx} expects an IPv4 CIDR, found `{n}`"
        ))),
    }
}

/// An IPv6 CIDR block.
pub fn cidr_v6(text: &str, ctx: &str) -> Result<Ipv6Net, Problem> {
    match cidr(text, ctx)? {
        IpNet::V6(n) => Ok(n),
        IpNet::V4(n) => Err(Problem::new(format!(
            "{ctx} expects an IPv6 CIDR, found `{n}`"
        ))),
    }
}

/// An IP address of either family.
pub fn ip(text: &str, ctx: &str) -> Result<IpAddr, Problem> {
    let t = text.trim();
    t.parse::<IpAddr>().map_err(|_| {
        let help = t.parse::<IpNet>().ok().map(|n| {
            format!(
                "write an address without a prefix length, e.g. `{}`",
                n.addr()
            )
        });
        Problem::help(format!("invalid IP address `{t}` in {ctx}"), help)
    })
}

/// An IPv4 address.
pub fn ipv4(text: &str, ctx: &str) -> Result<Ipv4Addr, Problem> {
    match ip(text, ctx)? {
        IpAddr::V4(a) => Ok(a),
        IpAddr::V6(a) => Err(Problem::new(format!(
            "{ctx} expects an IPv4 address, found `{a}`"
        ))),
    }
}

/// An IPv6 address.
pub fn ipv6(text: &str, ctx: &str) -> Result<Ipv6Addr, Problem> {
    match ip(text, ctx)? {
        IpAddr::V6(a) => Ok(a),
        IpAddr::V4(a) => Err(Problem::new(format!(
            "{ctx} expects an IPv6 address, found `{a}`"
        ))),
    }
}

/// Private IPv4 space (RFC 1918): never a public address.
pub fn is_rfc1918(a: Ipv4Addr) -> bool {
    let o = a.octets();
    o[0] == 10 || (o[0] == 172 && (16..=31).contains(&o[1])) || (o[0] == 192 && o[1] == 168)
}

/// Why `a` cannot be a public IPv4 address, as a phrase that completes
/// "public IP `…` is …"; `None` for an address the internet can route to.
///
/// Rejected: the special-purpose blocks that are never globally routable
/// (RFC 6890): `0.0.0.0/8`, RFC 1918, shared address space `100.64.0.0/10`,
/// loopback, link-local, `192.0.0.0/24`, benchmarking `198.18.0.0/15`,
/// multicast and the reserved `240.0.0.0/4`, where the loader also keeps the
/// stand-ins of `auto` addresses ([`super::resolved::auto_public_ip`]).
/// Accepted: the documentation blocks (RFC 5737: `192.0.2.0/24`,
/// `198.51.100.0/24`, `203.0.113.0/24`), which examples and tests use as
/// public addresses.
pub fn not_public_v4(a: Ipv4Addr) -> Option<&'static str> {
    let o = a.octets();
    if is_rfc1918(a) {
        return Some("a private (RFC 1918) address");
    }
    let why = match o {
        [0, ..] => "a \"this network\" (`0.0.0.0/8`) address",
        [100, b, ..] if (64..128).contains(&b) => "a shared (RFC 6598, `100.64.0.0/10`) address",
        [127, ..] => "a loopback (`127.0.0.0/8`) address",
        [169, 254, ..] => "a link-local (`169.254.0.0/16`) address",
        [192, 0, 0, _] => "an IETF protocol assignment (`192.0.0.0/24`) address",
        [198, 18 | 19, ..] => "a benchmarking (RFC 2544, `198.18.0.0/15`) address",
        [224..=239, ..] => "a multicast (`224.0.0.0/4`) address",
        [240..=255, ..] => "a reserved (`240.0.0.0/4`) address",
        _ => return None,
    };
    Some(why)
}

const PROTOCOL_NAMES: [&str; 5] = ["all", "tcp", "udp", "icmp", "icmpv6"];

/// A rule protocol (C-1.3): `all` or `-1`, a name, or an IANA number 0–255.
pub fn protocol(text: &str, ctx: &str) -> Result<Proto, Problem> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "all" | "-1" => Ok(Proto::All),
        "tcp" => Ok(Proto::Num(TCP)),
        "udp" => Ok(Proto::Num(UDP)),
        "icmp" => Ok(Proto::Num(ICMP)),
        "icmpv6" => Ok(Proto::Num(ICMPV6)),
        _ => match t.parse::<u8>() {
            Ok(n) => Ok(Proto::Num(n)),
            Err(_) => {
                let help = did_you_mean(&t, PROTOCOL_NAMES).or_else(|| {
                    Some("write `all`, `tcp`, `udp`, `icmp`, `icmpv6` or a number 0–255".into())
                });
                Err(Problem::help(
                    format!("invalid protocol `{}` in {ctx}", text.trim()),
                    help,
                ))
            }
        },
    }
}

/// A destination port range: `443`, `1024-65535` or `all`.
pub fn ports(text: &str, ctx: &str) -> Result<(u16, u16), Problem> {
    let t = text.trim();
    let syntax = || {
        Problem::help(
            format!("invalid ports `{t}` in {ctx}"),
            Some("write a port (`443`), a range (`1024-65535`) or `all`".into()),
        )
    };
    if t.eq_ignore_ascii_case("all") {
        return Ok((0, 65535));
    }
    let one = |s: &str| -> Result<u16, Problem> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(syntax());
        }
        s.parse::<u16>()
            .map_err(|_| Problem::new(format!("invalid port `{s}` in {ctx}: ports are 0 to 65535")))
    };
    match t.split_once('-') {
        None => one(t).map(|p| (p, p)),
        Some((a, b)) => {
            let (lo, hi) = (one(a)?, one(b)?);
            if lo > hi {
                Err(Problem::help(
                    format!("invalid port range `{t}` in {ctx}: {lo} is greater than {hi}"),
                    Some(format!("did you mean `{hi}-{lo}`?")),
                ))
            } else {
                Ok((lo, hi))
            }
        }
    }
}

/// The port/ICMP part of an SG or NACL rule (C-1.4, C-1.5).
///
/// `ports` applies to tcp and udp; `icmp_type`/`icmp_code` to icmp and
/// icmpv6 (`-1` or absent: all). Protocol `all` and other numbers match every
/// port, whatever is written (C-1.4). Each problem carries which field it is
/// about, so the caller can point at it.
pub fn port_match(
    proto: Proto,
    ports_text: Option<&str>,
    icmp_type: Option<i32>,
    icmp_code: Option<i32>,
    ctx: &str,
) -> Result<PortMatch, (Field, Problem)> {
    let range = match ports_text {
        Some(t) => Some(ports(t, ctx).map_err(|p| (Field::Ports, p))?),
        None => None,
    };
    let is_icmp = matches!(proto, Proto::Num(ICMP) | Proto::Num(ICMPV6));
    let is_l4 = matches!(proto, Proto::Num(TCP) | Proto::Num(UDP));
    let pname = proto_name(proto);
    if is_icmp {
        if let Some(t) = ports_text {
            return Err((
                Field::Ports,
                Problem::help(
                    format!("{ctx} sets ports `{}` on protocol `{pname}`", t.trim()),
                    Some(
                        "ports apply only to tcp and udp; use `icmp_type` and `icmp_code` for icmp"
                            .into(),
                    ),
                ),
            ));
        }
        let ty = icmp_value(icmp_type, "type", ctx).map_err(|p| (Field::IcmpType, p))?;
        let code = icmp_value(icmp_code, "code", ctx).map_err(|p| (Field::IcmpCode, p))?;
        if ty.is_none() && code.is_some() {
            // C-1.4: a type of -1 (all) requires a code of -1.
            return Err((
                Field::IcmpCode,
                Problem::help(
                    format!("{ctx} sets `icmp_code` without `icmp_type`"),
                    Some("set `icmp_type` too, or remove `icmp_code`".into()),
                ),
            ));
        }
        return Ok(PortMatch {
            ports: PortMatch::ALL.ports,
            icmp_type: ty,
            icmp_code: code,
        });
    }
    if is_l4 {
        for (field, value, name) in [
            (Field::IcmpType, icmp_type, "icmp_type"),
            (Field::IcmpCode, icmp_code, "icmp_code"),
        ] {
            if value.is_some() {
                return Err((
                    field,
                    Problem::help(
                        format!("{ctx} sets `{name}` on protocol `{pname}`"),
                        Some("`icmp_type` and `icmp_code` apply only to icmp and icmpv6".into()),
                    ),
                ));
            }
        }
        return Ok(PortMatch {
            ports: range.unwrap_or(PortMatch::ALL.ports),
            ..PortMatch::ALL
        });
    }
    // C-1.4: `all` and other protocol numbers ignore ports and ICMP fields.
    Ok(PortMatch::ALL)
}

/// Which field of a rule a [`port_match`] problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Ports,
    IcmpType,
    IcmpCode,
}

fn icmp_value(v: Option<i32>, what: &str, ctx: &str) -> Result<Option<u8>, Problem> {
    match v {
        None | Some(-1) => Ok(None),
        Some(n) => u8::try_from(n).map(Some).map_err(|_| {
            Problem::new(format!(
                "invalid ICMP {what} `{n}` in {ctx}: expected 0 to 255, or -1 for all"
            ))
        }),
    }
}

/// The usual name of a protocol, for messages.
pub fn proto_name(p: Proto) -> String {
    match p {
        Proto::All => "all".into(),
        Proto::Num(TCP) => "tcp".into(),
        Proto::Num(UDP) => "udp".into(),
        Proto::Num(ICMP) => "icmp".into(),
        Proto::Num(ICMPV6) => "icmpv6".into(),
        Proto::Num(n) => n.to_string(),
    }
}

const PORT_SPEC_EXAMPLES: &str = "write `tcp/22`, `udp/500-4500`, `tcp`, `icmp`, `icmpv6` or `all`";

/// A policy port spec: `tcp/22`, `udp/500-4500`, `tcp` (all tcp ports),
/// `icmp`, `icmpv6`, `all`, or a protocol number.
pub fn port_spec(text: &str, ctx: &str) -> Result<PortSpec, Problem> {
    let t = text.trim();
    let (proto_text, port_text) = match t.split_once('/') {
        Some((p, r)) => (p, Some(r)),
        None => (t, None),
    };
    let proto = protocol(proto_text, ctx).map_err(|_| {
        let help = closest(&proto_text.to_ascii_lowercase(), PROTOCOL_NAMES)
            .map(|p| match port_text {
                Some(r) => format!("did you mean `{p}/{r}`?"),
                None => format!("did you mean `{p}`?"),
            })
            .or_else(|| Some(PORT_SPEC_EXAMPLES.into()));
        Problem::help(format!("invalid port spec `{t}` in {ctx}"), help)
    })?;
    let Some(port_text) = port_text else {
        return Ok(PortSpec {
            proto,
            port: PortMatch::ALL,
        });
    };
    if !matches!(proto, Proto::Num(TCP) | Proto::Num(UDP)) {
        return Err(Problem::help(
            format!("invalid port spec `{t}` in {ctx}: only tcp and udp take ports"),
            Some(format!("write `{}` alone", proto_text.trim())),
        ));
    }
    let range = ports(port_text, ctx).map_err(|p| {
        let help = p
            .help
            .filter(|h| h.starts_with("did you mean"))
            .or_else(|| Some(PORT_SPEC_EXAMPLES.into()));
        Problem::help(format!("invalid port spec `{t}` in {ctx}"), help)
    })?;
    Ok(PortSpec {
        proto,
        port: PortMatch {
            ports: range,
            ..PortMatch::ALL
        },
    })
}

/// The lowest `n`-th address strictly inside `net` that `is_free` accepts,
/// skipping the first four addresses and the last one, which AWS reserves
/// in every subnet.
pub fn free_v4(net: Ipv4Net, is_free: impl Fn(Ipv4Addr) -> bool) -> Option<Ipv4Addr> {
    let first = u32::from(net.network()).checked_add(4)?;
    let last = u32::from(net.broadcast()).checked_sub(1)?;
    (first..=last).map(Ipv4Addr::from).find(|a| is_free(*a))
}

/// Like [`free_v4`] for an IPv6 subnet (AWS reserves the same addresses).
pub fn free_v6(net: Ipv6Net, is_free: impl Fn(Ipv6Addr) -> bool) -> Option<Ipv6Addr> {
    let first = u128::from(net.network()).checked_add(4)?;
    let last = u128::from(net.broadcast()).checked_sub(1)?;
    // Bounded: only addresses already in use are skipped, and they are few.
    (first..=last)
        .take(1 << 20)
        .map(Ipv6Addr::from)
        .find(|a| is_free(*a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(cidr("10.0.0.0/16", "x").is_ok());
        let e = cidr("10.0.0.1/16", "x").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `10.0.0.0/16`?"));
        assert!(cidr("10.0.0.0/33", "x").is_err());
        assert!(cidr_v4("::/0", "x").is_err());
        assert!(cidr_v6("::/0", "x").is_ok());
    }

    #[test]
    fn port_ranges() {
        assert_eq!(ports("443", "x"), Ok((443, 443)));
        assert_eq!(ports("1024-65535", "x"), Ok((1024, 65535)));
        assert_eq!(ports("all", "x"), Ok((0, 65535)));
        assert!(ports("70000", "x").is_err());
        assert!(ports("80-20", "x").is_err());
        assert!(ports("abc", "x").is_err());
        assert!(ports("-", "x").is_err());
    }

    #[test]
    fn protocols() {
        assert_eq!(protocol("-1", "x"), Ok(Proto::All));
        assert_eq!(protocol("6", "x"), Ok(Proto::Num(6)));
        assert_eq!(protocol("TCP", "x"), Ok(Proto::Num(6)));
        assert!(protocol("256", "x").is_err());
    }

    #[test]
    fn port_specs() {
        let s = port_spec("tcp/22", "x").unwrap();
        assert_eq!((s.proto, s.port.ports), (Proto::Num(6), (22, 22)));
        assert_eq!(port_spec("tcp", "x").unwrap().port, PortMatch::ALL);
        assert_eq!(port_spec("all", "x").unwrap().proto, Proto::All);
        assert!(port_spec("icmp/8", "x").is_err());
        assert!(port_spec("tpc/22", "x").is_err());
    }

    #[test]
    fn public_addresses() {
        let not = |t: &str| not_public_v4(t.parse().unwrap());
        for public in [
            "1.1.1.1",
            "54.1.2.3",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "192.0.1.255",
            "192.0.2.10",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.100.7",
            "203.0.113.10",
            "223.255.255.255",
        ] {
            assert_eq!(not(public), None, "{public}");
        }
        for (addr, why) in [
            ("0.1.2.3", "this network"),
            ("10.1.2.3", "RFC 1918"),
            ("100.64.0.1", "RFC 6598"),
            ("100.127.255.255", "RFC 6598"),
            ("127.0.0.1", "loopback"),
            ("169.254.169.254", "link-local"),
            ("192.0.0.8", "IETF"),
            ("198.18.0.5", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.255", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "reserved"),
        ] {
            let got = not(addr).unwrap_or_default();
            assert!(got.contains(why), "{addr}: {got}");
        }
    }

    #[test]
    fn free_addresses() {
        let net: Ipv4Net = "10.0.0.0/28".parse().unwrap();
        assert_eq!(free_v4(net, |_| true), Some(Ipv4Addr::new(10, 0, 0, 4)));
        assert_eq!(free_v4(net, |a| a.octets()[3] > 14), None);
        let tiny: Ipv4Net = "10.0.0.0/31".parse().unwrap();
        assert_eq!(free_v4(tiny, |_| true), None);
    }
}
