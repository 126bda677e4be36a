//! PHPUnit: `--log-junit`, `--order-by=random --random-order-seed`, `--filter` to select tests.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, program_name,
    regex_escape, strip_flags, words,
};
use crate::parse::{Parsed, junit};

pub struct Phpunit;

impl Driver for Phpunit {
    fn framework(&self) -> Framework {
        Framework::Phpunit
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        let mut ev: Vec<String> = ["phpunit.xml", "phpunit.xml.dist"]
            .iter()
            .filter(|f| dir.has(f))
            .map(|f| (*f).to_owned())
            .collect();
        if dir
            .read_text("composer.json")
            .is_some_and(|t| t.contains("phpunit/phpunit"))
        {
            ev.push("composer.json requires phpunit/phpunit".to_owned());
        }
        ev
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        if dir.path.join("vendor/bin/phpunit").exists() {
            words("vendor/bin/phpunit")
        } else {
            words("phpunit")
        }
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        dir.has("composer.json").then(|| words("composer install"))
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("phpunit")
    }

    fn can_shuffle(&self) -> bool {
        true
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let report = ctx.dir.join("report.xml");
        let mut a = strip_flags(
            argv,
            &[],
            &[
                "--log-junit",
                "--order-by",
                "--random-order-seed",
                "--filter",
            ],
        );
        if ctx.with_report {
            a.push("--log-junit".into());
            a.push(report.display().to_string());
        }
        match ctx.shuffle {
            Some(seed) => {
                a.push("--order-by=random".into());
                a.push(format!("--random-order-seed={seed}"));
            }
            None => a.push("--order-by=default".into()),
        }
        if let Some(ids) = ctx.select {
            let alts: Vec<String> = ids.iter().map(|id| regex_escape(id)).collect();
            // Data-provider cases carry a suffix (` with data set #0`): select them all.
            a.push("--filter".into());
            a.push(format!("/^(?:{})( with data set .*)?$/", alts.join("|")));
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
            report_flags: "--log-junit <attempt dir>/report.xml",
            order: "--order-by=random --random-order-seed=<order seed> on shuffled attempts, --order-by=default otherwise",
            select_one: "phpunit --filter '/^Tests\\\\ThermostatTest::testName$/'",
            seed_variable: "PHPUNIT_SEED",
        }
    }
}
