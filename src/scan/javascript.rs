//! JavaScript and TypeScript smell rules: tree-sitter-javascript reads .js/.mjs/.cjs/.jsx and
//! tree-sitter-typescript .ts/.mts/.cts/.tsx; every node kind read here is the same in both
//! (TypeScript only adds type nodes, which are looked through).
//!
//! Tests are `test`/`it` calls (and their `.only`/`.skip`/`.each(...)(...)` forms) titled by a
//! literal, inside `describe`/`suite`/`context` calls: the ids jest, vitest, mocha and node:test
//! report. Callees are read through the file's imports, so `exec(...)` after
//! `const { exec } = require('child_process')` is `child_process.exec`, and one table of
//! qualified names says which calls are smells.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::rc::Rc;

use tree_sitter::{Node, Tree};

use super::Category;
use super::facts::{
    Amount, Bound, ElapsedBound, Fact, Listen, PathWrite, Peer, Place, Process, ProcessChange,
    ProcessState, Request, Restore, Seed, SeedSource, SeedUse, Sleep,
};
use super::rules::{self, Lang, Variant};
use super::shared::{
    self, Touch, TouchKind, bounds_from_above, is_constant_name, is_local_host, is_seed_variable,
};
use super::syntax::{self, FileCtx, Smell, UnitKind, ancestors};
use crate::analysis::Severity;
use crate::render::quote_code;

/// Whether a file is a test file: *.test.*, *.spec.*, or any file under __tests__/, test/ or tests/.
pub(super) fn is_test_file(rel: &str) -> bool {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    let dotted: Vec<&str> = name.split('.').collect();
    let marked = dotted.len() > 2
        && dotted[1..dotted.len() - 1]
            .iter()
            .any(|p| matches!(*p, "test" | "spec"));
    marked
        || parts
            .iter()
            .any(|d| matches!(*d, "__tests__" | "test" | "tests"))
}

/// Finds the units and smells of one file.
pub(super) fn analyze(tree: &Tree, cx: &mut FileCtx<'_>) {
    // Declarations and vitest's type tests (`*.test-d.ts`) are checked by tsc, never run.
    let name = cx.path.rsplit('/').next().unwrap_or_default();
    if [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| name.ends_with(e))
        || [".test-d.", ".spec-d."].iter().any(|m| name.contains(m))
    {
        return;
    }
    let root = tree.root_node();
    let info = FileInfo::read(root, cx.src);
    cx.facts.imports.clone_from(&info.specifiers);
    let mut walk = Walk::new(cx, &info);
    walk.enter_scope(root, None);
    walk.walk(root);
    walk.report_state();
}

// ---------------------------------------------------------------------------------------------
// The rules.

/// Rules one step less severe outside test code: a clock or random value read by the code
/// under test often does not reach an assertion.
const SOFTER_OUTSIDE_TESTS: [&str; 3] = ["wall-clock", "local-time-zone", "unseeded-random"];

/// What a call's arguments and surroundings must show for its row to be a smell.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// The call is enough: a finding of the rule, saying this after the call.
    Always(Variant, &'static str),
    /// In a test file.
    InTests(Variant, &'static str),
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

/// Calls (and `new` expressions, as `new Name`) that are smells, by qualified callee:
/// `fs.cp` matches exactly; `.sleep` matches `sleep` and any `x.sleep`; `fs.rm[Sync]` matches
/// `fs.rm` and `fs.rmSync`.
const CALLS: &[(&[&str], Check)] = &[
    (
        &[
            "timers/promises.setTimeout",
            ".waitForTimeout",
            ".sleep",
            ".delay",
            ".wait",
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
        &[".getTimezoneOffset", ".resolvedOptions"],
        Check::Always(
            rules::local_time_zone::RULE.javascript(),
            "depends on the machine's time zone",
        ),
    ),
    (
        &[".toLocaleDateString", ".toLocaleTimeString"],
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
        Check::Always(
            rules::random_value::RULE.javascript(),
            "makes a random value that differs on every run",
        ),
    ),
    (
        &[
            ".seed",
            ".seedrandom",
            ".setSeed",
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
            "dns.resolve",
            "dns.resolve4",
            "dns.resolve6",
            "new WebSocket",
            "new ws",
            "new EventSource",
        ],
        Check::Remote,
    ),
    (
        &[
            "fs.writeFile[Sync]",
            "fs.appendFile[Sync]",
            "fs.mkdir[Sync]",
            "fs.rm[Sync]",
            "fs.rmdir[Sync]",
            "fs.unlink[Sync]",
            "fs.rename[Sync]",
            "fs.copyFile[Sync]",
            "fs.cp[Sync]",
            "fs.truncate[Sync]",
            "fs.createWriteStream",
            "fs.outputFile[Sync]",
            "fs.outputJson[Sync]",
            "fs.writeJson[Sync]",
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
            "child_process.exec[Sync]",
            "child_process.execFile[Sync]",
            "child_process.spawn[Sync]",
            "child_process.fork",
            "execa",
            "execa.execa[Sync]",
            "execa.execaCommand[Sync]",
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
        Check::InTests(
            rules::promise_race::RULE.javascript(),
            "settles with whichever promise finishes first",
        ),
    ),
    (&[".forEach"], Check::AsyncCallback),
];

/// Calls whose first argument names a module the file replaces (`jest.mock('axios')`).
const MODULE_MOCKS: [&str; 6] = [
    "jest.mock",
    "jest.doMock",
    "jest.unstable_mockModule",
    "vi.mock",
    "vi.doMock",
    ".mock.module",
];
/// Calls that replace one property (`jest.spyOn(cp, 'exec')`, `vi.stubGlobal('fetch', f)`).
const STUBS: [&str; 6] = [
    ".spyOn",
    ".stub",
    ".replace",
    ".replaceProperty",
    ".stubGlobal",
    ".mock.method",
];
/// Libraries that intercept every request of the file.
const NETWORK_MOCKERS: [&str; 8] = [
    "nock",
    "msw",
    "msw/node",
    "fetch-mock",
    "jest-fetch-mock",
    "vitest-fetch-mock",
    "axios-mock-adapter",
    "mock-socket",
];
/// Calls that make every request of the file go to a fake.
const NETWORK_STUB_CALLS: [&str; 5] = [
    ".setGlobalDispatcher",
    "jasmine.Ajax.install",
    "moxios.install",
    ".useFakeXMLHttpRequest",
    ".fakeServer.create",
];
/// Libraries that replace the file system.
const FS_MOCKERS: [&str; 2] = ["mock-fs", "memfs"];
/// Calls that make the clock fake.
const FAKE_CLOCKS: [&str; 9] = [
    "jasmine.clock",
    ".useFakeTimers",
    ".setSystemTime",
    "@sinonjs/fake-timers.install",
    "@sinonjs/fake-timers.withGlobal",
    "mockdate.set",
    "timekeeper.freeze",
    "timekeeper.travel",
    ".timers.enable",
];
/// Calls that make a temporary directory.
const TEMP_DIRS: [&str; 5] = [
    ".tmpdir",
    ".mkdtemp[Sync]",
    "tmp.dir[Sync]",
    "tmp-promise.dir",
    ".temporaryDirectory",
];
/// Paths that are the temporary directory already (or a device).
const TEMP_PATHS: [&str; 3] = ["/tmp/", "/var/tmp/", "/dev/"];
/// Calls that read a clock (for durations and seeds).
const CLOCKS: [&str; 4] = [".now", "new Date", "process.hrtime", ".getTime"];
/// Calls that draw entropy (for seeds).
const ENTROPY: [&str; 4] = [
    "Math.random",
    ".randomBytes",
    ".randomInt",
    ".getRandomValues",
];
/// Parts of the names of functions that seed or build a generator.
const SEEDERS: [&str; 9] = [
    "seed", "rng", "random", "chance", "twister", "prng", "mulberry", "xorshift", "alea",
];
/// Methods that change the array, map, set or object they are called on.
const MUTATORS: [&str; 13] = [
    "push",
    "pop",
    "shift",
    "unshift",
    "splice",
    "sort",
    "reverse",
    "fill",
    "copyWithin",
    "set",
    "add",
    "delete",
    "clear",
];
/// Matchers that bound a value (jest, vitest, chai), and whether from above.
const BOUND_MATCHERS: [(&str, bool); 14] = [
    ("toBeLessThan", true),
    ("toBeLessThanOrEqual", true),
    ("below", true),
    ("lessThan", true),
    ("most", true),
    ("lt", true),
    ("lte", true),
    ("toBeGreaterThan", false),
    ("toBeGreaterThanOrEqual", false),
    ("above", false),
    ("greaterThan", false),
    ("least", false),
    ("gt", false),
    ("gte", false),
];
/// Keys of request options that hold the host.
const URL_KEYS: [&str; 5] = ["url", "baseURL", "host", "hostname", "origin"];

// ---------------------------------------------------------------------------------------------
// Frameworks.

const TESTS: [&str; 7] = ["test", "it", "specify", "fit", "xit", "xtest", "xspecify"];
const SUITES: [&str; 7] = [
    "describe",
    "suite",
    "context",
    "fdescribe",
    "xdescribe",
    "xcontext",
    "xsuite",
];
const MODIFIERS: [&str; 14] = [
    "only",
    "serial",
    "always",
    "skip",
    "todo",
    "concurrent",
    "sequential",
    "shuffle",
    "failing",
    "fails",
    "each",
    "for",
    "skipIf",
    "runIf",
];
/// Modifiers that take arguments and return the function to call (`test.each(table)(...)`).
const CURRIED: [&str; 4] = ["each", "for", "skipIf", "runIf"];
const HOOKS: [(&str, Hook); 10] = [
    ("beforeAll", Hook::Once),
    ("before", Hook::Once),
    ("suiteSetup", Hook::Once),
    ("beforeEach", Hook::Each),
    ("afterEach", Hook::Each),
    ("setup", Hook::Each),
    ("teardown", Hook::Each),
    ("afterAll", Hook::Last),
    ("after", Hook::Last),
    ("suiteTeardown", Hook::Last),
];
/// First parameters of a test callback that make it callback-style (`it('x', (done) => ...)`).
const DONE_PARAMS: [&str; 5] = ["done", "cb", "callback", "next", "end"];

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hook {
    /// Before or after every test: what it sets is fresh for each test.
    Each,
    /// Once before the tests of its scope.
    Once,
    /// Once after the tests of its scope.
    Last,
}

/// A framework call.
#[derive(Debug, Clone, Copy)]
enum Fw {
    Suite,
    Test,
    Hook(&'static str, Hook),
}

/// What the code being walked is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Role {
    /// Module level, a `describe` body (run when tests are collected), or a callback outside
    /// any unit.
    #[default]
    Module,
    Test,
    Hook(Hook),
    Helper,
}

impl Role {
    /// Where code of this role runs, as the shared rules weigh it.
    const fn place(self) -> Place {
        match self {
            Self::Module | Self::Hook(Hook::Once | Hook::Last) => Place::Shared,
            Self::Hook(Hook::Each) => Place::Hook,
            Self::Test => Place::Test,
            Self::Helper => Place::Helper,
        }
    }
}

/// A step of the walk over a file: a node to read, and where it is.
type Step<'t> = (Node<'t>, Rc<Ctx>);

/// Visits the children of a node, in the same place.
fn visit_children<'t>(node: Node<'t>, ctx: &Rc<Ctx>, next: &mut Vec<Step<'t>>) {
    next.extend(
        syntax::named_children(node)
            .into_iter()
            .map(|child| (child, Rc::clone(ctx))),
    );
}

/// Where the walk is.
#[derive(Debug, Clone, Default)]
struct Ctx {
    unit: Option<usize>,
    role: Role,
    /// The titles of the enclosing `describe` calls, outermost first.
    suites: Vec<String>,
    class: Option<String>,
    /// Inside a function that runs after module load (not a `describe` body).
    in_function: bool,
    /// The test takes a `done` callback.
    done_style: bool,
}

// ---------------------------------------------------------------------------------------------
// What the whole file says: imports, mocks, fake clocks.

/// A local name bound by an import.
#[derive(Debug, Clone)]
struct Import {
    /// `fs`, `child_process`, `../src/gateway` (normalised: no `node:`, `fs/promises` is `fs`).
    module: String,
    /// The imported name; `None` for the module itself (default or namespace import).
    name: Option<String>,
}

impl Import {
    /// `child_process.exec`, `axios`; the project's own modules as `<local>.name`, so that
    /// `.sleep` patterns match a project's `sleep` but `got` does not match got's own sources.
    fn qualified(&self, local: &str) -> String {
        match (&self.name, self.module.starts_with('.')) {
            (Some(n), true) => format!("<local>.{n}"),
            (None, true) => format!("<local>.{local}"),
            (Some(n), false) => format!("{}.{n}", self.module),
            (None, false) => self.module.clone(),
        }
    }
}

#[derive(Default)]
struct FileInfo<'s> {
    src: &'s str,
    imported: HashMap<&'s str, Import>,
    specifiers: Vec<String>,
    /// Modules and callees that mocks replace in this file (`axios`, `fetch`, `child_process.exec`).
    mocked: HashSet<String>,
    /// A library intercepts every request of the file (nock, msw).
    network_mocked: bool,
    /// What the file fakes (hoisted mocks, interceptors, fake timers) for all it calls:
    /// `jest.mock('axios')` fakes the network for the code under test too.
    fakes: Vec<Category>,
    /// The file starts a server (so requests to hosts it cannot read are likely to it).
    local_server: bool,
    fake_clock: bool,
    temp_dir: bool,
    /// Functions declared `async` in the file.
    async_fns: HashSet<&'s str>,
}

impl<'s> FileInfo<'s> {
    fn read(root: Node<'_>, src: &'s str) -> Self {
        let mut info = Self {
            src,
            ..Self::default()
        };
        let nodes = syntax::descendants(root);
        for &n in &nodes {
            info.learn_import(n);
        }
        for &n in &nodes {
            info.learn_mock(n);
        }
        info.specifiers.sort();
        info.specifiers.dedup();
        let imports = |names: &[&str]| info.specifiers.iter().any(|s| names.contains(&s.as_str()));
        info.network_mocked |= imports(&NETWORK_MOCKERS);
        if imports(&FS_MOCKERS) {
            info.mocked.insert("fs".to_owned());
        }
        if info.network_mocked || info.mocks_module_of(|check| matches!(check, Check::Remote)) {
            info.fakes.push(Category::Network);
        }
        if info.mocks_module_of(|check| matches!(check, Check::Process { .. })) {
            info.fakes.push(Category::Subprocess);
        }
        if info.fake_clock {
            info.fakes.extend([Category::Clock, Category::Sleep]);
        }
        info
    }

    /// Whether the file mocks a module of the calls of these rows (`jest.mock('axios')` for
    /// requests, `vi.mock('child_process')` for processes).
    fn mocks_module_of(&self, rows: fn(&Check) -> bool) -> bool {
        CALLS
            .iter()
            .filter(|(_, check)| rows(check))
            .flat_map(|(callees, _)| callees.iter())
            .filter_map(|callee| callee.split('.').next().filter(|m| !m.is_empty()))
            .any(|module| self.mocked.contains(module))
    }

    fn text(&self, node: Node<'_>) -> &'s str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    fn learn_import(&mut self, n: Node<'_>) {
        match n.kind() {
            "import_statement" | "export_statement" => {
                let Some(spec) = n
                    .child_by_field_name("source")
                    .and_then(|s| self.literal(s))
                else {
                    return;
                };
                let import = Import {
                    module: module_name(&spec),
                    name: None,
                };
                self.specifiers.push(spec);
                for clause in syntax::named_children(n) {
                    if clause.kind() == "import_clause" {
                        self.bind(clause, &import);
                    }
                }
            }
            "call_expression" => self.specifiers.extend(self.required(n)),
            "variable_declarator" => {
                let (Some(name), Some(value)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                ) else {
                    return;
                };
                if let Some(import) = self.required_import(value) {
                    self.bind(name, &import);
                }
                if name.kind() == "identifier" && is_async(unwrap(value)) {
                    self.async_fns.insert(self.text(name));
                }
            }
            "function_declaration" if is_async(n) => {
                if let Some(name) = n.child_by_field_name("name") {
                    self.async_fns.insert(self.text(name));
                }
            }
            _ => {}
        }
    }

    /// Binds the names an import clause or a `require` pattern declares: `import x`,
    /// `* as x`, `{ a, b as c }`; `const x = require('m')`, `const { a, b: c } = require('m')`,
    /// `const y = require('m').y`.
    fn bind(&mut self, pattern: Node<'_>, import: &Import) {
        match pattern.kind() {
            "identifier" => {
                self.imported.insert(self.text(pattern), import.clone());
            }
            "import_clause" | "namespace_import" => {
                for c in syntax::named_children(pattern) {
                    self.bind(c, import);
                }
            }
            "named_imports" | "object_pattern" if import.name.is_none() => {
                for p in syntax::named_children(pattern) {
                    let (local, key) = match p.kind() {
                        "import_specifier" => {
                            let Some(name) = p.child_by_field_name("name") else {
                                continue;
                            };
                            (p.child_by_field_name("alias").unwrap_or(name), name)
                        }
                        "shorthand_property_identifier_pattern" => (p, p),
                        "pair_pattern" => {
                            match (p.child_by_field_name("value"), p.child_by_field_name("key")) {
                                (Some(v), Some(k)) if v.kind() == "identifier" => (v, k),
                                _ => continue,
                            }
                        }
                        _ => continue,
                    };
                    let import = Import {
                        module: import.module.clone(),
                        name: Some(self.text(key).to_owned()),
                    };
                    self.imported.insert(self.text(local), import);
                }
            }
            _ => {}
        }
    }

    fn required_import(&self, value: Node<'_>) -> Option<Import> {
        // `require('m')` itself, or one property of it: a longer chain is no import.
        let mut properties = Vec::new();
        let mut at = unwrap(value);
        while at.kind() == "member_expression" {
            properties.push(at.child_by_field_name("property"));
            at = unwrap(at.child_by_field_name("object")?);
        }
        if at.kind() != "call_expression" {
            return None;
        }
        let module = module_name(&self.required(at)?);
        let name = match properties.as_slice() {
            [] => None,
            [property] => Some(self.text((*property)?).to_owned()),
            _ => return None,
        };
        Some(Import { module, name })
    }

    /// The specifier of `require('m')` or `import('m')`.
    fn required(&self, call: Node<'_>) -> Option<String> {
        let f = call.child_by_field_name("function")?;
        if !(f.kind() == "import" || f.kind() == "identifier" && self.text(f) == "require") {
            return None;
        }
        self.literal(*arguments(call).first()?)
    }

    fn learn_mock(&mut self, n: Node<'_>) {
        match n.kind() {
            "call_expression" => {
                let Some(callee) = n.child_by_field_name("function") else {
                    return;
                };
                let q = self.q(callee);
                let args = arguments(n);
                if names_any(&MODULE_MOCKS, &q) {
                    if let Some(spec) = args.first().and_then(|a| self.literal(*a)) {
                        self.mocked.insert(module_name(&spec));
                    }
                } else if names_any(&STUBS, &q) {
                    self.learn_stub(&args);
                }
                self.network_mocked |= names_any(&NETWORK_STUB_CALLS, &q);
                self.fake_clock |= names_any(&FAKE_CLOCKS, &q);
                self.temp_dir |= names_any(&TEMP_DIRS, &q);
            }
            // `test('x', withServer, ...)`: a server the file starts through a helper.
            "identifier" => self.local_server |= serves(self.text(n)),
            // `global.fetch = jest.fn()`, `cp.exec = fakeExec`.
            "assignment_expression" => {
                if let Some(left) = n
                    .child_by_field_name("left")
                    .filter(|l| l.kind() == "member_expression")
                {
                    let q = self.q(left);
                    self.mocked.insert(q);
                }
            }
            _ => {}
        }
    }

    fn learn_stub(&mut self, args: &[Node<'_>]) {
        let Some(&target) = args.first() else { return };
        if let Some(name) = self.literal(target) {
            self.mocked.insert(name);
            return;
        }
        let object = self.q(target);
        let stubbed = match args.get(1).and_then(|a| self.literal(*a)) {
            Some(prop) if is_global_object(&object) => prop,
            Some(prop) => format!("{object}.{prop}"),
            None => object,
        };
        self.mocked.insert(stubbed);
    }

    /// Whether an import is of the project's own code, not replaced by a mock of the file.
    fn runs_local(&self, import: &Import) -> bool {
        import.module.starts_with('.') && !self.is_mocked(&import.module)
    }

    /// Whether a mock in the file replaces this callee or its module.
    fn is_mocked(&self, q: &str) -> bool {
        self.mocked.iter().any(|m| {
            q == m
                || q.strip_prefix(m.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        })
    }

    /// The qualified name of a callee: through imports (`child_process.exec`), globals stripped
    /// (`globalThis.fetch` is `fetch`); `?` for what is not a name.
    fn q(&self, node: Node<'_>) -> String {
        // Down the chain of member expressions to its head, then back up, naming each level.
        let mut links: Vec<Node<'_>> = chain(node, &["member_expression"]).collect();
        let at = links.pop().unwrap_or(node);
        let head = match at.kind() {
            "identifier" => {
                let t = self.text(at);
                let import = self.imported.get(t);
                without_global(import.map_or_else(|| t.to_owned(), |i| i.qualified(t)))
            }
            "this" => "this".to_owned(),
            "call_expression" => self
                .required(at)
                .map_or_else(|| "?".to_owned(), |s| module_name(&s)),
            _ => "?".to_owned(),
        };
        let properties = links.into_iter().rev().map(|m| {
            m.child_by_field_name("property")
                .map_or("", |p| self.text(p))
        });
        properties.fold(head, |o, p| {
            if p == "promises" && matches!(o.as_str(), "fs" | "dns") {
                o
            } else {
                without_global(format!("{o}.{p}"))
            }
        })
    }

    /// The value of a string literal, or of a template literal without substitutions.
    fn literal(&self, node: Node<'_>) -> Option<String> {
        let node = unwrap(node);
        matches!(node.kind(), "string" | "template_string").then_some(())?;
        let (text, complete) = self.literal_prefix(node);
        complete.then_some(text)
    }

    /// The literal text at the start of a string or template, and whether that is all of it.
    fn literal_prefix(&self, node: Node<'_>) -> (String, bool) {
        if node.kind() == "string" {
            return (unescape(strip_quotes(self.text(node))), true);
        }
        let mut out = String::new();
        for part in syntax::named_children(node) {
            match part.kind() {
                "template_substitution" => return (out, false),
                _ => out.push_str(&unescape(self.text(part))),
            }
        }
        (out, true)
    }
}

// ---------------------------------------------------------------------------------------------
// The walk.

/// A variable that outlives one test: module-level, or declared in a `describe` body.
struct Binding<'t> {
    /// The variable as messages name it, "module-level `x`" or "`x` of describe('s')": also
    /// what tells apart variables of one name in two scopes.
    state: String,
    /// The program, or the body of the `describe` callback.
    scope: Node<'t>,
    reassignable: bool,
    /// It holds an object, array, map or set (so it can change without reassignment).
    container: bool,
}

/// A change of process-wide state.
struct StateChange<'t> {
    target: ProcessState,
    unit: Option<usize>,
    node: Node<'t>,
    /// It is a reset: in an each/after hook or a `finally` block.
    restores: bool,
}

/// What a function (or the program) declares in its own scope (nested blocks included, nested
/// functions not): every name (parameters, variables, functions), and the initial values of
/// its variables.
#[derive(Default)]
struct Scope<'s, 't> {
    names: HashSet<&'s str>,
    values: HashMap<&'s str, Node<'t>>,
}

struct Walk<'c, 's, 't> {
    cx: &'c mut FileCtx<'s>,
    info: &'c FileInfo<'s>,
    bindings: Vec<Binding<'t>>,
    by_name: HashMap<&'s str, Vec<usize>>,
    touches: Vec<Touch<'t>>,
    changes: Vec<StateChange<'t>>,
    /// What functions (and the program) declare, by their node id.
    scopes: HashMap<usize, Scope<'s, 't>>,
}

impl<'c, 's, 't> Walk<'c, 's, 't> {
    fn new(cx: &'c mut FileCtx<'s>, info: &'c FileInfo<'s>) -> Self {
        Self {
            cx,
            info,
            bindings: Vec::new(),
            by_name: HashMap::new(),
            touches: Vec::new(),
            changes: Vec::new(),
            scopes: HashMap::new(),
        }
    }

    fn text(&self, node: Node<'_>) -> &'s str {
        self.info.text(node)
    }

    /// Walks the file: a loop over an explicit stack of [`Step`]s, in source order, so the
    /// depth of the code (a 1,500-level object literal) costs no call stack.
    fn walk(&mut self, root: Node<'t>) {
        let mut stack = vec![(root, Rc::new(Ctx::default()))];
        let mut next = Vec::new();
        while let Some((node, ctx)) = stack.pop() {
            self.visit(node, &ctx, &mut next);
            stack.extend(next.drain(..).rev());
        }
    }

    /// Reads one node; what is under it goes to `next`, in source order.
    fn visit(&mut self, node: Node<'t>, ctx: &Rc<Ctx>, next: &mut Vec<Step<'t>>) {
        match node.kind() {
            "call_expression" => {
                if self.cx.test_file
                    && let Some(fw) = self.framework(node)
                    && self.enter_framework(node, fw, ctx, next)
                {
                    return;
                }
                self.call(node, ctx);
            }
            "new_expression" => self.construct(node, ctx),
            "assignment_expression"
            | "augmented_assignment_expression"
            | "update_expression"
            | "unary_expression" => self.write(node, ctx),
            "member_expression" | "subscript_expression" => self.env_read(node, ctx),
            "identifier" | "shorthand_property_identifier" => self.read(node, ctx),
            "binary_expression" => self.comparison(node, ctx),
            "expression_statement" => self.statement(node, ctx),
            "class_declaration" | "class" | "abstract_class_declaration" => {
                let class = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_owned());
                let inner = Rc::new(Ctx {
                    class,
                    ..Ctx::clone(ctx)
                });
                return visit_children(node, &inner, next);
            }
            _ => {}
        }
        if let Some((name, func)) = self.helper(node) {
            let parents = ctx.class.iter().cloned().collect();
            let unit = self.add_unit(name, parents, UnitKind::Helper, func);
            let inner = Rc::new(Ctx {
                unit: Some(unit),
                role: Role::Helper,
                in_function: true,
                done_style: false,
                ..Ctx::clone(ctx)
            });
            for child in syntax::named_children(node) {
                let at = if node == func || child == func {
                    &inner
                } else {
                    ctx
                };
                next.push((child, Rc::clone(at)));
            }
        } else if is_function(node.kind()) {
            let inner = Rc::new(Ctx {
                in_function: true,
                ..Ctx::clone(ctx)
            });
            visit_children(node, &inner, next);
        } else {
            visit_children(node, ctx, next);
        }
    }

    fn add_unit(
        &mut self,
        name: String,
        parents: Vec<String>,
        kind: UnitKind,
        node: Node<'_>,
    ) -> usize {
        let test_code = self.cx.test_file;
        let unit = shared::record_unit(self.cx, node, &name, parents, kind, test_code, Vec::new());
        self.cx.facts.units[unit].fakes.clone_from(&self.info.fakes);
        unit
    }

    fn report(&mut self, node: Node<'_>, unit: Option<usize>, mut smell: Smell) {
        let test_code = self.cx.test_file;
        if !test_code && !smell.context && SOFTER_OUTSIDE_TESTS.contains(&smell.rule) {
            smell.severity = match smell.severity {
                Severity::High => Severity::Medium,
                _ => Severity::Low,
            };
        }
        self.cx.report(node, smell, unit, test_code);
    }

    /// Reports at a node that its code does what `says` says.
    fn says(&mut self, node: Node<'_>, unit: Option<usize>, rule: Variant, says: impl Display) {
        let smell = rule.says(&shared::shown(self.info.src, node), says);
        self.report(node, unit, smell);
    }

    /// A fact, for the shared rules to judge.
    fn judge(&mut self, node: Node<'_>, fact: Fact, unit: Option<usize>) {
        self.cx.judge(node, &fact, Lang::JavaScript, unit);
    }

    // -- Tests, suites, hooks and helpers. --

    /// Whether a call is a framework's `describe`, `test` or hook (in a test file).
    fn framework(&self, call: Node<'_>) -> Option<Fw> {
        let callee = call.child_by_field_name("function")?;
        let (mut n, curried) = if callee.kind() == "call_expression" {
            (callee.child_by_field_name("function")?, true)
        } else {
            (callee, false)
        };
        let mut modifiers = Vec::new();
        while n.kind() == "member_expression" {
            modifiers.push(self.text(n.child_by_field_name("property")?));
            n = n.child_by_field_name("object")?;
        }
        if n.kind() != "identifier"
            || !modifiers
                .iter()
                .all(|m| MODIFIERS.contains(m) || HOOKS.iter().any(|(h, _)| h == m))
            || curried != modifiers.iter().any(|m| CURRIED.contains(m))
        {
            return None;
        }
        let root = self.text(n);
        let test = TESTS.contains(&root);
        // `beforeEach(...)`, or ava's `test.before(...)`, `test.afterEach.always(...)`.
        let hook = match (test, modifiers.last()) {
            (true, Some(last)) => Some(*last),
            (false, None) => Some(root),
            _ => None,
        };
        if let Some(&(name, hook)) = HOOKS.iter().find(|(name, _)| hook == Some(*name)) {
            return (!curried).then_some(Fw::Hook(name, hook));
        }
        if test {
            Some(Fw::Test)
        } else {
            SUITES.contains(&root).then_some(Fw::Suite)
        }
    }

    /// Walks a framework call; false when it is not one after all (no literal title, no callback).
    fn enter_framework(
        &mut self,
        call: Node<'t>,
        fw: Fw,
        ctx: &Rc<Ctx>,
        next: &mut Vec<Step<'t>>,
    ) -> bool {
        let args = arguments(call);
        let callback = args
            .iter()
            .rev()
            .copied()
            .find(|a| is_function(unwrap(*a).kind()));
        match fw {
            Fw::Suite => {
                let title = args
                    .first()
                    .and_then(|a| self.title(*a, true))
                    .unwrap_or_default();
                let Some(body) = callback.and_then(|c| unwrap(c).child_by_field_name("body"))
                else {
                    return false;
                };
                let mut inner = Ctx {
                    role: Role::Module,
                    in_function: false,
                    ..Ctx::clone(ctx)
                };
                inner.suites.push(title.clone());
                self.enter_scope(body, Some(title));
                next.push((body, Rc::new(inner)));
            }
            _ => {
                // A test needs a literal title; a hook, a callback.
                let title = args.first().and_then(|a| self.title(*a, false));
                let (name, kind, role, done_style) = match (fw, title) {
                    (Fw::Hook(name, hook), _) if callback.is_some() => {
                        let role = Role::Hook(hook);
                        (name.to_owned(), UnitKind::Hook, role, ctx.done_style)
                    }
                    (Fw::Test, Some(title)) => {
                        let done_style = callback
                            .and_then(|c| first_parameter(unwrap(c)))
                            .is_some_and(|p| DONE_PARAMS.contains(&self.text(p)));
                        (title, UnitKind::Test, Role::Test, done_style)
                    }
                    _ => return false,
                };
                let unit = self.add_unit(name, ctx.suites.clone(), kind, call);
                let inner = Rc::new(Ctx {
                    unit: Some(unit),
                    role,
                    done_style,
                    ..Ctx::clone(ctx)
                });
                if let Some(c) = callback {
                    next.push((unwrap(c), inner));
                }
            }
        }
        // The callee (`test.each(table)`) and the other arguments belong to the enclosing code.
        if let Some(callee) = call.child_by_field_name("function") {
            next.push((callee, Rc::clone(ctx)));
        }
        for a in args {
            if Some(a) != callback {
                next.push((a, Rc::clone(ctx)));
            }
        }
        true
    }

    /// The title of a test or suite: a string or template literal (or, for a suite, the name of
    /// the class or function jest and vitest print).
    fn title(&self, arg: Node<'_>, suite: bool) -> Option<String> {
        let arg = unwrap(arg);
        match arg.kind() {
            "string" => Some(unescape(strip_quotes(self.text(arg)))),
            "template_string" => Some(strip_quotes(self.text(arg)).to_owned()),
            "identifier" | "member_expression" if suite => Some(self.text(arg).to_owned()),
            _ => None,
        }
    }

    /// The name a function value is given where it is written: `getRandomValues(a) {..}`,
    /// `random: () => ..`, `const f = () => ..`.
    fn function_name(&self, func: Node<'t>) -> Option<String> {
        let at = match func.kind() {
            "method_definition" => func,
            _ => func.parent()?,
        };
        self.helper(at)
            .filter(|(_, f)| f.id() == func.id())
            .map(|(name, _)| name)
    }

    /// A named function: `function f`, `const f = () => ...`, `exports.f = function`,
    /// `{ f() {} }`, `{ f: () => ... }`, class methods and fields. Returns its name and node.
    fn helper(&self, node: Node<'t>) -> Option<(String, Node<'t>)> {
        // The fields of its name and of its function (`None`: the node itself).
        let (name_field, func_field) = match node.kind() {
            "function_declaration" | "generator_function_declaration" | "method_definition" => {
                ("name", None)
            }
            "variable_declarator" | "public_field_definition" => ("name", Some("value")),
            "assignment_expression" => ("left", Some("right")),
            "pair" => ("key", Some("value")),
            "field_definition" => ("property", Some("value")),
            _ => return None,
        };
        let name = node.child_by_field_name(name_field)?;
        let name = match (node.kind(), name.kind()) {
            ("assignment_expression", "member_expression") => {
                name.child_by_field_name("property")?
            }
            ("variable_declarator" | "assignment_expression", kind) if kind != "identifier" => {
                return None;
            }
            _ => name,
        };
        let func = unwrap(func_field.map_or(Some(node), |f| node.child_by_field_name(f))?);
        if !is_function(func.kind()) || name.kind() == "computed_property_name" {
            return None;
        }
        let literal = self.info.literal(name);
        Some((literal.unwrap_or_else(|| self.text(name).to_owned()), func))
    }

    /// The name a call resolves to among the scanned functions: plain calls, and calls through
    /// `this` or a module of the project (`demo.register(...)`); `None` for methods of objects.
    fn call_name(&self, callee: Node<'_>) -> Option<String> {
        let callee = unwrap(callee);
        match callee.kind() {
            "identifier" => {
                let t = self.text(callee);
                match self.info.imported.get(t) {
                    None => Some(t.to_owned()),
                    // A module the file mocks is not the code that runs.
                    Some(i) if self.info.runs_local(i) => {
                        Some(i.name.clone().unwrap_or_else(|| t.to_owned()))
                    }
                    Some(_) => None,
                }
            }
            "member_expression" => {
                let object = unwrap(callee.child_by_field_name("object")?);
                let local = object.kind() == "this"
                    || object.kind() == "identifier"
                        && self
                            .info
                            .imported
                            .get(self.text(object))
                            .is_some_and(|i| i.name.is_none() && self.info.runs_local(i))
                    || self
                        .info
                        .required(object)
                        .is_some_and(|s| s.starts_with('.'));
                let property = callee.child_by_field_name("property")?;
                local.then(|| self.text(property).to_owned())
            }
            _ => None,
        }
    }

    // -- Calls. --

    fn call(&mut self, call: Node<'t>, ctx: &Ctx) {
        let Some(callee) = call.child_by_field_name("function") else {
            return;
        };
        if let (Some(unit), Some(name)) = (ctx.unit, self.call_name(callee)) {
            let calls = &mut self.cx.facts.units[unit].calls;
            if !calls.contains(&name) {
                calls.push(name);
            }
        }
        let q = self.info.q(callee);
        self.apply_table(call, &q, ctx);
        // `.listen(3000)`, `.listen({ port: 3000 })`.
        if self.method_name(call) == Some("listen") {
            self.listen(call, ctx);
        }
        self.bound_matcher(call, callee, ctx);
        self.call_mutation(call, callee, &q, ctx);
        self.completion_order(call, callee, ctx);
        self.early_done(call, callee, ctx);
    }

    /// `done()` in the callback of one operation while a sibling statement starts another
    /// whose callback asserts and does not call `done()`: the test can end first.
    fn early_done(&mut self, call: Node<'t>, callee: Node<'t>, ctx: &Ctx) {
        /// Methods whose callbacks run before they return, or on events in the order the
        /// emitter defines.
        const NOT_RACING: [&str; 16] = [
            "forEach",
            "map",
            "filter",
            "some",
            "every",
            "reduce",
            "find",
            "findIndex",
            "flatMap",
            "sort",
            "on",
            "once",
            "addListener",
            "addEventListener",
            "prependListener",
            "subscribe",
        ];
        if !self.cx.test_file || ctx.role != Role::Test || self.text(callee) != "done" {
            return;
        }
        // The callback that calls done(), the operation it is given to, its statement and block.
        let Some(callback) = enclosing_function(call) else {
            return;
        };
        // `done` must be the test's own: the parameter of the function the test call gets (not
        // a plugin's or a stream's `done`).
        let declares_done = |f: Node<'t>| {
            f.child_by_field_name("parameters")
                .or_else(|| f.child_by_field_name("parameter"))
                .is_some_and(|p| {
                    syntax::descendants(p)
                        .into_iter()
                        .any(|i| i.kind() == "identifier" && self.text(i) == "done")
                })
        };
        let test_owned = !declares_done(callback)
            && ancestors(callback)
                .find(|f| is_function(f.kind()) && declares_done(*f))
                .and_then(call_of_argument)
                .and_then(|c| c.child_by_field_name("function"))
                .is_some_and(|f| names_any(&[".test", ".it", ".specify"], self.text(f)));
        let Some(operation) = call_of_argument(callback).filter(|_| test_owned) else {
            return;
        };
        let Some(statement) = operation.parent().filter(|p| {
            p.kind() == "expression_statement" && operation.kind() == "call_expression"
        }) else {
            return;
        };
        let Some(block) = statement.parent().filter(|b| b.kind() == "statement_block") else {
            return;
        };
        let Some(started) = operation.child_by_field_name("function").map(unwrap) else {
            return;
        };
        if NOT_RACING.contains(&self.method_name(operation).unwrap_or(self.text(started))) {
            return;
        }
        let asserts = |n: Node<'t>| {
            syntax::descendants(n).into_iter().any(|d| {
                d.kind() == "call_expression"
                    && (self.is_assertion(d)
                        || d.child_by_field_name("function").is_some_and(|f| {
                            let t = self.text(f);
                            t.starts_with("t.") || t.starts_with("assert")
                        }))
            })
        };
        // The same operation started twice (two requests), not a handler registered for the
        // one that ends the test (`addHook`, `on`, a route).
        let racing = syntax::named_children(block)
            .into_iter()
            .filter(|s| s.id() != statement.id() && s.kind() == "expression_statement")
            .filter_map(|s| s.named_child(0).filter(|c| c.kind() == "call_expression"))
            .filter(|c| {
                c.child_by_field_name("function")
                    .is_some_and(|f| self.text(unwrap(f)) == self.text(started))
            })
            .flat_map(arguments)
            .any(|a| is_function(unwrap(a).kind()) && asserts(a) && !self.mentions(a, &["done"]));
        if racing {
            let message = format!(
                "`done()` ends the test from the callback of {}, while another operation started beside it has assertions still to run",
                quote_code(&shared::shown(self.info.src, operation))
            );
            let rule = rules::early_done::RULE.javascript();
            self.report(call, ctx.unit, rule.smell(message));
        }
    }

    fn construct(&mut self, node: Node<'t>, ctx: &Ctx) {
        if let Some(ctor) = node.child_by_field_name("constructor") {
            let q = format!("new {}", self.info.q(ctor));
            self.apply_table(node, &q, ctx);
            // `new WebSocketServer({ port: 8080 })`.
            if q.ends_with("Server") {
                self.listen(node, ctx);
            }
        }
    }

    fn apply_table(&mut self, call: Node<'t>, q: &str, ctx: &Ctx) {
        let Some((_, check)) = CALLS.iter().find(|(callees, _)| names_any(callees, q)) else {
            return;
        };
        if let Some((rule, says)) = self.check(*check, call, q, ctx) {
            self.says(call, ctx.unit, rule, says);
        }
    }

    /// Whether a row's call is a smell here: the rule and what it says. Calls the shared rules
    /// judge are judged here, and give `None`.
    fn check(
        &mut self,
        check: Check,
        call: Node<'t>,
        q: &str,
        ctx: &Ctx,
    ) -> Option<(Variant, &'static str)> {
        let args = arguments(call);
        match check {
            Check::Always(rule, says) => Some((rule, says)),
            Check::InTests(rule, says) => self.cx.test_file.then_some((rule, says)),
            Check::Draw => {
                let stand_in = enclosing_function(call)
                    .and_then(|f| self.function_name(f))
                    .is_some_and(|name| ENTROPY_SOURCES.contains(&name.as_str()));
                // A draw inside a stand-in for an entropy source (a fake `getRandomValues`) is
                // as random as what it replaces: context.
                let rule = rules::unseeded_random::RULE.javascript();
                let rule = if stand_in { rule.as_context() } else { rule };
                Some((rule, "draws an unseeded random number"))
            }
            Check::WallClock => {
                let now = args.is_empty() && !self.info.fake_clock;
                (now && !self.measures(call) && !self.only_seeds(call, 0))
                    .then_some((rules::wall_clock::RULE.javascript(), "reads the wall clock"))
            }
            Check::NoTimeZone => {
                let zoned = args.iter().any(|a| self.property(*a, &["timeZone"]).is_some());
                (!zoned).then_some((
                    rules::local_time_zone::RULE.javascript(),
                    "formats in the machine's time zone",
                ))
            }
            Check::ConstantDelay => {
                // A method of some object (`lock.wait(10)`) is not a sleep.
                if self.plain_callee(call) || names_any(&["cy.wait", ".waitForTimeout"], q) {
                    let duration = args.first().copied();
                    self.sleep(call, call, duration, ctx);
                }
                None
            }
            Check::Timer => self.timer(call, &args, ctx).then_some((
                rules::timer_callback::RULE.javascript(),
                "runs its callback on the real clock, racing the test",
            )),
            Check::Remote => {
                let peer = self.remote(q, &args)?;
                let call_text = shared::shown(self.info.src, call);
                self.judge(call, Fact::Request(Request { call: call_text, peer }), ctx.unit);
                None
            }
            Check::FixedPath => {
                let write = self.fixed_path_write(call, q, &args)?;
                self.judge(call, Fact::PathWrite(write), ctx.unit);
                None
            }
            Check::Process { to_end } => {
                let to_end = to_end || q.ends_with("Sync");
                if !self.info.is_mocked(q) {
                    let call_text = shared::shown(self.info.src, call);
                    self.judge(call, Fact::Process(Process { call: call_text, to_end }), ctx.unit);
                }
                None
            }
            Check::Unsorted => self.listing_order_used(call).then_some((
                rules::unsorted_listing::RULE.javascript(),
                "lists files in the file system's order, and that order is used unsorted",
            )),
            Check::Seed => {
                self.seed(call, &args, ctx);
                None
            }
            Check::AsyncCallback => args.first().is_some_and(|a| is_async(unwrap(*a))).then_some((
                rules::async_foreach::RULE.javascript(),
                "does not wait for its async callback: their work runs after the code that follows",
            )),
        }
    }

    /// A timer callback in a test races it; inside a promise with a constant delay it is a
    /// sleep (reported here as such).
    fn timer(&mut self, call: Node<'t>, args: &[Node<'t>], ctx: &Ctx) -> bool {
        if self.info.fake_clock {
            return false;
        }
        if let Some(resolve) = self.promise_resolver(call) {
            if args.first().is_some_and(|cb| self.only_calls(*cb, resolve)) {
                // The promise's executor is part of the wait: where it runs is where the
                // promise is made.
                let promise = enclosing_function(call).unwrap_or(call);
                self.sleep(call, promise, args.get(1).copied(), ctx);
            }
            return false;
        }
        self.cx.test_file && matches!(ctx.role, Role::Test | Role::Hook(_))
    }

    /// A call that waits `duration` (`await sleep(300)`, `cy.wait(500)`, a promise resolved by
    /// `setTimeout`), for the shared rule to judge. Where the function around `at` is not a
    /// test, hook or named helper, it is a callback (a mock's body, a handler).
    fn sleep(&mut self, call: Node<'t>, at: Node<'t>, duration: Option<Node<'t>>, ctx: &Ctx) {
        let Some(duration) = duration else {
            return;
        };
        let sleep = Sleep {
            call: shared::shown(self.info.src, call),
            duration: Amount::of_duration(self.is_constant(duration, 2), self.text(duration)),
            in_loop: syntax::in_loop(call, LOOPS, FUNCTIONS),
            place: match enclosing_function(at) {
                Some(f) if !self.is_unit_body(f) => Place::Callback,
                _ => ctx.role.place(),
            },
            faked: self.info.fake_clock,
        };
        self.judge(call, Fact::Sleep(sleep), ctx.unit);
    }

    /// Whether a call is a plain function call or a call through an imported module, not a
    /// method of some object (`sleep(10)`, `utils.sleep(10)`, not `lock.wait(10)`).
    fn plain_callee(&self, call: Node<'_>) -> bool {
        let Some(callee) = call.child_by_field_name("function").map(unwrap) else {
            return false;
        };
        match callee.kind() {
            "identifier" => true,
            "member_expression" => callee
                .child_by_field_name("object")
                .map(unwrap)
                .is_some_and(|o| {
                    o.kind() == "identifier" && self.info.imported.contains_key(self.text(o))
                }),
            _ => false,
        }
    }

    /// Whether a function is the body of a test, hook or named function (where a sleep waits),
    /// rather than a callback handed to other code (where it simulates a slow call).
    fn is_unit_body(&self, func: Node<'_>) -> bool {
        self.helper(func).is_some()
            || match call_of_argument(func) {
                Some(call) => self.framework(call).is_some(),
                None => func.parent().is_some_and(|p| self.helper(p).is_some()),
            }
    }

    /// The `resolve` parameter of the `new Promise((resolve) => ...)` executor a call is in.
    fn promise_resolver(&self, node: Node<'_>) -> Option<&'s str> {
        let executor = enclosing_function(node)?;
        let promise = call_of_argument(executor).filter(|n| n.kind() == "new_expression")?;
        if self.info.q(promise.child_by_field_name("constructor")?) != "Promise" {
            return None;
        }
        Some(self.text(first_parameter(executor)?))
    }

    /// Whether a timer callback only calls `name`: `resolve`, `() => resolve()`.
    fn only_calls(&self, callback: Node<'_>, name: &str) -> bool {
        let cb = unwrap(callback);
        if cb.kind() == "identifier" {
            return self.text(cb) == name;
        }
        let mut body = cb
            .child_by_field_name("body")
            .filter(|_| is_function(cb.kind()));
        // A block of one statement: its expression.
        if let Some(block) = body.filter(|b| b.kind() == "statement_block") {
            body = match syntax::named_children(block).as_slice() {
                [only] if only.kind() == "expression_statement" => only.named_child(0),
                _ => None,
            };
        }
        // `resolve(value)` after a delay simulates a slow call; `resolve()` only waits.
        body.is_some_and(|b| {
            b.kind() == "call_expression"
                && arguments(b).is_empty()
                && b.child_by_field_name("function")
                    .is_some_and(|f| f.kind() == "identifier" && self.text(f) == name)
        })
    }

    /// Where a request goes, unless it is mocked or to this machine.
    fn remote(&mut self, q: &str, args: &[Node<'t>]) -> Option<Peer> {
        if self.info.network_mocked || self.info.is_mocked(q) {
            return None;
        }
        let peer = match args.first().map(|a| unwrap(*a)) {
            None => Some(Peer::Unknown),
            // `net.connect(port[, host])` defaults to this machine.
            Some(n) if n.kind() == "number" => args.get(1).and_then(|h| self.host_of(*h, 2)),
            Some(n) => self.host_of(n, 2),
        };
        peer.filter(|p| !(*p == Peer::Unknown && self.info.local_server))
    }

    /// Where a request to this address goes: `None` for this machine.
    fn host_of(&mut self, node: Node<'t>, depth: u8) -> Option<Peer> {
        // One expression leads to the next (a fallback, a property, a variable's value): a loop,
        // so nesting costs no stack; variables are followed `depth` times.
        let (mut at, mut depth) = (node, depth);
        loop {
            let n = unwrap(at);
            let next = match n.kind() {
                // `${BASE}/users`: the host is in the leading variable.
                "template_string"
                    if depth > 0
                        && n.named_child(0)
                            .is_some_and(|c| c.kind() == "template_substitution") =>
                {
                    depth -= 1;
                    n.named_child(0).and_then(|c| c.named_child(0))
                }
                "string" | "template_string" => return host_in(&self.info.literal_prefix(n)),
                // `process.env.API ?? 'https://api.example.com'`: the fallback is where it goes by default.
                "binary_expression" if matches!(self.operator(n), "??" | "||") => {
                    n.child_by_field_name("right")
                }
                "object" => self.property(n, &URL_KEYS),
                "identifier" if depth > 0 => {
                    depth -= 1;
                    self.declared_value(n)
                }
                "new_expression" => arguments(n).first().copied().filter(|_| {
                    n.child_by_field_name("constructor")
                        .is_some_and(|c| self.text(c) == "URL")
                }),
                _ => None,
            };
            match next {
                Some(n) => at = n,
                None => return Some(Peer::Unknown),
            }
        }
    }

    fn fixed_path_write(&self, call: Node<'t>, q: &str, args: &[Node<'t>]) -> Option<PathWrite> {
        if self.info.is_mocked(q) {
            return None;
        }
        let (path, anchored) = self.fixed_path(*args.first()?)?;
        let temp = TEMP_PATHS.iter().any(|t| path.starts_with(t));
        // A relative path may be under the temporary directory the test moved to.
        if temp || !anchored && self.info.temp_dir {
            return None;
        }
        Some(PathWrite {
            call: shared::shown(self.info.src, call),
            path: Some(path),
            relative: !anchored,
        })
    }

    /// A path made of literals (and `__dirname`, `process.cwd()`), and whether it is anchored
    /// (absolute, or under the source tree) rather than relative to the working directory.
    fn fixed_path(&self, arg: Node<'_>) -> Option<(String, bool)> {
        let n = unwrap(arg);
        if let Some(p) = self.info.literal(n) {
            let absolute = p.starts_with('/');
            return Some((p, absolute));
        }
        let callee = n.child_by_field_name("function")?;
        if !matches!(self.info.q(callee).as_str(), "path.join" | "path.resolve") {
            return None;
        }
        let mut parts = Vec::new();
        let mut anchored = false;
        for a in arguments(n) {
            if let Some(p) = self.info.literal(a) {
                anchored |= parts.is_empty() && p.starts_with('/');
                parts.push(p);
            } else if matches!(
                self.text(a),
                "__dirname" | "__filename" | "process.cwd()" | "import.meta.dirname"
            ) {
                anchored = true;
                parts.push(self.text(a).to_owned());
            } else {
                return None;
            }
        }
        Some((parts.join("/"), anchored))
    }

    /// A generator seeded from the clock, from entropy or with a constant, for the shared rules
    /// to judge.
    fn seed(&mut self, call: Node<'t>, args: &[Node<'t>], ctx: &Ctx) {
        let Some(arg) = args.first().map(|a| unwrap(*a)) else {
            return;
        };
        let source = if self.is_clock_value(arg, 2) {
            SeedSource::Unreproducible("the clock")
        } else if self.mentions(arg, &ENTROPY) {
            SeedSource::Unreproducible("entropy")
        } else if matches!(arg.kind(), "number" | "string") {
            SeedSource::Constant
        } else {
            return;
        };
        let seed = Seed {
            call: shared::shown(self.info.src, call),
            source,
            place: ctx.role.place(),
        };
        self.judge(call, Fact::Seed(seed), ctx.unit);
    }

    /// A server listening at a port the code names (the first argument, or its `port` key),
    /// for the shared rule to judge.
    fn listen(&mut self, call: Node<'t>, ctx: &Ctx) {
        let Some(first) = arguments(call).first().map(|a| unwrap(*a)) else {
            return;
        };
        let port = self.property(first, &["port"]).unwrap_or(first);
        let port = (port.kind() == "number").then(|| self.text(port).parse::<u16>().ok());
        let Some(port) = port.flatten() else {
            return;
        };
        let listen = Listen {
            call: shared::shown(self.info.src, call),
            port,
            released: false,
            test_code: self.cx.test_file,
        };
        self.judge(call, Fact::Listen(listen), ctx.unit);
    }

    /// The value of the first property of an object literal whose key is one of these (a
    /// shorthand `{ key }` is its own value).
    fn property(&self, object: Node<'t>, keys: &[&str]) -> Option<Node<'t>> {
        let object = unwrap(object);
        let properties = (object.kind() == "object").then(|| syntax::named_children(object));
        properties?.into_iter().find_map(|p| {
            let (key, value) = match p.kind() {
                "pair" => (
                    p.child_by_field_name("key")?,
                    p.child_by_field_name("value")?,
                ),
                "shorthand_property_identifier" => (p, p),
                _ => return None,
            };
            keys.contains(&strip_quotes(self.text(key)))
                .then_some(value)
        })
    }

    /// `expect(elapsed).toBeLessThan(100)`: a duration compared with a bound by a matcher.
    fn bound_matcher(&mut self, call: Node<'t>, callee: Node<'t>, ctx: &Ctx) {
        let callee = unwrap(callee);
        let matcher = self.method_name(call);
        let Some(&(_, less)) = BOUND_MATCHERS.iter().find(|(m, _)| Some(*m) == matcher) else {
            return;
        };
        let object = callee.child_by_field_name("object");
        let subject = object.and_then(|o| self.expect_subject(o));
        if subject.is_some_and(|s| self.is_duration(s, 2)) {
            // `expect(elapsed).not.toBeGreaterThan(100)` bounds it from above too.
            let negated =
                object.is_some_and(|o| self.chain_has(o, &["member_expression"], &["not"]));
            self.elapsed_bound(call, less != negated, ctx);
        }
    }

    /// A measured duration compared with a bound, for the shared rule to judge.
    fn elapsed_bound(&mut self, node: Node<'t>, upper: bool, ctx: &Ctx) {
        let fact = ElapsedBound {
            code: shared::shown(self.info.src, node),
            bound: Bound::upper_if(upper),
            in_loop: syntax::in_loop(node, LOOPS, FUNCTIONS),
            test_code: self.cx.test_file,
        };
        self.judge(node, Fact::ElapsedBound(fact), ctx.unit);
    }

    /// The value under test in an `expect(value).to...` chain.
    fn expect_subject(&self, n: Node<'t>) -> Option<Node<'t>> {
        let expect = chain(n, CALL_CHAIN).find(|c| {
            c.kind() == "call_expression"
                && c.child_by_field_name("function")
                    .is_some_and(|f| f.kind() == "identifier" && self.text(f) == "expect")
        })?;
        arguments(expect).first().copied()
    }

    /// `assert.ok(elapsed < 100)`: a duration compared with a bound inside an assertion.
    fn comparison(&mut self, node: Node<'t>, ctx: &Ctx) {
        if !matches!(self.operator(node), "<" | "<=" | ">" | ">=") {
            return;
        }
        let op = self.operator(node).to_owned();
        let on_left = node
            .child_by_field_name("left")
            .is_some_and(|l| self.is_duration(l, 2));
        let on_right = node
            .child_by_field_name("right")
            .is_some_and(|r| self.is_duration(r, 2));
        if (on_left || on_right) && self.inside_assertion(node) {
            self.elapsed_bound(node, bounds_from_above(&op, on_left, false), ctx);
        }
    }

    fn inside_assertion(&self, node: Node<'_>) -> bool {
        ancestors_in_function(node)
            .take_while(|p| !p.kind().ends_with("statement"))
            .any(|p| p.kind() == "call_expression" && self.is_assertion(p))
    }

    fn is_assertion(&self, call: Node<'_>) -> bool {
        let Some(function) = call.child_by_field_name("function") else {
            return false;
        };
        // node-tap's and ava's `t.ok(cond)`, `t.true(cond)` on the test's `t`.
        let on_t = function.kind() == "member_expression"
            && function
                .child_by_field_name("object")
                .is_some_and(|o| self.text(o) == "t")
            && function
                .child_by_field_name("property")
                .is_some_and(|p| matches!(self.text(p), "ok" | "notOk" | "true" | "false"));
        on_t || callee_root(function).is_some_and(|r| {
            let t = self.text(r);
            t == "expect" || t == "assert" || self.info.q(r).starts_with("assert")
        })
    }

    /// `results.push(...)` in async callbacks that `Promise.all(items.map(...))` runs at once.
    fn completion_order(&mut self, call: Node<'t>, callee: Node<'t>, ctx: &Ctx) {
        if self.method_name(call) != Some("push") {
            return;
        }
        let Some(func) = enclosing_function(call).filter(|f| is_async(*f)) else {
            return;
        };
        let concurrent = call_of_argument(func)
            .filter(|m| self.method_name(*m) == Some("map"))
            .and_then(call_of_argument)
            .and_then(|all| all.child_by_field_name("function"))
            .is_some_and(|f| {
                matches!(
                    self.info.q(f).as_str(),
                    "Promise.all" | "Promise.allSettled"
                )
            });
        let Some(array) = unwrap(callee)
            .child_by_field_name("object")
            .and_then(root_identifier)
        else {
            return;
        };
        let name = self.text(array);
        if concurrent && !self.scope(func).names.contains(name) {
            let says = "collects results in the order the concurrent callbacks finish";
            let rule = rules::completion_order::RULE.javascript();
            self.says(call, ctx.unit, rule, says);
        }
    }

    /// The method a call calls: `push` in `(items).push(x)`.
    fn method_name(&self, call: Node<'_>) -> Option<&'s str> {
        let f = unwrap(call.child_by_field_name("function")?);
        (f.kind() == "member_expression")
            .then(|| f.child_by_field_name("property").map(|p| self.text(p)))?
    }

    /// A promise chain or async call left floating in a test or hook.
    fn statement(&mut self, stmt: Node<'t>, ctx: &Ctx) {
        if !self.cx.test_file || !matches!(ctx.role, Role::Test | Role::Hook(_)) {
            return;
        }
        let Some(expr) = stmt
            .named_child(0)
            .filter(|e| e.kind() == "call_expression")
        else {
            return;
        };
        let Some(callee) = expr.child_by_field_name("function").map(unwrap) else {
            return;
        };
        let chained = matches!(self.method_name(expr), Some("then" | "catch" | "finally"));
        let floating = if chained && !ctx.done_style {
            Some("is neither awaited nor returned: the test can end before it settles")
        } else if self.expect_subject(callee).is_some()
            && self.chain_has(callee, CALL_CHAIN, &["resolves", "rejects"])
        {
            Some("is not awaited: the test can end before the assertion runs")
        } else if callee.kind() == "identifier" && self.info.async_fns.contains(self.text(callee)) {
            Some("calls an async function without awaiting it: the test can end before it settles")
        } else {
            None
        };
        if let Some(says) = floating {
            let rule = rules::unawaited_async::RULE.javascript();
            self.says(expr, ctx.unit, rule.severity(Severity::Medium), says);
        }
    }

    /// Whether a chain (through the `through` kinds) reads one of these properties: `.not`,
    /// `.resolves`.
    fn chain_has(&self, n: Node<'_>, through: &'static [&str], props: &[&str]) -> bool {
        chain(n, through).any(|c| {
            c.kind() == "member_expression"
                && c.child_by_field_name("property")
                    .is_some_and(|p| props.contains(&self.text(p)))
        })
    }

    // -- State. --

    fn write(&mut self, node: Node<'t>, ctx: &Ctx) {
        let field = match node.kind() {
            "assignment_expression" | "augmented_assignment_expression" => "left",
            "update_expression" => "argument",
            _ if self.operator(node) == "delete" => "argument",
            _ => return,
        };
        let Some(target) = node.child_by_field_name(field) else {
            return;
        };
        let lazy = match node.kind() {
            "assignment_expression" => self.lazy_guarded(node, target),
            "augmented_assignment_expression" => matches!(self.operator(node), "??=" | "||="),
            _ => false,
        };
        if !lazy {
            self.mutate(target, node, ctx);
        }
    }

    /// `x.push(...)`, `Object.assign(x, ...)`, `process.chdir(...)`.
    fn call_mutation(&mut self, call: Node<'t>, callee: Node<'t>, q: &str, ctx: &Ctx) {
        if q == "process.chdir" {
            return self.process_change(ProcessState::Cwd, call, ctx);
        }
        let target = if matches!(q, "Object.assign" | "Object.defineProperty") {
            arguments(call).first().copied()
        } else if self
            .method_name(call)
            .is_some_and(|m| MUTATORS.contains(&m))
        {
            unwrap(callee).child_by_field_name("object")
        } else {
            None
        };
        if let Some(t) = target {
            self.mutate(t, call, ctx);
        }
    }

    /// Records a change of `target` at `site` (an assignment or a mutating call).
    fn mutate(&mut self, target: Node<'t>, site: Node<'t>, ctx: &Ctx) {
        if !ctx.in_function {
            return;
        }
        let target = unwrap(target);
        if let Some(t) = self.process_target(target) {
            if !(t == ProcessState::Global && self.mock_value(site)) {
                self.process_change(t, site, ctx);
            }
            return;
        }
        let Some(root) = root_identifier(target) else {
            return;
        };
        let Some(b) = self.shared(root) else { return };
        let binding = &self.bindings[b];
        // `x = 1`, `x++` rebind the variable; `x.push(1)`, `x.a = 1` change what it holds.
        let rebinds = target.kind() == "identifier" && site.kind() != "call_expression";
        if binding.reassignable || !rebinds && binding.container {
            let kind = match site.kind() {
                "assignment_expression" if rebinds => TouchKind::Init,
                _ => TouchKind::Write,
            };
            self.use_state(b, site, kind, ctx);
        }
    }

    fn process_target(&self, target: Node<'_>) -> Option<ProcessState> {
        let object = matches!(target.kind(), "member_expression" | "subscript_expression")
            .then(|| target.child_by_field_name("object"))
            .flatten();
        if self.is_env(target) || object.is_some_and(|o| self.is_env(o)) {
            return Some(ProcessState::Env);
        }
        let global = object.is_some()
            && root_identifier(target).is_some_and(|r| is_global_object(self.text(r)));
        global.then_some(ProcessState::Global)
    }

    fn is_env(&self, node: Node<'_>) -> bool {
        let node = unwrap(node);
        self.info.q(node) == "process.env" || self.text(node) == "import.meta.env"
    }

    /// `global.fetch = jest.fn()`: a mock, undone by the framework's restore.
    fn mock_value(&self, site: Node<'_>) -> bool {
        site.child_by_field_name("right")
            .map(unwrap)
            .filter(|r| r.kind() == "call_expression")
            .and_then(|r| r.child_by_field_name("function"))
            .is_some_and(|f| {
                let q = self.info.q(f);
                let root = q.split('.').next().unwrap_or_default();
                matches!(root, "jest" | "vi" | "sinon") || names_any(&[".fn", ".stub", ".spy"], &q)
            })
    }

    fn process_change(&mut self, target: ProcessState, site: Node<'t>, ctx: &Ctx) {
        if !ctx.in_function {
            return;
        }
        let restores = matches!(ctx.role, Role::Hook(Hook::Each | Hook::Last))
            || ancestors_in_function(site).any(|p| p.kind() == "finally_clause");
        self.changes.push(StateChange {
            target,
            unit: ctx.unit,
            node: site,
            restores,
        });
    }

    /// `cache = load()` under `if (!cache)`: lazy initialisation, not state that tests share.
    fn lazy_guarded(&self, assignment: Node<'_>, left: Node<'_>) -> bool {
        if left.kind() != "identifier" {
            return false;
        }
        let name = self.text(left);
        ancestors_in_function(assignment).any(|p| {
            p.kind() == "if_statement"
                && p.child_by_field_name("condition")
                    .is_some_and(|c| self.tests_absent(c, name))
        })
    }

    /// Whether a condition tests that `name` is unset (`!name`, `name == null`, `=== undefined`).
    fn tests_absent(&self, cond: Node<'_>, name: &str) -> bool {
        syntax::descendants(cond).into_iter().any(|c| {
            let sides: Vec<Node<'_>> = syntax::named_children(c).into_iter().map(unwrap).collect();
            let is_name = |n: &Node<'_>| n.kind() == "identifier" && self.text(*n) == name;
            match (c.kind(), self.operator(c)) {
                ("unary_expression", "!") => sides.iter().any(is_name),
                ("binary_expression", "==" | "===") => {
                    sides.iter().any(is_name)
                        && sides
                            .iter()
                            .any(|s| matches!(s.kind(), "null" | "undefined"))
                }
                _ => false,
            }
        })
    }

    /// Registers the variables a scope (the program, or a `describe` body) shares with the
    /// functions inside it.
    fn enter_scope(&mut self, block: Node<'t>, suite: Option<String>) {
        for stmt in syntax::named_children(block) {
            let decl = match stmt.kind() {
                "export_statement" => stmt.child_by_field_name("declaration"),
                _ => Some(stmt),
            };
            let Some(decl) =
                decl.filter(|d| matches!(d.kind(), "lexical_declaration" | "variable_declaration"))
            else {
                continue;
            };
            let reassignable = decl
                .child_by_field_name("kind")
                .is_none_or(|k| self.text(k) == "let");
            for d in syntax::named_children(decl) {
                let Some(name) = d
                    .child_by_field_name("name")
                    .filter(|n| n.kind() == "identifier")
                else {
                    continue;
                };
                let value = d.child_by_field_name("value").map(unwrap);
                // `var request = require('supertest')` is a module, not state.
                if value.is_some_and(|v| self.info.required_import(v).is_some()) {
                    continue;
                }
                let container = value
                    .is_some_and(|v| matches!(v.kind(), "object" | "array" | "new_expression"));
                let name = self.text(name);
                self.by_name
                    .entry(name)
                    .or_default()
                    .push(self.bindings.len());
                let state = match &suite {
                    Some(suite) => format!("`{name}` of describe('{suite}')"),
                    None => format!("module-level `{name}`"),
                };
                self.bindings.push(Binding {
                    state,
                    scope: block,
                    reassignable,
                    container,
                });
            }
        }
    }

    /// The shared variable an identifier refers to, unless a function on the way declares it.
    fn shared(&mut self, ident: Node<'t>) -> Option<usize> {
        let name = self.text(ident);
        let at = ident.start_byte();
        let b = self
            .by_name
            .get(name)?
            .iter()
            .copied()
            .filter(|&b| self.bindings[b].scope.byte_range().contains(&at))
            .max_by_key(|&b| self.bindings[b].scope.start_byte())?;
        let between = syntax::ancestors_below(self.bindings[b].scope, ident).unwrap_or_default();
        let shadowed = between
            .into_iter()
            .any(|f| is_function(f.kind()) && self.scope(f).names.contains(name));
        (!shadowed).then_some(b)
    }

    fn read(&mut self, node: Node<'t>, ctx: &Ctx) {
        let candidate = self.by_name.contains_key(self.text(node));
        if !candidate || !ctx.in_function || ctx.unit.is_none() || is_declared_name(node) {
            return;
        }
        if let Some(b) = self.shared(node) {
            self.use_state(b, node, TouchKind::Read, ctx);
        }
    }

    /// Records a use of a shared variable (`kind`: a read, a change, or an [`TouchKind::Init`]
    /// assignment), as what it is where it happens: a hook run before or after each test resets
    /// it, a before-all hook sets it up; after-all hooks and hooks' reads expose nothing; only a
    /// test starts from the value it assigns.
    fn use_state(&mut self, binding: usize, node: Node<'t>, kind: TouchKind, ctx: &Ctx) {
        let kind = match (ctx.role, kind) {
            (Role::Hook(_), TouchKind::Read) | (Role::Hook(Hook::Last), _) => return,
            (Role::Hook(Hook::Each), _) => TouchKind::Reset,
            (Role::Hook(Hook::Once), _) => TouchKind::Setup,
            (role, TouchKind::Init) if role != Role::Test => TouchKind::Write,
            (_, kind) => kind,
        };
        let owner = match ctx.unit {
            Some(u) => self.cx.facts.units[u].name.clone(),
            None => shared::shown(self.info.src, node),
        };
        self.touches.push(Touch {
            unit: ctx.unit,
            owner,
            var: self.bindings[binding].state.clone(),
            node,
            kind,
        });
    }

    /// Reports the exposures of shared variables and the changes of process state, once the
    /// whole file is known (hooks may come after the tests).
    fn report_state(&mut self) {
        let touches = std::mem::take(&mut self.touches);
        for (node, smell, unit) in
            shared::judge_exposures(&touches, Lang::JavaScript, str::to_owned)
        {
            self.cx.report(node, smell, unit, self.cx.test_file);
        }
        let restored: HashSet<ProcessState> = self
            .changes
            .iter()
            .filter(|c| c.restores)
            .map(|c| c.target)
            .collect();
        let changes = std::mem::take(&mut self.changes);
        let mut seen = HashSet::new();
        for c in changes.iter().filter(|c| !restored.contains(&c.target)) {
            if seen.insert((c.unit, c.target)) {
                let change = ProcessChange {
                    code: shared::shown(self.info.src, c.node),
                    state: c.target,
                    restore: Restore::Never,
                };
                self.judge(c.node, Fact::ProcessChange(change), c.unit);
            }
        }
    }

    // -- Environment reads. --

    /// `process.env.TEST_SEED` used beyond seeding a generator; `process.env.TZ`.
    fn env_read(&mut self, node: Node<'t>, ctx: &Ctx) {
        let Some(var) = self.env_var(node).filter(|_| !is_write_target(node)) else {
            return;
        };
        if is_seed_variable(&var) && !self.only_seeds(node, 2) {
            let used = SeedUse {
                code: shared::shown(self.info.src, node),
                variable: var,
                decides: true,
            };
            self.judge(node, Fact::SeedUse(used), ctx.unit);
        } else if var == "TZ" {
            let says = "reads the time zone of the machine";
            self.says(node, ctx.unit, rules::tz_variable::RULE.javascript(), says);
        }
    }

    fn env_var(&self, node: Node<'_>) -> Option<String> {
        let object = node.child_by_field_name("object")?;
        if !self.is_env(object) {
            return None;
        }
        match node.kind() {
            "member_expression" => {
                Some(self.text(node.child_by_field_name("property")?).to_owned())
            }
            _ => self.info.literal(node.child_by_field_name("index")?),
        }
    }

    /// Whether a value only seeds a generator (directly, or through the variables it is
    /// stored in), rather than deciding what the code does.
    fn only_seeds(&self, node: Node<'t>, depth: u8) -> bool {
        if node.kind() == "shorthand_property_identifier"
            && self.text(node).to_ascii_lowercase().contains("seed")
        {
            return true;
        }
        for p in ancestors(node) {
            match p.kind() {
                "call_expression" | "new_expression" if self.seeds(p) => return true,
                "pair"
                    if p.child_by_field_name("key")
                        .is_some_and(|k| self.text(k).to_ascii_lowercase().contains("seed")) =>
                {
                    return true;
                }
                "variable_declarator" => {
                    return depth > 0 && self.every_use(p, |u| self.only_seeds(u, depth - 1));
                }
                k if is_function(k) || k.ends_with("statement") || k == "program" => return false,
                _ => {}
            }
        }
        false
    }

    fn seeds(&self, call: Node<'_>) -> bool {
        let callee = call
            .child_by_field_name("function")
            .or_else(|| call.child_by_field_name("constructor"));
        callee.is_some_and(|c| {
            let q = self.info.q(c);
            let last = q
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            SEEDERS.iter().any(|s| last.contains(s))
        })
    }

    // -- Values. --

    /// Whether a clock read only measures an interval: `Date.now() - start`, or a variable
    /// that is only subtracted.
    fn measures(&self, call: Node<'t>) -> bool {
        let mut n = call;
        while let Some(p) = n.parent() {
            match p.kind() {
                "parenthesized_expression" => n = p,
                "member_expression"
                    if p.child_by_field_name("property")
                        .is_some_and(|x| matches!(self.text(x), "getTime" | "valueOf")) =>
                {
                    match p.parent().filter(|g| g.kind() == "call_expression") {
                        Some(g) => n = g,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        let Some(p) = n.parent() else { return false };
        match p.kind() {
            "binary_expression" => self.operator(p) == "-",
            "variable_declarator" => self.every_use(p, |u| {
                u.parent()
                    .is_some_and(|up| up.kind() == "binary_expression" && self.operator(up) == "-")
            }),
            _ => false,
        }
    }

    /// Whether a value is a measured duration: `Date.now() - start`, `process.hrtime(start)`,
    /// or a variable holding one (or named `elapsed`/`duration` and computed by a call).
    fn is_duration(&mut self, node: Node<'t>, depth: u8) -> bool {
        let n = unwrap(node);
        match n.kind() {
            "binary_expression" if self.operator(n) == "-" => syntax::named_children(n)
                .into_iter()
                .any(|side| self.is_clock_value(side, depth)),
            "call_expression" => {
                n.child_by_field_name("function")
                    .is_some_and(|f| self.info.q(f).starts_with("process.hrtime"))
                    && !arguments(n).is_empty()
            }
            "identifier" => {
                let lower = self.text(n).to_ascii_lowercase();
                let named = lower.contains("elapsed") || lower.contains("duration");
                match self.declared_value(n) {
                    Some(v) => {
                        depth > 0 && self.is_duration(v, depth - 1)
                            || named
                                && matches!(
                                    unwrap(v).kind(),
                                    "call_expression" | "await_expression"
                                )
                    }
                    None => named,
                }
            }
            _ => false,
        }
    }

    fn is_clock_value(&mut self, node: Node<'t>, depth: u8) -> bool {
        let n = unwrap(node);
        self.mentions(n, &CLOCKS)
            || n.kind() == "identifier"
                && depth > 0
                && self
                    .declared_value(n)
                    .is_some_and(|v| self.is_clock_value(v, depth - 1))
    }

    /// Whether a call or `new` under `node` has one of these callees.
    fn mentions(&self, node: Node<'_>, callees: &[&str]) -> bool {
        syntax::descendants(node).into_iter().any(|d| {
            let q = match d.kind() {
                "call_expression" => d.child_by_field_name("function").map(|f| self.info.q(f)),
                "new_expression" => d
                    .child_by_field_name("constructor")
                    .map(|c| format!("new {}", self.info.q(c))),
                _ => None,
            };
            q.is_some_and(|q| names_any(callees, &q))
        })
    }

    /// A number, a constant name (`TIMEOUT_MS`), arithmetic on them, or a variable set to one.
    fn is_constant(&mut self, node: Node<'t>, depth: u8) -> bool {
        // Variables are followed `depth` times.
        syntax::all_constant((node, depth), |(node, depth), pending| {
            let n = unwrap(node);
            match n.kind() {
                "number" => true,
                "unary_expression" | "binary_expression" => {
                    pending.extend(syntax::named_children(n).into_iter().map(|c| (c, depth)));
                    true
                }
                "identifier" if is_constant_name(self.text(n)) => true,
                "identifier" => match (depth > 0).then(|| self.declared_value(n)).flatten() {
                    Some(v) => {
                        pending.push((v, depth - 1));
                        true
                    }
                    None => false,
                },
                _ => false,
            }
        })
    }

    /// The initial value of the variable an identifier names, from the nearest function (or
    /// the program) that declares it.
    fn declared_value(&mut self, ident: Node<'t>) -> Option<Node<'t>> {
        let name = self.text(ident);
        ancestors(ident)
            .filter(|s| is_function(s.kind()) || s.parent().is_none())
            .find_map(|s| self.scope(s).values.get(name).copied())
    }

    /// Whether the variable a declarator declares is used, and every use passes `each`.
    fn every_use(&self, declarator: Node<'t>, each: impl FnMut(Node<'t>) -> bool) -> bool {
        let name = declarator.child_by_field_name("name");
        let uses = name
            .filter(|n| n.kind() == "identifier")
            .map(|n| self.uses_of(n));
        uses.is_some_and(|uses| !uses.is_empty() && uses.into_iter().all(each))
    }

    /// The other mentions of a declared variable in its function (or the program).
    fn uses_of(&self, name: Node<'t>) -> Vec<Node<'t>> {
        let text = self.text(name);
        let scope = enclosing_function(name)
            .or_else(|| ancestors(name).last())
            .unwrap_or(name);
        syntax::descendants(scope)
            .into_iter()
            .filter(|d| {
                matches!(d.kind(), "identifier" | "shorthand_property_identifier")
                    && *d != name
                    && self.text(*d) == text
            })
            .collect()
    }

    /// What a function (or the program) declares, read once.
    fn scope(&mut self, func: Node<'t>) -> &Scope<'s, 't> {
        let info = self.info;
        self.scopes.entry(func.id()).or_insert_with(|| {
            let mut out = Scope::default();
            for n in scope_nodes(func) {
                let declared = match n.kind() {
                    "variable_declarator"
                    | "function_declaration"
                    | "generator_function_declaration"
                    | "class_declaration" => n.child_by_field_name("name"),
                    "formal_parameters" => Some(n),
                    "arrow_function" if n == func => n.child_by_field_name("parameter"),
                    "catch_clause" => n.child_by_field_name("parameter"),
                    "for_in_statement" if n.child_by_field_name("kind").is_some() => {
                        n.child_by_field_name("left")
                    }
                    _ => None,
                };
                let value = n.child_by_field_name("value");
                if let (Some(name), Some(value)) = (declared, value)
                    && n.kind() == "variable_declarator"
                    && name.kind() == "identifier"
                {
                    out.values.entry(info.text(name)).or_insert(value);
                }
                for d in declared.map(syntax::descendants).unwrap_or_default() {
                    if matches!(
                        d.kind(),
                        "identifier" | "shorthand_property_identifier_pattern"
                    ) {
                        out.names.insert(info.text(d));
                    }
                }
            }
            out
        })
    }

    /// Whether a directory listing's order is used (asserted, indexed, joined, returned)
    /// without a sort, directly or through the variable it is stored in.
    fn listing_order_used(&self, call: Node<'t>) -> bool {
        let n = outer(call);
        if let Some(used) = self.order_use(n) {
            return used;
        }
        let Some(name) = n
            .parent()
            .filter(|p| p.kind() == "variable_declarator")
            .and_then(|p| p.child_by_field_name("name"))
            .filter(|x| x.kind() == "identifier")
        else {
            return false;
        };
        let uses: Vec<Option<bool>> = self
            .uses_of(name)
            .into_iter()
            .map(|u| self.order_use(outer(u)))
            .collect();
        !uses.contains(&Some(false)) && uses.contains(&Some(true))
    }

    /// How a listing is used: `Some(true)` when its order counts, `Some(false)` when it is
    /// sorted, `None` otherwise.
    fn order_use(&self, n: Node<'_>) -> Option<bool> {
        let p = n.parent()?;
        match p.kind() {
            "member_expression" => match self.text(p.child_by_field_name("property")?) {
                "sort" | "toSorted" => Some(false),
                "join" => Some(true),
                _ => None,
            },
            "subscript_expression" | "return_statement" => Some(true),
            "arrow_function" => (p.child_by_field_name("body") == Some(n)).then_some(true),
            "arguments" => {
                let call = p.parent()?;
                let q = self.info.q(call.child_by_field_name("function")?);
                if names_any(&[".sort", ".sortBy", ".sorted", ".orderBy"], &q) {
                    Some(false)
                } else if self.is_assertion(call) || q == "JSON.stringify" {
                    Some(true)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn operator(&self, node: Node<'_>) -> &'s str {
        node.child_by_field_name("operator")
            .map_or("", |o| self.text(o))
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers on nodes and names.

/// Whether a callee starts a server: `listen`, `createServer`, `startHTTPServer`, `withServer`.
fn serves(q: &str) -> bool {
    let last = q.rsplit('.').next().unwrap_or_default();
    let lower = last.to_ascii_lowercase();
    last == "listen"
        || lower.contains("server")
            && ["create", "start", "with", "setup", "run"]
                .iter()
                .any(|p| lower.starts_with(p))
}

/// Whether a qualified callee matches a pattern: exactly, or by its last parts for `.name`;
/// `fs.writeFile[Sync]` with or without `Sync` (Node's file system calls come in pairs).
fn names(pattern: &str, q: &str) -> bool {
    if let Some(base) = pattern.strip_suffix("[Sync]") {
        return names(base, q) || q.strip_suffix("Sync").is_some_and(|b| names(base, b));
    }
    match pattern.strip_prefix('.') {
        Some(tail) => q == tail || q.ends_with(pattern),
        None => q == pattern,
    }
}

fn names_any(patterns: &[&str], q: &str) -> bool {
    patterns.iter().any(|p| names(p, q))
}

/// A module specifier as the rules name it: no `node:` prefix; the promise and extra flavours
/// of `fs` are `fs`.
fn module_name(spec: &str) -> String {
    let s = spec.strip_prefix("node:").unwrap_or(spec);
    match s {
        "fs/promises" | "fs-extra" | "graceful-fs" => "fs",
        "dns/promises" => "dns",
        "assert/strict" => "assert",
        other => other,
    }
    .to_owned()
}

fn is_global_object(name: &str) -> bool {
    matches!(name, "global" | "globalThis" | "window")
}

fn is_function(kind: &str) -> bool {
    FUNCTIONS.contains(&kind)
}

fn is_async(func: Node<'_>) -> bool {
    let mut cursor = func.walk();
    is_function(func.kind()) && func.children(&mut cursor).any(|c| c.kind() == "async")
}

/// A qualified name without the global object it is read through (`globalThis.fetch` is `fetch`).
fn without_global(q: String) -> String {
    match q.split_once('.') {
        Some((global, rest)) if is_global_object(global) => rest.to_owned(),
        _ => q,
    }
}

/// Looks through parentheses and TypeScript's `x!`, `x as T`, `x satisfies T`, `<T>x`.
fn unwrap(mut node: Node<'_>) -> Node<'_> {
    while matches!(
        node.kind(),
        "parenthesized_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "type_assertion"
    ) {
        match syntax::named_children(node)
            .into_iter()
            .find(|c| !c.kind().contains("type"))
        {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// Climbs from a value through `await`, parentheses and `!` to the expression that uses it.
fn outer(node: Node<'_>) -> Node<'_> {
    ancestors(node)
        .take_while(|p| {
            matches!(
                p.kind(),
                "await_expression"
                    | "parenthesized_expression"
                    | "non_null_expression"
                    | "as_expression"
            )
        })
        .last()
        .unwrap_or(node)
}

/// The nodes of a chain from `node` down to where it starts, through nodes of the `through`
/// kinds (the object of a member or subscript, the callee of a call): `expect(x).not`,
/// `expect(x)`, `expect`.
fn chain<'t>(node: Node<'t>, through: &'static [&str]) -> impl Iterator<Item = Node<'t>> {
    std::iter::successors(Some(unwrap(node)), move |n| {
        let field = match n.kind() {
            "call_expression" => "function",
            _ => "object",
        };
        through.contains(&n.kind()).then_some(())?;
        n.child_by_field_name(field).map(unwrap)
    })
}

/// The variable at the root of `a.b[c].d` (not through calls: `f().push` changes no variable).
fn root_identifier(node: Node<'_>) -> Option<Node<'_>> {
    let root = chain(node, &["member_expression", "subscript_expression"]).last();
    root.filter(|n| n.kind() == "identifier")
}

/// The name a call chain starts from: `expect` in `expect(x).not.toBe(y)`.
fn callee_root(node: Node<'_>) -> Option<Node<'_>> {
    let root = chain(node, CALL_CHAIN).last();
    root.filter(|n| n.kind() == "identifier")
}

/// The kinds of a chain of calls and members.
const CALL_CHAIN: &[&str] = &["member_expression", "call_expression"];

/// The nodes of a function's (or the program's) own scope: nested functions are included,
/// for their names, but not entered.
fn scope_nodes(scope: Node<'_>) -> Vec<Node<'_>> {
    syntax::descendants_entering(scope, |n| !is_function(n.kind()))
}

/// The statements of a loop, and the kinds of function (a callback defined in a loop does not
/// run in it).
const LOOPS: &[&str] = &[
    "for_statement",
    "for_in_statement",
    "while_statement",
    "do_statement",
];
const FUNCTIONS: &[&str] = &[
    "arrow_function",
    "function_expression",
    "function",
    "generator_function",
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
];

/// The functions of the platform's entropy sources, as a fake of one is named.
const ENTROPY_SOURCES: [&str; 6] = [
    "getRandomValues",
    "randomBytes",
    "randomFill",
    "randomFillSync",
    "randomInt",
    "randomUUID",
];

/// The nodes above one up to the function around it (not included).
fn ancestors_in_function(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    ancestors(node).take_while(|p| !is_function(p.kind()))
}

/// The first parameter of a function: `done` in `(done) => ...`, `x` in `(x: number) => ...`.
fn first_parameter(func: Node<'_>) -> Option<Node<'_>> {
    func.child_by_field_name("parameter").or_else(|| {
        let first = func.child_by_field_name("parameters")?.named_child(0)?;
        Some(first.child_by_field_name("pattern").unwrap_or(first))
    })
}

/// The call (or `new`) a node is an argument of.
fn call_of_argument(node: Node<'_>) -> Option<Node<'_>> {
    node.parent().filter(|a| a.kind() == "arguments")?.parent()
}

fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node).find(|p| is_function(p.kind()))
}

/// Whether a member or subscript is assigned to, updated or deleted (not read).
fn is_write_target(node: Node<'_>) -> bool {
    node.parent().is_some_and(|p| match p.kind() {
        "assignment_expression" | "augmented_assignment_expression" => {
            p.child_by_field_name("left") == Some(node)
        }
        "update_expression" | "unary_expression" => p.child_by_field_name("argument") == Some(node),
        _ => false,
    })
}

/// Whether an identifier is the name being declared (not a use).
fn is_declared_name(node: Node<'_>) -> bool {
    node.parent().is_some_and(|p| {
        matches!(
            p.kind(),
            "variable_declarator"
                | "function_declaration"
                | "class_declaration"
                | "method_definition"
        ) && p.child_by_field_name("name") == Some(node)
    })
}

/// The arguments of a call or `new` (a tagged template is its one argument).
fn arguments(call: Node<'_>) -> Vec<Node<'_>> {
    match call.child_by_field_name("arguments") {
        Some(a) if a.kind() == "arguments" => syntax::named_children(a)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .collect(),
        Some(a) => vec![a],
        None => Vec::new(),
    }
}

fn strip_quotes(text: &str) -> &str {
    let mut chars = text.chars();
    match (chars.next(), chars.next_back()) {
        (Some(a), Some(b)) if a == b && matches!(a, '\'' | '"' | '`') => chars.as_str(),
        _ => text,
    }
}

/// Resolves the escapes of a string literal that titles use (`\'`, `\n`, ...).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The host of a URL (or bare host) whose literal start is known, `None` for this machine;
/// `complete` says whether the literal is all of it.
fn host_in((prefix, complete): &(String, bool)) -> Option<Peer> {
    // A path or a relative URL (`''`, `/api`, `./x`) is not a request to another machine.
    if *complete && prefix.is_empty() || prefix.starts_with('/') || prefix.starts_with('.') {
        return None;
    }
    let rest = match prefix.split_once(':') {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("file") => return None,
        Some((scheme, rest))
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            rest.trim_start_matches('/')
        }
        // `'users/1'` with a base URL: a path. `'example.com/x'`: a host.
        _ if !prefix
            .split('/')
            .next()
            .is_some_and(|h| h.contains('.') || h == "localhost") =>
        {
            return None;
        }
        _ => prefix.as_str(),
    };
    let (host, ended) = shared::host_of(rest);
    match host {
        _ if host.is_empty() || !ended && !*complete => Some(Peer::Unknown),
        _ if is_local_host(host) => None,
        _ => Some(Peer::Remote(host.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scan::join;
    use crate::scan::shared::{assert_example_causes, unit_rows};
    use crate::scan::syntax::Unit;

    #[test]
    fn test_files_follow_the_frameworks_conventions() {
        for (rel, test) in [
            ("checkout.test.js", true),
            ("src/checkout.spec.ts", true),
            ("web/Clock.test.tsx", true),
            ("a.b.test.mjs", true),
            ("__tests__/checkout.js", true),
            ("test/queue.js", true),
            ("packages/x/tests/helpers/db.cts", true),
            ("src/checkout.js", false),
            ("test.js", false),
            ("src/testing.js", false),
            ("latest/x.js", false),
            ("src/spec.ts", false),
            ("contest/a.js", false),
        ] {
            assert_eq!(is_test_file(rel), test, "{rel}");
        }
    }

    /// The units of one file, as the analysis records them.
    fn units_of(rel: &str, src: &str) -> Vec<Unit> {
        crate::scan::facts_of(rel, src).units
    }

    #[test]
    fn tests_are_named_as_the_frameworks_report_them() {
        let src = r#"
describe('checkout', () => {
  test('charges the card', () => {});
  describe.each([[1]])('with %i item', (n) => {
    it.only(`keeps ${n}`, () => {});
  });
  test.each([[1, 2]])('adds %i', (a) => {});
  test.concurrent.skip("it's \"quoted\"", async () => {});
  it.todo('later');
  beforeEach(() => {});
});
test(name, () => {});
"#;
        let expected = [
            "Test [checkout] charges the card (test code) calls []",
            "Test [checkout::with %i item] keeps ${n} (test code) calls []",
            "Test [checkout] adds %i (test code) calls []",
            "Test [checkout] it's \"quoted\" (test code) calls []",
            "Test [checkout] later (test code) calls []",
            "Hook [checkout] beforeEach (test code) calls []",
        ];
        assert_eq!(unit_rows("__tests__/checkout.test.ts", src), expected);
        // The ids jest/vitest, mocha and node:test report name these units.
        let ids = [
            (
                "__tests__/checkout.test.ts::checkout > charges the card",
                "__tests__/checkout.test.ts",
                src,
            ),
            (
                "test/queue.test.js::queue starts empty",
                "test/queue.test.js",
                "describe('queue', function () { it('starts empty', function () {}); });",
            ),
            (
                "registry > starts empty",
                "test/registry.test.js",
                "const { describe, test } = require('node:test');\ndescribe('registry', () => { test('starts empty', () => {}); });",
            ),
        ];
        for (id, file, src) in ids {
            let units = units_of(file, src);
            let u = units.iter().find(|u| u.kind == UnitKind::Test);
            let u = u.expect("a test");
            assert!(join::matches(id, file, &u.parents, &u.name), "{id}");
        }
    }

    #[test]
    fn helpers_and_calls_are_recorded() {
        let src = r#"
const demo = require('../lib/demo');
const { charge } = require('../src/gateway');
const { exec } = require('child_process');
function setup() { demo.register('a'); charge(1); exec('ls'); other.method(); }
const teardown = async () => { this.clear(); };
class Store { save() { this.flush(); } }
module.exports = { run() {}, stop: () => {} };
exports.start = function () {};
"#;
        let expected = [
            "Helper [] setup (code) calls [register, charge]",
            "Helper [] teardown (code) calls [clear]",
            "Helper [Store] save (code) calls [flush]",
            "Helper [] run (code) calls []",
            "Helper [] stop (code) calls []",
            "Helper [] start (code) calls []",
        ];
        assert_eq!(unit_rows("src/app.js", src), expected);
    }

    #[test]
    fn fixtures_snapshot() {
        insta::assert_snapshot!(crate::scan::snapshot_of(Path::new(
            "tests/fixtures/scan/javascript"
        )));
    }

    /// An example project, its flaky tests with the category of their cause, its other tests.
    /// The bundled examples: each flaky test's cause is found, no stable test has a high one.
    #[test]
    fn examples_flaky_tests_have_their_causes() {
        assert_example_causes(
            "examples/jest",
            &[
                (
                    "__tests__/checkout.test.js::checkout > charges the card",
                    "random",
                ),
                (
                    "__tests__/prices.test.js::prices > formats prices in euros by default",
                    "global-state",
                ),
            ],
            &[
                "__tests__/prices.test.js::prices > adds up line items",
                "__tests__/prices.test.js::prices > an empty cart costs nothing",
                "__tests__/prices.test.js::prices > switches the currency",
                "__tests__/checkout.test.js::checkout > rounds totals to cents",
                "__tests__/checkout.test.js::checkout > applies a 10% discount",
            ],
            &[],
        );
        assert_example_causes(
            "examples/vitest",
            &[
                (
                    "test/sync.test.js::sync > syncs with the warehouse",
                    "random",
                ),
                (
                    "test/inventory.test.js::inventory > starts with three apples",
                    "global-state",
                ),
            ],
            &[
                "test/inventory.test.js::inventory > knows unknown items are out of stock",
                "test/inventory.test.js::inventory > refuses to reserve more than it has",
                "test/inventory.test.js::inventory > restocks apples",
                "test/sync.test.js::sync > one page holds ten items",
                "test/sync.test.js::sync > twenty items fill exactly two pages",
            ],
            &[],
        );
        assert_example_causes(
            "examples/mocha",
            &[
                (
                    "test/mailer.test.js::mailer delivers the welcome mail",
                    "random",
                ),
                ("test/queue.test.js::queue starts empty", "global-state"),
            ],
            &[
                "test/mailer.test.js::mailer puts the name in the subject",
                "test/mailer.test.js::mailer greets the user by name",
                "test/queue.test.js::queue counts from zero",
                "test/queue.test.js::queue accepts a job",
            ],
            &[],
        );
        assert_example_causes(
            "examples/node-test",
            &[
                ("seeded flaky", "random"),
                ("lookup starts empty", "global-state"),
            ],
            &[
                "add",
                "slug > lowercases",
                "slug > collapses spaces",
                "register item",
            ],
            &["mean always fails"],
        );
    }
}
