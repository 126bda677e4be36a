//! Which attempts run alongside which: whether each attempt had company, and the solo probes.
//!
//! A test that fails only while another copy of the suite runs (a fixed file, port, database
//! or cache shared between attempts) is `contention`, not plain flaky; telling the two apart
//! needs attempts that ran alone. Attempts rarely run alone at `-j 2` and above, so once the
//! run has seen a failure, one attempt in every block of `4 × jobs` waits for the others to
//! finish and runs alone: about 12% more wall time at `-j 2` (and at most 25% at any `-j`) for
//! runs with failures, nothing for runs without. Which attempt of a block is the probe derives
//! from the run's seed, so a failure pattern tied to attempt indexes (every fourth fails) cannot
//! line up with the probes by construction.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::seed::attempt_seed;

/// Mixed into the base seed for the probes' offsets, so they are not the attempts' own seeds.
const PROBE_SALT: u64 = 0x5010_5010_5010_5010;

/// How often a slot waiting for its turn looks whether the run is stopping.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// The attempts of one run that are running now, shared by the job slots.
#[derive(Debug)]
pub struct Company(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    jobs: u32,
    base_seed: u64,
    state: Mutex<State>,
    changed: Condvar,
    /// Set once an attempt failed: solo probes start only then.
    failure_seen: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    /// Each running attempt's index, place and flag (set once another attempt ran at the
    /// same time).
    running: Vec<(u32, usize, Arc<AtomicBool>)>,
    /// Solo probes waiting for the others to finish: no other attempt starts meanwhile.
    solo_waiting: u32,
    solo_running: bool,
}

/// An attempt's place among the running ones, given up when dropped: drop it once the
/// attempt's process has ended.
#[derive(Debug)]
pub struct Seat {
    company: Arc<Inner>,
    index: u32,
    place: usize,
    solo: bool,
    had_company: Arc<AtomicBool>,
}

impl Seat {
    /// Its place: the lowest number no other running attempt holds (below `-j`), so attempts
    /// side by side never share one (`flaky diagnose` pins each to a CPU by it).
    pub fn place(&self) -> usize {
        self.place
    }

    /// The attempt's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Whether no other attempt ran at any moment of this one, so far.
    pub fn alone(&self) -> bool {
        !self.had_company.load(Ordering::Relaxed)
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let inner = &self.company;
        let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.running.retain(|(i, _, _)| *i != self.index);
        if self.solo {
            state.solo_running = false;
        }
        inner.changed.notify_all();
    }
}

impl Company {
    pub fn new(jobs: u32, base_seed: u64) -> Self {
        Self(Arc::new(Inner {
            jobs,
            base_seed,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            failure_seen: AtomicBool::new(false),
        }))
    }

    /// Whether attempt `index` is a solo probe (once a failure was seen): one attempt in each
    /// block of `4 × jobs`, at an offset the run's seed picks.
    pub fn is_probe(jobs: u32, base_seed: u64, index: u32) -> bool {
        if jobs < 2 {
            return false;
        }
        let block = 4 * jobs;
        let offset = attempt_seed(base_seed ^ PROBE_SALT, index / block) % u64::from(block);
        u64::from(index % block) == offset
    }

    pub fn failure_seen(&self) {
        self.0.failure_seen.store(true, Ordering::Relaxed);
    }

    /// Takes a seat for attempt `index`, first waiting for its turn when it must run alone or
    /// a solo probe is waiting or running; `None` when `stopped` said to give up.
    pub fn join(&self, index: u32, stopped: &dyn Fn() -> bool) -> Option<Seat> {
        let inner = &self.0;
        let solo = Self::is_probe(inner.jobs, inner.base_seed, index)
            && inner.failure_seen.load(Ordering::Relaxed);
        let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        if solo {
            state.solo_waiting += 1;
        }
        loop {
            let free = if solo {
                state.running.is_empty() && !state.solo_running
            } else {
                state.solo_waiting == 0 && !state.solo_running
            };
            if free {
                break;
            }
            if stopped() {
                if solo {
                    state.solo_waiting -= 1;
                    inner.changed.notify_all();
                }
                return None;
            }
            state = inner
                .changed
                .wait_timeout(state, STOP_CHECK)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if solo {
            state.solo_waiting -= 1;
            state.solo_running = true;
        }
        let had_company = Arc::new(AtomicBool::new(false));
        if !state.running.is_empty() {
            had_company.store(true, Ordering::Relaxed);
            for (_, _, other) in &state.running {
                other.store(true, Ordering::Relaxed);
            }
        }
        let place = (0..)
            .find(|p| state.running.iter().all(|(_, q, _)| q != p))
            .unwrap_or(0);
        state.running.push((index, place, Arc::clone(&had_company)));
        Some(Seat {
            company: Arc::clone(inner),
            index,
            place,
            solo,
            had_company,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: u64 = 7;

    /// The first probe of a run with [`SEED`] at `-j 2`, and an attempt of the same block.
    fn probe_and_other() -> (u32, u32) {
        let probe = (0..8).find(|i| Company::is_probe(2, SEED, *i)).unwrap();
        (probe, if probe == 0 { 1 } else { 0 })
    }

    #[test]
    fn attempts_side_by_side_hold_different_places() {
        let c = Company::new(2, SEED);
        let never = || false;
        let a = c.join(0, &never).unwrap();
        let b = c.join(1, &never).unwrap();
        assert_eq!((a.place(), b.place()), (0, 1));
        drop(a);
        // 2 takes the place 0 left, whichever attempt ended first.
        let d = c.join(2, &never).unwrap();
        assert_eq!(d.place(), 0);
        drop(b);
        let e = c.join(3, &never).unwrap();
        assert_eq!(e.place(), 1);
    }

    #[test]
    fn attempts_that_overlap_had_company_and_one_alone_did_not() {
        let c = Company::new(2, SEED);
        let never = || false;
        let a = c.join(0, &never).unwrap();
        let b = c.join(1, &never).unwrap();
        assert!(!a.alone());
        drop(a);
        let d = c.join(2, &never).unwrap();
        assert!(!b.alone());
        drop(b);
        // 2 started while 1 ran.
        assert!(!d.alone());
        drop(d);
        let e = c.join(3, &never).unwrap();
        assert!(e.alone());
    }

    #[test]
    fn probes_are_one_in_each_block_of_four_rounds_and_only_with_several_jobs() {
        for seed in 0..50 {
            for jobs in 2..6 {
                let block = 4 * jobs;
                for b in 0..10 {
                    let probes = (b * block..(b + 1) * block)
                        .filter(|i| Company::is_probe(jobs, seed, *i))
                        .count();
                    assert_eq!(probes, 1, "seed {seed}, -j {jobs}, block {b}");
                }
            }
            assert!((0..100).all(|i| !Company::is_probe(1, seed, i)));
        }
        // The offsets vary from block to block and from seed to seed.
        let offsets = |seed| -> Vec<u32> {
            (0..80)
                .filter(|i| Company::is_probe(2, seed, *i))
                .map(|i| i % 8)
                .collect()
        };
        assert_ne!(offsets(7), offsets(8));
        assert!(offsets(7).iter().any(|o| *o != offsets(7)[0]));
    }

    #[test]
    fn a_probe_waits_for_the_others_and_keeps_them_out() {
        let c = Arc::new(Company::new(2, SEED));
        c.failure_seen();
        let never = || false;
        let (probe, other) = probe_and_other();
        let next = 8 + u32::from(Company::is_probe(2, SEED, 8));
        let other = c.join(other, &never).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let probe = {
            let c = Arc::clone(&c);
            std::thread::spawn(move || {
                let seat = c.join(probe, &|| false).unwrap();
                tx.send(()).unwrap();
                seat
            })
        };
        // The probe cannot start while the other attempt runs.
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        // Nothing ran alongside the other attempt: the probe waited.
        assert!(other.alone());
        drop(other);
        rx.recv().unwrap();
        let seat = probe.join().unwrap();
        // No other attempt joins while the probe runs: a stop makes the wait give up.
        assert!(c.join(next, &|| true).is_none());
        assert!(seat.alone());
        drop(seat);
        assert!(c.join(next, &never).is_some());
    }

    #[test]
    fn a_stop_ends_a_probe_waiting_for_its_turn() {
        let c = Company::new(2, SEED);
        c.failure_seen();
        let (probe, other) = probe_and_other();
        let _running = c.join(other, &|| false).unwrap();
        assert!(c.join(probe, &|| true).is_none());
        // The given-up probe no longer holds the others back.
        assert!(
            c.join(8 + u32::from(Company::is_probe(2, SEED, 8)), &|| false)
                .is_some()
        );
    }
}
