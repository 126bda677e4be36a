//! What every language's rules share: the file being read, its units (tests, hooks, helpers), the
//! findings they report, and walks of tree-sitter trees (nothing reads source text with patterns).

use std::collections::BTreeMap;

use tree_sitter::Node;

use super::facts::Fact;
use super::rules::{self, Lang};
use super::{Category, Confidence};
use crate::analysis::Severity;

/// The kind of a unit of code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A test: a function or callback the framework runs and reports by name.
    Test,
    /// A fixture, setup or teardown hook (runs around tests).
    Hook,
    /// Any other named function or method.
    Helper,
}

/// A named unit of code: a test, a hook or a function.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The name the framework reports the test by (a function name, or a JS test's title).
    pub name: String,
    /// Enclosing classes, `describe` titles or modules, outermost first.
    pub parents: Vec<String>,
    pub kind: UnitKind,
    /// Whether the unit is test code (in a test file, or a Rust `#[cfg(test)]` module).
    pub test_code: bool,
    /// 1-based lines, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    /// Names of the functions it calls: plain calls (`register(...)`), and the last name of
    /// calls through a module or `self`/`this` (`flakydemo.register(...)` gives `register`).
    pub calls: Vec<String>,
    /// What the unit fakes for all it calls (`@responses.activate`, `freeze_time`, `jest.mock` of
    /// an HTTP client, fake timers): smells of those categories in code it reaches are not causes.
    pub fakes: Vec<Category>,
}

/// A smell as a language's rule reports it.
#[derive(Debug, Clone)]
pub struct Smell {
    /// A stable id, `LANG/short-name` (`py/time-sleep`).
    pub rule: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    /// What is wrong, naming the call or variable (`time.sleep(0.5) waits a fixed time`).
    pub message: String,
    /// A concrete fix.
    pub hint: String,
    /// Shown only as context (`--every`, the likely causes of a test measured flaky).
    pub context: bool,
}

/// A smell found at a place in the file.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub smell: Smell,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The innermost unit that holds it, if any.
    pub unit: Option<usize>,
    /// Whether it is in test code (else it only matters when a test reaches it).
    pub test_code: bool,
}

/// What the rules found in one file.
#[derive(Debug, Default, Clone)]
pub struct FileFacts {
    pub units: Vec<Unit>,
    pub findings: Vec<RawFinding>,
    /// Modules this file imports from (Python dotted names, JS specifiers, Rust paths).
    pub imports: Vec<String>,
}

/// One file being analysed: its text, and what the rules report about it.
pub struct FileCtx<'a> {
    /// The path relative to the scan root, with `/` separators.
    pub path: &'a str,
    pub src: &'a str,
    /// Whether the file is a test file by its framework's conventions.
    pub test_file: bool,
    pub facts: FileFacts,
    /// Rust's test-defining macros of the scanned files, by name (see `rust::test_macros_of`).
    pub test_macros: &'a BTreeMap<String, usize>,
}

impl<'a> FileCtx<'a> {
    pub fn new(path: &'a str, src: &'a str, test_file: bool) -> Self {
        static NONE: BTreeMap<String, usize> = BTreeMap::new();
        Self {
            path,
            src,
            test_file,
            facts: FileFacts::default(),
            test_macros: &NONE,
        }
    }

    /// The source text of a node ("" if it is not valid UTF-8 at its edges).
    pub fn text(&self, node: Node<'_>) -> &'a str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    /// Adds a unit and returns its index (for findings inside it).
    pub fn unit(&mut self, unit: Unit) -> usize {
        self.facts.units.push(unit);
        self.facts.units.len() - 1
    }

    /// Reports the smell a fact is at a node, if the rules judge it one.
    pub fn judge(&mut self, node: Node<'_>, fact: &Fact, lang: Lang, unit: Option<usize>) {
        if let Some(smell) = rules::judge(fact, lang) {
            self.report(node, smell, unit, self.test_file);
        }
    }

    /// Reports a smell at a node: outside test code, one step less severe if it is one of
    /// [`SOFTER_OUTSIDE_TESTS`] and as context if it is one of [`CONTEXT_RULES`].
    pub fn report(&mut self, node: Node<'_>, smell: Smell, unit: Option<usize>, test_code: bool) {
        let mut smell = smell;
        if !test_code && !smell.context && SOFTER_OUTSIDE_TESTS.contains(&smell.rule) {
            smell.severity = match smell.severity {
                Severity::Critical => Severity::High,
                Severity::High => Severity::Medium,
                other => other.min(Severity::Low),
            };
        }
        smell.context |= !test_code && CONTEXT_RULES.contains(&smell.rule);
        let (start, end) = (node.start_position(), node.end_position());
        self.facts.findings.push(RawFinding {
            smell,
            line: line_of(start.row),
            column: self.column(node.start_byte(), start.column),
            end_line: line_of(end.row),
            end_column: self.column(node.end_byte(), end.column),
            unit,
            test_code,
        });
    }

    /// The 1-based column in characters (tree-sitter counts bytes) of a byte offset whose
    /// byte column is `byte_column`.
    fn column(&self, byte: usize, byte_column: usize) -> u32 {
        let line = self.src.get(byte.saturating_sub(byte_column)..byte);
        line_of(line.map_or(byte_column, |s| s.chars().count()))
    }
}

/// Rules whose findings in the code under test are only context (`--every`, the likely causes of
/// a test measured flaky): such code works with random values and the time, which make a test
/// flaky only when it asserts on them; a library's own state (a registry, a cache) is a risk only
/// when a test depends on what another left there, which a measured order dependence shows.
const CONTEXT_RULES: [&str; 6] = [
    "unseeded-random",
    "unreproducible-seed",
    "random-value",
    "wall-clock",
    "module-state-write",
    "reads-mutated-state",
];

/// Rules one step less severe outside test code: a clock, a time zone or a random value read
/// by the code under test often does not reach an assertion.
const SOFTER_OUTSIDE_TESTS: [&str; 3] = ["wall-clock", "local-time-zone", "unseeded-random"];

/// A 0-based tree-sitter row or column as a 1-based number.
pub fn line_of(row: usize) -> u32 {
    u32::try_from(row).unwrap_or(u32::MAX - 1) + 1
}

/// The 1-based first and last line of a node.
pub fn lines(node: Node<'_>) -> (u32, u32) {
    let (start, end) = (node.start_position().row, node.end_position().row);
    (line_of(start), line_of(end))
}

/// The named children of a node, collected (tree-sitter's iterator borrows a cursor).
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The nodes between `top` and its descendant `node`, neither included, innermost first; `None`
/// when `node` is not under `top`. One descent from `top`: tree-sitter finds a parent by
/// descending from the root, so walking up with `parent()` costs depth² on deeply nested code.
pub fn ancestors_below<'t>(top: Node<'t>, node: Node<'t>) -> Option<Vec<Node<'t>>> {
    let mut path = Vec::new();
    let mut at = top.child_with_descendant(node)?;
    while at != node {
        path.push(at);
        at = at.child_with_descendant(node)?;
    }
    path.reverse();
    Some(path)
}

/// Every node under `node` (itself included), depth first, in source order.
pub fn descendants(node: Node<'_>) -> Vec<Node<'_>> {
    descendants_entering(node, |_| true)
}

/// Every node under `node` (itself included), depth first, in source order, looking under
/// `node` and the nodes `enter` accepts only (a function's own scope, not the functions in it).
pub fn descendants_entering<'t>(node: Node<'t>, enter: impl Fn(Node<'t>) -> bool) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        out.push(n);
        if n == node || enter(n) {
            stack.extend(named_children(n).into_iter().rev());
        }
    }
    out
}

/// The nodes above one, nearest first.
pub fn ancestors(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(node.parent(), Node::parent)
}

/// Whether a node is inside a loop (a kind of `loops`) of the function around it (the first
/// ancestor of a kind of `functions`): a polling loop waits between its checks.
pub fn in_loop(node: Node<'_>, loops: &[&str], functions: &[&str]) -> bool {
    ancestors(node)
        .take_while(|a| !functions.contains(&a.kind()))
        .any(|a| loops.contains(&a.kind()))
}

/// The outermost parenthesized expression around a node.
pub fn unparenthesize(node: Node<'_>) -> Node<'_> {
    outermost(node, |k| k == "parenthesized_expression")
}

/// The outermost of the nodes around one that `within` accepts by kind, with none between
/// (the node itself when its parent is not one).
pub fn outermost<'t>(node: Node<'t>, within: impl Fn(&str) -> bool) -> Node<'t> {
    let around = ancestors(node).take_while(|p| within(p.kind()));
    around.last().unwrap_or(node)
}

/// Whether every operand of an expression is a constant, as `operand` judges each (pushing the
/// operands of an operation, or a variable's value, for their turn): a worklist, costing no stack.
pub fn all_constant<T>(expression: T, mut operand: impl FnMut(T, &mut Vec<T>) -> bool) -> bool {
    let mut pending = vec![expression];
    while let Some(n) = pending.pop() {
        if !operand(n, &mut pending) {
            return false;
        }
    }
    true
}
