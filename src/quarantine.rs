//! The quarantine: known flaky tests listed under `quarantine:` in `.flaky.yml`, each with a
//! reason and an optional end date. A quarantined test still runs and is still recorded; only
//! its effect on `flaky ci`'s exit status is removed. Also the edits `flaky quarantine add` and
//! `remove` make to the file's text, which keep every other byte of it.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::SystemTime;

use globset::{GlobBuilder, GlobMatcher};

use crate::config::{ConfigError, LoadedConfig};
use crate::render::QuarantineNote;

/// A day of the Gregorian calendar (UTC), from year 1 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // In this order, so the derived order is the calendar's.
    year: i32,
    month: u8,
    day: u8,
}

/// Text that is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DateError(String);

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Date {
    /// The date, if the calendar has it.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Self, DateError> {
        if !(1..=9999).contains(&year) {
            return Err(DateError(format!("the year {year} is not from 1 to 9999")));
        }
        let Some(name) = month.checked_sub(1).and_then(|m| MONTHS.get(m as usize)) else {
            return Err(DateError(format!("there is no month {month}")));
        };
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days).contains(&day) {
            let year = if month == 2 {
                format!(" {year}")
            } else {
                String::new()
            };
            return Err(DateError(format!("{name}{year} has {days} days")));
        }
        Ok(Self {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Self {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_days(secs.div_euclid(86_400) as i64).unwrap_or(Self {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil: years start in March, so the leap day ends them.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01, if it is in years 1 to 9999.
    pub fn from_days(days: i64) -> Option<Self> {
        // Hinnant's civil_from_days, the inverse of [`Date::days`].
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Self::new(i32::try_from(year).ok()?, month as u32, day as u32).ok()
    }

    /// The date `days` later (earlier when negative), if it is in years 1 to 9999.
    pub fn plus_days(self, days: i64) -> Option<Self> {
        Self::from_days(self.days().checked_add(days)?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// `YYYY-MM-DD`, exactly.
    fn from_str(s: &str) -> Result<Self, DateError> {
        let number = |part: &str, digits: usize| {
            (part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let mut parts = s.split('-');
        let (Some(y), Some(m), Some(d), None) = (
            parts.next().and_then(|p| number(p, 4)),
            parts.next().and_then(|p| number(p, 2)),
            parts.next().and_then(|p| number(p, 2)),
            parts.next(),
        ) else {
            return Err(DateError(format!("`{s}` is not a date written YYYY-MM-DD")));
        };
        Self::new(y as i32, m, d).map_err(|e| DateError(format!("`{s}` is not a date: {e}")))
    }
}

/// One quarantined test id, or glob of ids.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The test id or glob as written; [`Entry::new`] compiles the glob from it.
    pub test: String,
    /// Why it is quarantined (an issue link, say).
    pub reason: String,
    /// Who fixes it.
    pub owner: Option<String>,
    /// The last day it holds (UTC); none: until it is removed.
    pub until: Option<Date>,
    /// Its line in the config file.
    pub line: Option<u64>,
    /// None when `test` is not a valid glob: an exact id only.
    glob: Option<GlobMatcher>,
}

/// A `test` with a `*` that is not a valid glob.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "`{test}` is not a valid glob: {why}; hint: fix the glob, or to match that id exactly as written, write `{literal}` (a glob character between [ ] is itself)"
)]
pub struct PatternError {
    test: String,
    why: String,
    literal: String,
}

impl Entry {
    /// An entry whose `test` is an exact id or a glob: `*` and `?` within a part (between `/`),
    /// `**` across parts, `[...]` classes, `{a,b}`. A `test` that is not a valid glob is an
    /// exact id only (pytest's `test_x[param-1]` has a class that runs backwards, `m-1`), unless
    /// it has a `*`: that one was meant as a glob, and is an error.
    pub fn new(
        test: String,
        reason: String,
        owner: Option<String>,
        until: Option<Date>,
        line: Option<u64>,
    ) -> Result<Self, PatternError> {
        let glob = match GlobBuilder::new(&test).literal_separator(true).build() {
            Ok(glob) => Some(glob.compile_matcher()),
            Err(e) if test.contains('*') => {
                return Err(PatternError {
                    why: e.kind().to_string(),
                    literal: globset::escape(&test),
                    test,
                });
            }
            Err(_) => None,
        };
        Ok(Self {
            test,
            reason,
            owner,
            until,
            line,
            glob,
        })
    }

    /// Whether it names `test_id`: the id exactly as written (`test_x[1]` is an id, not only a
    /// class of characters), or an id its glob matches.
    pub fn matches(&self, test_id: &str) -> bool {
        self.test == test_id || self.glob.as_ref().is_some_and(|g| g.is_match(test_id))
    }

    /// Whether its last day is before `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.until.is_some_and(|until| until < today)
    }

    /// Days from `today` to its last day: 0 on the last day, negative once expired.
    pub fn days_left(&self, today: Date) -> Option<i64> {
        self.until.map(|until| until.days() - today.days())
    }

    /// What a report says of the entry that covered a test.
    pub fn note(&self) -> QuarantineNote {
        QuarantineNote {
            pattern: self.test.clone(),
            reason: self.reason.clone(),
            owner: self.owner.clone(),
            until: self.until.map(|d| d.to_string()),
        }
    }

    /// Whether two entries say the same (their lines aside).
    pub fn same_as(&self, other: &Self) -> bool {
        (&self.test, &self.reason, &self.owner, self.until)
            == (&other.test, &other.reason, &other.owner, other.until)
    }
}

/// The quarantine of one config file.
#[derive(Debug, Clone, Default)]
pub struct Quarantine {
    /// The config file it was read from; none when there is no config file.
    pub file: Option<PathBuf>,
    /// In the file's order.
    pub entries: Vec<Entry>,
}

impl Quarantine {
    /// The quarantine of the config file `flaky run`/`flaky ci` would read in `dir` (or
    /// `config` when given).
    pub fn load(dir: &Path, config: Option<&Path>) -> Result<Self, ConfigError> {
        Self::of(&LoadedConfig::find(config, dir)?)
    }

    /// The quarantine of a loaded config file.
    pub fn of(loaded: &LoadedConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            file: loaded.path.clone(),
            entries: loaded.quarantine()?,
        })
    }

    /// The entry that covers `test_id` on `today` (expired entries never cover).
    pub fn covering(&self, test_id: &str, today: Date) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| !e.expired(today) && e.matches(test_id))
    }

    /// Entries whose `until` is before `today`.
    pub fn expired(&self, today: Date) -> Vec<&Entry> {
        self.entries.iter().filter(|e| e.expired(today)).collect()
    }
}

/// A config file whose `quarantine:` flaky cannot edit in place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EditError(String);

/// `text` with `entry` appended to its `quarantine:` list (the list added at the end when there
/// is none); every other byte is kept.
pub fn add_to(text: &str, entry: &Entry) -> Result<String, EditError> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let eol = if lines.first().is_some_and(|l| l.ends_with("\r\n")) {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = String::with_capacity(text.len() + 200);
    let Some(block) = Block::find(&lines)? else {
        out.push_str(text);
        if !text.is_empty() && !text.ends_with('\n') {
            out.push_str(eol);
        }
        out.push_str("quarantine:");
        out.push_str(eol);
        out.push_str(&entry_text(entry, 2, 4, eol));
        return Ok(out);
    };
    // After the last entry, else right under the key.
    let at = block.items.last().map_or(block.key + 1, |item| item.end);
    for (i, line) in lines.iter().enumerate() {
        if i == at {
            out.push_str(&entry_text(entry, block.dash, block.keys, eol));
        }
        if i == block.key && block.empty_flow {
            // `quarantine: []` (or null) becomes a block list; a comment on the line stays.
            out.push_str("quarantine:");
            if let Some(comment) = comment_of(line) {
                out.push(' ');
                out.push_str(comment);
            }
            out.push_str(eol);
        } else {
            out.push_str(line);
            if i + 1 == at && !line.ends_with('\n') {
                out.push_str(eol);
            }
        }
    }
    if at == lines.len() {
        out.push_str(&entry_text(entry, block.dash, block.keys, eol));
    }
    Ok(out)
}

/// `text` without the `quarantine:` entry on 1-based `line` and the comment lines right above
/// it; the `quarantine:` key goes too when nothing else is left under it. Every other byte is
/// kept.
pub fn remove_from(text: &str, line: u64) -> Result<String, EditError> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let index = usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX);
    let not_found = || {
        EditError(format!(
            "no `quarantine:` entry starts on line {line}; hint: take the entry out by hand"
        ))
    };
    let block = Block::find(&lines)?.ok_or_else(not_found)?;
    let item = block
        .items
        .iter()
        .find(|item| item.contains(&index))
        .ok_or_else(not_found)?;
    let mut start = item.start;
    while start > block.key + 1
        && is_comment(lines[start - 1])
        && indent(lines[start - 1]) == block.dash
    {
        start -= 1;
    }
    let removed = start..item.end;
    // Blank lines and comments at the top level belong to no entry; anything else left under
    // the key (a comment) keeps it.
    let key_goes = block.items.len() == 1
        && comment_of(lines[block.key]).is_none()
        && (block.key + 1..block.stop)
            .filter(|i| !removed.contains(i))
            .all(|i| lines[i].trim().is_empty() || indent(lines[i]) == 0);
    Ok(lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !(removed.contains(i) || key_goes && *i == block.key))
        .map(|(_, l)| *l)
        .collect())
}

/// Where the `quarantine:` block list is in a config file's lines (0-based indexes).
#[derive(Debug)]
struct Block {
    /// The `quarantine:` line.
    key: usize,
    /// Written `quarantine: []` or `quarantine:` with a null value on the line.
    empty_flow: bool,
    /// The first line after the block: the next top-level key, or the end of the file.
    stop: usize,
    /// Each entry's lines, from its `-` to its last line that is not blank or a comment.
    items: Vec<Range<usize>>,
    /// The column of the entries' `-`, and of their keys.
    dash: usize,
    keys: usize,
}

impl Block {
    fn find(lines: &[&str]) -> Result<Option<Self>, EditError> {
        let Some((key, value)) = lines
            .iter()
            .enumerate()
            .find_map(|(i, l)| quarantine_value(l).map(|v| (i, v)))
        else {
            return Ok(None);
        };
        let not_a_list = || {
            EditError(format!(
                "`quarantine:` on line {} is not written as a list of `- test: ...` entries, which flaky edits; hint: write each entry on its own lines under `quarantine:`, starting with `- test:`",
                key + 1
            ))
        };
        let empty_flow = match value {
            "" => false,
            "[]" | "~" | "null" | "Null" | "NULL" => true,
            _ => return Err(not_a_list()),
        };
        let mut block = Self {
            key,
            empty_flow,
            stop: lines.len(),
            items: Vec::new(),
            dash: 2,
            keys: 4,
        };
        let mut dash = None;
        for (i, line) in lines.iter().enumerate().skip(key + 1) {
            if is_blank_or_comment(line) {
                continue;
            }
            let column = indent(line);
            let starts_item = is_item(line, column);
            let ends = match dash {
                _ if empty_flow => true,
                None => column == 0 && !starts_item,
                Some(d) => column < d || column == d && !starts_item,
            };
            if ends {
                block.stop = i;
                break;
            }
            if dash.is_none() {
                if !starts_item {
                    return Err(not_a_list());
                }
                dash = Some(column);
                block.dash = column;
                block.keys = keys_column(lines, i, column);
            }
            if dash == Some(column) && starts_item {
                block.items.push(i..i + 1);
            } else if let Some(item) = block.items.last_mut() {
                item.end = i + 1;
            }
        }
        Ok(Some(block))
    }
}

/// The value written after a top-level `quarantine:` key, without its comment.
fn quarantine_value(line: &str) -> Option<&str> {
    let rest = ["quarantine", "\"quarantine\"", "'quarantine'"]
        .iter()
        .find_map(|key| line.strip_prefix(key))?;
    let rest = rest.trim_start_matches(' ').strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])) {
        return None;
    }
    let value = rest.split(" #").next().unwrap_or(rest).trim();
    Some(if value.starts_with('#') { "" } else { value })
}

/// The `# comment` at the end of a line, if it has one.
fn comment_of(line: &str) -> Option<&str> {
    let line = line.trim_end();
    line.find(" #").map(|i| &line[i + 1..])
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

fn is_blank_or_comment(line: &str) -> bool {
    line.trim().is_empty() || is_comment(line)
}

/// Whether the line starts a list entry (`- ...`) at `column`.
fn is_item(line: &str, column: usize) -> bool {
    line.get(column..)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\r', '\n']))
}

/// The column of an entry's keys: after `- ` on its first line, or the next line's indent.
fn keys_column(lines: &[&str], item: usize, dash: usize) -> usize {
    let after = &lines[item][dash + 1..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    match after.trim() {
        "" => lines
            .get(item + 1)
            .map_or(dash + 2, |l| indent(l))
            .max(dash + 2),
        t if t.starts_with('{') => dash + 2,
        _ => dash + 1 + spaces,
    }
}

/// An entry as YAML lines: `-` at `dash`, its keys at `keys`.
fn entry_text(entry: &Entry, dash: usize, keys: usize, eol: &str) -> String {
    let pad = " ".repeat(keys);
    let mut out = format!(
        "{}-{}test: {}{eol}",
        " ".repeat(dash),
        " ".repeat(keys - dash - 1),
        yaml_string(&entry.test)
    );
    out.push_str(&format!("{pad}reason: {}{eol}", yaml_string(&entry.reason)));
    if let Some(owner) = &entry.owner {
        out.push_str(&format!("{pad}owner: {}{eol}", yaml_string(owner)));
    }
    if let Some(until) = entry.until {
        out.push_str(&format!("{pad}until: {until}{eol}"));
    }
    out
}

/// A YAML double-quoted string: whatever the text holds (`:`, `#`, quotes, a leading `*` or
/// `@`, control characters), it reads back as itself.
pub fn yaml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control()
                || crate::render::is_bidi_control(c)
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn entry(test: &str, until: Option<&str>) -> Entry {
        Entry::new(test.into(), "why".into(), None, until.map(date), Some(1)).unwrap()
    }

    #[test]
    fn dates_read_and_print_as_yyyy_mm_dd() {
        for s in [
            "2027-01-31",
            "2024-02-29",
            "2000-02-29",
            "0001-01-01",
            "9999-12-31",
        ] {
            assert_eq!(date(s).to_string(), s);
        }
        assert!(date("2027-01-31") < date("2027-02-01"));
        assert!(date("2026-12-31") < date("2027-01-01"));
    }

    #[test]
    fn impossible_dates_say_why() {
        let err = |s: &str| s.parse::<Date>().unwrap_err().to_string();
        assert_eq!(
            err("2027-02-30"),
            "`2027-02-30` is not a date: February 2027 has 28 days"
        );
        assert_eq!(
            err("2023-02-29"),
            "`2023-02-29` is not a date: February 2023 has 28 days"
        );
        assert_eq!(
            err("1900-02-29"),
            "`1900-02-29` is not a date: February 1900 has 28 days"
        );
        assert_eq!(
            err("2027-04-31"),
            "`2027-04-31` is not a date: April has 30 days"
        );
        assert_eq!(
            err("2027-13-01"),
            "`2027-13-01` is not a date: there is no month 13"
        );
        assert!(err("2027-00-10").contains("no month 0"));
        assert!(err("2027-01-00").contains("January has 31 days"));
        for bad in [
            "",
            "2027-1-31",
            "27-01-31",
            "2027/01/31",
            "2027-01-31T00",
            "+027-01-31",
            "2027-01-31-",
        ] {
            assert!(err(bad).contains("YYYY-MM-DD"), "{bad}");
        }
    }

    #[test]
    fn days_count_from_1970_and_back() {
        assert_eq!(date("1970-01-01").days(), 0);
        assert_eq!(date("1970-01-02").days(), 1);
        assert_eq!(date("1969-12-31").days(), -1);
        assert_eq!(date("2000-03-01").days(), 11_017);
        assert_eq!(date("2024-02-29").plus_days(1), Some(date("2024-03-01")));
        assert_eq!(date("2023-02-28").plus_days(1), Some(date("2023-03-01")));
        assert_eq!(date("2026-12-31").plus_days(1), Some(date("2027-01-01")));
        assert_eq!(date("2027-01-01").plus_days(30), Some(date("2027-01-31")));
        assert_eq!(date("9999-12-31").plus_days(1), None);
        // Every day of four centuries goes there and back.
        let start = date("1900-01-01").days();
        for days in start..start + 146_097 {
            let d = Date::from_days(days).unwrap();
            assert_eq!(d.days(), days);
            assert_eq!(d.to_string().parse::<Date>().unwrap(), d);
        }
        assert!(Date::today() > date("2024-01-01"));
    }

    #[test]
    fn an_exact_id_matches_itself_even_with_glob_characters() {
        for id in [
            "tests/test_a.py::test_x[param-1]",
            "tests/test_a.py::test_x[a?b*]",
            "pkg/sub::TestFoo/sub_case",
            "suite > nested > it works",
            "suite {a,b} > it",
        ] {
            assert!(entry(id, None).matches(id), "{id}");
        }
        // `[param-1]` is not a valid glob (`m-1` runs backwards): the id only.
        let e = entry("tests/test_a.py::test_x[param-1]", None);
        assert!(!e.matches("tests/test_a.py::test_x[param-2]"));
        assert!(!e.matches("tests/test_a.py::test_xp"));
        // `[ab]` is also a class, which matches ids that are `a` or `b` there.
        let e = entry("tests/test_a.py::test_x[ab]", None);
        assert!(e.matches("tests/test_a.py::test_xa"));
        assert!(!e.matches("tests/test_a.py::test_x[ac]"));
    }

    #[test]
    fn globs_match_within_a_part_and_across_with_two_stars() {
        let e = entry("tests/test_api.py::*", None);
        assert!(e.matches("tests/test_api.py::test_login"));
        assert!(e.matches("tests/test_api.py::TestX::test_y[1]"));
        assert!(!e.matches("tests/test_db.py::test_login"));
        let e = entry("tests/*", None);
        assert!(e.matches("tests/test_a.py::t"));
        assert!(!e.matches("tests/legacy/test_a.py::t"));
        let e = entry("tests/**", None);
        assert!(e.matches("tests/legacy/test_a.py::t"));
        let e = entry("pkg/sub::TestFoo/*", None);
        assert!(e.matches("pkg/sub::TestFoo/sub_case"));
        assert!(!e.matches("pkg/sub::TestBar/sub_case"));
        let e = entry("suite > nested > it ?orks", None);
        assert!(e.matches("suite > nested > it works"));
        let e = entry("tests/test_a.py::test_x[[]param-1]", None);
        assert!(e.matches("tests/test_a.py::test_x[param-1]"));
    }

    #[test]
    fn an_invalid_glob_says_how_to_match_the_id_exactly() {
        let e = Entry::new("tests/*::t[1".into(), "r".into(), None, None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`tests/*::t[1` is not a valid glob"), "{e}");
        assert!(e.contains("write `tests/[*]::t[[]1`"), "{e}");
        // Without a `*`, it is an exact id.
        let e = entry("suite > handles [ right", None);
        assert!(e.matches("suite > handles [ right"));
        assert!(!e.matches("suite > handles [ wrong"));
    }

    #[test]
    fn until_holds_on_its_day_and_expires_the_next() {
        let q = Quarantine {
            file: None,
            entries: vec![
                entry("tests/a.py::t", Some("2027-01-31")),
                entry("tests/b.py::*", None),
            ],
        };
        let on = date("2027-01-31");
        let after = date("2027-02-01");
        assert_eq!(
            q.covering("tests/a.py::t", on).map(|e| e.test.as_str()),
            Some("tests/a.py::t")
        );
        assert!(q.covering("tests/a.py::t", after).is_none());
        assert!(q.expired(on).is_empty());
        assert_eq!(q.expired(after).len(), 1);
        assert_eq!(q.entries[0].days_left(on), Some(0));
        assert_eq!(q.entries[0].days_left(after), Some(-1));
        // No end date: it holds until removed.
        assert!(q.covering("tests/b.py::x", date("9999-12-31")).is_some());
        assert!(q.covering("tests/c.py::x", on).is_none());
    }

    #[test]
    fn the_first_entry_that_holds_covers() {
        let q = Quarantine {
            file: None,
            entries: vec![
                entry("tests/*", Some("2020-01-01")),
                entry("tests/a.py::t", None),
            ],
        };
        let covering = q.covering("tests/a.py::t", date("2027-01-01")).unwrap();
        assert_eq!(covering.test, "tests/a.py::t");
        let note = covering.note();
        assert_eq!((note.pattern.as_str(), note.until), ("tests/a.py::t", None));
    }

    fn full(test: &str) -> Entry {
        Entry::new(
            test.into(),
            "races the cache, #123".into(),
            Some("@ana".into()),
            Some(date("2027-01-31")),
            None,
        )
        .unwrap()
    }

    /// The entries a text's `quarantine:` holds, as parsed by the config loader.
    fn parsed(text: &str) -> Vec<Entry> {
        LoadedConfig::from_text(PathBuf::from(".flaky.yml"), text.to_owned())
            .and_then(|l| l.quarantine())
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn adding_keeps_every_other_byte() {
        let text = "# flaky settings\nruns: 50   # enough\n\nquarantine:\n  # the cache races\n  - test: a\n    reason: \"x\"   # see #1\n\n# the end\nenv:\n  A: '1'\n";
        let out = add_to(text, &full("b")).unwrap();
        assert_eq!(
            out,
            "# flaky settings\nruns: 50   # enough\n\nquarantine:\n  # the cache races\n  - test: a\n    reason: \"x\"   # see #1\n  - test: \"b\"\n    reason: \"races the cache, #123\"\n    owner: \"@ana\"\n    until: 2027-01-31\n\n# the end\nenv:\n  A: '1'\n"
        );
        let entries = parsed(&out);
        assert_eq!(entries.len(), 2);
        assert!(entries[1].same_as(&full("b")));
    }

    #[test]
    fn adding_follows_the_indentation_of_the_list() {
        let text = "quarantine:\n- test: a\n  reason: x\nruns: 5";
        let out = add_to(text, &full("b")).unwrap();
        assert!(
            out.starts_with("quarantine:\n- test: a\n  reason: x\n- test: \"b\"\n  reason: "),
            "{out}"
        );
        assert!(out.ends_with("until: 2027-01-31\nruns: 5"), "{out}");
        assert_eq!(parsed(&out).len(), 2);
        let text = "quarantine:\n    -   test: a\n        reason: x\n";
        let out = add_to(text, &full("b")).unwrap();
        assert!(out.ends_with("    -   test: \"b\"\n        reason: \"races the cache, #123\"\n        owner: \"@ana\"\n        until: 2027-01-31\n"), "{out}");
        assert_eq!(parsed(&out).len(), 2);
        // Last line without a newline; CRLF files stay CRLF.
        let out = add_to("quarantine:\r\n  - test: a\r\n    reason: x", &full("b")).unwrap();
        assert!(out.contains("reason: x\r\n  - test: \"b\"\r\n"), "{out:?}");
        assert_eq!(parsed(&out).len(), 2);
    }

    #[test]
    fn adding_creates_the_list_at_the_end_or_fills_an_empty_one() {
        assert_eq!(
            add_to("", &entry("a", None)).unwrap(),
            "quarantine:\n  - test: \"a\"\n    reason: \"why\"\n"
        );
        let out = add_to("runs: 5", &entry("a", None)).unwrap();
        assert_eq!(
            out,
            "runs: 5\nquarantine:\n  - test: \"a\"\n    reason: \"why\"\n"
        );
        let out = add_to("quarantine: []  # none yet\nruns: 5\n", &entry("a", None)).unwrap();
        assert_eq!(
            out,
            "quarantine: # none yet\n  - test: \"a\"\n    reason: \"why\"\nruns: 5\n"
        );
        let out = add_to("quarantine:\n  # none yet\nruns: 5\n", &entry("a", None)).unwrap();
        assert_eq!(parsed(&out).len(), 1);
        let err = add_to("quarantine: [{test: a, reason: b}]\n", &entry("a", None)).unwrap_err();
        assert!(err.to_string().contains("hint:"), "{err}");
    }

    #[test]
    fn strings_that_yaml_would_misread_are_quoted() {
        for text in [
            "tests/a.py::test_x[param-1]",
            "*starts with a star",
            "has: colon # and hash",
            "'single' and \"double\" \\ quotes",
            "@ana",
            "- dash",
            "yes",
            "123",
            "tab\there\nnewline\u{1b}[2J\u{202e}",
        ] {
            let e = Entry::new(text.into(), text.into(), Some(text.into()), None, None).unwrap();
            let entries = parsed(&add_to("", &e).unwrap());
            assert!(entries[0].same_as(&e), "{text:?}");
        }
    }

    #[test]
    fn removing_takes_the_entry_and_its_comment_and_keeps_the_rest() {
        let text = "runs: 5\nquarantine:\n  - test: a\n    reason: x\n  # b races\n  - test: b\n    reason: >-\n      folded\n      - text\n    until: 2027-01-31  # soon\n  - {test: c, reason: z}\n# after\nenv: {}\n";
        let lines = |t: &str| {
            parsed(t)
                .iter()
                .map(|e| e.line.unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(text), [3, 6, 11]);
        let out = remove_from(text, 6).unwrap();
        assert_eq!(
            out,
            "runs: 5\nquarantine:\n  - test: a\n    reason: x\n  - {test: c, reason: z}\n# after\nenv: {}\n"
        );
        let out = remove_from(&out, 5).unwrap();
        assert_eq!(
            out,
            "runs: 5\nquarantine:\n  - test: a\n    reason: x\n# after\nenv: {}\n"
        );
        // The last entry: the key goes too.
        assert_eq!(remove_from(&out, 3).unwrap(), "runs: 5\n# after\nenv: {}\n");
        assert!(remove_from(text, 1).is_err());
    }

    #[test]
    fn adding_then_removing_gives_the_file_back() {
        for text in [
            "",
            "runs: 5\n",
            "# settings\nruns: 5\n\nquarantine:\n  - test: a\n    reason: x\n\n# end\n",
            "quarantine:\n  # keep this comment\n",
        ] {
            let added = add_to(text, &full("new")).unwrap();
            let line = parsed(&added)
                .iter()
                .find(|e| e.test == "new")
                .and_then(|e| e.line)
                .unwrap();
            assert_eq!(remove_from(&added, line).unwrap(), text, "{added}");
        }
    }
}
