//! The smallest set of tests that keeps a condition (the victim fails after them, or passes
//! after them): Zeller's delta debugging, with each check one run of the chosen tests.

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search<T> {
    /// The smallest set found (in the order given).
    pub found: Vec<T>,
    /// Whether no test of `found` can be left out (the search ended, not the budget).
    pub minimal: bool,
    /// Checks run.
    pub checks: u32,
}

/// Minimises `items` (for which the condition holds) to a set for which it still holds and no
/// single chunk can be dropped: `holds(subset)` runs the check (`Some(true)`: it holds, `None`:
/// no more checks can run, which ends the search with what it has). With one culprit this is a
/// bisection: about 2·log2(n) checks.
pub async fn minimise<T: Clone>(
    items: Vec<T>,
    mut holds: impl AsyncFnMut(&[T]) -> Option<bool>,
) -> Search<T> {
    let mut current = items;
    let mut chunks = 2usize;
    let mut checks = 0u32;
    'outer: while current.len() > 1 {
        let n = chunks.min(current.len());
        let parts = split(&current, n);
        for part in &parts {
            checks += 1;
            match holds(part).await {
                Some(true) => {
                    current = part.clone();
                    chunks = 2;
                    continue 'outer;
                }
                Some(false) => {}
                None => return stopped(current, checks),
            }
        }
        // With two parts each complement is the other part, already checked.
        if n > 2 {
            for i in 0..n {
                let complement: Vec<T> = parts
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .flat_map(|(_, p)| p.iter().cloned())
                    .collect();
                checks += 1;
                match holds(&complement).await {
                    Some(true) => {
                        current = complement;
                        chunks = (n - 1).max(2);
                        continue 'outer;
                    }
                    Some(false) => {}
                    None => return stopped(current, checks),
                }
            }
        }
        if n >= current.len() {
            break;
        }
        chunks = (2 * n).min(current.len());
    }
    Search {
        found: current,
        minimal: true,
        checks,
    }
}

fn stopped<T>(found: Vec<T>, checks: u32) -> Search<T> {
    Search {
        found,
        minimal: false,
        checks,
    }
}

/// `items` in `n` contiguous parts of nearly equal size.
fn split<T: Clone>(items: &[T], n: usize) -> Vec<Vec<T>> {
    let mut parts = Vec::with_capacity(n);
    let mut start = 0;
    for i in 0..n {
        let end = start + (items.len() - start) / (n - i);
        parts.push(items[start..end].to_vec());
        start = end;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// The search over 0..n with the condition "every culprit is in the set".
    fn search(n: u32, culprits: &[u32]) -> Search<u32> {
        block_on(minimise((0..n).collect(), async |set: &[u32]| {
            Some(culprits.iter().all(|c| set.contains(c)))
        }))
    }

    #[test]
    fn one_polluter_among_100_in_under_20_checks() {
        for culprit in [0, 1, 37, 50, 98, 99] {
            let s = search(100, &[culprit]);
            assert_eq!(s.found, vec![culprit]);
            assert!(s.minimal);
            assert!(s.checks < 20, "{culprit}: {} checks", s.checks);
        }
    }

    #[test]
    fn every_culprit_of_several() {
        let s = search(40, &[3, 31]);
        assert_eq!(s.found, vec![3, 31]);
        assert!(s.minimal);
        let s = search(9, &[0, 4, 8]);
        assert_eq!(s.found, vec![0, 4, 8]);
    }

    #[test]
    fn one_item_needs_no_check() {
        let s = search(1, &[0]);
        assert_eq!((s.found, s.checks), (vec![0], 0));
    }

    #[test]
    fn a_spent_budget_keeps_what_was_found() {
        let mut left = 3;
        let s = block_on(minimise(
            (0..64).collect::<Vec<u32>>(),
            async |set: &[u32]| {
                if left == 0 {
                    return None;
                }
                left -= 1;
                Some(set.contains(&5))
            },
        ));
        assert!(!s.minimal);
        assert!(s.found.contains(&5));
        assert_eq!(s.found.len(), 8);
    }

    #[test]
    fn parts_cover_the_items() {
        assert_eq!(split(&[1, 2, 3, 4, 5], 2), vec![vec![1, 2], vec![3, 4, 5]]);
        assert_eq!(split(&[1, 2, 3], 3), vec![vec![1], vec![2], vec![3]]);
    }
}
