//! Python's sleeps, bounds on measured durations, and reads of the clock and the time zone.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// A wait of a few seconds whose expiry fails the test (`assert done.wait(timeout=2)`, or
    /// `t.join(timeout=3)` then `assert not t.is_alive()`): a loop around it does not poll.
    pub(super) fn bounded_wait(&mut self, call: Node<'t>, object: Node<'t>, s: &Scope<'t>) {
        /// Longer than a loaded runner stalls a process, as a rule of thumb.
        const GENEROUS_SECONDS: f64 = 5.0;
        let timeout = self.arg(call, 0, &["timeout"]);
        let number = timeout.filter(|t| matches!(t.kind(), "integer" | "float"));
        let seconds = number.and_then(|t| self.text(t).parse::<f64>().ok());
        if !seconds.is_some_and(|t| t > 0.0 && t < GENEROUS_SECONDS) {
            return;
        }
        let asserted = |n: Node<'_>| ancestors(n).any(|a| a.kind() == "assert_statement");
        let alive = format!("{}.is_alive()", self.text(object));
        let failed_by_expiry = asserted(call)
            || s.own.iter().any(|n| {
                n.start_byte() > call.end_byte() && self.text(*n) == alive && asserted(*n)
            });
        if failed_by_expiry {
            self.elapsed_bound(call, s, true, false);
        }
    }

    pub(super) fn sleep(&mut self, node: Node<'t>, faked: bool, s: &Scope<'t>) {
        let Some(duration) = self.arg(node, 0, &["seconds", "delay"]) else {
            return;
        };
        let fact = Fact::Sleep(Sleep {
            call: self.short(node),
            duration: Amount::of_duration(self.constant(duration), self.text(duration)),
            in_loop: syntax::in_loop(node, LOOPS, FUNCTIONS),
            place: s.role.place(),
            faked,
        });
        self.judge(node, s, &fact);
    }

    /// Names assigned from a measuring clock, and durations computed from them.
    pub(super) fn timing(&self, s: &Scope<'t>) -> Timing {
        let mut timing = Timing::default();
        for _ in 0..2 {
            for (name, right) in s.own.iter().filter_map(|n| assigned(*n, self)) {
                if self.is_measuring_clock(right) {
                    timing.starts.insert(name);
                } else if self.is_duration(right, &timing) {
                    timing.durations.insert(name);
                }
            }
        }
        timing
    }

    fn is_measuring_clock(&self, node: Node<'_>) -> bool {
        matches!(self.callee(node), Some(Clock(Timer | Elapsed)))
    }

    /// Whether an expression is a duration: a clock difference, a name holding one, `timeit()`.
    fn is_duration(&self, node: Node<'_>, timing: &Timing) -> bool {
        let start = |n: Node<'_>| n.kind() == "identifier" && timing.starts.contains(self.text(n));
        let clock_read = |n: Node<'_>| start(n) || self.is_measuring_clock(n);
        syntax::descendants(node)
            .into_iter()
            .any(|d| match d.kind() {
                "identifier" => timing.durations.contains(self.text(d)),
                "call" => self.callee_qualified(d).as_deref() == Some("timeit.timeit"),
                "binary_operator" => {
                    operator(d) == Some("-") && syntax::descendants(d).into_iter().any(clock_read)
                }
                _ => false,
            })
    }

    /// `assert elapsed < 0.5`, `self.assertLess(elapsed, 0.5)`: a bound on a duration.
    pub(super) fn timing_bound(&mut self, node: Node<'t>, s: &Scope<'t>, timing: &Timing) {
        // The comparison, and whether it bounds the duration from above.
        let found = match node.kind() {
            "assert_statement" => syntax::descendants(node).into_iter().find_map(|d| {
                (d.kind() == "comparison_operator" && self.is_duration(d, timing)).then_some(())?;
                let op = comparison_operators(d)
                    .into_iter()
                    .find(|o| matches!(*o, "<" | "<=" | ">" | ">="))?;
                let sides = syntax::named_children(d);
                // `lo < elapsed < hi` bounds it from above too.
                let upper = sides.len() > 2
                    || bounds_from_above(op, self.is_duration(sides[0], timing), false);
                Some((d, upper))
            }),
            // unittest's assertions that compare their first two arguments.
            _ => {
                let op = match self.callee_name(node) {
                    Some("assertLess" | "assertLessEqual") => "<",
                    Some("assertGreater" | "assertGreaterEqual") => ">",
                    _ => return,
                };
                let args = self.positional(node);
                let on_left = args.first().is_some_and(|a| self.is_duration(*a, timing));
                let on_right = args.get(1).is_some_and(|a| self.is_duration(*a, timing));
                (on_left || on_right).then(|| (node, bounds_from_above(op, on_left, false)))
            }
        };
        if let Some((bound, upper)) = found {
            self.elapsed_bound(bound, s, upper, syntax::in_loop(bound, LOOPS, FUNCTIONS));
        }
    }

    /// A measured duration compared with a bound, for the shared rule to judge.
    fn elapsed_bound(&mut self, node: Node<'t>, s: &Scope<'t>, upper: bool, in_loop: bool) {
        let fact = Fact::ElapsedBound(ElapsedBound {
            code: self.short(node),
            upper,
            in_loop,
            test_code: self.cx.test_file,
        });
        self.judge(node, s, &fact);
    }

    pub(super) fn clock(&mut self, node: Node<'t>, read: ClockUse, s: &Scope<'t>) {
        let args = self.positional(node).len();
        let (wall, zone) = match read {
            Now | Timer => (true, false),
            NowWithin(n) => (args <= n, false),
            NowOrZone => (args == 0, args > 0),
            Zone => (false, true),
            ZoneWithin(n) => (false, args <= n && self.keyword(node, "tz").is_none()),
            Elapsed => (false, false),
        };
        if wall && !self.measures(node, s) && !self.seeds_a_generator(node) {
            self.clock_read(node, s, false);
        } else if zone {
            self.clock_read(node, s, true);
        }
    }

    /// A read of the time, or of the local time zone, where no fake clock stands in.
    fn clock_read(&mut self, node: Node<'t>, s: &Scope<'t>, zone: bool) {
        if s.guards.calls.contains(&Fake(Category::Clock)) {
            return;
        }
        let fact = Fact::ClockRead(ClockRead {
            code: self.short(node),
            zone,
            only_input: false,
        });
        self.judge(node, s, &fact);
    }

    /// Whether a clock read only measures or bounds time, itself or through the name holding it.
    fn measures(&self, call: Node<'t>, s: &Scope<'t>) -> bool {
        let top = unparenthesize(call);
        measuring_use(top)
            || top
                .parent()
                .filter(|p| p.kind() == "assignment")
                .and_then(|p| self.reads_of_target(p, s))
                .is_some_and(|reads| reads.into_iter().any(measuring_use))
    }

    /// `time.tzname`, `time.timezone`: the local zone.
    pub(super) fn zone_attribute(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let parent = node.parent().map(|p| p.kind());
        let is_callee = matches!(parent, Some("call" | "attribute"));
        let zone = matches!(
            self.qualified(node).as_deref(),
            Some("time.tzname" | "time.timezone" | "time.altzone" | "time.daylight")
        );
        if zone && !is_callee {
            self.clock_read(node, s, true);
        }
    }

    /// A read of the `TZ` variable (`os.environ["TZ"]`, `os.getenv("TZ")`): the local zone.
    pub(super) fn env_read(&mut self, node: Node<'t>, s: &Scope<'t>) {
        if self.env_var(node, |v| v == "TZ").is_some() {
            self.clock_read(node, s, true);
        }
    }
}

/// A time read used to measure or bound time: added to, subtracted from, or compared in a
/// loop's condition (`while time.time() < deadline`).
fn measuring_use(node: Node<'_>) -> bool {
    unparenthesize(node)
        .parent()
        .is_some_and(|parent| match parent.kind() {
            "binary_operator" => matches!(operator(parent), Some("-" | "+")),
            "comparison_operator" => parent
                .parent()
                .is_some_and(|p| p.kind() == "while_statement"),
            _ => false,
        })
}
