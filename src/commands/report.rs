//! `flaky report`: a stored run rendered again, in any format.

use std::io::Write;

use anyhow::Context as _;

use crate::cli::{GlobalArgs, PostArg, PublishArgs, ReportArgs, ReportFormat};
use crate::config::MentionMap;
use crate::exit::ExitStatus;
use crate::notify::{
    DISCORD_WEBHOOK_VAR, GithubTarget, Posted, post_discord, post_github, post_slack,
};
use crate::render;
use crate::render::{Changes, Commit, Context, Report, TrendPoint};
use crate::reporter::Printer;
use crate::storage::{History, RunFilter, StorageError};
use crate::vcs;

pub fn report(
    args: &ReportArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let (_, history) = super::stored_history(global, printer)?;
    let json = super::chosen_report(&history, args.run.as_deref(), printer)?;
    let mut report = render::read_json(&json)
        .map_err(|e| anyhow::anyhow!("the stored report cannot be read: {e}"))?;
    // Secondary: a history that cannot give them (read-only and older) still shows the run.
    match history.diagnoses(&report.run_id) {
        Ok(d) => report.diagnoses = d,
        Err(e) => printer.warn(&format!("the run's diagnoses are left out: {e}")),
    }
    let mentions = mention_map(&args.publish)?;
    let ctx = context(&history, &report, &mentions)?;
    let color = args.output.is_none() && printer.color_stdout;
    let width = args.output.is_none().then_some(printer.width).flatten();
    let buf = render_to_vec(args.format, &report, &ctx, color, width)?;
    deliver(args.format, &buf, args.output.as_deref(), printer)?;
    publish(&args.publish, &report, &ctx, printer)?;
    Ok(ExitStatus::Success)
}

/// The mention map when the report is published, else none (a bad map is said before a run).
pub fn mentions_for(publishing: bool, args: &PublishArgs) -> anyhow::Result<MentionMap> {
    if publishing {
        mention_map(args)
    } else {
        Ok(MentionMap::default())
    }
}

/// The mention map of `--mention-map`, else `GITHUB_SLACK_MAP`.
pub fn mention_map(args: &PublishArgs) -> anyhow::Result<MentionMap> {
    Ok(MentionMap::load(
        args.mention_map.as_deref(),
        std::env::var("GITHUB_SLACK_MAP").ok().as_deref(),
    )?)
}

/// Posts the report where `--post` says: the pull request's flaky comment, Slack and Discord.
pub fn publish(
    args: &PublishArgs,
    report: &Report,
    ctx: &Context,
    printer: &Printer,
) -> anyhow::Result<()> {
    for target in &args.post {
        match target {
            PostArg::Github => {
                let github = GithubTarget::from_env(args.pr, &|k| std::env::var(k).ok())?;
                let mut body = Vec::new();
                render::render_markdown(report, ctx, &mut body)
                    .context("cannot render the comment")?;
                let body = String::from_utf8_lossy(&body);
                match post_github(&github, &body, render::COMMENT_MARKER)? {
                    Posted::Created { url } => printer.note(&format!(
                        "posted the report on pull request #{}: {url}",
                        github.pr()
                    )),
                    Posted::Updated { url } => printer.note(&format!(
                        "updated the report on pull request #{}: {url}",
                        github.pr()
                    )),
                }
            }
            PostArg::Slack => {
                let url = webhook_url("slack", "SLACK_WEBHOOK_URL", "")?;
                let mut payload = Vec::new();
                render::render_slack(report, ctx, &mut payload)
                    .context("cannot render the Slack message")?;
                post_slack(&url, &String::from_utf8_lossy(&payload))?;
                printer.note("posted the report to Slack");
            }
            PostArg::Discord => {
                let url = webhook_url(
                    "discord",
                    DISCORD_WEBHOOK_VAR,
                    " to the URL of a webhook of the channel (Edit Channel → Integrations → \
                     Webhooks → Copy Webhook URL)",
                )?;
                let mut payload = Vec::new();
                render::render_discord(report, ctx, &mut payload)
                    .context("cannot render the Discord message")?;
                let message = post_discord(&url, &String::from_utf8_lossy(&payload))?;
                printer.note(&format!(
                    "posted the report to Discord (message {} in channel {})",
                    message.id, message.channel_id
                ));
            }
        }
    }
    Ok(())
}

/// The incoming webhook `--post TARGET` posts to: variable `var`, set and not empty; `how`
/// follows "hint: set VAR" in the error.
fn webhook_url(target: &str, var: &str, how: &str) -> anyhow::Result<String> {
    std::env::var(var)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .with_context(|| format!("--post {target} needs an incoming webhook; hint: set {var}{how}"))
}

/// Renders a report in any format; `color` and `width` are the table's.
pub fn render_to_vec(
    format: ReportFormat,
    report: &Report,
    ctx: &Context,
    color: bool,
    width: Option<usize>,
) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    match format {
        ReportFormat::Table => render::render_table(report, color, width, &mut buf),
        ReportFormat::Json => render::render_json(report, &mut buf),
        ReportFormat::Markdown => render::render_markdown(report, ctx, &mut buf),
        ReportFormat::Junit => render::render_junit(report, &mut buf),
        ReportFormat::Slack => render::render_slack(report, ctx, &mut buf),
        ReportFormat::Github => render::render_github(report, ctx, &mut buf),
        ReportFormat::Html => render::render_html(report, ctx, &mut buf),
    }
    .context("cannot render the report")?;
    Ok(buf)
}

/// Writes a rendered report to `--output`, to `$GITHUB_STEP_SUMMARY` (the `github` format, when
/// set, appended as GitHub expects), or to stdout.
pub fn deliver(
    format: ReportFormat,
    buf: &[u8],
    output: Option<&std::path::Path>,
    printer: &Printer,
) -> anyhow::Result<()> {
    match (output, step_summary(format)) {
        (Some(file), _) => {
            std::fs::write(file, buf).with_context(|| format!("cannot write {}", file.display()))?
        }
        (None, Some(summary)) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&summary)
                .with_context(|| {
                    format!(
                        "cannot open $GITHUB_STEP_SUMMARY ({})",
                        summary.to_string_lossy()
                    )
                })?;
            f.write_all(buf)
                .context("cannot append to $GITHUB_STEP_SUMMARY")?;
            printer.note("appended the report to $GITHUB_STEP_SUMMARY");
        }
        (None, None) => super::print(buf)?,
    }
    Ok(())
}

/// `$GITHUB_STEP_SUMMARY`, when a report in `format` goes there rather than to stdout.
fn step_summary(format: ReportFormat) -> Option<std::ffi::OsString> {
    (format == ReportFormat::Github)
        .then(|| std::env::var_os("GITHUB_STEP_SUMMARY"))
        .flatten()
        .filter(|s| !s.is_empty())
}

/// Refuses `--report FORMAT` when both it and the main report would go to stdout: two documents
/// one after the other, which no reader takes apart (`json.load` fails on the second).
pub fn check_one_document(
    main_output: Option<&std::path::Path>,
    report: Option<ReportFormat>,
    report_output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    match report {
        Some(format)
            if main_output.is_none()
                && report_output.is_none()
                && step_summary(format).is_none() =>
        {
            anyhow::bail!(
                "--report without --report-output would print a second report on stdout, after \
                 the main one; hint: write it to a file with --report-output FILE (or the main \
                 report with -o FILE)"
            )
        }
        _ => Ok(()),
    }
}

/// How many runs a report's trend shows.
const TREND_RUNS: usize = 30;

/// The history around a report: the trend of its command, and the commits since the tests
/// failing now were last stable.
pub fn context(
    history: &History,
    report: &Report,
    mentions: &MentionMap,
) -> Result<Context, StorageError> {
    let command_line = report.test_label();
    let started_ms = report
        .started_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let filter = RunFilter {
        command_line: Some(command_line.clone()),
        dir: Some(report.dir.clone()),
        ..RunFilter::default()
    };
    let points = history.run_points(&filter)?;
    let upto: Vec<_> = points
        .iter()
        .filter(|p| p.started_at_ms <= started_ms)
        .collect();
    let trend = upto[upto.len().saturating_sub(TREND_RUNS)..]
        .iter()
        .map(|p| TrendPoint {
            run_id: p.run_id.clone(),
            started_at: std::time::UNIX_EPOCH
                + std::time::Duration::from_millis(p.started_at_ms.max(0) as u64),
            tests: p.tests,
            flaky_tests: p.flaky_tests,
            mean_rate: if p.tests == 0 {
                0.0
            } else {
                p.rate_sum / p.tests as f64
            },
        })
        .collect();

    let failing: Vec<String> = report
        .tests
        .iter()
        .filter(|t| t.failed > 0)
        .map(|t| t.id.clone())
        .collect();
    let commit = report.vcs.as_ref().and_then(|v| v.commit.clone());
    let changes = match (
        commit,
        history.last_stable_run(&filter, started_ms, &failing)?,
    ) {
        (Some(commit), Some((stable_run, stable_commit))) if stable_commit != commit => {
            // The repository may be gone or elsewhere when an old report is rendered: then
            // there is nothing to tell.
            vcs::commits_between(&report.dir, &stable_commit, &commit)
                .ok()
                .map(|commits| Changes {
                    stable_run,
                    stable_commit,
                    commit,
                    commits: commits
                        .into_iter()
                        .map(|c| Commit {
                            slack_id: mentions.slack_id(&c.email, &c.author),
                            sha: c.sha,
                            author: c.author,
                            email: c.email,
                            time: std::time::UNIX_EPOCH
                                + std::time::Duration::from_secs(c.time.max(0) as u64),
                            summary: c.summary,
                            files: c.files,
                        })
                        .collect(),
                })
        }
        _ => None,
    };
    Ok(Context { trend, changes })
}
