//! go test: the `-json` event stream, `-shuffle` by seed, `-count=1` so no result comes from the
//! cache, `-run '^(A|B)$'` to select tests.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, exact_alternation,
    program_name, strip_flags, words,
};
use crate::parse::{Parsed, gotest};

pub struct GoTest;

impl Driver for GoTest {
    fn framework(&self) -> Framework {
        Framework::Go
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        let Some(text) = dir.read_text("go.mod") else {
            return Vec::new();
        };
        let module = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))
            .map(|m| format!("go.mod (module {})", m.trim()))
            .unwrap_or_else(|| "go.mod".to_owned());
        vec![module]
    }

    fn default_command(&self, _dir: &ProjectDir) -> Vec<String> {
        words("go test ./...")
    }

    fn install_command(&self, _dir: &ProjectDir) -> Option<Vec<String>> {
        Some(words("go mod download"))
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("go")
            && argv.get(1).map(String::as_str) == Some("test")
    }

    fn can_shuffle(&self) -> bool {
        true
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let argv = strip_flags(
            argv,
            &[
                "-json",
                "--json",
                "-count",
                "--count",
                "-shuffle",
                "--shuffle",
            ],
            &[],
        );
        // Flags go right after `test`, before packages and before any -args.
        let at = argv
            .iter()
            .position(|w| w == "test")
            .map_or(argv.len(), |i| i + 1);
        let mut flags = vec!["-count=1".to_owned()];
        if ctx.with_report {
            flags.insert(0, "-json".to_owned());
        }
        flags.push(match ctx.shuffle {
            Some(seed) => format!("-shuffle={seed}"),
            None => "-shuffle=off".to_owned(),
        });
        if let Some(ids) = ctx.select {
            let mut names: Vec<String> = ids
                .iter()
                .map(|id| {
                    let name = id.rsplit_once("::").map_or(id.as_str(), |(_, n)| n);
                    // A subtest is selected through its top-level test.
                    name.split('/').next().unwrap_or(name).to_owned()
                })
                .collect();
            names.sort();
            names.dedup();
            flags.push("-run".into());
            flags.push(exact_alternation(&names));
        }
        let mut a = argv[..at].to_vec();
        a.extend(flags);
        a.extend(argv[at..].iter().cloned());
        Prepared {
            argv: a,
            env: Vec::new(),
            report: ReportSource::Stdout {
                merge_stderr: false,
            },
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], _project: &Path) -> Parsed {
        gotest::parse(report)
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "-json -count=1 (no cached results)",
            order: "-shuffle=<order seed> on shuffled attempts, -shuffle=off otherwise",
            select_one: "go test -run '^TestName$' ./pkg",
            seed_variable: "GO_TEST_SEED",
        }
    }
}
