//! mocha: the JSON reporter written to a file; mocha cannot shuffle, so every attempt keeps order.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, exact_alternation,
    installed_version, js_default, js_detect, node_bin_path, path_arg, program_name, spaced_names,
    split_ids, strip_flags, tool_args_start, without_npx, without_positionals,
};
use crate::parse::{Parsed, mocha};

pub struct Mocha;

/// mocha's options written `--flag value`: their values are not spec files.
const VALUE_FLAGS: &[&str] = &[
    "-r",
    "--require",
    "-t",
    "--timeout",
    "-s",
    "--slow",
    "-u",
    "--ui",
    "--config",
    "--package",
    "--extension",
    "--file",
    "--ignore",
    "--exclude",
    "-j",
    "--jobs",
    "--retries",
    "-n",
    "--node-option",
    "-f",
    "--fgrep",
    "-R",
    "--reporter",
    "-O",
    "--reporter-option",
    "--reporter-options",
];

const OWN_VALUE_FLAGS: &[&str] = &[
    "--reporter",
    "-R",
    "--reporter-option",
    "--reporter-options",
    "-O",
];
/// The command's own name filter: replaced when flaky selects tests, kept otherwise.
const NAME_FLAGS: &[&str] = &["--grep", "-g", "--fgrep", "-f"];

impl Driver for Mocha {
    fn framework(&self) -> Framework {
        Framework::Mocha
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        js_detect(dir, "mocha", Some(".mocharc"))
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        js_default(dir, "mocha", "npx mocha")
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        Some(dir.js_install())
    }

    fn recognise(&self, argv: &[String]) -> bool {
        matches!(
            argv.first().map(|p| program_name(p)),
            Some("mocha" | "_mocha")
        )
    }

    fn can_shuffle(&self) -> bool {
        false
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let file = ctx.dir.join("report.json");
        // The JSON reporter writes to a file from mocha 9.1 (`--reporter-option output=F`);
        // before, it writes to stdout only, and mocha before 6 has no `--reporter-option`.
        let to_file = installed_version(ctx.project, "mocha").is_none_or(|v| v >= (9, 1));
        let argv = without_npx(argv, &["mocha", "_mocha"], ctx.project);
        let mut a = strip_flags(&argv, &["--watch", "-w"], OWN_VALUE_FLAGS);
        if ctx.with_report {
            a.extend(["--reporter".to_owned(), "json".to_owned()]);
            if to_file {
                a.extend([
                    "--reporter-option".to_owned(),
                    format!("output={}", file.display()),
                ]);
            }
        }
        if let Some(ids) = ctx.select {
            a = strip_flags(&a, &[], NAME_FLAGS);
            let (files, names) = split_ids(ids);
            if let Some(files) = files {
                // The files replace the command's spec files (and a config's: mocha runs the
                // spec files of the command line instead of the config's).
                a = strip_flags(&a, &[], &["--spec"]);
                a = without_positionals(
                    &a,
                    tool_args_start(&a, &["mocha", "_mocha"]),
                    VALUE_FLAGS,
                    |_| true,
                );
                a.extend(files.iter().map(|f| path_arg(f)));
            }
            a.push("--grep".into());
            a.push(exact_alternation(&spaced_names(&names)));
        }
        Prepared {
            argv: a,
            env: vec![node_bin_path(ctx.project)],
            report: if to_file {
                ReportSource::File(file)
            } else {
                ReportSource::Stdout {
                    merge_stderr: false,
                }
            },
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], project: &Path) -> Parsed {
        mocha::parse_relative_to(report, project)
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "--reporter json --reporter-option output=<attempt dir>/report.json",
            order: "none: mocha cannot shuffle, so order-dependent tests cannot be told apart",
            select_one: "npx mocha test/file.test.js --grep '^suite title$'",
            seed_variable: "MOCHA_SEED",
        }
    }
}
