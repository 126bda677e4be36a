//! Build once per run: what the attempts of a `go test`, `cargo test` or `cargo nextest run`
//! command share is built before the first attempt, and each attempt runs it directly instead of
//! rebuilding (a `go test` attempt spends ~0.45 s of CPU on the go command where its prebuilt
//! binary takes ~5 ms; `cargo test` re-checks the build every time).
//!
//! An attempt on prebuilt binaries is a sequence of [`Step`]s, one process per package or test
//! executable, whose outputs form one report: the same events, ids and results as the command
//! itself gives. (A Go test binary runs alone, and flaky reads its `-test.v` text, framed with
//! `-test.v=test2json` from Go 1.20 on.) A command with something that cannot be mapped onto
//! the binaries runs as it is on every attempt, and a notice says why. A build that fails ends
//! the run before any attempt (exit 2).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::sync::mpsc;

use super::{ExecError, ExecPlan, Reporting, StopSignal};
use crate::events::RunEvent;
use crate::framework::cargo::{CargoCommand, UNSTABLE_OPTIONS, nextest_on_build};
use crate::framework::gotest::{GoCommand, binary_argv};
use crate::framework::{AttemptCtx, Framework, program_name};
use crate::parse::gotext;

/// One process of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub argv: Vec<String>,
    /// Where it runs.
    pub dir: PathBuf,
    /// Variables it gets besides the attempt's.
    pub env: Vec<(String, String)>,
    /// A line written to the report before it runs: the `Running` line cargo prints before
    /// each test executable, which says whose results follow.
    pub banner: Option<String>,
    /// A Go test binary run without test2json: its stderr goes into the report too, and a line
    /// with its exit status after it exits ([`gotext::exit_line`]), as test2json had both.
    pub go_text: bool,
}

impl Step {
    pub fn new(argv: Vec<String>, dir: &Path) -> Self {
        Self {
            argv,
            dir: dir.to_path_buf(),
            env: Vec::new(),
            banner: None,
            go_text: false,
        }
    }
}

/// What was built before the first attempt, and how an attempt runs on it.
#[derive(Debug)]
pub enum Prebuilt {
    Go {
        /// Go 1.20 and later: the binaries frame their `-test.v=test2json` lines; before, flaky
        /// reads their plain `-test.v` text.
        framed: bool,
        packages: Vec<GoPackage>,
    },
    /// `cargo nextest run` on the binaries listed once: the flags that name the list.
    Nextest {
        reuse: Vec<String>,
        project: PathBuf,
    },
    Cargo {
        executables: Vec<CargoExecutable>,
        /// Whether each attempt runs the doc-tests too (`cargo test --doc`): the library has
        /// some and the command does not pick targets.
        doc_tests: bool,
        project: PathBuf,
    },
}

/// One test executable of a `cargo test` build.
#[derive(Debug)]
pub struct CargoExecutable {
    path: PathBuf,
    /// The package's directory: cargo runs its tests there.
    dir: PathBuf,
    /// The variables cargo sets for a test it runs.
    env: Vec<(String, String)>,
    banner: String,
}

/// One package with tests and its test binary.
#[derive(Debug)]
pub struct GoPackage {
    import_path: String,
    /// The package's directory: go runs its test binary there.
    dir: PathBuf,
    binary: PathBuf,
}

impl Prebuilt {
    /// The processes of the attempt whose command (as the framework driver prepared it) is
    /// `argv`; `Err` says what cannot be mapped onto the binaries.
    pub fn steps(&self, argv: &[String]) -> Result<Vec<Step>, String> {
        match self {
            Self::Go { framed, packages } => {
                let cmd = GoCommand::parse(argv)?;
                Ok(packages
                    .iter()
                    .map(|p| {
                        let argv = binary_argv(*framed, &p.binary, &cmd.binary);
                        let mut step = Step::new(argv, &p.dir);
                        step.banner = Some(gotext::banner(&p.import_path));
                        step.go_text = true;
                        step
                    })
                    .collect())
            }
            Self::Nextest { reuse, project } => {
                Ok(vec![Step::new(nextest_on_build(argv, reuse)?, project)])
            }
            Self::Cargo {
                executables,
                doc_tests,
                project,
            } => {
                let cmd = CargoCommand::parse(argv)?;
                let mut steps: Vec<Step> = executables
                    .iter()
                    .map(|e| {
                        let mut argv = vec![e.path.display().to_string()];
                        argv.extend(cmd.binary.iter().cloned());
                        let mut env = e.env.clone();
                        if cmd.unstable {
                            let (name, value) = UNSTABLE_OPTIONS;
                            env.push((name.to_owned(), value.to_owned()));
                        }
                        Step {
                            argv,
                            dir: e.dir.clone(),
                            env,
                            banner: Some(e.banner.clone()),
                            go_text: false,
                        }
                    })
                    .collect();
                if *doc_tests && !cmd.targets_picked {
                    let mut doc = argv.to_vec();
                    doc.insert(2, "--doc".into());
                    steps.push(Step::new(doc, project));
                }
                Ok(steps)
            }
        }
    }
}

/// How the build before the first attempt ended.
#[derive(Debug)]
pub enum Build {
    Built(Prebuilt),
    /// Every attempt runs the command itself.
    NotBuilt,
    /// The run was stopped during the build.
    Stopped,
}

/// Builds what the attempts of `plan` share, in `dir`, when the command can run on prebuilt
/// binaries; a notice says why when it cannot.
pub async fn build(
    plan: &ExecPlan,
    dir: &Path,
    stop: &mut StopSignal,
    notices: &mpsc::UnboundedSender<RunEvent>,
) -> Result<Build, ExecError> {
    let Reporting::Framework { framework, select } = &plan.reporting else {
        return Ok(Build::NotBuilt);
    };
    // One attempt (`flaky ci`'s first run, `-n 1`) has nothing to share a build with: building
    // first would only add a step to what the command does anyway.
    if plan.attempts.len() < 2 {
        return Ok(Build::NotBuilt);
    }
    // A command that only runs the tool through something else (`env`, `sh -c`, a script)
    // is run as it is: what it builds is its own business.
    // Nor one whose arguments differ per attempt ({attempt}, {tmpdir}): one build cannot stand
    // for them.
    if !framework.driver().recognise(&plan.argv)
        || plan.argv.iter().any(|w| super::has_placeholders(w))
    {
        return Ok(Build::NotBuilt);
    }
    if *framework == Framework::Cargo {
        return match cargo_command(plan, select.as_deref()) {
            Ok(cmd) => Builder { plan, stop }.cargo(&cmd).await,
            Err(why) => {
                let _ = notices.send(RunEvent::Notice(format!(
                    "each attempt runs `cargo test` itself (slower: cargo checks the build every \
                     time): the command has {why}, which flaky cannot pass to the test executables"
                )));
                Ok(Build::NotBuilt)
            }
        };
    }
    if *framework == Framework::Nextest {
        let reuse = [
            "--binaries-metadata".to_owned(),
            dir.join("binaries.json").display().to_string(),
            "--cargo-metadata".to_owned(),
            dir.join("cargo-metadata.json").display().to_string(),
        ];
        return match nextest_on_build(&first_attempt(plan, select.as_deref()), &reuse) {
            Ok(_) => Builder { plan, stop }.nextest(&reuse).await,
            Err(why) => {
                let _ = notices.send(RunEvent::Notice(format!(
                    "each attempt runs `cargo nextest run` itself (slower: cargo checks the build \
                     every time): the command has {why}, which may change the build"
                )));
                Ok(Build::NotBuilt)
            }
        };
    }
    if *framework != Framework::Go {
        return Ok(Build::NotBuilt);
    }
    let go = match go_command(plan, select.as_deref()) {
        Ok(cmd) => cmd,
        Err(why) => {
            let _ = notices.send(RunEvent::Notice(format!(
                "each attempt runs `go test` itself (slower: it rebuilds the tests every time): \
                 the command has {why}, which flaky cannot pass to a prebuilt test binary"
            )));
            return Ok(Build::NotBuilt);
        }
    };
    let builder = Builder { plan, stop };
    builder.go(&go, dir).await
}

/// The first attempt's `cargo test` command taken apart, if the attempts can run the test
/// executables directly.
fn cargo_command(plan: &ExecPlan, select: Option<&[String]>) -> Result<CargoCommand, String> {
    let cmd = CargoCommand::parse(&first_attempt(plan, select))?;
    if cmd.cargo.iter().any(|f| f == "--doc") {
        return Err("--doc (doc-tests are built on every run)".to_owned());
    }
    Ok(cmd)
}

/// The first attempt's command as the framework driver prepares it.
fn first_attempt(plan: &ExecPlan, select: Option<&[String]>) -> Vec<String> {
    let Reporting::Framework { framework, .. } = &plan.reporting else {
        return plan.argv.clone();
    };
    let ctx = AttemptCtx {
        dir: &plan.support_dir,
        support: &plan.support_dir,
        project: &plan.dir,
        index: plan.attempts.start,
        shuffle: framework.driver().can_shuffle().then_some(1),
        select,
        with_report: true,
        batch: None,
    };
    framework.driver().prepare(&plan.argv, &ctx).argv
}

/// The user's `go test` command taken apart, if each attempt of it can run on prebuilt binaries.
fn go_command(plan: &ExecPlan, select: Option<&[String]>) -> Result<GoCommand, String> {
    let cmd = GoCommand::parse(&plan.argv)?;
    // An attempt's own flags (seed, selection) must map too.
    GoCommand::parse(&first_attempt(plan, select))?;
    Ok(cmd)
}

/// Runs the build commands, in the project's directory with the run's variables.
struct Builder<'a> {
    plan: &'a ExecPlan,
    stop: &'a mut StopSignal,
}

impl Builder<'_> {
    async fn go(mut self, cmd: &GoCommand, dir: &Path) -> Result<Build, ExecError> {
        let go = self.plan.argv[0].clone();
        let mut list = vec![go.clone(), "list".into()];
        list.extend(cmd.build.iter().cloned());
        list.extend([
            "-f".into(),
            "{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}".into(),
        ]);
        list.extend(cmd.packages.iter().cloned());
        let env = vec![go.clone(), "env".into(), "GOVERSION".into()];
        let Some(out) = self.all(vec![env, list]).await? else {
            return Ok(Build::Stopped);
        };
        let version = out[0].lines().next().unwrap_or_default();
        let framed = version
            .trim()
            .strip_prefix("go1.")
            .and_then(|v| v.split(['.', 'r', 'b']).next()?.parse::<u32>().ok())
            .is_some_and(|minor| minor >= 20);
        let mut packages = Vec::new();
        for (n, line) in out[1].lines().enumerate() {
            let fields: Vec<&str> = line.split('\t').collect();
            let [import_path, pkg_dir, tests, xtests] = fields[..] else {
                continue;
            };
            // A package without test files: go test only says so, and so does nothing here.
            if tests == "0" && xtests == "0" {
                continue;
            }
            packages.push(GoPackage {
                import_path: import_path.to_owned(),
                dir: PathBuf::from(pkg_dir),
                binary: dir.join(format!("{n}.test")),
            });
        }
        // Each binary starts as the last one built for its package: go links it again only
        // when it is stale (its build ID says so), which saves the link a run spends most on.
        let cache = BinaryCache::open();
        let keys: Vec<String> = packages
            .iter()
            .map(|p| BinaryCache::key(&self.plan.dir, &p.import_path, &cmd.build))
            .collect();
        let seeded: Vec<Option<FileState>> = keys
            .iter()
            .zip(&packages)
            .map(|(key, p)| cache.as_ref()?.seed(key, &p.binary))
            .collect();
        // `go test -c` vets the package first, as `go test` does.
        let builds: Vec<Vec<String>> = packages
            .iter()
            .map(|p| {
                let mut build = vec![go.clone(), "test".into(), "-c".into(), "-o".into()];
                build.push(p.binary.display().to_string());
                build.extend(cmd.build.iter().cloned());
                build.extend(cmd.vet.iter().map(|v| format!("-vet={v}")));
                build.push(p.import_path.clone());
                build
            })
            .collect();
        if self.all(builds).await?.is_none() {
            return Ok(Build::Stopped);
        }
        if let Some(cache) = cache {
            for ((key, p), seeded) in keys.iter().zip(&packages).zip(seeded) {
                cache.keep(key, &p.binary, seeded);
            }
            cache.prune(BinaryCache::LIMIT);
        }
        Ok(Build::Built(Prebuilt::Go { framed, packages }))
    }

    /// Builds and lists the test binaries once (`cargo nextest list`), with cargo's metadata,
    /// into the files `reuse` names.
    async fn nextest(mut self, reuse: &[String]) -> Result<Build, ExecError> {
        let cargo = self.plan.argv[0].clone();
        let list = vec![
            cargo.clone(),
            "nextest".into(),
            "list".into(),
            "--list-type".into(),
            "binaries-only".into(),
            "--message-format".into(),
            "json".into(),
        ];
        // `cargo-nextest nextest run`: cargo's own metadata still comes from cargo.
        let cargo = if program_name(&cargo) == "cargo" {
            cargo
        } else {
            "cargo".to_owned()
        };
        let metadata = vec![
            cargo,
            "metadata".into(),
            "--format-version".into(),
            "1".into(),
            "--no-deps".into(),
        ];
        let Some(out) = self.all(vec![list, metadata]).await? else {
            return Ok(Build::Stopped);
        };
        for (text, path) in out.iter().zip([&reuse[1], &reuse[3]]) {
            std::fs::write(path, text).map_err(|source| ExecError::Write {
                path: path.into(),
                source,
            })?;
        }
        Ok(Build::Built(Prebuilt::Nextest {
            reuse: reuse.to_vec(),
            project: self.plan.dir.clone(),
        }))
    }

    async fn cargo(mut self, cmd: &CargoCommand) -> Result<Build, ExecError> {
        let cargo = self.plan.argv[0].clone();
        let mut build = vec![
            cargo.clone(),
            "test".into(),
            "--no-run".into(),
            "--message-format=json-render-diagnostics".into(),
        ];
        build.extend(cmd.cargo.iter().cloned());
        let Some(out) = self.all(vec![build]).await? else {
            return Ok(Build::Stopped);
        };
        let (executables, has_lib) = cargo_executables(&out[0]);
        let mut doc_tests = false;
        if has_lib && !cmd.targets_picked {
            let mut list = vec![cargo.clone(), "test".into(), "--doc".into()];
            list.extend(cmd.cargo.iter().cloned());
            list.extend(["--".into(), "--list".into()]);
            let Some(out) = self.all(vec![list]).await? else {
                return Ok(Build::Stopped);
            };
            doc_tests = out[0].lines().any(|l| l.ends_with(": test"));
        }
        Ok(Build::Built(Prebuilt::Cargo {
            executables,
            doc_tests,
            project: self.plan.dir.clone(),
        }))
    }

    /// Runs build commands at once, each to its end, and returns their stdouts in order;
    /// `None` when the run was stopped meanwhile. The first command that fails (or outlives the
    /// run's timeout) is the error, and the others are killed.
    async fn all(&mut self, commands: Vec<Vec<String>>) -> Result<Option<Vec<String>>, ExecError> {
        let mut running = tokio::task::JoinSet::new();
        for (n, argv) in commands.into_iter().enumerate() {
            let plan = self.plan;
            let cmd = build_command(&argv, &plan.dir, &plan.env);
            let timeout = plan.timeout;
            running.spawn(async move { (n, output(cmd, argv, timeout).await) });
        }
        let mut outs = vec![String::new(); running.len()];
        loop {
            tokio::select! {
                joined = running.join_next() => match joined {
                    None => return Ok(Some(outs)),
                    Some(Ok((n, out))) => outs[n] = out?,
                    Some(Err(e)) => std::panic::resume_unwind(e.into_panic()),
                },
                // The JoinSet, dropped, ends what still runs.
                () = self.stop.stopped() => return Ok(None),
            }
        }
    }
}

/// The Go test binaries of earlier runs, one per project, package and build flags, in the user's
/// cache directory. A run copies the last one into its own directory before `go test -c`, which
/// relinks it only when it is stale, and keeps what was built for the next run. A run never
/// executes the cached file itself, so runs at once (even of different sources) cannot change
/// each other's binaries, and go, not the cache, decides whether a binary is current.
struct BinaryCache {
    dir: PathBuf,
}

impl BinaryCache {
    /// At most this many bytes of binaries; the least recently used go first.
    const LIMIT: u64 = 1 << 30;

    fn open() -> Option<Self> {
        let dir = crate::config::cache_dir("go-test")?;
        std::fs::create_dir_all(&dir).ok()?;
        Some(Self { dir })
    }

    /// The file name for `import_path` of the project in `project` built with `flags`.
    fn key(project: &Path, import_path: &str, flags: &[String]) -> String {
        // FNV-1a: stable across builds of flaky, which the standard hasher is not.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let parts = [
            project.as_os_str().as_encoded_bytes(),
            import_path.as_bytes(),
        ]
        .into_iter()
        .chain(flags.iter().map(|f| f.as_bytes()));
        for part in parts {
            for &b in part.iter().chain(&[0]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}.test")
    }

    /// Copies the cached binary to `dest`; the copy's [`file_state`], which tells later whether
    /// go replaced or rewrote it.
    fn seed(&self, key: &str, dest: &Path) -> Option<FileState> {
        let cached = self.dir.join(key);
        let whole = std::fs::metadata(&cached).ok()?.len();
        // A copy cut short (a full disk) must not stay: go reads only a binary's build ID, at
        // its start, and would take half a binary for a current one.
        match std::fs::copy(&cached, dest) {
            Ok(n) if n == whole => file_state(dest),
            _ => {
                let _ = std::fs::remove_file(dest);
                None
            }
        }
    }

    /// Keeps `built` as the cached binary (written aside and renamed, so a reader never sees half
    /// a file), or marks the cached one used when go found it current.
    fn keep(&self, key: &str, built: &Path, seeded: Option<FileState>) {
        let cached = self.dir.join(key);
        let current = file_state(built);
        if current.is_some() && current == seeded {
            if let Ok(f) = std::fs::File::options().write(true).open(&cached) {
                let _ = f.set_modified(std::time::SystemTime::now());
            }
            return;
        }
        let aside = self
            .dir
            .join(format!(".{key}.{}", super::seed::random_u64()));
        if std::fs::copy(built, &aside).is_err() || std::fs::rename(&aside, &cached).is_err() {
            let _ = std::fs::remove_file(&aside);
        }
    }

    /// Removes the least recently used binaries beyond `limit` bytes, and copies left behind
    /// by a run that was killed while writing one.
    fn prune(&self, limit: u64) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            let used = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
            if entry.file_name().to_string_lossy().starts_with('.') {
                if used < day_ago {
                    let _ = std::fs::remove_file(entry.path());
                }
                continue;
            }
            files.push((used, meta.len(), entry.path()));
        }
        files.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut total = 0;
        for (_, len, path) in files {
            total += len;
            if total > limit {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// What changes when a binary is replaced (device, inode) or written anew in place (size, and
/// its start, where the Go build ID is). Not the times: go touches a current binary.
type FileState = (u64, u64, u64, Vec<u8>);

fn file_state(path: &Path) -> Option<FileState> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let mut f = std::fs::File::open(path).ok()?;
    let m = f.metadata().ok()?;
    let mut start = Vec::with_capacity(4096);
    f.by_ref().take(4096).read_to_end(&mut start).ok()?;
    Some((m.dev(), m.ino(), m.size(), start))
}

fn build_command(argv: &[String], dir: &Path, env: &[(String, String)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    cmd
}

/// Kills a build command's process group when dropped: what the command started goes with it,
/// whether it ended, failed or was stopped.
struct Group(Option<nix::unistd::Pid>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(g) = self.0 {
            let _ = nix::sys::signal::killpg(g, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

/// Runs one build command to its end and returns its stdout.
async fn output(
    mut cmd: tokio::process::Command,
    argv: Vec<String>,
    timeout: std::time::Duration,
) -> Result<String, ExecError> {
    let shown = crate::config::display_command(&argv);
    let child = cmd.spawn().map_err(|source| ExecError::Spawn {
        program: argv[0].clone(),
        source,
    })?;
    let _group = Group(child.id().map(|id| nix::unistd::Pid::from_raw(id as i32)));
    let Ok(out) = tokio::time::timeout(timeout, child.wait_with_output()).await else {
        return Err(ExecError::Build {
            command: shown,
            ended: format!("timed out after {}", crate::render::duration_text(timeout)),
            output: String::new(),
        });
    };
    let out = out.map_err(|source| ExecError::Setup {
        what: "the build's output",
        source,
    })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    Err(ExecError::Build {
        command: shown,
        ended: match out.status.code() {
            Some(c) => format!("exited with status {c}"),
            None => "was killed by a signal".to_owned(),
        },
        output: crate::render::first_lines(&text),
    })
}

/// The test executables in the JSON messages of `cargo test --no-run`, in the order cargo runs
/// them (package, then library, binaries, integration tests, examples, benches, each by name),
/// and whether a library among them has doc-tests enabled.
fn cargo_executables(messages: &str) -> (Vec<CargoExecutable>, bool) {
    let mut found = Vec::new();
    let mut has_lib = false;
    for line in messages.lines() {
        let Ok(m) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(exe), Some(manifest)) = (m["executable"].as_str(), m["manifest_path"].as_str())
        else {
            continue;
        };
        if m["reason"] != "compiler-artifact" || m["profile"]["test"] != true {
            continue;
        }
        let target = &m["target"];
        let kind = target["kind"][0].as_str().unwrap_or_default();
        has_lib |= kind == "lib" && target["doctest"] == true;
        let rank = ["lib", "bin", "test", "example", "bench"]
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(5);
        let dir = Path::new(manifest)
            .parent()
            .unwrap_or(Path::new("/"))
            .to_path_buf();
        let name = target["name"].as_str().unwrap_or_default();
        let src = target["src_path"].as_str().unwrap_or_default();
        let src = Path::new(src).strip_prefix(&dir).unwrap_or(Path::new(src));
        let exe_shown = Path::new(exe).strip_prefix(&dir).unwrap_or(Path::new(exe));
        // What cargo prints before it runs the executable: the report's ids come from it.
        let unit = if rank < 2 { "unittests " } else { "" };
        let banner = format!(
            "     Running {unit}{} ({})\n",
            src.display(),
            exe_shown.display()
        );
        let (pkg_name, version) =
            package_name_version(m["package_id"].as_str().unwrap_or_default(), &dir);
        let env = vec![
            ("CARGO_MANIFEST_DIR".to_owned(), dir.display().to_string()),
            ("CARGO_MANIFEST_PATH".to_owned(), manifest.to_owned()),
            ("CARGO_PKG_NAME".to_owned(), pkg_name),
            ("CARGO_PKG_VERSION".to_owned(), version),
            ("CARGO_CRATE_NAME".to_owned(), name.replace('-', "_")),
        ];
        found.push((
            (manifest.to_owned(), rank, name.to_owned()),
            CargoExecutable {
                path: PathBuf::from(exe),
                dir,
                env,
                banner,
            },
        ));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    (found.into_iter().map(|(_, e)| e).collect(), has_lib)
}

/// A package's name and version from its cargo package id: `path+file:///p/x#name@1.0.0`,
/// `path+file:///p/name#1.0.0` (the name is the directory's), or `name 1.0.0 (path+file://...)`.
fn package_name_version(id: &str, dir: &Path) -> (String, String) {
    if let Some((_, fragment)) = id.rsplit_once('#') {
        return match fragment.split_once('@') {
            Some((name, version)) => (name.to_owned(), version.to_owned()),
            None => (
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                fragment.to_owned(),
            ),
        };
    }
    let mut words = id.split_whitespace();
    (
        words.next().unwrap_or_default().to_owned(),
        words.next().unwrap_or_default().to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_cache_keeps_the_most_recently_used_within_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BinaryCache {
            dir: dir.path().to_path_buf(),
        };
        let now = std::time::SystemTime::now();
        let hours = |h: u64| now - std::time::Duration::from_secs(h * 3600);
        for (name, used) in [
            ("old.test", hours(50)),
            ("mid.test", hours(20)),
            ("new.test", hours(1)),
            (".new.test.1", hours(30)),
            (".new.test.2", hours(2)),
        ] {
            let f = std::fs::File::create(dir.path().join(name)).unwrap();
            f.set_len(100).unwrap();
            f.set_modified(used).unwrap();
        }
        cache.prune(250);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        // The oldest binary goes over the limit; a copy being written (young) stays.
        assert_eq!(left, [".new.test.2", "mid.test", "new.test"]);
    }

    #[test]
    fn cache_keys_differ_by_project_package_and_flags() {
        let key = |dir: &str, pkg: &str, flags: &[&str]| {
            let flags: Vec<String> = flags.iter().map(|f| (*f).to_owned()).collect();
            BinaryCache::key(Path::new(dir), pkg, &flags)
        };
        let base = key("/p", "example.com/a", &["-race"]);
        assert_eq!(base, key("/p", "example.com/a", &["-race"]));
        assert_eq!(base.len(), "0123456789abcdef.test".len());
        for other in [
            key("/q", "example.com/a", &["-race"]),
            key("/p", "example.com/b", &["-race"]),
            key("/p", "example.com/a", &[]),
            key("/p", "example.com/a-race", &[]),
        ] {
            assert_ne!(base, other);
        }
    }
}
