//! The Slack message: a Block Kit document (`{"text", "blocks"}`) for an incoming webhook, with
//! the worst tests, how each failed, and mentions of the authors of the changes since the tests
//! were last stable. Kept inside Block Kit's limits whatever the report holds.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::markdown::{
    attempts_text, ci_text, commit_text, framework_text, headline, non_stable, one_line,
    other_ways, outside_tests_note, plural, retry_note, shard_note, short_sha, skipped_note,
    stable_note, state_note, suite_order_note, verdict, verdict_note,
};
use super::{Changes, Context, Report, ci, percent};

/// Block Kit's limits: blocks per message, characters in a header and in a section's text.
const MAX_BLOCKS: usize = 50;
const HEADER_CHARS: usize = 150;
const SECTION_CHARS: usize = 3000;
const FIELD_CHARS: usize = 2000;
/// Tests shown, one section each.
const WORST_TESTS: usize = 10;
const COMMITS: usize = 5;

pub fn render_slack(report: &Report, ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let (worst, text) = headline(report);
    let title = match worst {
        Some(w) => format!("{} flaky: {text}", w.symbol()),
        None => format!("flaky: {text}"),
    };
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": cut(&title, HEADER_CHARS), "emoji": true},
    })];
    for note in [state_note(report), shard_note(report), retry_note(report)]
        .into_iter()
        .flatten()
    {
        blocks.push(section(&format!(":warning: *{}*", escape(&note))));
    }
    let mut fields = vec![
        field("Command", &code(&one_line(&report.test_label(), 500))),
        field(
            "Attempts",
            &format!("{} of {}", report.totals.attempts, report.runs),
        ),
        field("Results", &escape(&attempts_text(report))),
        field("Framework", &escape(&framework_text(report))),
        field("Seed", &code(&report.seed.to_string())),
        field("Run", &code(&report.run_id)),
    ];
    if let Some(commit) = commit_text(report) {
        fields.push(field("Commit", &escape(&commit)));
    }
    blocks.push(json!({"type": "section", "fields": fields}));
    if let Some(ci) = report.ci.as_ref().filter(|ci| !ci.verdicts.is_empty()) {
        let mut text = "*flaky ci verdicts*".to_owned();
        for (i, v) in ci.verdicts.iter().enumerate() {
            let line = format!(
                "\n*{}* {} {}",
                ci::label(v),
                code(&one_line(&v.test, 300)),
                escape(&one_line(&ci::evidence(v, report), 600))
            );
            // Whole lines only, with room for the count of those left out.
            if text.chars().count() + line.chars().count() > SECTION_CHARS - 60 {
                text.push_str(&format!("\n… and {} more", ci.verdicts.len() - i));
                break;
            }
            text.push_str(&line);
        }
        blocks.push(section(&text));
        blocks.push(context(&[escape(&ci::rerun_text(ci))]));
    }

    let bad: Vec<_> = non_stable(report).collect();
    if !bad.is_empty() {
        blocks.push(json!({"type": "divider"}));
    }
    for t in bad.iter().take(WORST_TESTS) {
        let mut s = format!(
            "*{} {}* {}\n{}, failed {} of {} runs: {} (95% CI {})",
            t.severity.symbol(),
            t.severity.label(),
            code(&one_line(&t.id, 300)),
            t.kind,
            t.failed,
            t.runs,
            percent(t.failure_rate),
            ci_text(t)
        );
        if let Some(note) = verdict_note(t) {
            s.push_str(&format!("\n{note}"));
        }
        if let Some(d) = report.diagnosis(&t.id) {
            s.push_str(&format!(
                "\n*why:* {}{}",
                escape(&one_line(&d.summary, 300)),
                if d.proven { "" } else { " (not proven)" }
            ));
        }
        if let Some(sig) = t.signatures.first() {
            s.push_str(&format!(
                "\n>{}× {}",
                sig.count,
                code(&one_line(&sig.example, 300))
            ));
            if t.signatures.len() > 1 {
                s.push_str(&format!(" ({})", other_ways(t.signatures.len() - 1)));
            }
        }
        blocks.push(section(&s));
    }
    let mut notes = Vec::new();
    if bad.len() > WORST_TESTS {
        notes.push(format!(
            "… and {} more failing or flaky tests",
            bad.len() - WORST_TESTS
        ));
    }
    if let Some(note) = suite_order_note(report) {
        notes.push(escape(&note));
    }
    if let Some(note) = stable_note(report) {
        notes.push(escape(&note));
    }
    if let Some(note) = skipped_note(report) {
        notes.push(escape(&note));
    }
    if let Some(note) = outside_tests_note(report) {
        notes.push(escape(&note));
    }
    if report.tests.is_empty() {
        notes.push("No test result was recorded.".to_owned());
    }
    if !notes.is_empty() {
        blocks.push(context(&notes));
    }
    if let Some(changes) = &ctx.changes {
        blocks.push(section(&changes_text(changes)));
    }
    blocks.push(section(&format!("*verdict:* {}", escape(&verdict(report)))));
    blocks.push(context(&[format!(
        "run {} · seed {} · {}",
        code(&report.run_id),
        report.seed,
        humantime::format_rfc3339_seconds(report.started_at)
    )]));
    // The counts above keep far below the limit; this holds it whatever changes later.
    blocks.truncate(MAX_BLOCKS);

    // What notifications and clients without Block Kit show.
    let fallback = format!(
        "flaky: {text}; {} {} of {}, run {}",
        report.totals.attempts,
        plural(report.totals.attempts, "attempt", "attempts"),
        one_line(&report.test_label(), 200),
        report.run_id
    );
    let message = json!({"text": escape(&fallback), "blocks": blocks});
    serde_json::to_writer_pretty(&mut *out, &message)?;
    writeln!(out)
}

/// "Possibly related changes by <@U1>, <@U2>": authors with a Slack id are mentioned, the others
/// named; then the newest commits.
fn changes_text(changes: &Changes) -> String {
    if changes.commits.is_empty() {
        return format!(
            "No commit since run {}, the last in which the failing tests were stable.",
            code(&changes.stable_run)
        );
    }
    let mut people: Vec<String> = Vec::new();
    for c in &changes.commits {
        let who = match c.slack_id.as_deref().filter(|id| is_slack_id(id)) {
            Some(id) => format!("<@{id}>"),
            None => escape(&one_line(&c.author, 100)),
        };
        if !people.contains(&who) {
            people.push(who);
        }
    }
    let n = changes.commits.len();
    let mut s = format!(
        "*Possibly related changes* by {}: {n} {} since {} (run {})",
        people.join(", "),
        plural(n as u64, "commit", "commits"),
        code(short_sha(&changes.stable_commit)),
        code(&changes.stable_run)
    );
    for c in changes.commits.iter().take(COMMITS) {
        s.push_str(&format!(
            "\n• {} {}: {}",
            code(short_sha(&c.sha)),
            escape(&one_line(&c.author, 100)),
            escape(&one_line(&c.summary, 200))
        ));
    }
    if n > COMMITS {
        s.push_str(&format!("\n• … and {} older commits", n - COMMITS));
    }
    s
}

/// A Slack member id (`U024BE7LH`): anything else is not put inside `<@…>`, where it could turn
/// into `<!channel>` or a link.
fn is_slack_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_CHARS)}})
}

fn field(label: &str, value: &str) -> Value {
    json!({"type": "mrkdwn", "text": cut(&format!("*{label}*\n{value}"), FIELD_CHARS)})
}

fn context(texts: &[String]) -> Value {
    let elements: Vec<Value> = texts
        .iter()
        .take(10)
        .map(|t| json!({"type": "mrkdwn", "text": cut(t, FIELD_CHARS)}))
        .collect();
    json!({"type": "context", "elements": elements})
}

/// At most `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// mrkdwn text: the three characters Slack wants as entities.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if super::is_bidi_control(c) => out.push_str(&super::bidi_shown(c)),
            c => out.push(c),
        }
    }
    out
}

/// Inline code. mrkdwn has no way to put a backtick inside code, so one becomes `ˋ` (U+02CB).
fn code(text: &str) -> String {
    format!("`{}`", escape(&text.replace('`', "ˋ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_code() {
        assert_eq!(escape("a & <b>"), "a &amp; &lt;b&gt;");
        assert_eq!(code("x`<y>"), "`xˋ&lt;y&gt;`");
        assert!(is_slack_id("U024BE7LH"));
        assert!(!is_slack_id("!channel"));
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
