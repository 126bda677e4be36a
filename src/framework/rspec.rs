//! RSpec: the JSON formatter to a file, `--order rand:N` by seed, `-E` to select examples.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, path_arg,
    program_name, regex_escape, split_ids, strip_flags, tool_args_start, without_positionals,
    words,
};
use crate::parse::{Parsed, rspec};

pub struct Rspec;

/// RSpec's options written `--flag value`: their values are not spec files.
const VALUE_FLAGS: &[&str] = &[
    "-r",
    "--require",
    "-I",
    "-e",
    "--example",
    "-E",
    "--example-matches",
    "-t",
    "--tag",
    "-O",
    "--options",
    "--default-path",
    "--pattern",
    "--exclude-pattern",
    "--order",
    "--seed",
    "-f",
    "--format",
    "-o",
    "--out",
];

impl Driver for Rspec {
    fn framework(&self) -> Framework {
        Framework::Rspec
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        let mut ev = Vec::new();
        if dir.has(".rspec") {
            ev.push(".rspec".to_owned());
        }
        if dir
            .read_text("Gemfile")
            .is_some_and(|t| t.contains("rspec"))
        {
            ev.push("Gemfile names rspec".to_owned());
        }
        if dir.path.join("spec/spec_helper.rb").is_file() {
            ev.push("spec/spec_helper.rb".to_owned());
        }
        ev
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        if dir.has("Gemfile.lock") {
            words("bundle exec rspec")
        } else {
            words("rspec")
        }
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        dir.has("Gemfile").then(|| words("bundle install"))
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("rspec")
    }

    fn can_shuffle(&self) -> bool {
        true
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let report = ctx.dir.join("report.json");
        let mut a = strip_flags(
            argv,
            &[],
            &["--format", "-f", "--out", "-o", "--order", "--seed"],
        );
        if ctx.with_report {
            a.extend(words("--format progress --format json --out"));
            a.push(report.display().to_string());
        }
        a.push("--order".into());
        a.push(match ctx.shuffle {
            Some(seed) => format!("rand:{seed}"),
            None => "defined".to_owned(),
        });
        if let Some(ids) = ctx.select {
            let (files, names) = split_ids(ids);
            if let Some(files) = files {
                a = without_positionals(&a, tool_args_start(&a, &["rspec"]), VALUE_FLAGS, |_| true);
                a.extend(files.iter().map(|f| path_arg(f)));
            }
            for n in names {
                a.push("-E".into());
                a.push(format!("\\A{}\\z", regex_escape(&n)));
            }
        }
        Prepared {
            argv: a,
            env: Vec::new(),
            report: ReportSource::File(report),
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], _project: &Path) -> Parsed {
        rspec::parse(report)
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "--format progress --format json --out <attempt dir>/report.json",
            order: "--order rand:<order seed> on shuffled attempts, --order defined otherwise",
            select_one: "rspec spec/x_spec.rb -E '\\Afull description\\z'",
            seed_variable: "RSPEC_SEED",
        }
    }
}
