//! The `flaky` binary: parse the command line, run, map the outcome to an exit status.

use std::process::ExitCode;

use flaky::cli::Cli;
use flaky::exit::ExitStatus;

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    match flaky::run(cli) {
        Ok(status) => status.into(),
        Err(e) => {
            // A closed pipe (`flaky history | head`) is not an error worth a message.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitStatus::Success.into();
            }
            #[expect(
                clippy::print_stderr,
                reason = "the last resort for errors nobody else printed"
            )]
            {
                eprintln!(
                    "{} {}",
                    console::style("error:").red().bold().for_stderr(),
                    flaky::render::terminal_text(&format!("{e:#}"))
                );
            }
            ExitStatus::Error.into()
        }
    }
}
