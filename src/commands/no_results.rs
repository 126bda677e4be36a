//! Runs that measured nothing: stopping once the first attempts all die the same way before any
//! test ran, and saying why nothing was measured and what to do about it.

use crate::analysis::infra::COMMAND_NOT_FOUND;
use crate::analysis::signature;
use crate::config::{self, RunPlan};
use crate::exec::{ExecPlan, Reporting};
use crate::framework::{self, ProjectDir};
use crate::model::{Attempt, InfraRule};
use crate::render::{NoResults, Report};

/// The stop reason of a run cut short because its first attempts died alike.
pub const NOTHING_MEASURED: &str = "nothing-measured";

/// The first attempts of a run (all that start in its first round, and at least two): when
/// every one of them dies the same way before any test ran, the others would too.
pub struct FirstRound {
    end: u32,
    size: usize,
    /// How each first-round attempt died: rule and signature, `None` when a test ran.
    seen: Vec<Option<(InfraRule, String)>>,
}

impl FirstRound {
    pub fn new(exec: &ExecPlan) -> Self {
        let start = exec.attempts.start;
        let size = exec
            .jobs
            .max(2)
            .min(exec.attempts.end.saturating_sub(start))
            .max(1);
        Self {
            end: start + size,
            size: size as usize,
            seen: Vec::new(),
        }
    }

    /// How many attempts the first round has.
    pub const fn size(&self) -> usize {
        self.size
    }

    /// Notes a finished attempt. Once the whole first round has finished (and only then):
    /// `Some(true)` when it died alike before any test ran, else `Some(false)`.
    pub fn judge(&mut self, attempt: &Attempt) -> Option<bool> {
        if attempt.index >= self.end || self.seen.len() == self.size {
            return None;
        }
        self.seen.push(
            attempt
                .infrastructure
                .as_ref()
                .filter(|s| s.rule.before_any_test())
                .map(|s| (s.rule, signature(&s.reason))),
        );
        if self.seen.len() < self.size {
            return None;
        }
        // A run of one attempt has nothing left to save.
        Some(
            self.size > 1 && self.seen[0].is_some() && self.seen.iter().all(|s| *s == self.seen[0]),
        )
    }
}

/// Why `report` (every attempt set aside) measured nothing, and the fix.
pub fn no_results(plan: &RunPlan, report: &Report, stopped_early: bool) -> NoResults {
    let attempts = report.totals.attempts;
    let Some(first) = report.infrastructure.first() else {
        return NoResults {
            reason: "no attempt ran".into(),
            hint: "run the command once by hand to see why".into(),
        };
    };
    let mut reason = if attempts == 1 {
        format!("the only attempt was set aside: {}", first.reason)
    } else {
        let same = report
            .infrastructure
            .iter()
            .all(|i| i.rule == first.rule && signature(&i.reason) == signature(&first.reason));
        let how = if same { "the same way" } else { "each" };
        format!(
            "all {attempts} attempts were set aside, {how} (attempt {}: {})",
            first.index, first.reason
        )
    };
    if stopped_early {
        reason.push_str(&format!(
            "; the first {attempts} failed alike before any test result was read, so the other {} did not run",
            u64::from(report.runs).saturating_sub(attempts)
        ));
    }
    let output = report
        .infrastructure
        .iter()
        .map(|i| i.excerpt.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let hint = if first.reason.starts_with("the tests did not build") {
        "the tests do not compile: fix the errors above (the compiler's lines), then run again"
            .to_owned()
    } else if first.reason.starts_with(COMMAND_NOT_FOUND) {
        format!(
            "a command the attempts run was not found (the output says which): check its name and PATH (a relative path is taken from -C/--dir){}, or give its full path",
            install_hint(plan)
        )
    } else {
        hint(plan, first.rule, &output)
    };
    NoResults { reason, hint }
}

/// ` (the project's install command: `npm ci`)` for a framework run, else nothing.
fn install_hint(plan: &RunPlan) -> String {
    let Reporting::Framework { framework, .. } = &plan.exec.reporting else {
        return String::new();
    };
    framework
        .driver()
        .install_command(&ProjectDir::read(&plan.exec.dir))
        .map(|c| {
            format!(
                " (the project's install command: {})",
                crate::render::quote_code(&config::display_command(&c))
            )
        })
        .unwrap_or_default()
}

/// Output that says the test tool itself is missing.
const MISSING_TOOL: &[&str] = &[
    "no module named",
    "command not found",
    ": not found",
    "cannot find module",
    "could not determine executable to run",
    "is not recognized as",
    "no such file or directory",
];

/// The module in Python's "No module named 'X'" or Node's "Cannot find module 'X'".
fn missing_module(output: &str) -> Option<&str> {
    ["No module named ", "Cannot find module "]
        .iter()
        .find_map(|lead| {
            let rest = &output[output.find(lead)? + lead.len()..];
            let rest = rest.strip_prefix(['\'', '"']).unwrap_or(rest);
            rest.split(['\'', '"', '\n']).next()
        })
        .map(str::trim)
        .filter(|m| !m.is_empty())
}

fn hint(plan: &RunPlan, rule: Option<InfraRule>, output: &str) -> String {
    let lower = output.to_lowercase();
    let missing = MISSING_TOOL.iter().any(|m| lower.contains(m));
    let framework = match &plan.exec.reporting {
        Reporting::Framework { framework, .. } => Some(*framework),
        _ => None,
    };
    // A module the tests import, not the framework itself (a conftest's import of a
    // dependency that is not installed).
    let dependency = missing_module(output)
        .filter(|m| framework.is_none_or(|f| !m.to_lowercase().contains(f.name())));
    match (rule, &plan.exec.reporting) {
        (Some(InfraRule::NoReport | InfraRule::NoTests), Reporting::Framework { .. })
            if let Some(module) = dependency =>
        {
            format!(
                "the tests cannot import {}: install the project's dependencies{}, or run flaky where they are installed (a virtualenv's python, node_modules/.bin)",
                crate::render::quote_code(module),
                install_hint(plan)
            )
        }
        (Some(InfraRule::NoReport | InfraRule::NoTests), Reporting::Framework { .. }) if missing => {
            let fw = framework.map_or("the framework", |f| f.name());
            let install = install_hint(plan);
            format!(
                "{fw} does not seem to be installed where the command runs: install it{install}, or run flaky where it is (a virtualenv's python, node_modules/.bin); `flaky detect-framework` shows how flaky runs it"
            )
        }
        (Some(InfraRule::NoReport), Reporting::Junit { path }) => format!(
            "the command never wrote {path}: check the path (relative to the project directory; {{tmpdir}} and {{attempt}} are replaced per attempt) and that the command writes JUnit there"
        ),
        // A script with shell syntax runs through npm as written: flaky's flags reach only its
        // last command, which a failing earlier command (`a && b`) keeps from running.
        (Some(InfraRule::NoReport), Reporting::Framework { framework, .. })
            if plan.exec.argv.first().is_some_and(|p| framework::runs_scripts(p)) =>
        {
            // The framework's own command, as it is run where no package.json script runs it.
            let alone = framework
                .driver()
                .default_command(&ProjectDir {
                    path: plan.exec.dir.clone(),
                    entries: Vec::new(),
                    package_json: None,
                })
                .join(" ");
            format!(
                "the package.json script runs other commands before {fw}, and flaky's reporter flags reach only its last command: when an earlier one fails (the output above says which), {fw} never runs and writes no report; give {fw}'s command after `--` (flaky run -- {alone}) to measure its tests",
                fw = framework.name()
            )
        }
        (Some(InfraRule::NoReport), Reporting::Framework { framework, .. }) => format!(
            "the command wrote no {fw} report: is it a {fw} command? flaky adds {fw}'s reporter flags ({}); drop --framework if it is not, or pass --junit PATH for a command that writes JUnit itself",
            framework.driver().knobs().report_flags,
            fw = framework.name()
        ),
        (Some(InfraRule::NoTests), _) => "the command ran no test: check its test paths, filters and markers (pytest exits 5 when it collects nothing; --tests-from ids must still exist)".into(),
        (Some(InfraRule::Crash), _) => "the test process crashed in every attempt: run the command once by hand to see where".into(),
        (Some(InfraRule::Environment), _) => "the tests' environment failed in every attempt (a service they need, memory, disk, a missing module): fix it, then run again".into(),
        _ => "run the command once by hand to see why".into(),
    }
}
