//! What `flaky diagnose` changes about an attempt's process: the CPU it may run on (shared with
//! flaky's busy threads, for the load experiment) and the network (a namespace of its own with
//! only a loopback, for the network experiment).

use std::borrow::Cow;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use nix::sched::{CloneFlags, CpuSet, sched_setaffinity, unshare};
use nix::unistd::Pid;

/// Changes to how each attempt's process runs (none by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Isolation {
    /// Pin the attempt's process (and what it starts) to this CPU.
    pub cpu: Option<usize>,
    /// Pin each attempt to a CPU of its own among those flaky may use, by its place among the
    /// attempts running at once: copies side by side then never compete for a CPU.
    pub spread: bool,
    /// Run it in a network namespace of its own: no network but a loopback of its own.
    pub no_network: bool,
}

impl Isolation {
    /// The argv that runs `argv` so isolated: through `flaky isolate` (this very executable),
    /// which pins and unshares itself, then executes the command in its place.
    pub fn wrap(self, argv: &[String], place: usize) -> Cow<'_, [String]> {
        if self == Self::default() {
            return Cow::Borrowed(argv);
        }
        let cpu = if self.spread {
            let cpus = usable_cpus();
            cpus.get(place % cpus.len().max(1)).copied()
        } else {
            self.cpu
        };
        let exe = std::env::current_exe()
            .map_or_else(|_| "flaky".to_owned(), |p| p.to_string_lossy().into_owned());
        let mut wrapped = vec![exe, "isolate".to_owned()];
        if let Some(cpu) = cpu {
            wrapped.extend(["--cpu".to_owned(), cpu.to_string()]);
        }
        if self.no_network {
            wrapped.push("--no-network".to_owned());
        }
        wrapped.push("--".to_owned());
        wrapped.extend(argv.iter().cloned());
        Cow::Owned(wrapped)
    }

    /// Applies the isolation to this process (single-threaded: `flaky isolate` before it
    /// executes the command), so the command and everything it starts inherit it.
    pub fn enter(self) -> io::Result<()> {
        if let Some(cpu) = self.cpu {
            pin_to(cpu)?;
        }
        if self.no_network {
            let uid = nix::unistd::Uid::current();
            let gid = nix::unistd::Gid::current();
            unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET)
                .map_err(io::Error::from)?;
            // The user keeps its own ids inside (files it creates stay its own).
            std::fs::write("/proc/self/setgroups", "deny")?;
            std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))?;
            std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n"))?;
            loopback_up()?;
        }
        Ok(())
    }
}

/// Pins the calling thread (and what it starts from now on) to `cpu`.
fn pin_to(cpu: usize) -> io::Result<()> {
    let mut set = CpuSet::new();
    set.set(cpu).map_err(io::Error::from)?;
    sched_setaffinity(Pid::from_raw(0), &set).map_err(io::Error::from)
}

/// Brings the new namespace's loopback (interface 1) up through rtnetlink, so tests that talk
/// to a local server still can.
fn loopback_up() -> io::Result<()> {
    use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType, recv, send, socket};
    const RTM_NEWLINK: u16 = 16;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_ACK: u16 = 4;
    const NLMSG_ERROR: u16 = 2;
    const IFF_UP: u32 = 1;
    let fd = socket(AddressFamily::NETLINK, SocketType::RAW, None)?;
    // nlmsghdr (length, type, flags, sequence, port) then ifinfomsg (family, type, index,
    // flags, change), in the machine's byte order.
    let mut msg = Vec::with_capacity(32);
    msg.extend(32u32.to_ne_bytes());
    msg.extend(RTM_NEWLINK.to_ne_bytes());
    msg.extend((NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
    msg.extend(1u32.to_ne_bytes());
    msg.extend(0u32.to_ne_bytes());
    msg.extend([0u8, 0]);
    msg.extend(0u16.to_ne_bytes());
    msg.extend(1i32.to_ne_bytes());
    msg.extend(IFF_UP.to_ne_bytes());
    msg.extend(IFF_UP.to_ne_bytes());
    send(&fd, &msg, SendFlags::empty())?;
    let mut answer = [0u8; 256];
    let (n, _) = recv(&fd, &mut answer[..], RecvFlags::empty())?;
    // The acknowledgement is an error message whose code is 0.
    let kind = answer.get(4..6).map(|b| u16::from_ne_bytes([b[0], b[1]]));
    let code = answer
        .get(16..20)
        .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    match (n >= 20, kind, code) {
        (true, Some(NLMSG_ERROR), Some(0)) => Ok(()),
        (true, Some(NLMSG_ERROR), Some(e)) => Err(io::Error::from_raw_os_error(-e)),
        _ => Err(io::Error::other("no acknowledgement from rtnetlink")),
    }
}

/// Whether this machine lets an unprivileged process have a network namespace of its own:
/// `Err` says why not.
pub fn network_namespace_works() -> Result<(), String> {
    let command = ["true".to_owned()];
    let argv = Isolation {
        no_network: true,
        ..Isolation::default()
    }
    .wrap(&command, 0);
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", argv[0]))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

/// Threads that keep one CPU busy until dropped (the load experiment's load).
#[derive(Debug)]
pub struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Load {
    /// Starts `threads` threads spinning on `cpu` (pinned there when the kernel allows).
    pub fn start(cpu: usize, threads: usize) -> io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut load = Self {
            stop: stop.clone(),
            threads: Vec::with_capacity(threads),
        };
        for i in 0..threads {
            let stop = stop.clone();
            let handle = std::thread::Builder::new()
                .name(format!("flaky-load-{i}"))
                .spawn(move || {
                    let _ = pin_to(cpu);
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..10_000 {
                            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005) + 1);
                        }
                    }
                })?;
            load.threads.push(handle);
        }
        Ok(load)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The CPU the load experiment uses: the last one this process may run on.
pub fn load_cpu() -> usize {
    usable_cpus().last().copied().unwrap_or(0)
}

/// The CPUs this process may run on.
fn usable_cpus() -> Vec<usize> {
    nix::sched::sched_getaffinity(Pid::from_raw(0))
        .map(|set| {
            (0..CpuSet::count())
                .filter(|&c| set.is_set(c).unwrap_or(false))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_goes_through_flaky_isolate() {
        let argv = vec!["pytest".to_owned(), "-x".to_owned()];
        assert_eq!(Isolation::default().wrap(&argv, 3), argv);
        let wrapped = Isolation {
            cpu: Some(1),
            no_network: true,
            spread: false,
        }
        .wrap(&argv, 0);
        assert_eq!(
            wrapped[1..],
            [
                "isolate",
                "--cpu",
                "1",
                "--no-network",
                "--",
                "pytest",
                "-x"
            ]
        );
    }

    /// Spread attempts take the usable CPUs in turn by their place.
    #[test]
    fn spread_attempts_get_a_cpu_each_by_place() {
        let cpus = usable_cpus();
        let spread = Isolation {
            spread: true,
            ..Isolation::default()
        };
        let command = ["true".to_owned()];
        for place in 0..2 * cpus.len() {
            let wrapped = spread.wrap(&command, place);
            assert_eq!(
                wrapped[1..5],
                [
                    "isolate",
                    "--cpu",
                    &cpus[place % cpus.len()].to_string(),
                    "--"
                ]
            );
        }
    }

    #[test]
    fn load_threads_stop_when_dropped() {
        let load = Load::start(load_cpu(), 2).unwrap();
        assert_eq!(load.threads.len(), 2);
        drop(load);
    }
}
