//! Configuration: the `.flaky.yml` file, and the resolution of flags, environment and file into a
//! plain [`RunPlan`]. Precedence: flags > environment > file > defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_saphyr::Spanned;

use crate::analysis::{Severity, Thresholds};
use crate::cli::{FailOnArg, FormatArg, OrderArg, RunArgs, UntilArg};
use crate::exec::seed::random_base_seed;
use crate::exec::{ExecPlan, OrderMode, Reporting};
use crate::framework::{self, Framework, ProjectDir};
use crate::model::Shard;
use crate::quarantine::{Date, Entry};
use crate::remote::runpod::{DEFAULT_BASE_URL, RunpodTarget, job_template};

/// The config file names looked for, in order, in the project directory and its parents.
pub const CONFIG_NAMES: [&str; 2] = [".flaky.yml", ".flaky-detector.yml"];

pub const DEFAULT_RUNS: u32 = 100;
pub const MAX_RUNS: u32 = 100_000;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// A configuration problem, with the file, line and key where it was found.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(u64, u64)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The config file as written. Every field is optional: a partial file merges over defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    runs: Option<Spanned<i64>>,
    jobs: Option<Spanned<i64>>,
    parallelism: Option<Spanned<i64>>,
    timeout: Option<Spanned<DurationValue>>,
    seed: Option<u64>,
    command: Option<Spanned<CommandValue>>,
    shell: Option<bool>,
    env: Option<BTreeMap<String, Scalar>>,
    fail_on: Option<Spanned<String>>,
    severity_thresholds: Option<Spanned<ThresholdsValue>>,
    ignore_patterns: Option<Vec<Spanned<String>>>,
    framework: Option<Spanned<String>>,
    order: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
    max_runs: Option<Spanned<i64>>,
    budget: Option<Spanned<DurationValue>>,
    settle_floor: Option<Spanned<Fraction>>,
    batch: Option<Spanned<i64>>,
    quarantine: Option<QuarantineList>,
}

/// A loaded config file and where it came from.
#[derive(Debug, Default)]
pub struct LoadedConfig {
    pub path: Option<PathBuf>,
    pub file: FileConfig,
    /// The text as read (`flaky quarantine add|remove` edit it).
    pub text: String,
}

impl LoadedConfig {
    /// Reads `explicit` if given (it must exist), else the config file [`discover`] finds,
    /// when it is the user's own ([`check_trusted`]).
    pub fn find(explicit: Option<&Path>, dir: &Path) -> Result<Self, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => discover(dir),
        };
        if explicit.is_none()
            && let Some(p) = &path
        {
            check_trusted(p)?;
        }
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
            file: path.clone(),
            position: None,
            message: format!("cannot read the config file: {e}"),
        })?;
        Self::from_text(path, text)
    }

    /// The config file `path` holding `text`.
    pub fn from_text(path: PathBuf, text: String) -> Result<Self, ConfigError> {
        let file = parse(&text).map_err(|(position, message)| ConfigError {
            file: path.clone(),
            position,
            message,
        })?;
        Ok(Self {
            path: Some(path),
            file,
            text,
        })
    }

    /// The `quarantine:` entries, each checked: a test id or valid glob, a reason, a real date,
    /// nothing empty, and no test listed twice.
    pub fn quarantine(&self) -> Result<Vec<Entry>, ConfigError> {
        let mut entries: Vec<Entry> = Vec::new();
        for item in self.file.quarantine.iter().flat_map(|q| &q.0) {
            let value = &item.value.0;
            let text = |key: &str, v: &Option<Spanned<String>>, hint: &str| match v {
                Some(v) if v.value.trim().is_empty() => Err(self.error(
                    &v.referenced,
                    format!("`quarantine`: `{key}` is empty; hint: {hint}"),
                )),
                Some(v) => Ok(Some(v.value.clone())),
                None => Ok(None),
            };
            let test_hint =
                "name the test id, or a glob of ids: `- test: \"tests/test_api.py::test_login\"`";
            let Some(test) = text("test", &value.test, test_hint)? else {
                return Err(self.error(
                    &item.referenced,
                    format!("a `quarantine` entry has no `test`; hint: {test_hint}"),
                ));
            };
            let reason_hint =
                "say why it is quarantined, e.g. `reason: \"races the session cache, #123\"`";
            let Some(reason) = text("reason", &value.reason, reason_hint)? else {
                return Err(self.error(
                    &item.referenced,
                    format!(
                        "the `quarantine` entry of `{test}` has no `reason`; hint: {reason_hint}"
                    ),
                ));
            };
            let owner = text(
                "owner",
                &value.owner,
                "name who fixes it (`owner: \"@ana\"`), or leave `owner` out",
            )?;
            let until = match &value.until {
                Some(u) => Some(u.value.parse::<Date>().map_err(|e| {
                    self.error(
                        &u.referenced,
                        format!("`quarantine`: `until`: {e}; hint: write the last day the quarantine holds as YYYY-MM-DD, e.g. `until: 2027-01-31`"),
                    )
                })?),
                None => None,
            };
            let at = value
                .test
                .as_ref()
                .map_or(&item.referenced, |t| &t.referenced);
            if let Some(first) = entries.iter().find(|e| e.test == test) {
                return Err(self.error(
                    at,
                    format!(
                        "`quarantine`: `{test}` is listed twice (first on line {}); hint: keep one entry",
                        first.line.unwrap_or_default()
                    ),
                ));
            }
            let entry = Entry::new(test, reason, owner, until, Some(item.referenced.line()))
                .map_err(|e| self.error(at, format!("`quarantine`: {e}")))?;
            entries.push(entry);
        }
        Ok(entries)
    }

    /// A whole-number key's value, which must be from 1 to `max`.
    fn count(&self, key: &str, value: &Spanned<i64>, max: u32) -> Result<u32, ConfigError> {
        u32::try_from(value.value)
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                self.error(
                    &value.referenced,
                    format!("`{key}` is {}, but it must be from 1 to {max}", value.value),
                )
            })
    }

    fn error(&self, at: &serde_saphyr::Location, message: String) -> ConfigError {
        ConfigError {
            file: self.path.clone().unwrap_or_default(),
            position: (at.line() > 0).then(|| (at.line(), at.column())),
            message,
        }
    }
}

/// The config file that applies to `dir`: the first found in `dir` or its parents, up to the
/// repository root, or up to the home directory when `dir` is below it and in no repository.
/// Elsewhere (a shared `/tmp`, `/srv`) only `dir` itself: a parent directory other users can
/// write to must not configure the run.
fn discover(dir: &Path) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let in_repo = dir.ancestors().any(|d| d.join(".git").exists());
    let below_home = home.as_deref().is_some_and(|h| dir.starts_with(h));
    for d in dir.ancestors() {
        for name in CONFIG_NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        let top =
            d.join(".git").exists() || home.as_deref() == Some(d) || (!in_repo && !below_home);
        if top {
            break;
        }
    }
    None
}

/// Refuses a discovered config file another user owns or can write: it sets the command and
/// its environment (`BASH_ENV`), so it must be the user's own (as git's `safe.directory`).
fn check_trusted(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::MetadataExt as _;
    let refuse = |why: String| ConfigError {
        file: path.to_path_buf(),
        position: None,
        message: format!(
            "{why}, so it is not used: it could run any command as you; hint: if you trust it, take it over (chown/chmod go-w), or name it with --config"
        ),
    };
    let meta = std::fs::metadata(path)
        .map_err(|e| refuse(format!("cannot check the config file: {e}")))?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(refuse(format!(
            "the config file is owned by another user (uid {})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o002 != 0 {
        return Err(refuse("the config file is writable by every user".into()));
    }
    if meta.mode() & 0o020 != 0 && meta.gid() != rustix::process::getegid().as_raw() {
        return Err(refuse(format!(
            "the config file is writable by group {}, which is not yours",
            meta.gid()
        )));
    }
    Ok(())
}

/// Parses config text; errors carry the position and a message naming the key.
pub fn parse(text: &str) -> Result<FileConfig, (Option<(u64, u64)>, String)> {
    if text.trim().is_empty() {
        return Ok(FileConfig::default());
    }
    serde_saphyr::from_str::<Option<FileConfig>>(text)
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            let position = e
                .location()
                .filter(|l| l.line() > 0)
                .map(|l| (l.line(), l.column()));
            let key = position.and_then(|(line, _)| key_on_line(text, line));
            (position, clean_message(&e.to_string(), key))
        })
}

/// The mapping key written on a 1-based line (`  runs: 5` gives `runs`), to name it in errors.
fn key_on_line(text: &str, line: u64) -> Option<&str> {
    let l = text
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let (key, _) = l.split_once(':')?;
    let key = key
        .trim()
        .trim_start_matches("- ")
        .trim_matches(|c| c == '"' || c == '\'');
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

/// serde-saphyr's message repeats the position and a source snippet, and speaks of Rust types;
/// keep its first line, in the user's words, naming the key.
fn clean_message(message: &str, key: Option<&str>) -> String {
    let mut m = message.lines().next().unwrap_or(message).trim();
    m = m.strip_prefix("error: ").unwrap_or(m);
    if let Some(rest) = m.strip_prefix("line ") {
        m = rest.split_once(": ").map_or(m, |(_, r)| r);
    }
    let m = m.split(", set DuplicateKeyPolicy").next().unwrap_or(m);
    let m = match m {
        "invalid i64" | "invalid u64" | "invalid u32" => "expected a whole number".to_owned(),
        "expected string scalar" => "expected a single value, not a list or a mapping".to_owned(),
        other => other.to_owned(),
    };
    match key {
        Some(k) if !m.contains(&format!("`{k}`")) && !m.contains(&format!(": {k}")) => {
            format!("`{k}`: {m}")
        }
        _ => m,
    }
}

/// What a bare number means where a duration is expected: seconds for timeouts and budgets
/// (`--timeout 5`, `timeout: 5`), days for how far back to look (`--since 30`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareNumber {
    Seconds,
    Days,
}

/// Reads a duration as people write it: `90s`, `10m`, `1h30m`, `2w` (humantime), or a bare
/// number in `bare`'s unit. Zero or less is refused; the error says how to write one.
pub fn parse_duration(text: &str, bare: BareNumber) -> Result<Duration, String> {
    let text = text.trim();
    let (unit, examples) = match bare {
        BareNumber::Seconds => (1.0, "90s, 10m or 1h30m (a bare number is seconds)"),
        BareNumber::Days => (86_400.0, "30d, 12h or 2w (a bare number is days)"),
    };
    let parsed = match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Duration::try_from_secs_f64((n * unit).max(0.0))
            .map_err(|_| format!("`{text}` is too long")),
        _ => humantime::parse_duration(text).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("the duration must be longer than zero".into()),
        Err(e) => Err(format!("{e}; write a duration such as {examples}")),
    }
}

/// A duration written as a humantime string (`90s`, `10m`) or a number of seconds.
#[derive(Debug, Clone, Copy)]
pub struct DurationValue(Result<Duration, ()>);

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"90s\" or \"10m\", or a number of seconds")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(DurationValue(if v == 0 {
                    Err(())
                } else {
                    Ok(Duration::from_secs(v))
                }))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v).map_or(Ok(DurationValue(Err(()))), |v| self.visit_u64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(DurationValue(if v > 0.0 && v.is_finite() {
                    Ok(Duration::from_secs_f64(v))
                } else {
                    Err(())
                }))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(DurationValue(
                    parse_duration(v, BareNumber::Seconds).map_err(|_| ()),
                ))
            }
        }
        d.deserialize_any(V)
    }
}

/// A command written as one string (split like a shell would, without running one) or a list.
#[derive(Debug, Clone)]
pub enum CommandValue {
    Line(String),
    Argv(Vec<String>),
}

impl<'de> Deserialize<'de> for CommandValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CommandValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command string or a list of arguments")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CommandValue::Line(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut argv = Vec::new();
                while let Some(Scalar(s)) = seq.next_element()? {
                    argv.push(s);
                }
                Ok(CommandValue::Argv(argv))
            }
        }
        d.deserialize_any(V)
    }
}

/// A YAML scalar taken as text (`env` values may be written as numbers or booleans).
#[derive(Debug, Clone)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `quarantine:` as written: a list of entries, each checked by [`LoadedConfig::quarantine`].
#[derive(Debug)]
pub struct QuarantineList(Vec<Spanned<QuarantineValue>>);

/// One `quarantine:` entry as written.
#[derive(Debug)]
pub struct QuarantineValue(QuarantineFields);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuarantineFields {
    test: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
}

// By hand, so that a value of the wrong shape is told how the quarantine is written (serde-saphyr
// would say "expected sequence start").
impl<'de> Deserialize<'de> for QuarantineList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = QuarantineList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of entries, each `- test: ID` with `reason: WHY` below it")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = seq.next_element()? {
                    entries.push(entry);
                }
                Ok(QuarantineList(entries))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for QuarantineValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = QuarantineValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an entry of `test: ID`, `reason: WHY` and optional `owner: WHO`, `until: YYYY-MM-DD` lines")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                QuarantineFields::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(QuarantineValue)
            }
        }
        d.deserialize_any(V)
    }
}

/// `severity_thresholds`: fractions (0.9) or percentages ("90%"), any subset of the four bands.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsValue {
    critical: Option<Spanned<Fraction>>,
    high: Option<Spanned<Fraction>>,
    medium: Option<Spanned<Fraction>>,
    low: Option<Spanned<Fraction>>,
}

/// A fraction from 0 to 1, written as `0.25` or `"25%"`; out of range is kept for the error.
#[derive(Debug, Clone, Copy)]
pub struct Fraction(Result<f64, ()>);

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Fraction;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a fraction from 0 to 1 (0.25) or a percentage (\"25%\")")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Fraction(if (0.0..=1.0).contains(&v) {
                    Ok(v)
                } else {
                    Err(())
                }))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let pct = v
                    .trim()
                    .strip_suffix('%')
                    .and_then(|n| n.trim().parse::<f64>().ok());
                Ok(Fraction(
                    pct.filter(|p| (0.0..=100.0).contains(p))
                        .map(|p| p / 100.0)
                        .ok_or(()),
                ))
            }
        }
        d.deserialize_any(V)
    }
}

/// Where reports go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => Self::Table,
            FormatArg::Json => Self::Json,
        }
    }
}

/// Everything `flaky run` needs, resolved: no clap, no file, no environment lookups after this.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub exec: ExecPlan,
    /// The command as the user gave it (for reports and the database).
    pub command: Vec<String>,
    pub shell: bool,
    /// Attempts this process runs (a shard's share of the run).
    pub runs: u32,
    pub shard: Option<Shard>,
    pub fail_on: Option<Severity>,
    pub thresholds: Thresholds,
    pub ignore_patterns: Vec<String>,
    pub ignore: GlobSet,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    /// The framework whose report is read, when one is.
    pub framework: Option<Framework>,
    /// How flaky chose the command, when nobody gave one (it says so before the run starts).
    pub chosen: Option<ChosenBy>,
    /// How many tests `--tests-from` selected.
    pub selected: Option<usize>,
    /// Things the user should know about how the plan was made (printed as notes).
    pub notes: Vec<String>,
    /// Where the attempts run when not here.
    pub remote: Option<RunpodTarget>,
    /// `--until`: stop before the planned runs (then the most attempts run).
    pub until: Option<Until>,
}

/// How flaky chose the command of a run that was given none: its framework's test command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChosenBy {
    /// The only framework found in the directory.
    Detection,
    /// The framework named by `--framework` or the config's `framework:`.
    Framework,
}

/// How `--until` stops a run before its planned attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Until {
    pub when: UntilWhen,
    /// Start no new attempt after this long.
    pub budget: Option<Duration>,
}

/// What ends a `--until` run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UntilWhen {
    /// Every test's verdict is settled, by this rule (each attempt is judged before the next
    /// one starts).
    Settled(crate::analysis::stopping::Rule),
    /// An attempt failed: no new attempt starts, and the running ones are stopped.
    FirstFailure,
}

impl UntilWhen {
    /// The word of `--until` and the config's `until:`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Settled(_) => "settled",
            Self::FirstFailure => "first-failure",
        }
    }
}

/// The most attempts `--until` runs without `--max-runs`.
pub const DEFAULT_MAX_RUNS: u32 = 1000;

/// Errors resolving a plan that are not in a config file.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
}

/// Resolves `flaky run`'s flags (clap has merged the environment into them) over the config file.
pub fn resolve_run(args: &RunArgs, cwd: &Path, run_id: String) -> Result<RunPlan, PlanError> {
    let dir = match &args.dir {
        Some(d) => {
            let d = cwd.join(d);
            if !d.is_dir() {
                return Err(PlanError::Usage(format!(
                    "-C/--dir {}: not a directory; hint: give the directory the tests run in",
                    d.display()
                )));
            }
            // Stored as the run's directory: the history selects a project's runs by it.
            d.canonicalize().unwrap_or(d)
        }
        None => cwd.to_path_buf(),
    };
    let loaded = LoadedConfig::find(args.config.as_deref().map(|p| cwd.join(p)).as_deref(), &dir)?;
    let file = &loaded.file;

    let first_failure = match (args.until, &file.until) {
        (Some(u), _) => Some(u == UntilArg::FirstFailure),
        (None, Some(u)) if u.value == "settled" => Some(false),
        (None, Some(u)) if u.value == "first-failure" => Some(true),
        (None, Some(u)) => {
            return Err(loaded
                .error(
                    &u.referenced,
                    format!(
                        "`until` is `{}`; write `settled` or `first-failure`",
                        u.value
                    ),
                )
                .into());
        }
        (None, None) => None,
    };
    let until = first_failure.is_some();
    let max_runs = match (args.max_runs, &file.max_runs) {
        (Some(n), _) => Some(n),
        (None, Some(n)) => Some(loaded.count("max_runs", n, MAX_RUNS)?),
        (None, None) => None,
    };
    let budget = match (args.budget, &file.budget) {
        (Some(b), _) => Some(b),
        (None, Some(b)) => Some(b.value.0.map_err(|()| {
            loaded.error(
                &b.referenced,
                "`budget` must be a duration longer than zero, such as \"10m\" or a number of seconds".into(),
            )
        })?),
        (None, None) => None,
    };
    let floor = match &file.settle_floor {
        Some(f) => f
            .value
            .0
            .ok()
            .filter(|v| *v > 0.0 && *v < 1.0)
            .ok_or_else(|| {
                loaded.error(
                    &f.referenced,
                    "`settle_floor` must be a rate above 0 and below 1, such as 0.01 or \"1%\""
                        .into(),
                )
            })?,
        None => crate::analysis::stopping::Rule::default().floor,
    };
    if !until && (max_runs.is_some() || budget.is_some()) {
        return Err(PlanError::Usage(
            "--max-runs and --budget go with --until settled or first-failure (or `until:` in the config)"
                .into(),
        ));
    }
    let until_plan = first_failure.map(|first_failure| Until {
        when: if first_failure {
            UntilWhen::FirstFailure
        } else {
            UntilWhen::Settled(crate::analysis::stopping::Rule {
                floor,
                ..Default::default()
            })
        },
        budget,
    });
    let runs = match (args.runs, &file.runs) {
        // With --until, -n is the most attempts, as --max-runs (`flaky run -n 200 --until
        // first-failure`, as `go test -count=200 -failfast`).
        (Some(_), _) if until && args.max_runs.is_some() => {
            return Err(PlanError::Usage(
                "-n and --max-runs both set the most attempts with --until; keep one".into(),
            ));
        }
        (Some(n), _) if until => n,
        _ if until => max_runs.unwrap_or(DEFAULT_MAX_RUNS),
        (Some(n), _) => n,
        (None, Some(n)) => loaded.count("runs", n, MAX_RUNS)?,
        (None, None) => DEFAULT_RUNS,
    };

    if let (Some(a), Some(_)) = (&file.jobs, &file.parallelism) {
        return Err(loaded
            .error(
                &a.referenced,
                "both `jobs` and `parallelism` are set; keep one (`parallelism` is the older name)"
                    .into(),
            )
            .into());
    }
    let jobs = match (args.jobs, file.jobs.as_ref().or(file.parallelism.as_ref())) {
        (Some(j), _) => j,
        (None, Some(j)) => loaded.count("jobs", j, 1024)?,
        (None, None) => std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
    };

    let timeout = match (args.timeout, &file.timeout) {
        (Some(t), _) => Some(t),
        (None, Some(t)) => Some(t.value.0.map_err(|()| {
            loaded.error(
                &t.referenced,
                "`timeout` must be a duration longer than zero, such as \"90s\", \"10m\" or a number of seconds".into(),
            )
        })?),
        (None, None) => None,
    };

    let shard = match args.shard {
        Some((index, total)) => Some((index, total, "--shard".to_owned())),
        None if args.ignore_ci_shard => None,
        None => shard_from_ci(|name| std::env::var(name).ok())?,
    }
    .map(|(index, total, from)| {
        let shard = Shard { index, total, runs };
        if let Some(u) = until_plan {
            return Err(PlanError::Usage(format!(
                "{from} {index}/{total} with --until {}: a shard cannot tell when the whole run is done; pass a fixed -n",
                u.when.as_str()
            )));
        }
        if args.seed.or(file.seed).is_none() {
            return Err(PlanError::Usage(format!(
                "{from} {index}/{total} needs --seed: every shard must draw the attempts' seeds from the same base seed; hint: pass the same --seed N to every shard (a CI pipeline id will do)"
            )));
        }
        if shard.attempts().is_empty() {
            return Err(PlanError::Usage(format!(
                "{from} {index}/{total} has no attempts of the {runs}; hint: use at most {runs} shards, or more attempts"
            )));
        }
        Ok(shard)
    })
    .transpose()?;
    let seed = args.seed.or(file.seed).unwrap_or_else(random_base_seed);

    let fail_on = match (args.fail_on, &file.fail_on) {
        (Some(f), _) => fail_on_arg(f),
        (None, Some(f)) => match f.value.to_ascii_lowercase().as_str() {
            "none" => None,
            other => Some(Severity::parse(other).ok_or_else(|| {
                loaded.error(
                    &f.referenced,
                    format!(
                        "`fail_on` is `{}`; write one of critical, high, medium, low, none",
                        f.value
                    ),
                )
            })?),
        },
        (None, None) => Some(Severity::Low),
    };

    let mut thresholds = Thresholds::default();
    if let Some(t) = &file.severity_thresholds {
        for (name, value, slot) in [
            ("critical", &t.value.critical, &mut thresholds.critical),
            ("high", &t.value.high, &mut thresholds.high),
            ("medium", &t.value.medium, &mut thresholds.medium),
            ("low", &t.value.low, &mut thresholds.low),
        ] {
            if let Some(v) = value {
                *slot = v.value.0.map_err(|()| {
                    loaded.error(
                        &v.referenced,
                        format!("`severity_thresholds.{name}` must be a fraction from 0 to 1 (0.25) or a percentage (\"25%\")"),
                    )
                })?;
            }
        }
        thresholds
            .validate()
            .map_err(|e| loaded.error(&t.referenced, format!("`severity_thresholds`: {e}")))?;
    }

    let mut env: Vec<(String, String)> = file
        .env
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    for (k, v) in &env {
        let bad = if k.is_empty() {
            Some("is empty")
        } else if k.contains('=') {
            Some("holds `=`")
        } else if k.chars().any(char::is_control) {
            Some("holds a control character")
        } else if v.contains('\0') {
            Some("has a value holding a NUL byte")
        } else {
            None
        };
        if let Some(bad) = bad {
            return Err(ConfigError {
                file: loaded.path.clone().unwrap_or_default(),
                position: None,
                message: format!(
                    "`env` variable {} {bad}; hint: a variable name is letters, digits and `_` (RUST_LOG: debug)",
                    crate::render::terminal_text(&format!("{k:?}"))
                ),
            }
            .into());
        }
    }
    for (k, v) in &args.env {
        env.retain(|(ek, _)| ek != k);
        env.push((k.clone(), v.clone()));
    }

    let mut ignore = GlobSetBuilder::new();
    let mut ignore_patterns = Vec::new();
    for p in file.ignore_patterns.iter().flatten() {
        let glob = Glob::new(&p.value).map_err(|e| {
            loaded.error(
                &p.referenced,
                format!(
                    "`ignore_patterns`: `{}` is not a valid glob: {}",
                    p.value,
                    e.kind()
                ),
            )
        })?;
        ignore.add(glob);
        ignore_patterns.push(p.value.clone());
    }
    let ignore = ignore
        .build()
        .map_err(|e| PlanError::Usage(format!("ignore_patterns: {e}")))?;

    let shell = args.shell || file.shell.unwrap_or(false);
    let framework_choice = match (&args.framework, &file.framework) {
        (Some(f), _) => Framework::parse(f),
        (None, Some(f)) => Some(Framework::parse(&f.value).ok_or_else(|| {
            loaded.error(
                &f.referenced,
                format!(
                    "`framework` is `{}`; write one of {}",
                    f.value,
                    framework_names()
                ),
            )
        })?),
        (None, None) => None,
    };
    let order_choice = match (args.order, &file.order) {
        (Some(o), _) => Some(match o {
            OrderArg::Same => OrderMode::Same,
            OrderArg::Shuffle => OrderMode::Shuffle,
            OrderArg::Alternate => OrderMode::Alternate,
        }),
        (None, Some(o)) => Some(match o.value.as_str() {
            "same" => OrderMode::Same,
            "shuffle" => OrderMode::Shuffle,
            "alternate" => OrderMode::Alternate,
            other => {
                return Err(loaded
                    .error(
                        &o.referenced,
                        format!("`order` is `{other}`; write one of same, shuffle, alternate"),
                    )
                    .into());
            }
        }),
        (None, None) => None,
    };
    let mut notes = Vec::new();

    let mut chosen = None;
    let (command, argv) = if args.command.is_empty() {
        match &file.command {
            Some(c) => config_command(&loaded, c, shell)?,
            None => {
                let argv = default_command(&dir, framework_choice)?;
                chosen = Some(match framework_choice {
                    Some(_) => ChosenBy::Framework,
                    None => ChosenBy::Detection,
                });
                (argv.clone(), argv)
            }
        }
    } else if shell {
        let line = args.command.join(" ");
        (vec![line.clone()], vec!["sh".into(), "-c".into(), line])
    } else {
        (args.command.clone(), args.command.clone())
    };
    let test_id = command_line(&crate::secrets::masked_command(&command, shell), shell);

    let driven = drive(
        &argv,
        &command,
        &dir,
        framework_choice,
        shell,
        args.junit.as_deref(),
        order_choice,
    )?;
    notes.extend(driven.notes);
    let (mut reporting, argv, order) = (driven.reporting, driven.argv, driven.order);
    let framework = match &reporting {
        Reporting::Framework { framework, .. } => Some(*framework),
        _ => None,
    };
    if jobs > 1
        && matches!(&reporting, Reporting::Junit { path } if !crate::exec::has_placeholders(path))
    {
        return Err(PlanError::Usage(
            "--junit PATH is the same file for every attempt, and attempts run in parallel; hint: put {tmpdir} or {attempt} in PATH (the command sees $TMPDIR and $FLAKY_ATTEMPT), or pass -j 1".into(),
        ));
    }

    let batch = match (args.batch, &file.batch) {
        (Some(k), _) => k,
        (None, Some(k)) => loaded.count("batch", k, 1000)?,
        (None, None) => 1,
    };
    if batch > 1 {
        let why = if framework != Some(Framework::Pytest) {
            Some(format!(
                "only pytest runs several attempts in one process (through flaky's plugin), and this run's tests are {}; other frameworks pay less for start-up, or cannot reseed and reorder between repeats",
                framework.map_or_else(
                    || "read without a framework".to_owned(),
                    |f| f.name().to_owned()
                )
            ))
        } else if let Some(u) = until_plan {
            Some(format!(
                "--until {} judges every attempt before it starts the next, and a batch starts K at once; pass a fixed -n",
                u.when.as_str()
            ))
        } else if args.remote.is_some() {
            Some(
                "--remote runs each attempt in its own process on the workers; drop --batch"
                    .to_owned(),
            )
        } else {
            None
        };
        if let Some(why) = why {
            return Err(PlanError::Usage(format!("--batch {batch}: {why}")));
        }
    }

    let mut selected = None;
    if let Some(path) = &args.tests_from {
        let ids = failed_tests_in(&cwd.join(path))?;
        match &mut reporting {
            Reporting::Framework { framework, select } => {
                let driver = framework.driver();
                let ids: Vec<String> = ids.iter().map(|id| driver.selection_id(id, &dir)).collect();
                selected = Some(ids.len());
                *select = Some(ids);
            }
            _ => {
                return Err(PlanError::Usage(format!(
                    "--tests-from needs a framework flaky drives, to select tests with; hint: run the framework's command (flaky run --tests-from {} -- pytest) or pass --framework NAME",
                    path.display()
                )));
            }
        }
    }

    Ok(RunPlan {
        exec: ExecPlan {
            argv,
            dir,
            env,
            env_remove: Vec::new(),
            attempts: shard.map_or(0..runs, Shard::attempts),
            jobs,
            timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
            // Remote workers run their shares with the plan's timeout, each from its own start.
            timeout_from_first: timeout.is_none() && chosen.is_some() && args.remote.is_none(),
            base_seed: seed,
            run_id,
            test_id,
            reporting,
            order,
            support_dir: support_dir(),
            batch,
            isolation: Default::default(),
        },
        command,
        shell,
        runs: shard.map_or(runs, |s| s.attempts().len() as u32),
        shard,
        fail_on,
        thresholds,
        ignore_patterns,
        ignore,
        format: args.format.into(),
        output: args.output.as_ref().map(|o| cwd.join(o)),
        config_file: loaded.path.clone(),
        framework,
        chosen,
        selected,
        notes,
        remote: None,
        until: until_plan,
    })
    .and_then(|mut plan| {
        if args.remote.is_some() {
            let (target, notes) = remote_target(args, &plan)?;
            plan.notes.extend(notes);
            plan.remote = Some(target);
        }
        Ok(plan)
    })
}

/// The RunPod target of a plan: the endpoint and key, and the repository and commit the workers
/// fetch, which must be what is checked out here.
fn remote_target(args: &RunArgs, plan: &RunPlan) -> Result<(RunpodTarget, Vec<String>), PlanError> {
    let endpoint = args
        .endpoint
        .clone()
        .filter(|e| !e.is_empty())
        .ok_or_else(|| PlanError::Usage("--remote runpod needs the endpoint id; hint: pass --endpoint ID or set RUNPOD_ENDPOINT_ID".into()))?;
    if !endpoint
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(PlanError::Usage(format!(
            "--endpoint `{endpoint}` is not a RunPod endpoint id (letters, digits, - and _)"
        )));
    }
    let api_key = std::env::var("RUNPOD_API_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| PlanError::Usage("--remote runpod needs an API key; hint: set RUNPOD_API_KEY (it is never put on the command line, in jobs, or in the history)".into()))?;
    let base_url = std::env::var("RUNPOD_ENDPOINT_BASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    check_base_url(&base_url)?;
    let dir = &plan.exec.dir;
    let facts = crate::vcs::facts(dir).ok_or_else(|| {
        PlanError::Usage(format!(
            "--remote runs a commit the workers fetch, but {} is not in a git repository",
            dir.display()
        ))
    })?;
    let repository = facts.remote_url.clone().ok_or_else(|| {
        PlanError::Usage("--remote needs a repository the workers can fetch; hint: add a remote (git remote add origin URL) and push".into())
    })?;
    // Only a worker on this machine (a loopback base URL) can fetch a file:// repository.
    let local_worker =
        reqwest::Url::parse(&base_url).is_ok_and(|u| crate::notify::http::is_loopback(&u));
    if let Some(why) = crate::remote::worker::refuse_repository(&repository, local_worker) {
        return Err(PlanError::Usage(format!(
            "--remote: the workers clone the repository's origin, and would refuse it: {why}; hint: push the commit to a remote the workers can reach (https://... or git@host:path; a private one with FLAKY_GIT_TOKEN on the endpoint) and make it origin (git remote set-url origin URL)"
        )));
    }
    let commit = facts.commit.clone().ok_or_else(|| {
        PlanError::Usage(
            "--remote needs a commit to run; hint: commit your work and push it".into(),
        )
    })?;
    let (pushed, sub) = crate::vcs::pushed_and_subdir(dir, &commit)
        .map_err(|e| PlanError::Usage(format!("cannot read the repository: {e}")))?;
    if !pushed {
        return Err(PlanError::Usage(format!(
            "commit {} is not on any remote branch, so the workers cannot fetch it; hint: push it first (git push)",
            &commit[..12]
        )));
    }
    let mut notes = Vec::new();
    if facts.dirty {
        notes.push(format!("the working tree has changes that are not committed: the workers run commit {} as pushed", &commit[..12]));
    }
    let job = job_template(
        &plan.exec,
        &plan.exec.run_id,
        repository,
        commit,
        sub.to_string_lossy().into_owned(),
        plan.command.clone(),
        plan.shell,
    );
    let target = RunpodTarget {
        base_url,
        endpoint,
        api_key: crate::notify::Secret::new(api_key),
        shards: args.shards,
        shard_size: args.shard_size,
        job,
        poll_every: std::time::Duration::from_secs(2),
        queue_timeout: args
            .queue_timeout
            .unwrap_or(crate::remote::runpod::DEFAULT_QUEUE_TIMEOUT),
    };
    Ok((target, notes))
}

/// `RUNPOD_ENDPOINT_BASE_URL` receives the API key with every request: the same transport rule
/// as the GitHub and Slack clients.
fn check_base_url(base_url: &str) -> Result<(), PlanError> {
    // A URL with user information may carry a password: never repeat it.
    let shown = if base_url.contains('@') {
        "the value".to_owned()
    } else {
        format!("{base_url:?}")
    };
    reqwest::Url::parse(base_url)
        .map_err(|e| format!("{shown} is not a URL ({e})"))
        .and_then(|url| crate::notify::http::check_transport(&url, &shown, "RUNPOD_API_KEY"))
        .map_err(|reason| {
            PlanError::Usage(format!(
                "RUNPOD_ENDPOINT_BASE_URL is invalid: {reason}; hint: use https (plain http only to a loopback address), or unset it for {DEFAULT_BASE_URL}"
            ))
        })
}

fn framework_names() -> String {
    Framework::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a command is driven: where its per-test results come from, the command to run (a simple
/// package.json script resolved), and the order mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Driven {
    pub reporting: Reporting,
    pub argv: Vec<String>,
    pub order: OrderMode,
    pub notes: Vec<String>,
}

/// Decides how `argv` (as the user wrote it: `command`) is driven in `dir`. Shared by `run`
/// and the remote worker.
pub fn drive(
    argv: &[String],
    command: &[String],
    dir: &Path,
    framework_choice: Option<Framework>,
    shell: bool,
    junit: Option<&str>,
    order_choice: Option<OrderMode>,
) -> Result<Driven, PlanError> {
    let mut notes = Vec::new();
    let fw = |framework| Reporting::Framework {
        framework,
        select: None,
    };
    let (reporting, argv) = if let Some(j) = junit {
        (Reporting::Junit { path: j.to_owned() }, argv.to_vec())
    } else if shell {
        if let Some(fw) = framework_choice {
            return Err(PlanError::Usage(format!(
                "--framework {fw} cannot add its reporter flags to a --shell string; hint: drop --shell, or have the command write a JUnit file and pass --junit PATH"
            )));
        }
        (Reporting::Command, argv.to_vec())
    } else {
        let recognised = framework::recognise(argv, dir);
        notes.extend(recognised.as_ref().and_then(|r| r.note.clone()));
        match (framework_choice, recognised) {
            (Some(choice), Some(r)) if r.framework == choice => (fw(choice), r.argv),
            (Some(choice), _) => (fw(choice), argv.to_vec()),
            (None, Some(r)) => (fw(r.framework), r.argv),
            (None, None) => {
                let project = ProjectDir::read(dir);
                if let Some(d) = framework::detect_in(&project)
                    .first()
                    .filter(|d| may_run_tests(command, d))
                {
                    // `npm test` whose script runs `npm run test:unit && ...`: name that script.
                    let script = project
                        .package_json
                        .as_ref()
                        .and_then(|p| p.tool_script(d.framework.name()))
                        .filter(|s| *s != "test");
                    let hint = match script {
                        Some(s) => format!(
                            "run the script that runs {}: flaky run -- npm run {s}",
                            d.framework
                        ),
                        None => format!(
                            "pass --framework {} when it runs {} with extra arguments passed on, or --junit PATH when it writes a JUnit report",
                            d.framework, d.framework
                        ),
                    };
                    notes.push(format!(
                        "this looks like a {} project, but flaky cannot add reporter flags to `{}`, so the command is the only test; hint: {hint}",
                        d.framework,
                        display_command(command)
                    ));
                }
                (Reporting::Command, argv.to_vec())
            }
        }
    };
    let framework = match &reporting {
        Reporting::Framework { framework, .. } => Some(*framework),
        _ => None,
    };
    let too_old = framework.and_then(|f| f.driver().cannot_shuffle_in(dir));
    let can_shuffle = framework.is_some_and(|f| f.driver().can_shuffle()) && too_old.is_none();
    let order = match order_choice {
        None if can_shuffle => OrderMode::Alternate,
        None => OrderMode::Same,
        Some(o)
            if o != OrderMode::Same
                && let Some(note) = framework.and_then(|f| f.driver().shuffles_when_asked()) =>
        {
            notes.push(note.to_owned());
            o
        }
        Some(o) if o != OrderMode::Same && !can_shuffle => {
            let why = too_old.map(|w| format!(" ({w})")).unwrap_or_default();
            notes.push(match framework {
                Some(f) => format!("{f} cannot shuffle its tests{why}: every attempt keeps the framework's order, so order-dependent tests cannot be told apart"),
                None => "--order needs a framework flaky drives: every attempt runs the command as it is".to_owned(),
            });
            OrderMode::Same
        }
        Some(o) => o,
    };
    Ok(Driven {
        reporting,
        argv,
        order,
        notes,
    })
}

/// Whether `command`, which flaky does not recognise, plausibly runs the tests of the project
/// `d` found, so that saying it is read as one test helps: a wrapper (`make test`,
/// `./scripts/ci-tests.sh`, `npm run unit`) or a word naming the framework's tool. Not `true`,
/// `sleep 1` or `./t.sh`.
fn may_run_tests(command: &[String], d: &framework::Detection) -> bool {
    const RUNNERS: &[&str] = &[
        "make", "just", "task", "npm", "npx", "yarn", "pnpm", "bun", "tox", "nox", "rake",
    ];
    let tool = d.command.first().map(|p| framework::program_name(p));
    command.iter().enumerate().any(|(i, word)| {
        let word = word.to_ascii_lowercase();
        let name = framework::program_name(&word);
        ["test", "spec", "check"].iter().any(|w| word.contains(w))
            || Some(name) == tool
            || name == d.framework.name()
            || (i == 0 && RUNNERS.contains(&name))
    })
}

/// The command of the framework in `dir` (the one named, or the only one found there).
pub fn default_command(dir: &Path, choice: Option<Framework>) -> Result<Vec<String>, PlanError> {
    let project = ProjectDir::read(dir);
    if let Some(fw) = choice {
        return Ok(fw.driver().default_command(&project));
    }
    let found = framework::detect_in(&project);
    match found.as_slice() {
        [] => Err(PlanError::Usage(format!(
            "no command to run, and no test framework found in {}; hint: give the command after `--` (flaky run -- pytest tests/), set `command:` in .flaky.yml, or see `flaky detect-framework`",
            dir.display()
        ))),
        [one] => Ok(one.command.clone()),
        several => {
            // A package.json's test script names the framework it really uses.
            let users: Vec<&framework::Detection> = several
                .iter()
                .filter(|d| {
                    project
                        .package_json
                        .as_ref()
                        .and_then(|p| p.tool_script(d.framework.name()))
                        .is_some()
                })
                .collect();
            if let [one] = users.as_slice() {
                return Ok(one.command.clone());
            }
            let names: Vec<&str> = several.iter().map(|d| d.framework.name()).collect();
            Err(PlanError::Usage(format!(
                "no command to run, and {} has several test frameworks ({}); hint: give the command after `--`, or pass --framework NAME",
                dir.display(),
                names.join(", ")
            )))
        }
    }
}

/// The ids of the failed and errored tests of a JUnit report.
fn failed_tests_in(path: &Path) -> Result<Vec<String>, PlanError> {
    let bytes = std::fs::read(path).map_err(|e| {
        PlanError::Usage(format!("cannot read --tests-from {}: {e}", path.display()))
    })?;
    let tests = crate::parse::junit::parse(&bytes).map_err(|e| {
        PlanError::Usage(format!(
            "--tests-from {}: {e}; hint: give the JUnit XML report your CI wrote (pytest --junitxml, jest-junit, go-junit-report, ...)",
            path.display()
        ))
    })?;
    let mut ids: Vec<String> = Vec::new();
    for t in tests.into_iter().filter(|t| t.outcome.is_failure()) {
        if !ids.contains(&t.id) {
            ids.push(t.id);
        }
    }
    if ids.is_empty() {
        return Err(PlanError::Usage(format!(
            "--tests-from {} lists no failed or errored test: nothing to rerun",
            path.display()
        )));
    }
    Ok(ids)
}

/// The shard a CI job is, from the CI's own variables (`K`, `N`, and which variables said so):
/// GitLab's `parallel:` (CI_NODE_INDEX from 1), Buildkite's `parallelism:`
/// (BUILDKITE_PARALLEL_JOB from 0), a Kubernetes Indexed Job's pod (JOB_COMPLETION_INDEX from 0,
/// with FLAKY_SHARD_TOTAL: a pod is not told the Job's completions). None outside a parallel job.
fn shard_from_ci(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<(u32, u32, String)>, PlanError> {
    for (index, total, first) in [
        ("CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
        ("BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0),
        ("JOB_COMPLETION_INDEX", "FLAKY_SHARD_TOTAL", 0),
    ] {
        let (Some(k), Some(n)) = (var(index), var(total)) else {
            if index == "JOB_COMPLETION_INDEX"
                && let Some(k) = var(index)
            {
                return Err(PlanError::Usage(format!(
                    "JOB_COMPLETION_INDEX={k}: this is pod {k} of a Kubernetes Indexed Job, and flaky cannot tell how many pods share the run; hint: set FLAKY_SHARD_TOTAL to the Job's `completions` in the pod template (each pod then runs its share of the attempts), or pass --shard 1/1 to run them all here"
                )));
            }
            continue;
        };
        let from = format!("{index}={k} {total}={n}:");
        let bad = || {
            PlanError::Usage(format!(
                "{from} not a shard (expected {index} from {first} to {total}); hint: pass --shard K/N to say which share of the attempts this job runs"
            ))
        };
        let (Ok(k), Ok(n)) = (k.trim().parse::<u32>(), n.trim().parse::<u32>()) else {
            return Err(bad());
        };
        let k = (k + 1).checked_sub(first).ok_or_else(bad)?;
        if k == 0 || k > n {
            return Err(bad());
        }
        return Ok((n > 1).then(|| (k, n, format!("{from} shard"))));
    }
    Ok(None)
}

/// Where support files (the pytest plugin) live: a cache directory, so reproduce lines that
/// need them keep working after the run.
pub fn support_dir() -> PathBuf {
    cache_dir("support").unwrap_or_else(|| std::env::temp_dir().join("flaky-support"))
}

/// flaky's directory `name` in the user's cache directory (`~/.cache/flaky/NAME` on Linux), if
/// the system has one.
pub fn cache_dir(name: &str) -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "flaky").map(|d| d.cache_dir().join(name))
}

fn config_command(
    loaded: &LoadedConfig,
    c: &Spanned<CommandValue>,
    shell: bool,
) -> Result<(Vec<String>, Vec<String>), PlanError> {
    let empty = || {
        loaded.error(
            &c.referenced,
            "`command` is empty; write the test command, e.g. `command: pytest -q`".into(),
        )
    };
    match (&c.value, shell) {
        (CommandValue::Line(line), true) => {
            if line.trim().is_empty() {
                return Err(empty().into());
            }
            Ok((
                vec![line.clone()],
                vec!["sh".into(), "-c".into(), line.clone()],
            ))
        }
        (CommandValue::Line(line), false) => {
            let argv = shlex::split(line).ok_or_else(|| {
                loaded.error(
                    &c.referenced,
                    "`command` has an unbalanced quote or a trailing backslash; fix the quoting or write it as a list".into(),
                )
            })?;
            if argv.is_empty() {
                return Err(empty().into());
            }
            Ok((argv.clone(), argv))
        }
        (CommandValue::Argv(argv), _) => {
            if argv.is_empty() {
                return Err(empty().into());
            }
            if shell {
                let line = argv.join(" ");
                Ok((vec![line.clone()], vec!["sh".into(), "-c".into(), line]))
            } else {
                Ok((argv.clone(), argv.clone()))
            }
        }
    }
}

pub fn fail_on_arg(f: FailOnArg) -> Option<Severity> {
    match f {
        FailOnArg::Critical => Some(Severity::Critical),
        FailOnArg::High => Some(Severity::High),
        FailOnArg::Medium => Some(Severity::Medium),
        FailOnArg::Low => Some(Severity::Low),
        FailOnArg::None => None,
    }
}

/// The command as one line: a `--shell` string as written, else argv quoted where needed. It is
/// the command's test id, its label in reports, and what `history --command` matches.
pub fn command_line(command: &[String], shell: bool) -> String {
    if shell {
        command.join(" ")
    } else {
        display_command(command)
    }
}

/// A command line as a user would type it (quoted where needed). A word holding control or
/// bidirectional characters is written in ANSI-C quotes (`$'\x1b'`, bash, zsh and POSIX
/// 2024 sh): the line still replays exactly, and shows nothing raw in a terminal or report.
pub fn display_command(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            if w.chars()
                .any(|c| c.is_control() || crate::render::is_bidi_control(c))
            {
                ansi_c_quoted(w)
            } else {
                shlex::try_quote(w).map_or_else(|_| w.clone(), |q| q.into_owned())
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `$'...'` with every character outside printable ASCII and text escaped.
fn ansi_c_quoted(word: &str) -> String {
    let mut out = String::from("$'");
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || crate::render::is_bidi_control(c) => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Authors (by email or name) to Slack member ids, for mentions in Slack reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MentionMap(BTreeMap<String, String>);

impl MentionMap {
    /// Reads `--mention-map FILE`, else `GITHUB_SLACK_MAP` (inline JSON, or a file's path).
    /// A file may be JSON or YAML: `{"ada@example.com": "U024BE7LH", "Grace Hopper": "U0G9QF9C6"}`.
    pub fn load(file: Option<&Path>, env: Option<&str>) -> Result<Self, ConfigError> {
        let (path, text) = match (file, env) {
            (Some(f), _) => (f.to_path_buf(), read_map(f)?),
            (None, Some(v)) if v.trim_start().starts_with('{') => {
                (PathBuf::from("$GITHUB_SLACK_MAP"), v.to_owned())
            }
            (None, Some(v)) if !v.trim().is_empty() => (PathBuf::from(v), read_map(Path::new(v))?),
            _ => return Ok(Self::default()),
        };
        let map: BTreeMap<String, Scalar> = serde_saphyr::from_str(&text).map_err(|e| ConfigError {
            file: path.clone(),
            position: e.location().filter(|l| l.line() > 0).map(|l| (l.line(), l.column())),
            message: format!(
                "{}; hint: the mention map maps author emails or names to Slack ids: {{\"ada@example.com\": \"U024BE7LH\"}}",
                clean_message(&e.to_string(), None)
            ),
        })?;
        Ok(Self(
            map.into_iter()
                .map(|(k, v)| (k.to_lowercase(), v.0))
                .collect(),
        ))
    }

    /// The Slack id of an author, by email first, then name (case does not matter).
    pub fn slack_id(&self, email: &str, name: &str) -> Option<String> {
        self.0
            .get(&email.to_lowercase())
            .or_else(|| self.0.get(&name.to_lowercase()))
            .cloned()
    }
}

fn read_map(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        position: None,
        message: format!("cannot read the mention map: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse(text) {
            Ok(_) => panic!("{text:?} should be rejected"),
            Err((pos, msg)) => format!("{pos:?} {msg}"),
        }
    }

    #[test]
    fn wrappers_and_the_frameworks_tool_may_run_a_projects_tests() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        let found = framework::detect(dir.path());
        let may = |line: &str| may_run_tests(&framework::words(line), &found[0]);
        for yes in [
            "make",
            "just ci",
            "./scripts/run-tests.sh",
            "bin/check",
            "cargo t",
            "/usr/bin/cargo hack test",
        ] {
            assert!(may(yes), "{yes}");
        }
        for no in ["true", "sleep 1", "./t.sh", "echo make"] {
            assert!(!may(no), "{no}");
        }
    }

    #[test]
    fn a_bare_number_is_seconds_or_days_and_units_win() {
        let secs = |t| parse_duration(t, BareNumber::Seconds);
        let days = |t| parse_duration(t, BareNumber::Days);
        assert_eq!(secs("5"), Ok(Duration::from_secs(5)));
        assert_eq!(secs(" 0.5 "), Ok(Duration::from_millis(500)));
        assert_eq!(secs("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(days("30"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(days("12h"), Ok(Duration::from_secs(12 * 3600)));
        for zero in ["0", "-5", "0s"] {
            assert_eq!(
                secs(zero),
                Err("the duration must be longer than zero".into())
            );
        }
        let e = secs("soon").unwrap_err();
        assert!(
            e.ends_with("such as 90s, 10m or 1h30m (a bare number is seconds)"),
            "{e}"
        );
        let e = days("30x").unwrap_err();
        assert!(e.ends_with("(a bare number is days)"), "{e}");
        assert!(secs("1e300").unwrap_err().contains("too long"));
    }

    #[test]
    fn a_parallel_ci_job_is_a_shard_by_its_own_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let shard = |pairs| shard_from_ci(vars(pairs)).map(|s| s.map(|(k, n, _)| (k, n)));
        assert_eq!(
            shard(&[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "4")]).unwrap(),
            Some((3, 4))
        );
        assert_eq!(
            shard(&[
                ("BUILDKITE_PARALLEL_JOB", "0"),
                ("BUILDKITE_PARALLEL_JOB_COUNT", "2")
            ])
            .unwrap(),
            Some((1, 2))
        );
        // One job of one, or no parallel job: the whole run.
        assert_eq!(
            shard(&[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "1")]).unwrap(),
            None
        );
        assert_eq!(shard(&[("CI_NODE_INDEX", "1")]).unwrap(), None);
        assert_eq!(
            shard(&[("JOB_COMPLETION_INDEX", "7"), ("FLAKY_SHARD_TOTAL", "8")]).unwrap(),
            Some((8, 8))
        );
        let err = shard(&[("JOB_COMPLETION_INDEX", "2")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("FLAKY_SHARD_TOTAL") && err.contains("--shard 1/1"),
            "{err}"
        );
        for bad in [
            &[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "2")][..],
            &[("CI_NODE_INDEX", "x"), ("CI_NODE_TOTAL", "2")],
            &[
                ("BUILDKITE_PARALLEL_JOB", "2"),
                ("BUILDKITE_PARALLEL_JOB_COUNT", "2"),
            ],
            &[("JOB_COMPLETION_INDEX", "8"), ("FLAKY_SHARD_TOTAL", "8")],
        ] {
            assert!(shard(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn shards_split_the_attempts_into_contiguous_blocks_that_cover_them_once() {
        for runs in [1, 7, 10, 400] {
            for total in 1..=runs.min(9) {
                let blocks: Vec<_> = (1..=total)
                    .map(|index| Shard { index, total, runs }.attempts())
                    .collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[blocks.len() - 1].end, runs);
                assert!(blocks.windows(2).all(|w| w[0].end == w[1].start));
                assert!(blocks.iter().all(|b| b.len() as u32 >= runs / total));
            }
        }
    }

    #[test]
    fn full_file_parses() {
        let c = parse(
            "runs: 50\njobs: 4\ntimeout: 90s\nseed: 7\ncommand: pytest -q 'tests/a b'\nenv:\n  A: 1\n  B: x\nfail_on: high\nseverity_thresholds:\n  critical: 95%\n  medium: 0.2\nignore_patterns:\n  - 'tests/slow/*'\n",
        )
        .unwrap();
        assert_eq!(c.runs.unwrap().value, 50);
        assert_eq!(c.timeout.unwrap().value.0, Ok(Duration::from_secs(90)));
        assert_eq!(c.env.unwrap()["A"].0, "1");
        assert_eq!(
            c.severity_thresholds
                .unwrap()
                .value
                .critical
                .unwrap()
                .value
                .0,
            Ok(0.95)
        );
        assert_eq!(c.fail_on.unwrap().referenced.line(), 9);
    }

    #[test]
    fn mention_maps_from_a_file_or_inline() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("map.yml");
        std::fs::write(&f, "ada@example.com: U1\nGrace Hopper: U2\n").unwrap();
        let m = MentionMap::load(Some(&f), Some("{\"x\": \"U9\"}")).unwrap();
        assert_eq!(m.slack_id("ADA@example.com", "Ada"), Some("U1".into()));
        assert_eq!(
            m.slack_id("g@example.com", "grace hopper"),
            Some("U2".into())
        );
        assert_eq!(m.slack_id("x@example.com", "X"), None);
        let m = MentionMap::load(None, Some(r#"{"x@example.com": "U9"}"#)).unwrap();
        assert_eq!(m.slack_id("x@example.com", ""), Some("U9".into()));
        assert_eq!(MentionMap::load(None, None).unwrap(), MentionMap::default());
        std::fs::write(&f, "- not\n- a map\n").unwrap();
        let e = MentionMap::load(Some(&f), None).unwrap_err().to_string();
        assert!(e.contains("map.yml") && e.contains("hint:"), "{e}");
        assert!(MentionMap::load(Some(&dir.path().join("missing")), None).is_err());
    }

    #[test]
    fn empty_and_comment_only_files_are_defaults() {
        assert!(parse("").unwrap().runs.is_none());
        assert!(parse("# nothing yet\n").unwrap().runs.is_none());
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_line_and_key() {
        let e = err("runs: 5\nrnus: 3\n");
        assert!(e.starts_with("Some((2, "), "{e}");
        assert!(e.contains("rnus"), "{e}");
        let e = err("runs: many\n");
        assert!(e.starts_with("Some((1, "), "{e}");
        let e = err("severity_thresholds:\n  severe: 0.5\n");
        assert!(e.starts_with("Some((2, ") && e.contains("severe"), "{e}");
        let e = err("runs: [1\n");
        assert!(e.starts_with("Some("), "{e}");
        let e = err("runs: 1\nruns: 2\n");
        assert!(e.contains("runs"), "{e}");
    }

    #[test]
    fn quarantine_entries_are_checked_naming_file_line_and_fix() {
        let check = |text: &str| {
            LoadedConfig::from_text(PathBuf::from("/p/.flaky.yml"), text.to_owned())
                .and_then(|l| l.quarantine())
                .map(|entries| entries.len())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            check(
                "quarantine:\n  - test: \"tests/a.py::t[x-1]\"\n    reason: b\n    owner: '@ana'\n    until: 2027-01-31\n  - test: tests/b/**\n    reason: c\n"
            ),
            Ok(2)
        );
        assert_eq!(check("quarantine:\n"), Ok(0));
        assert_eq!(check("quarantine: []\n"), Ok(0));
        for (text, says) in [
            (
                "quarantine:\n  - reason: b\n",
                "/p/.flaky.yml:2:5: a `quarantine` entry has no `test`; hint: name the test id",
            ),
            (
                "quarantine:\n  - test: a\n",
                "/p/.flaky.yml:2:5: the `quarantine` entry of `a` has no `reason`; hint: say why",
            ),
            (
                "quarantine:\n  - test: ''\n    reason: b\n",
                "/p/.flaky.yml:2:11: `quarantine`: `test` is empty; hint:",
            ),
            (
                "quarantine:\n  - test: a\n    reason: '  '\n",
                "/p/.flaky.yml:3:13: `quarantine`: `reason` is empty; hint:",
            ),
            (
                "quarantine:\n  - test: a\n    reason: b\n    owner: ''\n",
                "/p/.flaky.yml:4:12: `quarantine`: `owner` is empty; hint: name who fixes it",
            ),
            (
                "quarantine:\n  - test: a\n    reason: b\n    until: 2027-02-30\n",
                "/p/.flaky.yml:4:12: `quarantine`: `until`: `2027-02-30` is not a date: February 2027 has 28 days; hint: write the last day",
            ),
            (
                "quarantine:\n  - test: a\n    reason: b\n    until: 31/01/2027\n",
                "`31/01/2027` is not a date written YYYY-MM-DD; hint:",
            ),
            (
                "quarantine:\n  - test: 'tests/*[z-a]'\n    reason: b\n",
                "/p/.flaky.yml:2:11: `quarantine`: `tests/*[z-a]` is not a valid glob: invalid range; 'z' > 'a'; hint: fix the glob",
            ),
            (
                "quarantine:\n  - test: a\n    reason: b\n  - test: c\n    reason: d\n  - test: a\n    reason: e\n",
                "/p/.flaky.yml:6:11: `quarantine`: `a` is listed twice (first on line 2); hint: keep one entry",
            ),
            (
                "quarantine:\n  - test: a\n    reasn: b\n",
                "/p/.flaky.yml:3:5: unknown field `reasn`, expected one of test, reason, owner, until",
            ),
            (
                "quarantine:\n  - test: a\n    test: b\n",
                "/p/.flaky.yml:3:5: duplicate mapping key: test",
            ),
            (
                "quarantine:\n  - test: [a, b]\n    reason: c\n",
                "/p/.flaky.yml:2:11: `test`: expected a single value, not a list or a mapping",
            ),
            (
                "quarantine:\n  - a\n",
                "/p/.flaky.yml:2:5: invalid type: string \"a\", expected an entry of `test: ID`, `reason: WHY`",
            ),
            (
                "quarantine:\n  test: a\n  reason: b\n",
                "expected a list of entries, each `- test: ID` with `reason: WHY` below it",
            ),
        ] {
            let e = check(text).expect_err(text);
            assert!(e.starts_with(says) || e.contains(says), "{text:?}\n{e}");
        }
    }

    #[test]
    fn words_with_control_characters_are_inert_on_screen_and_exact_in_bash() {
        let words = vec![
            "go".to_owned(),
            "a b".to_owned(),
            "x\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{202e}'q\\\n".to_owned(),
        ];
        let line = display_command(&words);
        assert_eq!(line, r"go 'a b' $'x\x1b]52;c;aGk=\x07\x1b[2J\u202e\'q\\\n'");
        let Ok(out) = std::process::Command::new("bash")
            .args(["-c", &format!("printf '%s\\0' {line}")])
            .output()
        else {
            return; // no bash here: the expected text above is the proof
        };
        let printed: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_owned)
            .collect();
        assert_eq!(printed, words);
    }
}
