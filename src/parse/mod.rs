//! Pure parsers, one per report format: report bytes in, per-test results out.
//!
//! A parser never panics and never does I/O: a malformed report is a [`ParseError`] on that
//! attempt. Test ids are what the framework itself uses to select one test, so `--tests-from`
//! can rerun exactly the tests a report names.

pub mod batch;
pub mod cargo;
pub mod gotest;
pub mod gotext;
pub mod jest;
pub mod junit;
pub mod mocha;
pub mod node;
pub mod rspec;

#[cfg(test)]
mod fuzz;

use crate::model::TestResult;

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The report file was empty (the framework died before writing it).
    #[error("the report is empty")]
    Empty,
    /// The report is not in the expected format; the text says where and what.
    #[error("the report is malformed: {0}")]
    Malformed(String),
    /// The tests did not compile, so none ran; the text names what and has the compiler's lines.
    #[error("the tests did not build: {0}")]
    BuildFailed(String),
}

/// The result of parsing one report.
pub type Parsed = Result<Vec<TestResult>, ParseError>;

/// Helpers the parsers' tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::Parsed;

    /// Feeds `parse` every cut of `report` and a copy with flipped bytes: none may panic.
    pub(crate) fn never_panics(report: &[u8], parse: fn(&[u8]) -> Parsed) {
        for end in (0..report.len()).step_by(7) {
            let _ = parse(&report[..end]);
        }
        let mut flipped = report.to_vec();
        for i in (0..flipped.len()).step_by(97) {
            flipped[i] = !flipped[i];
        }
        let _ = parse(&flipped);
    }
}
