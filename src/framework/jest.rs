//! jest: `--json --outputFile`, `--randomize --seed`, test files with `-t` to select tests.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, installed_version,
    js_default, js_detect, node_bin_path, program_name, push_file_and_name_filter, regex_escape,
    strip_flags, tool_args_start, without_npx,
};
use crate::parse::{Parsed, jest};

pub struct Jest;

/// Flags jest users put in scripts that would send the report elsewhere or never end.
const OWN_FLAGS: &[&str] = &[
    "--json",
    "--watch",
    "--watchAll",
    "--randomize",
    "--listTests",
];
const OWN_VALUE_FLAGS: &[&str] = &["--outputFile", "--seed", "--reporters"];
/// The command's own name filter: replaced when flaky selects tests, kept otherwise.
const NAME_FLAGS: &[&str] = &["--testNamePattern", "-t"];

/// jest's options written `--flag value`: their values are not test path patterns.
const VALUE_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "-w",
    "--maxWorkers",
    "--rootDir",
    "--roots",
    "--selectProjects",
    "--shard",
    "--testTimeout",
    "--testEnvironment",
    "--env",
    "--testPathIgnorePatterns",
    "--coverageDirectory",
    "--cacheDirectory",
    "--setupFiles",
    "--testRunner",
    "--testPathPattern",
    "--testPathPatterns",
];

/// Whether the user chose jest's cache: a flag in the command, or `cacheDirectory` in the jest
/// config (a `jest.config.*` file or package.json's `jest` key).
fn sets_cache(argv: &[String], project: &Path) -> bool {
    let flag = argv.iter().any(|w| {
        let name = w.split_once('=').map_or(w.as_str(), |(n, _)| n);
        matches!(
            name,
            "--cacheDirectory" | "--cache-directory" | "--no-cache"
        ) || w == "--cache=false"
    });
    let config = || {
        ProjectDir::read(project)
            .with_prefix("jest.config.")
            .chain(["package.json"])
            .any(|f| {
                std::fs::read_to_string(project.join(f)).is_ok_and(|t| t.contains("cacheDirectory"))
            })
    };
    flag || config()
}

/// A test file as jest's positional argument, a regular expression matched against absolute
/// paths: escaped, and anchored at a directory boundary and at the end, so `a.test.js` does not
/// also pick `xa.test.js`.
fn path_pattern(file: &str) -> String {
    format!("/{}$", regex_escape(file).replace("\\/", "/"))
}

impl Driver for Jest {
    fn framework(&self) -> Framework {
        Framework::Jest
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        js_detect(dir, "jest", Some("jest.config."))
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        js_default(dir, "jest", "npx jest")
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        Some(dir.js_install())
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("jest")
    }

    fn can_shuffle(&self) -> bool {
        true
    }

    fn cannot_shuffle_in(&self, project: &Path) -> Option<String> {
        let (major, minor) = installed_version(project, "jest")?;
        ((major, minor) < (29, 2)).then(|| {
            format!("jest {major}.{minor} has no --randomize and --seed (jest 29.2 and later)")
        })
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let report = ctx.dir.join("report.json");
        let argv = without_npx(argv, &["jest"], ctx.project);
        let mut a = strip_flags(&argv, OWN_FLAGS, OWN_VALUE_FLAGS);
        if ctx.with_report {
            a.push("--json".into());
            a.push(format!("--outputFile={}", report.display()));
            // jest's transform cache defaults to the TMPDIR, which is the attempt's own: every
            // attempt would transform every file again. flaky's support directory outlives the
            // run, so the cache stays warm across runs too (a `flaky ci` step starts warm, as
            // jest alone does); jest's cache is keyed by content and safe for concurrent use.
            if !sets_cache(&argv, ctx.project) {
                a.push(format!(
                    "--cacheDirectory={}",
                    ctx.support.join("jest-cache").display()
                ));
            }
        }
        if let Some(seed) = ctx.shuffle {
            a.push("--randomize".into());
            a.push(format!("--seed={seed}"));
        }
        if let Some(ids) = ctx.select {
            a = strip_flags(&a, &[], NAME_FLAGS);
            let start = tool_args_start(&a, &["jest"]);
            push_file_and_name_filter(&mut a, start, VALUE_FLAGS, ids, path_pattern);
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
            report_flags: "--json --outputFile=<attempt dir>/report.json",
            order: "--randomize --seed=<order seed> on shuffled attempts",
            select_one: "npx jest path/to/file.test.js -t '^describe title$'",
            seed_variable: "JEST_SEED",
        }
    }
}
