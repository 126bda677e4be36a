//! What `flaky diagnose` reads of a stored run (its plan, each attempt's tests in the order
//! they ran) and the diagnoses it stores.

use rusqlite::{OptionalExtension as _, TransactionBehavior, params};

use super::{History, StorageError};
use crate::diagnose::Diagnosis;
use crate::model::Outcome;

/// The tests of one attempt of a stored run, in the order its report listed them (the order
/// they ran in, for the frameworks whose reports follow it).
pub type AttemptTests = Vec<(String, Outcome)>;

impl History {
    /// The plan stored with a run (JSON: thresholds, env with secret values masked, ignore
    /// patterns, config file).
    pub fn run_plan(&self, run_id: &str) -> Result<String, StorageError> {
        self.read(|| {
            self.conn
                .query_row("SELECT plan FROM runs WHERE run_id = ?1", [run_id], |r| {
                    r.get(0)
                })
        })
    }

    /// Every attempt of a run that read test results, with its tests in report order.
    pub fn attempt_tests(&self, run_id: &str) -> Result<Vec<(u32, AttemptTests)>, StorageError> {
        self.read(|| {
            let mut stmt = self.conn.prepare(
                "SELECT res.attempt, t.name, res.outcome
                 FROM results res JOIN runs r ON r.id = res.run JOIN tests t ON t.id = res.test
                 WHERE r.run_id = ?1
                 ORDER BY res.attempt, res.rowid",
            )?;
            let rows = stmt.query_map([run_id], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut out: Vec<(u32, AttemptTests)> = Vec::new();
            for row in rows {
                let (attempt, name, outcome) = row?;
                let outcome = Outcome::parse(&outcome).unwrap_or(Outcome::Error);
                match out.last_mut() {
                    Some((a, tests)) if *a == attempt => tests.push((name, outcome)),
                    _ => out.push((attempt, vec![(name, outcome)])),
                }
            }
            Ok(out)
        })
    }

    /// Stores a diagnosis of one test of a run (a later one of the same test replaces it).
    pub fn record_diagnosis(
        &mut self,
        run_id: &str,
        diagnosis: &Diagnosis,
        at_ms: i64,
    ) -> Result<(), StorageError> {
        let json = serde_json::to_string(diagnosis).unwrap_or_default();
        let write = |conn: &mut rusqlite::Connection| -> Result<(), rusqlite::Error> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM diagnoses WHERE run = (SELECT id FROM runs WHERE run_id = ?1) AND test = ?2",
                params![run_id, diagnosis.test],
            )?;
            tx.execute(
                "INSERT INTO diagnoses (run, test, diagnosed_at, cause, proven, diagnosis)
                 SELECT id, ?2, ?3, ?4, ?5, ?6 FROM runs WHERE run_id = ?1",
                params![
                    run_id,
                    diagnosis.test,
                    at_ms,
                    diagnosis.cause.as_str(),
                    diagnosis.proven,
                    json
                ],
            )?;
            tx.commit()
        };
        write(&mut self.conn).map_err(|source| self.classify(source))
    }

    /// The diagnoses stored for a run, in the order they were made.
    pub fn diagnoses(&self, run_id: &str) -> Result<Vec<Diagnosis>, StorageError> {
        self.read(|| {
            let mut stmt = self.conn.prepare(
                "SELECT d.diagnosis FROM diagnoses d JOIN runs r ON r.id = d.run
                 WHERE r.run_id = ?1 ORDER BY d.rowid",
            )?;
            let rows = stmt.query_map([run_id], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                // A diagnosis a newer flaky wrote in a shape this one cannot read is left out.
                if let Ok(d) = serde_json::from_str(&row?) {
                    out.push(d);
                }
            }
            Ok(out)
        })
    }

    /// The newest diagnosis of a test of runs in `dir`, with the run it was made on.
    pub fn last_diagnosis(
        &self,
        test: &str,
        dir: &str,
    ) -> Result<Option<(String, Diagnosis)>, StorageError> {
        let row: Option<(String, String)> = self.read(|| {
            self.conn
                .query_row(
                    "SELECT r.run_id, d.diagnosis FROM diagnoses d JOIN runs r ON r.id = d.run
                     WHERE d.test = ?1 AND r.dir = ?2 ORDER BY d.diagnosed_at DESC, d.rowid DESC LIMIT 1",
                    [test, dir],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
        })?;
        Ok(row.and_then(|(run, json)| serde_json::from_str(&json).ok().map(|d| (run, d))))
    }
}
