//! Python smell rules: the tests pytest and unittest collect, their fixtures and hooks, the
//! functions they call, and the constructs in all of them that make tests flaky.
//!
//! Calls are named by their callee with the imports resolved (`np.random.seed` is
//! `numpy.random.seed`) and looked up in one table ([`callee_of`]). A scope (a function, or a
//! module or class body) holds its own nodes, not those of functions defined in it, and the
//! guards in force there.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::facts::{
    Amount, ClockRead, ElapsedBound, Fact, Listen, PathWrite, Peer, Place, Process, ProcessChange,
    ProcessState, Random, Request, Restore, Seed, SeedSource, SeedUse as SeedRead, Sleep, Unjoined,
    Unseeded,
};
use super::rules::{self, Lang, Variant};
use super::shared::{
    self, Touch, TouchKind, bounds_from_above, first_each, is_constant_name, is_local_host,
    is_seed_variable,
};
use super::syntax::{self, FileCtx, Smell, UnitKind, ancestors, unparenthesize};
use super::{Category, Confidence};
use crate::analysis::Severity;
use crate::render::quote_code;

mod concurrency;
mod network;
mod order;
mod scopes;
mod seeds;
mod state;
mod system;
mod timing;

/// A test file: test_*.py, *_test.py, conftest.py, or any .py under a tests/ or test/ directory.
pub(super) fn is_test_file(rel: &str) -> bool {
    let Some(stem) = rel.strip_suffix(".py") else {
        return false;
    };
    let (dirs, name) = stem.rsplit_once('/').unwrap_or(("", stem));
    name.starts_with("test_")
        || name.ends_with("_test")
        || name == "conftest"
        || dirs.split('/').any(|d| d == "tests" || d == "test")
}

/// Whether pytest (`test_*.py`, `*_test.py`) or unittest (`test*.py`) collect tests from a file.
fn collects_tests(rel: &str) -> bool {
    let name = rel.rsplit_once('/').map_or(rel, |(_, n)| n);
    is_test_file(rel) && (name.starts_with("test") || name.ends_with("_test.py"))
}

/// Finds the units and smells of one file.
pub(super) fn analyze(tree: &Tree, cx: &mut FileCtx<'_>) {
    let root = tree.root_node();
    let mut file = Analyzer {
        cx,
        root,
        imports: HashMap::new(),
        values: HashMap::new(),
        functions: HashMap::new(),
        scopes: Vec::new(),
        touches: Vec::new(),
        reported: HashSet::new(),
    };
    file.build(root);
    file.run();
}

/// What a call does, by its callee's dotted name with the imports resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Callee {
    /// Waits for the duration in its first argument.
    Sleep,
    /// Reads the clock or depends on the local time zone.
    Clock(ClockUse),
    /// Draws from a family's module-level generator (`random.choice`).
    Draw(Family),
    /// Makes a generator seeded by its first argument (`random.Random(seed)`).
    Generator,
    /// Makes a fake-data generator, seeded only by a later call (`Faker()`, `seed_instance`).
    FakeData,
    /// Walks a directory tree: `(root, dirs, files)` with the names in directory order.
    Walk,
    /// Sends a signal, to this process when its target says so (`os.kill(os.getpid(), ...)`).
    RaiseSignal,
    /// Seeds a family's module-level generator (`random.seed(seed)`).
    Seed(Family),
    /// A value meant to differ every run (`uuid.uuid4()`).
    UniqueValue,
    /// Talks to the host in its first argument.
    Network,
    /// Makes an HTTP client that talks to the network.
    HttpClient,
    /// Starts a program, and waits for it to end when true.
    Subprocess(bool),
    /// Changes the process environment.
    EnvWrite,
    /// Reads the environment variable named by its first argument.
    EnvRead,
    /// Lists a directory in no defined order.
    Listing,
    /// Builds a set.
    SetOf,
    /// Makes a thread or process that must be joined.
    Thread,
    /// Schedules a task that must be awaited.
    Task,
    /// Runs awaitables concurrently.
    Gather,
    /// Waits for tasks (a task passed to it is awaited).
    TaskWaiter,
    /// Writes or deletes the path in this positional argument.
    PathWrite(usize),
    /// Opens a file: a write when its mode says so.
    Open,
    /// Replaces what its target names (`mock.patch("requests.get")`).
    Patch,
    /// Fakes every call of a category in its scope (`@responses.activate`, `freeze_time`).
    Fake(Category),
    /// Makes a temporary file or directory.
    TempDir,
}

/// How a clock function depends on the time or the time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClockUse {
    /// Reads the current time.
    Now,
    /// Reads the current time when given at most this many positional arguments.
    NowWithin(usize),
    /// The current time without arguments, the local time zone with them (`time.localtime`).
    NowOrZone,
    /// Depends on the local time zone.
    Zone,
    /// Depends on the local time zone with at most this many positional arguments and no `tz`.
    ZoneWithin(usize),
    /// Reads the current time, as the start or end of a measured duration can (`time.time`).
    Timer,
    /// Reads a clock that only measures durations (`time.monotonic`).
    Elapsed,
}

/// A family of random generators: seeding one does not seed the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Random,
    Numpy,
}

use Callee::*;
use ClockUse::{Elapsed, Now, NowOrZone, NowWithin, Timer, Zone, ZoneWithin};

/// What a call does, by its callee's qualified name: its module, then its name in the module.
fn callee_of(name: &str) -> Option<Callee> {
    let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
    Some(match (module, function) {
        ("time" | "asyncio" | "trio" | "anyio" | "gevent", "sleep") => Sleep,
        ("datetime.datetime", "now" | "utcnow") | ("time", "time" | "time_ns") => Clock(Timer),
        ("datetime.datetime" | "datetime.date", "today") | ("arrow", "now") => Clock(Now),
        ("pendulum", "now" | "today") | ("arrow", "utcnow") => Clock(Now),
        ("time", "gmtime" | "asctime") => Clock(NowWithin(0)),
        ("time", "strftime") => Clock(NowWithin(1)),
        ("time", "localtime" | "ctime") => Clock(NowOrZone),
        ("time", "mktime") | ("tzlocal", "get_localzone") => Clock(Zone),
        ("dateutil.tz", "tzlocal") => Clock(Zone),
        ("datetime.datetime", "fromtimestamp") => Clock(ZoneWithin(1)),
        ("time", "perf_counter" | "perf_counter_ns" | "process_time") => Clock(Elapsed),
        ("time", "monotonic" | "monotonic_ns") | ("timeit", "default_timer") => Clock(Elapsed),
        ("random", "random" | "randint" | "randrange" | "choice") => Draw(Family::Random),
        ("random", "choices" | "shuffle" | "sample" | "uniform" | "gauss") => Draw(Family::Random),
        ("random", "normalvariate" | "triangular" | "expovariate") => Draw(Family::Random),
        ("random", "getrandbits" | "randbytes") => Draw(Family::Random),
        ("numpy.random", "rand" | "randn" | "randint" | "random") => Draw(Family::Numpy),
        ("numpy.random", "random_sample" | "choice" | "shuffle") => Draw(Family::Numpy),
        ("numpy.random", "permutation" | "normal" | "uniform") => Draw(Family::Numpy),
        ("random", "Random") | ("numpy.random", "default_rng" | "RandomState") => Generator,
        ("faker" | "faker.proxy", "Faker") => FakeData,
        ("random", "seed") => Seed(Family::Random),
        ("numpy.random", "seed") => Seed(Family::Numpy),
        ("uuid", "uuid1" | "uuid4") | ("os", "urandom") | ("secrets", "choice") => UniqueValue,
        ("secrets", "token_hex" | "token_bytes" | "token_urlsafe" | "randbelow") => UniqueValue,
        ("requests" | "httpx", "get" | "post" | "put" | "patch" | "delete" | "head") => Network,
        ("requests" | "httpx", "options" | "request") | ("httpx", "stream") => Network,
        ("urllib.request", "urlopen" | "urlretrieve") => Network,
        ("urllib3" | "aiohttp", "request") | ("websocket", "create_connection") => Network,
        ("http.client", "HTTPConnection" | "HTTPSConnection") => Network,
        ("socket", "create_connection" | "getaddrinfo" | "gethostbyname") => Network,
        ("smtplib", "SMTP" | "SMTP_SSL") | ("ftplib", "FTP") | ("websockets", "connect") => Network,
        ("requests", "Session" | "session") | ("httpx", "Client" | "AsyncClient") => HttpClient,
        ("aiohttp", "ClientSession") | ("urllib3", "PoolManager") => HttpClient,
        ("subprocess", "run" | "call" | "check_call" | "check_output") => Subprocess(true),
        ("subprocess", "getoutput" | "getstatusoutput") | ("os", "system") => Subprocess(true),
        ("pexpect", "run") => Subprocess(true),
        ("subprocess", "Popen") | ("os", "popen") | ("pexpect", "spawn") => Subprocess(false),
        ("asyncio", "create_subprocess_exec" | "create_subprocess_shell") => Subprocess(false),
        ("signal", "raise_signal" | "pthread_kill" | "alarm") | ("os", "kill") => RaiseSignal,
        ("os", "putenv" | "unsetenv") => EnvWrite,
        ("os.environ", "update" | "pop" | "popitem" | "setdefault" | "clear") => EnvWrite,
        ("os", "getenv") | ("os.environ", "get") => EnvRead,
        ("os", "listdir" | "scandir") | ("glob", "glob" | "iglob") => Listing,
        ("os", "walk") => Walk,
        ("", "set" | "frozenset") => SetOf,
        ("threading", "Thread" | "Timer") | ("multiprocessing", "Process") => Thread,
        ("asyncio", "create_task" | "ensure_future") => Task,
        ("asyncio", "gather") => Gather,
        ("asyncio", "wait" | "wait_for" | "shield" | "as_completed") => TaskWaiter,
        ("os", "remove" | "unlink" | "rmdir" | "removedirs" | "mkdir" | "makedirs") => PathWrite(0),
        ("shutil", "rmtree") => PathWrite(0),
        ("os", "rename" | "replace") => PathWrite(1),
        ("shutil", "copy" | "copy2" | "copyfile" | "copytree" | "move") => PathWrite(1),
        ("" | "io" | "codecs", "open") => Open,
        ("unittest.mock" | "mock" | "mocker", "patch") => Patch,
        ("unittest.mock.patch" | "mock.patch" | "mocker.patch", "object" | "dict") => Patch,
        ("unittest.mock.patch" | "mock.patch" | "mocker.patch", "multiple") => Patch,
        ("monkeypatch", "setattr" | "setitem" | "delattr" | "delitem") => Patch,
        ("responses", "activate" | "start" | "RequestsMock") => Fake(Category::Network),
        ("requests_mock", "Mocker" | "mock") | ("respx", "mock") => Fake(Category::Network),
        ("httpretty", "activate" | "enable") | ("vcr", "use_cassette") => Fake(Category::Network),
        ("pytest.mark", "vcr") | ("aioresponses", "aioresponses") => Fake(Category::Network),
        ("httpx", "MockTransport" | "ASGITransport" | "WSGITransport") => Fake(Category::Network),
        ("freezegun", "freeze_time") | ("time_machine", "travel") => Fake(Category::Clock),
        ("pytest.mark", "freeze_time") => Fake(Category::Clock),
        ("tempfile", "mkdtemp" | "mkstemp" | "TemporaryDirectory" | "TemporaryFile") => TempDir,
        ("tempfile", "NamedTemporaryFile" | "SpooledTemporaryFile") => TempDir,
        _ => return None,
    })
}

/// What a fixture (a test parameter) guards in its scope, as a call would.
fn guard_fixture(name: &str) -> Option<Callee> {
    Some(match name {
        "tmp_path" | "tmpdir" | "tmp_path_factory" | "tmpdir_factory" => TempDir,
        "requests_mock" | "httpx_mock" | "respx_mock" | "aioresponses" => Fake(Category::Network),
        "responses" | "httpserver" | "live_server" | "aiohttp_server" => Fake(Category::Network),
        "aiohttp_client" => Fake(Category::Network),
        "freezer" | "time_machine" | "frozen_time" => Fake(Category::Clock),
        "fake_process" | "fp" => Fake(Category::Subprocess),
        _ => return None,
    })
}

/// The role of unittest's and pytest's xunit-style hooks: setup (with its shared scope), teardown.
fn hook_role(name: &str) -> Option<Role> {
    Some(match name {
        "setUp" | "asyncSetUp" | "setup_method" | "setup_function" => Role::Setup(None),
        "setUpClass" | "setup_class" => Role::Setup(Some("class")),
        "setUpModule" | "setup_module" => Role::Setup(Some("module")),
        "tearDown" | "asyncTearDown" | "teardown_method" | "teardown_function" => Role::Teardown,
        "tearDownClass" | "teardown_class" | "tearDownModule" | "teardown_module" => Role::Teardown,
        _ => return None,
    })
}

/// Loops, and the definitions that end the search for one: their code does not run in the loop.
const LOOPS: &[&str] = &["while_statement", "for_statement"];
const FUNCTIONS: &[&str] = &["function_definition", "class_definition"];

/// Modules whose replacement by a mock fakes the network.
const NETWORK_MODULES: &[&str] = &[
    "requests", "httpx", "urllib", "urllib3", "aiohttp", "socket", "http", "smtplib",
];

/// Methods that change a list, dict, set or deque in place.
const MUTATORS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "update",
    "add",
    "pop",
    "popitem",
    "setdefault",
    "remove",
    "discard",
    "appendleft",
    "extendleft",
];

/// The rules this file reports smells of itself (the others judge the facts it gives them).
const RANDOM_VALUE: Variant = rules::random_value::RULE.variant_in(Lang::Python);
const PROCESS_SIGNAL: Variant = rules::process_signal::RULE.variant_in(Lang::Python);
const THREAD_SHARED_STATE: Variant = rules::gather_shared_state::RULE.variant_in(Lang::Python).hint(
    "guard the value with a threading.Lock (`with lock:`), or have each thread return its result and combine them after joining",
);
const IMPORTED_STATE_MUTATION: Variant = rules::imported_state_write::RULE.variant_in(Lang::Python);
const SHARED_FIXTURE: Variant = rules::shared_fixture::RULE
    .variant_in(Lang::Python)
    .confidence(Confidence::High);
const UNAWAITED_TASK: Variant = rules::unawaited_async::RULE.variant_in(Lang::Python);
const GATHER_SHARED_STATE: Variant = rules::gather_shared_state::RULE.variant_in(Lang::Python);
const UNSORTED_LISTING: Variant = rules::unsorted_listing::RULE.variant_in(Lang::Python);
const SET_ORDER: Variant = rules::unordered_iteration::RULE
    .variant_in(Lang::Python)
    .confidence(Confidence::Medium);

/// What a function is to the frameworks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A module or class body.
    Body,
    Test,
    Helper,
    /// A fixture or setup hook, with the scope it shares its state in beyond one test.
    Setup(Option<&'static str>),
    Teardown,
}

impl Role {
    /// Where code of this role runs, as the shared rules weigh it.
    const fn place(self) -> Place {
        match self {
            Self::Body | Self::Setup(Some(_)) => Place::Shared,
            Self::Setup(None) | Self::Teardown => Place::Hook,
            Self::Test => Place::Test,
            Self::Helper => Place::Helper,
        }
    }
}

/// What keeps a scope's calls from being flaky: mocks, fakes, temp directories, seeds, teardown.
#[derive(Debug, Clone, Default)]
struct Guards {
    /// The guarding calls in force: fakes (`@responses.activate`), temporary directories, seeds.
    calls: Vec<Callee>,
    /// What `patch` and `monkeypatch.setattr` replace, split at dots.
    patched: Vec<Vec<String>>,
    /// Names and attributes that teardown code touches or setup hooks reset (`os.environ`).
    restored: HashSet<String>,
}

impl Guards {
    fn merge(&mut self, other: Self) {
        self.calls.extend(other.calls);
        self.patched.extend(other.patched);
        self.restored.extend(other.restored);
    }

    fn add(&mut self, callee: Callee) {
        if matches!(callee, Fake(_) | TempDir | Seed(_)) {
            self.calls.push(callee);
        }
    }

    /// Whether a patch replaces a callee, as qualified or as written: its target ends with the
    /// callee or a module it is reached through (`app.requests` for `requests.get`).
    fn covers(&self, qualified: &str, written: &str) -> bool {
        let names: [Vec<String>; 2] =
            [qualified, written].map(|name| name.split('.').map(str::to_owned).collect());
        self.patched.iter().any(|target| {
            names
                .iter()
                .any(|parts| (1..=parts.len()).any(|k| target.ends_with(&parts[..k])))
        })
    }

    /// The categories faked for everything the scope calls.
    fn fakes(&self) -> Vec<Category> {
        let faked = self.calls.iter().filter_map(|c| match c {
            Fake(category) => Some(*category),
            _ => None,
        });
        let mut out: Vec<Category> = faked.collect();
        let patched = |t: &Vec<String>| t.iter().any(|seg| NETWORK_MODULES.contains(&seg.as_str()));
        if self.patched.iter().any(patched) {
            out.push(Category::Network);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A function, or a module or class body, with what its rules need.
struct Scope<'t> {
    node: Node<'t>,
    /// The index of the scope it is nested in (the module's own, for the module).
    outer: usize,
    /// Its nodes in source order, without those of the definitions nested in it.
    own: Vec<Node<'t>>,
    unit: Option<usize>,
    /// The function's name ("" for a body).
    name: String,
    role: Role,
    guards: Guards,
    /// Byte ranges of teardown code: `finally` blocks, a fixture's code after its `yield`.
    cleanup: Vec<Range<usize>>,
    params: Vec<String>,
    /// Names bound here (parameters and assignments) and not declared `global`.
    locals: HashSet<String>,
    /// Names declared `global`.
    globals: HashSet<String>,
    /// Names holding the run's seed -> the seed variable.
    seeds: HashMap<String, String>,
    /// Its classes and functions, outermost first: the parents of the definitions in it.
    path: Vec<String>,
    /// Whether tests are collected from its definitions: a collected file's module, a test class.
    collects: bool,
}

impl<'t> Scope<'t> {
    /// A module or class body: no unit, parameters, names or teardown code of its own.
    fn body(
        node: Node<'t>,
        outer: usize,
        own: Vec<Node<'t>>,
        guards: Guards,
        seeds: HashMap<String, String>,
    ) -> Self {
        Self {
            node,
            outer,
            own,
            unit: None,
            name: String::new(),
            role: Role::Body,
            guards,
            cleanup: Vec::new(),
            params: Vec::new(),
            locals: HashSet::new(),
            globals: HashSet::new(),
            seeds,
            path: Vec::new(),
            collects: false,
        }
    }

    fn in_cleanup(&self, node: Node<'_>) -> bool {
        self.role == Role::Teardown || self.cleanup.iter().any(|r| r.contains(&node.start_byte()))
    }

    fn is_function(&self) -> bool {
        self.role != Role::Body
    }
}

/// Names in a scope that hold clock reads (`start = time.monotonic()`) and durations.
#[derive(Default)]
struct Timing {
    starts: HashSet<String>,
    durations: HashSet<String>,
}

/// How the run's seed is used.
enum SeedUse {
    /// Seeds a generator, is passed on, or only printed.
    Harmless,
    /// Stored in a name.
    Assigned(String),
    /// Decides a condition or an assertion (true), or a computation (false).
    Outcome(bool),
}

struct Analyzer<'t, 'c, 'a> {
    cx: &'c mut FileCtx<'a>,
    /// The module.
    root: Node<'t>,
    /// Local names bound by imports -> the dotted names they stand for.
    imports: HashMap<String, String>,
    /// Module-level names -> the values assigned to them at module level.
    values: HashMap<String, Vec<Node<'t>>>,
    /// The functions of the file by name.
    functions: HashMap<String, Vec<Node<'t>>>,
    scopes: Vec<Scope<'t>>,
    /// The reads and changes of module-level names by the functions of this file.
    touches: Vec<Touch<'t>>,
    /// (scope, rule, key) already reported.
    reported: HashSet<(usize, &'static str, String)>,
}

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    fn text(&self, node: Node<'_>) -> &'a str {
        self.cx.text(node)
    }

    /// `a.b.c` for an identifier or a chain of attributes on one, even across lines and comments.
    fn dotted(&self, node: Node<'_>) -> Option<String> {
        let mut parts = Vec::new();
        let mut at = node;
        while at.kind() == "attribute" {
            parts.push(self.text(at.child_by_field_name("attribute")?));
            at = at.child_by_field_name("object")?;
        }
        (at.kind() == "identifier").then_some(())?;
        parts.push(self.text(at));
        parts.reverse();
        Some(parts.join("."))
    }

    /// A dotted name with its first part resolved through the imports.
    fn qualify(&self, dotted: &str) -> String {
        let (head, rest) = dotted.split_once('.').unwrap_or((dotted, ""));
        match self.imports.get(head) {
            Some(full) if rest.is_empty() => full.clone(),
            Some(full) => format!("{full}.{rest}"),
            None => dotted.to_owned(),
        }
    }

    fn qualified(&self, node: Node<'_>) -> Option<String> {
        self.dotted(node).map(|d| self.qualify(&d))
    }

    fn callee(&self, call: Node<'_>) -> Option<Callee> {
        callee_of(&self.callee_qualified(call)?)
    }

    /// The last name of a call's callee (`join` for `", ".join(x)`).
    fn callee_name(&self, call: Node<'_>) -> Option<&'a str> {
        let function = call.child_by_field_name("function")?;
        match function.kind() {
            "identifier" => Some(self.text(function)),
            "attribute" => Some(self.text(function.child_by_field_name("attribute")?)),
            _ => None,
        }
    }

    /// The name a call goes to, if told: a plain call, or one through an import, `self` or `cls`.
    fn call_name(&self, call: Node<'_>, own: &[Node<'t>]) -> Option<String> {
        let dotted = self.dotted(call.child_by_field_name("function")?)?;
        let parts: Vec<&str> = dotted.split('.').collect();
        match parts[..] {
            [name] | ["self" | "cls", name] => Some(name.to_owned()),
            [head, .., name] if self.imports.contains_key(head) => Some(name.to_owned()),
            // `server = Server(config)` then `server.serve()`: `Server.serve`.
            [object, method] => Some(format!("{}.{method}", self.constructed_class(own, object)?)),
            _ => None,
        }
    }

    /// The class a local name is built from among a function's nodes (`x = Name(...)`).
    fn constructed_class(&self, own: &[Node<'t>], name: &str) -> Option<String> {
        let mut assignments = own.iter().filter_map(|n| assigned(*n, self));
        assignments.find_map(|(left, right)| {
            (left == name).then_some(())?;
            let class = self.dotted(right.child_by_field_name("function")?)?;
            let class = class.rsplit('.').next()?;
            let upper = class.starts_with(|c: char| c.is_ascii_uppercase());
            upper.then(|| class.to_owned())
        })
    }

    /// The text of a string literal without interpolations.
    fn literal(&self, node: Node<'_>) -> Option<String> {
        let (text, complete) = self.literal_prefix(node)?;
        complete.then_some(text)
    }

    /// The literal text of a string up to its first interpolation, and whether that is all of it.
    fn literal_prefix(&self, node: Node<'_>) -> Option<(String, bool)> {
        (node.kind() == "string").then_some(())?;
        let mut out = String::new();
        for part in syntax::named_children(node) {
            match part.kind() {
                "string_content" => out.push_str(self.text(part)),
                "interpolation" => return Some((out, false)),
                _ => {}
            }
        }
        Some((out, true))
    }

    /// A node's code on one line, for messages.
    fn short(&self, node: Node<'_>) -> String {
        shared::shown(self.cx.src, node)
    }

    fn positional(&self, call: Node<'t>) -> Vec<Node<'t>> {
        let arguments = call.child_by_field_name("arguments");
        if let Some(generator) = arguments.filter(|a| a.kind() == "generator_expression") {
            return vec![generator];
        }
        let skipped = [
            "keyword_argument",
            "list_splat",
            "dictionary_splat",
            "comment",
        ];
        let args = shared::args(call).into_iter();
        args.filter(|a| !skipped.contains(&a.kind())).collect()
    }

    fn keyword(&self, call: Node<'t>, name: &str) -> Option<Node<'t>> {
        let named = |a: &Node<'_>| {
            let key = a.child_by_field_name("name");
            a.kind() == "keyword_argument" && key.is_some_and(|n| self.text(n) == name)
        };
        let mut args = shared::args(call).into_iter();
        args.find(named)?.child_by_field_name("value")
    }

    /// A positional argument, or the keyword argument that stands for it.
    fn arg(&self, call: Node<'t>, index: usize, names: &[&str]) -> Option<Node<'t>> {
        let keyword = || names.iter().find_map(|n| self.keyword(call, n));
        self.positional(call).get(index).copied().or_else(keyword)
    }

    fn run(&mut self) {
        let scopes = std::mem::take(&mut self.scopes);
        for scope in &scopes {
            self.rules(scope);
        }
        let written: HashSet<&str> = self.touches.iter().map(|t| t.var.as_str()).collect();
        let reads = scopes.iter().flat_map(|s| self.global_reads(s, &written));
        let reads: Vec<Touch<'t>> = reads.collect();
        self.touches.extend(reads);
        let named = |var: &str| format!("module-level `{var}`");
        for (node, smell, unit) in shared::judge_exposures(&self.touches, Lang::Python, named) {
            self.cx.report(node, smell, unit, self.cx.test_file);
        }
    }

    /// Reports the smell a fact is at a node of a scope, if the rules judge it one.
    fn judge(&mut self, node: Node<'_>, s: &Scope<'_>, fact: &Fact) {
        self.cx.judge(node, fact, Lang::Python, s.unit);
    }

    fn report(&mut self, node: Node<'_>, s: &Scope<'_>, smell: Smell) {
        self.cx.report(node, smell, s.unit, self.cx.test_file);
    }

    /// Reports `{code} {what}` at a node, its code quoted.
    fn report_code(&mut self, node: Node<'_>, s: &Scope<'_>, variant: Variant, what: &str) {
        self.report(node, s, variant.says(&self.short(node), what));
    }

    /// Reports a smell unless the scope already has one of this rule for `key`.
    fn report_once(&mut self, node: Node<'_>, s: &Scope<'_>, key: &str, smell: Smell) {
        let first = (s.node.id(), smell.rule, key.to_owned());
        if self.reported.insert(first) {
            self.report(node, s, smell);
        }
    }

    fn rules(&mut self, s: &Scope<'t>) {
        let timing = self.timing(s);
        for &node in &s.own {
            match node.kind() {
                "call" => {
                    self.call(node, s);
                    self.timing_bound(node, s, &timing);
                }
                "assignment" | "augmented_assignment" => self.assignment(node, s),
                "delete_statement" => self.delete(node, s),
                "assert_statement" => self.timing_bound(node, s, &timing),
                "attribute" => self.zone_attribute(node, s),
                "subscript" => self.env_read(node, s),
                "set" | "set_comprehension" => self.set_order(node, s),
                "identifier" if self.module_set(node, s) => self.set_order(node, s),
                _ => {}
            }
        }
        self.seed_dependence(s);
        self.shared_state(s);
    }

    fn call(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        self.listen(node, function, s);
        // A known callee, `covered` when a patch replaces it (`patch("time.time")`).
        let known = self.dotted(function).and_then(|written| {
            let qualified = self.qualify(&written);
            let callee = callee_of(&qualified)?;
            Some((callee, s.guards.covers(&qualified, &written), qualified))
        });
        let Some((callee, covered, qualified)) = known else {
            if function.kind() == "attribute" {
                self.method_call(node, function, s);
            }
            return;
        };
        match callee {
            Sleep => self.sleep(node, covered, s),
            Generator | Seed(_) => self.seeding(node, callee, s),
            EnvWrite => self.env_write(node, s),
            EnvRead => self.env_read(node, s),
            Listing => self.listing(node, s),
            Walk => self.walk(node, s),
            SetOf => self.set_order(node, s),
            Thread => self.thread(node, s),
            Task => self.task(node, s),
            Gather => self.gather(node, s),
            // What a patch replaces does only what its fake does.
            _ if covered => {}
            Clock(read) => self.clock(node, read, s),
            Draw(family) if !s.guards.calls.contains(&Seed(family)) => {
                self.unseeded(node, Unseeded::Draw, s);
            }
            // Unless the file seeds one (`fake.seed_instance(x)`, `Faker.seed(x)`), every value a
            // `Faker()` makes differs from run to run. pytest's `faker` fixture is seeded.
            FakeData
                if !self.cx.src.contains("seed_instance(")
                    && !self.cx.src.contains("Faker.seed(") =>
            {
                self.unseeded(node, Unseeded::FakeData, s);
            }
            UniqueValue if !self.seeds_a_generator(node) => {
                self.report_code(node, s, RANDOM_VALUE, "differs every run");
            }
            Network => self.network(node, s),
            Subprocess(waits) => self.subprocess(node, waits, s),
            RaiseSignal => self.raise_signal(node, &qualified, s),
            PathWrite(index) => {
                let path = self.arg(node, index, &["path", "dst", "name"]);
                self.path_write(node, path, false, s);
            }
            Open if self.writes(self.arg(node, 1, &["mode"])) => {
                self.path_write(node, self.arg(node, 0, &["file"]), false, s);
            }
            _ => {}
        }
    }

    /// Calls of methods on objects the imports do not name.
    fn method_call(&mut self, node: Node<'t>, function: Node<'t>, s: &Scope<'t>) {
        let field = |name| function.child_by_field_name(name);
        let (Some(object), Some(attr)) = (field("object"), field("attribute")) else {
            return;
        };
        match self.text(attr) {
            m if MUTATORS.contains(&m) => self.state_mutation(node, object, s),
            "iterdir" | "glob" | "rglob" => self.listing(node, s),
            "walk" => self.walk(node, s),
            "run_sync" | "to_thread" | "submit" | "run_in_executor" => self.threaded(node, s),
            // `sock.connect(("example.com", 80))`, `client.connect(ADDRESS)`.
            "connect" => self.remote_call(node, self.positional(node).first().copied(), s),
            "open" if self.writes(self.arg(node, 0, &["mode"])) => {
                self.path_write(node, Some(object), true, s);
            }
            // `pathlib.Path` methods that write or delete.
            "write_text" | "write_bytes" | "unlink" | "rmdir" | "mkdir" | "touch"
            | "symlink_to" | "hardlink_to" => self.path_write(node, Some(object), true, s),
            // `session.get("https://example.com/...")` on a real HTTP client.
            "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "request"
            | "stream" | "urlopen" | "goto" | "ws_connect"
                if self.real_client(object, s) =>
            {
                self.remote_call(node, self.url_arg(node, s), s);
            }
            "join" | "wait" => self.bounded_wait(node, object, s),
            _ => {}
        }
    }

    /// A literal number, a constant's name, or arithmetic of those.
    fn constant(&self, node: Node<'_>) -> bool {
        syntax::all_constant(node, |n, pending| match n.kind() {
            "integer" | "float" => true,
            "identifier" => is_constant_name(self.text(n)),
            "attribute" => n
                .child_by_field_name("attribute")
                .is_some_and(|a| is_constant_name(self.text(a))),
            "unary_operator" | "binary_operator" | "parenthesized_expression" => {
                pending.extend(syntax::named_children(n));
                true
            }
            _ => false,
        })
    }

    fn callee_qualified(&self, call: Node<'_>) -> Option<String> {
        self.qualified(call.child_by_field_name("function")?)
    }

    /// The reads in a scope of the plain name an assignment binds (`x` of `x = ...`).
    fn reads_of_target(&self, assignment: Node<'t>, s: &Scope<'t>) -> Option<Vec<Node<'t>>> {
        let (name, _) = assigned(assignment, self)?;
        let read = |n: &Node| n.kind() == "identifier" && self.text(*n) == name && is_reference(*n);
        Some(s.own.iter().copied().filter(read).collect())
    }
}

/// A decorated definition's decorators and definition (or none and the node itself).
fn unwrap_decorated(node: Node<'_>) -> (Vec<Node<'_>>, Node<'_>) {
    let children = syntax::named_children(node).into_iter();
    let decorators = children.filter(|c| c.kind() == "decorator").collect();
    let definition = node.child_by_field_name("definition").unwrap_or(node);
    (decorators, definition)
}

/// The targets of an assignment's left side (or of a `del`), through tuples and lists.
fn target_nodes(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut pending = vec![node];
    while let Some(n) = pending.pop() {
        match n.kind() {
            "pattern_list"
            | "expression_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "list_splat_pattern"
            | "as_pattern_target" => pending.extend(syntax::named_children(n).into_iter().rev()),
            _ => out.push(n),
        }
    }
    out
}

/// `name = value` as (name, value).
fn assigned<'t>(node: Node<'t>, a: &Analyzer<'t, '_, '_>) -> Option<(String, Node<'t>)> {
    if node.kind() != "assignment" {
        return None;
    }
    let left = node.child_by_field_name("left")?;
    if left.kind() != "identifier" {
        return None;
    }
    Some((a.text(left).to_owned(), node.child_by_field_name("right")?))
}

/// The operator of a binary operator (an operator's token is its kind).
fn operator<'t>(node: Node<'t>) -> Option<&'t str> {
    node.child_by_field_name("operator").map(|o| o.kind())
}

/// The operators of a comparison (`<` of `a < b`, `not in`).
fn comparison_operators<'t>(node: Node<'t>) -> Vec<&'t str> {
    let mut cursor = node.walk();
    let operators = node.children_by_field_name("operators", &mut cursor);
    operators.map(|o| o.kind()).collect()
}

/// Whether an identifier is read here (not a definition, a binding or an attribute name).
fn is_reference(node: Node<'_>) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    let is_field = |field: &str| parent.child_by_field_name(field) == Some(node);
    match parent.kind() {
        "attribute" => !is_field("attribute"),
        "keyword_argument" | "default_parameter" | "typed_default_parameter" => !is_field("name"),
        "assignment" | "for_statement" | "for_in_clause" => !is_field("left"),
        "function_definition"
        | "class_definition"
        | "parameters"
        | "lambda_parameters"
        | "typed_parameter"
        | "global_statement"
        | "nonlocal_statement"
        | "dotted_name"
        | "aliased_import"
        | "pattern_list"
        | "tuple_pattern"
        | "list_pattern"
        | "as_pattern_target"
        | "keyword_pattern" => false,
        _ => true,
    }
}

/// Whether a node is written (`x[k] = v`, `del x[k]`, `x += 1`).
fn is_write_target(node: Node<'_>) -> bool {
    let lists = |a: &Node<'_>| matches!(a.kind(), "pattern_list" | "expression_list");
    let statement = ancestors(node).find(|a| !lists(a));
    let within = |l: Node<'_>| l.byte_range().contains(&node.start_byte());
    statement.is_some_and(|a| match a.kind() {
        "assignment" | "augmented_assignment" => a.child_by_field_name("left").is_some_and(within),
        _ => a.kind() == "delete_statement",
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scan::shared::{assert_example_causes, unit_rows};
    use crate::scan::{causes_of, facts_of, join, snapshot_of};

    #[test]
    fn test_files_by_pytest_conventions() {
        // (path, a test file, one the frameworks collect tests from)
        for (rel, test_file, collects) in [
            ("test_math.py", true, true),
            ("pkg/test_math.py", true, true),
            ("pkg/math_test.py", true, true),
            ("tests/test_math.py", true, true),
            ("conftest.py", true, false),
            ("tests/conftest.py", true, false),
            ("tests/helpers.py", true, false),
            ("src/test/util.py", true, false),
            ("tests/unit/deep/factories.py", true, false),
            ("math.py", false, false),
            ("pkg/testing.py", false, false),
            ("pkg/contest.py", false, false),
            ("tests.py", false, false),
            ("latest/util.py", false, false),
            ("tests/test_math.js", false, false),
            ("test_math.pyc", false, false),
        ] {
            assert_eq!(is_test_file(rel), test_file, "{rel}");
            assert_eq!(collects_tests(rel), collects, "{rel}");
        }
    }

    #[test]
    fn units_are_named_as_pytest_and_unittest_report_them() {
        let src = r#"
import pytest
from flakydemo import register
import flakydemo as fd

def helper():
    register("a", 1)

@pytest.fixture
def registry():
    return {}

def test_top(registry, tmp_path):
    helper()
    fd.lookup("a")

@pytest.mark.parametrize("a,b", [(1, 2)])
def test_table(a, b):
    pass

class TestSlug:
    def test_lowercases(self):
        self.check()

    def check(self):
        pass

    class TestNested:
        async def test_deep(self):
            pass

class TestCaseLike(unittest.TestCase):
    def setUp(self):
        pass

    def test_add(self):
        pass

class NotATest:
    def test_ignored(self):
        pass

class StoreTests:
    def test_inherited(self):
        pass

class TestStore(StoreTests):
    pass

def test_outer():
    def test_inner():
        pass
"#;
        // Calls through modules, and fixtures requested by parameter (parametrized ones are not).
        let expected = [
            "Helper [] helper (test code) calls [register]",
            "Hook [] registry (test code) calls []",
            "Test [] test_top (test code) calls [helper, lookup, registry, tmp_path]",
            "Test [] test_table (test code) calls []",
            "Test [TestSlug] test_lowercases (test code) calls [check]",
            "Helper [TestSlug] check (test code) calls []",
            "Test [TestSlug::TestNested] test_deep (test code) calls []",
            "Hook [TestCaseLike] setUp (test code) calls []",
            "Test [TestCaseLike] test_add (test code) calls []",
            "Helper [NotATest] test_ignored (test code) calls []",
            "Test [StoreTests] test_inherited (test code) calls []",
            "Test [] test_outer (test code) calls []",
            "Helper [test_outer] test_inner (test code) calls []",
        ];
        let rel = "tests/test_units.py";
        assert_eq!(unit_rows(rel, src), expected);
        let facts = facts_of(rel, src);
        let unit = |name: &str| facts.units.iter().find(|u| u.name == name).expect(name);
        let test_top = unit("test_top");
        assert_eq!((test_top.start_line, test_top.end_line), (13, 15));
        // A decorated function starts at its first decorator.
        assert_eq!(unit("registry").start_line, 9);
        let imports = ["pytest", "flakydemo", "flakydemo.register", "flakydemo"];
        assert_eq!(facts.imports, imports);
        // The ids pytest and unittest's xmlrunner report name these units.
        let named = |id: &str| {
            let tests = facts.units.iter().filter(|u| u.kind == UnitKind::Test);
            tests
                .filter(|u| join::matches(id, rel, &u.parents, &u.name))
                .count()
        };
        for (id, count) in [
            ("tests/test_units.py::TestSlug::test_lowercases", 1),
            ("tests/test_units.py::TestSlug::TestNested::test_deep", 1),
            ("tests/test_units.py::test_table[1-2]", 1),
            ("tests.test_units.TestCaseLike::test_add", 1),
            ("tests/test_units.py::NotATest::test_ignored", 0),
        ] {
            assert_eq!(named(id), count, "{id}");
        }
    }

    #[test]
    fn functions_named_test_outside_collected_files_are_not_tests() {
        let src = "def test_connection():\n    pass\n";
        // conftest.py and helpers under tests/ are test code, but pytest collects no tests there.
        for (rel, code) in [
            ("app/models.py", "code"),
            ("tests/conftest.py", "test code"),
            ("tests/helpers.py", "test code"),
        ] {
            let row = format!("Helper [] test_connection ({code}) calls []");
            assert_eq!(unit_rows(rel, src), [row], "{rel}");
        }
    }

    #[test]
    fn relative_imports_are_made_absolute() {
        let src = "from .models import register\nfrom .. import util\nfrom . import x as y\n";
        let absolute = [
            "src.pkg.models",
            "src.pkg.models.register",
            "src",
            "src.util",
            "src.pkg",
            "src.pkg.x",
        ];
        assert_eq!(facts_of("src/pkg/api.py", src).imports, absolute);
    }

    #[test]
    fn fixtures_snapshot() {
        insta::assert_snapshot!(snapshot_of(Path::new("tests/fixtures/scan/python")));
    }

    #[test]
    fn examples_snapshot() {
        // Every finding on the bundled example: the causes of its flaky tests and nothing else.
        insta::assert_snapshot!(snapshot_of(Path::new("examples/python-pytest")));
    }

    #[test]
    fn the_examples_flaky_tests_have_their_causes() {
        // Flaky by seed: the test asserts on TEST_SEED. The order-dependent pair: register()
        // fills the module-level REGISTRY that lookup() reads. The stable tests carry no high
        // finding; the always-failing one is a plain bug.
        let seeded = "tests/test_math.py::test_seeded_flaky";
        let lookup = "tests/test_registry.py::test_lookup_starts_empty";
        let register = "tests/test_registry.py::test_register_item";
        let flaky = [
            (seeded, "random"),
            (lookup, "global-state"),
            (register, "global-state"),
        ];
        let stable = [
            "tests/test_math.py::test_add",
            "tests/test_math.py::test_add_table[1-1-2]",
            "tests/test_math.py::TestSlug::test_lowercases",
            "tests/test_math.py::TestSlug::test_collapses_spaces",
            register,
        ];
        let failing = "tests/test_math.py::test_mean_always_fails";
        let report = assert_example_causes("examples/python-pytest", &flaky, &stable, &[failing]);
        for (id, rule, via) in [
            (seeded, "seed-dependent", &[][..]),
            (lookup, "reads-mutated-state", &["lookup"][..]),
            (register, "module-state-write", &["register"][..]),
        ] {
            let causes = causes_of(&report, id);
            let found = causes.iter().any(|c| c.rule == rule && c.via == via);
            assert!(found, "{id}: {causes:?}");
        }
        assert!(causes_of(&report, "tests/test_math.py::test_add").is_empty());
    }
}
