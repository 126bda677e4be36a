//! One file per subcommand: each turns resolved arguments into I/O and an exit status.

pub mod causes;
pub mod ci;
pub mod dashboard;
pub mod detect;
pub mod diagnose;
pub mod generate;
pub mod history;
pub mod merge;
mod no_results;
pub mod quarantine;
pub mod report;
pub mod run;
pub mod scan;
pub mod worker;

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::GlobalArgs;
use crate::reporter::Printer;
use crate::storage::{self, History};

/// Writes a command's output to stdout, all of it, flushed.
pub fn print(buf: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(buf)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// The history database a command writes to, or none with `--no-history`.
pub fn history_db(no_history: bool, global: &GlobalArgs) -> anyhow::Result<Option<PathBuf>> {
    if no_history {
        Ok(None)
    } else {
        db_path(global).map(Some)
    }
}

/// The history database path: `--db`/`FLAKY_DB`, else the user data directory.
pub fn db_path(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    match &global.db {
        Some(p) => Ok(p.clone()),
        None => storage::default_path()
            .context("cannot find a data directory for the history database; hint: pass --db PATH or set FLAKY_DB"),
    }
}

/// The history database, which must exist already (the commands that read a stored run).
pub fn stored_db(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    let path = db_path(global)?;
    if !path.exists() {
        anyhow::bail!("{}", no_history(&path));
    }
    Ok(path)
}

/// The stored history opened for reading, after the runs of killed flakys are tidied ([`tidy`]),
/// with its path.
pub fn stored_history(
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<(PathBuf, History)> {
    let path = stored_db(global)?;
    let mut history = History::open_for_reading(&path)?;
    tidy(&mut history, printer);
    Ok((path, history))
}

/// The stored report of the run a command reads: the one named (an id or its prefix), else the
/// current project's newest, else (said in a note) the newest anywhere.
pub fn chosen_report(
    history: &History,
    run: Option<&str>,
    printer: &Printer,
) -> anyhow::Result<String> {
    if run.is_some() {
        return Ok(history.report_json(run)?);
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let project = crate::vcs::project_root(&cwd);
    if let Some(id) = history.latest_run_under(&project)? {
        return Ok(history.report_json(Some(&id))?);
    }
    let json = history.report_json(None)?;
    printer.note(&format!(
        "no run under {} is stored: this is the newest run of another directory (`flaky history --all` lists every run)",
        project.display()
    ));
    Ok(json)
}

/// What a command that reads the history says when there is no database at `path` yet.
pub fn no_history(path: &std::path::Path) -> String {
    format!(
        "no history yet: there is no database at {}; hint: `flaky run -- CMD` stores each run there (or pass --db PATH, or set FLAKY_DB, to read another)",
        path.display()
    )
}

/// Marks `abandoned` the runs whose flaky was killed (SIGKILL, a machine that went down) and
/// ends what they left behind: their attempts' processes and temporary directories. A database
/// that cannot be written (read-only) is left as it is.
pub fn tidy(history: &mut History, printer: &Printer) {
    let Ok(abandoned) = history.abandon_dead_runs() else {
        return;
    };
    for run in abandoned {
        let left = match crate::exec::clean_up_abandoned(&run) {
            Ok(0) => String::new(),
            Ok(1) => "; 1 of its processes was still running and was stopped".to_owned(),
            Ok(n) => format!("; {n} of its processes were still running and were stopped"),
            Err(e) => format!("; its temporary directories could not all be removed: {e}"),
        };
        printer.note(&format!(
            "run {} is marked abandoned: its flaky (process {}) ended without finishing it{left}",
            run.run_id, run.pid
        ));
    }
}

/// `flaky isolate`: isolates this process as asked, then becomes the command.
pub fn isolate(args: &crate::cli::IsolateArgs) -> anyhow::Result<crate::exit::ExitStatus> {
    use std::os::unix::process::CommandExt as _;
    crate::exec::Isolation {
        cpu: args.cpu,
        no_network: args.no_network,
        spread: false,
    }
    .enter()
    .context("cannot isolate the command")?;
    let error = std::process::Command::new(&args.command[0])
        .args(&args.command[1..])
        .exec();
    Err(error).with_context(|| format!("cannot start `{}`", args.command[0]))
}
