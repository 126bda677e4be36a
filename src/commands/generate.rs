//! `flaky generate`: the shell completions and man pages, from the clap definitions.

use std::path::Path;

use anyhow::Context;
use clap_complete::Shell;

use crate::cli::GenerateWhat;
use crate::exit::ExitStatus;

/// The completion file names, as `completions/` holds them.
pub const COMPLETIONS: [(Shell, &str); 5] = [
    (Shell::Bash, "flaky.bash"),
    (Shell::Zsh, "_flaky"),
    (Shell::Fish, "flaky.fish"),
    (Shell::PowerShell, "_flaky.ps1"),
    (Shell::Elvish, "flaky.elv"),
];

pub fn generate(what: &GenerateWhat) -> anyhow::Result<ExitStatus> {
    match what {
        GenerateWhat::Man { dir } => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, page) in man_pages()? {
                let path = dir.join(name);
                std::fs::write(&path, page)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// `flaky completions SHELL`.
pub fn print_completions(shell: Shell) -> anyhow::Result<ExitStatus> {
    super::print(&completions(shell))?;
    Ok(ExitStatus::Success)
}

/// The completion script for one shell.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut public_command(), "flaky", &mut buf);
    buf
}

/// The command as users see it: clap's generators would otherwise offer the hidden subcommands
/// (`worker`, `generate`...) and list a `help` page. clap cannot remove a subcommand, so the
/// root is built again from the visible ones.
fn public_command() -> clap::Command {
    let full = crate::cli::command();
    let mut public = clap::Command::new("flaky")
        .version(full.get_version().unwrap_or_default().to_owned())
        .about(full.get_about().cloned().unwrap_or_default())
        .propagate_version(true)
        .subcommand_required(true)
        .disable_help_subcommand(true);
    for arg in full.get_arguments() {
        public = public.arg(arg.clone());
    }
    for sub in full.get_subcommands().filter(|s| !s.is_hide_set()) {
        public = public.subcommand(sub.clone());
    }
    public.build();
    public
}

/// Every man page: `flaky.1` and one per visible subcommand (`flaky-run.1`, ...), each with its
/// exit status, environment and files.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let cmd = public_command();
    let mut pages = Vec::new();
    let mut root = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut root)?;
    root.extend_from_slice(exit_status_section("").as_bytes());
    root.extend_from_slice(environment_section(&cmd, "").as_bytes());
    root.extend_from_slice(files_section("").as_bytes());
    pages.push(("flaky.1".to_owned(), root));
    for sub in cmd.get_subcommands() {
        let name = format!("flaky-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(sub.clone().name(name.clone())).render(&mut page)?;
        page.extend_from_slice(exit_status_section(sub.get_name()).as_bytes());
        page.extend_from_slice(environment_section(sub, sub.get_name()).as_bytes());
        page.extend_from_slice(files_section(sub.get_name()).as_bytes());
        pages.push((format!("{name}.1"), page));
    }
    Ok(pages)
}

/// The variables a command reads: those of its options (`[env: FLAKY_RUNS]`, the global ones
/// included) and the ones its code reads, and for `run` and `ci` the ones each attempt gets.
fn environment_section(cmd: &clap::Command, name: &str) -> String {
    let mut entries: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| {
            let var = a.get_env()?.to_string_lossy().into_owned();
            let flag = a.get_long().map_or_else(String::new, |l| format!("--{l}"));
            Some((var, format!("The default of \\fB{}\\fR.", roff(&flag))))
        })
        .collect();
    entries.push((
        "NO_COLOR".to_owned(),
        "Set: no colours with \\fB\\-\\-color auto\\fR.".to_owned(),
    ));
    for (commands, var, what) in ENVIRONMENT {
        if name.is_empty() || commands.contains(&name) {
            entries.push(((*var).to_owned(), (*what).to_owned()));
        }
    }
    entries.sort();
    entries.dedup_by(|a, b| a.0 == b.0);
    let mut out = String::from(".SH ENVIRONMENT\n");
    for (var, what) in entries {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{what}\n", roff(&var)));
    }
    out
}

/// A name as roff shows it literally (`-` is a hyphen, not a minus, unless escaped).
fn roff(text: &str) -> String {
    text.replace('-', "\\-")
}

/// Variables read by the code rather than by an option, by the commands that read them.
const ENVIRONMENT: &[(&[&str], &str, &str)] = &[
    (
        &["run", "ci"],
        "FLAKY_SEED, TEST_SEED, FLAKY_ATTEMPT, ATTEMPT, PYTHONHASHSEED, FLAKY_RUN_ID, TMPDIR",
        "Set by flaky for each attempt (with the framework's own seed variables): the attempt's seed and index, the run, and a temporary directory of its own.",
    ),
    (
        &["run"],
        "FLAKY_SCAN_TIMEOUT",
        "How long the scan for likely causes may take (default 2m); past it the run is reported without them.",
    ),
    (
        &["run", "ci", "merge", "report"],
        "GITHUB_TOKEN, SLACK_WEBHOOK_URL, DISCORD_WEBHOOK_URL",
        "Where \\fB\\-\\-post\\fR posts: a pull-request comment, a Slack or a Discord message. Never printed or stored.",
    ),
    (
        &["run"],
        "RUNPOD_API_KEY",
        "The RunPod key of \\fB\\-\\-remote runpod\\fR. Never sent to the tests, printed or stored.",
    ),
    (
        &["ci"],
        "GITHUB_ACTIONS, GITHUB_STEP_SUMMARY",
        "On GitHub Actions: annotations on the failing lines, and the verdicts in the job summary.",
    ),
];

/// The files a command reads or writes.
fn files_section(name: &str) -> String {
    let mut out = String::from(".SH FILES\n");
    for (commands, file, what) in FILES {
        if name.is_empty() || commands.contains(&name) {
            out.push_str(&format!(".TP\n\\fI{}\\fR\n{what}\n", roff(file)));
        }
    }
    out
}

const FILES: &[(&[&str], &str, &str)] = &[
    (
        &["run", "ci", "merge", "quarantine", "diagnose"],
        ".flaky.yml",
        "The project's configuration and quarantine, in the directory the command runs in (\\fB\\-\\-config\\fR names another).",
    ),
    (
        &["run", "ci", "merge", "history", "report", "diagnose"],
        "~/.local/share/flaky/history.db",
        "The history database (macOS: ~/Library/Application Support/flaky/history.db); \\fB\\-\\-db\\fR or FLAKY_DB name another.",
    ),
    (
        &["run", "ci", "diagnose"],
        "~/.cache/flaky/",
        "Support files for the frameworks (the pytest plugin, jest's transform cache) and go test binaries kept between runs (at most 1 GiB).",
    ),
];

/// The exit statuses of a command (`""`: the root page), as a man page section: the table of
/// `src/exit.rs`, with what 0 and 1 mean for that command.
fn exit_status_section(name: &str) -> String {
    let (success, failed) = match name {
        "" | "run" | "merge" => (
            "No test at or above the \\fB\\-\\-fail\\-on\\fR severity.",
            Some(
                "Flaky or failing tests were found at or above the \\fB\\-\\-fail\\-on\\fR severity.",
            ),
        ),
        "ci" => (
            "Every test passed, or every failure was flaky (it passed on a rerun) or quarantined.",
            Some(
                "A test failed every rerun (or was flaky, with \\fB\\-\\-strict\\fR), or the suite failed outside its tests.",
            ),
        ),
        "scan" => (
            "No finding at or above the \\fB\\-\\-fail\\-on\\fR severity.",
            Some("Findings at or above the \\fB\\-\\-fail\\-on\\fR severity."),
        ),
        "diagnose" => (
            "The diagnoses were made and stored, whatever causes they found.",
            None,
        ),
        _ => ("Done.", None),
    };
    let mut rows = vec![("0", success)];
    rows.extend(failed.map(|f| ("1", f)));
    rows.extend([
        ("2", "A usage, configuration or infrastructure error (a bad flag or config, a command not found, an unusable database); for a run, nothing usable was measured."),
        ("130", "Interrupted by Ctrl\\-C; what finished was still printed and stored."),
        ("143", "Terminated by SIGTERM, SIGHUP or SIGQUIT; what finished was still printed and stored."),
    ]);
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, what) in rows {
        out.push_str(&format!(".TP\n\\fB{code}\\fR\n{what}\n"));
    }
    out
}

/// Writes the files `completions/` and `man/` should hold under `root`, for the drift test.
pub fn expected_files(root: &Path) -> anyhow::Result<Vec<(std::path::PathBuf, Vec<u8>)>> {
    let mut files: Vec<_> = COMPLETIONS
        .iter()
        .map(|(shell, name)| (root.join("completions").join(name), completions(*shell)))
        .collect();
    for (name, page) in man_pages()? {
        files.push((root.join("man").join(name), page));
    }
    Ok(files)
}
