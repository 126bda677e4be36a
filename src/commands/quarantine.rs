//! `flaky quarantine list|add|remove|suggest`: the quarantine of `.flaky.yml`.

use crate::cli::{GlobalArgs, QuarantineCommand};
use crate::exit::ExitStatus;
use crate::reporter::Printer;

pub fn quarantine(
    _command: &QuarantineCommand,
    _global: &GlobalArgs,
    _printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("flaky quarantine is being built")
}
