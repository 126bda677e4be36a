//! The Discord message: the JSON body of Discord's execute-webhook call (`content`, `embeds`,
//! `allowed_mentions`, `username`), with the verdict, the run, the `flaky ci` verdicts, the worst
//! tests and the changes since they were last stable. Kept inside Discord's limits whatever the
//! report holds, and it mentions nobody, whatever the tests print.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::markdown::{
    MESSAGE_CHARS, NAME_CHARS, attempts_text, ci_text, code_safe, commit_text, framework_text,
    headline, non_stable, one_line, other_ways, outside_tests_note, plural, retry_note, shard_note,
    short_sha, skipped_note, stable_note, state_note, suite_order_note, verdict, verdict_note,
};
use super::{Changes, CiSummary, Context, Report, ci, percent};
use crate::analysis::{Severity, TestStats};

/// Discord's limits on one message (Execute Webhook, Embed Limits). Discord counts characters;
/// flaky counts UTF-16 code units, never fewer, so the limits hold either way.
const CONTENT_CHARS: usize = 2000;
const MAX_EMBEDS: usize = 10;
const TITLE_CHARS: usize = 256;
const DESCRIPTION_CHARS: usize = 4096;
const MAX_FIELDS: usize = 25;
const FIELD_NAME_CHARS: usize = 256;
const FIELD_VALUE_CHARS: usize = 1024;
const FOOTER_CHARS: usize = 2048;
/// All the embeds' text together: titles, descriptions, field names and values, footers.
const EMBED_TOTAL: usize = 6000;

/// The room the run's notes and warnings may take, so that most of the total is left for the
/// verdicts and the tests after them.
const NOTES_CHARS: usize = 1500;
/// `flaky ci` verdicts listed, one line each, and the room they may take.
const CI_TESTS: usize = 15;
const CI_CHARS: usize = 2000;
/// Tests shown, one field each.
const WORST_TESTS: usize = 10;
const COMMITS: usize = 5;

/// The HTML report's palette, as Discord wants colours: one integer.
const fn color(worst: Option<Severity>) -> u32 {
    match worst {
        Some(Severity::Critical) => 0xae3ec9,
        Some(Severity::High) => 0xe03131,
        Some(Severity::Medium) => 0xf59f00,
        Some(Severity::Low) => 0x1c7ed6,
        Some(Severity::None) => 0x2f9e44,
        None => 0x868e96,
    }
}

/// Writes the message as pretty JSON, the body `--post discord` sends.
pub fn render_discord(report: &Report, ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let (worst, text) = headline(report);
    let title = match worst {
        Some(w) => format!("{} flaky: {text}", w.symbol()),
        None => format!("flaky: {text}"),
    };
    let color = color(worst);
    let mut budget = Budget(EMBED_TOTAL);
    let mut embeds = vec![run_embed(report, &mut budget)];
    if let Some(ci) = &report.ci {
        embeds.push(ci_embed(report, ci, &mut budget));
    }
    embeds.extend(tests_embed(report, &mut budget));
    if let Some(changes) = &ctx.changes {
        embeds.extend(changes_embed(changes, &mut budget));
    }
    // The counts above keep far below the limit; this holds it whatever changes later.
    embeds.truncate(MAX_EMBEDS);
    for embed in &mut embeds {
        embed.insert("color".to_owned(), json!(color));
    }

    let mut content = vec![format!("**{}**", escape(&title))];
    if let Some(commit) = commit_text(report) {
        content.push(format!(
            "{} · {}",
            code(&report.test_label(), 200),
            escape(&one_line(&commit, 200))
        ));
    } else {
        content.push(code(&report.test_label(), 200));
    }
    content.push(format!("**verdict:** {}", with_code(&verdict(report))));
    let message = json!({
        "username": "flaky",
        "content": cut(&content.join("\n"), CONTENT_CHARS),
        "embeds": embeds,
        // Test output may hold `@everyone`, `<@id>` or `<@&role>`: nobody is pinged.
        "allowed_mentions": {"parse": []},
    });
    serde_json::to_writer_pretty(&mut *out, &message)?;
    writeln!(out)
}

/// The run: what ran where, its attempts, and every note a reader needs to trust the rates. The
/// headline is the message's content, so the title names the run.
fn run_embed(report: &Report, budget: &mut Budget) -> Map<String, Value> {
    let mut embed = Map::new();
    let title = format!("Run {}", escape(&one_line(&report.run_id, 100)));
    embed.insert("title".to_owned(), json!(budget.take(&title, TITLE_CHARS)));
    let warnings = [state_note(report), shard_note(report), retry_note(report)]
        .into_iter()
        .flatten()
        .map(|note| format!("⚠ **{}**", with_code(&note)));
    let notes = [
        suite_order_note(report),
        stable_note(report),
        skipped_note(report),
        outside_tests_note(report),
        report
            .tests
            .is_empty()
            .then(|| "No test result was recorded.".to_owned()),
    ]
    .into_iter()
    .flatten()
    .map(|note| with_code(&note));
    let lines: Vec<String> = warnings.chain(notes).collect();
    let description = fit_lines(&lines, lines.len(), budget.room(NOTES_CHARS), |n| {
        format!("… and {n} more {}", plural(n as u64, "note", "notes"))
    });
    if !description.is_empty() {
        embed.insert(
            "description".to_owned(),
            json!(budget.take(&description, DESCRIPTION_CHARS)),
        );
    }
    let mut fields = vec![("Command", code(&report.test_label(), 300), false)];
    if let Some(commit) = commit_text(report) {
        fields.push(("Commit", escape(&one_line(&commit, 200)), true));
    }
    fields.extend([
        (
            "Attempts",
            format!("{} of {}", report.totals.attempts, report.runs),
            true,
        ),
        ("Results", escape(&attempts_text(report)), false),
        ("Framework", escape(&framework_text(report)), true),
        ("Seed", code(&report.seed.to_string(), 30), true),
    ]);
    let fields: Vec<Value> = fields
        .into_iter()
        .filter_map(|(name, value, inline)| budget.field(name, &value, inline))
        .collect();
    embed.insert("fields".to_owned(), Value::Array(fields));
    embed.insert(
        "timestamp".to_owned(),
        json!(humantime::format_rfc3339_seconds(report.started_at).to_string()),
    );
    embed
}

/// The `flaky ci` verdict of each test that failed its first run, real failures first, with
/// what its reruns showed.
fn ci_embed(report: &Report, ci: &CiSummary, budget: &mut Budget) -> Map<String, Value> {
    let mut embed = Map::new();
    embed.insert(
        "title".to_owned(),
        json!(budget.take("flaky ci verdicts", TITLE_CHARS)),
    );
    let lines: Vec<String> = ci
        .verdicts
        .iter()
        .take(CI_TESTS)
        .map(|v| {
            format!(
                "**{}** {}: {}",
                ci::label(v),
                code(&v.test, NAME_CHARS),
                with_code(&one_line(&ci::evidence(v, report), MESSAGE_CHARS))
            )
        })
        .collect();
    let description = if ci.verdicts.is_empty() {
        "Every test passed the first run.".to_owned()
    } else {
        fit_lines(&lines, ci.verdicts.len(), budget.room(CI_CHARS), |n| {
            format!("… and {n} more")
        })
    };
    embed.insert(
        "description".to_owned(),
        json!(budget.take(&description, DESCRIPTION_CHARS)),
    );
    embed.insert(
        "footer".to_owned(),
        json!({"text": budget.take(&ci::rerun_text(ci), FOOTER_CHARS)}),
    );
    embed
}

/// The worst tests, one field each, while they fit; the footer says how many were left out.
fn tests_embed(report: &Report, budget: &mut Budget) -> Option<Map<String, Value>> {
    let bad: Vec<&TestStats> = non_stable(report).collect();
    if bad.is_empty() {
        return None;
    }
    let mut embed = Map::new();
    embed.insert(
        "title".to_owned(),
        json!(budget.take("Worst tests", TITLE_CHARS)),
    );
    // Room for the footer that says how many are left out.
    let reserve = 60;
    let mut fields = Vec::new();
    for t in bad.iter().take(WORST_TESTS.min(MAX_FIELDS)) {
        let name = format!(
            "{} {} · {}",
            t.severity.symbol(),
            t.severity.label(),
            t.kind
        );
        let value = test_value(report, t);
        if units(&name) + units(&value).min(FIELD_VALUE_CHARS) + reserve > budget.0 {
            break;
        }
        fields.extend(budget.field(&name, &value, false));
    }
    let left = bad.len() - fields.len();
    embed.insert("fields".to_owned(), Value::Array(fields));
    if left > 0 {
        let more = format!(
            "… and {left} more failing or flaky {}",
            plural(left as u64, "test", "tests")
        );
        embed.insert(
            "footer".to_owned(),
            json!({"text": budget.take(&more, FOOTER_CHARS)}),
        );
    }
    Some(embed)
}

/// One test: its id, rate and interval, what its verdict asks, why it fails, and how.
fn test_value(report: &Report, t: &TestStats) -> String {
    let mut s = format!(
        "{}\nfailed {} of {} runs: {} (95% CI {})",
        code(&t.id, NAME_CHARS),
        t.failed,
        t.runs,
        percent(t.failure_rate),
        ci_text(t)
    );
    if let Some(note) = verdict_note(t) {
        s.push_str(&format!("\n{}", escape(&note)));
    }
    if let Some(d) = report.diagnosis(&t.id) {
        s.push_str(&format!(
            "\n**why:** {}{}",
            with_code(&one_line(&d.summary, MESSAGE_CHARS)),
            if d.proven { "" } else { " (not proven)" }
        ));
    }
    if let Some(sig) = t.signatures.first() {
        s.push_str(&format!(
            "\n> {}× {}",
            sig.count,
            code(&sig.example, MESSAGE_CHARS)
        ));
        if t.signatures.len() > 1 {
            s.push_str(&format!(" ({})", other_ways(t.signatures.len() - 1)));
        }
    }
    s
}

/// The commits since the failing tests were last stable, and who made them.
fn changes_embed(changes: &Changes, budget: &mut Budget) -> Option<Map<String, Value>> {
    if budget.0 < 200 {
        return None;
    }
    let mut embed = Map::new();
    embed.insert(
        "title".to_owned(),
        json!(budget.take("Possibly related changes", TITLE_CHARS)),
    );
    let n = changes.commits.len();
    let description = if n == 0 {
        format!(
            "No commit since run {}, the last in which the failing tests were stable.",
            code(&changes.stable_run, 100)
        )
    } else {
        let mut people: Vec<String> = Vec::new();
        for c in &changes.commits {
            let who = escape(&one_line(&c.author, 100));
            if !people.contains(&who) {
                people.push(who);
            }
        }
        let mut lines = vec![format!(
            "{n} {} since {} (run {}), by {}",
            plural(n as u64, "commit", "commits"),
            code(short_sha(&changes.stable_commit), 40),
            code(&changes.stable_run, 100),
            people.join(", ")
        )];
        lines.extend(changes.commits.iter().take(COMMITS).map(|c| {
            format!(
                "• {} {}: {}",
                code(short_sha(&c.sha), 40),
                escape(&one_line(&c.author, 100)),
                escape(&one_line(&c.summary, 200))
            )
        }));
        if n > COMMITS {
            lines.push(format!("• … and {} older commits", n - COMMITS));
        }
        fit_lines(&lines, lines.len(), budget.room(DESCRIPTION_CHARS), |k| {
            format!("… and {k} more lines")
        })
    };
    embed.insert(
        "description".to_owned(),
        json!(budget.take(&description, DESCRIPTION_CHARS)),
    );
    Some(embed)
}

/// What is left of [`EMBED_TOTAL`] as the embeds are filled, most important first.
struct Budget(usize);

impl Budget {
    /// `text` cut to `max` and to what is left; what it takes is counted.
    fn take(&mut self, text: &str, max: usize) -> String {
        let text = cut(text, self.room(max));
        self.0 -= units(&text);
        text
    }

    /// The most a text limited to `max` may take now.
    fn room(&self, max: usize) -> usize {
        max.min(self.0)
    }

    /// A field, when its name and some of its value fit (Discord rejects an empty one).
    fn field(&mut self, name: &str, value: &str, inline: bool) -> Option<Value> {
        let name_units = units(name).min(FIELD_NAME_CHARS);
        if name.is_empty() || value.is_empty() || name_units + 20 > self.0 {
            return None;
        }
        let name = self.take(name, FIELD_NAME_CHARS);
        let value = self.take(value, FIELD_VALUE_CHARS);
        Some(json!({"name": name, "value": value, "inline": inline}))
    }
}

/// Whole lines while they fit in `max` units, then one line saying how many of the `total`
/// items (the lines and any not given) were left out. A first line too long for the room is cut
/// rather than left out.
fn fit_lines(lines: &[String], total: usize, max: usize, more: impl Fn(usize) -> String) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for line in lines {
        let left_after = total - shown - 1;
        let reserve = if left_after > 0 {
            units(&more(left_after)) + 1
        } else {
            0
        };
        let sep = usize::from(!out.is_empty());
        let room = max.saturating_sub(units(&out) + sep + reserve);
        if units(line) > room {
            if shown == 0 && room > 0 {
                out.push_str(&cut(line, room));
                shown += 1;
            }
            break;
        }
        if sep == 1 {
            out.push('\n');
        }
        out.push_str(line);
        shown += 1;
    }
    if shown < total {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&more(total - shown));
    }
    cut(&out, max)
}

/// How Discord's limits are counted here: UTF-16 code units, never fewer than characters.
fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// At most `max` units, cut at a character boundary, with an ellipsis when cut. A code span the
/// cut would leave open is closed: the rest of the message would read its unescaped text as
/// markup.
fn cut(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    // Room for the ellipsis and a closing backtick.
    for c in text.chars() {
        if used + c.len_utf16() + 2 > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    if ends_in_code(&out) {
        out.push('`');
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// Whether `text` ends inside a code span: a backtick opens or closes one, except an escaped
/// one outside code (inside, a backslash is just a backslash).
fn ends_in_code(text: &str) -> bool {
    let mut in_code = false;
    let mut escaped = false;
    for c in text.chars() {
        if c == '`' && !escaped {
            in_code = !in_code;
        }
        escaped = c == '\\' && !escaped && !in_code;
    }
    in_code
}

/// Text that shows as written in Discord's markdown: its markup characters backslash-escaped
/// (no bold, strike, spoiler, code, link, mention, emoji or timestamp), a heading, list or quote
/// marker at its start too; bidirectional controls shown as `\u{202e}`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let body = text.trim_start();
    out.push_str(&text[..text.len() - body.len()]);
    let mut chars = body.chars().peekable();
    // A line that starts with `#`, `-`, `>` or `1.` would be a heading, list or quote.
    if let Some(&c) = chars.peek()
        && matches!(c, '#' | '-' | '>' | '+')
    {
        out.push('\\');
    }
    let digits = body.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in chars.enumerate() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '<' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '.' if i == digits && digits > 0 => out.push_str("\\."),
            c if super::is_bidi_control(c) => out.push_str(&super::bidi_shown(c)),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Inline code of the first line of `text`, cut to `max` characters: no backtick can end it.
fn code(text: &str, max: usize) -> String {
    let text = code_safe(&one_line(text, max));
    if text.trim().is_empty() {
        "` `".to_owned()
    } else {
        format!("`{text}`")
    }
}

/// flaky's own text, whose `quoted` parts become code and the rest escaped text.
fn with_code(text: &str) -> String {
    super::split_code(text)
        .map(|(is_code, part)| {
            if is_code {
                code(part, part.chars().count())
            } else {
                escape(part)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_line_starts() {
        assert_eq!(
            escape("a*b_c~d`e|f<@1>[x](y)"),
            r"a\*b\_c\~d\`e\|f\<@1>\[x\](y)"
        );
        assert_eq!(escape("# head"), r"\# head");
        assert_eq!(escape("- item"), r"\- item");
        assert_eq!(escape("> quote"), r"\> quote");
        assert_eq!(escape("12. item"), r"12\. item");
        assert_eq!(escape("a - b. c"), "a - b. c");
        assert_eq!(escape("x\u{202e}y\u{1}"), "x\\u{202e}y\u{FFFD}");
    }

    #[test]
    fn code_spans_hold_any_text() {
        assert_eq!(code("a`b", 10), "`a'b`");
        assert_eq!(code("", 10), "` `");
        assert_eq!(code("first\nsecond", 50), "`first…`");
    }

    #[test]
    fn cuts_count_utf16_units_at_char_boundaries() {
        assert_eq!(cut("abcdef", 5), "abc…");
        assert_eq!(cut("abc", 3), "abc");
        // 😀 is two UTF-16 units: it is never split, and never counted as one.
        assert_eq!(cut("😀😀😀", 5), "😀…");
        assert_eq!(cut("a😀😀😀", 6), "a😀…");
        assert!(units(&cut("😀😀😀", 4)) <= 4);
        assert_eq!(cut("abc", 0), "");
        // A code span the cut opens is closed; an escaped backtick opens none.
        assert_eq!(cut("see `<@1> [x](y)`", 10), "see `<@1`…");
        assert_eq!(cut(r"a \` <@1> [x](y)", 10), r"a \` <@1…");
        assert_eq!(cut(r"`C:\` and more text", 10), r"`C:\` an…");
    }

    #[test]
    fn lines_fit_whole_and_say_how_many_were_left_out() {
        let lines: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
        let text = fit_lines(&lines, 10, 30, |n| format!("+{n}"));
        assert_eq!(text, "line 0\nline 1\nline 2\nline 3\n+6");
        assert_eq!(
            fit_lines(&lines[..2], 2, 30, |n| format!("+{n}")),
            "line 0\nline 1"
        );
        // A first line too long is cut, not left out.
        let long = ["x".repeat(100), "y".to_owned()];
        assert_eq!(
            fit_lines(&long, 2, 20, |n| format!("+{n}")),
            format!("{}…\n+1", "x".repeat(15))
        );
        // Items beyond the lines given count as left out.
        assert_eq!(
            fit_lines(&lines[..2], 5, 30, |n| format!("+{n}")),
            "line 0\nline 1\n+3"
        );
    }
}
