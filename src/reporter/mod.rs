//! The one owner of stderr: progress bars, warnings and notes, with quiet and colour decided once.

#![expect(
    clippy::print_stderr,
    reason = "the reporter is the module that writes to stderr"
)]

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::Live;
use crate::render::terminal_text;

/// Decides, once, what may be written to the terminal.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub quiet: bool,
    /// Progress bars are drawn (stderr is a terminal and nobody turned them off).
    pub progress: bool,
    /// Colour on stdout.
    pub color_stdout: bool,
    /// Colour on stderr.
    pub color_stderr: bool,
    /// The columns the report's table fits in: `COLUMNS` when set, else stdout's terminal
    /// width; `None` (as wide as its rows) when stdout is not a terminal.
    pub width: Option<usize>,
}

/// `--color`'s three choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}

impl Printer {
    pub fn new(quiet: bool, no_progress: bool, color: ColorMode) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match color {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => tty && !no_color,
        };
        let stderr_tty = std::io::stderr().is_terminal();
        let printer = Self {
            quiet,
            progress: !quiet && !no_progress && stderr_tty,
            color_stdout: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(stderr_tty),
            width: std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse().ok())
                .filter(|&w: &usize| w > 0)
                .or_else(|| {
                    console::Term::stdout()
                        .size_checked()
                        .map(|(_, w)| usize::from(w))
                }),
        };
        console::set_colors_enabled(printer.color_stdout);
        console::set_colors_enabled_stderr(printer.color_stderr);
        printer
    }

    pub fn warn(&self, message: &str) {
        if !self.quiet {
            let message = terminal_text(message);
            eprintln!(
                "{}: {message}",
                console::style("warning").yellow().bold().for_stderr()
            );
        }
    }

    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{}", terminal_text(message));
        }
    }

    /// Errors are printed even with `--quiet`.
    pub fn error(&self, message: &str) {
        let message = terminal_text(message);
        eprintln!(
            "{}: {message}",
            console::style("error").red().bold().for_stderr()
        );
    }
}

/// The live progress of a run: attempts done, the tests flaky and failing so far, elapsed time
/// and ETA.
pub struct Progress {
    bar: ProgressBar,
    live: Live,
}

impl Progress {
    pub fn new(printer: &Printer, total: u64) -> Self {
        let bar = if printer.progress {
            let bar =
                ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(10));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner:.cyan} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} attempts · {msg} (ETA {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("█▉▊▋▌▍▎▏ "),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        let progress = Self {
            bar,
            live: Live::default(),
        };
        // The message first, so that the first tick draws it.
        progress.update_message();
        if printer.progress {
            progress.bar.enable_steady_tick(Duration::from_millis(100));
        }
        progress
    }

    /// Counts one more attempt; `live` is where the tests stand with it.
    pub fn attempt_finished(&mut self, live: Live) {
        if live != self.live {
            self.live = live;
            self.update_message();
        }
        self.bar.inc(1);
    }

    fn update_message(&self) {
        let msg = progress_message(self.live);
        let msg = if self.live.flaky + self.live.failing > 0 {
            console::style(msg).red().for_stderr().to_string()
        } else {
            msg
        };
        self.bar.set_message(msg);
    }

    /// Adds attempts to the planned ones (a run's next phase).
    pub fn extend(&self, attempts: u64) {
        self.bar.inc_length(attempts);
    }

    /// Counts attempts that will never report (a remote shard that failed).
    pub fn skip(&self, attempts: u64) {
        self.bar.inc(attempts);
    }

    /// Runs `f` with the bar hidden, so a message does not tear it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// What the progress line says after the attempt count: what a person watching waits for, the
/// tests found flaky and those failing in every attempt so far ("2 tests flaky · 1 failing every
/// time"), and attempts left out as infrastructure, which would tell of a broken setup.
pub fn progress_message(live: Live) -> String {
    use crate::render::counted;
    let mut parts = Vec::new();
    if live.flaky > 0 {
        parts.push(format!(
            "{} flaky",
            counted(live.flaky as u64, "test", "tests")
        ));
    }
    if live.failing > 0 {
        // "2 tests flaky · 1 failing every time": the noun is said once.
        parts.push(if parts.is_empty() {
            format!(
                "{} failing every time",
                counted(live.failing as u64, "test", "tests")
            )
        } else {
            format!("{} failing every time", live.failing)
        });
    }
    if parts.is_empty() {
        parts.push("no test failed yet".to_owned());
    }
    if live.left_out > 0 {
        parts.push(format!(
            "{} left out as infrastructure",
            counted(live.left_out, "attempt", "attempts")
        ));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_message_counts_flaky_and_failing_tests() {
        let cases = [
            ((0, 0, 0), "no test failed yet"),
            ((1, 0, 0), "1 test flaky"),
            ((3, 0, 0), "3 tests flaky"),
            ((0, 1, 0), "1 test failing every time"),
            ((0, 4, 0), "4 tests failing every time"),
            ((2, 1, 0), "2 tests flaky · 1 failing every time"),
            ((1, 5, 0), "1 test flaky · 5 failing every time"),
            (
                (0, 0, 1),
                "no test failed yet · 1 attempt left out as infrastructure",
            ),
            (
                (2, 1, 7),
                "2 tests flaky · 1 failing every time · 7 attempts left out as infrastructure",
            ),
        ];
        for ((flaky, failing, left_out), want) in cases {
            let live = Live {
                flaky,
                failing,
                left_out,
            };
            assert_eq!(progress_message(live), want, "{live:?}");
        }
    }
}
