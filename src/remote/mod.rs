//! Remote execution: the job a shard of attempts becomes, the compact result a worker sends back,
//! and the worker that runs a job (`flaky worker`).

pub mod runpod;
pub mod worker;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::exec::OrderMode;
use crate::model::{Attempt, Excerpt, Exit, Outcome, SetAside, TestResult};

/// Bumped when a job or result changes incompatibly (client and worker images must agree).
pub const WIRE_VERSION: u32 = 2;

/// Bytes of each output stream a result keeps per failed attempt.
const RESULT_EXCERPT: usize = 2048;

/// One shard: a worker clones `repository` at `commit` and runs attempts `attempts[0]..attempts[1]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    pub schema_version: u32,
    pub run_id: String,
    /// `https://...`, `git@host:path`, or `file://...` (only for workers started with `--allow-file-urls`).
    pub repository: String,
    /// The full 40-character sha to run.
    pub commit: String,
    /// The project directory inside the repository.
    #[serde(default)]
    pub dir: String,
    /// The command; empty: the detected framework's.
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub shell: bool,
    #[serde(default)]
    pub framework: Option<String>,
    #[serde(default)]
    pub order: Option<OrderMode>,
    /// Attempt indexes: from the first, up to (not including) the second.
    pub attempts: [u32; 2],
    pub seed: u64,
    pub jobs: u32,
    pub timeout_ms: u64,
    /// Run only these tests.
    #[serde(default)]
    pub tests: Option<Vec<String>>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Run the framework's install command first.
    #[serde(default = "yes")]
    pub install: bool,
}

fn yes() -> bool {
    true
}

/// What a worker sends back: every attempt, with test ids and messages in tables so the result
/// stays small (a few bytes per test result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardResult {
    pub schema_version: u32,
    pub framework: Option<String>,
    pub order: OrderMode,
    /// The command the worker ran (after detection).
    pub command: Vec<String>,
    pub notes: Vec<String>,
    pub tests: Vec<String>,
    pub messages: Vec<String>,
    pub attempts: Vec<WireAttempt>,
}

/// One attempt on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireAttempt {
    pub index: u32,
    pub seed: u64,
    pub order_seed: Option<u64>,
    /// `{"code": 1}`, `{"signal": 9}` or `"timeout"`.
    pub exit: WireExit,
    pub duration_ms: u64,
    pub infrastructure: Option<SetAside>,
    /// Whether no other attempt ran alongside it on the worker.
    #[serde(default)]
    pub alone: bool,
    /// `[test index, outcome, duration ms, message index or -1]`.
    pub results: Vec<(u32, Outcome, u64, i64)>,
    /// Output excerpts, for attempts that did not pass.
    pub stdout: Option<String>,
    pub stderr: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireExit {
    Code(i32),
    Signal(i32),
    Timeout,
}

impl From<Exit> for WireExit {
    fn from(e: Exit) -> Self {
        match e {
            Exit::Code(c) => Self::Code(c),
            Exit::Signal(s) => Self::Signal(s),
            Exit::Timeout => Self::Timeout,
        }
    }
}

impl From<WireExit> for Exit {
    fn from(e: WireExit) -> Self {
        match e {
            WireExit::Code(c) => Self::Code(c),
            WireExit::Signal(s) => Self::Signal(s),
            WireExit::Timeout => Self::Timeout,
        }
    }
}

/// Builds a result from attempts, interning ids and messages.
#[derive(Debug, Default)]
pub struct ResultBuilder {
    tests: Vec<String>,
    test_index: HashMap<String, u32>,
    messages: Vec<String>,
    message_index: HashMap<String, i64>,
    attempts: Vec<WireAttempt>,
}

impl ResultBuilder {
    pub fn push(&mut self, a: &Attempt) {
        let mut results = Vec::with_capacity(a.tests.len());
        for t in &a.tests {
            let test = *self.test_index.entry(t.id.clone()).or_insert_with(|| {
                self.tests.push(t.id.clone());
                (self.tests.len() - 1) as u32
            });
            let message = match &t.message {
                None => -1,
                Some(m) => *self.message_index.entry(m.clone()).or_insert_with(|| {
                    self.messages.push(m.clone());
                    (self.messages.len() - 1) as i64
                }),
            };
            results.push((test, t.outcome, t.duration.as_millis() as u64, message));
        }
        let failed = a.outcome().is_failure();
        let cut = |e: &Excerpt| {
            let text = e.text();
            let mut end = text.len().min(RESULT_EXCERPT);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_owned()
        };
        self.attempts.push(WireAttempt {
            index: a.index,
            seed: a.seed,
            order_seed: a.order_seed,
            exit: a.exit.into(),
            duration_ms: a.duration.as_millis() as u64,
            infrastructure: a.infrastructure.clone(),
            alone: a.alone,
            results,
            stdout: failed.then(|| cut(&a.stdout)),
            stderr: failed.then(|| cut(&a.stderr)),
        });
    }

    pub fn finish(
        mut self,
        framework: Option<String>,
        order: OrderMode,
        command: Vec<String>,
        notes: Vec<String>,
    ) -> ShardResult {
        self.attempts.sort_by_key(|a| a.index);
        ShardResult {
            schema_version: WIRE_VERSION,
            framework,
            order,
            command,
            notes,
            tests: self.tests,
            messages: self.messages,
            attempts: self.attempts,
        }
    }
}

impl ShardResult {
    /// The attempts as the local pipeline knows them; indexes that point nowhere are an error.
    pub fn into_attempts(self) -> Result<Vec<Attempt>, String> {
        let mut out = Vec::with_capacity(self.attempts.len());
        for a in self.attempts {
            let mut tests = Vec::with_capacity(a.results.len());
            for (test, outcome, ms, message) in a.results {
                let id = self.tests.get(test as usize).ok_or_else(|| {
                    format!("attempt {}: test index {test} is out of range", a.index)
                })?;
                let message = match message {
                    -1 => None,
                    m => Some(
                        usize::try_from(m)
                            .ok()
                            .and_then(|m| self.messages.get(m))
                            .ok_or_else(|| {
                                format!("attempt {}: message index {m} is out of range", a.index)
                            })?
                            .clone(),
                    ),
                };
                tests.push(TestResult {
                    id: id.clone(),
                    outcome,
                    duration: Duration::from_millis(ms),
                    message,
                });
            }
            let excerpt = |t: Option<String>| Excerpt {
                total_bytes: t.as_ref().map_or(0, |t| t.len() as u64),
                head: t.unwrap_or_default(),
                tail: String::new(),
            };
            out.push(Attempt {
                index: a.index,
                seed: a.seed,
                order_seed: a.order_seed,
                infrastructure: a.infrastructure,
                alone: a.alone,
                exit: a.exit.into(),
                duration: Duration::from_millis(a.duration_ms),
                tests,
                stdout: excerpt(a.stdout),
                stderr: excerpt(a.stderr),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(index: u32, fails: bool) -> Attempt {
        Attempt {
            index,
            seed: 40 + u64::from(index),
            order_seed: (index % 2 == 1).then_some(7),
            infrastructure: None,
            alone: false,
            exit: Exit::Code(i32::from(fails)),
            duration: Duration::from_millis(12),
            tests: vec![
                TestResult {
                    id: "a::ok".into(),
                    outcome: Outcome::Pass,
                    duration: Duration::from_millis(3),
                    message: None,
                },
                TestResult {
                    id: "a::flaky".into(),
                    outcome: if fails { Outcome::Fail } else { Outcome::Pass },
                    duration: Duration::from_millis(4),
                    message: fails.then(|| "boom".to_owned()),
                },
            ],
            stdout: Excerpt {
                head: "out".into(),
                tail: String::new(),
                total_bytes: 3,
            },
            stderr: Excerpt::default(),
        }
    }

    #[test]
    fn attempts_survive_the_wire_and_ids_are_interned() {
        let mut b = ResultBuilder::default();
        let attempts: Vec<Attempt> = (0..4).map(|i| attempt(i, i % 2 == 0)).collect();
        for a in attempts.iter().rev() {
            b.push(a);
        }
        let result = b.finish(
            Some("pytest".into()),
            OrderMode::Alternate,
            vec!["pytest".into()],
            vec![],
        );
        assert_eq!(result.tests, ["a::ok", "a::flaky"]);
        assert_eq!(result.messages, ["boom"]);
        let json = serde_json::to_string(&result).unwrap();
        let back: ShardResult = serde_json::from_str(&json).unwrap();
        let decoded = back.into_attempts().unwrap();
        assert_eq!(decoded.len(), 4);
        for (d, a) in decoded.iter().zip(&attempts) {
            assert_eq!(
                (d.index, d.seed, d.order_seed, d.exit, d.duration, &d.tests),
                (a.index, a.seed, a.order_seed, a.exit, a.duration, &a.tests)
            );
        }
        assert_eq!(
            decoded[0].stdout.head, "out",
            "failed attempts keep their output"
        );
        assert_eq!(decoded[1].stdout.head, "", "passing attempts do not");
    }

    #[test]
    fn bad_indexes_are_errors() {
        let mut b = ResultBuilder::default();
        b.push(&attempt(0, true));
        let mut r = b.finish(None, OrderMode::Same, vec![], vec![]);
        r.attempts[0].results[0].0 = 9;
        assert!(
            r.clone()
                .into_attempts()
                .unwrap_err()
                .contains("test index 9")
        );
        r.attempts[0].results[0].0 = 0;
        r.attempts[0].results[1].3 = 5;
        assert!(r.into_attempts().unwrap_err().contains("message index 5"));
    }
}
