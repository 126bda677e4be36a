//! The scan's rules, one file per idea, shared by the languages it covers: its id, what it
//! finds in one line, its documentation (`flaky scan --explain RULE`), the ids it was known by,
//! and the fix for each language. The language modules find the code each rule describes.

use std::fmt::Display;

use super::facts::{Access, Fact, SeedSource};
use super::syntax::Smell;
pub use super::{Category, Confidence};
pub use crate::analysis::Severity;
use crate::render::quote_code;

pub mod async_foreach;
pub mod chdir;
pub mod completion_order;
pub mod constant_seed;
pub mod early_done;
pub mod env_mutation;
pub mod fixed_path_write;
pub mod fixed_port;
pub mod fixed_sleep;
pub mod gather_shared_state;
pub mod global_object_write;
pub mod imported_state_write;
pub mod local_time_zone;
pub mod module_state_write;
pub mod network_call;
pub mod process_signal;
pub mod promise_race;
pub mod random_value;
pub mod reads_mutated_state;
pub mod seed_dependent;
pub mod shared_fixture;
pub mod subprocess;
pub mod timer_callback;
pub mod timing_threshold;
pub mod tz_variable;
pub mod unawaited_async;
pub mod unjoined_concurrency;
pub mod unordered_iteration;
pub mod unreproducible_seed;
pub mod unseeded_random;
pub mod unsorted_listing;
pub mod wall_clock;

/// `&[&a::RULE, &b::RULE, ...]` for the rules `a, b, ...`.
macro_rules! rules {
    ($($rule:ident),*) => { &[$(&$rule::RULE),*] };
}

/// Every rule, in the order `flaky scan --list-rules` shows them.
pub const ALL: &[&Rule] = rules! {
    fixed_sleep, timing_threshold, wall_clock, local_time_zone, tz_variable, unseeded_random,
    unreproducible_seed, constant_seed, random_value, seed_dependent, network_call,
    fixed_path_write, fixed_port, subprocess, env_mutation, chdir, process_signal,
    module_state_write, imported_state_write, global_object_write, reads_mutated_state,
    shared_fixture, unjoined_concurrency, unawaited_async, async_foreach, timer_callback,
    promise_race, early_done, gather_shared_state, completion_order, unordered_iteration,
    unsorted_listing
};

/// A language whose facts the rules judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Python,
    JavaScript,
    Go,
    Rust,
}

/// The smell a fact is, if it is one: each kind of fact goes to the rule that judges it.
pub fn judge(fact: &Fact, lang: Lang) -> Option<Smell> {
    match fact {
        Fact::Sleep(sleep) => fixed_sleep::check(sleep, lang),
        Fact::ElapsedBound(bound) => timing_threshold::check(bound, lang),
        Fact::Seed(seed) => match seed.source {
            SeedSource::Constant => constant_seed::check(seed, lang),
            SeedSource::Unreproducible(from) => unreproducible_seed::check(seed, from, lang),
        },
        Fact::Listen(listen) => fixed_port::check(listen, lang),
        Fact::Process(process) => subprocess::check(process, lang),
        Fact::Request(request) => network_call::check(request, lang),
        Fact::PathWrite(write) => fixed_path_write::check(write, lang),
        Fact::ClockRead(read) if read.zone => local_time_zone::check(read, lang),
        Fact::ClockRead(read) => wall_clock::check(read, lang),
        Fact::Random(random) => unseeded_random::check(random, lang),
        Fact::SeedUse(used) => seed_dependent::check(used, lang),
        Fact::Unjoined(unjoined) => unjoined_concurrency::check(unjoined, lang),
        Fact::SharedState(state) => match &state.access {
            Access::Write => module_state_write::check(state, lang),
            Access::Read { writer } => reads_mutated_state::check(state, writer, lang),
            Access::Setup { writer } => shared_fixture::check(state, writer, lang),
        },
        Fact::ProcessChange(change) => env_mutation::check(change, lang),
    }
}

/// A rule: one idea, in every language it covers.
#[derive(Debug)]
pub struct Rule {
    /// Stable and shared by the languages (`fixed-sleep`).
    pub id: &'static str,
    pub category: Category,
    /// The severity and confidence of a finding, unless a language says otherwise.
    pub severity: Severity,
    pub confidence: Confidence,
    /// What it finds, in one line.
    pub summary: &'static str,
    /// What it finds, why that makes tests flaky, an example and the fix (Markdown).
    pub doc: &'static str,
    /// Its ids before the rules were shared, where not `<lang>/<id>` (`py/timing-assert`).
    pub former: &'static [&'static str],
    /// The fix in each language, empty in those the rule does not cover.
    pub python: &'static str,
    pub javascript: &'static str,
    pub go: &'static str,
    pub rust: &'static str,
}

impl Rule {
    /// The rule as `lang` reports it (a language it does not cover fails the build).
    pub const fn variant_in(&self, lang: Lang) -> Variant {
        let hint = match lang {
            Lang::Python => self.python,
            Lang::JavaScript => self.javascript,
            Lang::Go => self.go,
            Lang::Rust => self.rust,
        };
        assert!(!hint.is_empty(), "the rule does not cover this language");
        Variant {
            id: self.id,
            category: self.category,
            severity: self.severity,
            confidence: self.confidence,
            hint,
            context: false,
        }
    }

    /// The languages it covers, by name.
    pub fn languages(&self) -> Vec<&'static str> {
        self.covered().map(|(name, _)| name).collect()
    }

    /// The names and the short names (as in `py/fixed-sleep`) of the languages it covers.
    fn covered(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        [
            ("python", "py", self.python),
            ("javascript", "js", self.javascript),
            ("go", "go", self.go),
            ("rust", "rs", self.rust),
        ]
        .into_iter()
        .filter_map(|(name, short, fix)| (!fix.is_empty()).then_some((name, short)))
    }

    /// The other names suppressions and `--explain` take: the id behind each language it
    /// covers (`py/fixed-sleep`), then its former ids.
    pub fn aliases(&self) -> Vec<String> {
        self.covered()
            .map(|(_, short)| format!("{short}/{}", self.id))
            .chain(self.former.iter().map(|f| f.to_string()))
            .collect()
    }

    /// Whether `name` is this rule: its id behind a language it covers or not (`py/fixed-sleep`),
    /// or a former id with or without its language (`py/timing-assert`, `timing-assert`). Asked
    /// of every rule for each finding rendered as SARIF: it builds no list of aliases.
    pub fn is(&self, name: &str) -> bool {
        let behind = |lang: &str| {
            name.strip_prefix(lang)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|id| id == self.id)
        };
        self.id == name
            || self.covered().any(|(_, lang)| behind(lang))
            || self
                .former
                .iter()
                .any(|a| *a == name || a.split_once('/').is_some_and(|(_, short)| short == name))
    }
}

/// The rule by its id or a former id.
pub fn find(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.is(name))
}

/// A rule as one language reports it: its fix, severity and confidence there.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub id: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    pub hint: &'static str,
    /// Whether its findings are context: shown with `--every` and among the likely causes of a
    /// test measured flaky, not by a plain scan.
    pub context: bool,
}

impl Variant {
    pub const fn severity(self, severity: Severity) -> Self {
        Self { severity, ..self }
    }

    pub const fn confidence(self, confidence: Confidence) -> Self {
        Self { confidence, ..self }
    }

    pub const fn hint(self, hint: &'static str) -> Self {
        Self { hint, ..self }
    }

    pub fn smell(&self, message: String) -> Smell {
        Smell {
            rule: self.id,
            category: self.category,
            severity: self.severity,
            confidence: self.confidence,
            message,
            hint: self.hint.to_owned(),
            context: self.context,
        }
    }

    /// The code as written, quoted, then what it does: how most rules word a finding.
    pub fn says(&self, code: &str, what: impl Display) -> Smell {
        self.smell(format!("{} {what}", quote_code(code)))
    }

    /// The variant as context or not, as the fact says.
    pub const fn context_if(self, context: bool) -> Self {
        Self { context, ..self }
    }

    /// The variant at medium confidence where the fact leaves room for doubt.
    pub const fn less_sure_if(self, less_sure: bool) -> Self {
        if less_sure {
            self.confidence(Confidence::Medium)
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests;
