//! `flaky worker`: one remote job from stdin to stdout. The RunPod handler runs it in its own
//! process session and kills the whole group when the job is cancelled.

use std::io::{Read, Write};

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::WorkerArgs;
use crate::exec::StopSignal;
use crate::exit::ExitStatus;
use crate::remote::worker::{WorkerOptions, run_job};

/// The largest job accepted (RunPod's own input limit is 10 MB).
const MAX_INPUT: u64 = 10 * 1024 * 1024;

pub fn worker(args: &WorkerArgs) -> anyhow::Result<ExitStatus> {
    // The tests run as this process's user and must not read its credentials (the git token)
    // from /proc/PID/environ; best effort (not every kernel has it).
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut input)
        .context("cannot read the job from stdin")?;
    let opts = WorkerOptions {
        allow_file_urls: args.allow_file_urls,
        work_root: args.work_dir.clone().unwrap_or_else(std::env::temp_dir),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(async {
        if input.len() as u64 > MAX_INPUT {
            return Err(crate::remote::worker::WorkerError::BadJob("the job is larger than 10 MB".into()));
        }
        let (stop_tx, stop) = StopSignal::new();
        let mut term = signal(SignalKind::terminate()).ok();
        let mut int = signal(SignalKind::interrupt()).ok();
        let job = run_job(&input, &opts, stop);
        tokio::pin!(job);
        loop {
            tokio::select! {
                r = &mut job => return r,
                Some(()) = async { match &mut term { Some(t) => t.recv().await, None => std::future::pending().await } } => { stop_tx.stop(); }
                Some(()) = async { match &mut int { Some(t) => t.recv().await, None => std::future::pending().await } } => { stop_tx.stop(); }
            }
        }
    });
    let (doc, status) = match outcome {
        Ok(result) => (serde_json::to_value(&result)?, ExitStatus::Success),
        Err(e) => (
            serde_json::json!({ "error": e.to_string() }),
            ExitStatus::Error,
        ),
    };
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &doc).context("cannot write the result")?;
    writeln!(stdout)
        .and_then(|()| stdout.flush())
        .context("cannot write the result")?;
    Ok(status)
}
