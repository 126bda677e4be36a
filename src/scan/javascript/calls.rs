//! JavaScript's calls: the table of smells by qualified callee ([`CALLS`]) and what each row needs.

use super::*;

/// A finding: its rule, and what it says after the call.
type Finding = (Variant, &'static str);

/// What a call's arguments and surroundings must show for its row to be a smell.
#[derive(Debug, Clone, Copy)]
pub(super) enum Check {
    /// The call is enough.
    Always(Finding),
    /// In a test file.
    InTests(Finding),
    /// Reading the time now: no arguments, not measuring an interval, no fake clock.
    WallClock,
    /// No `timeZone` option among the arguments.
    NoTimeZone,
    /// A constant first argument (a delay), no fake clock.
    ConstantDelay,
    /// A timer: a fixed sleep inside a promise, a race in a test.
    Timer,
    /// A host that is not this machine, with no mock of the client in the file.
    Remote,
    /// A fixed path outside the temporary directory, with no mock of `fs`.
    FixedPath,
    /// A child process, with no mock of the module in the file; `to_end` when waited for
    /// before the next line runs, with no deadline.
    Process { to_end: bool },
    /// A listing whose order is used (compared, indexed, joined, returned) without a sort.
    Unsorted,
    /// Seeding a generator from the clock, entropy or a constant.
    Seed,
    /// A draw, context inside a stand-in for an entropy source.
    Draw,
    /// An async callback whose promises are dropped.
    AsyncCallback,
}

/// A random id or token: any value would do, as long as it is unique.
const RANDOM_ID: Finding = (
    rules::random_value::RULE.variant_in(Lang::JavaScript),
    "makes a random value that differs on every run",
);

/// Calls (and `new` expressions, as `new Name`) that are smells, by qualified callee:
/// `fs.cp` matches exactly; `*.sleep` matches `sleep` and any `x.sleep`; `fs.rm*` any function
/// of `fs` whose name starts with `rm`; `fs.cp[Sync]` matches `fs.cp` and `fs.cpSync`.
pub(super) const CALLS: &[(&[&str], Check)] = &[
    (
        &[
            "timers/promises.setTimeout",
            "*.waitForTimeout",
            "*.sleep",
            "*.delay",
            "*.wait",
        ],
        Check::ConstantDelay,
    ),
    (&["setTimeout", "setInterval"], Check::Timer),
    (
        &[
            "Date.now",
            "Date",
            "new Date",
            "moment",
            "moment.utc",
            "dayjs",
            "dayjs.utc",
            "luxon.DateTime.now",
            "luxon.DateTime.local",
        ],
        Check::WallClock,
    ),
    (
        &["*.getTimezoneOffset", "*.resolvedOptions"],
        Check::Always((
            rules::local_time_zone::RULE.variant_in(Lang::JavaScript),
            "depends on the machine's time zone",
        )),
    ),
    (
        &["*.toLocaleDateString", "*.toLocaleTimeString"],
        Check::NoTimeZone,
    ),
    (&["Math.random", "crypto.randomInt"], Check::Draw),
    (
        &[
            "crypto.randomUUID",
            "crypto.randomBytes",
            "uuid.v1",
            "uuid.v4",
            "nanoid.nanoid",
        ],
        Check::Always(RANDOM_ID),
    ),
    (
        &[
            "*.seed",
            "*.seedrandom",
            "*.setSeed",
            "new Chance",
            "new seedrandom",
        ],
        Check::Seed,
    ),
    (
        &[
            "fetch",
            "node-fetch",
            "cross-fetch",
            "isomorphic-fetch",
            "undici.fetch",
            "undici.request",
            "axios",
            "axios.get",
            "axios.post",
            "axios.put",
            "axios.patch",
            "axios.delete",
            "axios.head",
            "axios.request",
            "got",
            "got.get",
            "got.post",
            "ky",
            "ky.get",
            "ky.post",
            "superagent.get",
            "superagent.post",
            "request",
            "http.get",
            "http.request",
            "https.get",
            "https.request",
            "net.connect",
            "net.createConnection",
            "tls.connect",
            "dns.lookup",
            "dns.resolve*",
            "new WebSocket",
            "new ws",
            "new EventSource",
        ],
        Check::Remote,
    ),
    (
        &[
            "fs.writeFile[Sync]",
            "fs.writeJson[Sync]",
            "fs.appendFile[Sync]",
            "fs.mkdir[Sync]",
            "fs.rm*",
            "fs.unlink[Sync]",
            "fs.rename[Sync]",
            "fs.copyFile[Sync]",
            "fs.cp[Sync]",
            "fs.truncate[Sync]",
            "fs.createWriteStream",
            "fs.output*",
            "fs.remove[Sync]",
            "fs.emptyDir[Sync]",
            "fs.ensureDir[Sync]",
        ],
        Check::FixedPath,
    ),
    // The `Sync` forms, and the row after, are waited for before the next line runs, with no
    // deadline: context.
    (
        &[
            "child_process.exec*",
            "child_process.spawn[Sync]",
            "child_process.fork",
            "execa",
            "execa.execa*",
            "execa.$",
            "cross-spawn",
        ],
        Check::Process { to_end: false },
    ),
    (
        &["cross-spawn.sync", "shelljs.exec"],
        Check::Process { to_end: true },
    ),
    (
        &[
            "fs.readdir[Sync]",
            "glob",
            "glob.glob[Sync]",
            "glob.sync",
            "fast-glob",
            "fast-glob.glob",
            "fast-glob.sync",
            "globby",
            "globby.globby[Sync]",
        ],
        Check::Unsorted,
    ),
    (
        &["Promise.race", "Promise.any"],
        Check::InTests((
            rules::promise_race::RULE.variant_in(Lang::JavaScript),
            "settles with whichever promise finishes first",
        )),
    ),
    (&["*.forEach"], Check::AsyncCallback),
];

impl<'c, 's, 't> Walk<'c, 's, 't> {
    /// A call or `new`: a row of the table, a server, what it does to state, timing and tests.
    pub(super) fn call(&mut self, call: Node<'t>, ctx: &Ctx) {
        let Some(q) = self.info.callee(call) else {
            return;
        };
        if let Some((_, check)) = CALLS.iter().find(|(callees, _)| names_any(callees, &q))
            && let Some((rule, says)) = self.check(*check, call, &q, ctx)
        {
            self.says(call, ctx.unit, rule, says);
        }
        // `.listen(3000)`, `new WebSocketServer({ port: 8080 })`, `startServer(app, { port })`.
        if serves(&q) || q.starts_with("new ") && q.ends_with("Server") {
            self.listen(call, ctx);
        }
        let Some(callee) = call.child_by_field_name("function") else {
            return;
        };
        if let (Some(unit), Some(name)) = (ctx.unit, self.call_name(callee)) {
            let calls = &mut self.cx.facts.units[unit].calls;
            if !calls.contains(&name) {
                calls.push(name);
            }
        }
        self.bound_matcher(call, callee, ctx);
        self.call_mutation(call, callee, &q, ctx);
        self.completion_order(call, callee, ctx);
        self.early_done(call, callee, ctx);
    }

    /// Whether a row's call is a smell here; calls the shared rules judge are judged here (`None`).
    fn check(&mut self, check: Check, call: Node<'t>, q: &str, ctx: &Ctx) -> Option<Finding> {
        let args = arguments(call);
        match check {
            Check::Always(finding) => Some(finding),
            Check::InTests(finding) => self.cx.test_file.then_some(finding),
            Check::Draw => {
                let stand_in = enclosing_function(call)
                    .and_then(|f| self.function_name(f))
                    .is_some_and(|name| names_any(&ENTROPY, &name));
                // A draw made text (`Math.random().toString(36)`) is an id, as `randomUUID()` is.
                let method = self.scaled(call).parent().filter(|p| p.kind() == "member_expression");
                let property = method.and_then(|m| m.child_by_field_name("property"));
                if property.is_some_and(|p| self.text(p) == "toString") {
                    return Some(RANDOM_ID);
                }
                // A draw inside a stand-in for an entropy source (a fake `getRandomValues`) is
                // as random as what it replaces: context.
                let rule = rules::unseeded_random::RULE.variant_in(Lang::JavaScript);
                let rule = rule.context_if(stand_in);
                Some((rule, "draws an unseeded random number"))
            }
            Check::WallClock => {
                let now = args.is_empty() && !self.info.fake_clock;
                let rule = rules::wall_clock::RULE.variant_in(Lang::JavaScript);
                (now && !self.measures(call) && !self.only_seeds(call, 0))
                    .then_some((rule.context_if(self.decides_nothing(call)), "reads the wall clock"))
            }
            Check::NoTimeZone => {
                let zoned = args.iter().any(|a| self.property(*a, &["timeZone"]).is_some());
                (!zoned).then_some((
                    rules::local_time_zone::RULE.variant_in(Lang::JavaScript),
                    "formats in the machine's time zone",
                ))
            }
            Check::ConstantDelay => {
                // A method of some object (`lock.wait(10)`) is not a sleep.
                if (self.plain_callee(call) || names_any(&["cy.wait", "*.waitForTimeout"], q))
                    && let Some(&duration) = args.first()
                {
                    self.sleep(call, call, duration, ctx);
                }
                None
            }
            Check::Timer => self.timer(call, &args, ctx).then_some((
                rules::timer_callback::RULE.variant_in(Lang::JavaScript),
                "runs its callback on the real clock, racing the test",
            )),
            Check::Remote => {
                let peer = self.remote(q, &args)?;
                self.judge(call, Fact::Request(Request { call: self.shown(call), peer }), ctx.unit);
                None
            }
            Check::FixedPath => {
                let write = self.fixed_path_write(call, q)?;
                self.judge(call, Fact::PathWrite(write), ctx.unit);
                None
            }
            Check::Process { to_end } => {
                // A `Sync` form, or one whose callback is the test's `done`, runs to its end.
                let to_end = to_end || q.ends_with("Sync") || args.iter().any(|a| self.text(*a) == "done");
                if !self.info.is_mocked(q) {
                    self.judge(call, Fact::Process(Process { call: self.shown(call), to_end }), ctx.unit);
                }
                None
            }
            Check::Unsorted => self.listing_order_used(call).then_some((
                rules::unsorted_listing::RULE.variant_in(Lang::JavaScript),
                "lists files in the file system's order, and that order is used unsorted",
            )),
            Check::Seed => {
                self.seed(call, &args, ctx);
                None
            }
            Check::AsyncCallback => args.first().is_some_and(|a| is_async(unwrap(*a))).then_some((
                rules::async_foreach::RULE.variant_in(Lang::JavaScript),
                "does not wait for its async callback: their work runs after the code that follows",
            )),
        }
    }
}
