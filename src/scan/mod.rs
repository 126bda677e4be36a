//! `flaky scan`: static flakiness smells in test code, found on tree-sitter syntax trees, one
//! module of rules per language; and the join of those smells with measured tests.
//!
//! Every file of a supported language under the root is parsed (test files and the code they
//! call): smells in test code are reported; smells in other code are reported only where a test
//! reaches them through its calls (`register()` mutating a module-level registry).

#[cfg(test)]
mod deep;
mod facts;
mod golang;
mod javascript;
mod join;
mod python;
pub mod rules;
mod rust;
mod shared;
pub mod syntax;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use globset::GlobSet;
use serde::Serialize;
use tree_sitter::{Node, Parser, Tree};

pub use join::{Cause, LikelyCauses, causes_of, likely_causes};
use rules::Lang;
use syntax::{FileCtx, FileFacts, RawFinding, UnitKind};

use crate::analysis::Severity;

/// The bumped version of the JSON document of `flaky scan --format json`.
pub const SCHEMA_VERSION: u32 = 2;

/// What kind of flakiness a smell leads to (what each covers is its `description`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Sleep,
    Clock,
    Random,
    Network,
    Filesystem,
    Subprocess,
    GlobalState,
    AsyncRace,
    Unordered,
    SharedFixture,
}

impl Category {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sleep => "sleep",
            Self::Clock => "clock",
            Self::Random => "random",
            Self::Network => "network",
            Self::Filesystem => "filesystem",
            Self::Subprocess => "subprocess",
            Self::GlobalState => "global-state",
            Self::AsyncRace => "async-race",
            Self::Unordered => "unordered",
            Self::SharedFixture => "shared-fixture",
        }
    }

    /// One line for SARIF rule descriptions and the README.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Sleep => "fixed sleeps and timing thresholds",
            Self::Clock => "wall-clock and time-zone reads",
            Self::Random => "randomness without a seed, or an outcome that varies with the seed",
            Self::Network => "network calls without a mock or local server",
            Self::Filesystem => "writes to fixed paths outside the test's temporary directory",
            Self::Subprocess => "subprocesses without a mock",
            Self::GlobalState => "module-level, global or environment state mutated",
            Self::AsyncRace => "concurrency without synchronisation",
            Self::Unordered => "iteration over unordered collections whose order is asserted",
            Self::SharedFixture => "fixtures or hooks that share mutable state across tests",
        }
    }
}

/// How sure a rule is that the smell is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// One step less sure (for smells reached through calls).
    const fn lower(self) -> Self {
        match self {
            Self::High => Self::Medium,
            _ => Self::Low,
        }
    }
}

/// A language flaky can scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Rust,
}

impl Language {
    /// The language of a file, by its extension.
    pub fn of(path: &Path) -> Option<Self> {
        Self::of_extension(path.extension()?.to_str()?)
    }

    /// The language of files with this extension (`py`, `tsx`).
    pub fn of_extension(extension: &str) -> Option<Self> {
        match extension {
            "py" => Some(Self::Python),
            "js" | "mjs" | "cjs" | "jsx" => Some(Self::JavaScript),
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "tsx" => Some(Self::Tsx),
            "go" => Some(Self::Go),
            "rs" => Some(Self::Rust),
            _ => None,
        }
    }

    fn grammar(self) -> tree_sitter::Language {
        match self {
            Self::Python => tree_sitter_python::LANGUAGE.into(),
            Self::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Self::Go => tree_sitter_go::LANGUAGE.into(),
            Self::Rust => tree_sitter_rust::LANGUAGE.into(),
        }
    }

    /// Whether a file (path relative to the root) is a test file by its frameworks' conventions.
    pub fn is_test_file(self, rel: &str) -> bool {
        match self.family() {
            Lang::Python => python::is_test_file(rel),
            Lang::JavaScript => javascript::is_test_file(rel),
            Lang::Go => golang::is_test_file(rel),
            Lang::Rust => rust::is_test_file(rel),
        }
    }

    fn analyze(self, tree: &Tree, cx: &mut FileCtx<'_>) {
        match self.family() {
            Lang::Python => python::analyze(tree, cx),
            Lang::JavaScript => javascript::analyze(tree, cx),
            Lang::Go => golang::analyze(tree, cx),
            Lang::Rust => rust::analyze(tree, cx),
        }
    }

    /// The family whose files can call each other's functions (TypeScript is JavaScript's).
    const fn family(self) -> Lang {
        match self {
            Self::Python => Lang::Python,
            Self::JavaScript | Self::TypeScript | Self::Tsx => Lang::JavaScript,
            Self::Go => Lang::Go,
            Self::Rust => Lang::Rust,
        }
    }
}

/// A smell, where it is, and which tests it concerns.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Relative to the scan root, `/`-separated.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The test it is in (`TestSlug::test_lowercases`, `checkout > charges the card`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// The function it is in, when that is not a test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    pub message: String,
    /// The source lines of the smell (at most three).
    pub excerpt: String,
    pub hint: String,
    /// Tests that reach it through their calls, when it is not in a test itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reached_from: Vec<Reach>,
    /// Rarely a risk on its own (see `ScanOptions::context`): shown only with `--every` and
    /// among the likely causes of a test measured flaky.
    pub context: bool,
}

/// A test that reaches a finding through calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    pub file: String,
    pub test: String,
    /// The calls from the test to the finding's function (`register`).
    pub via: Vec<String>,
}

/// A test unit as scanned, with the findings that concern it (for the join with measured ids).
#[derive(Debug, Clone, Serialize)]
pub struct ScannedTest {
    pub file: String,
    /// Its parents and name as its framework joins them.
    pub display: String,
    pub parents: Vec<String>,
    pub name: String,
    /// Indices into [`ScanReport::findings`].
    pub findings: Vec<usize>,
}

/// A file that could not be read or parsed.
#[derive(Debug, Clone, Serialize)]
pub struct ScanError {
    pub file: String,
    pub message: String,
}

/// A `flaky: ignore[...]` comment naming what no rule or category is called: it silences
/// nothing, which its writer should know (a typo, or a rule since renamed).
#[derive(Debug, Clone, Serialize)]
pub struct ScanWarning {
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// The result of a scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub root: String,
    pub files_scanned: usize,
    pub test_files: usize,
    pub duration_ms: u64,
    pub findings: Vec<Finding>,
    pub tests: Vec<ScannedTest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ScanError>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ScanWarning>,
}

impl ScanReport {
    /// The findings at or above `fail_on` (`None`: none).
    pub fn failing(&self, fail_on: Option<Severity>) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity.reaches(fail_on))
            .count()
    }
}

/// What to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Paths (relative to the root) to leave out.
    pub ignore: Option<GlobSet>,
    /// Threads; 0 = available cores.
    pub threads: usize,
    /// Every finding, not one per rule and test.
    pub every: bool,
    /// Also what is rarely a risk on its own (the random values, clock reads and state of the
    /// code under test that tests reach, a process run to its end): a test's cause only when it
    /// depends on it, so shown as likely causes of a test measured flaky, and by `--every`.
    pub context: bool,
}

impl ScanOptions {
    /// What the likely causes of a test measured flaky are drawn from: context included.
    pub fn for_causes() -> Self {
        Self {
            context: true,
            ..Self::default()
        }
    }
}

/// Directories never scanned: dependencies, build output, virtualenvs, caches.
const SKIPPED_DIRS: [&str; 12] = [
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    "site-packages",
    ".tox",
    ".git",
    "dist",
    "build",
    ".mypy_cache",
];

/// Files larger than this are left out (generated or minified code, not tests).
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Scans the supported source files under `root` (a directory, or one file).
pub fn scan(root: &Path, options: &ScanOptions) -> std::io::Result<ScanReport> {
    let started = Instant::now();
    let meta = std::fs::metadata(root)?;
    let (base, files) = if meta.is_file() {
        let base = root.parent().unwrap_or(Path::new("")).to_path_buf();
        (base, vec![root.to_path_buf()])
    } else {
        (root.to_path_buf(), discover(root, options))
    };
    let test_macros = rust::test_macros_of(&files);
    let (sources, errors): (Vec<_>, Vec<_>) = parse_all(&base, &files, options, &test_macros)
        .into_iter()
        .partition(Result::is_ok);
    let mut sources: Vec<Source> = sources.into_iter().flatten().collect();
    let mut errors: Vec<ScanError> = errors.into_iter().filter_map(Result::err).collect();
    sources.sort_by(|a, b| a.rel.cmp(&b.rel));
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    let test_files = sources
        .iter()
        .filter(|s| s.language.is_test_file(&s.rel))
        .count();
    let (findings, tests) = assemble(&sources);
    let warnings = sources.iter().flat_map(|s| s.warnings.clone()).collect();
    Ok(ScanReport {
        schema_version: SCHEMA_VERSION,
        root: root.display().to_string(),
        files_scanned: sources.len(),
        test_files,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        findings,
        tests,
        errors,
        warnings,
    })
}

/// The supported files under the root, honouring .gitignore and `--ignore`.
fn discover(root: &Path, options: &ScanOptions) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(root)
        .hidden(true)
        .parents(true)
        .require_git(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
        })
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && Language::of(e.path()).is_some())
        .filter(|e| !e.metadata().is_ok_and(|m| m.len() > MAX_FILE_BYTES))
        .filter(|e| {
            !options
                .ignore
                .as_ref()
                .is_some_and(|g| g.is_match(relative(root, e.path())))
        })
        .map(ignore::DirEntry::into_path)
        .collect()
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// One parsed file: what its rules found, with the suppressions of its comments applied.
struct Source {
    rel: String,
    language: Language,
    /// The excerpt of each finding, by index: taken while the text is at hand, so the text of
    /// every file is not kept until the end.
    excerpts: Vec<String>,
    facts: FileFacts,
    warnings: Vec<ScanWarning>,
}

/// Parses and analyses the files on `threads` threads (each with its own parsers).
fn parse_all(
    base: &Path,
    files: &[PathBuf],
    options: &ScanOptions,
    test_macros: &BTreeMap<String, usize>,
) -> Vec<Result<Source, ScanError>> {
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        options.threads
    }
    .clamp(1, files.len().max(1));
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::with_capacity(files.len()));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut parsers: HashMap<Language, Parser> = HashMap::new();
                while let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = isolated(&relative(base, path), || {
                        parse_one(base, path, &mut parsers, options, test_macros)
                    });
                    if result.is_err() {
                        // A parser a panic left midway is not reused.
                        parsers.clear();
                    }
                    out.lock().unwrap_or_else(|e| e.into_inner()).push(result);
                }
            });
        }
    });
    out.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Runs the analysis of one file so that a panic in it (a rule meeting code nobody foresaw)
/// skips that file, with the reason, instead of ending the scan.
fn isolated(
    rel: &str,
    analyse: impl FnOnce() -> Result<Source, ScanError>,
) -> Result<Source, ScanError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(analyse)).unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(ScanError {
            file: rel.to_owned(),
            message: format!(
                "the analysis failed ({why}), so the file is skipped; please report it with the file"
            ),
        })
    })
}

fn parse_one(
    base: &Path,
    path: &Path,
    parsers: &mut HashMap<Language, Parser>,
    options: &ScanOptions,
    test_macros: &BTreeMap<String, usize>,
) -> Result<Source, ScanError> {
    let rel = relative(base, path);
    let fail = |message: String| ScanError {
        file: rel.clone(),
        message,
    };
    let language = Language::of(path).ok_or_else(|| fail("not a supported language".into()))?;
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let src = String::from_utf8_lossy(&bytes);
    let parser = parsers.entry(language).or_default();
    if parser.language().is_none() {
        parser
            .set_language(&language.grammar())
            .map_err(|e| fail(format!("grammar: {e}")))?;
    }
    let tree = parser
        .parse(src.as_bytes(), None)
        .ok_or_else(|| fail("the parser gave up".into()))?;
    let mut cx = FileCtx::new(&rel, &src, language.is_test_file(&rel));
    cx.test_macros = test_macros;
    language.analyze(&tree, &mut cx);
    let mut facts = cx.facts;
    // Most files have no `flaky: ignore` comment: only those that do are walked for them.
    let mut warnings = Vec::new();
    if src.contains(IGNORE_MARKER) {
        let by_line = suppressions(tree.root_node(), &src, &rel, &mut warnings);
        facts.findings.retain(|f| !silenced(&by_line, f));
    }
    // Context a scan does not show goes before repeats fold, so that it is never the one kept.
    facts
        .findings
        .retain(|f| options.context || !f.smell.context);
    if !options.every {
        collapse_repeats(&mut facts);
    }
    // In place order, which the report keeps (see `assemble`).
    facts
        .findings
        .sort_by_key(|f| (f.line, f.column, f.smell.rule));
    Ok(Source {
        excerpts: facts
            .findings
            .iter()
            .map(|f| excerpt(&src, f.line, f.end_line))
            .collect(),
        rel,
        language,
        facts,
        warnings,
    })
}

/// Rules whose findings each name a piece of shared state: two in one test are two problems.
const PER_STATE_RULES: [&str; 5] = [
    "module-state-write",
    "reads-mutated-state",
    "imported-state-write",
    "global-object-write",
    "shared-fixture",
];

/// One finding per rule in each test: the worst (then the first), saying how many more the
/// test has (seven random draws in one test are one problem, with one fix). Rules about a named
/// piece of shared state keep each.
fn collapse_repeats(facts: &mut FileFacts) {
    let mut repeats: HashMap<(usize, &'static str), Vec<usize>> = HashMap::new();
    for (i, f) in facts.findings.iter().enumerate() {
        if let Some(unit) = f.unit
            && !PER_STATE_RULES.contains(&f.smell.rule)
        {
            repeats.entry((unit, f.smell.rule)).or_default().push(i);
        }
    }
    let mut keep = vec![true; facts.findings.len()];
    for ((unit, _), same) in repeats.into_iter().filter(|(_, same)| same.len() > 1) {
        let smell = |i: usize| &facts.findings[i].smell;
        // The last of the worst in reverse: the first of them.
        let worst = same
            .iter()
            .rev()
            .max_by_key(|&&i| (smell(i).severity, smell(i).confidence))
            .map_or(same[0], |&i| i);
        for &i in &same {
            keep[i] = i == worst;
        }
        let unit = if facts.units[unit].kind == UnitKind::Test {
            "test"
        } else {
            "function"
        };
        let more = format!(" (and {} more like it in this {unit})", same.len() - 1);
        facts.findings[worst].smell.message.push_str(&more);
    }
    let mut keep = keep.into_iter();
    facts.findings.retain(|_| keep.next().unwrap_or(true));
}

const IGNORE_MARKER: &str = "flaky: ignore";

/// Whether a `flaky: ignore` comment (see [`suppressions`]) silences a finding.
fn silenced(by_line: &HashMap<u32, Vec<String>>, f: &RawFinding) -> bool {
    let names_it = |n: &String| {
        n == f.smell.category.as_str() || rules::find(n).is_some_and(|r| r.id == f.smell.rule)
    };
    [f.line, f.line.saturating_sub(1)].iter().any(|l| {
        by_line
            .get(l)
            .is_some_and(|names| names.is_empty() || names.iter().any(names_it))
    })
}

/// Reads `flaky: ignore` and `flaky: ignore[rule-or-category, ...]` from every comment node:
/// line -> the rules or categories silenced there (empty = all). A comment silences its own
/// line and, when it is alone on its line, the line after it. A name that is neither a rule
/// nor a category is a warning.
fn suppressions(
    root: Node<'_>,
    src: &str,
    rel: &str,
    warnings: &mut Vec<ScanWarning>,
) -> HashMap<u32, Vec<String>> {
    let mut out = HashMap::new();
    for node in syntax::descendants(root) {
        // Rust's doc comments hold a `doc_comment` node: each comment is read once.
        if !matches!(node.kind(), "comment" | "line_comment" | "block_comment") {
            continue;
        }
        let text = src.get(node.byte_range()).unwrap_or("");
        // The marker opens the comment or follows another tool's (`# noqa  # flaky: ignore`);
        // quoted in prose (`` `flaky: ignore[...]` ``) or part of a word, it is no directive.
        let Some(at) = text.find(IGNORE_MARKER) else {
            continue;
        };
        let rest = &text[at + IGNORE_MARKER.len()..];
        if !text[..at].trim_end().ends_with(['#', '/', '*', '!'])
            || rest.starts_with(char::is_alphanumeric)
        {
            continue;
        }
        let line = syntax::line_of(node.start_position().row);
        let mut warn = |message: String| {
            warnings.push(ScanWarning {
                file: rel.to_owned(),
                line,
                message,
            });
        };
        let names: Vec<String> = match rest.trim_start().strip_prefix('[') {
            None => Vec::new(),
            Some(list) => {
                let Some((inside, _)) = list.split_once(']') else {
                    warn(format!(
                        "`{IGNORE_MARKER}[` has no closing `]`, so it silences nothing"
                    ));
                    continue;
                };
                inside
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
        };
        let known = |n: &&String| {
            rules::find(n).is_some() || rules::ALL.iter().any(|r| r.category.as_str() == *n)
        };
        for name in names.iter().filter(|n| !known(n)) {
            let candidates = rules::ALL.iter().flat_map(|r| [r.id, r.category.as_str()]);
            let hint = match crate::suggest::closest(name, candidates) {
                Some(meant) => format!("did you mean `{meant}`?"),
                None => "`flaky scan --list-rules` lists them".to_owned(),
            };
            warn(format!(
                "`{IGNORE_MARKER}[{name}]` names no rule or category, so it silences nothing; {hint}"
            ));
        }
        // A comment alone on its line applies to the next line: store it one line down, where
        // `silenced` looks one line up.
        let alone = src[..node.start_byte()]
            .rsplit('\n')
            .next()
            .is_some_and(|before| before.trim().is_empty());
        // Two comments for one line (one above it, one on it) both apply; an empty list is all.
        let at = if alone { line + 1 } else { line };
        match out.get_mut(&at) {
            None => {
                out.insert(at, names);
            }
            Some(all) if all.is_empty() || names.is_empty() => all.clear(),
            Some(all) => all.extend(names),
        }
    }
    out
}

/// How deep calls are followed from a test.
const CALL_DEPTH: usize = 3;

/// Turns the files' raw findings into findings with tests, and the tests with their findings.
fn assemble(sources: &[Source]) -> (Vec<Finding>, Vec<ScannedTest>) {
    let callables = Callables::of(sources);
    // By (source, raw finding): the sources are in path order and each one's findings in place
    // order (see `parse_one`), so the map's order is the report's.
    let mut found: BTreeMap<(usize, usize), Finding> = BTreeMap::new();
    // Findings in test code stand on their own, in files that hold tests or hooks: a script in a
    // test directory that holds neither (a benchmark, a demo) counts only where a test reaches it.
    for (si, s) in sources.iter().enumerate() {
        let runs_in_tests = s.facts.units.iter().any(|u| u.kind != UnitKind::Helper);
        for (fi, f) in s.facts.findings.iter().enumerate() {
            if f.test_code && runs_in_tests {
                found.insert((si, fi), finding(s, fi));
            }
        }
    }
    // Each test, with the findings that concern it by (source, raw finding).
    let mut tests: Vec<(ScannedTest, Vec<(usize, usize)>)> = Vec::new();
    for (si, s) in sources.iter().enumerate() {
        for (ui, u) in s.facts.units.iter().enumerate() {
            if u.kind != UnitKind::Test {
                continue;
            }
            let mut mine: Vec<(usize, usize)> = Vec::new();
            for (fi, f) in s.facts.findings.iter().enumerate() {
                if f.unit.is_some_and(|fu| within(&s.facts.units, fu, ui)) {
                    found.entry((si, fi)).or_insert_with(|| finding(s, fi));
                    mine.push((si, fi));
                }
            }
            let display = display_name(u, s.language);
            for ((tsi, tui), via) in reached(sources, &callables, (si, ui)) {
                for (fi, f) in sources[tsi].facts.findings.iter().enumerate() {
                    if f.unit != Some(tui) || u.fakes.contains(&f.smell.category) {
                        continue;
                    }
                    let found = found
                        .entry((tsi, fi))
                        .or_insert_with(|| finding(&sources[tsi], fi));
                    let reach = Reach {
                        file: s.rel.clone(),
                        test: display.clone(),
                        via: via.clone(),
                    };
                    if found.test.is_none() && !found.reached_from.contains(&reach) {
                        if found.reached_from.is_empty() && !f.test_code {
                            found.confidence = f.smell.confidence.lower();
                        }
                        found.reached_from.push(reach);
                    }
                    mine.push((tsi, fi));
                }
            }
            mine.sort_unstable();
            mine.dedup();
            let test = ScannedTest {
                file: s.rel.clone(),
                display,
                parents: u.parents.clone(),
                name: u.name.clone(),
                findings: Vec::new(),
            };
            tests.push((test, mine));
        }
    }
    let keys: Vec<(usize, usize)> = found.keys().copied().collect();
    let index = |key: &(usize, usize)| {
        keys.binary_search(key)
            .expect("a test's findings were all put in the report")
    };
    let tests = tests
        .into_iter()
        .map(|(test, mine)| ScannedTest {
            findings: mine.iter().map(index).collect(),
            ..test
        })
        .collect();
    (found.into_values().collect(), tests)
}

/// The units a test's calls reach in at most [`CALL_DEPTH`] calls, breadth first, each with
/// the calls that lead there.
fn reached(
    sources: &[Source],
    callables: &Callables<'_>,
    test: (usize, usize),
) -> Vec<((usize, usize), Vec<String>)> {
    let mut seen = HashSet::from([test]);
    let mut out = vec![(test, Vec::new())];
    // A unit's path is one call per step from the test: its length is its depth.
    let mut next = 0;
    while let Some(((si, ui), path)) = out.get(next).cloned() {
        next += 1;
        if path.len() == CALL_DEPTH {
            continue;
        }
        for call in &sources[si].facts.units[ui].calls {
            for target in resolve(sources, callables, si, call) {
                if seen.insert(target) {
                    let via = [path.as_slice(), std::slice::from_ref(call)].concat();
                    out.push((target, via));
                }
            }
        }
    }
    out.split_off(1)
}

/// Whether unit `inner` is `outer` or nested in it (by lines, in the same file).
fn within(units: &[syntax::Unit], inner: usize, outer: usize) -> bool {
    let (i, o) = (&units[inner], &units[outer]);
    inner == outer || (i.start_line >= o.start_line && i.end_line <= o.end_line)
}

/// Units of a scan, each as (source index, unit index).
type UnitRefs = Vec<(usize, usize)>;

/// The units calls can reach, by what a call names.
#[derive(Default)]
struct Callables<'a> {
    /// By language family and name: functions, and methods by their own name.
    named: HashMap<(Lang, &'a str), UnitRefs>,
    /// Methods by family, class and name (`Server.serve`; a constructor call is `Class.__init__`).
    methods: HashMap<(Lang, &'a str, &'a str), UnitRefs>,
    /// Functions written inside a test, by file and name: that test's own, called only there.
    local: HashMap<(usize, &'a str), Vec<usize>>,
}

impl<'a> Callables<'a> {
    fn of(sources: &'a [Source]) -> Self {
        let mut out = Self::default();
        for (si, s) in sources.iter().enumerate() {
            let units = &s.facts.units;
            let family = s.language.family();
            let tests: Vec<usize> = (0..units.len())
                .filter(|&t| units[t].kind == UnitKind::Test)
                .collect();
            for (ui, u) in units.iter().enumerate() {
                let name = u.name.as_str();
                if tests.iter().any(|&t| t != ui && within(units, ui, t)) {
                    out.local.entry((si, name)).or_default().push(ui);
                } else if u.kind != UnitKind::Test {
                    out.named.entry((family, name)).or_default().push((si, ui));
                    if let Some(class) = u.parents.last() {
                        out.methods
                            .entry((family, class.as_str(), name))
                            .or_default()
                            .push((si, ui));
                    }
                }
            }
        }
        out
    }
}

/// The units a call from file `from` may mean: in the same file if defined there; else in the
/// same directory (Go packages, Rust crates' siblings), else in a file the caller imports; else,
/// when exactly one file of the language family defines it, that one.
fn resolve(
    sources: &[Source],
    callables: &Callables<'_>,
    from: usize,
    call: &str,
) -> Vec<(usize, usize)> {
    let caller = &sources[from];
    let family = caller.language.family();
    let all = match call.split_once('.') {
        Some((class, method)) => callables.methods.get(&(family, class, method)),
        None => callables.named.get(&(family, call)),
    }
    .map_or(&[][..], Vec::as_slice);
    // A test's own functions are in its file: the first tier finds them, or there are none.
    let local = callables.local.get(&(from, call)).into_iter().flatten();
    let candidates = local.map(|&u| (from, u)).chain(all.iter().copied());
    let dir = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    let one_file = all.iter().all(|&(s, _)| s == all[0].0);
    // Nearest first: the same file, the same directory, an imported file, the only file that
    // defines it.
    let tiers: [&dyn Fn(usize) -> bool; 4] = [
        &|s| s == from,
        &|s| dir(&sources[s].rel) == dir(&caller.rel),
        &|s| {
            let imports = &caller.facts.imports;
            imports
                .iter()
                .any(|imp| join::import_names(&caller.rel, imp, &sources[s].rel))
        },
        &|_| one_file,
    ];
    tiers
        .iter()
        .map(|keep| {
            candidates
                .clone()
                .filter(|&(s, _)| keep(s))
                .collect::<Vec<_>>()
        })
        .find(|found| !found.is_empty())
        .unwrap_or_default()
}

/// A unit's name for people: its parents and name, as its framework joins them
/// (`TestSlug::test_lowercases`, `checkout > charges the card`).
fn display_name(u: &syntax::Unit, language: Language) -> String {
    let sep = if language.family() == Lang::JavaScript && u.kind != UnitKind::Helper {
        " > "
    } else {
        "::"
    };
    [u.parents.as_slice(), std::slice::from_ref(&u.name)]
        .concat()
        .join(sep)
}

fn finding(s: &Source, fi: usize) -> Finding {
    let f = &s.facts.findings[fi];
    let units = &s.facts.units;
    let name = |ui: usize| display_name(&units[ui], s.language);
    // The outermost test that holds it (a JS test's callback may hold helper functions).
    let test = (0..units.len())
        .find(|&ui| {
            units[ui].kind == UnitKind::Test && f.unit.is_some_and(|fu| within(units, fu, ui))
        })
        .map(name);
    let function = f
        .unit
        .filter(|&u| units[u].kind != UnitKind::Test)
        .map(name);
    Finding {
        rule: f.smell.rule,
        category: f.smell.category,
        severity: f.smell.severity,
        confidence: f.smell.confidence,
        file: s.rel.clone(),
        line: f.line,
        column: f.column,
        end_line: f.end_line,
        end_column: f.end_column,
        test,
        function,
        message: f.smell.message.clone(),
        excerpt: s.excerpts[fi].clone(),
        hint: f.smell.hint.clone(),
        context: f.smell.context,
        reached_from: Vec::new(),
    }
}

/// What the rules record for one source (its language by the file name), for unit tests.
#[cfg(test)]
pub(crate) fn facts_of(rel: &str, src: &str) -> FileFacts {
    let language = Language::of(Path::new(rel)).expect("a supported file");
    let mut parser = Parser::new();
    parser.set_language(&language.grammar()).expect("grammar");
    let tree = parser.parse(src, None).expect("parses");
    let mut cx = FileCtx::new(rel, src, language.is_test_file(rel));
    language.analyze(&tree, &mut cx);
    cx.facts
}

/// Lines `line` to `end_line` (1-based; at most three) of `src`, trimmed.
fn excerpt(src: &str, line: u32, end_line: u32) -> String {
    let first = line.saturating_sub(1) as usize;
    let count = (end_line as usize).saturating_sub(first).clamp(1, 3);
    src.lines()
        .skip(first)
        .take(count)
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Scans a fixture directory and renders its findings one per line, for snapshot tests.
#[cfg(test)]
pub(crate) fn snapshot_of(dir: &Path) -> String {
    use std::fmt::Write as _;
    // Every finding, context included: the fixtures show each case a rule covers.
    let options = ScanOptions {
        every: true,
        context: true,
        ..ScanOptions::default()
    };
    let report = scan(dir, &options).expect("fixture scans");
    let mut out = String::new();
    for f in &report.findings {
        let place = f
            .test
            .as_deref()
            .map(|t| format!("test {t}"))
            .or_else(|| f.function.as_deref().map(|n| format!("fn {n}")))
            .unwrap_or_else(|| "module".into());
        let _ = writeln!(
            out,
            "{}:{}:{} {} [{} {} {}{}] {place}\n    {}\n    | {}\n    hint: {}",
            f.file,
            f.line,
            f.column,
            f.rule,
            f.category.as_str(),
            f.severity.as_str(),
            f.confidence.as_str(),
            if f.context { " context" } else { "" },
            f.message,
            f.excerpt.replace('\n', "\n    | "),
            f.hint
        );
        for r in &f.reached_from {
            let _ = writeln!(
                out,
                "    reached from {}::{} via {}",
                r.file,
                r.test,
                r.via.join(" -> ")
            );
        }
    }
    for e in &report.errors {
        let _ = writeln!(out, "error {}: {}", e.file, e.message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Context (a library's own state, a process run to its end) is left out of a plain scan
    /// and kept, marked, for the likely causes and `--every`.
    #[test]
    fn context_is_shown_only_where_asked_for() {
        let dir = Path::new("tests/fixtures/scan/python");
        let at = |report: &ScanReport, file: &str, line: u32| {
            report
                .findings
                .iter()
                .find(|f| f.file == file && f.line == line)
                .map(|f| f.context)
        };
        let plain = scan(dir, &ScanOptions::default()).expect("scans");
        let causes = scan(dir, &ScanOptions::for_causes()).expect("scans");
        for (file, line) in [("app/registry.py", 13), ("tests/test_subprocess.py", 12)] {
            assert_eq!(at(&plain, file, line), None, "{file}:{line}");
            assert_eq!(at(&causes, file, line), Some(true), "{file}:{line}");
        }
        // What stands on its own is in both, unmarked.
        let sleeps = |r: &ScanReport| {
            r.findings
                .iter()
                .filter(|f| f.rule == "fixed-sleep" && !f.context)
                .count()
        };
        assert!(sleeps(&plain) > 0);
        assert_eq!(sleeps(&plain), sleeps(&causes));
    }

    /// A test's mocks hold for the code it reaches: the same call is a cause of the unmocked
    /// test only.
    #[test]
    fn what_a_test_fakes_is_not_a_cause_in_the_code_it_calls() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("app.py"),
            "import requests\n\n\ndef fetch():\n    return requests.get(\"https://api.example.com/v1\").json()\n",
        )
        .expect("write");
        std::fs::create_dir(dir.path().join("tests")).expect("mkdir");
        std::fs::write(
            dir.path().join("tests/test_app.py"),
            "import responses\n\nfrom app import fetch\n\n\n@responses.activate\ndef test_mocked():\n    assert fetch() is not None\n\n\ndef test_live():\n    assert fetch() is not None\n",
        )
        .expect("write");
        let report = scan(dir.path(), &ScanOptions::default()).expect("scans");
        let network = |id: &str| {
            causes_of(&report, id)
                .iter()
                .filter(|c| c.category == "network")
                .count()
        };
        assert_eq!(network("tests/test_app.py::test_live"), 1, "{report:#?}");
        assert_eq!(network("tests/test_app.py::test_mocked"), 0, "{report:#?}");
    }

    /// A panic while analysing one file is that file's error, naming it; the scan goes on.
    #[test]
    fn a_panic_in_one_file_skips_that_file_with_the_reason() {
        let failed = isolated("tests/test_odd.py", || panic!("a rule met an odd node"));
        let Err(e) = failed else {
            panic!("the panic was not caught")
        };
        assert_eq!(e.file, "tests/test_odd.py");
        assert_eq!(
            e.message,
            "the analysis failed (a rule met an odd node), so the file is skipped; please report it with the file"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("test_ok.py"), "def test_ok():\n    pass\n").expect("write");
        let ok = isolated("test_ok.py", || {
            parse_one(
                dir.path(),
                &dir.path().join("test_ok.py"),
                &mut HashMap::new(),
                &ScanOptions::for_causes(),
                &BTreeMap::new(),
            )
        });
        assert!(ok.is_ok_and(|s| s.facts.units.len() == 1));
    }

    /// What comments silence, and which say they silence nothing: on real directives, prose
    /// that quotes the marker, doc comments (which hold a comment node of their own) and typos.
    #[test]
    fn suppressions_read_directives_not_prose() {
        let read = |rel: &str, src: &str| {
            let language = Language::of(Path::new(rel)).expect("supported");
            let mut parser = Parser::new();
            parser.set_language(&language.grammar()).expect("grammar");
            let tree = parser.parse(src, None).expect("parses");
            let mut warnings = Vec::new();
            let by_line = suppressions(tree.root_node(), src, rel, &mut warnings);
            let mut lines: Vec<(u32, Vec<String>)> = by_line.into_iter().collect();
            lines.sort();
            let warned: Vec<String> = warnings
                .iter()
                .map(|w| format!("{}: {}", w.line, w.message))
                .collect();
            (lines, warned)
        };
        let python = "\
x = 1  # flaky: ignore
# flaky: ignore [sleep, fixed-sleep]
y = 2  # noqa: E501  # flaky: ignore[clock]
# to silence one, write `flaky: ignore[rule-id]` on its line
z = 3  # flaky: ignored by nobody
w = 4  # flaky: ignore[sleep
v = 5  # flaky: ignore[fixed-slep, random]
";
        let (lines, warned) = read("t.py", python);
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // Line 3 is silenced by the comment above it and the one on it, together.
        let expected = [
            (1, names(&[])),
            (3, names(&["sleep", "fixed-sleep", "clock"])),
            (7, names(&["fixed-slep", "random"])),
        ];
        assert_eq!(lines, expected);
        assert_eq!(
            warned,
            [
                "6: `flaky: ignore[` has no closing `]`, so it silences nothing",
                "7: `flaky: ignore[fixed-slep]` names no rule or category, so it silences nothing; did you mean `fixed-sleep`?",
            ]
        );
        let rust =
            "/// A `flaky: ignore[...]` comment in prose.\n//! flaky: ignore[nope]\nfn f() {}\n";
        let (lines, warned) = read("t.rs", rust);
        assert_eq!(lines, [(3, names(&["nope"]))]);
        assert_eq!(warned.len(), 1, "read once, not twice: {warned:?}");
    }
}
