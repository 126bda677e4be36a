//! node:test: the JUnit reporter to a file (and the spec reporter to stdout for people).

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, exact_alternation,
    js_default, js_detect, program_name, strip_flags, words,
};
use crate::parse::{Parsed, junit};

pub struct NodeTest;

impl Driver for NodeTest {
    fn framework(&self) -> Framework {
        Framework::Node
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        js_detect(dir, "node", None)
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        js_default(dir, "node", "node --test")
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        dir.has("package-lock.json").then(|| dir.js_install())
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("node") && argv.iter().any(|w| w == "--test")
    }

    fn can_shuffle(&self) -> bool {
        false
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let report = ctx.dir.join("report.xml");
        let argv = strip_flags(
            argv,
            &[],
            &[
                "--test-reporter",
                "--test-reporter-destination",
                "--test-name-pattern",
            ],
        );
        // node takes its options before the test files; a package.json script run through npm
        // gets them at its end (after `--`), where npm puts them.
        let at = usize::from(program_name(&argv[0]) == "node");
        let mut a = argv[..at].to_vec();
        if ctx.with_report {
            a.extend(words(
                "--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit",
            ));
            a.push(format!("--test-reporter-destination={}", report.display()));
        }
        if let Some(ids) = ctx.select {
            // node matches the pattern against each test's own name.
            let names: Vec<String> = ids
                .iter()
                .map(|id| id.rsplit(" > ").next().unwrap_or(id).to_owned())
                .collect();
            a.push(format!("--test-name-pattern={}", exact_alternation(&names)));
        }
        if at == 0 {
            a = [argv.clone(), a].concat();
        } else {
            a.extend(argv[1..].iter().cloned());
        }
        Prepared {
            argv: a,
            env: Vec::new(),
            report: ReportSource::File(report),
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], _project: &Path) -> Parsed {
        junit::parse(report)
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "--test-reporter=junit --test-reporter-destination=<attempt dir>/report.xml (and spec to stdout)",
            order: "none on Node 20 (--test-randomize needs a newer Node)",
            select_one: "node --test --test-name-pattern='^test name$'",
            seed_variable: "TEST_SEED",
        }
    }
}
