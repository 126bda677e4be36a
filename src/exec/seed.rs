//! Seeds: one base seed per run, and a deterministic seed per attempt derived from it.

use std::hash::{BuildHasher, Hasher};

/// 64 unpredictable bits, from the standard library's per-process random hash keys, the clock
/// and the process id (not for cryptography: for ids and seeds).
pub fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// A fresh base seed for a run without `--seed` (recorded, so the run can be replayed).
pub fn random_base_seed() -> u64 {
    // Keep it short enough to read and type back.
    random_u64() % 1_000_000_000
}

/// The seed of attempt `index` of a run with `base` seed.
///
/// A splitmix64 step over the base and index, cut to 31 bits so every framework accepts it
/// (PYTHONHASHSEED wants 0..2^32, jest a signed 32-bit integer).
pub fn attempt_seed(base: u64, index: u32) -> u64 {
    let mut z = base ^ u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    z >> 33
}

/// The variables that carry the seed; the first ones are what the reproduce line leads with.
pub const SEED_VARIABLES: [&str; 10] = [
    "FLAKY_SEED",
    "TEST_SEED",
    "PYTHONHASHSEED",
    "GO_TEST_SEED",
    "JEST_SEED",
    "VITE_TEST_SEED",
    "MOCHA_SEED",
    "RUST_TEST_SEED",
    "RSPEC_SEED",
    "PHPUNIT_SEED",
];

/// The variables that carry the attempt index.
pub const ATTEMPT_VARIABLES: [&str; 2] = ["ATTEMPT", "FLAKY_ATTEMPT"];

/// How many of [`attempt_env`]'s variables a reproduce line needs to name: flaky's own, the
/// compatibility ones and PYTHONHASHSEED (the framework variables carry the same seed).
pub const REPRODUCE_VARIABLES: usize = 5;

/// Every variable an attempt gets from flaky, besides `TMPDIR` and `FLAKY_RUN_ID`, in the order
/// a reproduce line names them.
pub fn attempt_env(index: u32, seed: u64) -> Vec<(&'static str, String)> {
    let seed = seed.to_string();
    let index = index.to_string();
    let mut env: Vec<(&'static str, String)> = Vec::with_capacity(SEED_VARIABLES.len() + 2);
    env.push((SEED_VARIABLES[0], seed.clone()));
    env.push((SEED_VARIABLES[1], seed.clone()));
    env.extend(ATTEMPT_VARIABLES.iter().map(|k| (*k, index.clone())));
    env.extend(SEED_VARIABLES[2..].iter().map(|k| (*k, seed.clone())));
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_deterministic_distinct_and_small() {
        let a: Vec<u64> = (0..1000).map(|i| attempt_seed(42, i)).collect();
        let b: Vec<u64> = (0..1000).map(|i| attempt_seed(42, i)).collect();
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 1000);
        assert!(a.iter().all(|s| *s < (1 << 31)));
        assert_ne!(attempt_seed(42, 0), attempt_seed(43, 0));
        // Pinned: a change here silently breaks every recorded replay line.
        assert_eq!(
            [attempt_seed(0, 0), attempt_seed(42, 7)],
            [1_896_895_516, 1_709_081_315]
        );
    }

    #[test]
    fn env_carries_index_and_seed() {
        let env = attempt_env(3, 77);
        assert_eq!(env[0], ("FLAKY_SEED", "77".into()));
        assert_eq!(env[1], ("TEST_SEED", "77".into()));
        assert_eq!(env[2], ("ATTEMPT", "3".into()));
        assert_eq!(env[3], ("FLAKY_ATTEMPT", "3".into()));
        assert!(env.contains(&("PYTHONHASHSEED", "77".into())));
        assert!(env.contains(&("JEST_SEED", "77".into())));
        assert_eq!(env.len(), 12);
    }
}
