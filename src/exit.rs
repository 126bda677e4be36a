//! The exit statuses of `flaky`, documented once: the README and the man page repeat this table.

use std::process::ExitCode;

/// How a `flaky` invocation ended, mapped to the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: no test at or above the `--fail-on` severity (or the command succeeded).
    Success,
    /// 1: flaky or failing tests were found at or above the `--fail-on` severity.
    TestsFailed,
    /// 2: a usage, configuration or infrastructure error; nothing usable was measured.
    Error,
    /// 130: interrupted by Ctrl-C (SIGINT); what finished was still printed and stored.
    Interrupted,
    /// 143: terminated by SIGTERM, SIGHUP or SIGQUIT; what finished was still printed and stored.
    Terminated,
}

impl ExitStatus {
    /// The numeric process exit status.
    pub const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::TestsFailed => 1,
            Self::Error => 2,
            Self::Interrupted => 130,
            Self::Terminated => 143,
        }
    }

    /// The status a report's `exit_code` stands for (an unknown one is an error).
    pub const fn of_report(code: u8) -> Self {
        match code {
            0 => Self::Success,
            1 => Self::TestsFailed,
            130 => Self::Interrupted,
            143 => Self::Terminated,
            _ => Self::Error,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
