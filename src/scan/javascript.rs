//! JavaScript and TypeScript smell rules: tree-sitter-javascript reads .js/.mjs/.cjs/.jsx and
//! tree-sitter-typescript .ts/.mts/.cts/.tsx; every node kind read here is the same in both
//! (TypeScript only adds type nodes, which are looked through).
//!
//! Tests are `test`/`it` calls (and their `.only`/`.skip`/`.each(...)(...)` forms) titled by a
//! literal, inside `describe`/`suite`/`context` calls: the ids jest, vitest, mocha and node:test
//! report. Callees are read through the file's imports (`exec` of `require('child_process')` is
//! `child_process.exec`), and one table of qualified names lists the smells.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::rc::Rc;

use tree_sitter::{Node, Tree};

use super::Category;
use super::facts::{
    Amount, ElapsedBound, Fact, Listen, PathWrite, Peer, Place, Process, ProcessChange,
    ProcessState, Request, Restore, Seed, SeedSource, SeedUse, Sleep,
};
use super::rules::{self, Lang, Variant};
use super::shared::{
    self, Touch, TouchKind, bounds_from_above, is_constant_name, is_local_host, is_seed_variable,
};
use super::syntax::{self, FileCtx, UnitKind, ancestors};
use crate::analysis::Severity;
use crate::render::quote_code;

mod asynchrony;
mod calls;
mod file;
mod frameworks;
mod state;
mod system;
mod timing;
mod values;

use calls::{CALLS, Check};
use file::FileInfo;

/// Whether a file is a test: *.test.*, *.spec.*, or any file under __tests__/, test/ or tests/.
pub(super) fn is_test_file(rel: &str) -> bool {
    let (dirs, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let test_dir = |d: &str| matches!(d, "__tests__" | "test" | "tests");
    [".test.", ".spec."].iter().any(|m| name.contains(m)) || dirs.split('/').any(test_dir)
}

/// Finds the units and smells of one file.
pub(super) fn analyze(tree: &Tree, cx: &mut FileCtx<'_>) {
    // Declarations and vitest's type tests (`*.test-d.ts`) are checked by tsc, never run.
    let name = cx.path.rsplit('/').next().unwrap_or_default();
    let declaration = [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| name.ends_with(e));
    if declaration || [".test-d.", ".spec-d."].iter().any(|m| name.contains(m)) {
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

/// Calls whose first argument names a module the file replaces (`jest.mock('axios')`).
const MODULE_MOCKS: [&str; 6] = [
    "jest.mock",
    "jest.doMock",
    "jest.unstable_mockModule",
    "vi.mock",
    "vi.doMock",
    "*.mock.module",
];
/// Calls that replace one property (`jest.spyOn(cp, 'exec')`, `vi.stubGlobal('fetch', f)`).
const STUBS: [&str; 6] = [
    "*.spyOn",
    "*.stub",
    "*.replace",
    "*.replaceProperty",
    "*.stubGlobal",
    "*.mock.method",
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
    "*.setGlobalDispatcher",
    "jasmine.Ajax.install",
    "moxios.install",
    "*.useFakeXMLHttpRequest",
    "*.fakeServer.create",
];
/// Libraries that replace the file system.
const FS_MOCKERS: [&str; 2] = ["mock-fs", "memfs"];
/// Calls that make the clock fake.
const FAKE_CLOCKS: [&str; 9] = [
    "jasmine.clock",
    "*.useFakeTimers",
    "*.setSystemTime",
    "@sinonjs/fake-timers.install",
    "@sinonjs/fake-timers.withGlobal",
    "mockdate.set",
    "timekeeper.freeze",
    "timekeeper.travel",
    "*.timers.enable",
];
/// Calls that make a temporary directory.
const TEMP_DIRS: [&str; 5] = [
    "*.tmpdir",
    "*.mkdtemp[Sync]",
    "tmp.dir[Sync]",
    "tmp-promise.dir",
    "*.temporaryDirectory",
];
/// Paths that are the temporary directory already (or a device).
const TEMP_PATHS: [&str; 3] = ["/tmp/", "/var/tmp/", "/dev/"];
/// Calls that read a clock (for durations and seeds).
const CLOCKS: [&str; 4] = ["*.now", "new Date", "process.hrtime", "*.getTime"];
/// Calls that draw entropy (for seeds), and the platform's entropy sources a fake may be named as.
const ENTROPY: [&str; 6] = [
    "Math.random",
    "*.getRandomValues",
    "*.randomBytes",
    "*.randomFill[Sync]",
    "*.randomInt",
    "*.randomUUID",
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
    /// Module level, a `describe` body (run at collection), or a callback outside any unit.
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
    let children = syntax::named_children(node).into_iter();
    next.extend(children.map(|child| (child, Rc::clone(ctx))));
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

/// What a function (or the program) declares, nested blocks included, nested functions not: its
/// names (parameters, variables, functions) and its variables' initial values.
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
            "call_expression" | "new_expression" => {
                if self.cx.test_file
                    && let Some(fw) = self.framework(node)
                    && self.enter_framework(node, fw, ctx, next)
                {
                    return;
                }
                self.call(node, ctx);
            }
            "assignment_expression"
            | "augmented_assignment_expression"
            | "update_expression"
            | "unary_expression" => self.write(node, ctx),
            "member_expression" | "subscript_expression" => self.env_read(node, ctx),
            "identifier" | "shorthand_property_identifier" => self.read(node, ctx),
            "binary_expression" => self.comparison(node, ctx),
            "expression_statement" => self.statement(node, ctx),
            "class_declaration" | "class" | "abstract_class_declaration" => {
                let name = node.child_by_field_name("name");
                let class = name.map(|n| self.text(n).to_owned());
                let inner = Rc::new(Ctx {
                    class,
                    ..Ctx::clone(ctx)
                });
                return visit_children(node, &inner, next);
            }
            _ => {}
        }
        // A function named inside a test or hook is part of it, not a helper of its own.
        let in_unit = matches!(ctx.role, Role::Test | Role::Hook(_));
        if let Some((name, func)) = self.helper(node).filter(|_| !in_unit) {
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

    /// Reports at a node that its code does what `says` says.
    fn says(&mut self, node: Node<'_>, unit: Option<usize>, rule: Variant, says: impl Display) {
        let smell = rule.says(&self.shown(node), says);
        self.cx.report(node, smell, unit, self.cx.test_file);
    }

    /// A fact, for the shared rules to judge.
    fn judge(&mut self, node: Node<'_>, fact: Fact, unit: Option<usize>) {
        self.cx.judge(node, &fact, Lang::JavaScript, unit);
    }

    /// A node's code, as messages quote it.
    fn shown(&self, node: Node<'_>) -> String {
        shared::shown(self.info.src, node)
    }

    /// The method a call calls: `push` in `(items).push(x)`.
    fn method_name(&self, call: Node<'_>) -> Option<&'s str> {
        let f = unwrap(call.child_by_field_name("function")?);
        (f.kind() == "member_expression")
            .then(|| f.child_by_field_name("property").map(|p| self.text(p)))?
    }

    fn operator(&self, node: Node<'_>) -> &'s str {
        node.child_by_field_name("operator")
            .map_or("", |o| self.text(o))
    }
}

/// Whether a callee starts a server: `listen`, `createServer`, `startHTTPServer`, `withServer`.
fn serves(q: &str) -> bool {
    let last = q.rsplit('.').next().unwrap_or_default();
    let lower = last.to_ascii_lowercase();
    let verbs = ["create", "start", "with", "setup", "run"];
    last == "listen" || lower.contains("server") && verbs.iter().any(|v| lower.starts_with(v))
}

/// Whether a qualified callee matches a pattern: exactly, or by its last parts for `*.name`;
/// `fs.writeFile[Sync]` with or without `Sync` (Node's file system calls come in pairs);
/// `fs.rm*` any function so named, not a member of one (`fs.rm.restore()`, a stub's).
fn names(pattern: &str, q: &str) -> bool {
    if let Some(base) = pattern.strip_suffix("[Sync]") {
        return names(base, q) || q.strip_suffix("Sync").is_some_and(|b| names(base, b));
    }
    match pattern.strip_suffix('*') {
        Some(start) => q.strip_prefix(start).is_some_and(|r| !r.contains('.')),
        None => shared::name_matches(pattern, q),
    }
}

fn names_any(patterns: &[&str], q: &str) -> bool {
    patterns.iter().any(|p| names(p, q))
}

/// A module specifier as the rules name it: no `node:`; `fs`'s promise and extra flavours are `fs`.
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
        let children = syntax::named_children(node);
        match children.into_iter().find(|c| !c.kind().contains("type")) {
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

/// The nodes of a chain from `node` down to its start, through the `through` kinds (a member's
/// or subscript's object, a call's callee): `expect(x).not`, `expect(x)`, `expect`.
fn chain<'t>(node: Node<'t>, through: &'static [&str]) -> impl Iterator<Item = Node<'t>> {
    std::iter::successors(Some(unwrap(node)), move |n| {
        let field = match n.kind() {
            "call_expression" => "function",
            _ => "object",
        };
        if !through.contains(&n.kind()) {
            return None;
        }
        n.child_by_field_name(field).map(unwrap)
    })
}

/// The variable at the root of `a.b[c].d` (not through calls: `f().push` changes no variable).
fn root_identifier(node: Node<'_>) -> Option<Node<'_>> {
    let root = chain(node, &["member_expression", "subscript_expression"]).last();
    root.filter(|n| n.kind() == "identifier")
}

/// The kinds of a chain of calls and members.
const CALL_CHAIN: &[&str] = &["member_expression", "call_expression"];

/// The kinds of loops, and of functions (a callback defined in a loop does not run in it).
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scan::join;
    use crate::scan::shared::{assert_example_causes, unit_rows};

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
            let units = crate::scan::facts_of(file, src).units;
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

    /// The bundled examples: each flaky test's cause is found (its random one, then its
    /// global-state one), no stable test has a high one, the failing ones have none.
    #[test]
    fn examples_flaky_tests_have_their_causes() {
        let examples: [(_, _, _, &[&str], &[&str]); 4] = [
            (
                "examples/jest",
                "__tests__/checkout.test.js::checkout > charges the card",
                "__tests__/prices.test.js::prices > formats prices in euros by default",
                &[
                    "__tests__/prices.test.js::prices > adds up line items",
                    "__tests__/prices.test.js::prices > an empty cart costs nothing",
                    "__tests__/prices.test.js::prices > switches the currency",
                    "__tests__/checkout.test.js::checkout > rounds totals to cents",
                    "__tests__/checkout.test.js::checkout > applies a 10% discount",
                ],
                &[],
            ),
            (
                "examples/vitest",
                "test/sync.test.js::sync > syncs with the warehouse",
                "test/inventory.test.js::inventory > starts with three apples",
                &[
                    "test/inventory.test.js::inventory > knows unknown items are out of stock",
                    "test/inventory.test.js::inventory > refuses to reserve more than it has",
                    "test/inventory.test.js::inventory > restocks apples",
                    "test/sync.test.js::sync > one page holds ten items",
                    "test/sync.test.js::sync > twenty items fill exactly two pages",
                ],
                &[],
            ),
            (
                "examples/mocha",
                "test/mailer.test.js::mailer delivers the welcome mail",
                "test/queue.test.js::queue starts empty",
                &[
                    "test/mailer.test.js::mailer puts the name in the subject",
                    "test/mailer.test.js::mailer greets the user by name",
                    "test/queue.test.js::queue counts from zero",
                    "test/queue.test.js::queue accepts a job",
                ],
                &[],
            ),
            (
                "examples/node-test",
                "seeded flaky",
                "lookup starts empty",
                &[
                    "add",
                    "slug > lowercases",
                    "slug > collapses spaces",
                    "register item",
                ],
                &["mean always fails"],
            ),
        ];
        for (dir, random, global, stable, failing) in examples {
            let flaky = [(random, "random"), (global, "global-state")];
            assert_example_causes(dir, &flaky, stable, failing);
        }
    }
}
