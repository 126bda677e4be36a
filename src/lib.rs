//! flaky: runs a test command many times and tells, with evidence, which tests are flaky.
//!
//! The pipeline (see DESIGN.md): `cli` → `config` (a plain plan) → `exec` (events) → `analysis`
//! → `storage` and `render`. Only `exec`, `reporter` and `commands` do I/O during a run.

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnose;
pub mod events;
pub mod exec;
pub mod exit;
pub mod framework;
pub mod model;
pub mod notify;
pub mod parse;
pub mod quarantine;
pub mod remote;
pub mod render;
pub mod reporter;
pub mod scan;
pub mod secrets;
pub mod storage;
pub mod suggest;
pub mod vcs;

use cli::{Cli, ColorChoice, Command};
use exit::ExitStatus;
use reporter::{ColorMode, Printer};

/// Runs one invocation; errors are printed by the caller and mean exit status 2.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let color = match cli.global.color {
        ColorChoice::Auto => ColorMode::Auto,
        ColorChoice::Always => ColorMode::Always,
        ColorChoice::Never => ColorMode::Never,
    };
    let printer = Printer::new(cli.global.quiet, cli.global.no_progress, color);
    match &cli.command {
        Command::Run(args) => commands::run::run(args, &cli.global, &printer),
        Command::Ci(args) => commands::ci::ci(args, &cli.global, &printer),
        Command::Merge(args) => commands::merge::merge(args, &cli.global, &printer),
        Command::Quarantine(command) => {
            commands::quarantine::quarantine(command, &cli.global, &printer)
        }
        Command::History(args) => commands::history::history(args, &cli.global, &printer),
        Command::Dashboard(args) => commands::dashboard::dashboard(args, &cli.global, &printer),
        Command::Report(args) => commands::report::report(args, &cli.global, &printer),
        Command::DetectFramework(args) => commands::detect::detect(args, &printer),
        Command::Scan(args) => commands::scan::scan(args, &printer),
        Command::Completions(args) => commands::generate::print_completions(args.shell),
        Command::Generate(args) => commands::generate::generate(&args.what),
        Command::Worker(args) => commands::worker::worker(args),
        Command::LikelyCauses(args) => commands::causes::likely_causes(&args.dir),
        Command::Diagnose(args) => commands::diagnose::diagnose(args, &cli.global, &printer),
        Command::Isolate(args) => commands::isolate(args),
    }
}
