//! vitest: `--reporter=json --outputFile`, `--sequence.shuffle --sequence.seed`, `run` mode always.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, js_default,
    js_detect, node_bin_path, path_arg, program_name, push_file_and_name_filter, strip_flags,
    without_npx,
};
use crate::parse::{Parsed, jest};

pub struct Vitest;

const OWN_FLAGS: &[&str] = &["--watch", "-w", "--sequence.shuffle", "--run", "--ui"];
const OWN_VALUE_FLAGS: &[&str] = &["--reporter", "--outputFile", "--sequence.seed"];
/// The command's own name filter: replaced when flaky selects tests, kept otherwise.
const NAME_FLAGS: &[&str] = &["--testNamePattern", "-t"];

/// vitest's options written `--flag value`: their values are not file filters.
const VALUE_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "-r",
    "--root",
    "--dir",
    "--project",
    "--environment",
    "--pool",
    "--shard",
    "--maxWorkers",
    "--minWorkers",
    "--testTimeout",
    "--hookTimeout",
    "--mode",
    "--exclude",
    "--retry",
];

impl Driver for Vitest {
    fn framework(&self) -> Framework {
        Framework::Vitest
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        js_detect(dir, "vitest", Some("vitest.config."))
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        js_default(dir, "vitest", "npx vitest run")
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        Some(dir.js_install())
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("vitest")
    }

    fn can_shuffle(&self) -> bool {
        true
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let report = ctx.dir.join("report.json");
        let argv = without_npx(argv, &["vitest"], ctx.project);
        let mut a = strip_flags(&argv, OWN_FLAGS, OWN_VALUE_FLAGS);
        if ctx.select.is_some() {
            a = strip_flags(&a, &[], NAME_FLAGS);
        }
        // `vitest` alone watches when it thinks it is interactive; `run` never does. Through an
        // npm script (no `vitest` word here), the script says how vitest runs, and flaky's
        // words go after its `--`.
        let args_start = match a.iter().position(|w| program_name(w) == "vitest") {
            Some(i) => {
                if !matches!(
                    a.get(i + 1).map(String::as_str),
                    Some("run" | "related" | "bench")
                ) {
                    a.insert(i + 1, "run".into());
                }
                i + 2
            }
            None => a.len(),
        };
        if ctx.with_report {
            a.push("--reporter=json".into());
            a.push(format!("--outputFile={}", report.display()));
        }
        if let Some(seed) = ctx.shuffle {
            a.push("--sequence.shuffle".into());
            a.push(format!("--sequence.seed={seed}"));
        }
        if let Some(ids) = ctx.select {
            // vitest's filters are parts of paths, after `run`.
            push_file_and_name_filter(&mut a, args_start, VALUE_FLAGS, ids, path_arg);
        }
        Prepared {
            argv: a,
            env: vec![node_bin_path(ctx.project)],
            report: ReportSource::File(report),
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], project: &Path) -> Parsed {
        jest::parse_relative_to(report, project)
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "run --reporter=json --outputFile=<attempt dir>/report.json",
            order: "--sequence.shuffle --sequence.seed=<order seed> on shuffled attempts (a seed set in the vitest config does not reach the tests: read VITE_TEST_SEED)",
            select_one: "npx vitest run path/to/file.test.js -t '^describe title$'",
            seed_variable: "VITE_TEST_SEED",
        }
    }
}
