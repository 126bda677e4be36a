//! The GitHub Actions step summary (`$GITHUB_STEP_SUMMARY`): the pull-request comment's
//! Markdown without its hidden marker, since a step summary is never looked up again.

use std::io::{self, Write};

use super::markdown::markdown_body;
use super::{Context, Report};

/// GitHub accepts step summaries up to 1 MiB; the comment's own, smaller bound applies anyway.
const STEP_SUMMARY_LIMIT: usize = 65_536;

pub fn render_github(report: &Report, ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(markdown_body(report, ctx, STEP_SUMMARY_LIMIT).as_bytes())
}
