//! What the history keeps of a run joined from its shards' reports (`flaky merge`): its
//! attempts as the reports list them. A report holds no test results per attempt and no
//! output, so neither is stored: the merged run's verdicts, signatures and report (written by
//! [`History::finish_run`]) are what `flaky history` and `flaky report` read.

use rusqlite::{TransactionBehavior, params};

use super::{History, RunKey, StorageError};
use crate::render::AttemptRecord;

impl History {
    /// Stores the attempts of a merged run in one transaction, without output excerpts or
    /// per-test results (`flaky diagnose` then runs fresh attempts instead of replaying the
    /// tests in the order an attempt ran them).
    pub fn record_reported_attempts(
        &mut self,
        run: RunKey,
        attempts: &[AttemptRecord],
    ) -> Result<(), StorageError> {
        let write = |conn: &mut rusqlite::Connection| -> Result<(), rusqlite::Error> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR REPLACE INTO attempts (run, idx, seed, outcome, exit_code, signal, duration_ms,
                                                      order_seed, infrastructure)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for a in attempts {
                    // As a run stores it: "rule: reason".
                    let infrastructure =
                        a.infrastructure
                            .as_ref()
                            .map(|reason| match a.infrastructure_rule {
                                Some(rule) => format!("{}: {reason}", rule.as_str()),
                                None => reason.clone(),
                            });
                    stmt.execute(params![
                        run.0,
                        a.index,
                        a.seed as i64,
                        a.outcome.as_str(),
                        a.exit_code,
                        a.signal,
                        a.duration_ms as i64,
                        a.order_seed.map(|s| s as i64),
                        infrastructure,
                    ])?;
                }
            }
            tx.commit()
        };
        write(&mut self.conn).map_err(|source| self.classify(source))
    }
}
