//! go test: the `-json` event stream, `-shuffle` by seed, `-count=1` so no result comes from the
//! cache, `-run '^(A|B)$'` to select tests.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, exact_alternation,
    path_arg, program_name, split_ids, strip_flags, without_positionals, words,
};
use crate::parse::{Parsed, gotest};

pub struct GoTest;

/// `go test`'s build and test flags written `-flag value`: their values are not packages.
const VALUE_FLAGS: &[&str] = &[
    "-run",
    "-skip",
    "-bench",
    "-benchtime",
    "-cpu",
    "-parallel",
    "-timeout",
    "-list",
    "-fuzz",
    "-fuzztime",
    "-coverprofile",
    "-coverpkg",
    "-covermode",
    "-cpuprofile",
    "-memprofile",
    "-blockprofile",
    "-mutexprofile",
    "-trace",
    "-outputdir",
    "-vet",
    "-tags",
    "-p",
    "-o",
    "-C",
    "-exec",
    "-ldflags",
    "-gcflags",
    "-asmflags",
    "-mod",
    "-modfile",
    "-pkgdir",
    "-toolexec",
    "-overlay",
    "-pgo",
];

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
        let mut argv = strip_flags(
            argv,
            &["-json", "--json"],
            &["-count", "--count", "-shuffle", "--shuffle"],
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
            argv = strip_flags(&argv, &[], &["-run", "--run"]);
            let (packages, names) = split_ids(ids);
            if let Some(packages) = packages {
                // The tests' packages replace the command's (`./...`); what follows -args is the
                // test binary's.
                let args = argv.iter().position(|w| w == "-args" || w == "--args");
                let tail = args.map_or_else(Vec::new, |i| argv.split_off(i));
                argv = without_positionals(&argv, at, VALUE_FLAGS, |_| true);
                argv.extend(packages.iter().map(|p| path_arg(p)));
                argv.extend(tail);
            }
            let mut names: Vec<String> = names
                .iter()
                // `(package)` stands for the package itself (its build, TestMain): the package
                // selects it, no test name does.
                .filter(|name| *name != "(package)")
                // A subtest is selected through its top-level test.
                .map(|name| name.split('/').next().unwrap_or(name).to_owned())
                .collect();
            names.sort();
            names.dedup();
            if !names.is_empty() {
                flags.push("-run".into());
                flags.push(exact_alternation(&names));
            }
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
