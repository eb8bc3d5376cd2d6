//! Sorted, disjoint, non-adjacent sets of closed `u128` intervals.

use smallvec::{SmallVec, smallvec};

/// The runs of a set. Most fields of a rule are one range (a CIDR, a port
/// range), so one or two runs are stored inline: copying a cube then
/// allocates nothing.
type Runs = SmallVec<[(u128, u128); 2]>;

/// A set of `u128` values as sorted, disjoint, non-adjacent closed intervals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct IntervalSet {
    runs: Runs,
}

impl IntervalSet {
    pub fn empty() -> Self {
        IntervalSet { runs: Runs::new() }
    }

    /// `[lo, hi]`; empty when `lo > hi`.
    pub fn range(lo: u128, hi: u128) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            IntervalSet {
                runs: smallvec![(lo, hi)],
            }
        }
    }

    pub fn point(v: u128) -> Self {
        Self::range(v, v)
    }

    /// Builds a set from arbitrary (possibly overlapping) ranges.
    pub fn from_ranges(mut ranges: Vec<(u128, u128)>) -> Self {
        ranges.retain(|(a, b)| a <= b);
        ranges.sort_unstable();
        let mut runs: Runs = Runs::with_capacity(ranges.len());
        for (a, b) in ranges {
            match runs.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => runs.push((a, b)),
            }
        }
        IntervalSet { runs }
    }

    pub fn runs(&self) -> &[(u128, u128)] {
        &self.runs
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    pub fn first(&self) -> Option<u128> {
        self.runs.first().map(|r| r.0)
    }

    /// The value a witness uses from this set: in the first run, past a
    /// network address (`.0`, base + 7) when the run holds that value, else
    /// the run's first value. Always a member of the set, however small the
    /// run (a /30, /31, /32, /127 or /128).
    pub fn sample_addr(&self) -> Option<u128> {
        let &(a, b) = self.runs.first()?;
        Some(match a.checked_add(7) {
            Some(v) if a % 256 == 0 && v <= b => v,
            _ => a,
        })
    }

    pub fn contains(&self, v: u128) -> bool {
        match self.runs.binary_search_by(|&(a, _)| a.cmp(&v)) {
            Ok(_) => true,
            Err(0) => false,
            Err(i) => self.runs[i - 1].1 >= v,
        }
    }

    pub fn is_subset(&self, other: &IntervalSet) -> bool {
        self.subtract(other).is_empty()
    }

    pub fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        let (small, large) = if self.runs.len() <= other.runs.len() {
            (self, other)
        } else {
            (other, self)
        };
        if small.runs.len() == 1 || small.runs.len() * 16 < large.runs.len() {
            // A few runs against many (one route region against every
            // interface address, one source against a rule's peers): find
            // each run's overlap by binary search.
            let mut runs = Runs::new();
            for &(a, b) in &small.runs {
                let start = large.runs.partition_point(|&(_, hi)| hi < a);
                for &(lo, hi) in large.runs[start..].iter().take_while(|&&(lo, _)| lo <= b) {
                    runs.push((lo.max(a), hi.min(b)));
                }
            }
            return IntervalSet { runs };
        }
        let (mut i, mut j) = (0, 0);
        let mut runs = Runs::new();
        while i < self.runs.len() && j < other.runs.len() {
            let (a1, b1) = self.runs[i];
            let (a2, b2) = other.runs[j];
            let lo = a1.max(a2);
            let hi = b1.min(b2);
            if lo <= hi {
                runs.push((lo, hi));
            }
            if b1 < b2 { i += 1 } else { j += 1 }
        }
        IntervalSet { runs }
    }

    pub fn intersects(&self, other: &IntervalSet) -> bool {
        let (small, large) = if self.runs.len() <= other.runs.len() {
            (self, other)
        } else {
            (other, self)
        };
        if let [(a, b)] = small.runs[..] {
            let start = large.runs.partition_point(|&(_, hi)| hi < a);
            return large.runs.get(start).is_some_and(|&(lo, _)| lo <= b);
        }
        if small.runs.len() * 16 < large.runs.len() {
            return small.runs.iter().any(|&(a, b)| {
                let start = large.runs.partition_point(|&(_, hi)| hi < a);
                large.runs.get(start).is_some_and(|&(lo, _)| lo <= b)
            });
        }
        let (mut i, mut j) = (0, 0);
        while i < self.runs.len() && j < other.runs.len() {
            let (a1, b1) = self.runs[i];
            let (a2, b2) = other.runs[j];
            if a1.max(a2) <= b1.min(b2) {
                return true;
            }
            if b1 < b2 { i += 1 } else { j += 1 }
        }
        false
    }

    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        // Linear merge of two sorted run lists.
        let mut runs = Runs::with_capacity(self.runs.len() + other.runs.len());
        let (mut i, mut j) = (0, 0);
        while i < self.runs.len() || j < other.runs.len() {
            let next = if j >= other.runs.len()
                || (i < self.runs.len() && self.runs[i].0 <= other.runs[j].0)
            {
                i += 1;
                self.runs[i - 1]
            } else {
                j += 1;
                other.runs[j - 1]
            };
            match runs.last_mut() {
                Some(last) if next.0 <= last.1.saturating_add(1) => last.1 = last.1.max(next.1),
                _ => runs.push(next),
            }
        }
        IntervalSet { runs }
    }

    pub fn subtract(&self, other: &IntervalSet) -> IntervalSet {
        let mut runs = Runs::new();
        let mut j = 0;
        for &(a, b) in &self.runs {
            let mut lo = a;
            let mut done = false;
            while j < other.runs.len() && other.runs[j].1 < lo {
                j += 1;
            }
            let mut k = j;
            while k < other.runs.len() && other.runs[k].0 <= b {
                let (c, d) = other.runs[k];
                if c > lo {
                    runs.push((lo, c - 1));
                }
                if d >= b {
                    done = true;
                    break;
                }
                lo = d + 1;
                k += 1;
            }
            if !done {
                runs.push((lo, b));
            }
        }
        IntervalSet { runs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Intersection of a few runs with many (the binary-search path) is
    /// the same set as `a \ (a \ b)`, and `intersects` agrees with it, for
    /// runs that touch, overlap, nest and miss each other.
    #[test]
    fn intersect_of_few_runs_with_many_is_exact() {
        let many = IntervalSet::from_ranges((0..200u128).map(|k| (k * 10, k * 10 + 4)).collect());
        let probes: Vec<Vec<(u128, u128)>> = vec![
            vec![(0, 0)],
            vec![(5, 9)],
            vec![(4, 10)],
            vec![(3, 27), (1500, 1512)],
            vec![(1995, 5000)],
            vec![(2000, 3000)],
            vec![(0, u128::MAX)],
            vec![(7, 8), (17, 18), (1234, 1236)],
        ];
        for p in probes {
            let few = IntervalSet::from_ranges(p.clone());
            let want = few.subtract(&few.subtract(&many));
            assert_eq!(few.intersect(&many), want, "{p:?} ∩ many");
            assert_eq!(many.intersect(&few), want, "many ∩ {p:?}");
            assert_eq!(few.intersects(&many), !want.is_empty(), "{p:?} meets many");
            assert_eq!(many.intersects(&few), !want.is_empty(), "many meets {p:?}");
        }
    }

    #[test]
    fn subtract_splits_and_trims() {
        let a = IntervalSet::range(0, 100);
        let b = IntervalSet::from_ranges(vec![(10, 20), (50, 100)]);
        assert_eq!(a.subtract(&b).runs(), &[(0, 9), (21, 49)]);
        assert_eq!(b.subtract(&a).runs(), &[] as &[(u128, u128)]);
        let full = IntervalSet::range(0, u128::MAX);
        assert_eq!(
            full.subtract(&IntervalSet::point(u128::MAX)).runs(),
            &[(0, u128::MAX - 1)]
        );
    }

    #[test]
    fn from_ranges_merges_adjacent() {
        let s = IntervalSet::from_ranges(vec![(5, 9), (0, 4), (20, 30), (25, 40)]);
        assert_eq!(s.runs(), &[(0, 9), (20, 40)]);
        assert!(s.contains(9) && !s.contains(10) && s.contains(40));
    }

    #[test]
    fn intersect_of_disjoint_is_empty() {
        let a = IntervalSet::range(0, 5);
        let b = IntervalSet::range(6, 9);
        assert!(a.intersect(&b).is_empty());
        assert!(!a.intersects(&b));
        assert_eq!(a.union(&b).runs(), &[(0, 9)]);
    }
}
