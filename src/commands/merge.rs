//! `flaky merge`: joins the JSON reports of one run's shards into one run.

use crate::cli::{GlobalArgs, MergeArgs};
use crate::exit::ExitStatus;
use crate::reporter::Printer;

pub fn merge(
    _args: &MergeArgs,
    _global: &GlobalArgs,
    _printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("flaky merge is being built")
}
