//! Rust smell rules. Tests are functions with a test attribute (`#[test]`, `#[tokio::test]`,
//! `#[rstest]`, ...), named by the modules around them as libtest reports them
//! (`src/lib.rs::tests::adds`, nextest's `flakydemo::tests::adds`). Test code is a test file
//! (under `tests/`), a `#[cfg(test)]` module, or a test function.

use std::collections::{BTreeMap, HashMap, HashSet};

use tree_sitter::{Node, Tree};

use super::Confidence;
use super::facts::{Peer, Place, ProcessState, Restore, SeedSource};
use super::rules::{self, Lang, Variant};
use super::shared::{
    Decl, Decls, SEED_HOPS, Touch, TouchKind, Visitor, args, bounds_from_above, first_each,
    host_of, is_constant_name, is_local_host, judge_exposures, literal_port, name_matches,
    record_unit,
};
use super::syntax::{self, FileCtx, Smell, UnitKind, descendants, named_children};
use crate::analysis::Severity;
use crate::render::quote_code;
use items::{attributes, in_test_module, is_test_runner, record_items};
use statics::{Static, static_state};

mod hash_order;
mod items;
mod macros;
mod statics;

const RANDOM_ID: Variant = rules::random_value::RULE
    .variant_in(Lang::Rust)
    .confidence(Confidence::Low);
const NETWORK: Variant = rules::network_call::RULE.variant_in(Lang::Rust);

/// A check of one call of a known function: the smell, if the call is one.
type CallCheck = for<'t> fn(&Scope<'_, '_, 't>, Node<'t>, &str) -> Option<Smell>;

/// Functions that can make a test flaky, by path once `use`s are applied: a path and the names
/// under it, each exact, or any path ending so (`*`, `seed_from_u64`), or any function of a
/// crate (`fastrand`, `*`).
const CALLS: &[(&str, &[&str], CallCheck)] = &[
    ("std::thread", &["sleep"], fixed_sleep),
    ("tokio::time", &["sleep"], fixed_sleep),
    ("async_std::task", &["sleep"], fixed_sleep),
    ("std::time::SystemTime", &["now"], clock::<false>),
    ("*::Utc", &["now"], clock::<false>),
    ("*::Local", &["now"], clock::<true>),
    ("time::OffsetDateTime", &["now_utc"], clock::<false>),
    ("time::OffsetDateTime", &["now_local"], clock::<true>),
    ("rand", &["random", "thread_rng", "rng"], unseeded_random),
    ("fastrand", &["*"], unseeded_random),
    ("*", &["from_entropy", "from_os_rng"], seeding::<true>),
    ("*", &["seed_from_u64", "from_seed"], seeding::<false>),
    ("*::Uuid", &["new_v4"], random_id),
    ("reqwest", &["get"], network),
    ("reqwest::blocking", &["get"], network),
    ("ureq", &["get", "post", "put"], network),
    ("ureq", &["delete", "head", "request"], network),
    ("*::TcpListener", &["bind"], listen),
    ("*::UdpSocket", &["bind"], listen),
    ("*::TcpStream", &["connect", "connect_timeout"], network),
    ("tokio::net", &["lookup_host"], network),
    ("std::fs", &["write", "remove_file"], fixed_path_write),
    ("std::fs", &["rename", "create_dir"], fixed_path_write),
    ("std::fs", &["create_dir_all"], fixed_path_write),
    ("std::fs", &["remove_dir_all"], fixed_path_write),
    ("std::fs::File", &["create"], fixed_path_write),
    ("tokio::fs", &["write", "create_dir_all"], fixed_path_write),
    ("tokio::fs", &["remove_dir_all"], fixed_path_write),
    ("tokio::fs::File", &["create"], fixed_path_write),
    ("*::Command", &["new"], subprocess),
    ("std::env", &["set_var", "remove_var"], set_var),
    ("std::env", &["set_current_dir"], |s, call, _| {
        s.process_change(call, ProcessState::Cwd, Restore::Unseen)
    }),
    ("std::env", &["var", "var_os"], |s, call, _| {
        s.env_read(call)
    }),
    ("std::thread", &["spawn"], unjoined_spawn),
    ("tokio", &["spawn"], unjoined_spawn),
    ("tokio::task", &["spawn", "spawn_blocking"], unjoined_spawn),
    ("async_std::task", &["spawn"], unjoined_spawn),
];

/// Macros that only print (a seed printed is a seed replayable).
const LOGGING_MACROS: &[&str] = &[
    "println", "eprintln", "print", "eprint", "dbg", "info", "debug", "warn", "trace", "error",
];

/// A test file: any .rs under a tests/ directory (`#[cfg(test)]` modules are found by the rules).
pub(super) fn is_test_file(rel: &str) -> bool {
    rel.split('/').rev().skip(1).any(|d| d == "tests")
}

/// The test-defining macros of the scanned Rust files (see `macros`): a crate defines them in
/// one file and uses them in others (`#[macro_use] mod macros;`).
pub(super) fn test_macros_of(files: &[std::path::PathBuf]) -> BTreeMap<String, usize> {
    let mut parser = tree_sitter::Parser::new();
    // Without its grammar the parser parses nothing: no file defines a macro.
    let _ = parser.set_language(&tree_sitter_rust::LANGUAGE.into());
    let rust = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"));
    let mut out = BTreeMap::new();
    for bytes in rust.filter_map(|f| std::fs::read(f).ok()) {
        // Read as the scan reads it (invalid UTF-8 replaced); only a file that defines a macro
        // with a `fn $name` in it can define a test macro, and is parsed.
        let src = String::from_utf8_lossy(&bytes);
        if src.contains("macro_rules!")
            && src.contains("fn $")
            && let Some(tree) = parser.parse(src.as_bytes(), None)
        {
            // Those at the top level of a file, which the crate's other files see.
            let cx = FileCtx::new("", &src, false);
            let top = named_children(tree.root_node()).into_iter();
            let macros = top.filter_map(|definition| macros::test_macro(definition, &cx));
            out.extend(macros.map(|(name, (arg, _))| (name.to_owned(), arg)));
        }
    }
    out
}

/// Finds the units and smells of one file.
pub(super) fn analyze(tree: &Tree, cx: &mut FileCtx<'_>) {
    let root = tree.root_node();
    let expansion = macros::expand(root, cx);
    let expanded = expansion.as_ref().map(macros::Expansion::root);
    let file = &RustFile::read(root, expanded, cx);
    let macro_tests = expansion.as_ref().map(macros::Expansion::tests);
    let funcs = record_items(root, file, &macro_tests.unwrap_or_default(), cx);
    let mut found = Vec::new();
    for func in &funcs {
        found.extend(Scope { cx, file, func }.smells());
    }
    found.extend(static_state(cx, file, &funcs));
    for (node, smell, unit) in found {
        // A finding in no unit is the setup of a lazily built static of test code.
        let test_code = unit.is_none_or(|u| cx.facts.units[u].test_code);
        cx.report(node, smell, unit, test_code);
    }
}

/// What the rules need to know about a file as a whole.
#[derive(Default)]
struct RustFile<'t> {
    /// `use` names -> the paths they stand for.
    aliases: HashMap<String, String>,
    statics: HashMap<String, Static<'t>>,
    consts: HashSet<String>,
}

impl<'t> RustFile<'t> {
    /// Reads the file, and the code of its test macro invocations.
    fn read(root: Node<'t>, expanded: Option<Node<'t>>, cx: &mut FileCtx<'_>) -> Self {
        let mut file = Self::default();
        let name = |n: Node<'t>| n.child_by_field_name("name").map(|n| cx.text(n).to_owned());
        let roots = [Some(root), expanded];
        for node in roots.into_iter().flatten().flat_map(descendants) {
            match node.kind() {
                "use_declaration" => file.add_uses(node, cx),
                "const_item" => file.consts.extend(name(node)),
                _ => file.add_statics(node, cx),
            }
        }
        let mut imports: Vec<String> = file.aliases.values().cloned().collect();
        imports.sort();
        cx.facts.imports.extend(imports);
        file
    }

    /// Records the names a `use` brings in. Nested lists (`a::{b::{c, d}}`) are a worklist, in
    /// source order, not recursion, each tree with the path before it (`a::b::`).
    fn add_uses(&mut self, node: Node<'_>, cx: &FileCtx<'_>) {
        let mut pending = vec![(node, String::new())];
        while let Some((node, prefix)) = pending.pop() {
            let path = |n: Node<'_>| format!("{prefix}{}", compact(cx.text(n)));
            let field = |name| node.child_by_field_name(name);
            match node.kind() {
                "use_declaration" => pending.extend(field("argument").map(|arg| (arg, prefix))),
                "identifier" | "scoped_identifier" | "crate" | "super" | "self" => {
                    // `a::{self}` names `a`.
                    let path = path(node);
                    let path = path.strip_suffix("::self").unwrap_or(&path);
                    self.aliases
                        .insert(last_segment(path).to_owned(), path.to_owned());
                }
                "use_as_clause" => {
                    if let (Some(p), Some(alias)) = (field("path"), field("alias")) {
                        self.aliases.insert(cx.text(alias).to_owned(), path(p));
                    }
                }
                "scoped_use_list" => {
                    let inner = field("path").map_or_else(|| prefix.clone(), |p| path(p) + "::");
                    pending.extend(field("list").map(|list| (list, inner)));
                }
                "use_list" => {
                    let items = named_children(node).into_iter().rev();
                    pending.extend(items.map(|item| (item, prefix.clone())));
                }
                _ => {}
            }
        }
    }

    /// The full path a path in code stands for, once `use`s are applied.
    fn resolve(&self, path: &str) -> Option<String> {
        let path = compact(path).trim_start_matches("::").to_owned();
        (!path.is_empty()).then_some(())?;
        let head = path.split("::").next().unwrap_or(&path);
        Some(match self.aliases.get(head) {
            Some(full) => format!("{full}{}", &path[head.len()..]),
            None => path,
        })
    }
}

/// Code with whitespace left out (`std :: env` -> `std::env`).
fn compact(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

/// The texts of the nodes of a kind under a node: the `type_identifier`s of a type
/// (`LazyLock<Mutex<Vec<u32>>>` -> LazyLock, Mutex, Vec, u32), the `identifier`s of tokens.
fn texts<'s>(node: Node<'_>, kind: &str, cx: &FileCtx<'s>) -> Vec<&'s str> {
    of_kind(node, kind).map(|n| cx.text(n)).collect()
}

/// The nodes of a kind under a node, in source order.
fn of_kind<'t>(node: Node<'t>, kind: &str) -> impl Iterator<Item = Node<'t>> {
    let nodes = descendants(node);
    nodes.into_iter().filter(move |n| n.kind() == kind)
}

fn macro_name<'s>(node: Node<'_>, cx: &FileCtx<'s>) -> &'s str {
    node.child_by_field_name("macro")
        .map_or("", |m| last_segment(cx.text(m)))
}

/// The arguments of a macro invocation, as tokens.
fn token_tree(invocation: Node<'_>) -> Option<Node<'_>> {
    let children = named_children(invocation);
    children.into_iter().find(|c| c.kind() == "token_tree")
}

/// All the children of a node, anonymous tokens included.
fn children(node: Node<'_>) -> Vec<Node<'_>> {
    node.children(&mut node.walk()).collect()
}

/// A function of the file (or a test macro's code), recorded as a unit.
struct Func<'t> {
    body: Node<'t>,
    kind: UnitKind,
    unit: usize,
    test_code: bool,
    decls: Decls<'t>,
}

/// The names bound in a function: parameters, `let`s, and the bindings of patterns.
fn declarations<'t>(func: Node<'t>, cx: &FileCtx<'_>) -> Decls<'t> {
    let mut out = Decls::default();
    for node in descendants(func) {
        let field = |name| node.child_by_field_name(name);
        let (Some(pattern), typed) = (match node.kind() {
            "parameter" | "let_declaration" => (field("pattern"), true),
            "let_condition" | "for_expression" => (field("pattern"), false),
            "match_pattern" | "closure_parameters" => (Some(node), false),
            _ => continue,
        }) else {
            continue;
        };
        // The type and value of a parameter or `let` of one name; the names of a bigger
        // pattern have none.
        let whole = |part| field(part).filter(|_| typed && pattern.kind() == "identifier");
        let names = bound_names(pattern).into_iter();
        out.extend(names.map(|n| Decl {
            name: cx.text(n).to_owned(),
            ty: whole("type"),
            value: whole("value"),
        }));
    }
    out
}

/// The identifiers a pattern binds (not the `Ok` of `Ok(x)`).
fn bound_names(pattern: Node<'_>) -> Vec<Node<'_>> {
    if pattern.kind() == "identifier" {
        return vec![pattern];
    }
    let mut out = Vec::new();
    let mut stack = vec![pattern];
    while let Some(n) = stack.pop() {
        for (i, child) in children(n).into_iter().enumerate() {
            let field = n.field_name_for_child(i as u32);
            let names_something_else = matches!(field, Some("type" | "value" | "condition"))
                || matches!(child.kind(), "scoped_identifier" | "scoped_type_identifier");
            match child.kind() {
                _ if names_something_else => {}
                "identifier" => out.push(child),
                _ => stack.push(child),
            }
        }
    }
    out
}

/// What a call calls.
enum Callee<'t> {
    /// A function by its path, once `use`s are applied (`std::thread::sleep`, `register`).
    Path(String),
    /// A method, on the value before the dot.
    Method(Node<'t>, String),
}

/// The rules' view of one function.
struct Scope<'c, 's, 't> {
    cx: &'c FileCtx<'s>,
    file: &'c RustFile<'t>,
    func: &'c Func<'t>,
}

impl<'c, 's, 't> Scope<'c, 's, 't> {
    /// What a call calls; None for a closure called, a function returned, ...
    fn callee(&self, call: Node<'t>) -> Option<Callee<'t>> {
        let mut function = call.child_by_field_name("function")?;
        if function.kind() == "generic_function" {
            function = function.child_by_field_name("function")?;
        }
        let field = |name| function.child_by_field_name(name);
        match function.kind() {
            "identifier" | "scoped_identifier" => {
                self.file.resolve(self.text(function)).map(Callee::Path)
            }
            "field_expression" => Some(Callee::Method(
                field("value")?,
                self.text(field("field")?).to_owned(),
            )),
            _ => None,
        }
    }

    fn is_call_to(&self, node: Node<'t>, key: &str) -> bool {
        node.kind() == "call_expression"
            && matches!(self.callee(node), Some(Callee::Path(p)) if name_matches(key, &p))
    }

    /// The names of the crate's functions the function calls: plain calls, module paths
    /// (`crate::order::register`, `flakydemo::add`), `self.`/`Self::` calls, also in macros.
    fn calls(&self) -> Vec<String> {
        let nodes = descendants(self.func.body).into_iter();
        first_each(nodes.flat_map(|node| match node.kind() {
            "call_expression" => match self.callee(node) {
                Some(Callee::Path(path)) => self.crate_function(&path).into_iter().collect(),
                Some(Callee::Method(recv, m)) if recv.kind() == "self" => vec![m],
                _ => Vec::new(),
            },
            "token_tree" => self.token_calls(node),
            _ => Vec::new(),
        }))
    }

    /// The function of this crate a path names, if it is one: a plain name that is not a
    /// local, or a path through modules (not through a type, nor the standard library).
    fn crate_function(&self, path: &str) -> Option<String> {
        let (modules, name) = path.rsplit_once("::").unwrap_or(("", path));
        let typed = |s: &str| s.starts_with(char::is_uppercase) && s != "Self";
        let through_type = modules.split("::").any(typed);
        let std = matches!(path.split("::").next(), Some("std" | "core" | "alloc"));
        let local = modules.is_empty() && self.func.decls.declares(name);
        (!through_type && !std && !local).then(|| name.to_owned())
    }

    /// Calls written in a macro's tokens: `name(`, `path::name(`, `self.name(`.
    fn token_calls(&self, tree: Node<'t>) -> Vec<String> {
        let tokens = children(tree);
        let (text, kind) = (|i: usize| self.text(tokens[i]), |i: usize| tokens[i].kind());
        let mut out = Vec::new();
        for i in 1..tokens.len() {
            if !(kind(i) == "token_tree" && text(i).starts_with('(') && kind(i - 1) == "identifier")
            {
                continue;
            }
            // The path before the `(` (`a::b::name`), after no `.` but `self.`.
            let mut start = i - 1;
            while start >= 2
                && text(start - 1) == "::"
                && matches!(kind(start - 2), "identifier" | "crate" | "super" | "self")
            {
                start -= 2;
            }
            let method = start >= 1 && text(start - 1) == ".";
            if method && !(start >= 2 && text(start - 2) == "self") {
                continue;
            }
            let path = self.file.resolve(&(start..i).map(text).collect::<String>());
            out.extend(path.and_then(|p| self.crate_function(&p)));
        }
        out
    }

    /// The value a local name is declared with.
    fn value_of(&self, name: &str) -> Option<Node<'t>> {
        self.func.decls.of(name).next()?.value
    }

    /// The smells of the function.
    fn smells(&self) -> Vec<(Node<'t>, Smell, Option<usize>)> {
        let smell = |node: Node<'t>| match node.kind() {
            "call_expression" => self.call_smell(node),
            "binary_expression" if self.func.test_code => self.timing_threshold(node),
            "macro_invocation" => self.macro_smell(node),
            "for_expression" => self.hash_loop(node),
            _ => None,
        };
        let unit = Some(self.func.unit);
        let nodes = descendants(self.func.body).into_iter();
        nodes.filter_map(|n| Some((n, smell(n)?, unit))).collect()
    }

    /// The smell of a call of a known function, or of a method (requests, writes, hash order).
    fn call_smell(&self, call: Node<'t>) -> Option<Smell> {
        match self.callee(call)? {
            Callee::Path(path) => {
                let named = |under: &str, name| name_matches(&format!("{under}::{name}"), &path);
                let (.., check) = CALLS
                    .iter()
                    .find(|(under, names, _)| names.iter().any(|name| named(under, name)))?;
                check(self, call, short_path(&path))
            }
            Callee::Method(recv, method) => self
                .method_network(call, &method)
                .or_else(|| self.open_for_writing(call, recv, &method))
                .or_else(|| self.hash_collect(call, recv, &method)),
        }
    }

    /// Smells in macros: timing assertions, and hash iteration order asserted.
    fn macro_smell(&self, node: Node<'t>) -> Option<Smell> {
        macro_name(node, self.cx).contains("assert").then_some(())?;
        let tokens = leaves(token_tree(node)?);
        let compares = |t: &Node<'t>| matches!(self.text(*t), "<" | ">" | "<=" | ">=");
        let comparison = tokens.iter().position(compares);
        let elapsed = tokens.iter().position(|t| {
            t.kind() == "identifier"
                && (matches!(self.text(*t), "elapsed" | "duration_since") || self.is_elapsed(*t))
        });
        if let (Some(c), Some(e)) = (comparison, elapsed) {
            let upper = bounds_from_above(self.text(tokens[c]), e < c, false);
            return self.elapsed_bound(node, upper);
        }
        self.hash_assertion(node, &tokens)
    }

    /// Whether a node is inside the arguments of a call that seeds a generator.
    fn in_seeding(&self, node: Node<'t>) -> bool {
        const SEEDS: [&str; 4] = [
            "*::seed_from_u64",
            "*::from_seed",
            "fastrand::seed",
            "*::Rng::with_seed",
        ];
        let seeds = |a: &Node<'t>| SEEDS.iter().any(|k| self.is_call_to(*a, k));
        self.ancestors(node).iter().any(seeds)
    }

    /// Whether a value is used only where `within` holds: there, or through the variable it is
    /// bound to (`let nanos = SystemTime::now()...; StdRng::seed_from_u64(nanos)`), a format
    /// string's `{nanos}` being a use too.
    fn only_used(&self, value: Node<'t>, within: impl Fn(Node<'t>) -> bool) -> bool {
        if within(value) {
            return true;
        }
        // The statement around the calls, casts and `?`s the value goes through.
        let bound = syntax::ancestors(value)
            .find(|p| {
                !matches!(
                    p.kind(),
                    "field_expression"
                        | "call_expression"
                        | "generic_function"
                        | "try_expression"
                        | "type_cast_expression"
                        | "arguments"
                )
            })
            .filter(|p| p.kind() == "let_declaration")
            .and_then(|p| p.child_by_field_name("pattern"))
            .filter(|p| p.kind() == "identifier");
        bound.is_some_and(|name| {
            let named = |text: &str| text == self.text(name);
            let captured = |c: &str| named(c.split(['}', ':']).next().unwrap_or_default());
            let mut uses = self.body_nodes().into_iter().filter(|n| {
                let text = self.text(*n);
                n.start_byte() > name.end_byte()
                    && match n.kind() {
                        "identifier" => named(text),
                        "string_content" => text.split('{').skip(1).any(captured),
                        _ => false,
                    }
            });
            uses.next().is_some_and(|u| within(u) && uses.all(within))
        })
    }

    /// Whether a node is in the tokens of one of the macros, also of one written in another
    /// macro's tokens (`assert!(open(&format!(..)))`).
    fn in_macro(&self, node: Node<'t>, names: &[&str]) -> bool {
        self.ancestors(node).iter().any(|a| {
            let name = a.prev_sibling().and_then(|bang| bang.prev_sibling());
            a.kind() == "token_tree"
                && name.is_some_and(|m| names.contains(&last_segment(self.text(m))))
        })
    }

    /// `client.get("https://...")...send()` and other requests to a literal URL, on any
    /// client, when the request is sent (a request only built reaches nothing).
    fn method_network(&self, call: Node<'t>, method: &str) -> Option<Smell> {
        const REQUESTS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "request"];
        const SENDS: [&str; 3] = ["send", "call", "execute"];
        let url = args(call).into_iter().find_map(|a| self.string_value(a))?;
        let is_url = url.starts_with("http://") || url.starts_with("https://");
        let sent = self
            .chain_after(call)
            .iter()
            .any(|(_, m)| SENDS.contains(&m.as_str()));
        (REQUESTS.contains(&method) && is_url && sent && !is_local_host(url)).then_some(())?;
        self.request(call, Peer::Remote(host_of(url).0.to_owned()))
    }

    /// The literal an address or path starts with: a string, `format!("...", ..)`,
    /// `Path::new("...")`, `&"..."`.
    fn leading_literal(&self, node: Node<'t>) -> Option<&'s str> {
        const PATHS: [&str; 2] = ["*Path::new", "*PathBuf::from"];
        let mut at = node;
        loop {
            at = match at.kind() {
                "reference_expression" => at.child_by_field_name("value")?,
                "macro_invocation" if macro_name(at, self.cx) == "format" => {
                    let tree = token_tree(at)?;
                    let format = self.string_value(*named_children(tree).first()?)?;
                    return fixed_prefix(format);
                }
                _ if PATHS.iter().any(|k| self.is_call_to(at, k)) => *args(at).first()?,
                _ => return self.string_value(at),
            };
        }
    }

    /// `OpenOptions::new().write(true)...open("fixed")`.
    fn open_for_writing(&self, call: Node<'t>, recv: Node<'t>, method: &str) -> Option<Smell> {
        const WRITES: [&str; 5] = ["write", "append", "create", "create_new", "truncate"];
        let writes =
            |n: &Node<'t>| n.kind() == "field_identifier" && WRITES.contains(&self.text(*n));
        (method == "open" && descendants(recv).iter().any(writes)).then_some(())?;
        self.path_write(call, self.leading_literal(*args(call).first()?)?)
    }

    /// The expression statement or `let` a node is in, for messages.
    fn statement_of(&self, node: Node<'t>) -> Node<'t> {
        const STATEMENTS: [&str; 6] = [
            "expression_statement",
            "let_declaration",
            "block",
            "if_expression",
            "while_expression",
            "match_expression",
        ];
        let around = self.ancestors(node).into_iter();
        let inside = around.take_while(|p| !STATEMENTS.contains(&p.kind()));
        inside.last().unwrap_or(node)
    }

    /// The calls a method chain goes on with, and their methods (`a.iter()` ->
    /// `a.iter().collect()`, `collect`).
    fn chain_after(&self, call: Node<'t>) -> Vec<(Node<'t>, String)> {
        let next = |call: &Node<'t>| {
            let field = call.parent().filter(|p| p.kind() == "field_expression")?;
            let mut next = field.parent()?;
            if next.kind() == "generic_function" {
                next = next.parent()?;
            }
            (next.kind() == "call_expression").then_some(next)
        };
        let chain = std::iter::successors(next(&call), next);
        chain.map(|call| (call, self.called(call))).collect()
    }

    /// The name a call calls: its method, or the last segment of its path ("" for others).
    fn called(&self, call: Node<'t>) -> String {
        match self.callee(call) {
            Some(Callee::Path(f) | Callee::Method(_, f)) => last_segment(&f).to_owned(),
            None => String::new(),
        }
    }
}

/// The tokens of a macro's arguments, punctuation included, in order.
fn leaves(tree: Node<'_>) -> Vec<Node<'_>> {
    let (mut out, mut stack) = (Vec::new(), vec![tree]);
    while let Some(n) = stack.pop() {
        if n.child_count() == 0 {
            out.push(n);
        } else {
            stack.extend(children(n).into_iter().rev());
        }
    }
    out
}

/// The last two segments of a path, as written in messages (`thread::sleep`).
fn short_path(path: &str) -> &str {
    let head = path.rsplitn(3, "::").nth(2);
    head.map_or(path, |head| &path[head.len() + 2..])
}

/// A sleep; in a closure, a callback.
fn fixed_sleep<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    s.sleep(call, s.func.kind, |a| a.kind() == "closure_expression")
}

impl<'s, 't> Visitor<'s, 't> for Scope<'_, 's, 't> {
    const LANG: Lang = Lang::Rust;
    const LOOPS: &'static [&'static str] =
        &["loop_expression", "while_expression", "for_expression"];
    const IF: &'static str = "if_expression";

    fn cx(&self) -> &FileCtx<'s> {
        self.cx
    }

    fn body(&self) -> Option<Node<'t>> {
        Some(self.func.body)
    }

    fn test_code(&self) -> bool {
        self.func.test_code
    }

    /// Constants (declared, or named in capitals and not a local), locals bound to one before,
    /// `Duration::from_*`, and an `if` (`if cfg!(windows) {..} else {..}`) constant either way.
    fn is_constant_leaf(&self, node: Node<'t>) -> bool {
        let constant = |n: Option<Node<'t>>| n.is_some_and(|n| self.is_constant(n));
        match node.kind() {
            "identifier" | "scoped_identifier" => {
                let name = last_segment(self.text(node));
                let before = |v: &Node<'t>| v.end_byte() <= node.start_byte();
                let bound = self.value_of(name).filter(before);
                self.file.consts.contains(name)
                    || (is_constant_name(name) && !self.func.decls.declares(name))
                    || node.kind() == "identifier" && constant(bound)
            }
            "if_expression" => ["consequence", "alternative"]
                .iter()
                .all(|f| constant(node.child_by_field_name(f))),
            // A block's value, and the block or `if` after an `else`.
            "block" | "else_clause" => constant(named_children(node).last().copied()),
            "call_expression" => {
                matches!(self.callee(node), Some(Callee::Path(p)) if p.contains("Duration::"))
            }
            _ => false,
        }
    }

    /// `x.elapsed()`, `a.duration_since(b)`, `Instant::now() - start`, their `.as_millis()`...,
    /// or a variable holding one.
    fn is_elapsed(&self, node: Node<'t>) -> bool {
        // A chain of receivers and variables, each variable followed once: `let d = d` and deep
        // nesting end.
        let mut followed: HashSet<&str> = HashSet::new();
        let next = |at: &Node<'t>| match at.kind() {
            "call_expression" => match self.callee(*at)? {
                Callee::Method(recv, m) if m.starts_with("as_") || m.starts_with("subsec_") => {
                    Some(recv)
                }
                _ => None,
            },
            "identifier" if followed.insert(self.text(*at)) => self.value_of(self.text(*at)),
            "parenthesized_expression" => at.named_child(0),
            _ => None,
        };
        let now = |c: &Node<'t>| self.is_call_to(*c, "*::Instant::now");
        let measured = |at: Node<'t>| match at.kind() {
            "call_expression" => matches!(self.callee(at),
                Some(Callee::Method(_, m)) if m == "elapsed" || m == "duration_since"),
            "binary_expression" => named_children(at).iter().any(now),
            _ => false,
        };
        std::iter::successors(Some(node), next).any(measured)
    }

    fn string_value(&self, node: Node<'_>) -> Option<&'s str> {
        matches!(node.kind(), "string_literal" | "raw_string_literal").then_some(())?;
        let content = of_kind(node, "string_content").next();
        Some(content.map_or("", |c| self.text(c)))
    }

    /// A condition, a comparison, arithmetic, an assertion.
    fn seed_use(&self, value: Node<'t>, hops: usize) -> Option<Node<'t>> {
        (!self.in_seeding(value) && !self.in_macro(value, LOGGING_MACROS)).then_some(())?;
        let mut at = value;
        let mut bound: Vec<Node<'t>> = Vec::new();
        for parent in self.ancestors(value) {
            match parent.kind() {
                "field_expression" => {
                    let field = parent.child_by_field_name("field").map(|f| self.text(f));
                    if matches!(field, Some("is_ok" | "is_err" | "is_some" | "is_none")) {
                        return None;
                    }
                }
                "call_expression"
                | "arguments"
                | "try_expression"
                | "await_expression"
                | "reference_expression"
                | "unary_expression"
                | "parenthesized_expression"
                | "type_cast_expression"
                | "token_tree" => {}
                "binary_expression" | "index_expression" => return Some(self.statement_of(parent)),
                "macro_invocation" if macro_name(parent, self.cx).contains("assert") => {
                    return Some(parent);
                }
                "if_expression" | "while_expression" => {
                    let condition = parent.child_by_field_name("condition");
                    if condition.is_some_and(|c| c.id() == at.id()) {
                        return Some(at);
                    }
                    break;
                }
                "let_declaration" | "let_condition" => {
                    let pattern = parent.child_by_field_name("pattern");
                    bound.extend(pattern.map(bound_names).unwrap_or_default());
                    break;
                }
                "match_expression" => {
                    bound.extend(of_kind(parent, "match_pattern").flat_map(bound_names));
                }
                _ => break,
            }
            at = parent;
        }
        (hops < SEED_HOPS).then_some(())?;
        let uses_of = |name: Node<'t>| self.uses_after(self.text(name), name);
        let mut uses = bound.into_iter().flat_map(uses_of);
        uses.find_map(|u| self.seed_use(u, hops + 1))
    }
}

/// A clock read (local time when `ZONE`), unless it only seeds a generator (a seed rule's case).
fn clock<'t, const ZONE: bool>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    (!s.only_used(call, |n| s.in_seeding(n))).then(|| s.clock_read(call, ZONE, false))?
}

/// A draw from a generator nobody seeded: `rand::random()`, `thread_rng()`, and fastrand's
/// functions unless the function seeds fastrand first (`fastrand::seed(n)`, itself no draw).
/// A draw only written into `format!`s names something (`format!("pipe-{num}")`): an id.
fn unseeded_random<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, shown: &str) -> Option<Smell> {
    let fastrand_seeded = shown.starts_with("fastrand::")
        && s.body_nodes()
            .into_iter()
            .any(|n| n.start_byte() <= call.start_byte() && s.is_call_to(n, "fastrand::seed"));
    (!fastrand_seeded).then_some(())?;
    if s.only_used(call, |n| s.in_macro(n, &["format"])) {
        return random_id(s, call, shown);
    }
    s.unseeded_draw(call)
}

/// `TcpListener::bind("127.0.0.1:8080")`: a listener at an address literal, for the shared rule
/// to judge. Any other is a real socket on this machine: context, a likely cause of a flaky test.
fn listen<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    let address = *args(call).first()?;
    let port = s.string_value(address).and(literal_port(s.text(address)));
    let fixed = port.and_then(|port| s.listener(call, port, false));
    if fixed.is_some() || !s.func.test_code {
        return fixed;
    }
    let low = NETWORK.severity(Severity::Low).confidence(Confidence::Low);
    let says =
        "opens a real socket on this machine: its timing differs between platforms and under load";
    Some(low.context_if(true).says(&s.short(call), says))
}

fn random_id<'t>(_: &Scope<'_, '_, 't>, _: Node<'t>, shown: &str) -> Option<Smell> {
    Some(RANDOM_ID.smell(format!("{shown}() makes a random id")))
}

/// A seed from the OS entropy (`OS`: `from_entropy()`, `from_os_rng()`) or from the clock; one
/// from a variable is fine, and a constant one makes the test repeatable (Rust has no generator
/// shared by all tests to seed).
fn seeding<'t, const OS: bool>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    let from = if OS {
        "the OS entropy"
    } else {
        // The clock (`SystemTime::now()`, `Instant::now()`, chrono) read in an argument, or
        // by a local it names.
        let clock = |n: &Node<'t>| ["*::now", "*::now_utc"].iter().any(|k| s.is_call_to(*n, k));
        let reads = |n: Node<'t>| descendants(n).iter().any(clock);
        let bound =
            |n: Node<'t>| n.kind() == "identifier" && s.value_of(s.text(n)).is_some_and(reads);
        let mut read = args(call).into_iter().flat_map(descendants);
        read.any(|n| clock(&n) || bound(n)).then_some("the clock")?
    };
    let source = SeedSource::Unreproducible(from);
    s.seed(call, source, Place::of(s.func.kind))
}

/// A network call to a literal address not on this machine. Addresses built at run time are
/// left out: in Rust tests they come from local servers in helper modules as often as not.
fn network<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    let literal = s.leading_literal(*args(call).first()?)?;
    (!is_local_host(literal)).then_some(())?;
    s.request(call, Peer::Remote(host_of(literal).0.to_owned()))
}

/// The part of a format string before its first placeholder, when it names a whole host or
/// directory (`https://api.example.com/{}`, `out/{}.txt`; not `{}/x` nor `http://{}/x`).
fn fixed_prefix(format: &str) -> Option<&str> {
    let prefix = format.split('{').next().unwrap_or("");
    let after_scheme = prefix.split_once("://").map_or(prefix, |(_, rest)| rest);
    (prefix.len() == format.len() || after_scheme.contains('/')).then_some(prefix)
}

fn fixed_path_write<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    s.path_write(call, s.leading_literal(*args(call).first()?)?)
}

/// A program named by a literal: a tool of the machine. A program from elsewhere is most
/// often the crate's own binary (`env!("CARGO_BIN_EXE_<name>")`, a constant holding it).
fn subprocess<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    s.string_value(*args(call).first()?)?;
    // Run to the end (`output()`, `status()`, no `spawn()` in the function): context.
    s.process(call, !s.uses_member(&["spawn"]))
}

/// `env::set_var`/`remove_var`, once per variable and function, unless the old value is read
/// first and put back after.
fn set_var<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    let env_calls =
        |keys: &[&str]| s.same_key_calls(call, |n| keys.iter().any(|k| s.is_call_to(n, k)));
    let changes = env_calls(&["std::env::set_var", "std::env::remove_var"]);
    let first = changes.first().is_none_or(|f| f.id() == call.id());
    let reads = env_calls(&["std::env::var", "std::env::var_os"]);
    let saved = reads.iter().any(|r| r.end_byte() <= call.start_byte());
    let put_back = changes.iter().any(|c| c.start_byte() > call.end_byte());
    // cargo test runs tests on threads of one process: putting the value back does not keep
    // the others from reading it meanwhile; holding a lock (or `#[serial]`) does.
    let attributes = s.func.body.parent().map(attributes).unwrap_or_default();
    let serial = attributes.iter().any(|a| s.text(*a).contains("serial"));
    let serialized = s.uses_member(&["lock"]) || serial;
    (first && !serialized).then_some(())?;
    let restore = if saved && put_back {
        Restore::Late
    } else {
        Restore::Never
    };
    s.process_change(call, ProcessState::Env, restore)
}

/// A thread or task spawned in a test whose handle is dropped: not joined, not awaited. A
/// server is left out: code that accepts connections (`incoming()`, `accept()`), calls a server
/// (`serve(listener, app)`, `serve_connection`, `run_server`: its listener may be bound in a
/// helper, or be no socket at all) or is handed a listener bound in the test, which the test
/// waits on through the socket. So is a client connection's driver, the future a `handshake`
/// returns beside the sender the test waits on (`tokio::spawn(conn)`, `conn.await`).
fn unjoined_spawn<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    const LISTENERS: [&str; 2] = ["*::TcpListener::bind", "*::UnixListener::bind"];
    const SERVERS: [&str; 5] = ["incoming", "accept", "serve", "serve_*", "run_server"];
    (s.func.kind == UnitKind::Test).then_some(())?;
    let parent = call.parent()?;
    let dropped = match parent.kind() {
        "expression_statement" => true,
        // `let _ = ..`, `let _handle = ..`, or a handle never used.
        "let_declaration" => parent.child_by_field_name("pattern").is_none_or(|p| {
            let name = s.text(p);
            name.starts_with('_')
                || p.kind() == "identifier" && s.uses_after(name, parent).is_empty()
        }),
        _ => false,
    };
    dropped.then_some(())?;
    // The names `let`s bind to a listener, and to the driver a handshake returns
    // (`let (sender, conn) = handshake(io).await?`), read once for the whole spawn.
    let (mut listeners, mut drivers) = (HashSet::new(), HashSet::new());
    let lets = of_kind(s.func.body, "let_declaration");
    for (l, pattern) in lets.filter_map(|l| Some((l, l.child_by_field_name("pattern")?))) {
        let names = bound_names(pattern).into_iter().map(|b| s.text(b));
        let inside = descendants(l);
        let listener = |c: &Node<'t>| LISTENERS.iter().any(|k| s.is_call_to(*c, k));
        if inside.iter().any(listener) {
            listeners.extend(names);
        } else if inside.iter().any(|c| s.called(*c).contains("handshake")) {
            drivers.extend(names);
        }
    }
    let awaited_or_spawned =
        |p: Node<'t>| p.kind() == "await_expression" || p.parent() == Some(call);
    let mut nodes = args(call).into_iter().flat_map(descendants);
    let serves = nodes.any(|n| match n.kind() {
        "call_expression" => SERVERS.iter().any(|k| name_matches(k, &s.called(n))),
        // A listener spawned or used, or a driver spawned or awaited (`tokio::spawn(conn)`).
        "identifier" => {
            let driven = n.parent().is_some_and(awaited_or_spawned);
            listeners.contains(s.text(n)) || driven && drivers.contains(s.text(n))
        }
        _ => false,
    });
    (!serves).then(|| s.unjoined(call))?
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scan::shared::{assert_example_causes, unit_rows};
    use crate::scan::snapshot_of;

    #[test]
    fn test_files_are_under_a_tests_directory() {
        assert!(is_test_file("tests/it.rs"));
        assert!(is_test_file("tests/common/mod.rs"));
        assert!(is_test_file("crates/core/tests/it.rs"));
        assert!(!is_test_file("src/lib.rs"));
        assert!(!is_test_file("src/tests.rs"));
        assert!(!is_test_file("tests.rs"));
    }

    #[test]
    fn units_are_named_as_libtest_reports_them() {
        let src = r#"
use crate::order::register;
pub fn add(a: i64, b: i64) -> i64 { helper(a) + b }
fn helper(a: i64) -> i64 { std::cmp::max(a, 0) }
impl Store { fn put(&self) { self.save(); Self::check(); Vec::new(); } }
#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn adds() { assert_eq!(add(2, 3), 5); register(); }
    #[tokio::test(flavor = "multi_thread")]
    async fn awaits() { super::helper(1); }
    fn fixture() -> u8 { 1 }
    mod inner {
        #[rstest]
        fn nested() { let f = |x| x; f(1); crate::add(1, 2); }
    }
}
#[cfg(not(test))]
mod real { fn run() {} }
"#;
        let expected = [
            "Helper [] add (code) calls [helper]",
            "Helper [] helper (code) calls []",
            "Helper [Store] put (code) calls [save, check]",
            "Test [tests] adds (test code) calls [add, register]",
            "Test [tests] awaits (test code) calls [helper]",
            "Helper [tests] fixture (test code) calls []",
            "Test [tests::inner] nested (test code) calls [add]",
            "Helper [real] run (code) calls []",
        ];
        assert_eq!(unit_rows("src/lib.rs", src), expected);
        // In a test file, without macros (nothing to expand).
        let src = "#[test]\nfn add_is_commutative() {}\nfn util() {}\n";
        let expected = [
            "Test [] add_is_commutative (test code) calls []",
            "Helper [] util (test code) calls []",
        ];
        assert_eq!(unit_rows("tests/it.rs", src), expected);
        // A test macro's invocations are tests named by its argument.
        let src = r#"
macro_rules! rgtest {
    ($name:ident, $fun:expr) => {
        #[test]
        fn $name() { let (dir, cmd) = setup(); $fun(dir, cmd); }
    };
}
macro_rules! eqnice { ($a:expr, $b:expr) => { assert_eq!($a, $b); }; }
rgtest!(sorts, |dir: Dir, mut cmd: TestCommand| { sort_setup(dir); });
mod more {
    rgtest!(counts, |_dir, cmd| eqnice!("1", cmd.stdout()));
}
"#;
        let expected = [
            "Test [] sorts (test code) calls [sort_setup]",
            "Test [more] counts (test code) calls []",
        ];
        assert_eq!(unit_rows("tests/it.rs", src), expected);
    }

    #[test]
    fn format_strings_fix_a_host_or_directory_before_their_first_placeholder() {
        assert_eq!(fixed_prefix("https://api.io/{}"), Some("https://api.io/"));
        assert_eq!(fixed_prefix("out/{}.txt"), Some("out/"));
        assert_eq!(fixed_prefix("no placeholder"), Some("no placeholder"));
        assert_eq!(fixed_prefix("{}/status"), None);
        assert_eq!(fixed_prefix("http://{}/status"), None);
        assert_eq!(fixed_prefix("report-{}.txt"), None);
    }

    #[test]
    fn fixtures() {
        insta::assert_snapshot!(snapshot_of(Path::new("tests/fixtures/scan/rust")));
    }

    #[test]
    fn the_examples_flaky_tests_have_their_causes() {
        insta::assert_snapshot!("examples", snapshot_of(Path::new("examples/rust")));
        // As cargo test and nextest report them.
        let flaky = [
            ("src/lib.rs::tests::seeded_flaky", "random"),
            ("flakydemo::tests::seeded_flaky", "random"),
            ("src/lib.rs::order::lookup_starts_empty", "global-state"),
            ("flakydemo::order::lookup_starts_empty", "global-state"),
        ];
        let stable = [
            "src/lib.rs::tests::adds",
            "src/lib.rs::tests::slug_lowercases",
            "src/lib.rs::tests::slug_collapses_spaces",
            "src/lib.rs::order::register_item",
            "tests/it.rs::add_is_commutative",
            "tests/it.rs::slug_of_empty_is_empty",
            "flakydemo::it::add_is_commutative",
        ];
        let failing = "src/lib.rs::tests::mean_always_fails";
        assert_example_causes("examples/rust", &flaky, &stable, &[failing]);
    }
}
