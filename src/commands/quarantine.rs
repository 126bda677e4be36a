//! `flaky quarantine list|add|remove|suggest`: the quarantine of `.flaky.yml`. `add` and `remove`
//! edit the config file in place, keeping every other line and comment as it was.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context as _, anyhow, bail};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::analysis::TestStats;
use crate::cli::{
    FormatArg, GlobalArgs, QuarantineAddArgs, QuarantineCommand, QuarantineFile,
    QuarantineListArgs, QuarantineRemoveArgs, QuarantineSuggestArgs,
};
use crate::config::{CONFIG_NAMES, LoadedConfig, display_command};
use crate::exit::ExitStatus;
use crate::quarantine::{self, Date, Entry, Quarantine};
use crate::render::{SCHEMA_VERSION, percent, terminal_text};
use crate::reporter::Printer;
use crate::storage::{History, RunFilter};

/// How long `add` quarantines a test without `--until`.
const DEFAULT_DAYS: i64 = 30;

pub fn quarantine(
    command: &QuarantineCommand,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    match command {
        QuarantineCommand::List(args) => list(args, printer),
        QuarantineCommand::Add(args) => add(args, global, printer),
        QuarantineCommand::Remove(args) => remove(args, printer),
        QuarantineCommand::Suggest(args) => suggest(args, global, printer),
    }
}

/// The project directory and the `--config` file the subcommands work on.
struct Place {
    dir: PathBuf,
    config: Option<PathBuf>,
}

impl Place {
    /// The project the quarantine belongs to: the git repository its directory is in, else the
    /// directory.
    fn project(&self) -> PathBuf {
        crate::vcs::project_root(&self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone()))
    }

    fn of(file: &QuarantineFile) -> anyhow::Result<Self> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let dir = match &file.dir {
            Some(d) => {
                let d = cwd.join(d);
                if !d.is_dir() {
                    bail!(
                        "-C/--dir {}: not a directory; hint: give the project directory whose .flaky.yml holds the quarantine",
                        d.display()
                    );
                }
                d
            }
            None => cwd.clone(),
        };
        Ok(Self {
            dir,
            config: file.config.as_ref().map(|c| cwd.join(c)),
        })
    }

    fn load(&self) -> anyhow::Result<LoadedConfig> {
        Ok(LoadedConfig::find(self.config.as_deref(), &self.dir)?)
    }
}

/// A `flaky quarantine` command line, with the `-C`/`--config` the user gave, quoted for a shell.
fn command_line(words: &[&str], file: &QuarantineFile) -> String {
    let mut argv: Vec<String> = ["flaky", "quarantine"]
        .iter()
        .chain(words)
        .map(|w| (*w).to_owned())
        .collect();
    if let Some(d) = &file.dir {
        argv.extend(["-C".to_owned(), d.to_string_lossy().into_owned()]);
    }
    if let Some(c) = &file.config {
        argv.extend(["--config".to_owned(), c.to_string_lossy().into_owned()]);
    }
    display_command(&argv)
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// `FILE:LINE` of an entry.
fn place_of(file: Option<&Path>, entry: &Entry) -> String {
    let file = file.map_or_else(|| CONFIG_NAMES[0].to_owned(), shown);
    match entry.line {
        Some(line) => format!("{file}:{line}"),
        None => file,
    }
}

/// What an expired entry is told with: where it is, when it ended, and the way out.
pub(super) fn expired_error(
    quarantine: &Quarantine,
    e: &Entry,
    today: Date,
    file: &QuarantineFile,
) -> String {
    let ago = e.days_left(today).unwrap_or_default().unsigned_abs();
    format!(
        "{}: the quarantine of `{}` ended on {} ({}); hint: fix the test and take it out ({}), or extend its `until`",
        place_of(quarantine.file.as_deref(), e),
        e.test,
        e.until.map(|d| d.to_string()).unwrap_or_default(),
        crate::render::counted(ago, "day ago", "days ago"),
        command_line(&["remove", &e.test], file),
    )
}

fn list(args: &QuarantineListArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let place = Place::of(&args.file)?;
    let quarantine = Quarantine::of(&place.load()?)?;
    let today = Date::today();
    let mut buf = Vec::new();
    if args.format == FormatArg::Json {
        #[derive(Serialize)]
        struct Row<'a> {
            test: &'a str,
            reason: &'a str,
            owner: Option<&'a str>,
            until: Option<String>,
            days_left: Option<i64>,
            expired: bool,
            line: Option<u64>,
        }
        let rows: Vec<Row> = quarantine
            .entries
            .iter()
            .map(|e| Row {
                test: &e.test,
                reason: &e.reason,
                owner: e.owner.as_deref(),
                until: e.until.map(|d| d.to_string()),
                days_left: e.days_left(today),
                expired: e.expired(today),
                line: e.line,
            })
            .collect();
        write_json(
            &mut buf,
            &serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "file": quarantine.file,
                "today": today.to_string(),
                "entries": rows,
            }),
        )?;
    } else if quarantine.entries.is_empty() {
        match &quarantine.file {
            Some(f) => writeln!(
                buf,
                "nothing is quarantined: {} has no `quarantine:` entries",
                shown(f)
            )?,
            None => writeln!(
                buf,
                "nothing is quarantined: no config file applies to {}",
                shown(&place.dir)
            )?,
        }
    } else {
        let mut table = new_table(&["TEST", "REASON", "OWNER", "UNTIL", "DAYS LEFT"], printer);
        for e in &quarantine.entries {
            let left = match e.days_left(today) {
                None => "-".to_owned(),
                Some(n) if n < 0 => "expired".to_owned(),
                Some(n) => n.to_string(),
            };
            let mut left = Cell::new(left).set_alignment(CellAlignment::Right);
            if e.expired(today) {
                left = left.fg(comfy_table::Color::Red);
            }
            table.add_row(vec![
                Cell::new(terminal_text(&e.test)),
                Cell::new(terminal_text(&e.reason)),
                Cell::new(terminal_text(e.owner.as_deref().unwrap_or("-"))),
                Cell::new(e.until.map_or_else(|| "-".to_owned(), |d| d.to_string())),
                left,
            ]);
        }
        writeln!(buf, "{table}")?;
        writeln!(
            buf,
            "{} in {}",
            crate::render::counted(quarantine.entries.len() as u64, "entry", "entries"),
            quarantine.file.as_deref().map_or_else(String::new, shown)
        )?;
    }
    super::print(&buf)?;
    let expired = quarantine.expired(today);
    for e in &expired {
        printer.error(&expired_error(&quarantine, e, today, &args.file));
    }
    Ok(if expired.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}

fn new_table(header: &[&str], printer: &Printer) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    if printer.color_stdout {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

/// The last day of `--until`: a date, or whole days or weeks from `today`.
fn until_date(text: &str, today: Date) -> anyhow::Result<Date> {
    let hint = "give a date (2027-01-31) or a time from today in days or weeks (30d, 2w; a bare number is days)";
    let date = if text.contains('-') {
        text.parse::<Date>()
            .map_err(|e| anyhow!("--until: {e}; hint: {hint}"))?
    } else {
        let duration = crate::config::parse_duration(text, crate::config::BareNumber::Days)
            .map_err(|e| anyhow!("--until `{text}`: {e}; hint: {hint}"))?;
        let secs = duration.as_secs();
        if secs == 0 || secs % 86_400 != 0 || duration.subsec_nanos() != 0 {
            bail!("--until `{text}` is not a whole number of days; hint: {hint}");
        }
        today
            .plus_days((secs / 86_400) as i64)
            .ok_or_else(|| anyhow!("--until `{text}` is past the year 9999; hint: {hint}"))?
    };
    if date < today {
        bail!(
            "--until {date} is in the past, so the entry would have expired already; hint: {hint}"
        );
    }
    Ok(date)
}

fn add(
    args: &QuarantineAddArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let place = Place::of(&args.file)?;
    let today = Date::today();
    let until = match &args.until {
        Some(text) => until_date(text, today)?,
        None => today
            .plus_days(DEFAULT_DAYS)
            .context("today is too close to the year 9999")?,
    };
    for (what, value, hint) in [
        (
            "TEST",
            Some(&args.test),
            "give the test id, or a glob of ids",
        ),
        (
            "--reason",
            Some(&args.reason),
            "say why it is quarantined (an issue link, say)",
        ),
        ("--owner", args.owner.as_ref(), "name who fixes it"),
    ] {
        if value.is_some_and(|v| v.trim().is_empty()) {
            bail!("{what} is empty; hint: {hint}");
        }
    }
    // A --config file that does not exist yet is created, like .flaky.yml in the directory.
    let loaded = match &place.config {
        Some(c) if !c.exists() => LoadedConfig {
            path: Some(c.clone()),
            ..LoadedConfig::default()
        },
        _ => place.load()?,
    };
    let path = loaded
        .path
        .clone()
        .unwrap_or_else(|| place.dir.join(CONFIG_NAMES[0]));
    let existed = path.exists();
    let before = Quarantine::of(&loaded)?.entries;
    if let Some(e) = before.iter().find(|e| e.test == args.test) {
        bail!(
            "`{}` is already quarantined ({}, until {}); hint: to change it, take it out first: {}",
            args.test,
            place_of(Some(&path), e),
            e.until
                .map_or_else(|| "it is removed".to_owned(), |d| d.to_string()),
            command_line(&["remove", &args.test], &args.file)
        );
    }
    let entry = Entry::new(
        args.test.clone(),
        args.reason.clone(),
        args.owner.clone(),
        Some(until),
        None,
    )?;
    let text = quarantine::add_to(&loaded.text, &entry)
        .with_context(|| format!("cannot add the entry to {}", shown(&path)))?;
    let original = existed.then_some(loaded.text.as_str());
    let after = write_checked(&path, original, &text, |entries| {
        entries.len() == before.len() + 1
            && entries.iter().any(|e| e.same_as(&entry))
            && before.iter().all(|b| entries.iter().any(|e| e.same_as(b)))
    })?;
    let line = after
        .iter()
        .find(|e| e.same_as(&entry))
        .map_or_else(|| shown(&path), |e| place_of(Some(&path), e));
    printer.note(&format!(
        "quarantined `{}` until {until} ({line})",
        args.test
    ));
    warn_if_failing(global, &entry, &place.project(), printer);
    Ok(ExitStatus::Success)
}

/// Writes `text` to the config file `path` (which held `original`, or did not exist), after
/// checking it reads back with entries that pass `check`; then reads the file back as `flaky ci`
/// would and checks again. A file that does not hold is put back as it was.
fn write_checked(
    path: &Path,
    original: Option<&str>,
    text: &str,
    check: impl Fn(&[Entry]) -> bool,
) -> anyhow::Result<Vec<Entry>> {
    let holds = |loaded: Result<LoadedConfig, crate::config::ConfigError>| {
        loaded
            .and_then(|l| l.quarantine())
            .map_err(|e| e.to_string())
            .and_then(|entries| {
                if check(&entries) {
                    Ok(entries)
                } else {
                    Err("the entries read back are not the ones meant".to_owned())
                }
            })
    };
    if let Err(e) = holds(LoadedConfig::from_text(path.to_path_buf(), text.to_owned())) {
        bail!(
            "{} is left as it was: the edited file would not read back right ({e}); this is a bug in flaky, hint: edit the file by hand, and report the bug with it",
            shown(path)
        );
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", shown(path)))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    match holds(LoadedConfig::find(Some(path), dir)) {
        Ok(entries) => Ok(entries),
        Err(e) => {
            let restored = match original {
                Some(o) => std::fs::write(path, o),
                None => std::fs::remove_file(path),
            };
            let restored = match restored {
                Ok(()) => "it was put back as it was".to_owned(),
                Err(r) => format!("and it could not be put back: {r}"),
            };
            bail!(
                "{} did not read back right after the edit ({e}); {restored}",
                shown(path)
            )
        }
    }
}

/// A test that failed every attempt it ran: broken, not flaky.
fn always_fails(t: &TestStats) -> bool {
    t.failed > 0 && t.passed == 0
}

/// A test that both failed and passed: flaky, order-dependent, contention, or timing out
/// sometimes.
fn fails_sometimes(t: &TestStats) -> bool {
    t.failed > 0 && t.passed > 0
}

/// Warns when the project's latest stored run measured a test the entry covers failing every
/// attempt: quarantining a broken test hides a real failure. The user's choice stands. Another
/// project's runs say nothing of this one's tests.
fn warn_if_failing(global: &GlobalArgs, entry: &Entry, project: &Path, printer: &Printer) {
    let Ok(path) = super::db_path(global) else {
        return;
    };
    if !path.exists() {
        return;
    }
    let latest = |h: &History| match h.latest_run_under(project)? {
        Some(id) => h.report_json(Some(&id)).map(Some),
        None => Ok(None),
    };
    let Ok(Some(json)) = History::open_for_reading(&path).and_then(|h| latest(&h)) else {
        return;
    };
    let Ok(report) = crate::render::read_json(&json) else {
        return;
    };
    let broken: Vec<String> = report
        .tests
        .iter()
        .filter(|t| always_fails(t) && entry.matches(&t.id))
        .map(|t| format!("`{}`", t.id))
        .collect();
    if !broken.is_empty() {
        printer.warn(&format!(
            "{} failed every attempt of the project's latest stored run ({}): a test that always fails is broken, not flaky, and the quarantine hides its failures from `flaky ci`; hint: fix it rather than quarantine it",
            broken.join(", "),
            report.run_id
        ));
    }
}

fn remove(args: &QuarantineRemoveArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let place = Place::of(&args.file)?;
    let loaded = place.load()?;
    let Some(path) = loaded.path.clone() else {
        bail!(
            "`{}` is not quarantined: no config file applies to {}; hint: `flaky quarantine list` shows the quarantine",
            args.test,
            shown(&place.dir)
        );
    };
    let before = Quarantine::of(&loaded)?.entries;
    let Some(entry) = before.iter().find(|e| e.test == args.test) else {
        let covering: Vec<String> = before
            .iter()
            .filter(|e| e.matches(&args.test))
            .map(|e| format!("`{}` ({})", e.test, place_of(Some(&path), e)))
            .collect();
        let hint = if !covering.is_empty() {
            format!(
                "it is covered by {}: take that entry out to take the test out",
                covering.join(", ")
            )
        } else if before.is_empty() {
            "the file has no `quarantine:` entries".to_owned()
        } else {
            format!(
                "give the `test` of an entry exactly as written: {}",
                before
                    .iter()
                    .map(|e| format!("`{}`", e.test))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        bail!(
            "`{}` is not an entry of the quarantine in {}; hint: {hint}",
            args.test,
            shown(&path)
        );
    };
    let line = entry
        .line
        .ok_or_else(|| anyhow!("the entry of `{}` has no line", args.test))?;
    let text = quarantine::remove_from(&loaded.text, line)
        .with_context(|| format!("cannot take the entry out of {}", shown(&path)))?;
    if text.trim().is_empty() {
        // Nothing but the quarantine was in it (as when `add` created it): the file goes too.
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", shown(&path)))?;
        printer.note(&format!(
            "took `{}` out of the quarantine; {} held nothing else and is removed",
            args.test,
            shown(&path)
        ));
        return Ok(ExitStatus::Success);
    }
    write_checked(&path, Some(&loaded.text), &text, |entries| {
        entries.len() + 1 == before.len()
            && before
                .iter()
                .filter(|b| b.test != args.test)
                .all(|b| entries.iter().any(|e| e.same_as(b)))
    })?;
    printer.note(&format!(
        "took `{}` out of the quarantine ({})",
        args.test,
        shown(&path)
    ));
    Ok(ExitStatus::Success)
}

/// What `suggest` found in the history.
#[derive(Debug, Serialize)]
struct Found {
    schema_version: u32,
    /// Worst first.
    suggestions: Vec<Suggestion>,
    /// Tests whose latest run with failures had them fail every attempt: broken, not flaky.
    failing: Vec<String>,
    /// Flaky tests an entry covers already.
    quarantined: Vec<String>,
}

/// A test the history measured flaky, proposed for the quarantine.
#[derive(Debug, Serialize)]
struct Suggestion {
    test: String,
    /// Over every selected run it was measured in.
    failure_rate: f64,
    failed: u64,
    attempts: u64,
    runs: u64,
    /// Runs in which it both failed and passed.
    flaky_runs: u64,
    /// The kinds those runs gave it.
    kinds: Vec<&'static str>,
    /// The `flaky quarantine add` line that quarantines it.
    command: String,
}

/// What the history's runs said of one test that failed in them.
#[derive(Debug, Default)]
struct Measured {
    flaky_runs: u64,
    kinds: Vec<&'static str>,
    /// Whether the newest run in which it failed had it fail every attempt.
    broken_now: Option<bool>,
}

fn suggest(
    args: &QuarantineSuggestArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let place = Place::of(&args.file)?;
    let quarantine = Quarantine::of(&place.load()?)?;
    let mut found = Found {
        schema_version: SCHEMA_VERSION,
        suggestions: Vec::new(),
        failing: Vec::new(),
        quarantined: Vec::new(),
    };
    let path = super::db_path(global)?;
    let mut buf = Vec::new();
    if !path.exists() {
        if args.format == FormatArg::Json {
            write_json(&mut buf, &found)?;
        } else {
            writeln!(
                buf,
                "nothing to suggest: no history yet ({} does not exist); hint: `flaky run` measures the tests and stores the runs there",
                shown(&path)
            )?;
        }
        super::print(&buf)?;
        return Ok(ExitStatus::Success);
    }
    let mut history = History::open_for_reading(&path)?;
    super::tidy(&mut history, printer);
    let filter = RunFilter {
        // The project's own runs: another project's tests do not belong in its quarantine.
        under: Some(place.project()),
        since_ms: args.since.map(|d| {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |n| n.as_millis() as i64);
            now - d.as_millis() as i64
        }),
        ..RunFilter::default()
    };
    let (totals, _) = history.test_totals(&filter, u32::MAX)?;
    let measured = measure(&history, &filter, printer)?;
    let mut seen = std::collections::HashSet::new();
    for total in totals {
        // One id run in two directories of the project is one quarantine entry (the worst first).
        let (Some(m), true) = (measured.get(&total.id), seen.insert(total.id.clone())) else {
            continue;
        };
        if m.broken_now == Some(true) {
            found.failing.push(total.id);
        } else if m.flaky_runs == 0 {
            continue;
        } else if quarantine.entries.iter().any(|e| e.matches(&total.id)) {
            found.quarantined.push(total.id);
        } else {
            let rate = total.failed as f64 / total.attempts.max(1) as f64;
            let reason = format!(
                "flaky: failed {} of {} attempts ({})",
                total.failed,
                total.attempts,
                percent(rate)
            );
            found.suggestions.push(Suggestion {
                command: command_line(&["add", &total.id, "--reason", &reason], &args.file),
                test: total.id,
                failure_rate: rate,
                failed: total.failed,
                attempts: total.attempts,
                runs: total.runs_seen,
                flaky_runs: m.flaky_runs,
                kinds: m.kinds.clone(),
            });
        }
    }
    found.suggestions.sort_by(|a, b| {
        b.failure_rate
            .total_cmp(&a.failure_rate)
            .then(b.failed.cmp(&a.failed))
            .then_with(|| a.test.cmp(&b.test))
    });
    if args.format == FormatArg::Json {
        write_json(&mut buf, &found)?;
    } else {
        suggestions_text(&found, printer, &mut buf)?;
    }
    super::print(&buf)?;
    let expired = quarantine.expired(Date::today()).len();
    if expired > 0 {
        printer.warn(&format!(
            "{} of the quarantine expired; hint: {}",
            crate::render::counted(expired as u64, "entry", "entries"),
            command_line(&["list"], &args.file)
        ));
    }
    Ok(ExitStatus::Success)
}

fn suggestions_text(found: &Found, printer: &Printer, buf: &mut Vec<u8>) -> std::io::Result<()> {
    if found.suggestions.is_empty() {
        writeln!(
            buf,
            "nothing to suggest: no test that is not quarantined yet was measured flaky in the selected runs"
        )?;
    } else {
        let mut table = new_table(&["TEST", "RATE", "FAILED", "FLAKY RUNS", "KIND"], printer);
        let right = |v: String| Cell::new(v).set_alignment(CellAlignment::Right);
        for s in &found.suggestions {
            table.add_row(vec![
                Cell::new(terminal_text(&s.test)),
                right(percent(s.failure_rate)),
                right(format!("{}/{}", s.failed, s.attempts)),
                right(format!("{}/{}", s.flaky_runs, s.runs)),
                Cell::new(s.kinds.join(", ")),
            ]);
        }
        writeln!(buf, "{table}")?;
        writeln!(buf, "\nTo quarantine them:")?;
        for s in &found.suggestions {
            writeln!(buf, "  {}", s.command)?;
        }
    }
    let names = |ids: &[String]| {
        terminal_text(
            &ids.iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    };
    if !found.failing.is_empty() {
        writeln!(
            buf,
            "\nNot proposed, they failed every attempt of their latest run (broken, not flaky: fix them): {}",
            names(&found.failing)
        )?;
    }
    if !found.quarantined.is_empty() {
        writeln!(buf, "\nAlready quarantined: {}", names(&found.quarantined))?;
    }
    Ok(())
}

fn write_json(buf: &mut Vec<u8>, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *buf, value)?;
    writeln!(buf)?;
    Ok(())
}

/// Per test, what the stored reports of the selected runs with failures measured. Runs whose
/// report cannot be read (cut off before it was stored) are left out, with a note, and so is the
/// command of a run without per-test results.
fn measure(
    history: &History,
    filter: &RunFilter,
    printer: &Printer,
) -> anyhow::Result<BTreeMap<String, Measured>> {
    let mut measured: BTreeMap<String, Measured> = BTreeMap::new();
    let mut unreadable = 0_u64;
    // Newest first, so the first run seen failing a test is its latest.
    for run in history.list_runs(filter, u32::MAX)? {
        if run.flaky_tests == 0 {
            continue;
        }
        let report = history
            .report_json(Some(&run.run_id))
            .map_err(|e| e.to_string())
            .and_then(|json| crate::render::read_json(&json));
        let Ok(report) = report else {
            unreadable += 1;
            continue;
        };
        // Without per-test results the command was the one test: the whole suite, which a
        // quarantine must not hide.
        let whole = crate::config::command_line(&report.command, report.shell);
        for t in report
            .tests
            .iter()
            .filter(|t| t.failed > 0 && t.id != whole)
        {
            let m = measured.entry(t.id.clone()).or_default();
            m.broken_now.get_or_insert(always_fails(t));
            if fails_sometimes(t) {
                m.flaky_runs += 1;
                if !m.kinds.contains(&t.kind.as_str()) {
                    m.kinds.push(t.kind.as_str());
                }
            }
        }
    }
    if unreadable > 0 {
        printer.note(&format!(
            "{} with failures have no readable stored report and are left out",
            crate::render::counted(unreadable, "run", "runs")
        ));
    }
    Ok(measured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_is_a_date_or_whole_days_from_today() {
        let today: Date = "2027-01-01".parse().unwrap();
        let until = |t: &str| until_date(t, today).map(|d| d.to_string());
        assert_eq!(until("2027-01-31").unwrap(), "2027-01-31");
        assert_eq!(until("2027-01-01").unwrap(), "2027-01-01");
        assert_eq!(until("30d").unwrap(), "2027-01-31");
        assert_eq!(until("2w").unwrap(), "2027-01-15");
        assert_eq!(until("30").unwrap(), "2027-01-31", "a bare number is days");
        for (bad, says) in [
            ("2026-12-31", "in the past"),
            ("2027-02-30", "February 2027 has 28 days"),
            ("12h", "whole number of days"),
            ("0d", "longer than zero"),
            ("soon", "--until `soon`"),
        ] {
            let e = until(bad).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains("hint:"), "{bad}: {e}");
        }
    }

    #[test]
    fn command_lines_are_quoted_for_a_shell() {
        let file = QuarantineFile {
            dir: Some(PathBuf::from("my project")),
            config: None,
        };
        assert_eq!(
            command_line(&["remove", "tests/a.py::t[1]"], &file),
            "flaky quarantine remove 'tests/a.py::t[1]' -C 'my project'"
        );
    }
}
