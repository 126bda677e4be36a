//! `flaky generate`: the shell completions and man pages, from the clap definitions.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateWhat};
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
        GenerateWhat::Completions { shell } => {
            super::print(&completions(*shell))?;
        }
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

/// The completion script for one shell.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "flaky", &mut buf);
    buf
}

/// Every man page: `flaky.1` and one per visible subcommand (`flaky-run.1`, ...).
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = Vec::new();
    let mut root = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut root)?;
    root.extend_from_slice(EXIT_STATUS_SECTION.as_bytes());
    pages.push(("flaky.1".to_owned(), root));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("flaky-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(sub.clone().name(name.clone())).render(&mut page)?;
        pages.push((format!("{name}.1"), page));
    }
    Ok(pages)
}

/// The exit-status table of `src/exit.rs`, as a man page section.
const EXIT_STATUS_SECTION: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
No test at or above the \fB\-\-fail\-on\fR severity.
.TP
\fB1\fR
Flaky or failing tests were found at or above the \fB\-\-fail\-on\fR severity.
.TP
\fB2\fR
A usage, configuration or infrastructure error; nothing usable was measured.
.TP
\fB130\fR
Interrupted by Ctrl\-C; what finished was still printed and stored.
.TP
\fB143\fR
Terminated by SIGTERM, SIGHUP or SIGQUIT; what finished was still printed and stored.
"#;

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
