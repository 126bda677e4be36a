//! Property tests ("fuzzing" in CI's time budget): no parser and no config loader panics on any
//! input, and mutations of real reports keep them panic-free. Failures proptest finds are kept
//! as regression cases in `proptest-regressions/`.

use proptest::prelude::*;

use super::{Parsed, cargo, gotest, gotext, jest, junit, mocha, node, rspec};

/// Every parser.
const PARSERS: [fn(&[u8]) -> Parsed; 8] = [
    junit::parse,
    gotest::parse,
    gotext::parse,
    cargo::parse,
    jest::parse,
    mocha::parse,
    node::parse,
    rspec::parse,
];

/// Real reports to mutate, one or two per format.
const SEEDS: [&[u8]; 9] = [
    include_bytes!("../../tests/fixtures/pytest/fail-xunit1.xml"),
    include_bytes!("../../tests/fixtures/nextest/retries-crash-timeout.xml"),
    include_bytes!("../../tests/fixtures/go/fail.jsonl"),
    include_bytes!("../../tests/fixtures/go/verbose/parallel.txt"),
    include_bytes!("../../tests/fixtures/cargo/fail-seed8.txt"),
    include_bytes!("../../tests/fixtures/jest/fail.json"),
    include_bytes!("../../tests/fixtures/mocha/fail.json"),
    include_bytes!("../../tests/fixtures/node/error.jsonl"),
    include_bytes!("../../tests/fixtures/rspec/fail.json"),
];

/// A real report with a few bytes replaced, inserted or cut.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..SEEDS.len(),
        prop::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 0..12),
    )
        .prop_map(|(i, edits)| {
            let mut bytes = SEEDS[i].to_vec();
            for (pos, byte, op) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = usize::from(pos) % bytes.len();
                match op {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => bytes.truncate(at),
                }
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for parse in PARSERS {
            let _ = parse(&bytes);
        }
    }

    #[test]
    fn parsers_never_panic_on_mutated_reports(bytes in mutated()) {
        for parse in PARSERS {
            let _ = parse(&bytes);
        }
    }

    #[test]
    fn the_config_loader_never_panics(text in "(?s).{0,400}") {
        let _ = crate::config::parse(&text);
    }

    #[test]
    fn the_config_loader_never_panics_on_near_valid_yaml(
        key in "(runs|jobs|timeout|seed|command|env|fail_on|severity_thresholds|ignore_patterns|until|order|[a-z_]{1,12})",
        value in "(-?[0-9]{1,12}|[a-z%.:\\[\\]{}'\" ]{0,20}|\\n  [a-z]{1,8}: .{0,10})",
    ) {
        let _ = crate::config::parse(&format!("{key}: {value}\n"));
    }
}
