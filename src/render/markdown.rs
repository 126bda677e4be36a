//! The pull-request comment: a Markdown report that stays readable on GitHub, bounded in size,
//! with a hidden marker so a later run updates its own comment instead of adding one. The
//! helpers every rich renderer shares (headline, summary sentences, text cleaning) live here too.

use std::io::{self, Write};
use std::time::SystemTime;

use super::{Changes, Commit, Context, FailureSample, Report, RunState, first_lines, percent};
use crate::analysis::{Kind, Severity, TestStats, Z95, wilson};

/// The first line of every PR comment flaky writes: how the poster finds its earlier comment.
pub const COMMENT_MARKER: &str = "<!-- flaky-report -->";

/// GitHub rejects a comment longer than this many characters.
const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// What the closing note may need, kept free until the end.
const NOTE_RESERVE: usize = 600;
/// Rows of the per-test table in all; the first [`OPEN_ROWS`] are always shown.
const TABLE_ROWS: usize = 50;
const OPEN_ROWS: usize = 10;
/// A section with more lines than this folds into `<details>`.
const FOLD_LINES: usize = 12;
/// Tests whose signatures and replay lines are shown.
const DETAILED_TESTS: usize = 10;
/// Signatures shown per test.
const SIGNATURES: usize = 3;
const COMMITS: usize = 20;
const FILES_PER_COMMIT: usize = 5;
const INFRA_ROWS: usize = 10;
/// Test names and messages are cut to this many characters in tables and lists.
pub(super) const NAME_CHARS: usize = 200;
pub(super) const MESSAGE_CHARS: usize = 300;

/// The PR comment: [`COMMENT_MARKER`], then the report, under GitHub's size limit.
pub fn render_markdown(report: &Report, ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let limit = GITHUB_COMMENT_LIMIT - COMMENT_MARKER.len() - 1;
    writeln!(out, "{COMMENT_MARKER}")?;
    out.write_all(markdown_body(report, ctx, limit).as_bytes())
}

/// The report as Markdown, without the marker, at most `limit` bytes long (so at most `limit`
/// characters).
pub(super) fn markdown_body(report: &Report, ctx: &Context, limit: usize) -> String {
    let mut doc = Doc {
        out: String::new(),
        limit,
        cut: false,
    };
    doc.section(&header(report));
    if let Some(ci) = report.ci.as_ref().filter(|ci| !ci.verdicts.is_empty()) {
        let room = doc.room();
        doc.section(&format!(
            "### flaky ci verdicts\n\n{}\n_{}._\n",
            super::ci::markdown_table(report, ci, room.saturating_sub(200)),
            super::ci::rerun_text(ci)
        ));
    }
    if !report.tests.is_empty() {
        table(report, &mut doc);
    }
    failures(report, &mut doc);
    diagnoses(report, &mut doc);
    causes(report, &mut doc);
    infrastructure(report, &mut doc);
    if let Some(changes) = &ctx.changes {
        changes_section(changes, &mut doc);
    }
    // The verdict always comes last, in the room kept for it.
    let cut = doc.cut;
    doc.out
        .push_str(&format!("\n**verdict:** {}\n", verdict(report)));
    if cut {
        doc.out.push_str(&format!(
            "\n> [!NOTE]\n> The rest of this report was left out to stay under GitHub's {GITHUB_COMMENT_LIMIT}-character limit; `flaky report {} --format json` has all of it.\n",
            code_safe(&report.run_id)
        ));
    }
    doc.out
}

/// A document that takes whole sections while they fit, so a cut never leaves a fence or a
/// `<details>` open.
struct Doc {
    out: String,
    limit: usize,
    cut: bool,
}

impl Doc {
    fn room(&self) -> usize {
        self.limit.saturating_sub(self.out.len() + NOTE_RESERVE + 2)
    }

    /// Appends a section (separated by a blank line) if it fits; after one does not, no more do.
    fn section(&mut self, text: &str) -> bool {
        if self.cut || text.len() > self.room() {
            self.cut = true;
            return false;
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out.push_str(text);
        true
    }

    /// Appends `heading` and as many of `items` as fit, folded into `<details>` when long.
    fn items(&mut self, heading: &str, summary: &str, items: &[String], after: &str) {
        let mut body = String::new();
        let mut room = self
            .room()
            .saturating_sub(heading.len() + summary.len() + after.len() + 64);
        for item in items {
            if item.len() > room {
                self.cut = true;
                break;
            }
            room -= item.len();
            body.push_str(item);
        }
        if body.is_empty() {
            self.cut = true;
            return;
        }
        body.push_str(after);
        let cut = self.cut;
        self.cut = false;
        self.section(&format!("{heading}{}", fold(summary, &body)));
        self.cut |= cut;
    }
}

/// `body` as is, or inside `<details>` when it is long.
fn fold(summary: &str, body: &str) -> String {
    if body.lines().count() > FOLD_LINES {
        format!(
            "<details><summary>{summary}</summary>\n\n{}\n\n</details>\n",
            body.trim_end()
        )
    } else {
        body.to_owned()
    }
}

fn header(report: &Report) -> String {
    let (worst, headline) = headline(report);
    let mut s = match worst {
        Some(w) => format!("## {} flaky: {headline}\n", w.symbol()),
        None => format!("## flaky: {headline}\n"),
    };
    for note in [state_note(report), shard_note(report), retry_note(report)]
        .into_iter()
        .flatten()
    {
        s.push_str(&format!("\n> [!WARNING]\n> **{}**\n", md_with_code(&note)));
    }
    let t = &report.totals;
    let mut facts = vec![
        format!(
            "**{} {}** of {} in {}, {} at a time",
            t.attempts,
            plural(t.attempts, "attempt", "attempts"),
            code_span(&one_line(&report.test_label(), NAME_CHARS)),
            super::duration_text(report.duration),
            report.jobs
        ),
        md_text(&framework_text(report)),
        format!("seed {}", report.seed),
        format!("run {}", code_span(&report.run_id)),
    ];
    if let Some(commit) = commit_text(report) {
        facts.push(format!("commit {}", md_text(&commit)));
    }
    let mut results = format!("attempts: {}", attempts_text(report));
    if let Some(n) = report.selected_tests {
        results.push_str(&format!(
            " · {} in the `--tests-from` report",
            super::selected_text(n)
        ));
    }
    if let Some(shard) = report.shard {
        results.push_str(&format!(" · {}", md_text(&super::shard_text(shard))));
    }
    if let Some(k) = report.batch {
        results.push_str(&format!(" · {}", md_text(&super::batch_text(k))));
    }
    // Two lines of one paragraph: a backslash at the end of a line is a hard break.
    s.push('\n');
    s.push_str(&facts.join(" · "));
    s.push_str("\\\n");
    s.push_str(&results);
    s.push('\n');
    if report.tests.is_empty() {
        s.push_str("\nNo test result was recorded.\n");
    }
    s
}

fn table(report: &Report, doc: &mut Doc) {
    let bad: Vec<&TestStats> = non_stable(report).collect();
    let mut s = String::new();
    if !bad.is_empty() {
        s.push_str(&table_rows(&bad[..bad.len().min(OPEN_ROWS)]));
        if bad.len() > OPEN_ROWS {
            let folded = &bad[OPEN_ROWS..bad.len().min(TABLE_ROWS)];
            s.push_str(&format!(
                "\n<details><summary>{} more failing or flaky {}</summary>\n\n{}\n</details>\n",
                folded.len(),
                plural(folded.len() as u64, "test", "tests"),
                table_rows(folded)
            ));
        }
        if bad.len() > TABLE_ROWS {
            s.push_str(&format!(
                "\n… and {} more failing or flaky tests (`flaky report {} --format json` lists them all).\n",
                bad.len() - TABLE_ROWS,
                code_safe(&report.run_id)
            ));
        }
    }
    let mut notes = Vec::new();
    if let Some(note) = stable_note(report) {
        notes.push(md_with_code(&note));
    }
    if let Some(note) = skipped_note(report) {
        notes.push(md_with_code(&note));
    }
    if let Some(note) = outside_tests_note(report) {
        notes.push(md_with_code(&note));
    }
    if report.ignored_tests > 0 {
        notes.push(format!(
            "{} {} hidden by `ignore_patterns`.",
            report.ignored_tests,
            plural(report.ignored_tests as u64, "test", "tests")
        ));
    }
    if !notes.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(&notes.join("\\\n"));
        s.push('\n');
    }
    doc.section(&s);
}

fn table_rows(tests: &[&TestStats]) -> String {
    let mut s = String::from(
        "| Test | Runs | Failed | Rate | 95% CI | Severity | Kind |\n| :--- | ---: | ---: | ---: | :--- | :--- | :--- |\n",
    );
    for t in tests {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} {} | {} |\n",
            md_text(&one_line(&t.id, NAME_CHARS)),
            t.runs,
            t.failed,
            rate_text(t),
            ci_text(t),
            t.severity.symbol(),
            t.severity.label(),
            t.kind
        ));
    }
    s
}

fn failures(report: &Report, doc: &mut Doc) {
    let mut items = Vec::new();
    for t in non_stable(report).take(DETAILED_TESTS) {
        let mut s = format!(
            "#### {} ({}, {} of {} runs)\n\n",
            code_span(&one_line(&t.id, NAME_CHARS)),
            t.kind,
            t.failed,
            t.runs
        );
        if let Some(note) = verdict_note(t) {
            s.push_str(&format!("{}\n\n", md_with_code(&note)));
        }
        for sig in t.signatures.iter().take(SIGNATURES) {
            s.push_str(&format!(
                "- {}× {}\n",
                sig.count,
                code_span(&one_line(&sig.example, MESSAGE_CHARS))
            ));
        }
        if t.signatures.len() > SIGNATURES {
            s.push_str(&format!(
                "- … {}\n",
                other_ways(t.signatures.len() - SIGNATURES)
            ));
        }
        if let Some(f) = failure_of(report, &t.id) {
            s.push_str(&format!("\n{}\n\n", replay_text(f)));
            s.push_str(&code_block("sh", &f.reproduce));
            if let Some(line) = &f.reproduce_attempt {
                s.push_str(&format!("\n{WHOLE_ATTEMPT}\n\n"));
                s.push_str(&code_block("sh", line));
            }
        }
        s.push('\n');
        items.push(s);
    }
    // Without a framework the command is the test: its failing attempts are shown one by one.
    for f in report.failures.iter().filter(|f| f.test.is_none()) {
        let mut s = format!(
            "#### Attempt {} (seed {})\n\n{}\n\n",
            f.index,
            f.seed,
            code_span(&one_line(&f.message, MESSAGE_CHARS))
        );
        s.push_str(&code_block("sh", &f.reproduce));
        let excerpt = first_lines(&f.excerpt);
        if !excerpt.is_empty() {
            s.push('\n');
            s.push_str(&code_block("text", &excerpt));
        }
        s.push('\n');
        items.push(s);
    }
    if items.is_empty() {
        return;
    }
    let failing = non_stable(report).count();
    let more = if failing > DETAILED_TESTS {
        format!(
            "… and {} more failing or flaky tests.\n",
            failing - DETAILED_TESTS
        )
    } else {
        String::new()
    };
    doc.items(
        "### Failures\n\n",
        "How they failed, and the lines that replay them",
        &items,
        &more,
    );
}

fn infrastructure(report: &Report, doc: &mut Doc) {
    if report.infrastructure.is_empty() {
        return;
    }
    let items: Vec<String> = report
        .infrastructure
        .iter()
        .take(INFRA_ROWS)
        .map(|i| format!("- {}\n", md_text(&one_line(&i.describe(), MESSAGE_CHARS))))
        .collect();
    let more = if report.infrastructure.len() > INFRA_ROWS {
        format!(
            "- … and {} more\n",
            report.infrastructure.len() - INFRA_ROWS
        )
    } else {
        String::new()
    };
    let n = report.totals.infrastructure;
    doc.items(
        &format!(
            "### Left out as infrastructure ({n} {})\n\nThese attempts count in no test's rate.\n\n",
            plural(n, "attempt", "attempts")
        ),
        "The attempts and why",
        &items,
        &more,
    );
}

fn diagnoses(report: &Report, doc: &mut Doc) {
    if report.diagnoses.is_empty() {
        return;
    }
    let items: Vec<String> = report
        .diagnoses
        .iter()
        .map(super::diagnosis::markdown_item)
        .collect();
    doc.items(
        "### Diagnoses\n\nWhy these tests are flaky, proven by experiments (`flaky diagnose`).\n\n",
        "The diagnosed tests",
        &items,
        "",
    );
}

fn causes(report: &Report, doc: &mut Doc) {
    let (unstable, stable, left) = super::shown_causes(report);
    if unstable.is_empty() && stable.is_empty() {
        return;
    }
    let mut items: Vec<String> = unstable
        .iter()
        .map(|c| {
            let mut item = format!("- `{}`\n", code_safe(&c.test));
            for cause in c.causes.iter().take(super::CAUSES_PER_TEST) {
                item.push_str(&format!(
                    "  - {}\n    fix: {}\n",
                    md_with_code(&one_line(&super::cause_line(cause), MESSAGE_CHARS)),
                    md_with_code(&one_line(&cause.hint, MESSAGE_CHARS))
                ));
            }
            item
        })
        .collect();
    items.extend(stable.iter().filter_map(|c| {
        c.causes.first().map(|cause| {
            format!(
                "- `{}` (measured stable, lower priority): {}\n",
                code_safe(&c.test),
                md_with_code(&one_line(&super::cause_line(cause), MESSAGE_CHARS))
            )
        })
    }));
    let more = if left > 0 {
        format!("- … and {left} more tests\n")
    } else {
        String::new()
    };
    doc.items(
        "### Likely causes\n\nSmells `flaky scan` found in these tests or in what they call.\n\n",
        "The tests and their smells",
        &items,
        &more,
    );
}

fn changes_section(changes: &Changes, doc: &mut Doc) {
    let heading = "### Changes since the last stable run\n\n";
    if changes.commits.is_empty() {
        doc.section(&format!(
            "{heading}No commit since run {} at {}, the last in which the failing tests were stable: the same code passed then.\n",
            code_span(&changes.stable_run),
            code_span(short_sha(&changes.stable_commit))
        ));
        return;
    }
    let n = changes.commits.len();
    let intro = format!(
        "{heading}{n} {} from {} (run {}, the last in which the failing tests were stable) to {}:\n\n",
        plural(n as u64, "commit", "commits"),
        code_span(short_sha(&changes.stable_commit)),
        code_span(&changes.stable_run),
        code_span(short_sha(&changes.commit))
    );
    let items: Vec<String> = changes
        .commits
        .iter()
        .take(COMMITS)
        .map(|c| {
            let files = if c.files.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    files_text(c, |f| code_span(&one_line(f, NAME_CHARS)))
                )
            };
            format!(
                "- {} {}, {}: {}{files}\n",
                code_span(short_sha(&c.sha)),
                md_text(&one_line(&c.author, NAME_CHARS)),
                time_text(c.time),
                md_text(&one_line(&c.summary, MESSAGE_CHARS))
            )
        })
        .collect();
    let more = if n > COMMITS {
        format!("- … and {} older commits\n", n - COMMITS)
    } else {
        String::new()
    };
    doc.items(
        &intro,
        &format!("{n} {}", plural(n as u64, "commit", "commits")),
        &items,
        &more,
    );
}

/// A commit's files, the first few of them.
pub(super) fn files_text(c: &Commit, show: impl Fn(&str) -> String) -> String {
    let (files, more) = shown_files(c);
    let mut parts: Vec<String> = files.iter().map(|f| show(f)).collect();
    if more > 0 {
        parts.push(format!("and {more} more"));
    }
    parts.join(", ")
}

/// The files of a commit a report lists, and how many more it changed.
pub(super) fn shown_files(c: &Commit) -> (&[String], usize) {
    let shown = &c.files[..c.files.len().min(FILES_PER_COMMIT)];
    (shown, c.files.len() - shown.len())
}

// ---------------------------------------------------------------------------------------------
// What the rich renderers (Markdown, GitHub, Slack, HTML) say alike.

/// The worst severity (`None` without any test) and the headline after `flaky: `.
pub(super) fn headline(report: &Report) -> (Option<Severity>, String) {
    let worst = report.tests.iter().map(|t| t.severity).max();
    let attempts = report.totals.attempts;
    let text = if report.tests.is_empty() {
        format!(
            "no test result in {attempts} {}",
            plural(attempts, "attempt", "attempts")
        )
    } else {
        let bad: Vec<&TestStats> = non_stable(report).collect();
        if bad.is_empty() {
            format!(
                "no flaky test in {attempts} {}",
                plural(attempts, "attempt", "attempts")
            )
        } else {
            let failing = bad.iter().filter(|t| t.kind == Kind::Failing).count();
            let what = if failing == bad.len() {
                "failing"
            } else if failing == 0 {
                "flaky"
            } else {
                "failing or flaky"
            };
            format!(
                "{} {what} {} (worst {})",
                bad.len(),
                plural(bad.len() as u64, "test", "tests"),
                worst.unwrap_or(Severity::None).label()
            )
        }
    };
    (worst, text)
}

/// Tests that failed at least once, worst first.
pub(super) fn non_stable(report: &Report) -> impl Iterator<Item = &TestStats> {
    report.tests.iter().filter(|t| t.failed > 0)
}

/// The sample failure of a test, with its replay line.
pub(super) fn failure_of<'a>(report: &'a Report, id: &str) -> Option<&'a FailureSample> {
    report
        .failures
        .iter()
        .find(|f| f.test.as_deref() == Some(id))
}

/// Before the line that replays a test's whole attempt, after the one with the test alone.
pub(super) const WHOLE_ATTEMPT: &str = "If it passes alone, the whole attempt in its order (`flaky diagnose` finds which tests it needs):";

/// "Replay attempt 3 (seed 42, order seed 43):"
pub(super) fn replay_text(f: &FailureSample) -> String {
    format!("Replay {}:", replay_what(f))
}

/// "attempt 3 (seed 42)", with the order seed, and why the whole attempt replays when it must.
pub(super) fn replay_what(f: &FailureSample) -> String {
    let order = f
        .order_seed
        .map(|o| format!(", order seed {o}"))
        .unwrap_or_default();
    let whole = if let Some(from) = f.batch_from.filter(|from| *from < f.index) {
        format!(
            "; it ran in a batch, so the replay runs attempts {from} to {} in one process, as they ran",
            f.index
        )
    } else if f.needs_order {
        "; it failed only in shuffled attempts, so the replay runs the whole attempt in that order"
            .to_owned()
    } else {
        String::new()
    };
    format!("attempt {} (seed {}{order}{whole})", f.index, f.seed)
}

/// What a test's verdict asks of the reader, when it asks something: a contention test's
/// confirmation, or a rate settled on a band boundary.
pub(super) fn verdict_note(t: &TestStats) -> Option<String> {
    if t.kind == Kind::Contention {
        return Some(format!(
            "It failed only in attempts that ran alongside another attempt ({} of {} such runs), never in the {} that ran alone: its copies share a file, port, database or cache. Run with -j 1 to confirm.",
            t.failed,
            t.runs - t.alone.runs,
            t.alone.runs
        ));
    }
    t.on_boundary.map(|[below, above]| {
        format!(
            "Its rate is on the {below}/{above} boundary: it settled within the boundary's margin, so either band is right and more attempts would not pick one."
        )
    })
}

/// "interrupted after 12 of 100 attempts: the results are partial", when it was.
pub(super) fn state_note(report: &Report) -> Option<String> {
    let how = match report.state {
        RunState::Completed => return None,
        RunState::NoResults => {
            return report
                .no_results
                .as_ref()
                .map(|n| format!("Nothing was measured: {}. Hint: {}.", n.reason, n.hint));
        }
        RunState::Interrupted => "Interrupted",
        RunState::Terminated => "Terminated",
    };
    Some(format!(
        "{how} after {} of {} attempts: the results are partial.",
        report.totals.attempts, report.runs
    ))
}

/// Remote shards that brought nothing back, when some did not.
pub(super) fn shard_note(report: &Report) -> Option<String> {
    let first = report.shard_errors.first()?;
    let n = report.shard_errors.len();
    Some(format!(
        "{n} remote {} brought no result back, so {} attempts are missing from the counts (first: {}).",
        plural(n as u64, "shard", "shards"),
        if n == 1 { "its" } else { "their" },
        one_line(first, MESSAGE_CHARS)
    ))
}

/// Remote shards that were resubmitted, when some were.
pub(super) fn retry_note(report: &Report) -> Option<String> {
    let first = report.shard_retries.first()?;
    let n = report.shard_retries.len();
    Some(format!(
        "{n} remote {} resubmitted after {} job failed for a reason other than the tests; every attempt counts once (first: {}).",
        plural(n as u64, "shard was", "shards were"),
        if n == 1 { "its" } else { "their" },
        one_line(first, MESSAGE_CHARS)
    ))
}

/// "pytest, order alternate", or what it means to have no framework.
pub(super) fn framework_text(report: &Report) -> String {
    match &report.framework {
        Some(fw) => format!("{fw}, order {}", report.order.as_str()),
        None => "no framework: the command is the test".to_owned(),
    }
}

/// "3f2c1ab on main (dirty)", when the run was in a repository.
pub(super) fn commit_text(report: &Report) -> Option<String> {
    let vcs = report.vcs.as_ref()?;
    let commit = vcs.commit.as_deref()?;
    let mut s = short_sha(commit).to_owned();
    if let Some(branch) = &vcs.branch {
        s.push_str(&format!(" on {branch}"));
    }
    if vcs.dirty {
        s.push_str(" (dirty)");
    }
    Some(s)
}

/// "35 passed, 15 failed, 0 timed out, 0 crashed, 2 left out as infrastructure"
pub(super) fn attempts_text(report: &Report) -> String {
    let t = &report.totals;
    let mut s = format!(
        "{} passed, {} failed, {} timed out, {} crashed",
        t.passed, t.failed, t.timed_out, t.errors
    );
    if t.infrastructure > 0 {
        s.push_str(&format!(
            ", {} left out as infrastructure",
            t.infrastructure
        ));
    }
    s
}

/// What a run of passes says, for the stable tests: never "not flaky".
pub(super) fn stable_note(report: &Report) -> Option<String> {
    let stable: Vec<&TestStats> = report
        .tests
        .iter()
        .filter(|t| t.failed == 0 && t.runs > 0)
        .collect();
    let first = stable.first()?;
    let (_, upper) = wilson(0, first.runs, Z95);
    Some(format!(
        "{} stable {}: no failure in {} means a failure rate below {} at 95% confidence, not \"never flaky\".",
        stable.len(),
        plural(stable.len() as u64, "test", "tests"),
        super::counted(first.runs, "run", "runs"),
        percent(upper)
    ))
}

/// When the failing attempts were all shuffled ones, beyond chance, but no single test failed
/// often enough to be called order-dependent (a polluted state that breaks whichever test comes
/// next): the suite depends on its order.
pub(super) fn suite_order_note(report: &Report) -> Option<String> {
    if report.tests.iter().any(|t| t.kind == Kind::OrderDependent) {
        return None;
    }
    let counted: Vec<_> = report
        .attempts
        .iter()
        .filter(|a| a.infrastructure.is_none())
        .collect();
    let shuffled = counted.iter().filter(|a| a.order_seed.is_some()).count() as u64;
    let failed = counted.iter().filter(|a| a.outcome.is_failure()).count() as u64;
    let kept = counted.len() as u64 - shuffled;
    let all_shuffled = counted
        .iter()
        .filter(|a| a.outcome.is_failure())
        .all(|a| a.order_seed.is_some());
    (failed > 1
        && kept > 0
        && all_shuffled
        && crate::analysis::beyond_chance(shuffled, counted.len() as u64, failed))
    .then(|| {
        format!(
            "All {failed} failing attempts were shuffled ones ({failed} of {shuffled}; none of the {kept} that kept the order): the suite depends on its test order, though no single test failed often enough to be called order-dependent; a test leaves state behind that breaks whichever runs next."
        )
    })
}

/// "2 tests never ran (skipped in every attempt).", when some did not.
pub(super) fn skipped_note(report: &Report) -> Option<String> {
    let n = report.tests.iter().filter(|t| t.runs == 0).count();
    (n > 0).then(|| {
        format!(
            "{n} {} never ran (skipped in every attempt).",
            plural(n as u64, "test", "tests")
        )
    })
}

/// Attempts that failed though none of their tests did: what the exit status measured is not
/// the tests.
pub(super) fn outside_tests_note(report: &Report) -> Option<String> {
    let n = report.totals.failed_outside_tests;
    (n > 0).then(|| {
        format!(
            "{n} of {} exited non-zero though none of {} tests failed: the command fails outside its tests (a coverage threshold such as `c8 --100`, a lint or type-check step, an error after the tests); the rates above are the tests'.",
            super::counted(report.totals.attempts, "attempt", "attempts"),
            if n == 1 { "its" } else { "their" }
        )
    })
}

/// The last line of the terminal report, as a sentence.
pub(super) fn verdict(report: &Report) -> String {
    if report.state == RunState::NoResults {
        return "nothing was measured".to_owned();
    }
    if let Some(ci) = &report.ci {
        return super::ci::verdict_text(report, ci);
    }
    match report.fail_on {
        None => "`--fail-on none`, so flakiness does not change the exit status".to_owned(),
        Some(f) => match report.failing_tests() {
            0 => format!("no test at or above {f}"),
            1 => format!("1 test at or above {f}"),
            n => format!("{n} tests at or above {f}"),
        },
    }
}

/// "30.0%", or "–" for a test that never ran.
pub(super) fn rate_text(t: &TestStats) -> String {
    if t.runs == 0 {
        "–".to_owned()
    } else {
        percent(t.failure_rate)
    }
}

/// "18.1%–45.4%", or "< 8.8% at 95%" for a test that never failed.
pub(super) fn ci_text(t: &TestStats) -> String {
    if t.runs == 0 {
        "not run".to_owned()
    } else if t.failed == 0 {
        format!("< {} at 95%", percent(t.ci_high))
    } else {
        format!("{}–{}", percent(t.ci_low), percent(t.ci_high))
    }
}

/// "and 2 other ways" of failing.
pub(super) fn other_ways(n: usize) -> String {
    format!("and {n} other {}", plural(n as u64, "way", "ways"))
}

pub(super) fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

pub(super) fn time_text(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

pub(super) fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The first non-empty line of `text`, control characters made visible (U+FFFD) or spaces, cut
/// to `max` characters with an ellipsis.
pub(super) fn one_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let more = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .nth(1)
        .is_some();
    let mut out: String = line
        .chars()
        .take(max)
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect();
    if line.chars().count() > max || more {
        out.push('…');
    }
    out
}

/// Multi-line text with control characters other than newlines and tabs made visible.
pub(super) fn clean_block(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\r')
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() || super::is_bidi_control(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Markdown escaping.

/// Inline text that renders exactly as written: Markdown punctuation backslash-escaped (`\|`
/// keeps a table cell whole), `<`, `>` and `&` as entities so nothing becomes HTML.
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // An entity: `@user` and `@org/team` in a test name must not notify anyone.
            '@' => out.push_str("&#64;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c if super::is_bidi_control(c) => out.push_str(&super::bidi_shown(c)),
            c => out.push(c),
        }
    }
    out
}

/// Text whose `quoted` parts (as flaky's own messages quote code) become code spans, and the
/// rest plain Markdown text; an unpaired backtick stays a literal one.
pub(super) fn md_with_code(text: &str) -> String {
    super::split_code(text)
        .map(|(code, part)| if code { code_span(part) } else { md_text(part) })
        .collect()
}

/// A code span that holds any text (see [`super::quote_code`]), control characters as spaces.
pub(super) fn code_span(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| {
            if c.is_control() || super::is_bidi_control(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    if text.is_empty() {
        return "` `".to_owned();
    }
    super::quote_code(&text)
}

/// Text for inside a code span we write ourselves around it: no backticks, no control characters.
pub(super) fn code_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '`' || c.is_control() || super::is_bidi_control(c) {
                '\''
            } else {
                c
            }
        })
        .collect()
}

/// A fenced block whose fence is longer than any backtick run inside.
pub(super) fn code_block(lang: &str, text: &str) -> String {
    let text = clean_block(text);
    let fence = "`".repeat((super::longest_run(&text, '`') + 1).max(3));
    format!("{fence}{lang}\n{}\n{fence}\n", text.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_keep_tables_and_html_intact() {
        assert_eq!(md_text("a|b"), "a\\|b");
        assert_eq!(
            md_text("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(md_text("x & *y*_z_"), "x &amp; \\*y\\*\\_z\\_");
        assert_eq!(md_text("a\u{1}b\nc"), "a\u{FFFD}b c");
    }

    #[test]
    fn code_spans_and_blocks_outgrow_the_backticks_inside() {
        assert_eq!(code_span("plain"), "`plain`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x``"), "``` `x`` ```");
        assert_eq!(code_block("sh", "echo ```"), "````sh\necho ```\n````\n");
        assert_eq!(code_block("sh", "echo hi\n"), "```sh\necho hi\n```\n");
    }

    #[test]
    fn quoted_code_becomes_code_spans_and_the_rest_inert_text() {
        let message = format!(
            "{} makes a request <script>alert(1)</script> | *x*",
            crate::render::quote_code("fetch(`/u/${id}`)")
        );
        assert_eq!(
            md_with_code(&message),
            "``fetch(`/u/${id}`)`` makes a request &lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*"
        );
        // Markup and line breaks inside code stay in the one span, on one line.
        let message = format!(
            "{} reads it",
            crate::render::quote_code("`<img src=x>|\n# h`")
        );
        assert_eq!(md_with_code(&message), "`` `<img src=x>| # h` `` reads it");
        // A backtick nothing closes is a literal one, not the start of a span.
        assert_eq!(md_with_code("`a` and ` b"), "`a` and \\` b");
    }

    #[test]
    fn one_line_cuts_and_marks() {
        assert_eq!(one_line("  first\nsecond", 10), "first…");
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(one_line("a\u{7}b", 10), "a\u{FFFD}b");
    }
}
