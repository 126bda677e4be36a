//! Test frameworks: how to recognise them (in a project or in a command), how to drive one attempt
//! (reporter flags, order and seed knobs, test selection) and how to read its report.
//!
//! One module per framework implements [`Driver`]; this module holds what they share.

pub mod cargo;
pub mod gotest;
mod jest;
mod mocha;
mod node;
mod phpunit;
mod pytest;
mod rspec;
mod vitest;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::parse::Parsed;

/// The frameworks flaky drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    Pytest,
    Go,
    Jest,
    Vitest,
    Mocha,
    Node,
    Cargo,
    Nextest,
    Rspec,
    Phpunit,
}

impl Framework {
    pub const ALL: [Self; 10] = [
        Self::Pytest,
        Self::Go,
        Self::Jest,
        Self::Vitest,
        Self::Mocha,
        Self::Node,
        Self::Cargo,
        Self::Nextest,
        Self::Rspec,
        Self::Phpunit,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Self::Pytest => "pytest",
            Self::Go => "go",
            Self::Jest => "jest",
            Self::Vitest => "vitest",
            Self::Mocha => "mocha",
            Self::Node => "node",
            Self::Cargo => "cargo",
            Self::Nextest => "nextest",
            Self::Rspec => "rspec",
            Self::Phpunit => "phpunit",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        let name = match name.as_str() {
            "go-test" | "gotest" | "golang" => "go",
            "node:test" | "node-test" | "nodetest" => "node",
            "cargo-test" | "libtest" | "rust" => "cargo",
            "cargo-nextest" => "nextest",
            other => other,
        };
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn driver(self) -> &'static dyn Driver {
        match self {
            Self::Pytest => &pytest::Pytest,
            Self::Go => &gotest::GoTest,
            Self::Jest => &jest::Jest,
            Self::Vitest => &vitest::Vitest,
            Self::Mocha => &mocha::Mocha,
            Self::Node => &node::NodeTest,
            Self::Cargo => &cargo::CargoTest,
            Self::Nextest => &cargo::Nextest,
            Self::Rspec => &rspec::Rspec,
            Self::Phpunit => &phpunit::Phpunit,
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an attempt's report is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportSource {
    /// A file the framework writes.
    File(PathBuf),
    /// The command's stdout (and stderr merged into it, in order, when `merge_stderr`).
    Stdout { merge_stderr: bool },
}

/// One attempt, as a driver prepares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub report: ReportSource,
    /// Files to write before the attempt starts (path, content).
    pub files: Vec<(PathBuf, String)>,
}

/// What a driver needs to prepare one attempt.
#[derive(Debug, Clone, Copy)]
pub struct AttemptCtx<'a> {
    /// The attempt's private directory (its TMPDIR): reports go here.
    pub dir: &'a Path,
    /// The run's support directory (files shared by every attempt, such as the pytest plugin).
    pub support: &'a Path,
    /// The project directory the command runs in.
    pub project: &'a Path,
    pub index: u32,
    /// `Some(seed)`: shuffle the test order with this seed. `None`: keep the framework's order.
    pub shuffle: Option<u64>,
    /// Run only these tests (ids as this framework's parser writes them).
    pub select: Option<&'a [String]>,
    /// Add the reporter flags; `false` builds the command a person runs to replay an attempt.
    pub with_report: bool,
    /// With `--batch` (pytest only): the attempts this one process runs, in order; `shuffle`
    /// and `index` are then those of the first.
    pub batch: Option<&'a [Repeat]>,
}

/// One attempt of a batch: what it needs of its own inside the shared process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub index: u32,
    pub seed: u64,
    /// `None`: the framework's order is kept.
    pub order_seed: Option<u64>,
}

/// What `flaky detect-framework` says of one framework, and how `run` will drive it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Knobs {
    pub report_flags: &'static str,
    pub order: &'static str,
    pub select_one: &'static str,
    pub seed_variable: &'static str,
}

/// A framework's behaviour. Implementations are pure: they read files only in `detect`.
pub trait Driver: Sync {
    fn framework(&self) -> Framework;

    /// Evidence that `dir` is a project of this framework (empty: it is not).
    fn detect(&self, dir: &ProjectDir) -> Vec<String>;

    /// The test command when the user gives none.
    fn default_command(&self, dir: &ProjectDir) -> Vec<String>;

    /// How to install the project's test dependencies.
    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>>;

    /// Whether `argv` (with runner prefixes such as `npx` or `uv run` already removed) runs this
    /// framework.
    fn recognise(&self, argv: &[String]) -> bool;

    /// Whether the framework can shuffle test order with a seed.
    fn can_shuffle(&self) -> bool;

    /// For a framework that does not shuffle unless asked (`--order shuffle` or `alternate`):
    /// the note that says what shuffling it takes.
    fn shuffles_when_asked(&self) -> Option<&'static str> {
        None
    }

    /// Why the version installed in `project` cannot shuffle, when the framework otherwise can.
    fn cannot_shuffle_in(&self, _project: &Path) -> Option<String> {
        None
    }

    /// Adds the reporter, order and selection flags to `argv`.
    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared;

    /// Reads one attempt's report.
    fn parse(&self, report: &[u8], project: &Path) -> Parsed;

    /// Human descriptions for `detect-framework`.
    fn knobs(&self) -> Knobs;

    /// A test id read from a CI report (`--tests-from`) as this framework selects it, where the
    /// report may have kept less than the framework's own report does.
    fn selection_id(&self, id: &str, _project: &Path) -> String {
        id.to_owned()
    }

    /// Whether selecting tests also runs others beside them (node runs every test of a suite
    /// whose name matches): their results are then left out (see [`drop_unselected`]).
    fn selection_runs_more(&self) -> bool {
        false
    }

    /// Files (path below the run's support directory, content) every attempt may use.
    fn support_files(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// A directory looked at for detection, with the files commonly needed read once.
#[derive(Debug)]
pub struct ProjectDir {
    pub path: PathBuf,
    /// File and directory names directly in `path`.
    pub entries: Vec<String>,
    pub package_json: Option<PackageJson>,
}

/// The parts of package.json detection needs.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PackageJson {
    pub scripts: BTreeMap<String, String>,
    #[serde(rename = "dependencies")]
    pub deps: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "devDependencies")]
    pub dev_deps: BTreeMap<String, serde_json::Value>,
}

impl PackageJson {
    pub fn depends_on(&self, name: &str) -> bool {
        self.deps.contains_key(name) || self.dev_deps.contains_key(name)
    }

    /// The `test` script, when it exists.
    pub fn test_script(&self) -> Option<&str> {
        self.scripts.get("test").map(String::as_str)
    }

    /// The name of the script that runs `tool` itself: `test`, or one that `test` runs
    /// (`"test": "npm run test:unit && npm run lint"`, `"test:unit": "c8 node --test"`).
    pub fn tool_script(&self, tool: &str) -> Option<&str> {
        let test = self.test_script()?;
        if script_runs(test, tool) {
            return Some("test");
        }
        scripts_called(test).into_iter().find_map(|name| {
            let (name, body) = self.scripts.get_key_value(&name)?;
            script_runs(body, tool).then_some(name.as_str())
        })
    }
}

impl ProjectDir {
    pub fn read(path: &Path) -> Self {
        let mut entries: Vec<String> = std::fs::read_dir(path)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        entries.sort();
        let package_json = std::fs::read(path.join("package.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        Self {
            path: path.to_path_buf(),
            entries,
            package_json,
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e == name)
    }

    /// Names in this directory that start with `prefix` (`jest.config.` finds every extension).
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .map(String::as_str)
            .filter(move |e| e.starts_with(prefix))
    }

    pub fn read_text(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.path.join(name)).ok()
    }

    /// The package manager this JS project uses, from its lock file.
    pub fn js_install(&self) -> Vec<String> {
        if self.has("pnpm-lock.yaml") {
            words("pnpm install --frozen-lockfile")
        } else if self.has("yarn.lock") {
            words("yarn install --frozen-lockfile")
        } else if self.has("package-lock.json") {
            words("npm ci")
        } else {
            words("npm install")
        }
    }
}

/// Directories never searched for projects.
const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "target",
    ".git",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    "coverage",
];

/// How deep `detect` looks below the given directory (monorepos keep packages a few levels down).
const DETECT_DEPTH: usize = 4;

/// One framework found in a directory.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub framework: Framework,
    /// The project directory.
    pub root: PathBuf,
    pub evidence: Vec<String>,
    pub command: Vec<String>,
    pub install: Option<Vec<String>>,
    pub knobs: Knobs,
}

/// Every framework found in `path` and below it (monorepos can have several).
pub fn detect(path: &Path) -> Vec<Detection> {
    let mut found = Vec::new();
    let mut stack = vec![(path.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let project = ProjectDir::read(&dir);
        found.extend(detect_in(&project));
        if depth < DETECT_DEPTH {
            let mut subdirs: Vec<PathBuf> = project
                .entries
                .iter()
                .filter(|e| !e.starts_with('.') && !SKIP_DIRS.contains(&e.as_str()))
                .map(|e| dir.join(e))
                .filter(|p| p.is_dir() && !p.is_symlink())
                .collect();
            subdirs.sort();
            stack.extend(subdirs.into_iter().rev().map(|p| (p, depth + 1)));
        }
    }
    found
}

/// The frameworks of one directory (not its subdirectories).
pub fn detect_in(project: &ProjectDir) -> Vec<Detection> {
    Framework::ALL
        .iter()
        .filter_map(|fw| {
            let driver = fw.driver();
            let evidence = driver.detect(project);
            (!evidence.is_empty()).then(|| Detection {
                framework: *fw,
                root: project.path.clone(),
                evidence,
                command: driver.default_command(project),
                install: driver.install_command(project),
                knobs: driver.knobs(),
            })
        })
        .collect()
}

/// The framework a command runs, and the command with a package.json script resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    pub framework: Framework,
    /// The command to run: the user's, or a simple npm/yarn/pnpm script run directly so that
    /// flaky controls its flags (with `node_modules/.bin` on PATH, as npm does).
    pub argv: Vec<String>,
    /// `Some(script)` when `argv` came from a package.json script.
    pub script: Option<String>,
    /// Why a script is run through npm as written, and what that means for flaky's flags.
    pub note: Option<String>,
}

/// Which framework `argv` runs in `project`, seeing through runners (`npx`, `uv run`, ...) and
/// package.json scripts (`npm test`).
pub fn recognise(argv: &[String], project: &Path) -> Option<Recognised> {
    if let Some(script) = npm_script(argv, project) {
        let (name, body, extra) = script;
        // Run a simple script's command directly; anything with shell syntax goes through npm.
        let simple = !body.contains(['&', '|', ';', '>', '<', '$', '`']);
        let parts: Vec<Vec<String>> = body
            .split(['&', '|', ';'])
            .filter_map(|part| shlex::split(part.trim()))
            .filter(|w| !w.is_empty())
            .collect();
        let at = parts.iter().position(|w| recognise_plain(w).is_some())?;
        let fw = recognise_plain(&parts[at])?;
        let mut note = None;
        let argv = if simple {
            let mut a = shlex::split(&body)?;
            a.extend(extra);
            a
        } else {
            // Running only the tool's part would skip the rest (a build, a server): the script
            // runs as written, and npm adds flaky's flags to its last command.
            // node takes options only before its test files: after them, flags are files.
            let node_files = fw == Framework::Node
                && parts[at]
                    .iter()
                    .skip_while(|w| *w != "--test")
                    .skip(1)
                    .any(|w| !w.starts_with('-'));
            let last =
                at + 1 == parts.len() && !body.contains(['|', '>', '<', '`', '$']) && !node_files;
            let tool = parts[at].join(" ");
            note = Some(if last {
                format!(
                    "package.json's `{name}` script (`{body}`) has shell syntax: flaky runs it through npm as written, and its reporter flags reach `{tool}`, the last command; hint: to have flaky run {fw} alone, give its command after `--`"
                )
            } else {
                let why = if node_files {
                    format!(
                        "`{tool}` names its test files, and node takes options only before them"
                    )
                } else {
                    format!("`{tool}` is not its last command")
                };
                format!(
                    "package.json's `{name}` script (`{body}`) has shell syntax and {why}: flaky's reporter flags, which npm adds to the end, cannot reach {fw}, so no per-test report will be read; hint: give {fw}'s command after `--` (flaky run -- {tool})"
                )
            });
            let mut a = argv.to_vec();
            if !a.iter().any(|w| w == "--") {
                a.push("--".into());
            }
            a
        };
        return Some(Recognised {
            framework: fw,
            argv,
            script: Some(name),
            note,
        });
    }
    let fw = recognise_plain(argv)?;
    Some(Recognised {
        framework: fw,
        argv: argv.to_vec(),
        script: None,
        note: None,
    })
}

fn recognise_plain(argv: &[String]) -> Option<Framework> {
    let inner = strip_runners(argv);
    Framework::ALL
        .into_iter()
        .find(|fw| fw.driver().recognise(inner))
}

/// The command without the runners that only find or wrap the real tool.
pub fn strip_runners(argv: &[String]) -> &[String] {
    let mut a = argv;
    loop {
        let skip = match (
            a.first().map(|s| program_name(s)),
            a.get(1).map(String::as_str),
        ) {
            (Some("uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye"), Some("run")) => 2,
            (Some("bundle"), Some("exec")) => 2,
            // Coverage wrappers run the command after their own options.
            (Some("c8" | "nyc"), _) => 1 + options_len(&a[1..], COVERAGE_VALUE_FLAGS),
            (Some("cross-env"), _) => 1 + a[1..].iter().take_while(|w| w.contains('=')).count(),
            (Some("env"), _) => {
                1 + a[1..]
                    .iter()
                    .take_while(|w| w.contains('=') || w.starts_with('-'))
                    .count()
            }
            _ => node_runner_len(a),
        };
        if skip == 0 || skip >= a.len() {
            return a;
        }
        a = &a[skip..];
    }
}

/// c8's and nyc's options written `--flag value`.
const COVERAGE_VALUE_FLAGS: &[&str] = &[
    "-r",
    "--reporter",
    "-o",
    "--reports-dir",
    "--report-dir",
    "-n",
    "--include",
    "-x",
    "--exclude",
    "-e",
    "--extension",
    "-i",
    "--require",
    "-t",
    "--temp-dir",
    "--temp-directory",
    "--src",
    "--lines",
    "--functions",
    "--branches",
    "--statements",
    "-c",
    "--config",
    "--nycrc-path",
    "--cwd",
];

/// How many of `words` are options (with the values of `value_flags`) before the first word
/// that is not one.
fn options_len(words: &[String], value_flags: &[&str]) -> usize {
    let mut n = 0;
    while let Some(w) = words.get(n) {
        if !w.starts_with('-') {
            break;
        }
        n += if !w.contains('=') && value_flags.contains(&w.as_str()) {
            2
        } else {
            1
        };
    }
    n.min(words.len())
}

/// How many words of `argv` are a runner that finds a node tool (`npx -y`, `pnpm exec`, ...).
fn node_runner_len(argv: &[String]) -> usize {
    match (
        argv.first().map(|s| program_name(s)),
        argv.get(1).map(String::as_str),
    ) {
        (Some("npx" | "bunx" | "pnpx"), _) => {
            1 + argv[1..].iter().take_while(|w| w.starts_with('-')).count()
        }
        (Some("pnpm" | "yarn"), Some("exec" | "dlx")) => 2,
        _ => 0,
    }
}

/// The command without the `npx` (`pnpm exec`, ...) in front of `tools` when the project has the
/// tool in `node_modules/.bin`: the attempt's PATH finds it there (see [`node_bin_path`]), and
/// npx costs about 30% of an attempt's CPU. A replay line puts npx back for people.
pub fn without_npx(argv: &[String], tools: &[&str], project: &Path) -> Vec<String> {
    let skip = node_runner_len(argv);
    let installed = argv.get(skip).is_some_and(|tool| {
        let tool = program_name(tool);
        tools.contains(&tool)
            && project
                .ancestors()
                .any(|d| d.join("node_modules/.bin").join(tool).exists())
    });
    if skip > 0 && installed {
        argv[skip..].to_vec()
    } else {
        argv.to_vec()
    }
}

/// Whether the command already starts with a runner that finds node tools (`npx jest`).
pub fn starts_with_node_runner(argv: &[String]) -> bool {
    node_runner_len(argv) > 0
}

/// Whether `program` is a package manager that runs package.json scripts.
pub fn runs_scripts(program: &str) -> bool {
    matches!(program_name(program), "npm" | "yarn" | "pnpm" | "bun")
}

/// `npm test`, `npm run X`, `yarn test`, `pnpm X` ...: the script's name, and the words after it.
fn script_call(argv: &[String]) -> Option<(String, &[String])> {
    let tool = program_name(argv.first()?);
    if !runs_scripts(tool) {
        return None;
    }
    let rest = &argv[1..];
    match rest.first().map(String::as_str)? {
        "test" | "t" | "tst" => Some(("test".to_owned(), &rest[1..])),
        "run" | "run-script" => {
            // `npm run -s test:unit`: the package manager's own flags come first.
            let at = 1 + rest[1..].iter().take_while(|w| w.starts_with('-')).count();
            Some((rest.get(at)?.clone(), &rest[(at + 1).min(rest.len())..]))
        }
        other if tool != "npm" && !other.starts_with('-') => Some((other.to_owned(), &rest[1..])),
        _ => None,
    }
}

/// `npm test`, `npm run X`, `yarn test`, `pnpm test` ...: the script's name, body and the
/// arguments given after it.
fn npm_script(argv: &[String], project: &Path) -> Option<(String, String, Vec<String>)> {
    let tool = program_name(argv.first()?);
    let (name, after) = script_call(argv)?;
    let pkg = ProjectDir::read(project).package_json?;
    let body = pkg.scripts.get(&name)?.clone();
    let extra = match after.iter().position(|w| w == "--") {
        Some(i) => after[i + 1..].to_vec(),
        None if tool == "npm" => Vec::new(),
        None => after.to_vec(),
    };
    Some((name, body, extra))
}

/// `/usr/bin/python3` → `python3`.
pub fn program_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Splits a fixed command line into words (for the commands written in this module's drivers).
pub fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// Escapes regex metacharacters (for name patterns handed to the frameworks' `-t`/`--grep`/`-run`).
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `^(a|b|c)$` for exact names.
pub fn exact_alternation(names: &[String]) -> String {
    let alts: Vec<String> = names.iter().map(|n| regex_escape(n)).collect();
    format!("^({})$", alts.join("|"))
}

/// Removes the flags a driver sets itself, so the user's (or a package.json script's) own reporter
/// or output flags cannot send the report elsewhere. `takes_value` flags also lose their value.
pub fn strip_flags(argv: &[String], flags: &[&str], takes_value: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut skip_next = false;
    for w in argv {
        if skip_next {
            skip_next = false;
            continue;
        }
        let name = w.split_once('=').map_or(w.as_str(), |(n, _)| n);
        if flags.contains(&name) {
            continue;
        }
        if takes_value.contains(&name) {
            skip_next = !w.contains('=');
            continue;
        }
        out.push(w.clone());
    }
    out
}

/// `PATH` with the project's `node_modules/.bin` (and its parents', for monorepos) in front, as
/// npm does for scripts, so a script's command can run without npm.
pub fn node_bin_path(project: &Path) -> (String, String) {
    let mut dirs: Vec<String> = project
        .ancestors()
        .map(|d| d.join("node_modules/.bin"))
        .filter(|d| d.is_dir())
        .map(|d| d.display().to_string())
        .collect();
    if let Ok(path) = std::env::var("PATH") {
        dirs.push(path);
    }
    ("PATH".to_owned(), dirs.join(":"))
}

/// The (major, minor) version of `package` as installed in the project's `node_modules` (or a
/// parent's, for monorepos): what decides which flags that version takes.
pub fn installed_version(project: &Path, package: &str) -> Option<(u32, u32)> {
    let manifest = project
        .ancestors()
        .map(|d| d.join("node_modules").join(package).join("package.json"))
        .find(|p| p.is_file())?;
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(manifest).ok()?).ok()?;
    let mut parts = doc["version"].as_str()?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()
        .and_then(|m| m.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .unwrap_or(0);
    Some((major, minor))
}

/// JS detection shared by jest, vitest and mocha: a dependency, a config file, or the test script.
pub fn js_detect(dir: &ProjectDir, tool: &str, config_prefix: Option<&str>) -> Vec<String> {
    let mut ev = Vec::new();
    if let Some(pkg) = &dir.package_json {
        if tool != "node" && pkg.depends_on(tool) {
            ev.push(format!("package.json depends on {tool}"));
        }
        if let Some(script) = pkg.tool_script(tool) {
            let what = if tool == "node" { "node --test" } else { tool };
            ev.push(format!("package.json scripts.{script} runs {what}"));
        }
    }
    if let Some(prefix) = config_prefix {
        ev.extend(dir.with_prefix(prefix).map(str::to_owned));
    }
    ev
}

/// `npm test` when the test script runs `tool`, `npm run X` when it runs the script X that runs
/// `tool` (`"test": "npm run test:unit && npm run lint"`), else `fallback`.
pub fn js_default(dir: &ProjectDir, tool: &str, fallback: &str) -> Vec<String> {
    match dir.package_json.as_ref().and_then(|p| p.tool_script(tool)) {
        Some("test") => words("npm test"),
        Some(script) => vec!["npm".into(), "run".into(), script.to_owned()],
        None => words(fallback),
    }
}

/// The scripts a package.json script runs (`npm run X`, `yarn X`, `pnpm run X`, ...).
fn scripts_called(script: &str) -> Vec<String> {
    script
        .split(['&', '|', ';'])
        .filter_map(|part| shlex::split(part.trim()))
        .filter_map(|w| script_call(strip_runners(&w)).map(|(name, _)| name))
        .collect()
}

/// Whether a package.json script runs `tool` as a command (not just mentions it).
fn script_runs(script: &str, tool: &str) -> bool {
    script
        .split(['&', '|', ';'])
        .filter_map(|part| shlex::split(part.trim()))
        .any(|w| {
            let w = strip_runners(&w);
            // `node x.js` is not node:test.
            w.first().map(|p| program_name(p)) == Some(tool)
                && (tool != "node" || w.iter().any(|x| x == "--test"))
        })
}

/// Selects tests the way jest and vitest take them: the files (in place of the command's own
/// test paths, from `argv[start]` on), then `-t` with the describe blocks and title joined by spaces
/// (how both match a test's full name). `file_arg` writes a file as the tool reads it.
pub fn push_file_and_name_filter(
    argv: &mut Vec<String>,
    start: usize,
    value_flags: &[&str],
    ids: &[String],
    file_arg: impl Fn(&str) -> String,
) {
    let (files, names) = split_ids(ids);
    if let Some(files) = files {
        *argv = without_positionals(argv, start, value_flags, |_| true);
        argv.extend(files.iter().map(|f| file_arg(f)));
    }
    argv.push("-t".into());
    argv.push(exact_alternation(&spaced_names(&names)));
}

/// Names with their ` > ` separators as spaces: how jest, vitest and mocha join the describe
/// blocks and the title into the full name their filters match.
pub fn spaced_names(names: &[String]) -> Vec<String> {
    names.iter().map(|n| n.replace(" > ", " ")).collect()
}

/// Splits test ids `FILE::NAME` into the files and names they hold. The files are `None` unless
/// every id names its file: selecting by some files would leave out the tests of the others.
pub fn split_ids(ids: &[String]) -> (Option<Vec<String>>, Vec<String>) {
    let mut files = Vec::new();
    let mut names = Vec::new();
    let mut every_file = true;
    for id in ids {
        match id.split_once("::") {
            Some((file, name)) => {
                if !files.contains(&file.to_owned()) {
                    files.push(file.to_owned());
                }
                names.push(name.to_owned());
            }
            None => {
                every_file = false;
                names.push(id.clone());
            }
        }
    }
    (every_file.then_some(files), names)
}

/// Leaves out the results of tests a selection did not ask for: the skipped ones (jest, vitest
/// and node report every test a name filter left out as skipped, which says nothing about them),
/// and with `every_outcome` all of them but a file's failure and a failing suite around a
/// selected test (node runs every test of a suite whose name matches). A selected id matches the
/// result's id, a part of it after `::` (a CI report's id may lack the file), or a test it
/// contains (parameters, subtests, nested tests).
pub fn drop_unselected(
    results: &mut Vec<crate::model::TestResult>,
    select: &[String],
    every_outcome: bool,
) {
    let selected = |id: &str| {
        select.iter().any(|s| {
            let inner = id
                .strip_suffix(s.as_str())
                .is_some_and(|head| head.ends_with("::"));
            let contains = id.strip_prefix(s.as_str()).is_some_and(|rest| {
                ["[", "/", " > ", "::"]
                    .iter()
                    .any(|sep| rest.starts_with(sep))
            });
            id == s || inner || contains
        })
    };
    let around = |id: &str| {
        id.ends_with("::(file)")
            || select.iter().any(|s| {
                s.strip_prefix(id)
                    .is_some_and(|rest| rest.starts_with(" > "))
            })
    };
    results.retain(|r| {
        selected(&r.id)
            || (r.outcome != crate::model::Outcome::Skip && (!every_outcome || around(&r.id)))
    });
}

/// `argv` without the positional arguments after `argv[..from]`: the test paths, packages or
/// name filters that a selection replaces (added after them, they would run beside them, or
/// not at all). A positional word does not start with `-`, is not the value of one of
/// `value_flags` (written `--flag value`), and `positional` accepts it. A `--` and all after it
/// are positional too.
pub fn without_positionals(
    argv: &[String],
    from: usize,
    value_flags: &[&str],
    positional: impl Fn(&str) -> bool,
) -> Vec<String> {
    let from = from.min(argv.len());
    let mut out = argv[..from].to_vec();
    let mut value_next = false;
    for w in &argv[from..] {
        if value_next {
            value_next = false;
        } else if w == "--" {
            break;
        } else if w.starts_with('-') {
            value_next = !w.contains('=') && value_flags.contains(&w.as_str());
        } else if positional(w) {
            continue;
        }
        out.push(w.clone());
    }
    out
}

/// Where a tool's own arguments start: after the first word that runs one of `tools` (`npx jest`,
/// `node_modules/.bin/jest`, `python -m pytest`), or after the whole command when none does.
pub fn tool_args_start(argv: &[String], tools: &[&str]) -> usize {
    argv.iter()
        .position(|w| tools.contains(&program_name(w)))
        .map_or(argv.len(), |i| i + 1)
}

/// A selected file or directory as an argument: one that starts with `-` is written `./-...`, so
/// that no tool reads it as an option.
pub fn path_arg(path: &str) -> String {
    if path.starts_with('-') {
        format!("./{path}")
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests;
