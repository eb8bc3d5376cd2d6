//! IAM string patterns, and the exact partition of a string space by a set
//! of them.
//!
//! A pattern is matched the way IAM matches the element or operator it comes
//! from: `*` any run of characters and `?` one character where wildcards
//! apply (`Action`, `Resource`, `StringLike`, the `Arn` operators), case
//! folded where IAM folds it (`Action`, `…IgnoreCase`), and, for the `Arn`
//! operators, a wildcard never crossing a `:` in the first five of the six
//! ARN components (C-19.1, C-19.2).
//!
//! [`regions`] answers the question the evaluator needs to be exact: which
//! combinations of "matches pattern i" are possible at all, with one
//! concrete string for each. It explores the product of the patterns'
//! automata breadth first, so the answer is complete, not sampled.

use std::collections::HashMap;

/// One pattern, with how it matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    chars: Vec<char>,
    /// `*` and `?` are wildcards (otherwise they match themselves).
    wild: bool,
    ignore_case: bool,
    /// ARN matching: wildcards stay inside one of the first five components.
    arn: bool,
}

impl Pattern {
    pub fn new(text: &str, wild: bool, ignore_case: bool, arn: bool) -> Self {
        let chars = if ignore_case {
            text.to_lowercase().chars().collect()
        } else {
            text.chars().collect()
        };
        Pattern {
            chars,
            wild,
            ignore_case,
            arn,
        }
    }

    /// An exact, case-sensitive string.
    pub fn literal(text: &str) -> Self {
        Pattern::new(text, false, false, false)
    }

    /// The pattern as written (case folded if it ignores case).
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_wild(&self) -> bool {
        self.wild
    }

    pub fn ignores_case(&self) -> bool {
        self.ignore_case
    }

    /// Whether the pattern has a wildcard (a value that is not "fixed").
    pub fn has_wildcard(&self) -> bool {
        self.wild && self.chars.iter().any(|c| *c == '*' || *c == '?')
    }

    fn fold(&self, c: char) -> char {
        if self.ignore_case {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c
        }
    }

    /// Whether a wildcard at `pos` may consume `c`.
    fn wildcard_takes(&self, pos: usize, c: char) -> bool {
        !(self.arn && c == ':' && self.chars[..pos].iter().filter(|x| **x == ':').count() < 5)
    }

    fn closure(&self, set: &mut Vec<u16>) {
        let mut i = 0;
        while i < set.len() {
            let p = set[i] as usize;
            if self.wild && p < self.chars.len() && self.chars[p] == '*' {
                let n = (p + 1) as u16;
                if !set.contains(&n) {
                    set.push(n);
                }
            }
            i += 1;
        }
        set.sort_unstable();
    }

    fn start(&self) -> Vec<u16> {
        let mut s = vec![0];
        self.closure(&mut s);
        s
    }

    fn step(&self, set: &[u16], c: char) -> Vec<u16> {
        let c = self.fold(c);
        let mut out = Vec::new();
        for &p in set {
            let p = p as usize;
            let Some(&pc) = self.chars.get(p) else {
                continue;
            };
            if self.wild && pc == '*' {
                if self.wildcard_takes(p, c) && !out.contains(&(p as u16)) {
                    out.push(p as u16);
                }
            } else if (self.wild && pc == '?' && self.wildcard_takes(p, c)) || pc == c {
                let n = (p + 1) as u16;
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        self.closure(&mut out);
        out
    }

    fn accepts(&self, set: &[u16]) -> bool {
        set.contains(&(self.chars.len() as u16))
    }

    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let mut s = self.start();
        for c in text.chars() {
            if s.is_empty() {
                return false;
            }
            s = self.step(&s, c);
        }
        self.accepts(&s)
    }
}

/// The exploration gave up: too many automaton states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooComplex;

/// The most product states [`regions`] explores before giving up.
const MAX_STATES: usize = 50_000;

/// Every possible combination of "matches pattern i" over all strings,
/// each with one string that has it: `(matches, witness)`. Strings in
/// `seeds` are preferred as witnesses (they read better than the shortest
/// string the search finds).
pub fn regions(
    patterns: &[Pattern],
    seeds: &[String],
) -> Result<Vec<(Vec<bool>, String)>, TooComplex> {
    let mut found: HashMap<Vec<bool>, String> = HashMap::new();
    for s in seeds {
        let v: Vec<bool> = patterns.iter().map(|p| p.matches(s)).collect();
        found.entry(v).or_insert_with(|| s.clone());
    }
    // The alphabet: every character of every pattern, in both cases, and
    // one character none of them has (it stands for all the others).
    let mut alphabet: Vec<char> = Vec::new();
    for p in patterns {
        for &c in &p.chars {
            for x in c.to_lowercase().chain(c.to_uppercase()).chain([c]) {
                if !alphabet.contains(&x) {
                    alphabet.push(x);
                }
            }
        }
    }
    if let Some(other) = ['x', 'q', 'z', '0', '7', '~', '\u{e000}']
        .into_iter()
        .find(|c| !alphabet.contains(c) && !alphabet.contains(&c.to_ascii_uppercase()))
    {
        alphabet.push(other);
    }
    type State = Vec<Vec<u16>>;
    let start: State = patterns.iter().map(Pattern::start).collect();
    let mut seen: HashMap<State, ()> = HashMap::new();
    let mut queue: std::collections::VecDeque<(State, String)> = Default::default();
    seen.insert(start.clone(), ());
    queue.push_back((start, String::new()));
    while let Some((state, text)) = queue.pop_front() {
        let v: Vec<bool> = patterns
            .iter()
            .zip(&state)
            .map(|(p, s)| p.accepts(s))
            .collect();
        found.entry(v).or_insert_with(|| text.clone());
        for &c in &alphabet {
            let next: State = patterns
                .iter()
                .zip(&state)
                .map(|(p, s)| p.step(s, c))
                .collect();
            if seen.contains_key(&next) {
                continue;
            }
            if seen.len() >= MAX_STATES {
                return Err(TooComplex);
            }
            seen.insert(next.clone(), ());
            let mut t = text.clone();
            t.push(c);
            queue.push_back((next, t));
        }
    }
    let mut out: Vec<(Vec<bool>, String)> = found.into_iter().collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        let action = |p: &str| Pattern::new(p, true, true, false);
        assert!(action("s3:*").matches("s3:GetObject"));
        assert!(action("s3:Get*").matches("S3:GETOBJECT"));
        assert!(!action("s3:Put*").matches("s3:GetObject"));
        assert!(action("*").matches(""));
        assert!(!action("a?c").matches("ac"));
        let res = Pattern::new(
            "arn:aws:s3:::prod-*-starport-layer-bucket/*",
            true,
            false,
            false,
        );
        assert!(res.matches("arn:aws:s3:::prod-us-east-1-starport-layer-bucket/layer"));
        assert!(
            !Pattern::new("arn:aws:s3:::Data/*", true, false, false).matches("arn:aws:s3:::data/x")
        );
    }

    #[test]
    fn arn_wildcards_stay_in_their_component() {
        let p = Pattern::new("arn:aws:iam::*:role/x", true, false, true);
        assert!(p.matches("arn:aws:iam::111122223333:role/x"));
        assert!(!p.matches("arn:aws:iam::1:2:role/x"));
        // The sixth component may hold colons.
        let q = Pattern::new("arn:aws:s3:::b/*", true, false, true);
        assert!(q.matches("arn:aws:s3:::b/a:b:c"));
    }

    #[test]
    fn literal_stars_match_themselves() {
        let p = Pattern::literal("a*");
        assert!(p.matches("a*"));
        assert!(!p.matches("ab"));
    }

    #[test]
    fn regions_are_every_possible_combination() {
        let ps = vec![
            Pattern::new("a*", true, false, false),
            Pattern::new("*b", true, false, false),
            Pattern::literal("ab"),
        ];
        let r = regions(&ps, &[]).unwrap();
        let vs: Vec<Vec<bool>> = r.iter().map(|(v, _)| v.clone()).collect();
        // ab matches all three; "a" only the first; "b" only the second;
        // "axb" both globs without the literal; "" none.
        assert!(vs.contains(&vec![true, true, true]));
        assert!(vs.contains(&vec![true, false, false]));
        assert!(vs.contains(&vec![false, true, false]));
        assert!(vs.contains(&vec![true, true, false]));
        assert!(vs.contains(&vec![false, false, false]));
        // The literal without both globs is impossible.
        assert!(!vs.iter().any(|v| v[2] && !(v[0] && v[1])));
        for (v, w) in &r {
            let got: Vec<bool> = ps.iter().map(|p| p.matches(w)).collect();
            assert_eq!(&got, v, "witness {w:?}");
        }
    }
}
