//! Build once per run: the test binaries of a `go test` command are built before the first
//! attempt, and each attempt runs them directly instead of rebuilding (a `go test` attempt spends
//! ~0.45 s of CPU on the go command where its prebuilt binary takes ~5 ms).
//!
//! An attempt on prebuilt binaries is a sequence of [`Step`]s, one process per package, whose
//! outputs form one report: the same events, ids and results as the command itself gives. A
//! command with something that cannot be mapped onto the binaries runs as it is on every attempt,
//! and a notice says why. A build that fails ends the run before any attempt (exit 2).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::sync::mpsc;

use super::{ExecError, ExecPlan, Reporting, StopSignal};
use crate::events::RunEvent;
use crate::framework::gotest::{GoCommand, binary_argv};
use crate::framework::{AttemptCtx, Framework, program_name};

/// One process of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub argv: Vec<String>,
    /// Where it runs.
    pub dir: PathBuf,
}

/// What was built before the first attempt, and how an attempt runs on it.
#[derive(Debug)]
pub enum Prebuilt {
    Go {
        /// The go toolchain's test2json.
        test2json: PathBuf,
        /// Go 1.20 and later take `-test.v=test2json`.
        test2json_v: bool,
        packages: Vec<GoPackage>,
    },
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
            Self::Go {
                test2json,
                test2json_v,
                packages,
            } => {
                let cmd = GoCommand::parse(argv)?;
                Ok(packages
                    .iter()
                    .map(|p| Step {
                        argv: binary_argv(
                            test2json,
                            &p.import_path,
                            &p.binary,
                            *test2json_v,
                            &cmd.binary,
                        ),
                        dir: p.dir.clone(),
                    })
                    .collect())
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
    let Reporting::Framework {
        framework: Framework::Go,
        select,
    } = &plan.reporting
    else {
        return Ok(Build::NotBuilt);
    };
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

/// The user's `go test` command taken apart, if each attempt of it can run on prebuilt binaries.
fn go_command(plan: &ExecPlan, select: Option<&[String]>) -> Result<GoCommand, String> {
    let argv = &plan.argv;
    if argv.first().map(|p| program_name(p)) != Some("go")
        || argv.get(1).map(String::as_str) != Some("test")
    {
        return Err("words before `go test`".to_owned());
    }
    let cmd = GoCommand::parse(argv)?;
    // An attempt's own flags (seed, selection) must map too.
    let ctx = AttemptCtx {
        dir: &plan.support_dir,
        support: &plan.support_dir,
        project: &plan.dir,
        index: plan.attempts.start,
        shuffle: Some(1),
        select,
        with_report: true,
    };
    GoCommand::parse(&Framework::Go.driver().prepare(argv, &ctx).argv)?;
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
        let env = vec![
            go.clone(),
            "env".into(),
            "GOVERSION".into(),
            "GOTOOLDIR".into(),
        ];
        let Some(out) = self.all(vec![env, list]).await? else {
            return Ok(Build::Stopped);
        };
        let mut env = out[0].lines();
        let (version, tool_dir) = (
            env.next().unwrap_or_default(),
            env.next().unwrap_or_default(),
        );
        // test2json itself, not through `go tool`: one go command fewer per package and attempt.
        let test2json = Path::new(tool_dir).join("test2json");
        let test2json_v = version
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
        let mut builds: Vec<Vec<String>> = packages
            .iter()
            .map(|p| {
                let mut build = vec![go.clone(), "test".into(), "-c".into(), "-o".into()];
                build.push(p.binary.display().to_string());
                build.extend(cmd.build.iter().cloned());
                build.push(p.import_path.clone());
                build
            })
            .collect();
        if let Some(checks) = cmd.vet_checks()
            && !packages.is_empty()
        {
            // go test vets each package before it runs the tests; `go test -c` does not.
            let mut vet = vec![go.clone(), "vet".into()];
            vet.extend(checks.split(',').map(|c| format!("-{c}")));
            vet.extend(
                cmd.build
                    .iter()
                    .filter(|f| VET_BUILD_FLAGS.iter().any(|p| f.starts_with(p)))
                    .cloned(),
            );
            vet.extend(packages.iter().map(|p| p.import_path.clone()));
            builds.insert(0, vet);
        }
        if self.all(builds).await?.is_none() {
            return Ok(Build::Stopped);
        }
        Ok(Build::Built(Prebuilt::Go {
            test2json,
            test2json_v,
            packages,
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

/// The build flags `go vet` takes too.
const VET_BUILD_FLAGS: [&str; 4] = ["-tags=", "-mod=", "-modfile=", "-overlay="];

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
            ended: format!("timed out after {}", humantime::format_duration(timeout)),
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
