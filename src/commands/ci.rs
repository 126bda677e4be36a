//! `flaky ci`: run the suite once, rerun what failed, and give each failure its verdict.

use crate::cli::{CiArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::reporter::Printer;

pub fn ci(_args: &CiArgs, _global: &GlobalArgs, _printer: &Printer) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("flaky ci is being built")
}
