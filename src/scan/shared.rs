//! What the languages' analyses share: the run's seed variables, local hosts, timing
//! comparisons, the polluter/victim analysis of state shared by all tests, and the [`Visitor`]
//! that Go's and Rust's hand-written visitors of the same design are both built on.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::facts::{
    Access, Amount, ClockRead, ElapsedBound, Fact, Listen, PathWrite, Peer, Place, Process,
    ProcessChange, ProcessState, Random, Request, Restore, Seed, SeedSource, SeedUse, SharedState,
    Sleep, Unjoined, Unseeded,
};
use super::rules::{self, Lang};
use super::syntax::{self, FileCtx, Smell, Unit, UnitKind, lines, named_children};
use crate::exec::seed::{ATTEMPT_VARIABLES, SEED_VARIABLES};

/// How many variables a seed is followed through (`s := os.Getenv(..)`, `n := Atoi(s)`, ...).
pub(super) const SEED_HOPS: usize = 3;

/// Whether a variable is one through which flaky gives each attempt its seed or index.
pub(super) fn is_seed_variable(name: &str) -> bool {
    SEED_VARIABLES.contains(&name) || ATTEMPT_VARIABLES.contains(&name)
}

/// The host of a URL or `host:port` ("" when it names none), and whether the text goes on
/// after it (a port, a path, ...): only then does a literal that starts a URL hold all its host.
pub(super) fn host_of(address: &str) -> (&str, bool) {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, ended) = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or((v6, false), |(h, _)| (h, true)),
        None => host_port
            .split_once(':')
            .map_or((host_port, false), |(h, _)| (h, true)),
    };
    (host, ended || end < rest.len())
}

/// `TIMEOUT`, `Config.DELAY`: upper-case names are constants.
pub(super) fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| matches!(c, 'A'..='Z' | '0'..='9' | '_'))
}

/// Whether a name matches a pattern of a call table: `Dial*` any name that starts so (`fastrand::*`
/// any function of the crate), `*::sleep` (`*.sleep`) any path that ends so or is the rest
/// (`sleep`), else the name itself.
pub(super) fn name_matches(pattern: &str, name: &str) -> bool {
    if let Some(start) = pattern.strip_suffix('*') {
        name.starts_with(start)
    } else if let Some(end) = pattern.strip_prefix('*') {
        name.ends_with(end) || name == end.trim_start_matches([':', '.'])
    } else {
        name == pattern
    }
}

/// Whether a URL or `host:port` names this machine.
pub(super) fn is_local_host(address: &str) -> bool {
    let (host, _) = host_of(address);
    // `testserver`: the host of the in-process test clients of Starlette, FastAPI and Django.
    matches!(
        host,
        "" | "localhost" | "localhost.localdomain" | "testserver" | "::1" | "0.0.0.0"
    ) || host.ends_with(".localhost")
        || host.starts_with("127.")
}

/// Whether a comparison bounds an elapsed time from above (`elapsed < max` asserted, a test
/// failing on `elapsed > max`), which a loaded machine breaks; lower bounds (`elapsed >= d`) hold.
pub(super) fn bounds_from_above(op: &str, elapsed_on_left: bool, fails_when_true: bool) -> bool {
    let says_small = matches!(
        (op, elapsed_on_left),
        ("<" | "<=", true) | (">" | ">=", false)
    );
    matches!(op, "<" | "<=" | ">" | ">=") && says_small != fails_when_true
}

/// Whether an expression is (part of a `&&`/`||` of) the condition of an `if` (`if_kind`).
pub(super) fn is_if_condition(node: Node<'_>, if_kind: &str) -> bool {
    let mut at = node;
    while let Some(parent) = at.parent() {
        let operator = parent.child_by_field_name("operator").map(|o| o.kind());
        match (parent.kind(), operator) {
            ("parenthesized_expression", _) | ("binary_expression", Some("&&" | "||")) => {
                at = parent
            }
            (kind, _) => {
                return kind == if_kind && parent.child_by_field_name("condition") == Some(at);
            }
        }
    }
    false
}

/// The longest code a message quotes whole, in characters.
const MAX_QUOTE: usize = 60;

/// A piece of code on one line, cut to a length that fits a message.
pub(super) fn short(code: &str) -> String {
    let flat = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = flat.chars().take(MAX_QUOTE).collect();
    if cut.len() < flat.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// A node's code for a message, on one line: itself when it fits, else cut at its structure, so
/// that a long call reads `fastify.inject(...).catch(...)` and a goroutine `go func() {...}()`
/// rather than their first arguments or statements cut mid-way: a call as its callee and `(...)`
/// (`()` with no arguments), `go` and its call, a function literal as its head and `{...}`, a
/// member as its object's code and the member; anything else is cut by [`short`].
pub(super) fn shown(src: &str, node: Node<'_>) -> String {
    shown_within(src, node, 8)
}

/// [`shown`], `depth` calls and members down a chain at most.
fn shown_within(src: &str, node: Node<'_>, depth: usize) -> String {
    let text = |range: std::ops::Range<usize>| src.get(range).unwrap_or_default();
    let flat = short(text(node.byte_range()));
    if flat.chars().count() <= MAX_QUOTE || depth == 0 {
        return flat;
    }
    let arguments = node.child_by_field_name("arguments");
    let no_args = arguments.is_some_and(|a| a.named_child_count() == 0);
    let args = if no_args { "()" } else { "(...)" };
    let (before, inner, after) = match node.kind() {
        "call_expression" | "call" => ("", node.child_by_field_name("function"), args),
        "new_expression" => ("new ", node.child_by_field_name("constructor"), args),
        "go_statement" => ("go ", node.named_child(0), ""),
        _ => ("", None, ""),
    };
    if let Some(inner) = inner {
        return format!("{before}{}{after}", shown_within(src, inner, depth - 1));
    }
    let function = matches!(
        node.kind(),
        "func_literal" | "closure_expression" | "arrow_function" | "function_expression" | "lambda"
    );
    if let Some(body) = node.child_by_field_name("body").filter(|_| function) {
        let head = short(text(node.start_byte()..body.start_byte()));
        let braced = text(body.byte_range()).starts_with('{');
        return format!("{head} {}", if braced { "{...}" } else { "..." });
    }
    let member = matches!(
        node.kind(),
        "member_expression" | "attribute" | "selector_expression" | "field_expression"
    );
    match node.named_child(0) {
        Some(object) if member => {
            let rest: String = text(object.end_byte()..node.end_byte())
                .split_whitespace()
                .collect();
            format!("{}{rest}", shown_within(src, object, depth - 1))
        }
        _ => flat,
    }
}

/// The arguments of a call (Go's `argument_list`, Rust's `arguments`).
pub(super) fn args(call: Node<'_>) -> Vec<Node<'_>> {
    call.child_by_field_name("arguments")
        .map(named_children)
        .unwrap_or_default()
}

/// The port of a `"host:port"` string literal (Go's may be a raw one, in backquotes).
pub(super) fn literal_port(literal: &str) -> Option<u16> {
    let text = literal.strip_prefix(['"', '`'])?.strip_suffix(['"', '`'])?;
    text.rsplit_once(':')?.1.parse().ok()
}

/// Whether a node is `name.member` (Go's `selector_expression`, Python's `attribute`).
pub(super) fn is_member_of(cx: &FileCtx<'_>, node: Node<'_>, name: &str, member: &str) -> bool {
    let (object, field) = match node.kind() {
        "selector_expression" => ("operand", "field"),
        "attribute" => ("object", "attribute"),
        _ => return false,
    };
    let is = |f, text: &str| node.child_by_field_name(f).map(|n| cx.text(n)) == Some(text);
    is(object, name) && is(field, member)
}

/// Names in the order first seen, each once: a unit's calls.
pub(super) fn first_each(names: impl IntoIterator<Item = String>) -> Vec<String> {
    // A unit calls a few dozen names: a scan of the list beats hashing a copy of each.
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Records a function as a unit with nothing faked: Go's and Rust's fakes are servers and values
/// passed in, not patches of what is called (JavaScript and Python set theirs on the unit after).
pub(super) fn record_unit(
    cx: &mut FileCtx<'_>,
    node: Node<'_>,
    name: &str,
    parents: Vec<String>,
    kind: UnitKind,
    test_code: bool,
    calls: Vec<String>,
) -> usize {
    let (start_line, end_line) = lines(node);
    cx.unit(Unit {
        name: name.to_owned(),
        parents,
        kind,
        test_code,
        start_line,
        end_line,
        calls,
        fakes: Vec::new(),
    })
}

/// Go's and Rust's view of one function (or of Go's package-level declarations): what their
/// hand-written visitors share, each implementing what differs (node kinds, name resolution).
pub(super) trait Visitor<'s, 't> {
    /// The language whose rules judge the facts.
    const LANG: Lang;
    /// The node kinds of a loop.
    const LOOPS: &'static [&'static str];
    /// The node kind of an `if`, whose condition fails a test when it holds.
    const IF: &'static str;

    fn cx(&self) -> &FileCtx<'s>;
    /// The function's body; None for Go's package-level declarations.
    fn body(&self) -> Option<Node<'t>>;
    fn test_code(&self) -> bool;
    /// Whether a name, selector or call (not a literal, nor arithmetic) is a constant: a
    /// `const`, a `time` unit, a `Duration` made of constants.
    fn is_constant_leaf(&self, node: Node<'t>) -> bool;
    /// Whether an expression is a measured duration, or a variable holding one.
    fn is_elapsed(&self, node: Node<'t>) -> bool;
    /// The content of a string literal.
    fn string_value(&self, node: Node<'_>) -> Option<&'s str>;
    /// Where the value of a seed variable read decides something (a condition, a comparison,
    /// ...), following the variables it is bound to up to [`SEED_HOPS`]; not where it only
    /// seeds, prints or is checked for presence.
    fn seed_use(&self, value: Node<'t>, hops: usize) -> Option<Node<'t>>;

    fn text(&self, node: Node<'_>) -> &'s str {
        self.cx().text(node)
    }

    /// A node's code on one line, for messages.
    fn short(&self, node: Node<'_>) -> String {
        shown(self.cx().src, node)
    }

    fn judge(&self, fact: Fact) -> Option<Smell> {
        rules::judge(&fact, Self::LANG)
    }

    /// Every node of the function's body (none at package level).
    fn body_nodes(&self) -> Vec<Node<'t>> {
        self.body().map(syntax::descendants).unwrap_or_default()
    }

    /// The function's calls that `is` accepts with the same first argument as `call` (of the
    /// same environment variable, say).
    fn same_key_calls(&self, call: Node<'t>, is: impl Fn(Node<'t>) -> bool) -> Vec<Node<'t>> {
        let key = |c: Node<'t>| args(c).first().map(|k| self.text(*k));
        let nodes = self.body_nodes().into_iter();
        nodes.filter(|n| is(*n) && key(*n) == key(call)).collect()
    }

    /// Whether the function names one of `members` of any value (`cmd.Start`, `.spawn()`).
    fn uses_member(&self, members: &[&str]) -> bool {
        self.body_nodes().iter().any(|n| {
            matches!(n.kind(), "selector_expression" | "field_expression")
                && n.child_by_field_name("field")
                    .is_some_and(|f| members.contains(&self.text(f)))
        })
    }

    /// The ancestors of a node up to (not including) the function body.
    fn ancestors(&self, node: Node<'t>) -> Vec<Node<'t>> {
        if let Some(below) = self.body().and_then(|b| syntax::ancestors_below(b, node)) {
            return below;
        }
        syntax::ancestors(node)
            .take_while(|n| Some(*n) != self.body())
            .collect()
    }

    fn in_loop(&self, node: Node<'t>) -> bool {
        let ancestors = self.ancestors(node);
        ancestors.iter().any(|a| Self::LOOPS.contains(&a.kind()))
    }

    /// The uses of a local name after a node, leaving out Go's assignments to it (`x, err = ...`).
    fn uses_after(&self, name: &str, after: Node<'t>) -> Vec<Node<'t>> {
        let assigned = |p: Node<'t>| {
            p.kind() == "expression_list"
                && p.parent().and_then(|s| s.child_by_field_name("left")) == Some(p)
        };
        self.body_nodes()
            .into_iter()
            .filter(|n| {
                n.kind() == "identifier"
                    && n.start_byte() >= after.end_byte()
                    && self.text(*n) == name
                    && !n.parent().is_some_and(assigned)
            })
            .collect()
    }

    /// Whether an expression is a constant: literals, constants, and their arithmetic.
    fn is_constant(&self, node: Node<'t>) -> bool {
        syntax::all_constant(node, |n, pending| match n.kind() {
            "int_literal" | "integer_literal" | "float_literal" => true,
            "binary_expression" | "parenthesized_expression" => {
                pending.extend(named_children(n));
                true
            }
            "call_expression" => {
                pending.extend(args(n));
                self.is_constant_leaf(n)
            }
            _ => self.is_constant_leaf(n),
        })
    }

    /// A comparison of an elapsed time with a bound.
    fn timing_threshold(&self, node: Node<'t>) -> Option<Smell> {
        let op = self.text(node.child_by_field_name("operator")?);
        let left = self.is_elapsed(node.child_by_field_name("left")?);
        let right = self.is_elapsed(node.child_by_field_name("right")?);
        let upper = bounds_from_above(op, left, is_if_condition(node, Self::IF));
        (left || right).then(|| self.elapsed_bound(node, upper))?
    }

    /// A measured duration compared with a bound, for the shared rule to judge.
    fn elapsed_bound(&self, node: Node<'t>, upper: bool) -> Option<Smell> {
        self.judge(Fact::ElapsedBound(ElapsedBound {
            code: self.short(node),
            upper,
            in_loop: self.in_loop(node),
            test_code: self.test_code(),
        }))
    }

    /// A sleep: its duration, whether in a polling loop, and where it runs: its function (of
    /// `kind`), or a callback (inside a node `callback` accepts: a handler standing for slow work).
    fn sleep(
        &self,
        call: Node<'t>,
        kind: UnitKind,
        callback: impl Fn(&Node<'t>) -> bool,
    ) -> Option<Smell> {
        let duration = *args(call).first()?;
        let place = if self.ancestors(call).iter().any(callback) {
            Place::Callback
        } else {
            Place::of(kind)
        };
        self.judge(Fact::Sleep(Sleep {
            call: self.short(call),
            duration: Amount::of_duration(self.is_constant(duration), self.text(duration)),
            in_loop: self.in_loop(call),
            place,
            faked: false,
        }))
    }

    /// A read of the clock or the time zone, for the shared rules to judge.
    fn clock_read(&self, node: Node<'_>, zone: bool, only_input: bool) -> Option<Smell> {
        self.judge(Fact::ClockRead(ClockRead {
            code: self.short(node),
            zone,
            only_input,
        }))
    }

    /// A draw from a generator nobody seeded.
    fn unseeded_draw(&self, call: Node<'t>) -> Option<Smell> {
        self.judge(Fact::Random(Random {
            call: self.short(call),
            makes: Unseeded::Draw,
        }))
    }

    /// A seed from the clock or a constant one, for the shared rules to judge.
    fn seed(&self, call: Node<'t>, source: SeedSource, place: Place) -> Option<Smell> {
        self.judge(Fact::Seed(Seed {
            call: self.short(call),
            source,
            place,
        }))
    }

    /// A listener at a fixed port, for the shared rule to judge.
    fn listener(&self, node: Node<'t>, port: u16, released: bool) -> Option<Smell> {
        self.judge(Fact::Listen(Listen {
            call: self.short(node),
            port,
            released,
            test_code: self.test_code(),
        }))
    }

    /// A request to a peer, for the shared rule to judge.
    fn request(&self, call: Node<'t>, peer: Peer) -> Option<Smell> {
        let call = self.short(call);
        self.judge(Fact::Request(Request { call, peer }))
    }

    /// A write to a literal path (not a device), for the shared rule to judge.
    fn path_write(&self, call: Node<'t>, path: &str) -> Option<Smell> {
        (!path.starts_with("/dev/")).then_some(())?;
        self.judge(Fact::PathWrite(PathWrite {
            call: self.short(call),
            path: Some(short(path)),
            relative: false,
        }))
    }

    /// A program started; `to_end` when it runs to its end with no deadline (context).
    fn process(&self, call: Node<'t>, to_end: bool) -> Option<Smell> {
        let call = self.short(call);
        self.judge(Fact::Process(Process { call, to_end }))
    }

    /// A change of process state, for the shared rules to judge.
    fn process_change(
        &self,
        call: Node<'t>,
        state: ProcessState,
        restore: Restore,
    ) -> Option<Smell> {
        self.judge(Fact::ProcessChange(ProcessChange {
            code: self.short(call),
            state,
            restore,
        }))
    }

    /// A goroutine, thread or task nobody waits for.
    fn unjoined(&self, node: Node<'t>) -> Option<Smell> {
        let call = self.short(node);
        self.judge(Fact::Unjoined(Unjoined { call }))
    }

    /// A read of an environment variable: `TZ`, and the run's seed used to decide something.
    fn env_read(&self, call: Node<'t>) -> Option<Smell> {
        let key = self.string_value(*args(call).first()?)?;
        if key == "TZ" {
            return self.clock_read(call, true, false);
        }
        if !is_seed_variable(key) {
            return None;
        }
        self.judge(Fact::SeedUse(SeedUse {
            variable: key.to_owned(),
            code: self.short(self.seed_use(call, 0)?),
            decides: true,
        }))
    }
}

/// A name a function declares (a parameter, a variable, a binding of a pattern), with the type
/// and the value its declaration gives it, if any.
pub(super) struct Decl<'t> {
    pub name: String,
    pub ty: Option<Node<'t>>,
    pub value: Option<Node<'t>>,
}

/// The names declared in a function (or at Go's package level), by name: they are looked up
/// for every identifier, and a package can declare thousands. Each name's in source order.
#[derive(Default)]
pub(super) struct Decls<'t>(HashMap<String, Vec<Decl<'t>>>);

impl<'t> Decls<'t> {
    pub(super) fn declares(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub(super) fn of<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Decl<'t>> {
        self.0.get(name).into_iter().flatten()
    }
}

impl<'t> Extend<Decl<'t>> for Decls<'t> {
    fn extend<I: IntoIterator<Item = Decl<'t>>>(&mut self, decls: I) {
        for decl in decls {
            self.0.entry(decl.name.clone()).or_default().push(decl);
        }
    }
}

impl<'t> FromIterator<Decl<'t>> for Decls<'t> {
    fn from_iter<I: IntoIterator<Item = Decl<'t>>>(decls: I) -> Self {
        let mut out = Self::default();
        out.extend(decls);
        out
    }
}

/// A read or change of state shared by all tests of a process (a package-level variable, a
/// static) by a function, or at module level.
pub(super) struct Touch<'t> {
    pub unit: Option<usize>,
    /// The function's name (or the static's, at module level), for messages.
    pub owner: String,
    pub var: String,
    pub node: Node<'t>,
    pub kind: TouchKind,
}

impl<'t> Touch<'t> {
    pub(super) fn new(
        unit: Option<usize>,
        owner: &str,
        var: &str,
        node: Node<'t>,
        kind: TouchKind,
    ) -> Self {
        Self {
            unit,
            owner: owner.to_owned(),
            var: var.to_owned(),
            node,
            kind,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TouchKind {
    Read,
    /// A change that outlives the test.
    Write,
    /// State set up once for all tests (`TestMain`, `sync.Once`, a lazy static, a before-all hook).
    Setup,
    /// A reset before or after every test (JavaScript's `beforeEach`): no test sees what
    /// another left, so the variable exposes nothing.
    Reset,
    /// A test giving the variable its own value (`x = 0`): the test starts from it, so its reads
    /// are not exposed and the assignment is not reported, but the tests after it see it.
    Init,
}

/// The smells of a file's exposures of shared state, with where each is and its unit; one per
/// function and variable: writes of variables another function reads or writes (not a counter
/// only its function uses), reads and setups of variables another function writes, none of
/// variables reset for every test. `state` names a variable for messages ("package-level `x`";
/// in JavaScript, where it lives differs by variable: module level or a `describe`).
pub(super) fn judge_exposures<'t>(
    touches: &[Touch<'t>],
    lang: Lang,
    state: impl Fn(&str) -> String,
) -> Vec<(Node<'t>, Smell, Option<usize>)> {
    let mut seen: HashSet<(Option<usize>, &str)> = HashSet::new();
    let mut out = Vec::new();
    let reset: HashSet<&str> = touches
        .iter()
        .filter(|r| r.kind == TouchKind::Reset)
        .map(|r| r.var.as_str())
        .collect();
    for t in touches.iter().filter(|t| !reset.contains(t.var.as_str())) {
        let writers: Vec<&Touch<'t>> = touches
            .iter()
            .filter(|w| matches!(w.kind, TouchKind::Write | TouchKind::Init) && w.var == t.var)
            .collect();
        let other_writer = writers.iter().find(|w| w.unit != t.unit);
        let other = other_writer.map(|w| w.owner.clone());
        let shared = touches.iter().any(|o| o.var == t.var && o.unit != t.unit);
        let access = match (t.kind, other) {
            (TouchKind::Write, _) if shared => Access::Write,
            (TouchKind::Read, Some(writer)) if writers.iter().all(|w| w.unit != t.unit) => {
                Access::Read { writer }
            }
            (TouchKind::Setup, Some(writer)) => Access::Setup { writer },
            _ => continue,
        };
        if seen.insert((t.unit, &t.var)) {
            let fact = Fact::SharedState(SharedState {
                owner: t.owner.clone(),
                state: state(&t.var),
                access,
            });
            out.extend(rules::judge(&fact, lang).map(|smell| (t.node, smell, t.unit)));
        }
    }
    out
}

/// The units of a source as the scan records them, one line each: kind, parents, name,
/// whether test code, and the calls.
#[cfg(test)]
pub(super) fn unit_rows(rel: &str, src: &str) -> Vec<String> {
    let units = super::facts_of(rel, src).units;
    let row = |u: Unit| {
        let code = if u.test_code { "test code" } else { "code" };
        let (parents, calls, name) = (u.parents.join("::"), u.calls.join(", "), u.name);
        format!("{:?} [{parents}] {name} ({code}) calls [{calls}]", u.kind)
    };
    units.into_iter().map(row).collect()
}

/// Asserts what the scan of an example project finds: the causes of its flaky tests (id,
/// category), no high-severity smell in its stable tests, and none at all in the tests that
/// always fail (a bug, not a smell). Returns the report, for a language's own checks.
#[cfg(test)]
pub(super) fn assert_example_causes(
    dir: &str,
    flaky: &[(&str, &str)],
    stable: &[&str],
    failing: &[&str],
) -> super::ScanReport {
    use super::{ScanOptions, causes_of, scan};
    let report = scan(std::path::Path::new(dir), &ScanOptions::for_causes()).expect("scans");
    for (id, category) in flaky {
        let causes = causes_of(&report, id);
        let found = causes.iter().any(|c| c.category == *category);
        assert!(found, "{id}: {causes:?}");
    }
    for id in stable {
        let high: Vec<_> = causes_of(&report, id)
            .into_iter()
            .filter(|c| c.severity >= crate::analysis::Severity::High)
            .collect();
        assert!(high.is_empty(), "{id}: {high:?}");
    }
    for id in failing {
        assert!(causes_of(&report, id).is_empty(), "{id}");
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How [`shown`] quotes the first call, `go` statement or function literal of `code` (in a
    /// function, in Go and Rust) in the language of `ext`, `LONG` in it being a long string.
    fn shown_in(ext: &str, code: &str) -> String {
        let long = r#""http://example.com/a/very/long/path/that/goes/on/and/on/and/on""#;
        let code = code.replace("LONG", long);
        let src = match ext {
            "go" => format!("package p\nfunc f() {{ {code} }}"),
            "rs" => format!("fn f() {{ {code} }}"),
            _ => code,
        };
        let language = super::super::Language::of_extension(ext).expect("supported");
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).expect("grammar");
        let tree = parser.parse(&src, None).expect("parses");
        let kinds = ["call_expression", "call", "new_expression", "go_statement"];
        let functions = ["arrow_function", "lambda", "closure_expression"];
        let node = syntax::descendants(tree.root_node())
            .into_iter()
            .find(|n| kinds.contains(&n.kind()) || functions.contains(&n.kind()))
            .expect("a node of the kind");
        shown(&src, node)
    }

    #[test]
    fn long_code_is_shown_by_its_head() {
        for (ext, code, expected) in [
            ("py", "time.sleep(1)", "time.sleep(1)"),
            ("py", "requests.get(\n  LONG,\n)", "requests.get(...)"),
            ("py", "f = lambda request: get(LONG)", "lambda request: ..."),
            ("js", "a.inject(LONG).catch(f)", "a.inject(...).catch(...)"),
            (
                "js",
                "fastify.inject({\n url: LONG }).catch(err => { t.error(err) })",
                "fastify.inject(...).catch(...)",
            ),
            ("js", "new Promise((r) => wait(LONG))", "new Promise(...)"),
            ("js", "async (t) => { get(LONG); }", "async (t) => {...}"),
            // Broken input: the unclosed call is an error node; the call in it is shown.
            (
                "js",
                "setTimeout(() => { expect(queue.length).toBe(LONG); ",
                "expect(queue.length).toBe(...)",
            ),
            ("go", "go func() { get(LONG) }()", "go func() {...}()"),
            (
                "go",
                "go func() { r.GET(\"/\", func(c *gin.Context) { c.String(LONG) }) }()",
                "go func() {...}()",
            ),
            ("go", "go run()", "go run()"),
            ("go", "http.Get(LONG + path)", "http.Get(...)"),
            ("rs", "let g = move || { get(LONG); };", "move || {...}"),
            ("rs", "thread::spawn(|| get(LONG));", "thread::spawn(...)"),
        ] {
            assert_eq!(shown_in(ext, code), expected, "{code}");
        }
    }

    #[test]
    fn name_patterns() {
        assert!(name_matches("Dial*", "DialTimeout"));
        assert!(name_matches("Dial*", "Dial"));
        assert!(name_matches("std::thread::sleep", "std::thread::sleep"));
        assert!(name_matches(
            "*::seed_from_u64",
            "rand::rngs::StdRng::seed_from_u64"
        ));
        assert!(name_matches("*::seed_from_u64", "StdRng::seed_from_u64"));
        assert!(name_matches("*::TcpStream::connect", "TcpStream::connect"));
        assert!(name_matches("fastrand::*", "fastrand::u32"));
        assert!(!name_matches("fastrand::*", "fastrand"));
        assert!(!name_matches("std::thread::sleep", "tokio::time::sleep"));
        assert!(!name_matches("*::seed_from_u64", "my_seed_from_u64"));
        assert!(name_matches("*.sleep", "utils.sleep"));
        assert!(name_matches("*.sleep", "sleep"));
        assert!(!name_matches("*.sleep", "asleep"));
    }

    #[test]
    fn local_hosts() {
        for local in [
            "http://localhost:8080/x",
            "http://127.0.0.1/",
            "http://[::1]:80/",
            ":8080",
            "localhost:5432",
            "https://user@127.0.0.2:1/",
            "http://testserver/items",
            "localhost.localdomain",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for remote in [
            "https://example.com/",
            "db.example.com:5432",
            "http://10.0.0.1/",
        ] {
            assert!(!is_local_host(remote), "{remote}");
        }
    }
}
