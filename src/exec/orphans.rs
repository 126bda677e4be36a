//! What an attempt leaves running after it ends, even outside its process group.
//!
//! An attempt runs in its own process group, and the group is killed when the attempt ends. A
//! process that left the group (`setsid`, `start_new_session=True`, `detached: true`, `set -m`)
//! survives that: a test server keeping its port makes the next attempt fail with "address
//! already in use", and flaky would report a failure it created. So flaky makes itself the
//! child subreaper of everything it starts: such a process, once its parent is gone, becomes
//! flaky's child instead of init's. When an attempt ends, flaky kills the adopted processes
//! whose environment says they belong to that attempt (`FLAKY_RUN_ID` and `FLAKY_ATTEMPT`, which
//! every descendant inherits), with their groups; when the run ends, it kills and reaps whatever
//! it adopted.

use std::path::PathBuf;

use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::waitpid;
use nix::unistd::{Pid, getpgid};

/// How many rounds a sweep makes: killing a process hands its own children over to flaky.
const ROUNDS: usize = 16;

/// How long a sweep waits for a process to finish `execve` before reading its environment again.
const EXEC_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// How long a sweep waits, at most, for processes in the middle of `execve` (or whose
/// environment is empty) to show their environment.
const EXEC_PATIENCE: std::time::Duration = std::time::Duration::from_millis(500);

/// The processes flaky adopted from the attempts of one run.
#[derive(Debug)]
pub struct Orphans {
    run_tag: Vec<u8>,
    /// Where the kernel lists flaky's adopted children (its main thread's children).
    children: PathBuf,
}

impl Orphans {
    /// Makes flaky the reaper of what the attempts of run `run_id` leave behind.
    pub fn adopt(run_id: &str) -> Self {
        // Best effort: without it, escaped processes go to init, as before.
        let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
        let pid = std::process::id();
        Self {
            run_tag: format!("FLAKY_RUN_ID={run_id}").into_bytes(),
            children: PathBuf::from(format!("/proc/{pid}/task/{pid}/children")),
        }
    }

    /// Kills, with their groups, the adopted processes of attempt `index`, and reaps them and
    /// every adopted process that has already died.
    pub fn sweep_attempt(&self, index: u32) {
        let attempt_tag = format!("FLAKY_ATTEMPT={index}").into_bytes();
        // On a loaded machine a process may wait tens of milliseconds for a CPU in the middle of
        // its `execve`: wait for it by the clock, not by a count of pauses.
        let patience = std::time::Instant::now() + EXEC_PATIENCE;
        let mut rounds = 0;
        let mut clean = false;
        loop {
            let mut acted = false;
            // A process in the middle of `execve` shows no environment for a moment.
            let mut unsure = false;
            for pid in self.adopted() {
                match state(pid) {
                    State::Dead => {
                        let _ = waitpid(pid, None);
                        acted = true;
                    }
                    State::Running => {
                        let env = environment(pid);
                        if env.is_empty() {
                            unsure = true;
                        } else if has(&env, &self.run_tag) && has(&env, &attempt_tag) {
                            end(pid);
                            acted = true;
                        }
                    }
                }
            }
            if !acted && !unsure {
                // Once more after yielding the CPU: under load, a process the attempt started
                // just before it ended was seen to show up only then.
                if clean {
                    return;
                }
                clean = true;
                std::thread::yield_now();
                continue;
            }
            clean = false;
            if acted {
                rounds += 1;
                if rounds == ROUNDS {
                    return;
                }
            } else if std::time::Instant::now() >= patience {
                return;
            } else {
                std::thread::sleep(EXEC_PAUSE);
            }
        }
    }

    /// Kills and reaps everything flaky adopted: the run is over, nothing of it may go on.
    pub fn sweep_all(&self) {
        for _ in 0..ROUNDS {
            let found = self.adopted();
            if found.is_empty() {
                return;
            }
            for pid in found {
                end(pid);
            }
        }
    }

    /// The processes flaky adopted (its main thread's children: attempts are started by other
    /// threads, so their own processes are not among them).
    fn adopted(&self) -> Vec<Pid> {
        std::fs::read_to_string(&self.children)
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .map(Pid::from_raw)
            .collect()
    }
}

/// Kills, with their groups, the processes still running for run `run_id` anywhere on this
/// machine (the run's flaky is gone: they were left running). Returns how many.
pub fn end_run(run_id: &str) -> usize {
    let tag = format!("FLAKY_RUN_ID={run_id}").into_bytes();
    let me = std::process::id();
    // A process still being torn down is found again in the next round: count each once.
    let mut ended = std::collections::HashSet::new();
    for _ in 0..ROUNDS {
        let found: Vec<Pid> = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| pid != me)
            .map(|pid| Pid::from_raw(pid as i32))
            .filter(|&pid| matches!(state(pid), State::Running) && has(&environment(pid), &tag))
            .collect();
        if found.is_empty() {
            break;
        }
        for pid in found {
            end(pid);
            ended.insert(pid);
        }
    }
    ended.len()
}

/// Whether a process has died (a zombie, waiting to be reaped) or not.
enum State {
    Running,
    Dead,
}

fn state(pid: Pid) -> State {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The state follows the command name, which is in parentheses and may hold anything.
    match stat.rsplit_once(')').map(|(_, rest)| rest.trim_start()) {
        Some(rest) if rest.starts_with(['Z', 'X']) => State::Dead,
        _ => State::Running,
    }
}

/// A process's environment as it was started (empty when it cannot be read: a zombie, or a
/// process in the middle of `execve`).
fn environment(pid: Pid) -> Vec<u8> {
    std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default()
}

/// Whether the NUL-separated `env` holds exactly the entry `entry`.
fn has(env: &[u8], entry: &[u8]) -> bool {
    env.split(|b| *b == 0).any(|e| e == entry)
}

/// Kills `pid` (with its group when it leads one) and reaps it.
fn end(pid: Pid) {
    if getpgid(Some(pid)).is_ok_and(|g| g == pid) {
        let _ = killpg(pid, Signal::SIGKILL);
    }
    let _ = kill(pid, Signal::SIGKILL);
    let _ = waitpid(pid, None);
}

#[cfg(test)]
mod tests {
    use super::has;

    #[test]
    fn an_entry_matches_whole() {
        let env = b"A=1\0FLAKY_ATTEMPT=12\0FLAKY_RUN_ID=abc\0";
        assert!(has(env, b"FLAKY_ATTEMPT=12"));
        assert!(!has(env, b"FLAKY_ATTEMPT=1"));
        assert!(has(env, b"FLAKY_RUN_ID=abc"));
        assert!(!has(b"", b"FLAKY_RUN_ID=abc"));
    }
}
