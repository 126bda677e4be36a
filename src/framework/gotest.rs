//! go test: the `-json` event stream, `-shuffle` by seed, `-count=1` so no result comes from the
//! cache, `-run '^(A|B)$'` to select tests.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, exact_alternation,
    path_arg, program_name, split_ids, strip_flags, without_positionals, words,
};
use crate::parse::{Parsed, gotest, gotext};

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
        // Attempts on prebuilt binaries before Go 1.20 leave the binaries' text.
        if gotext::is_text(report) {
            gotext::parse(report)
        } else {
            gotest::parse(report)
        }
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

/// `go test` flags that build the test binary (passed to `go list` and `go test -c`);
/// the second list takes a value.
const BUILD_FLAGS: [&[&str]; 2] = [
    &[
        "-a",
        "-race",
        "-msan",
        "-asan",
        "-trimpath",
        "-linkshared",
        "-modcacherw",
        "-buildvcs",
    ],
    &[
        "-tags",
        "-mod",
        "-modfile",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-gccgoflags",
        "-buildmode",
        "-compiler",
        "-installsuffix",
        "-overlay",
        "-pkgdir",
        "-p",
    ],
];

/// `go test` flags that go to the test binary as `-test.NAME`; the second list takes a value.
const TEST_FLAGS: [&[&str]; 2] = [
    &["-short", "-failfast", "-benchmem"],
    &[
        "-run",
        "-skip",
        "-timeout",
        "-parallel",
        "-cpu",
        "-count",
        "-shuffle",
        "-bench",
        "-benchtime",
    ],
];

/// A `go test` command taken apart: what builds each package's test binary once, and what each
/// attempt passes to the binaries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoCommand {
    /// Build flags, for `go list` and `go test -c`.
    pub build: Vec<String>,
    /// Package patterns (`.` when none is given, as go does).
    pub packages: Vec<String>,
    /// The test binary's flags (`-test.run=^A$`), then what followed `-args`.
    pub binary: Vec<String>,
    /// `-vet`'s value, when given (`off`, or a list of analyzers): `go test -c` vets as
    /// `go test` does.
    pub vet: Option<String>,
}

impl GoCommand {
    /// Takes `go test ...` apart; `Err` says what cannot be passed to a prebuilt test binary
    /// (flaky then runs `go test` itself on each attempt).
    pub fn parse(argv: &[String]) -> Result<Self, String> {
        let mut cmd = Self::default();
        let mut words = argv.iter().skip(2);
        let mut timeout = None;
        while let Some(w) = words.next() {
            if w == "-args" || w == "--args" {
                cmd.binary.extend(words.by_ref().cloned());
                break;
            }
            let Some(flag) = w.strip_prefix('-') else {
                if Path::new(w).extension().is_some_and(|e| e == "go") {
                    return Err(format!("a file argument ({w})"));
                }
                cmd.packages.push(w.clone());
                continue;
            };
            let flag = flag.strip_prefix('-').unwrap_or(flag);
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (flag, None),
            };
            let dashed = format!("-{name}");
            let takes_value = BUILD_FLAGS[1].contains(&dashed.as_str())
                || TEST_FLAGS[1].contains(&dashed.as_str())
                || name == "vet";
            let value = match (inline, takes_value) {
                (Some(v), _) => Some(v),
                (None, true) => Some(
                    words
                        .next()
                        .ok_or_else(|| format!("the flag {w} without its value"))?
                        .clone(),
                ),
                (None, false) => None,
            };
            let with_value = |prefix: &str| match &value {
                Some(v) => format!("{prefix}{name}={v}"),
                None => format!("{prefix}{name}"),
            };
            if BUILD_FLAGS.iter().any(|f| f.contains(&dashed.as_str())) {
                cmd.build.push(with_value("-"));
            } else if TEST_FLAGS.iter().any(|f| f.contains(&dashed.as_str())) {
                if name == "timeout" {
                    timeout = value;
                } else {
                    cmd.binary.push(with_value("-test."));
                }
            } else if name == "vet" {
                cmd.vet = value;
            } else if !matches!(name, "json" | "v") {
                // -json and -v: every attempt's binary reports with -test.v anyway.
                return Err(format!("the flag {w}"));
            }
        }
        if cmd.packages.is_empty() {
            cmd.packages.push(".".into());
        }
        // As go test does: its own flags first, the user's timeout or go's default of 10m.
        let timeout = timeout.unwrap_or_else(|| "10m0s".to_owned());
        cmd.binary.splice(
            0..0,
            [
                "-test.paniconexit0".to_owned(),
                format!("-test.timeout={timeout}"),
            ],
        );
        Ok(cmd)
    }
}

/// One attempt of one package on its prebuilt binary, with the attempt's flags: the binary runs
/// alone (no `go` and no `test2json` process) and flaky reads its text
/// ([`crate::parse::gotext`]): `-test.v=test2json` from Go 1.20 on (`framed`), whose framing lines
/// are marked, and plain `-test.v` before.
pub fn binary_argv(framed: bool, binary: &Path, flags: &[String]) -> Vec<String> {
    let v = if framed {
        "-test.v=test2json"
    } else {
        "-test.v=true"
    };
    let mut argv = vec![binary.display().to_string(), v.to_owned()];
    argv.extend(flags.iter().cloned());
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_go_test_command_is_taken_apart_into_build_packages_and_binary_flags() {
        let cmd = GoCommand::parse(&words(
            "go test -json -count=1 -shuffle=9 -tags integration -race -run ^(TestA)$ -timeout=30s ./... -v -args -x 1",
        ))
        .unwrap();
        assert_eq!(cmd.build, ["-tags=integration", "-race"]);
        assert_eq!(cmd.packages, ["./..."]);
        assert_eq!(
            cmd.binary,
            words(
                "-test.paniconexit0 -test.timeout=30s -test.count=1 -test.shuffle=9 -test.run=^(TestA)$ -x 1"
            )
        );
        assert_eq!(cmd.vet, None);
        let plain = GoCommand::parse(&words("go test -vet=off")).unwrap();
        assert_eq!(plain.packages, ["."]);
        assert_eq!(plain.vet.as_deref(), Some("off"));
    }

    #[test]
    fn what_a_prebuilt_binary_cannot_take_is_named() {
        for (argv, why) in [
            ("go test -cover ./...", "the flag -cover"),
            ("go test calc_test.go", "a file argument (calc_test.go)"),
            ("go test -run", "the flag -run without its value"),
        ] {
            assert_eq!(
                GoCommand::parse(&words(argv)),
                Err(why.to_owned()),
                "{argv}"
            );
        }
    }
}
