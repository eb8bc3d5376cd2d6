//! The Region of each VPC, taken from whatever the snapshot gives: the
//! folder (`aws_configs/<region>/`), the Availability Zones of its subnets,
//! interfaces and load balancers, the ARNs and Region fields of its
//! resources, or the snapshot's `AvailabilityZones` listing. Only when none
//! gives it does it stay unknown.

use std::collections::{BTreeMap, BTreeSet};

/// Where a Region came from, strongest first. A weaker source is used only
/// when no stronger one names a Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Folder,
    Zones,
    Arns,
    Listing,
}

impl Source {
    fn text(self) -> &'static str {
        match self {
            Source::Folder => "its snapshot folder",
            Source::Zones => "the Availability Zones of its subnets, interfaces or load balancers",
            Source::Arns => "the ARNs, Region fields or service names of its resources",
            Source::Listing => "the snapshot's `AvailabilityZones` listing",
        }
    }
}

/// A Region name (`us-east-1`, `us-gov-west-1`, `ap-southeast-5`).
pub fn is_region(s: &str) -> bool {
    of_zone(s).is_some_and(|r| r == s)
}

/// The Region an Availability Zone name belongs to: `us-east-2b` →
/// `us-east-2`; a Local Zone `us-west-2-lax-1a` or a Wavelength Zone
/// `us-east-1-wl1-bos-wlz-1` → the Region in front. A zone id (`use1-az1`)
/// names no Region, and gives `None`.
pub fn of_zone(zone: &str) -> Option<String> {
    let parts: Vec<&str> = zone.trim().split('-').collect();
    let (country, rest) = parts.split_first()?;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    // One or two words (`east`, `gov-west`, `iso-east`), then the number.
    let words = rest
        .iter()
        .take_while(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        .count();
    if !(1..=2).contains(&words) {
        return None;
    }
    let numbered = rest.get(words)?;
    let digits = numbered.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (number, letter) = numbered.split_at(digits);
    let more = rest.len() > words + 1;
    let ok = match (letter.len(), more) {
        // `us-east-2` itself, or a Local/Wavelength Zone after it.
        (0, _) => true,
        // `us-east-2b`.
        (1, false) => letter.bytes().all(|b| b.is_ascii_lowercase()),
        _ => false,
    };
    ok.then(|| {
        let mut r = vec![*country];
        r.extend(&rest[..words]);
        format!("{}-{number}", r.join("-"))
    })
}

/// The Region field of an ARN (`arn:aws:ec2:us-east-2:123456789012:subnet/…`);
/// `None` for global resources (an empty Region field).
pub fn of_arn(arn: &str) -> Option<String> {
    let mut f = arn.split(':');
    (f.next()? == "arn").then_some(())?;
    let region = f.nth(2)?;
    is_region(region).then(|| region.to_string())
}

/// The Region of an AWS service name (`com.amazonaws.us-east-1.s3`).
pub fn of_service(name: &str) -> Option<String> {
    let r = name.strip_prefix("com.amazonaws.")?.split('.').next()?;
    is_region(r).then(|| r.to_string())
}

/// What the snapshot says about each VPC's Region.
#[derive(Debug, Default)]
pub struct Evidence {
    by_vpc: BTreeMap<String, BTreeMap<Source, BTreeSet<String>>>,
}

/// The outcome for one VPC.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// One Region; with the weaker sources that name another, for a note.
    Region(String, Vec<String>),
    /// The strongest source names several Regions: the data disagrees.
    Conflict(String),
    None,
}

impl Evidence {
    pub fn add(&mut self, vpc: &str, source: Source, region: Option<String>) {
        if let Some(r) = region {
            self.by_vpc
                .entry(vpc.to_string())
                .or_default()
                .entry(source)
                .or_default()
                .insert(r);
        }
    }

    pub fn region(&self, vpc: &str) -> Found {
        let Some(sources) = self.by_vpc.get(vpc) else {
            return Found::None;
        };
        let Some((best, regions)) = sources.iter().find(|(_, r)| !r.is_empty()) else {
            return Found::None;
        };
        let names = |r: &BTreeSet<String>| {
            r.iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if regions.len() > 1 {
            return Found::Conflict(format!("{} name {}", best.text(), names(regions)));
        }
        let Some(region) = regions.first() else {
            return Found::None;
        };
        let others = sources
            .iter()
            .filter(|(s, r)| *s > best && r.iter().any(|x| x != region))
            .map(|(s, r)| format!("{} name {}", s.text(), names(r)))
            .collect();
        Found::Region(region.clone(), others)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_give_their_region_and_zone_ids_do_not() {
        for (zone, want) in [
            ("us-east-2b", Some("us-east-2")),
            ("eu-central-1a", Some("eu-central-1")),
            ("ap-southeast-5c", Some("ap-southeast-5")),
            ("us-gov-west-1a", Some("us-gov-west-1")),
            ("us-west-2-lax-1a", Some("us-west-2")),
            ("us-east-1-wl1-bos-wlz-1", Some("us-east-1")),
            ("us-east-1", Some("us-east-1")),
            ("use1-az1", None),
            ("usw2-lax1-az1", None),
            ("us-east-2bb", None),
            ("", None),
            ("east-1a", None),
        ] {
            assert_eq!(of_zone(zone).as_deref(), want, "{zone}");
        }
    }

    #[test]
    fn arns_and_service_names_give_their_region() {
        assert_eq!(
            of_arn("arn:aws:ec2:us-east-2:123456789012:subnet/subnet-1").as_deref(),
            Some("us-east-2")
        );
        assert_eq!(of_arn("arn:aws:iam::123456789012:role/x"), None);
        assert_eq!(
            of_service("com.amazonaws.eu-west-1.s3").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(of_service("com.amazonaws.vpce.svc-1"), None);
    }

    #[test]
    fn the_strongest_source_wins_and_disagreement_is_reported() {
        let mut e = Evidence::default();
        e.add("v", Source::Arns, Some("us-east-1".into()));
        e.add("v", Source::Zones, Some("us-west-2".into()));
        let Found::Region(r, others) = e.region("v") else {
            panic!("no region");
        };
        assert_eq!(r, "us-west-2");
        assert_eq!(others.len(), 1);
        e.add("v", Source::Zones, Some("eu-west-1".into()));
        assert!(matches!(e.region("v"), Found::Conflict(_)));
        assert_eq!(e.region("w"), Found::None);
    }
}
