use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{ALL, Lang, find, judge};
use crate::analysis::Severity;
use crate::scan::facts::{Amount, ElapsedBound, Fact, Listen, Place, Seed, SeedSource, Sleep};
use crate::scan::{Confidence, ScanOptions, scan};

/// The languages every rule judged here covers.
const ALL_LANGS: [Lang; 4] = [Lang::Python, Lang::JavaScript, Lang::Go, Lang::Rust];

#[test]
fn ids_and_former_ids_name_one_rule_each() {
    let mut names: HashMap<String, &str> = HashMap::new();
    for rule in ALL {
        let id = rule.id;
        assert!(id.bytes().all(|c| matches!(c, b'a'..=b'z' | b'-')), "{id}");
        let aliases = rule.aliases();
        let shorts = aliases.iter().filter_map(|a| Some(a.split_once('/')?.1));
        for name in aliases.iter().map(String::as_str).chain(shorts).chain([id]) {
            let other = names.insert(name.to_owned(), id).unwrap_or(id);
            assert_eq!(other, id, "`{name}` names both {other} and {id}");
            assert_eq!(find(name).map(|r| r.id), Some(id), "{name}");
        }
        assert!(!rule.languages().is_empty(), "{id} covers no language");
    }
    assert!(find("no-such-rule").is_none());
}

#[test]
fn every_rule_is_documented() {
    for rule in ALL {
        let id = rule.id;
        assert!(
            rule.doc.starts_with(&format!("# {id} (")),
            "{id}: the doc starts with its title"
        );
        for section in [
            "## What it finds",
            "## Why it makes tests flaky",
            "## Example",
            "## Fix",
        ] {
            assert!(rule.doc.contains(section), "{id}: no `{section}`");
        }
        assert!(!rule.summary.ends_with('.'), "{id}");
    }
}

/// Each rule, in each language it covers, finds its smell in a smelly fixture (as a likely
/// cause at least: context counts) and shows nothing of its own for the fixed twin.
#[test]
fn every_rule_flags_its_smelly_fixture_and_not_the_fixed_twin() {
    let root = Path::new("tests/fixtures/scan-rules");
    let mut problems = Vec::new();
    let mut covered = HashSet::new();
    for rule in ALL {
        for language in rule.languages() {
            let dir = root.join(rule.id).join(language);
            let count = |twin: &str, options: &ScanOptions| {
                scan(&dir.join(twin), options)
                    .map(|r| r.findings.iter().filter(|f| f.rule == rule.id).count())
            };
            let smelly = count("smelly", &ScanOptions::for_causes());
            match (smelly, count("fixed", &ScanOptions::default())) {
                (Ok(smelly), Ok(fixed)) if smelly > 0 && fixed == 0 => {
                    covered.insert((rule.id, language));
                }
                (smelly, fixed) => problems.push(format!(
                    "{} in {language}: smelly {smelly:?}, fixed {fixed:?}",
                    rule.id
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Nothing under the fixtures that no rule covers.
    let entries = |dir: &Path| std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
    for dir in entries(root).filter(|path| path.is_dir()) {
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        let rule = find(&id).unwrap_or_else(|| panic!("fixtures of no rule: {id}"));
        for lang in entries(&dir) {
            let lang = lang.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                covered.contains(&(rule.id, lang.as_str())),
                "{id}/{lang}: fixtures of a language the rule does not cover"
            );
        }
    }
}

#[test]
fn a_sleep_is_a_smell_only_when_it_waits_a_fixed_time() {
    let sleep = |duration, in_loop, place, faked| {
        Fact::Sleep(Sleep {
            call: "time.Sleep(time.Second)".to_owned(),
            duration,
            in_loop,
            place,
            faked,
        })
    };
    let high = (Severity::High, Confidence::High);
    let medium = (Severity::Medium, Confidence::Medium);
    let reached = "sleeps a fixed time: tests that reach it depend on timing";
    for lang in ALL_LANGS {
        for (duration, place, (severity, confidence), what) in [
            (Amount::Constant, Place::Test, high, "waits a fixed time"),
            (Amount::Constant, Place::Helper, medium, reached),
            (Amount::Constant, Place::Callback, medium, reached),
            // A set time in the test itself is as fixed a wait, less surely a guess.
            (Amount::Variable, Place::Test, medium, "waits a set time"),
        ] {
            let smell = judge(&sleep(duration, false, place, false), lang).unwrap();
            assert_eq!(
                (smell.rule, smell.severity, smell.confidence),
                ("fixed-sleep", severity, confidence)
            );
            assert_eq!(smell.message, format!("`time.Sleep(time.Second)` {what}"));
        }
        // A zero sleep yields, a helper's set time is its caller's, a loop polls, a fake does
        // not wait.
        for quiet in [
            sleep(Amount::Zero, false, Place::Test, false),
            sleep(Amount::Variable, false, Place::Helper, false),
            sleep(Amount::Constant, true, Place::Test, false),
            sleep(Amount::Constant, false, Place::Hook, true),
        ] {
            assert!(judge(&quiet, lang).is_none(), "{quiet:?}");
        }
    }
}

#[test]
fn only_an_upper_bound_asserted_in_test_code_is_a_timing_threshold() {
    let bound = |upper, in_loop, test_code| {
        Fact::ElapsedBound(ElapsedBound {
            code: "elapsed < 0.5".to_owned(),
            upper,
            in_loop,
            test_code,
        })
    };
    for lang in ALL_LANGS {
        let smell = judge(&bound(true, false, true), lang).unwrap();
        assert_eq!(smell.rule, "timing-threshold");
        assert_eq!(
            smell.message,
            "`elapsed < 0.5` asserts a bound on elapsed time: a slow or loaded machine fails it"
        );
        for quiet in [
            bound(false, false, true),
            bound(true, true, true),
            bound(true, false, false),
        ] {
            assert!(judge(&quiet, lang).is_none(), "{quiet:?}");
        }
    }
}

#[test]
fn a_constant_seed_is_a_smell_only_where_all_tests_share_it() {
    let seed = |source, place| {
        Fact::Seed(Seed {
            call: "random.seed(42)".to_owned(),
            source,
            place,
        })
    };
    for lang in [Lang::Python, Lang::JavaScript, Lang::Go] {
        let smell = judge(&seed(SeedSource::Constant, Place::Shared), lang).unwrap();
        assert_eq!(smell.rule, "constant-seed");
        for place in [Place::Test, Place::Hook, Place::Helper, Place::Callback] {
            assert!(judge(&seed(SeedSource::Constant, place), lang).is_none());
            let smell = judge(&seed(SeedSource::Unreproducible("the clock"), place), lang).unwrap();
            assert_eq!(smell.rule, "unreproducible-seed");
            assert_eq!(
                smell.message,
                "`random.seed(42)` seeds from the clock: values differ every run and a failure cannot be replayed"
            );
        }
    }
}

#[test]
fn a_fixed_port_or_a_released_free_one_is_a_smell_in_test_code() {
    let listen = |port, released, test_code| {
        Fact::Listen(Listen {
            call: "app.listen(3000)".to_owned(),
            port,
            released,
            test_code,
        })
    };
    for lang in ALL_LANGS {
        let smell = judge(&listen(3000, false, true), lang).unwrap();
        assert_eq!(smell.rule, "fixed-port");
        let fixed = smell.message;
        assert!(fixed.contains("the fixed port 3000"), "{fixed}");
        // Port 0 kept by the server is free; picked and closed again, it is free until then.
        assert!(judge(&listen(0, false, true), lang).is_none());
        let released = judge(&listen(0, true, true), lang).unwrap().message;
        assert!(
            released.contains("picks a free port, then closes it"),
            "{released}"
        );
        assert!(judge(&listen(3000, false, false), lang).is_none());
    }
}
