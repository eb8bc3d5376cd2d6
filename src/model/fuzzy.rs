//! Fuzzy "did you mean …?" suggestions for dangling names, unknown keys and
//! misspelt values.

/// The candidate closest to `given`, if one is close enough to be a likely
/// typo. Ties are broken by name, so the answer does not depend on the order
/// of `candidates`.
pub fn closest<'a, I>(given: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let given_lc = given.to_lowercase();
    let mut best: Option<(usize, u64, &'a str)> = None;
    for cand in candidates {
        if cand == given || cand.is_empty() {
            continue;
        }
        let cand_lc = cand.to_lowercase();
        let dist = strsim::damerau_levenshtein(&given_lc, &cand_lc);
        let longest = given_lc.chars().count().max(cand_lc.chars().count());
        // A typo: a few edits relative to the length. (A shared prefix alone,
        // like `sg-`, is not enough.)
        if dist > (longest / 3).max(1) {
            continue;
        }
        let jw = strsim::jaro_winkler(&given_lc, &cand_lc);
        // Lower is better: edit distance first, then similarity, then name.
        let sim = ((1.0 - jw) * 1_000_000.0) as u64;
        let key = (dist, sim, cand);
        if best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    best.map(|(_, _, c)| c)
}

/// ``did you mean `x`?`` for the closest candidate, if any.
pub fn did_you_mean<'a, I>(given: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(given, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// `` `a`, `b` or `c` `` for messages that list the accepted values.
pub fn one_of(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos() {
        assert_eq!(
            closest("igw-mian", ["igw-main", "nat-a", "vpc-main"]),
            Some("igw-main")
        );
        assert_eq!(
            closest("tcpp", ["all", "tcp", "udp", "icmp", "icmpv6"]),
            Some("tcp")
        );
        assert_eq!(
            closest("cidrz", ["name", "cidrs", "ipv6_cidrs"]),
            Some("cidrs")
        );
        assert_eq!(closest("TCP", ["tcp", "udp"]), Some("tcp"));
    }

    #[test]
    fn ignores_unrelated_names() {
        assert_eq!(closest("web", ["database-subnet", "rtb-private"]), None);
        assert_eq!(closest("x", Vec::<&str>::new()), None);
    }

    #[test]
    fn lists_values() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
