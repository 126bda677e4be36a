//! Python smell rules: the tests pytest and unittest collect, their fixtures and hooks, the
//! functions they call, and the constructs in all of them that make tests flaky.
//!
//! Calls are named by their callee with the file's imports resolved (`np.random.seed` is
//! `numpy.random.seed`) and looked up in one table ([`callee_of`]); the rest of the rules read
//! assignments, assertions and loops. A scope (a function, or a module or class body) holds its
//! own nodes, without those of the functions defined in it, and the guards in force there:
//! mocks, fake clocks, temporary directories, seeds and teardown code.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;

use tree_sitter::{Node, Tree};

use super::facts::{
    Amount, Bound, ClockRead, ElapsedBound, Fact, Listen, PathWrite, Peer, Place, Process,
    ProcessChange, ProcessState, Random, Request, Restore, Seed, SeedSource, SeedUse as SeedRead,
    Sleep, Unjoined, Unseeded,
};
use super::rules::{self, Lang, Variant};
use super::shared::{
    self, Touch, TouchKind, bounds_from_above, first_each, is_constant_name, is_local_host,
    is_seed_variable,
};
use super::syntax::{self, FileCtx, Smell, Unit, UnitKind, ancestors, unparenthesize};
use super::{Category, Confidence};
use crate::analysis::Severity;
use crate::render::quote_code;

/// Whether a file is a test file: test_*.py, *_test.py, conftest.py, or any .py under a tests/ or test/ directory.
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

/// Whether the frameworks collect tests from a test file: pytest's `test_*.py` and `*_test.py`,
/// unittest's `test*.py`; not conftest.py or helper modules under tests/.
fn collects_tests(rel: &str) -> bool {
    let name = rel.rsplit_once('/').map_or(rel, |(_, n)| n);
    is_test_file(rel) && (name.starts_with("test") || name.ends_with("_test.py"))
}

/// Finds the units and smells of one file.
pub(super) fn analyze(tree: &Tree, cx: &mut FileCtx<'_>) {
    let root = tree.root_node();
    let mut file = Analyzer::new(cx);
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
    Generator(Family),
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
    Subprocess,
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
}

/// A family of random generators: seeding one does not seed the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Random,
    Numpy,
}

use Callee::*;
use ClockUse::{Now, NowOrZone, NowWithin, Zone, ZoneWithin};

/// What a call does, by its callee's qualified name: its module, then its name in the module.
fn callee_of(name: &str) -> Option<Callee> {
    let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
    Some(match (module, function) {
        ("time" | "asyncio" | "trio" | "anyio" | "gevent", "sleep") => Sleep,
        ("datetime.datetime", "now" | "utcnow" | "today") => Clock(Now),
        ("datetime.date", "today") | ("pendulum", "now" | "today") => Clock(Now),
        ("time", "time" | "time_ns") | ("arrow", "now" | "utcnow") => Clock(Now),
        ("time", "gmtime" | "asctime") => Clock(NowWithin(0)),
        ("time", "strftime") => Clock(NowWithin(1)),
        ("time", "localtime" | "ctime") => Clock(NowOrZone),
        ("time", "mktime") | ("tzlocal", "get_localzone") => Clock(Zone),
        ("dateutil.tz", "tzlocal") => Clock(Zone),
        ("datetime.datetime", "fromtimestamp") => Clock(ZoneWithin(1)),
        ("random", "random" | "randint" | "randrange" | "choice") => Draw(Family::Random),
        ("random", "choices" | "shuffle" | "sample" | "uniform" | "gauss") => Draw(Family::Random),
        ("random", "normalvariate" | "triangular" | "expovariate") => Draw(Family::Random),
        ("random", "getrandbits" | "randbytes") => Draw(Family::Random),
        ("numpy.random", "rand" | "randn" | "randint" | "random") => Draw(Family::Numpy),
        ("numpy.random", "random_sample" | "choice" | "shuffle") => Draw(Family::Numpy),
        ("numpy.random", "permutation" | "normal" | "uniform") => Draw(Family::Numpy),
        ("random", "Random") => Generator(Family::Random),
        ("faker" | "faker.proxy", "Faker") => FakeData,
        ("numpy.random", "default_rng" | "RandomState") => Generator(Family::Numpy),
        ("random", "seed") => Seed(Family::Random),
        ("numpy.random", "seed") => Seed(Family::Numpy),
        ("uuid", "uuid1" | "uuid4") | ("os", "urandom") => UniqueValue,
        ("secrets", "token_hex" | "token_bytes" | "token_urlsafe" | "randbelow") => UniqueValue,
        ("secrets", "choice") => UniqueValue,
        ("requests" | "httpx", "get" | "post" | "put" | "patch" | "delete" | "head") => Network,
        ("requests" | "httpx", "options" | "request") | ("httpx", "stream") => Network,
        ("urllib.request", "urlopen" | "urlretrieve") => Network,
        ("urllib3" | "aiohttp", "request") => Network,
        ("http.client", "HTTPConnection" | "HTTPSConnection") => Network,
        ("socket", "create_connection" | "getaddrinfo" | "gethostbyname") => Network,
        ("smtplib", "SMTP" | "SMTP_SSL") | ("ftplib", "FTP") | ("websockets", "connect") => Network,
        ("websocket", "create_connection") => Network,
        ("subprocess", "run" | "call" | "check_call" | "check_output" | "Popen") => Subprocess,
        ("subprocess", "getoutput" | "getstatusoutput") | ("os", "system" | "popen") => Subprocess,
        ("asyncio", "create_subprocess_exec" | "create_subprocess_shell") => Subprocess,
        ("pexpect", "spawn" | "run") => Subprocess,
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

/// The statements of a loop, and the definitions that end the search for one (a function
/// defined in a loop does not run in it).
const LOOPS: &[&str] = &["while_statement", "for_statement"];
const FUNCTIONS: &[&str] = &["function_definition", "class_definition"];

/// Clocks read to measure a duration.
const MEASURING_CLOCKS: &[&str] = &[
    "time.time",
    "time.time_ns",
    "time.monotonic",
    "time.monotonic_ns",
    "time.perf_counter",
    "time.perf_counter_ns",
    "time.process_time",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "timeit.default_timer",
];

/// Modules whose replacement by a mock fakes the network.
const NETWORK_MODULES: &[&str] = &[
    "requests", "httpx", "urllib", "urllib3", "aiohttp", "socket", "http", "smtplib",
];

/// Methods that send a request when given a URL (`session.get("https://...")`).
const URL_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "stream",
    "urlopen",
    "goto",
    "ws_connect",
];

/// Constructors of HTTP clients that talk to the network.
const HTTP_CLIENTS: &[&str] = &[
    "requests.Session",
    "requests.session",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "urllib3.PoolManager",
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

/// `pathlib.Path` methods that write or delete.
const PATH_WRITES: &[&str] = &[
    "write_text",
    "write_bytes",
    "unlink",
    "rmdir",
    "mkdir",
    "touch",
    "symlink_to",
    "hardlink_to",
];

/// Calls that make a server or socket listen (their port is read from their arguments).
const LISTENS: &[&str] = &[
    "bind",
    "create_tcp_listener",
    "HTTPServer",
    "ThreadingHTTPServer",
    "TCPServer",
    "ThreadingTCPServer",
    "UDPServer",
    "ThreadingUDPServer",
    "make_server",
    "start_server",
    "create_server",
    "run",
    "run_app",
    "serve",
    "Server",
];

/// unittest assertions that compare their first two arguments by order or size.
const BOUND_ASSERTS: &[&str] = &[
    "assertLess",
    "assertLessEqual",
    "assertGreater",
    "assertGreaterEqual",
];

/// Hooks that run before tests, by the scope they share state in (None: one test).
const SETUP_HOOKS: &[(Option<&str>, &[&str])] = &[
    (
        None,
        &["setUp", "asyncSetUp", "setup_method", "setup_function"],
    ),
    (Some("class"), &["setUpClass", "setup_class"]),
    (Some("module"), &["setUpModule", "setup_module"]),
];

const TEARDOWN_HOOKS: &[&str] = &[
    "tearDown",
    "asyncTearDown",
    "teardown_method",
    "teardown_function",
    "tearDownClass",
    "teardown_class",
    "tearDownModule",
    "teardown_module",
];

/// Constructors of mutable containers.
const CONTAINERS: &[&str] = &[
    "dict",
    "list",
    "set",
    "bytearray",
    "defaultdict",
    "OrderedDict",
    "Counter",
    "deque",
];

/// The rules this file reports smells of itself (the others judge the facts it gives them).
const RANDOM_VALUE: Variant = rules::random_value::RULE.python();
const PROCESS_SIGNAL: Variant = rules::process_signal::RULE.python();
const THREAD_SHARED_STATE: Variant = rules::gather_shared_state::RULE.python().hint(
    "guard the value with a threading.Lock (`with lock:`), or have each thread return its result and combine them after joining",
);
const IMPORTED_STATE_MUTATION: Variant = rules::imported_state_write::RULE.python();
const SHARED_FIXTURE: Variant = rules::shared_fixture::RULE
    .python()
    .confidence(Confidence::High);
const UNAWAITED_TASK: Variant = rules::unawaited_async::RULE.python();
const GATHER_SHARED_STATE: Variant = rules::gather_shared_state::RULE.python();
const UNSORTED_LISTING: Variant = rules::unsorted_listing::RULE.python();
const SET_ORDER: Variant = rules::unordered_iteration::RULE
    .python()
    .confidence(Confidence::Medium);

/// What a function is to the frameworks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A module or class body.
    Body,
    Test,
    Helper,
    /// A fixture or setup hook, with the scope it shares its state in beyond one test.
    Setup {
        shared: Option<&'static str>,
    },
    Teardown,
}

impl Role {
    /// Where code of this role runs, as the shared rules weigh it.
    const fn place(self) -> Place {
        match self {
            Self::Body | Self::Setup { shared: Some(_) } => Place::Shared,
            Self::Setup { shared: None } | Self::Teardown => Place::Hook,
            Self::Test => Place::Test,
            Self::Helper => Place::Helper,
        }
    }
}

/// What keeps a scope's calls from being flaky: mocks, fakes, temporary directories, seeds and
/// teardown code.
#[derive(Debug, Clone, Default)]
struct Guards {
    /// Categories faked for every call (`@responses.activate`, `freeze_time`).
    faked: Vec<Category>,
    /// What `patch` and `monkeypatch.setattr` replace, split at dots.
    patched: Vec<Vec<String>>,
    temp_dir: bool,
    seeded: Vec<Family>,
    /// Names and attributes that teardown code touches or setup hooks reset (`os.environ`,
    /// `REGISTRY`).
    restored: HashSet<String>,
}

impl Guards {
    fn merge(&mut self, other: Self) {
        self.faked.extend(other.faked);
        self.patched.extend(other.patched);
        self.temp_dir |= other.temp_dir;
        self.seeded.extend(other.seeded);
        self.restored.extend(other.restored);
    }

    fn add(&mut self, callee: Callee) {
        match callee {
            Fake(category) => self.faked.push(category),
            TempDir => self.temp_dir = true,
            Seed(family) => self.seeded.push(family),
            _ => {}
        }
    }

    /// Whether a patch replaces the callee written `written`, qualified `qualified`: its target
    /// ends with the callee or a module it is reached through (`app.requests` for
    /// `requests.get`, `app.sleep` for `sleep` imported from time).
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
        let mut out = self.faked.clone();
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
}

impl<'t> Scope<'t> {
    /// A module or class body: no unit, parameters, names or teardown code of its own.
    fn body(node: Node<'t>, own: Vec<Node<'t>>, guards: Guards) -> Self {
        Self {
            node,
            own,
            unit: None,
            name: String::new(),
            role: Role::Body,
            guards,
            cleanup: Vec::new(),
            params: Vec::new(),
            locals: HashSet::new(),
            globals: HashSet::new(),
            seeds: HashMap::new(),
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
    /// Whether the scope reads a clock at all.
    clocks: bool,
    starts: HashSet<String>,
    durations: HashSet<String>,
}

/// What a definition inherits from the definitions around it.
#[derive(Clone, Default)]
struct Ctx {
    /// Enclosing classes (and functions, for nested helpers), outermost first.
    parents: Vec<String>,
    /// Directly in a class whose `test*` methods are collected.
    test_class: bool,
    in_function: bool,
    guards: Guards,
    seeds: HashMap<String, String>,
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
    collects: bool,
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
    fn new(cx: &'c mut FileCtx<'a>) -> Self {
        let collects = collects_tests(cx.path);
        Self {
            cx,
            collects,
            imports: HashMap::new(),
            values: HashMap::new(),
            functions: HashMap::new(),
            scopes: Vec::new(),
            touches: Vec::new(),
            reported: HashSet::new(),
        }
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        self.cx.text(node)
    }

    // ---- Names -------------------------------------------------------------------------

    /// `a.b.c` for an identifier or a chain of attributes on one, also when the chain is
    /// spread over lines or holds comments.
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
        let (head, rest) = dotted
            .split_once('.')
            .map_or((dotted, None), |(h, r)| (h, Some(r)));
        match (self.imports.get(head), rest) {
            (Some(full), Some(rest)) => format!("{full}.{rest}"),
            (Some(full), None) => full.clone(),
            (None, _) => dotted.to_owned(),
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

    /// The name a unit's call goes to, when it can be told: plain calls, and calls through an
    /// imported module or `self`/`cls`; not methods of other objects.
    fn call_name(&self, call: Node<'_>) -> Option<String> {
        let function = call.child_by_field_name("function")?;
        if function.kind() == "identifier" {
            return Some(self.text(function).to_owned());
        }
        let dotted = self.dotted(function)?;
        let parts: Vec<&str> = dotted.split('.').collect();
        let through_self = matches!(parts[0], "self" | "cls") && parts.len() == 2;
        if through_self || self.imports.contains_key(parts[0]) {
            return Some(parts[parts.len() - 1].to_owned());
        }
        // `server = Server(config)` then `server.serve()`: `Server.serve`.
        let [object, method] = parts[..] else {
            return None;
        };
        let class = self.constructed_class(call, object)?;
        Some(format!("{class}.{method}"))
    }

    /// The class a local name is built from in the function around a node (`x = Name(...)`).
    fn constructed_class(&self, node: Node<'_>, name: &str) -> Option<String> {
        let func = ancestors(node).find(|a| a.kind() == "function_definition")?;
        syntax::descendants(func).into_iter().find_map(|a| {
            if a.kind() != "assignment"
                || a.child_by_field_name("left").map(|l| self.text(l)) != Some(name)
            {
                return None;
            }
            let right = a
                .child_by_field_name("right")
                .filter(|r| r.kind() == "call")?;
            let class = self.dotted(right.child_by_field_name("function")?)?;
            let class = class.rsplit('.').next()?;
            class
                .starts_with(|c: char| c.is_ascii_uppercase())
                .then(|| class.to_owned())
        })
    }

    /// The text of a string literal without interpolations.
    fn literal(&self, node: Node<'_>) -> Option<String> {
        let (text, complete) = self.literal_prefix(node)?;
        complete.then_some(text)
    }

    /// The literal text of a string up to its first interpolation, and whether that is all of it.
    fn literal_prefix(&self, node: Node<'_>) -> Option<(String, bool)> {
        if node.kind() != "string" {
            return None;
        }
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
        shared::short(self.text(node))
    }

    fn positional(&self, call: Node<'t>) -> Vec<Node<'t>> {
        let Some(args) = call.child_by_field_name("arguments") else {
            return Vec::new();
        };
        if args.kind() == "generator_expression" {
            return vec![args];
        }
        syntax::named_children(args)
            .into_iter()
            .filter(|a| {
                !matches!(
                    a.kind(),
                    "keyword_argument" | "list_splat" | "dictionary_splat" | "comment"
                )
            })
            .collect()
    }

    fn keyword(&self, call: Node<'t>, name: &str) -> Option<Node<'t>> {
        let args = call.child_by_field_name("arguments")?;
        syntax::named_children(args)
            .into_iter()
            .filter(|a| a.kind() == "keyword_argument")
            .find(|a| {
                a.child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == name)
            })
            .and_then(|a| a.child_by_field_name("value"))
    }

    /// A positional argument, or the keyword argument that stands for it.
    fn arg(&self, call: Node<'t>, index: usize, names: &[&str]) -> Option<Node<'t>> {
        self.positional(call)
            .get(index)
            .copied()
            .or_else(|| names.iter().find_map(|n| self.keyword(call, n)))
    }

    // ---- Building scopes ---------------------------------------------------------------

    fn build(&mut self, root: Node<'t>) {
        self.read_module(root);
        let (own, nested) = split(&[root]);
        self.read_imports(&own);
        let mut guards = self.guards_of(&own);
        guards.merge(self.hook_guards(&nested));
        let locals = self.bound_names(&own, &[]);
        let seeds = self.seed_names(&own, &HashMap::new());
        let ctx = Ctx {
            guards: guards.clone(),
            seeds: seeds.clone(),
            ..Ctx::default()
        };
        self.scopes.push(Scope {
            locals,
            seeds,
            ..Scope::body(root, own, guards)
        });
        self.definitions(nested, ctx);
    }

    /// Reads definitions and the definitions nested in them, in source order: a worklist, not
    /// recursion, so the depth of nesting costs no stack.
    fn definitions(&mut self, defs: Vec<Node<'t>>, ctx: Ctx) {
        let ctx = Rc::new(ctx);
        let mut pending: Vec<(Node<'t>, Rc<Ctx>)> = defs
            .into_iter()
            .rev()
            .map(|d| (d, Rc::clone(&ctx)))
            .collect();
        while let Some((node, ctx)) = pending.pop() {
            if let Some((nested, inner)) = self.definition(node, &ctx) {
                let inner = Rc::new(inner);
                pending.extend(nested.into_iter().rev().map(|d| (d, Rc::clone(&inner))));
            }
        }
    }

    /// The imports among a scope's nodes (those in functions count for the whole file).
    /// `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`; `from a.b import c as d`
    /// binds `d` to `a.b.c`, with relative imports made absolute from the file's directory.
    fn read_imports(&mut self, own: &[Node<'t>]) {
        for &node in own {
            let base = match node.kind() {
                "import_statement" => None,
                "import_from_statement" => {
                    let module = node.child_by_field_name("module_name");
                    let Some(base) = module.and_then(|m| self.module_of(m)) else {
                        continue;
                    };
                    self.cx.facts.imports.push(base.clone());
                    Some(base)
                }
                _ => continue,
            };
            for (name, alias) in self.imported_names(node) {
                let full = base
                    .as_ref()
                    .map_or(name.clone(), |b| format!("{b}.{name}"));
                let (local, bound) = match (alias, &base) {
                    (Some(alias), _) => (alias, full.clone()),
                    (None, Some(_)) => (name, full.clone()),
                    (None, None) => {
                        let head = full.split('.').next().unwrap_or("").to_owned();
                        (head.clone(), head)
                    }
                };
                self.imports.insert(local, bound);
                self.cx.facts.imports.push(full);
            }
        }
    }

    /// The names of an import statement, with their aliases.
    fn imported_names(&self, node: Node<'t>) -> Vec<(String, Option<String>)> {
        let mut cursor = node.walk();
        node.children_by_field_name("name", &mut cursor)
            .filter_map(|name| match name.kind() {
                "aliased_import" => Some((
                    self.text(name.child_by_field_name("name")?).to_owned(),
                    Some(self.text(name.child_by_field_name("alias")?).to_owned()),
                )),
                _ => Some((self.text(name).to_owned(), None)),
            })
            .collect()
    }

    /// The absolute dotted name of an import's module.
    fn module_of(&self, module: Node<'t>) -> Option<String> {
        if module.kind() != "relative_import" {
            return Some(self.text(module).to_owned());
        }
        let mut dots = 0;
        let mut tail = None;
        for part in syntax::named_children(module) {
            match part.kind() {
                "import_prefix" => dots = self.text(part).len(),
                "dotted_name" => tail = Some(self.text(part)),
                _ => {}
            }
        }
        let mut package: Vec<&str> = self.cx.path.split('/').collect();
        package.pop();
        for _ in 1..dots {
            package.pop()?;
        }
        package.extend(tail);
        (!package.is_empty()).then(|| package.join("."))
    }

    /// The values assigned to module-level names.
    fn read_module(&mut self, root: Node<'t>) {
        let statements = syntax::named_children(root).into_iter();
        for statement in statements.filter(|s| s.kind() == "expression_statement") {
            if let Some((name, value)) = statement.named_child(0).and_then(|a| assigned(a, self)) {
                self.values.entry(name).or_default().push(value);
            }
        }
    }

    /// The values assigned to a name: in the scope, or at module level when the scope does not
    /// bind it.
    fn values_of(&self, name: &str, s: Option<&Scope<'t>>) -> Vec<Node<'t>> {
        match s.filter(|s| s.locals.contains(name)) {
            Some(s) => s
                .own
                .iter()
                .filter_map(|n| assigned(*n, self))
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v)
                .collect(),
            None => self.values.get(name).cloned().unwrap_or_default(),
        }
    }

    /// The value of a name assigned once (at module level: without a scope).
    fn value_of(&self, name: &str, s: Option<&Scope<'t>>) -> Option<Node<'t>> {
        match self.values_of(name, s).as_slice() {
            [value] => Some(*value),
            _ => None,
        }
    }

    fn name_of(&self, def: Node<'_>) -> String {
        def.child_by_field_name("name")
            .map(|n| self.text(n).to_owned())
            .unwrap_or_default()
    }

    /// Reads a definition; returns the definitions nested in it and what they inherit.
    fn definition(&mut self, node: Node<'t>, ctx: &Ctx) -> Option<(Vec<Node<'t>>, Ctx)> {
        let (decorators, def) = unwrap_decorated(node);
        match def.kind() {
            "function_definition" => Some(self.function(node, def, &decorators, ctx)),
            "class_definition" => self.class(def, &decorators, ctx),
            _ => None,
        }
    }

    fn function(
        &mut self,
        outer: Node<'t>,
        def: Node<'t>,
        decorators: &[Node<'t>],
        ctx: &Ctx,
    ) -> (Vec<Node<'t>>, Ctx) {
        let name = self.name_of(def);
        let role = self.role_of(&name, decorators, ctx);
        let (own, nested) = split(&function_roots(decorators, def));
        self.read_imports(&own);
        self.functions.entry(name.clone()).or_default().push(def);
        let params = self.params(def);
        let mut guards = ctx.guards.clone();
        guards.merge(self.guards_of(&own));
        params
            .iter()
            .filter_map(|p| guard_fixture(p))
            .for_each(|callee| guards.add(callee));
        let cleanup = self.cleanup(def, &own);
        guards.restored.extend(self.touched(&own, &cleanup));
        let globals: HashSet<String> = own
            .iter()
            .filter(|n| n.kind() == "global_statement")
            .flat_map(|n| syntax::named_children(*n))
            .map(|n| self.text(n).to_owned())
            .collect();
        let mut locals = self.bound_names(&own, &params);
        locals.retain(|l| !globals.contains(l));
        let mut inherited = ctx.seeds.clone();
        inherited.retain(|n, _| !locals.contains(n));
        let seeds = self.seed_names(&own, &inherited);
        let calls = self.calls(&own, role, &params, decorators);
        let (start_line, end_line) = syntax::lines(outer);
        let unit = Some(self.cx.unit(Unit {
            name: name.clone(),
            parents: ctx.parents.clone(),
            kind: match role {
                Role::Test => UnitKind::Test,
                Role::Setup { .. } | Role::Teardown => UnitKind::Hook,
                Role::Helper | Role::Body => UnitKind::Helper,
            },
            test_code: self.cx.test_file,
            start_line,
            end_line,
            calls,
            fakes: guards.fakes(),
        }));
        let inner = Ctx {
            parents: [ctx.parents.clone(), vec![name.clone()]].concat(),
            test_class: false,
            in_function: true,
            guards: guards.clone(),
            seeds: seeds.clone(),
        };
        self.scopes.push(Scope {
            node: def,
            own,
            unit,
            name,
            role,
            guards,
            cleanup,
            params,
            locals,
            globals,
            seeds,
        });
        (nested, inner)
    }

    fn class(
        &mut self,
        def: Node<'t>,
        decorators: &[Node<'t>],
        ctx: &Ctx,
    ) -> Option<(Vec<Node<'t>>, Ctx)> {
        let name = self.name_of(def);
        let nested_in_test = ctx.parents.is_empty() || ctx.test_class;
        let test_class = self.collects
            && !ctx.in_function
            && ((name.starts_with("Test") && nested_in_test) || self.is_test_case(def));
        let body = def.child_by_field_name("body")?;
        let (own, nested) = split(&[body]);
        self.read_imports(&own);
        // The class's decorators and hooks guard all its tests.
        let mut guards = ctx.guards.clone();
        let (decorated, _) = split(decorators);
        guards.merge(self.guards_of(&decorated));
        guards.merge(self.hook_guards(&nested));
        let inner = Ctx {
            parents: [ctx.parents.clone(), vec![name]].concat(),
            test_class,
            in_function: ctx.in_function,
            guards: guards.clone(),
            seeds: ctx.seeds.clone(),
        };
        self.scopes.push(Scope::body(def, own, guards));
        Some((nested, inner))
    }

    /// What the hooks among these definitions give the tests next to them: setup hooks and
    /// autouse fixtures guard them and reset state for them; teardown hooks restore what they
    /// touch.
    fn hook_guards(&self, defs: &[Node<'t>]) -> Guards {
        let mut guards = Guards::default();
        let defs = defs.iter().map(|d| unwrap_decorated(*d));
        for (decorators, function) in defs.filter(|(_, f)| f.kind() == "function_definition") {
            let name = self.name_of(function);
            let autouse = self.fixture(&decorators).is_some_and(|(_, a)| a);
            let setup = autouse || SETUP_HOOKS.iter().any(|(_, h)| h.contains(&name.as_str()));
            let teardown = TEARDOWN_HOOKS.contains(&name.as_str());
            if !setup && !teardown {
                continue;
            }
            let (own, _) = split(&function_roots(&decorators, function));
            if setup {
                guards.merge(self.guards_of(&own));
                guards.restored.extend(self.reset_targets(&own));
            } else {
                let all = [function.byte_range()];
                guards.restored.extend(self.touched(&own, &all));
            }
        }
        guards
    }

    /// A unittest test case: a class whose base's name ends in `TestCase`.
    fn is_test_case(&self, def: Node<'_>) -> bool {
        def.child_by_field_name("superclasses")
            .is_some_and(|bases| {
                syntax::named_children(bases).into_iter().any(|b| {
                    self.dotted(b)
                        .is_some_and(|d| d.rsplit('.').next().unwrap_or("").ends_with("TestCase"))
                })
            })
    }

    fn role_of(&self, name: &str, decorators: &[Node<'_>], ctx: &Ctx) -> Role {
        if let Some((shared, _)) = self.fixture(decorators) {
            return Role::Setup { shared };
        }
        if let Some((shared, _)) = SETUP_HOOKS.iter().find(|(_, h)| h.contains(&name)) {
            return Role::Setup { shared: *shared };
        }
        if TEARDOWN_HOOKS.contains(&name) {
            return Role::Teardown;
        }
        let collected = ctx.parents.is_empty() || ctx.test_class;
        if self.collects && !ctx.in_function && collected && name.starts_with("test") {
            return Role::Test;
        }
        Role::Helper
    }

    /// For a `@pytest.fixture`: the scope it shares its value in beyond one test, and whether it
    /// is autouse.
    fn fixture(&self, decorators: &[Node<'_>]) -> Option<(Option<&'static str>, bool)> {
        decorators.iter().find_map(|d| {
            let expr = d.named_child(0)?;
            let call = (expr.kind() == "call").then_some(expr);
            let function = call.map_or(Some(expr), |c| c.child_by_field_name("function"))?;
            let name = self.qualified(function)?;
            if name != "pytest.fixture" && name != "pytest_asyncio.fixture" {
                return None;
            }
            let keyword = |name| call.and_then(|c| self.keyword(c, name));
            let scope = keyword("scope")
                .and_then(|v| self.literal(v))
                .and_then(|s| {
                    ["class", "module", "package", "session"]
                        .into_iter()
                        .find(|k| *k == s)
                });
            let autouse = keyword("autouse").is_some_and(|v| self.text(v) == "True");
            Some((scope, autouse))
        })
    }

    fn params(&self, def: Node<'_>) -> Vec<String> {
        let Some(params) = def.child_by_field_name("parameters") else {
            return Vec::new();
        };
        syntax::named_children(params)
            .into_iter()
            .filter_map(|p| match p.kind() {
                "identifier" => Some(p),
                "typed_parameter" => p.named_child(0).filter(|n| n.kind() == "identifier"),
                "default_parameter" | "typed_default_parameter" => p
                    .child_by_field_name("name")
                    .filter(|n| n.kind() == "identifier"),
                _ => None,
            })
            .map(|n| self.text(n).to_owned())
            .collect()
    }

    /// What a scope's nodes guard: patches, fakes, temporary directories, seeds.
    fn guards_of(&self, own: &[Node<'t>]) -> Guards {
        let mut guards = Guards::default();
        for &node in own {
            let function = match node.kind() {
                "call" => node.child_by_field_name("function"),
                "decorator" => node.named_child(0).filter(|e| e.kind() != "call"),
                _ => None,
            };
            let Some(callee) = function
                .and_then(|f| self.qualified(f))
                .and_then(|q| callee_of(&q))
            else {
                continue;
            };
            if callee == Patch {
                guards.patched.extend(self.patch_target(node));
            } else {
                guards.add(callee);
            }
        }
        guards
    }

    /// What a patch replaces: `patch("a.b")`, `patch.object(a, "b")`, `monkeypatch.setattr(a,
    /// "b", v)`, `patch.dict(os.environ)`.
    fn patch_target(&self, call: Node<'t>) -> Option<Vec<String>> {
        let args = self.positional(call);
        let first = *args.first()?;
        let target = match self.literal(first) {
            Some(target) => target,
            None => {
                let object = self.qualified(first)?;
                match args.get(1).and_then(|a| self.literal(*a)) {
                    Some(attr) if !attr.contains('.') => format!("{object}.{attr}"),
                    _ => object,
                }
            }
        };
        Some(target.split('.').map(str::to_owned).collect())
    }

    /// Teardown code of a function: `finally` blocks, cleanups it registers, and what follows a
    /// fixture's `yield`.
    fn cleanup(&self, def: Node<'t>, own: &[Node<'t>]) -> Vec<Range<usize>> {
        let registers = |n: Node<'t>| {
            matches!(
                self.callee_name(n),
                Some("addCleanup" | "addfinalizer" | "callback")
            )
        };
        let mut out: Vec<Range<usize>> = own
            .iter()
            .filter_map(|n| match n.kind() {
                "finally_clause" => Some(n.byte_range()),
                "call" if registers(*n) => {
                    n.child_by_field_name("arguments").map(|a| a.byte_range())
                }
                _ => None,
            })
            .collect();
        let yields = own.iter().any(|n| n.kind() == "yield");
        if let Some(body) = def.child_by_field_name("body").filter(|_| yields) {
            let statements = syntax::named_children(body);
            let after = statements
                .iter()
                .position(|s| syntax::descendants(*s).iter().any(|d| d.kind() == "yield"));
            if let Some(i) = after
                && let (Some(first), Some(last)) = (statements.get(i + 1), statements.last())
            {
                out.push(first.start_byte()..last.end_byte());
            }
        }
        out
    }

    /// What a hook resets: `X.clear()`, `X = ...`, `mod.X = ...`.
    fn reset_targets(&self, own: &[Node<'t>]) -> Vec<String> {
        own.iter()
            .filter_map(|n| match n.kind() {
                "call" if self.callee_name(*n) == Some("clear") => n
                    .child_by_field_name("function")
                    .and_then(|f| f.child_by_field_name("object")),
                "assignment" => n
                    .child_by_field_name("left")
                    .filter(|l| matches!(l.kind(), "identifier" | "attribute")),
                _ => None,
            })
            .map(|n| self.text(n).to_owned())
            .collect()
    }

    /// The texts of the names and attributes among `nodes` that lie in `ranges`.
    fn touched(&self, nodes: &[Node<'t>], ranges: &[Range<usize>]) -> Vec<String> {
        nodes
            .iter()
            .filter(|n| matches!(n.kind(), "identifier" | "attribute"))
            .filter(|n| ranges.iter().any(|r| r.contains(&n.start_byte())))
            .map(|n| self.text(*n).to_owned())
            .collect()
    }

    /// Names bound in a scope: parameters, assignment and loop targets, `with ... as` names.
    fn bound_names(&self, own: &[Node<'t>], params: &[String]) -> HashSet<String> {
        let mut out: HashSet<String> = params.iter().cloned().collect();
        for node in own {
            let target = match node.kind() {
                "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                    node.child_by_field_name("left")
                }
                "as_pattern" => node.child_by_field_name("alias"),
                "named_expression" => node.child_by_field_name("name"),
                _ => None,
            };
            for name in target.map(target_nodes).unwrap_or_default() {
                if name.kind() == "identifier" {
                    out.insert(self.text(name).to_owned());
                }
            }
        }
        out
    }

    /// The names a unit calls, and for tests and hooks the fixtures they request.
    fn calls(
        &self,
        own: &[Node<'t>],
        role: Role,
        params: &[String],
        decorators: &[Node<'t>],
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        // Decorators run when the function is defined, not with it.
        let in_decorator = |n: &Node<'t>| {
            decorators
                .iter()
                .any(|d| d.byte_range().contains(&n.start_byte()))
        };
        for node in own
            .iter()
            .filter(|n| n.kind() == "call" && !in_decorator(n))
        {
            if let Some(name) = self.call_name(*node) {
                // `Subprocess(...)` runs `Subprocess.__init__`.
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    out.push(format!("{name}.__init__"));
                }
                out.push(name);
            }
        }
        if matches!(role, Role::Test | Role::Setup { .. } | Role::Teardown) {
            let (parametrized, used) = self.marked_names(decorators);
            for p in params {
                if !matches!(p.as_str(), "self" | "cls") && !parametrized.contains(p) {
                    out.push(p.clone());
                }
            }
            out.extend(used);
        }
        first_each(out)
    }

    /// A fixed port a test's `@pytest.mark.parametrize` gives the parameter `name` in one of
    /// its cases (`(None, 54321)` for `host, port`).
    fn parametrized_port(&self, call: Node<'t>, name: Node<'t>) -> Option<u16> {
        if name.kind() != "identifier" {
            return None;
        }
        let name = self.text(name);
        let func = ancestors(call).find(|a| a.kind() == "function_definition")?;
        let (decorators, _) = unwrap_decorated(
            func.parent()
                .filter(|p| p.kind() == "decorated_definition")?,
        );
        decorators
            .iter()
            .filter_map(|d| d.named_child(0))
            .filter(|c| c.kind() == "call" && self.callee_name(*c) == Some("parametrize"))
            .find_map(|mark| {
                let args = self.positional(mark);
                let names = self.parametrize_names(*args.first()?);
                let at = names.iter().position(|n| n == name)?;
                syntax::named_children(*args.get(1)?)
                    .into_iter()
                    .find_map(|case| {
                        let value = if names.len() == 1 {
                            Some(case)
                        } else {
                            syntax::named_children(case).get(at).copied()
                        }?;
                        self.port(value).filter(|p| *p != 0)
                    })
            })
    }

    /// A port number written as an integer literal.
    fn port(&self, node: Node<'_>) -> Option<u16> {
        (node.kind() == "integer")
            .then(|| self.text(node).parse().ok())
            .flatten()
    }

    /// The argument names of a `@pytest.mark.parametrize`: `"a, b"` or `["a", "b"]`.
    fn parametrize_names(&self, names: Node<'t>) -> Vec<String> {
        match self.literal(names) {
            Some(n) => n.split(',').map(|n| n.trim().to_owned()).collect(),
            None => syntax::named_children(names)
                .into_iter()
                .filter_map(|n| self.literal(n))
                .collect(),
        }
    }

    /// The argument names of `@pytest.mark.parametrize` and the fixtures of
    /// `@pytest.mark.usefixtures`.
    fn marked_names(&self, decorators: &[Node<'t>]) -> (Vec<String>, Vec<String>) {
        let mut parametrized = Vec::new();
        let mut used = Vec::new();
        let calls = decorators.iter().filter_map(|d| d.named_child(0));
        for call in calls.filter(|c| c.kind() == "call") {
            let args = self.positional(call);
            match self.callee_name(call) {
                Some("parametrize") => {
                    parametrized
                        .extend(args.iter().take(1).flat_map(|a| self.parametrize_names(*a)));
                }
                Some("usefixtures") => used.extend(args.iter().filter_map(|a| self.literal(*a))),
                _ => {}
            }
        }
        (parametrized, used)
    }

    /// Names that hold the run's seed in a scope, with the variable they hold.
    fn seed_names(
        &self,
        own: &[Node<'t>],
        inherited: &HashMap<String, String>,
    ) -> HashMap<String, String> {
        let mut seeds = inherited.clone();
        // Twice, so that a name copied from a seed name is one too.
        for _ in 0..2 {
            for &node in own {
                if let Some(var) = self.seed_source(node, &seeds)
                    && let SeedUse::Assigned(name) = self.seed_use(node)
                {
                    seeds.insert(name, var);
                }
            }
        }
        seeds
    }

    // ---- Running the rules -------------------------------------------------------------

    fn run(&mut self) {
        let scopes = std::mem::take(&mut self.scopes);
        for scope in &scopes {
            self.rules(scope);
        }
        let written: HashSet<&str> = self.touches.iter().map(|t| t.var.as_str()).collect();
        let reads: Vec<Touch<'t>> = scopes
            .iter()
            .flat_map(|s| self.global_reads(s, &written))
            .collect();
        self.touches.extend(reads);
        let test_code = self.cx.test_file;
        for (node, smell, unit) in shared::shared_state(&self.touches, "module-level", Lang::Python)
        {
            self.cx.report(node, smell, unit, test_code);
        }
    }

    /// Reports the smell a fact is at a node of a scope, if the rules judge it one.
    fn judge(&mut self, node: Node<'_>, s: &Scope<'_>, fact: &Fact) {
        self.cx.judge(node, fact, Lang::Python, s.unit);
    }

    fn report(&mut self, node: Node<'_>, s: &Scope<'_>, smell: Smell) {
        let test_code = self.cx.test_file;
        self.cx.report(node, smell, s.unit, test_code);
    }

    /// Reports `{code} {what}` at a node, its code quoted.
    fn report_code(&mut self, node: Node<'_>, s: &Scope<'_>, variant: Variant, what: &str) {
        self.report(node, s, variant.says(&self.short(node), what));
    }

    /// Reports a smell unless the scope already has one of this rule for `key`.
    fn report_once(&mut self, node: Node<'_>, s: &Scope<'_>, key: &str, smell: Smell) {
        if self
            .reported
            .insert((s.node.id(), smell.rule, key.to_owned()))
        {
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
                "subscript" => self.environ_read(node, s),
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
        if let Some(written) = self.dotted(function) {
            let qualified = self.qualify(&written);
            if let Some(callee) = callee_of(&qualified) {
                let covered = s.guards.covers(&qualified, &written);
                self.known_call(node, &qualified, callee, covered, s);
                return;
            }
        }
        if function.kind() == "attribute" {
            self.method_call(node, function, s);
        }
    }

    /// A server or socket listening at a port the code names, for the shared rule to judge.
    fn listen(&mut self, call: Node<'t>, function: Node<'t>, s: &Scope<'t>) {
        let Some(name) = self.callee_name(call).filter(|n| LISTENS.contains(n)) else {
            return;
        };
        let args = self.positional(call);
        // `port=8000`; `(host, 8000)` as the address; `make_server(host, 8000, app)`;
        // `start_server(handler, host, 8888)`.
        let port = ["port", "local_port"]
            .iter()
            .find_map(|k| self.keyword(call, k))
            .and_then(|p| self.port(p).or_else(|| self.parametrized_port(call, p)))
            .or_else(|| {
                args.first()
                    .filter(|a| a.kind() == "tuple")
                    .and_then(|t| t.named_child(1))
                    .and_then(|a| self.port(a))
            })
            .or_else(|| match name {
                "make_server" => args.get(1).copied().and_then(|a| self.port(a)),
                "start_server" | "create_server" => args.get(2).copied().and_then(|a| self.port(a)),
                _ => None,
            });
        let Some(port) = port else {
            return;
        };
        let fact = Fact::Listen(Listen {
            call: self.short(call),
            port,
            released: port == 0 && self.releases(call, function),
            test_code: self.cx.test_file,
        });
        self.judge(call, s, &fact);
    }

    /// Whether the socket of `sock.bind(...)` has its port read (`sock.getsockname()`) and is
    /// closed again in the same function (`sock.close()`, or the end of `with ... as sock`).
    fn releases(&self, call: Node<'t>, function: Node<'t>) -> bool {
        let sock = function.child_by_field_name("object");
        let Some(name) = sock
            .filter(|o| o.kind() == "identifier")
            .map(|o| self.text(o))
        else {
            return false;
        };
        let body = ancestors(call)
            .find(|a| a.kind() == "function_definition")
            .unwrap_or_else(|| ancestors(call).last().unwrap_or(call));
        let method_of = |n: Node<'_>, method| shared::is_member_of(self.cx, n, name, method);
        let nodes = syntax::descendants(body);
        let reads_port = nodes.iter().any(|n| method_of(*n, "getsockname"));
        let closes = nodes.iter().any(|n| method_of(*n, "close"))
            || ancestors(call).any(|a| {
                a.kind() == "with_statement"
                    && syntax::descendants(a)
                        .into_iter()
                        .any(|d| d.kind() == "as_pattern_target" && self.text(d) == name)
            });
        reads_port && closes
    }

    /// A call of a known callee, `covered` when a patch replaces it (`patch("time.time")`).
    fn known_call(
        &mut self,
        node: Node<'t>,
        qualified: &str,
        callee: Callee,
        covered: bool,
        s: &Scope<'t>,
    ) {
        match callee {
            Sleep => self.sleep(node, covered, s),
            Generator(_) | Seed(_) => self.seeding(node, callee, s),
            EnvWrite => self.env_write(node, s),
            EnvRead => self.env_read(node, self.arg(node, 0, &["key"]), s),
            Listing => self.listing(node, s),
            Walk => self.walk(node, s),
            SetOf => self.set_order(node, s),
            Thread => self.thread(node, s),
            Task => self.task(node, s),
            Gather => self.gather(node, s),
            // What a patch replaces does only what its fake does.
            _ if covered => {}
            Clock(read) => self.clock(node, read, s),
            Draw(family) if !s.guards.seeded.contains(&family) => {
                self.unseeded(node, Unseeded::Draw, s);
            }
            FakeData => self.fake_data(node, s),
            UniqueValue if !self.seeds_a_generator(node) => {
                self.report_code(node, s, RANDOM_VALUE, "differs every run");
            }
            Network => self.network(node, s),
            Subprocess => self.subprocess(node, qualified, s),
            RaiseSignal => self.raise_signal(node, qualified, s),
            PathWrite(index) => {
                let path = self.arg(node, index, &["path", "dst", "name"]);
                self.fixed_write(node, path, s);
            }
            Open if self.writes(self.arg(node, 1, &["mode"])) => {
                let path = self.arg(node, 0, &["file"]);
                self.fixed_write(node, path, s);
            }
            _ => {}
        }
    }

    /// Calls of methods on objects the imports do not name.
    fn method_call(&mut self, node: Node<'t>, function: Node<'t>, s: &Scope<'t>) {
        let (Some(object), Some(attr)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        ) else {
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
                self.path_method(node, object, s);
            }
            m if PATH_WRITES.contains(&m) => self.path_method(node, object, s),
            // `session.get("https://example.com/...")` on a real HTTP client.
            m if URL_METHODS.contains(&m) && self.real_client(object, s) => {
                self.remote_call(node, self.url_arg(node, s), s);
            }
            "join" | "wait" => self.bounded_wait(node, object, s),
            _ => {}
        }
    }

    /// A wait of a few seconds whose expiry fails the test: `t.join(timeout=3)` then
    /// `assert not t.is_alive()`, or `assert done.wait(timeout=2)`. The failure comes at the
    /// first expiry, so a loop around it does not poll.
    fn bounded_wait(&mut self, call: Node<'t>, object: Node<'t>, s: &Scope<'t>) {
        /// Longer than a loaded runner stalls a process, as a rule of thumb.
        const GENEROUS_SECONDS: f64 = 5.0;
        let Some(timeout) = self.arg(call, 0, &["timeout"]) else {
            return;
        };
        let seconds = matches!(timeout.kind(), "integer" | "float")
            .then(|| self.text(timeout).parse::<f64>().ok())
            .flatten();
        if !seconds.is_some_and(|t| t > 0.0 && t < GENEROUS_SECONDS) {
            return;
        }
        let asserted = |n: Node<'_>| ancestors(n).any(|a| a.kind() == "assert_statement");
        let failed_by_expiry = asserted(call) || {
            let target = self.text(object);
            let body = ancestors(call).find(|a| a.kind() == "function_definition");
            body.is_some_and(|b| {
                syntax::descendants(b).into_iter().any(|n| {
                    n.kind() == "call"
                        && n.start_byte() > call.end_byte()
                        && asserted(n)
                        && self.text(n) == format!("{target}.is_alive()")
                })
            })
        };
        if !failed_by_expiry {
            return;
        }
        self.elapsed_bound(call, s, true, false);
    }

    // ---- sleep -------------------------------------------------------------------------

    fn sleep(&mut self, node: Node<'t>, faked: bool, s: &Scope<'t>) {
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

    /// Names assigned from a measuring clock, and durations computed from them.
    fn timing(&self, s: &Scope<'t>) -> Timing {
        // Only scopes that read a clock (by the callee's last name, which is cheap to check).
        let clocks = s.own.iter().any(|n| {
            n.kind() == "call"
                && self.callee_name(*n).is_some_and(|name| {
                    name == "timeit"
                        || MEASURING_CLOCKS
                            .iter()
                            .any(|c| c.rsplit('.').next() == Some(name))
                })
        });
        let mut timing = Timing {
            clocks,
            ..Timing::default()
        };
        if !clocks {
            return timing;
        }
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
        node.kind() == "call"
            && self
                .callee_qualified(node)
                .is_some_and(|q| MEASURING_CLOCKS.contains(&q.as_str()))
    }

    fn callee_qualified(&self, call: Node<'_>) -> Option<String> {
        self.qualified(call.child_by_field_name("function")?)
    }

    /// Whether an expression is a duration: a difference with a clock read, a name holding
    /// one, or a `timeit.timeit` result.
    fn is_duration(&self, node: Node<'_>, timing: &Timing) -> bool {
        let clock_read = |n: Node<'_>| {
            (n.kind() == "identifier" && timing.starts.contains(self.text(n)))
                || self.is_measuring_clock(n)
        };
        syntax::descendants(node)
            .into_iter()
            .any(|d| match d.kind() {
                "identifier" => timing.durations.contains(self.text(d)),
                "call" => self.callee_qualified(d).as_deref() == Some("timeit.timeit"),
                "binary_operator" => {
                    operator(d).as_deref() == Some("-")
                        && syntax::named_children(d)
                            .into_iter()
                            .any(|side| syntax::descendants(side).into_iter().any(clock_read))
                }
                _ => false,
            })
    }

    /// `assert elapsed < 0.5`, `self.assertLess(elapsed, 0.5)`: a bound on a duration, for the
    /// shared rule to judge.
    fn timing_bound(&mut self, node: Node<'t>, s: &Scope<'t>, timing: &Timing) {
        if !timing.clocks {
            return;
        }
        // The comparison, and whether it bounds the duration from above.
        let found = match node.kind() {
            "assert_statement" => syntax::descendants(node).into_iter().find_map(|d| {
                if d.kind() != "comparison_operator" || !self.is_duration(d, timing) {
                    return None;
                }
                let ops = comparison_operators(d, self);
                let op = ops
                    .iter()
                    .find(|o| matches!(o.as_str(), "<" | "<=" | ">" | ">="))?;
                let sides = syntax::named_children(d);
                // `lo < elapsed < hi` bounds it from above too.
                let upper = sides.len() > 2
                    || bounds_from_above(op, self.is_duration(sides[0], timing), false);
                Some((d, upper))
            }),
            _ => {
                let name = self.callee_name(node).filter(|n| BOUND_ASSERTS.contains(n));
                let args = self.positional(node);
                let on_left = args.first().is_some_and(|a| self.is_duration(*a, timing));
                let on_right = args.get(1).is_some_and(|a| self.is_duration(*a, timing));
                name.filter(|_| on_left || on_right).map(|n| {
                    let op = n.strip_prefix("assertLess").map_or(">", |_| "<");
                    (node, bounds_from_above(op, on_left, false))
                })
            }
        };
        let Some((bound, upper)) = found else {
            return;
        };
        self.elapsed_bound(bound, s, upper, syntax::in_loop(bound, LOOPS, FUNCTIONS));
    }

    /// A measured duration compared with a bound, for the shared rule to judge.
    fn elapsed_bound(&mut self, node: Node<'t>, s: &Scope<'t>, upper: bool, in_loop: bool) {
        let fact = Fact::ElapsedBound(ElapsedBound {
            code: self.short(node),
            bound: Bound::upper_if(upper),
            in_loop,
            test_code: self.cx.test_file,
        });
        self.judge(node, s, &fact);
    }

    // ---- clock -------------------------------------------------------------------------

    fn clock(&mut self, node: Node<'t>, read: ClockUse, s: &Scope<'t>) {
        let args = self.positional(node).len();
        let no_tz = || self.keyword(node, "tz").is_none();
        let (wall, zone) = match read {
            Now => (true, false),
            NowWithin(n) => (args <= n, false),
            NowOrZone => (args == 0, args > 0),
            Zone => (false, true),
            ZoneWithin(n) => (false, args <= n && no_tz()),
        };
        if wall && !self.measures(node, s) && !self.seeds_a_generator(node) {
            self.clock_read(node, s, false);
        } else if zone {
            self.clock_read(node, s, true);
        }
    }

    /// A read of the time, or of the local time zone, where no fake clock stands in, for the
    /// shared rule to judge.
    fn clock_read(&mut self, node: Node<'t>, s: &Scope<'t>, zone: bool) {
        if s.guards.faked.contains(&Category::Clock) {
            return;
        }
        let fact = Fact::ClockRead(ClockRead {
            code: self.short(node),
            zone,
            only_input: false,
        });
        self.judge(node, s, &fact);
    }

    /// Whether a clock read only measures or bounds time: it is added to or subtracted from,
    /// compared in a loop's condition, or stored in a name used that way.
    fn measures(&self, call: Node<'t>, s: &Scope<'t>) -> bool {
        let top = unparenthesize(call);
        measuring_use(top)
            || top
                .parent()
                .filter(|p| p.kind() == "assignment")
                .and_then(|p| self.reads_of_target(p, s))
                .is_some_and(|reads| reads.into_iter().any(measuring_use))
    }

    /// The reads, among a scope's nodes, of the name an assignment binds (`x` of `x = ...`);
    /// None when it binds no plain name.
    fn reads_of_target(&self, assignment: Node<'_>, s: &Scope<'t>) -> Option<Vec<Node<'t>>> {
        let left = assignment
            .child_by_field_name("left")
            .filter(|l| l.kind() == "identifier")?;
        let name = self.text(left);
        let reads = s
            .own
            .iter()
            .copied()
            .filter(|n| n.kind() == "identifier" && self.text(*n) == name && is_reference(*n));
        Some(reads.collect())
    }

    /// `time.tzname`, `time.timezone`: the local zone.
    fn zone_attribute(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let zone_name = node.child_by_field_name("attribute").is_some_and(|a| {
            matches!(self.text(a), "tzname" | "timezone" | "altzone" | "daylight")
        });
        if !zone_name || self.qualified(node).is_none_or(|q| !q.starts_with("time.")) {
            return;
        }
        let is_callee = node
            .parent()
            .is_some_and(|p| p.kind() == "call" || p.kind() == "attribute");
        if !is_callee {
            self.clock_read(node, s, true);
        }
    }

    /// `os.environ["TZ"]` read.
    fn environ_read(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let is_environ = node
            .child_by_field_name("value")
            .and_then(|v| self.qualified(v))
            .is_some_and(|q| q == "os.environ");
        if is_environ && !is_write_target(node) {
            self.env_read(node, node.child_by_field_name("subscript"), s);
        }
    }

    fn env_read(&mut self, node: Node<'t>, name: Option<Node<'t>>, s: &Scope<'t>) {
        if name.and_then(|n| self.literal(n)).as_deref() == Some("TZ") {
            self.clock_read(node, s, true);
        }
    }

    // ---- random ------------------------------------------------------------------------

    /// `Faker()` in a file that never seeds one (`fake.seed_instance(x)`, `Faker.seed(x)`):
    /// every value it makes differs from run to run. pytest's `faker` fixture is seeded.
    fn fake_data(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let seeded = ["seed_instance(", "Faker.seed("]
            .iter()
            .any(|call| self.cx.src.contains(call));
        if !seeded {
            self.unseeded(node, Unseeded::FakeData, s);
        }
    }

    /// A random value or generator no seed controls, for the shared rule to judge.
    fn unseeded(&mut self, node: Node<'t>, makes: Unseeded, s: &Scope<'t>) {
        let call = self.short(node);
        let fact = Fact::Random(Random { call, makes });
        self.judge(node, s, &fact);
    }

    /// `random.seed(x)`, `random.Random(x)`: by what they are seeded. None or no argument is the
    /// OS entropy; the run's seed, or a value of unknown origin, is left alone.
    fn seeding(&mut self, node: Node<'t>, callee: Callee, s: &Scope<'t>) {
        const ENTROPY: SeedSource = SeedSource::Unreproducible("the clock or the OS entropy");
        let arg = self.arg(node, 0, &["a", "seed", "x"]);
        let source = match arg.filter(|a| a.kind() != "none") {
            None if matches!(callee, Generator(_)) => {
                self.unseeded(node, Unseeded::Generator, s);
                return;
            }
            None => ENTROPY,
            Some(arg) => {
                let nodes = syntax::descendants(arg);
                if nodes
                    .iter()
                    .any(|n| self.seed_source(*n, &s.seeds).is_some())
                {
                    return;
                }
                let entropy = nodes.iter().any(|n| {
                    n.kind() == "call"
                        && self.callee_qualified(*n).is_some_and(|q| {
                            MEASURING_CLOCKS.contains(&q.as_str())
                                || matches!(callee_of(&q), Some(UniqueValue | Clock(_)))
                                || q == "os.getpid"
                        })
                });
                if entropy {
                    ENTROPY
                } else if self.constant(arg) || self.literal(arg).is_some() {
                    SeedSource::Constant
                } else {
                    return;
                }
            }
        };
        let fact = Fact::Seed(Seed {
            call: self.short(node),
            source,
            place: s.role.place(),
        });
        self.judge(node, s, &fact);
    }

    /// Whether a node is in the arguments of a seed (the seed rules report it).
    fn seeds_a_generator(&self, node: Node<'_>) -> bool {
        ancestors(node)
            .any(|a| a.kind() == "call" && matches!(self.callee(a), Some(Seed(_) | Generator(_))))
    }

    /// The seed variable a node reads: `os.environ.get("TEST_SEED")`, `os.getenv(...)`,
    /// `os.environ["TEST_SEED"]`, or a name that holds one.
    fn seed_source(&self, node: Node<'_>, seeds: &HashMap<String, String>) -> Option<String> {
        // The variable's name first: it is cheaper to check than the callee.
        let var = match node.kind() {
            "call" if matches!(self.callee_name(node), Some("get" | "getenv")) => {
                self.positional(node).first().copied()
            }
            "subscript" => node.child_by_field_name("subscript"),
            "identifier" => {
                let var = seeds.get(self.text(node))?;
                return is_reference(node).then(|| var.clone());
            }
            _ => None,
        }
        .and_then(|n| self.literal(n))
        .filter(|v| is_seed_variable(v))?;
        let environ = match node.kind() {
            "call" => self.callee(node) == Some(EnvRead),
            _ => {
                let value = node.child_by_field_name("value");
                value.and_then(|v| self.qualified(v)).as_deref() == Some("os.environ")
            }
        };
        environ.then_some(var)
    }

    /// How a read of the run's seed is used, following conversions and arithmetic up.
    fn seed_use(&self, node: Node<'t>) -> SeedUse {
        let mut current = node;
        let mut computed = false;
        while let Some(parent) = current.parent() {
            match parent.kind() {
                "parenthesized_expression" | "boolean_operator" | "keyword_argument" => {}
                "binary_operator" | "unary_operator" => computed = true,
                "argument_list" => {
                    let Some(call) = parent.parent() else {
                        return SeedUse::Harmless;
                    };
                    let conversion = matches!(
                        self.callee_name(call),
                        Some("int" | "float" | "str" | "abs" | "hash")
                    );
                    if !conversion {
                        return SeedUse::Harmless;
                    }
                    current = call;
                    continue;
                }
                "assignment" => {
                    let left = parent
                        .child_by_field_name("left")
                        .filter(|l| l.kind() == "identifier");
                    return match left {
                        Some(l) if l != current => SeedUse::Assigned(self.text(l).to_owned()),
                        _ => SeedUse::Harmless,
                    };
                }
                "comparison_operator"
                | "assert_statement"
                | "if_statement"
                | "elif_clause"
                | "while_statement"
                | "conditional_expression"
                | "subscript" => {
                    return SeedUse::Outcome(true);
                }
                "expression_statement" | "return_statement" if computed => {
                    return SeedUse::Outcome(false);
                }
                _ => return SeedUse::Harmless,
            }
            current = parent;
        }
        SeedUse::Harmless
    }

    /// A test whose outcome depends on the run's seed beyond seeding a generator.
    fn seed_dependence(&mut self, s: &Scope<'t>) {
        let outcome = s.own.iter().find_map(|n| {
            let var = self.seed_source(*n, &s.seeds)?;
            match self.seed_use(*n) {
                SeedUse::Outcome(decides) => Some((*n, decides, var)),
                _ => None,
            }
        });
        let Some((at, decides, var)) = outcome else {
            return;
        };
        let statement = ancestors(at)
            .find(|a| a.kind().ends_with("statement"))
            .unwrap_or(at);
        let fact = Fact::SeedUse(SeedRead {
            variable: var,
            code: self.short(statement),
            decides,
        });
        self.judge(at, s, &fact);
    }

    // ---- network and subprocess --------------------------------------------------------

    fn network(&mut self, call: Node<'t>, s: &Scope<'t>) {
        // The address is the first argument, or the second (`requests.request("GET", url)`).
        let mut candidates = self.positional(call);
        candidates.truncate(2);
        candidates.extend(self.keyword(call, "url"));
        let peers: Vec<Option<Peer>> = candidates.iter().map(|a| self.host(*a, s, 0)).collect();
        if peers.contains(&None) {
            return;
        }
        let peer = peers
            .into_iter()
            .flatten()
            .find(|p| *p != Peer::Unknown)
            .unwrap_or(Peer::Unknown);
        self.request(call, peer, s);
    }

    /// A request to a peer where no fake stands in for the network, for the shared rule to
    /// judge.
    fn request(&mut self, call: Node<'t>, peer: Peer, s: &Scope<'t>) {
        if s.guards.fakes().contains(&Category::Network) {
            return;
        }
        let fact = Fact::Request(Request {
            call: self.short(call),
            peer,
        });
        self.judge(call, s, &fact);
    }

    /// Whether an object is a real HTTP client: one the scope makes (`requests.Session()`,
    /// `httpx.Client()` without an in-process transport or app).
    fn real_client(&self, object: Node<'t>, s: &Scope<'t>) -> bool {
        let made = match object.kind() {
            "call" => Some(object),
            "identifier" => {
                let name = self.text(object);
                // `with requests.Session() as s`, or `s = requests.Session()`.
                let with_bound = s.own.iter().find_map(|n| {
                    let alias = n.child_by_field_name("alias")?;
                    (n.kind() == "as_pattern" && self.text(alias) == name)
                        .then(|| n.named_child(0))
                        .flatten()
                });
                with_bound.or_else(|| self.value_of(name, Some(s)))
            }
            _ => None,
        };
        made.filter(|m| m.kind() == "call").is_some_and(|m| {
            let in_process = ["transport", "app"]
                .iter()
                .any(|k| self.keyword(m, k).is_some());
            !in_process
                && self
                    .callee_qualified(m)
                    .is_some_and(|q| HTTP_CLIENTS.contains(&q.as_str()))
        })
    }

    /// A URL among a call's first two arguments: a literal, or a name bound to one.
    fn url_arg(&self, call: Node<'t>, s: &Scope<'t>) -> Option<Node<'t>> {
        let is_url = |n: Node<'t>| {
            self.literal_prefix(n)
                .is_some_and(|(text, _)| text.contains("://"))
        };
        self.positional(call).into_iter().take(2).find(|a| {
            is_url(*a)
                || (a.kind() == "identifier"
                    && self.value_of(self.text(*a), Some(s)).is_some_and(is_url))
        })
    }

    fn remote_call(&mut self, node: Node<'t>, target: Option<Node<'t>>, s: &Scope<'t>) {
        if let Some(peer @ Peer::Remote(_)) = target.and_then(|t| self.host(t, s, 0)) {
            self.request(node, peer, s);
        }
    }

    /// The peer an address names: a URL or host literal, a `(host, port)` tuple, a URL built
    /// with `+` or an f-string, or a name bound to one of those. None for this machine: a
    /// local address, none (`sqlite:///db`), or one a fixture or a server in scope gives.
    fn host(&self, node: Node<'t>, s: &Scope<'t>, depth: usize) -> Option<Peer> {
        if depth > 3 {
            return Some(Peer::Unknown);
        }
        let literal = self
            .literal_prefix(node)
            .and_then(|(text, complete)| host_of(&text, complete).map(str::to_owned));
        match literal {
            Some(host) if is_local_host(&host) => return None,
            Some(host) => return Some(Peer::Remote(host)),
            None if self.provided(node, s) => return None,
            None => {}
        }
        let inner =
            |n: Option<Node<'t>>| n.map_or(Some(Peer::Unknown), |n| self.host(n, s, depth + 1));
        match node.kind() {
            "tuple" | "parenthesized_expression" => inner(node.named_child(0)),
            "binary_operator" if operator(node).as_deref() == Some("+") => {
                inner(node.child_by_field_name("left"))
            }
            "identifier" => {
                let mut peers: Vec<Option<Peer>> = self
                    .values_of(self.text(node), Some(s))
                    .into_iter()
                    .map(|v| self.host(v, s, depth + 1))
                    .collect();
                if peers.contains(&None) {
                    None
                } else if peers.len() == 1 {
                    peers.remove(0)
                } else {
                    Some(Peer::Unknown)
                }
            }
            // A URL of another scheme (`invalid://x`, `sqlite:///db`) is no network address.
            "string" if self.literal(node).is_some_and(|t| t.contains("://")) => None,
            // Built from names (`f"http://{host}:{port}"`, `url1[7:]`): local when one of
            // them is.
            _ => {
                let local = syntax::descendants(node).into_iter().any(|d| {
                    d != node
                        && d.kind() == "identifier"
                        && is_reference(d)
                        && self.host(d, s, depth + 1).is_none()
                });
                (!local).then_some(Peer::Unknown)
            }
        }
    }

    /// Whether an address comes from a test's fixture (`httpbin("get")`, `live_server.url`) or
    /// from a server the scope binds with `with ... as` (`with server as (host, port)`).
    fn provided(&self, node: Node<'t>, s: &Scope<'t>) -> bool {
        let fixtures: &[String] = match s.role {
            Role::Test | Role::Setup { .. } | Role::Teardown => &s.params,
            Role::Helper | Role::Body => &[],
        };
        let served: Vec<&str> = s
            .own
            .iter()
            .filter(|n| {
                n.kind() == "as_pattern" && n.parent().is_some_and(|p| p.kind() == "with_item")
            })
            .filter_map(|n| n.child_by_field_name("alias"))
            .flat_map(syntax::descendants)
            .filter(|n| n.kind() == "identifier")
            .map(|n| self.text(n))
            .collect();
        syntax::descendants(node).into_iter().any(|d| {
            let name = self.text(d);
            d.kind() == "identifier"
                && is_reference(d)
                && !matches!(name, "self" | "cls")
                && (fixtures.iter().any(|p| p == name) || served.contains(&name))
        })
    }

    fn subprocess(&mut self, call: Node<'t>, qualified: &str, s: &Scope<'t>) {
        if s.guards.faked.contains(&Category::Subprocess) {
            return;
        }
        // A process waited for with no time limit is context; one left running, or given a
        // deadline a slow runner can miss, is a race.
        const RUN_TO_END: &[&str] = &[
            "subprocess.run",
            "subprocess.call",
            "subprocess.check_call",
            "subprocess.check_output",
            "subprocess.getoutput",
            "subprocess.getstatusoutput",
            "os.system",
            "pexpect.run",
        ];
        let fact = Fact::Process(Process {
            call: self.short(call),
            to_end: RUN_TO_END.contains(&qualified) && self.keyword(call, "timeout").is_none(),
        });
        self.judge(call, s, &fact);
    }

    // ---- filesystem --------------------------------------------------------------------

    /// Whether an `open` mode writes.
    fn writes(&self, mode: Option<Node<'_>>) -> bool {
        mode.and_then(|m| self.literal(m))
            .is_some_and(|m| m.contains(['w', 'a', 'x', '+']))
    }

    /// `Path("out.txt").write_text(...)`.
    fn path_method(&mut self, node: Node<'t>, object: Node<'t>, s: &Scope<'t>) {
        if self.fixed_path(object, Some(s), 0) == Some(true) {
            self.report_write(node, s);
        }
    }

    fn fixed_write(&mut self, call: Node<'t>, path: Option<Node<'t>>, s: &Scope<'t>) {
        if path.is_some_and(|p| self.fixed_path(p, Some(s), 0).is_some()) {
            self.report_write(call, s);
        }
    }

    /// A write to a fixed path outside a temporary directory, for the shared rule to judge.
    fn report_write(&mut self, node: Node<'t>, s: &Scope<'t>) {
        if s.guards.temp_dir {
            return;
        }
        let fact = Fact::PathWrite(PathWrite {
            call: self.short(node),
            path: None,
            relative: false,
        });
        self.judge(node, s, &fact);
    }

    /// Whether an expression is a fixed path: a literal, `__file__`, `Path.cwd()`, or paths
    /// built from those. Some(true) for a `pathlib` path, Some(false) for a string.
    fn fixed_path(&self, node: Node<'t>, s: Option<&Scope<'t>>, depth: usize) -> Option<bool> {
        // The depth only stops cycles through names (`p = p / "x"`).
        if depth > 8 {
            return None;
        }
        let all_fixed = |args: Vec<Node<'t>>| {
            !args.is_empty()
                && args
                    .iter()
                    .all(|a| self.fixed_path(*a, s, depth + 1).is_some())
        };
        match node.kind() {
            "string" => self.literal(node).filter(|t| !t.is_empty()).map(|_| false),
            "parenthesized_expression" => self.fixed_path(node.named_child(0)?, s, depth + 1),
            "identifier" => {
                let name = self.text(node);
                // The system's temporary directory is one for every run (`from tempfile
                // import tempdir`): a fixed name in it is shared.
                if name == "__file__" || self.qualify(name) == "tempfile.tempdir" {
                    return Some(false);
                }
                self.fixed_path(self.value_of(name, s)?, s, depth + 1)
            }
            "binary_operator" => {
                let fixed = operator(node).as_deref() == Some("/")
                    && all_fixed(syntax::named_children(node));
                fixed.then_some(true)
            }
            "attribute" => {
                let attribute = node.child_by_field_name("attribute")?;
                let object = node.child_by_field_name("object")?;
                if self.qualified(node).as_deref() == Some("tempfile.tempdir") {
                    return Some(false);
                }
                let parent = self.text(attribute) == "parent";
                (parent && self.fixed_path(object, s, depth + 1).is_some()).then_some(true)
            }
            "call" => {
                let function = node.child_by_field_name("function")?;
                match self.qualified(function).as_deref() {
                    Some("os.getcwd" | "tempfile.gettempdir") => Some(false),
                    Some("pathlib.Path.cwd" | "pathlib.Path.home") => Some(true),
                    Some("pathlib.Path" | "pathlib.PurePath") => {
                        all_fixed(self.positional(node)).then_some(true)
                    }
                    Some(
                        "os.path.join" | "os.path.dirname" | "os.path.abspath" | "os.path.realpath",
                    ) => all_fixed(self.positional(node)).then_some(false),
                    _ => {
                        let method = self.callee_name(node)?;
                        let object = function.child_by_field_name("object")?;
                        let path_method = matches!(
                            method,
                            "joinpath" | "with_name" | "with_suffix" | "resolve" | "absolute"
                        );
                        (path_method && self.fixed_path(object, s, depth + 1).is_some())
                            .then_some(true)
                    }
                }
            }
            _ => None,
        }
    }

    // ---- global state ------------------------------------------------------------------

    fn assignment(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        for target in target_nodes(left) {
            match target.kind() {
                "identifier" => self.global_write(node, target, s),
                "subscript" => {
                    if let Some(value) = target.child_by_field_name("value") {
                        self.item_write(node, value, s);
                    }
                }
                "attribute" => {
                    if let Some(dotted) = self.dotted(target) {
                        self.imported_mutation(node, target, &dotted, s);
                    }
                }
                _ => {}
            }
        }
    }

    fn delete(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let targets = syntax::named_children(node)
            .into_iter()
            .flat_map(|n| match n.kind() {
                "expression_list" => syntax::named_children(n),
                _ => vec![n],
            });
        for target in targets.collect::<Vec<_>>() {
            if target.kind() == "subscript"
                && let Some(value) = target.child_by_field_name("value")
            {
                self.item_write(node, value, s);
            }
        }
    }

    /// `X = ...` in a function that declares `global X`.
    /// Setup hooks are left out: a function-scoped one sets the value afresh for each test,
    /// and the shared-state rule covers the others.
    fn global_write(&mut self, node: Node<'t>, target: Node<'t>, s: &Scope<'t>) {
        let name = self.text(target);
        let setup = matches!(s.role, Role::Setup { .. });
        if !s.globals.contains(name) || setup || s.in_cleanup(node) || self.resets(node) {
            return;
        }
        self.module_write(node, s, name);
    }

    /// `X[k] = v`, `del X[k]` on the environment or module-level state.
    fn item_write(&mut self, node: Node<'t>, value: Node<'t>, s: &Scope<'t>) {
        if self.qualified(value).as_deref() == Some("os.environ") {
            self.env_write(node, s);
        } else {
            self.state_mutation(node, value, s);
        }
    }

    /// A change through a mutating method, an item assignment or deletion, of a module-level
    /// container of this file or of an imported one.
    fn state_mutation(&mut self, node: Node<'t>, object: Node<'t>, s: &Scope<'t>) {
        if !s.is_function() || s.in_cleanup(node) || self.resets(node) {
            return;
        }
        let Some(dotted) = self.dotted(object) else {
            return;
        };
        // A module-level name bound to a mutable container (`REGISTRY = {}`), or declared
        // `global`. Memo caches are left out: what they hold does not depend on the order of
        // tests.
        let value = self
            .value_of(&dotted, None)
            .and_then(|v| self.mutable(v, None));
        let container = value.is_some_and(|(container, _)| container);
        let own_module = object.kind() == "identifier"
            && !dotted.to_ascii_lowercase().contains("cache")
            && ((container && !s.locals.contains(&dotted)) || s.globals.contains(&dotted));
        if own_module {
            if s.guards.restored.contains(&dotted) {
                return;
            }
            self.module_write(node, s, &dotted);
            return;
        }
        self.imported_mutation(node, object, &dotted, s);
    }

    /// A change of imported module-level state: a constant-style name of an imported module
    /// (`settings.DEBUG`, `registry.REGISTRY`) or one imported by name. Lower-case names are
    /// left alone: they are mostly functions and context-local proxies (`flask.g`).
    fn imported_mutation(&mut self, node: Node<'t>, object: Node<'t>, dotted: &str, s: &Scope<'t>) {
        let parts: Vec<&str> = dotted.split('.').collect();
        let imported = self.imports.contains_key(parts[0]) && !s.locals.contains(parts[0]);
        if !imported || !parts.iter().any(|p| is_constant_name(p)) {
            return;
        }
        let qualified = self.qualify(dotted);
        let restored =
            s.guards.restored.contains(self.text(object)) || s.guards.covers(&qualified, dotted);
        if !s.is_function() || s.in_cleanup(node) || self.resets(node) || restored {
            return;
        }
        let what = format!(
            "changes imported state `{dotted}` without restoring it: later tests see the change"
        );
        let smell = IMPORTED_STATE_MUTATION.says(&self.short(node), what);
        self.report_once(node, s, dotted, smell);
    }

    /// A change of module-level `name`, for the shared analysis of state shared by all tests.
    fn module_write(&mut self, node: Node<'t>, s: &Scope<'t>, name: &str) {
        self.touches.push(touch(node, s, name, TouchKind::Write));
    }

    /// Whether a change resets state: `.clear()`, or an assignment of an empty container or
    /// None to a whole name (`X = {}`, not `X[k] = {}`).
    fn resets(&self, node: Node<'_>) -> bool {
        let whole_name = node
            .child_by_field_name("left")
            .is_some_and(|l| matches!(l.kind(), "identifier" | "attribute"));
        match node.kind() {
            "call" => self.callee_name(node) == Some("clear"),
            "assignment" if whole_name => node.child_by_field_name("right").is_some_and(|r| {
                let empty_literal = matches!(r.kind(), "none" | "dictionary" | "list" | "set")
                    && syntax::named_children(r).is_empty();
                let empty_call = r.kind() == "call"
                    && self.callee_name(r).is_some_and(|n| CONTAINERS.contains(&n))
                    && self.positional(r).is_empty();
                empty_literal || empty_call
            }),
            _ => false,
        }
    }

    /// `os.environ[...] = v`, `os.environ.pop(...)`, `os.putenv(...)`.
    fn env_write(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let restored = s
            .guards
            .restored
            .iter()
            .any(|t| self.qualify(t) == "os.environ")
            || s.guards.covers("os.environ", "os.environ");
        if restored || s.in_cleanup(node) {
            return;
        }
        let change = ProcessChange {
            code: self.short(node),
            state: ProcessState::Env,
            restore: Restore::Never,
        };
        if let Some(smell) = rules::judge(&Fact::ProcessChange(change), Lang::Python) {
            self.report_once(node, s, "environ", smell);
        }
    }

    /// The reads, in a function, of module-level names that functions of the file change.
    fn global_reads(&self, s: &Scope<'t>, written: &HashSet<&str>) -> Vec<Touch<'t>> {
        if !s.is_function() || s.role == Role::Teardown {
            return Vec::new();
        }
        let read = |n: &&Node<'t>| {
            let name = self.text(**n);
            n.kind() == "identifier"
                && written.contains(name)
                && !s.locals.contains(name)
                && !s.guards.restored.contains(name)
                && is_reference(**n)
                && !is_reset_use(**n, self)
        };
        let reads = s.own.iter().filter(read);
        reads
            .map(|n| touch(*n, s, self.text(*n), TouchKind::Read))
            .collect()
    }

    // ---- shared fixtures ---------------------------------------------------------------

    /// A fixture or setup hook of a shared scope that keeps a mutable value: returns or yields
    /// it, stores it on the class, or in a global.
    fn shared_state(&mut self, s: &Scope<'t>) {
        let Role::Setup {
            shared: Some(scope),
        } = s.role
        else {
            return;
        };
        for &node in &s.own {
            let value = match node.kind() {
                "return_statement" | "yield" => node.named_child(0),
                "assignment" if self.stores_shared(node, s) => node.child_by_field_name("right"),
                _ => continue,
            };
            let Some((container, what)) = value.and_then(|v| self.mutable(v, Some(s))) else {
                continue;
            };
            let keeps = match node.kind() {
                "return_statement" => format!("returns {what}"),
                "yield" => format!("yields {what}"),
                _ => {
                    let target = node.child_by_field_name("left").map(|l| self.text(l));
                    format!("keeps {what} in {}", quote_code(target.unwrap_or_default()))
                }
            };
            let message = format!(
                "`{}` (shared by the {scope}) {keeps}: one test's changes reach the tests after it",
                s.name
            );
            let smell = if container {
                SHARED_FIXTURE.smell(message)
            } else {
                SHARED_FIXTURE.smell_as(message, Severity::Low, Confidence::Medium)
            };
            self.report(node, s, smell);
        }
    }

    /// `cls.items = ...` in a class setup, or `X = ...` with `global X` in a module setup.
    fn stores_shared(&self, node: Node<'_>, s: &Scope<'_>) -> bool {
        node.child_by_field_name("left")
            .is_some_and(|l| match l.kind() {
                "attribute" => l
                    .child_by_field_name("object")
                    .is_some_and(|o| self.text(o) == "cls"),
                "identifier" => s.globals.contains(self.text(l)),
                _ => false,
            })
    }

    /// Whether a value is mutable: Some(true, "a dict") for containers, Some(false, "a
    /// `Client` object") for instances of classes.
    fn mutable(&self, node: Node<'t>, s: Option<&Scope<'t>>) -> Option<(bool, String)> {
        let what = |w: &str| Some((true, w.to_owned()));
        match node.kind() {
            "dictionary" | "dictionary_comprehension" => what("a dict"),
            "list" | "list_comprehension" => what("a list"),
            "set" | "set_comprehension" => what("a set"),
            "call" => {
                let name = self.callee_name(node)?;
                if CONTAINERS.contains(&name) {
                    return Some((true, format!("a {name}")));
                }
                let object = name.starts_with(char::is_uppercase)
                    && !matches!(name, "MappingProxyType" | "Path" | "PurePath" | "Decimal");
                object.then(|| (false, format!("a `{name}` object")))
            }
            // One step through a name, so that `x = x` cannot loop.
            "identifier" => self.mutable(self.value_of(self.text(node), Some(s?))?, None),
            _ => None,
        }
    }

    // ---- async races -------------------------------------------------------------------

    /// A thread started and never joined in the same function.
    fn thread(&mut self, call: Node<'t>, s: &Scope<'t>) {
        self.threaded(call, s);
        let method_calls = |name: &str| {
            s.own
                .iter()
                .filter(|n| n.kind() == "call" && self.callee_name(**n) == Some(name))
                .filter(|n| {
                    n.child_by_field_name("function")
                        .is_some_and(|f| f.kind() == "attribute")
                })
                .copied()
                .collect::<Vec<_>>()
        };
        let started = !method_calls("start").is_empty();
        // `t.join()` or `t.join(timeout)`, not `", ".join(items)`.
        let joined = method_calls("join").iter().any(|j| {
            let args = self.positional(*j);
            args.is_empty()
                || self.keyword(*j, "timeout").is_some()
                || args.first().is_some_and(|a| self.constant(*a))
        });
        if !started || joined {
            return;
        }
        let fact = Fact::Unjoined(Unjoined {
            call: self.short(call),
        });
        self.judge(call, s, &fact);
    }

    /// `asyncio.create_task(...)` never awaited: never stored, so nothing can await it, or
    /// stored and never awaited here.
    fn task(&mut self, call: Node<'t>, s: &Scope<'t>) {
        let mut top = unparenthesize(call);
        // A list of tasks: follow the list.
        while let Some(p) = top
            .parent()
            .filter(|p| matches!(p.kind(), "list" | "list_comprehension" | "tuple"))
        {
            top = p;
        }
        let Some(parent) = top.parent().filter(|_| !self.awaited(top)) else {
            return;
        };
        let (stored, how) = match parent.kind() {
            "expression_statement" => (false, "is never stored, so nothing awaits it"),
            "assignment"
                if self
                    .reads_of_target(parent, s)
                    .is_some_and(|reads| !reads.into_iter().any(|n| self.awaited(n))) =>
            {
                (true, "is never awaited here")
            }
            _ => return,
        };
        let message = format!(
            "the task of {} {how}: the test can end before it runs or finishes",
            quote_code(&self.short(call))
        );
        self.report(call, s, UNAWAITED_TASK.less_sure_if(stored).smell(message));
    }

    /// Whether a task expression is awaited: under `await`, passed to `asyncio.gather` & co,
    /// iterated by a loop that awaits, or cancelled or read.
    fn awaited(&self, node: Node<'t>) -> bool {
        let statement = ancestors(node).find(|a| a.kind().ends_with("statement"));
        let waits = ancestors(node)
            .take_while(|a| Some(*a) != statement)
            .any(|a| match a.kind() {
                "await" => true,
                "call" => matches!(self.callee(a), Some(Gather | TaskWaiter)),
                _ => false,
            });
        let method = node
            .parent()
            .filter(|p| p.kind() == "attribute")
            .and_then(|p| p.child_by_field_name("attribute"))
            .map(|a| self.text(a));
        let loop_awaits = statement.is_some_and(|st| {
            st.kind() == "for_statement"
                && st.child_by_field_name("right") == Some(node)
                && syntax::descendants(st).iter().any(|d| d.kind() == "await")
        });
        waits || loop_awaits || matches!(method, Some("cancel" | "result" | "exception"))
    }

    /// `asyncio.gather` of coroutines that write a shared variable across an `await`.
    fn gather(&mut self, call: Node<'t>, s: &Scope<'t>) {
        let called = self.positional(call).into_iter().filter_map(|arg| {
            (arg.kind() == "call")
                .then(|| arg.child_by_field_name("function"))
                .flatten()
        });
        if let Some((name, shared)) = self.shared_writer(called, s, true) {
            let what = format!(
                "runs `{name}()` concurrently, and it writes `{shared}` across an await: the result depends on scheduling"
            );
            self.report_code(call, s, GATHER_SHARED_STATE, &what);
        }
    }

    /// The first function named by these identifiers that writes a `nonlocal` or `global` name
    /// (see [`Self::shared_write`]), with that name.
    fn shared_writer(
        &self,
        names: impl IntoIterator<Item = Node<'t>>,
        s: &Scope<'t>,
        across_await: bool,
    ) -> Option<(&'a str, String)> {
        names.into_iter().find_map(|n| {
            let name = (n.kind() == "identifier").then(|| self.text(n))?;
            let def = self.function_named(name, s)?;
            Some((name, self.shared_write(def, across_await)?))
        })
    }

    /// The function of that name defined in the scope, else anywhere in the file.
    /// Among several, the one whose enclosing function also holds the scope (the innermost).
    fn function_named(&self, name: &str, s: &Scope<'t>) -> Option<Node<'t>> {
        let defs = self.functions.get(name)?;
        let range = s.node.byte_range();
        let visible = |d: &&Node<'t>| {
            ancestors(**d)
                .find(|a| a.kind() == "function_definition")
                .is_some_and(|outer| outer.byte_range().contains(&s.node.start_byte()))
        };
        defs.iter()
            .find(|d| range.contains(&d.start_byte()))
            .or_else(|| defs.iter().filter(visible).max_by_key(|d| d.start_byte()))
            .or(defs.first())
            .copied()
    }

    /// A `nonlocal` or `global` name a function writes: assigns across an `await` (when
    /// `across_await`, and the coroutine awaits), or else updates in place (`+=`) outside a
    /// `with` (a lock).
    fn shared_write(&self, def: Node<'t>, across_await: bool) -> Option<String> {
        let nodes = syntax::descendants(def);
        if across_await && !nodes.iter().any(|n| n.kind() == "await") {
            return None;
        }
        let shared: Vec<&str> = nodes
            .iter()
            .filter(|n| matches!(n.kind(), "nonlocal_statement" | "global_statement"))
            .flat_map(|n| syntax::named_children(*n))
            .map(|n| self.text(n))
            .collect();
        let unlocked = |n: Node<'t>| {
            !ancestors(n)
                .take_while(|a| a.id() != def.id())
                .any(|a| a.kind() == "with_statement")
        };
        nodes
            .iter()
            .filter(|n| match n.kind() {
                "assignment" => across_await,
                "augmented_assignment" => across_await || unlocked(**n),
                _ => false,
            })
            .filter_map(|n| n.child_by_field_name("left"))
            .map(|l| self.text(l))
            .find(|l| shared.contains(l))
            .map(str::to_owned)
    }

    /// A function handed to worker threads (`Thread(target=f)`, `run_sync(f)`,
    /// `executor.submit(f)`) that updates a `nonlocal` or `global` name in place (`n += 1`)
    /// outside any `with` block (a lock): threads interleave the read and the write.
    fn threaded(&mut self, call: Node<'t>, s: &Scope<'t>) {
        // Several at once: started in a loop, or from a function started in a loop.
        let enclosing = ancestors(call).find(|a| a.kind() == "function_definition");
        let repeated = |n: Node<'t>| {
            syntax::in_loop(n, LOOPS, FUNCTIONS)
                || ancestors(n)
                    .take_while(|a| a.kind() != "function_definition")
                    .any(|a| {
                        a.kind().ends_with("comprehension") || a.kind() == "generator_expression"
                    })
        };
        let looped = repeated(call)
            || enclosing
                .and_then(|f| f.child_by_field_name("name"))
                .is_some_and(|n| {
                    let name = self.text(n);
                    let module = ancestors(call).last().unwrap_or(call);
                    syntax::descendants(module).into_iter().any(|r| {
                        r.kind() == "identifier"
                            && r.id() != n.id()
                            && self.text(r) == name
                            && repeated(r)
                    })
                });
        if !looped {
            return;
        }
        let mut candidates = self.positional(call);
        candidates.extend(self.keyword(call, "target"));
        if let Some((name, shared)) = self.shared_writer(candidates, s, false) {
            let what = format!(
                "runs `{name}()` on worker threads, and it updates `{shared}` in place with no lock: two threads interleave the read and the write"
            );
            self.report_code(call, s, THREAD_SHARED_STATE, &what);
        }
    }

    /// A signal sent to this process: `signal.raise_signal(sig)`, `os.kill(os.getpid(), sig)`,
    /// `signal.pthread_kill(threading.get_ident(), sig)`, `signal.alarm(n)` with `n > 0`.
    fn raise_signal(&mut self, call: Node<'t>, qualified: &str, s: &Scope<'t>) {
        let own_process = match qualified {
            "signal.raise_signal" => true,
            "signal.alarm" => self
                .arg(call, 0, &["seconds"])
                .is_some_and(|n| self.text(n) != "0"),
            _ => self
                .arg(call, 0, &["pid", "thread_id"])
                .is_some_and(|target| {
                    target.kind() == "call"
                        && matches!(
                            self.callee_qualified(target).as_deref(),
                            Some("os.getpid" | "threading.get_ident" | "threading.main_thread")
                        )
                }),
        };
        if own_process {
            let what = "signals the process that runs every test: what happens depends on the handlers installed by the tests before";
            self.report_code(call, s, PROCESS_SIGNAL, what);
        }
    }

    // ---- unordered ---------------------------------------------------------------------

    /// `os.listdir(d)`, `p.iterdir()` whose order is used.
    fn listing(&mut self, node: Node<'t>, s: &Scope<'t>) {
        if self.order_matters(node, true, s, 0) {
            let what = "lists entries in no defined order, and the order is used";
            self.report_code(node, s, UNSORTED_LISTING, what);
        }
    }

    /// `os.walk(p)`, `Path.walk()`: the `dirs` and `files` it yields are in directory order; a
    /// test that binds them (`for root, dirs, files in ...`, `root, dirs, files = next(it)`)
    /// and compares one with a list of two or more names depends on that order.
    fn walk(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let Some(func) = ancestors(node).find(|a| a.kind() == "function_definition") else {
            return;
        };
        let all = syntax::descendants(func);
        // The names bound second and third by a three-name target fed by the walk.
        let fed = |stmt: Node<'t>, right: Node<'t>| {
            right.byte_range().contains(&node.start_byte())
                || (stmt.start_byte() >= node.end_byte() && self.text(right).contains("next"))
        };
        let mut names: Vec<&str> = Vec::new();
        for n in all
            .iter()
            .filter(|n| matches!(n.kind(), "for_statement" | "assignment"))
        {
            let (Some(target), Some(right)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) else {
                continue;
            };
            let parts = syntax::named_children(target);
            if parts.len() == 3 && fed(*n, right) {
                names.extend(parts[1..].iter().map(|p| self.text(*p)));
            }
        }
        let compared = all.iter().any(|n| {
            n.kind() == "comparison_operator"
                && comparison_operators(*n, self).iter().any(|o| o == "==")
                && {
                    let sides = syntax::named_children(*n);
                    sides.iter().any(|x| names.contains(&self.text(*x)))
                        && sides
                            .iter()
                            .any(|x| x.kind() == "list" && x.named_child_count() >= 2)
                }
        });
        if compared {
            let what = "lists each directory's entries in no defined order, and a test compares them with a list in order";
            self.report_code(node, s, UNSORTED_LISTING, what);
        }
    }

    /// A set built here whose iteration order is used.
    fn set_order(&mut self, node: Node<'t>, s: &Scope<'t>) {
        if !self.int_set(node) && self.order_matters(node, false, s, 0) {
            let message = format!(
                "the order of the set {} varies between runs (string hashes are salted per process), and the order is used",
                quote_code(&self.short(node))
            );
            self.report(node, s, SET_ORDER.smell(message));
        }
    }

    /// A read, in a function, of a module-level set (its order is then checked as any set's).
    fn module_set(&self, node: Node<'t>, s: &Scope<'t>) -> bool {
        let name = self.text(node);
        s.is_function()
            && !s.locals.contains(name)
            && self.value_of(name, None).is_some_and(|v| {
                matches!(v.kind(), "set" | "set_comprehension")
                    || (v.kind() == "call" && self.callee(v) == Some(SetOf))
            })
            && is_reference(node)
    }

    /// A set of integer literals: CPython orders small ints by value.
    fn int_set(&self, node: Node<'_>) -> bool {
        let elements = match node.kind() {
            "set" => syntax::named_children(node),
            "call" => match self.positional(node).first() {
                Some(arg) if matches!(arg.kind(), "list" | "tuple") => syntax::named_children(*arg),
                Some(arg) => return self.callee_name(*arg) == Some("range"),
                None => return false,
            },
            _ => return false,
        };
        !elements.is_empty() && elements.iter().all(|e| e.kind() == "integer")
    }

    /// Whether the order of an unordered collection (or of the sequence made from it, when
    /// `ordered`) is used: compared, indexed, joined, iterated to build a sequence.
    fn order_matters(&self, node: Node<'t>, ordered: bool, s: &Scope<'t>, depth: usize) -> bool {
        // Up through what passes the order on (parentheses, `list(...)`, comprehensions): a
        // loop, so nesting costs no stack; through a variable at most twice.
        let (mut node, mut ordered) = (node, ordered);
        loop {
            let Some(parent) = node.parent() else {
                return false;
            };
            let passed_on = match parent.kind() {
                "parenthesized_expression" => parent,
                "argument_list" => {
                    let Some(call) = parent.parent() else {
                        return false;
                    };
                    match self.callee_name(call) {
                        Some("list" | "tuple" | "enumerate" | "iter" | "str" | "repr" | "join") => {
                            ordered = true;
                            call
                        }
                        Some("next") => return true,
                        Some(
                            "assertEqual"
                            | "assertListEqual"
                            | "assertSequenceEqual"
                            | "assertTupleEqual",
                        ) => return ordered,
                        _ => return false,
                    }
                }
                "for_in_clause" if parent.child_by_field_name("right") == Some(node) => {
                    match parent.parent().filter(|c| {
                        matches!(c.kind(), "list_comprehension" | "generator_expression")
                    }) {
                        Some(comprehension) => {
                            ordered = true;
                            comprehension
                        }
                        None => return false,
                    }
                }
                _ => return self.order_used(node, parent, ordered, s, depth),
            };
            node = passed_on;
        }
    }

    /// Whether the order of `node` is used by its parent itself.
    fn order_used(
        &self,
        node: Node<'t>,
        parent: Node<'t>,
        ordered: bool,
        s: &Scope<'t>,
        depth: usize,
    ) -> bool {
        let is_field = |field: &str| parent.child_by_field_name(field) == Some(node);
        match parent.kind() {
            "for_statement" if is_field("right") => self.loop_keeps_order(parent),
            "subscript" if is_field("value") => ordered,
            "comparison_operator" => {
                ordered
                    && comparison_operators(parent, self)
                        .iter()
                        .any(|o| o == "==" || o == "!=")
            }
            "attribute" if is_field("object") => parent
                .child_by_field_name("attribute")
                .is_some_and(|a| matches!(self.text(a), "pop" | "index")),
            "assignment" if is_field("right") && depth < 2 => {
                self.reads_of_target(parent, s).is_some_and(|reads| {
                    reads
                        .into_iter()
                        .any(|n| self.order_matters(n, ordered, s, depth + 1))
                })
            }
            _ => false,
        }
    }

    /// A loop whose body builds a sequence, writes, yields, or stops at the first match.
    fn loop_keeps_order(&self, node: Node<'t>) -> bool {
        let Some(body) = node.child_by_field_name("body") else {
            return false;
        };
        syntax::descendants(body)
            .into_iter()
            .any(|d| match d.kind() {
                "yield" | "return_statement" | "break_statement" => true,
                "call" => matches!(
                    self.callee_name(d),
                    Some("append" | "extend" | "insert" | "write" | "writelines" | "print")
                ),
                _ => false,
            })
    }
}

/// A decorated definition's decorators and definition (or none and the node itself).
fn unwrap_decorated(node: Node<'_>) -> (Vec<Node<'_>>, Node<'_>) {
    if node.kind() != "decorated_definition" {
        return (Vec::new(), node);
    }
    let decorators = syntax::named_children(node)
        .into_iter()
        .filter(|c| c.kind() == "decorator")
        .collect();
    (
        decorators,
        node.child_by_field_name("definition").unwrap_or(node),
    )
}

/// The parts of a function that belong to its scope: decorators, parameters and body.
fn function_roots<'t>(decorators: &[Node<'t>], def: Node<'t>) -> Vec<Node<'t>> {
    let mut roots = decorators.to_vec();
    roots.extend(def.child_by_field_name("parameters"));
    roots.extend(def.child_by_field_name("body"));
    roots
}

/// The nodes under `roots` that belong to their scope, in source order, and the definitions
/// nested in it.
fn split<'t>(roots: &[Node<'t>]) -> (Vec<Node<'t>>, Vec<Node<'t>>) {
    let own = |n: Node<'t>| {
        let kind = n.kind();
        roots.contains(&n)
            || !matches!(
                kind,
                "function_definition" | "class_definition" | "decorated_definition"
            )
    };
    roots
        .iter()
        .flat_map(|r| syntax::descendants_entering(*r, own))
        .partition(|n| own(*n))
}

/// The targets of an assignment's left side, through tuples and lists.
fn target_nodes(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut pending = vec![node];
    while let Some(n) = pending.pop() {
        match n.kind() {
            "pattern_list"
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

/// A touch of module-level `var` by a scope's function.
fn touch<'t>(node: Node<'t>, s: &Scope<'t>, var: &str, kind: TouchKind) -> Touch<'t> {
    Touch {
        unit: s.unit,
        owner: s.name.clone(),
        var: var.to_owned(),
        node,
        kind,
    }
}

/// `name = value` as (name, value).
fn assigned<'t>(node: Node<'t>, a: &Analyzer<'t, '_, '_>) -> Option<(String, Node<'t>)> {
    if node.kind() != "assignment" {
        return None;
    }
    let left = node
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    Some((a.text(left).to_owned(), node.child_by_field_name("right")?))
}

/// The operator of a binary operator.
fn operator(node: Node<'_>) -> Option<String> {
    node.child_by_field_name("operator")
        .map(|o| o.kind().to_owned())
}

fn comparison_operators(node: Node<'_>, a: &Analyzer<'_, '_, '_>) -> Vec<String> {
    let mut cursor = node.walk();
    node.children_by_field_name("operators", &mut cursor)
        .map(|o| a.text(o).to_owned())
        .collect()
}

/// A time read used to measure or bound time: added to, subtracted from, or compared in a
/// loop's condition (`while time.time() < deadline`).
fn measuring_use(node: Node<'_>) -> bool {
    let top = unparenthesize(node);
    let Some(parent) = top.parent() else {
        return false;
    };
    match parent.kind() {
        "binary_operator" => matches!(operator(parent).as_deref(), Some("-" | "+")),
        "comparison_operator" => parent
            .parent()
            .is_some_and(|p| p.kind() == "while_statement"),
        _ => false,
    }
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

/// An identifier that is only cleared (`REGISTRY.clear()`).
fn is_reset_use(node: Node<'_>, a: &Analyzer<'_, '_, '_>) -> bool {
    node.parent()
        .filter(|p| p.kind() == "attribute")
        .and_then(|p| p.parent())
        .is_some_and(|call| call.kind() == "call" && a.callee_name(call) == Some("clear"))
}

/// Whether a subscript is written (`x[k] = v`, `del x[k]`).
fn is_write_target(node: Node<'_>) -> bool {
    ancestors(node)
        .take_while(|a| {
            matches!(
                a.kind(),
                "pattern_list"
                    | "expression_list"
                    | "assignment"
                    | "augmented_assignment"
                    | "delete_statement"
            )
        })
        .any(|a| match a.kind() {
            "assignment" | "augmented_assignment" => a
                .child_by_field_name("left")
                .is_some_and(|l| l.byte_range().contains(&node.start_byte())),
            "delete_statement" => true,
            _ => false,
        })
}

/// The host of a URL or host name literal (`https://user@host:443/x` -> `host`), when the
/// literal text holds all of it. The scheme must be a network one; text without a scheme must
/// look like a host name.
fn host_of(text: &str, complete: bool) -> Option<&str> {
    let network = ["http", "https", "ws", "wss", "ftp"];
    let scheme = text.split_once("://").map(|(scheme, _)| scheme);
    if scheme.is_some_and(|s| !network.iter().any(|n| s.eq_ignore_ascii_case(n))) {
        return None;
    }
    let (host, ended) = shared::host_of(text);
    let hostlike = scheme.is_some()
        || is_local_host(host)
        || (host.contains('.')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')));
    ((complete || ended) && hostlike && !host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scan::shared::{assert_example_causes, unit_rows};
    use crate::scan::{Cause, causes_of, join, snapshot_of};

    fn facts(rel: &str, src: &str) -> syntax::FileFacts {
        crate::scan::facts_of(rel, src)
    }

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

def test_outer():
    def test_inner():
        pass
"#;
        // Calls through modules, and the fixtures a test requests by parameter (parametrized
        // arguments are not fixtures).
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
            "Test [] test_outer (test code) calls []",
            "Helper [test_outer] test_inner (test code) calls []",
        ];
        assert_eq!(unit_rows("tests/test_units.py", src), expected);
        let facts = facts("tests/test_units.py", src);
        let unit = |name: &str| facts.units.iter().find(|u| u.name == name).expect(name);
        assert_eq!(
            (unit("test_top").start_line, unit("test_top").end_line),
            (13, 15)
        );
        // A decorated function starts at its first decorator.
        assert_eq!(unit("registry").start_line, 9);
        assert_eq!(
            facts.imports,
            ["pytest", "flakydemo", "flakydemo.register", "flakydemo"]
        );

        // The ids pytest and unittest's xmlrunner report name these units.
        let named = |id: &str| {
            facts
                .units
                .iter()
                .filter(|u| u.kind == UnitKind::Test)
                .filter(|u| join::matches(id, "tests/test_units.py", &u.parents, &u.name))
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
        // conftest.py and helper modules under tests/ are test code, and pytest collects no
        // tests from them.
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
        let facts = facts(
            "src/pkg/api.py",
            "from .models import register\nfrom .. import util\nfrom . import x as y\n",
        );
        assert_eq!(
            facts.imports,
            [
                "src.pkg.models",
                "src.pkg.models.register",
                "src",
                "src.util",
                "src.pkg",
                "src.pkg.x"
            ]
        );
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
        let has = |id: &str, wanted: &dyn Fn(&Cause) -> bool| {
            let causes = causes_of(&report, id);
            assert!(causes.iter().any(wanted), "{id}: {causes:?}");
        };
        has(seeded, &|c| c.rule == "seed-dependent");
        has(lookup, &|c| {
            c.category == "global-state" && c.via == ["lookup"]
        });
        has(register, &|c| {
            c.rule == "module-state-write" && c.via == ["register"]
        });
        assert!(causes_of(&report, "tests/test_math.py::test_add").is_empty());
    }
}
