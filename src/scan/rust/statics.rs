//! Rust's state shared by all tests of a process: the file's statics (`static mut`, atomics,
//! locks and cells, lazily built ones), and the functions that read and change them.

use super::*;

/// How the names of the methods that change an atomic begin (`store`, `fetch_add`, ...).
const ATOMIC_WRITES: [&str; 4] = ["store", "swap", "fetch_", "compare_"];
/// Methods that give mutable access to what a lock or cell holds.
const GUARDS: [&str; 4] = ["lock", "write", "borrow_mut", "get_mut"];
/// How the names of the methods that change a collection or string begin (`push`, `sort_by`).
const CONTAINER_WRITES: &[&str] = &[
    "push", "pop", "insert", "remove", "clear", "extend", "append", "retain", "truncate", "drain",
    "entry", "sort", "dedup", "resize",
];
/// Types of statics built lazily, on first use.
const LAZY: [&str; 4] = ["LazyLock", "Lazy", "OnceLock", "OnceCell"];
/// Types that hold state that can change behind a shared reference (with the `Atomic*`s).
const INTERIOR: [&str; 4] = ["Mutex", "RwLock", "RefCell", "Cell"];

/// A static variable of the file.
pub(super) struct Static<'t> {
    node: Node<'t>,
    /// `static mut`.
    mutable: bool,
    /// Set up once for all tests: in test code, lazily built (`LazyLock`, `OnceLock`,
    /// `lazy_static!`) and holding a lock or cell.
    setup: bool,
}

impl<'t> RustFile<'t> {
    /// Records a `static` item or the entries of a `lazy_static!`.
    pub(super) fn add_statics(&mut self, node: Node<'t>, cx: &FileCtx<'_>) {
        // Each static's name, and the names in its type (and its name).
        let field = |name| node.child_by_field_name(name);
        let statics = match node.kind() {
            "static_item" => {
                let (Some(name), Some(ty)) = (field("name"), field("type")) else {
                    return;
                };
                vec![(cx.text(name), texts(ty, "type_identifier", cx))]
            }
            "macro_invocation" if macro_name(node, cx) == "lazy_static" => lazy_statics(node, cx),
            _ => return,
        };
        let test_code = cx.test_file || in_test_module(node, cx);
        let interior = |t: &&str| INTERIOR.contains(t) || t.starts_with("Atomic");
        for (name, types) in statics {
            let lazy = node.kind() == "macro_invocation" || types.iter().any(|t| LAZY.contains(t));
            let setup = test_code && lazy && types.iter().any(interior);
            let stat = Static {
                node,
                mutable: is_mut(node),
                setup,
            };
            self.statics.insert(name.to_owned(), stat);
        }
    }
}

/// Whether a `static` or `let` is `mut`.
fn is_mut(node: Node<'_>) -> bool {
    let children = named_children(node);
    children.iter().any(|c| c.kind() == "mutable_specifier")
}

/// `lazy_static! { static ref NAME: Type = ...; }`: the name after each `ref`, with the names
/// up to the next `ref`.
fn lazy_statics<'s>(node: Node<'_>, cx: &FileCtx<'s>) -> Vec<(&'s str, Vec<&'s str>)> {
    let tokens = token_tree(node).map(|t| texts(t, "identifier", cx));
    let idents = tokens.unwrap_or_default();
    let after_each_ref = idents.split(|t| *t == "ref").skip(1);
    let entry = |names: &[&'s str]| Some((*names.first()?, names.to_vec()));
    after_each_ref.filter_map(entry).collect()
}

impl<'t> Scope<'_, '_, 't> {
    /// The reads and changes of the file's statics in the function.
    fn touches(&self) -> Vec<Touch<'t>> {
        let unit = self.func.unit;
        let owner = &self.cx.facts.units[unit].name;
        let mut out = Vec::new();
        for n in of_kind(self.func.body, "identifier") {
            let name = self.text(n);
            if self.file.statics.contains_key(name) && !self.func.decls.declares(name) {
                let write = self.write_of(n);
                let kind = write.map_or(TouchKind::Read, |_| TouchKind::Write);
                let touch = Touch::new(Some(unit), owner, name, write.unwrap_or(n), kind);
                out.push(touch);
            }
        }
        out
    }

    /// The change of a static through this use, if any: an assignment to a `static mut`, an
    /// atomic's `store`/`fetch_add`, a lock or cell taken to change what it holds.
    fn write_of(&self, name: Node<'t>) -> Option<Node<'t>> {
        let mut at = name;
        let mut guarded = self.file.statics[self.text(name)].mutable;
        while let Some(parent) = at.parent() {
            let left = parent.child_by_field_name("left");
            match parent.kind() {
                "assignment_expression" | "compound_assignment_expr" if left == Some(at) => {
                    return guarded.then_some(parent);
                }
                "field_expression" | "unary_expression" | "index_expression" | "try_expression" => {
                    at = parent
                }
                "call_expression" => {
                    let Some(Callee::Method(_, method)) = self.callee(parent) else {
                        return None;
                    };
                    let is = |names: &[&str]| names.iter().any(|n| method.starts_with(n));
                    let mutable_access = GUARDS.contains(&method.as_str()) && method != "lock";
                    if is(&ATOMIC_WRITES) || (guarded && is(CONTAINER_WRITES)) || mutable_access {
                        return Some(parent);
                    }
                    guarded |= method == "lock";
                    at = parent;
                }
                "let_declaration" => return (guarded && is_mut(parent)).then_some(parent),
                _ => return None,
            }
        }
        None
    }
}

/// Statics changed by one function and read or changed by others; lazily built statics of
/// test code that tests change are shared fixtures.
pub(super) fn static_state<'t>(
    cx: &FileCtx<'t>,
    file: &RustFile<'t>,
    funcs: &[Func<'t>],
) -> Vec<(Node<'t>, Smell, Option<usize>)> {
    let mut touches = Vec::new();
    for (name, s) in file.statics.iter().filter(|(_, s)| s.setup) {
        touches.push(Touch::new(None, name, name, s.node, TouchKind::Setup));
    }
    touches.sort_by_key(|t| t.node.start_byte());
    for func in funcs {
        touches.extend(Scope { cx, file, func }.touches());
    }
    judge_exposures(&touches, Lang::Rust, |var| format!("static `{var}`"))
}
