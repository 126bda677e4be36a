//! Small functions under test, with tests of known flakiness for trying `flaky`.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by `register`; process-wide on purpose, so it outlives a single test. That is what
/// makes `order::lookup_starts_empty` depend on whether `order::register_item` ran first.
static REGISTERED: AtomicBool = AtomicBool::new(false);

pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

pub fn slug(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

pub fn register() {
    REGISTERED.store(true, Ordering::SeqCst);
}

pub fn is_registered() -> bool {
    REGISTERED.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(2, 3), 5);
    }

    #[test]
    fn slug_lowercases() {
        assert_eq!(slug("Hello World"), "hello-world");
    }

    #[test]
    fn slug_collapses_spaces() {
        assert_eq!(slug("a   b"), "a-b");
    }

    /// Fails for one seed in four. flaky sets RUST_TEST_SEED per attempt, so any failing
    /// attempt replays exactly; without RUST_TEST_SEED it passes.
    #[test]
    fn seeded_flaky() {
        let seed: u64 = std::env::var("RUST_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        assert_ne!(seed % 4, 0, "RUST_TEST_SEED={seed} is a multiple of 4");
    }

    #[test]
    fn mean_always_fails() {
        assert_eq!(
            mean(&[1.0, 2.0, 3.0]),
            3.0,
            "mean([1, 2, 3]) should be 2, the test expects 3 on purpose"
        );
    }
}

/// The order-dependent pair. libtest starts tests in name order, so `lookup_starts_empty`
/// starts before `register_item`; with one test thread it passes, and it fails whenever
/// `register_item` ran first (a shuffled order, or thread scheduling with several threads).
#[cfg(test)]
mod order {
    use super::*;

    #[test]
    fn lookup_starts_empty() {
        assert!(
            !is_registered(),
            "REGISTERED was already set: another test called register()"
        );
    }

    #[test]
    fn register_item() {
        register();
        assert!(is_registered());
    }
}
