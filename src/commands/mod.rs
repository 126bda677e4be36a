//! One file per subcommand: each turns resolved arguments into I/O and an exit status.

pub mod causes;
pub mod detect;
pub mod generate;
pub mod history;
mod no_results;
pub mod report;
pub mod run;
pub mod scan;
pub mod worker;

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::GlobalArgs;
use crate::storage;

/// Writes a command's output to stdout, all of it, flushed.
pub fn print(buf: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(buf)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// The history database path: `--db`/`FLAKY_DB`, else the user data directory.
pub fn db_path(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    match &global.db {
        Some(p) => Ok(p.clone()),
        None => storage::default_path()
            .context("cannot find a data directory for the history database; hint: pass --db PATH or set FLAKY_DB"),
    }
}
