//! Rust's tests and their names: the items of a file in their modules (and `impl` blocks),
//! which test attributes make tests, and which `#[cfg(test)]` modules make test code.

use std::rc::Rc;

use super::*;

/// Whether a node is inside a `#[cfg(test)]` module.
pub(super) fn in_test_module(node: Node<'_>, cx: &FileCtx<'_>) -> bool {
    syntax::ancestors(node)
        .any(|n| n.kind() == "mod_item" && attributes(n).iter().any(|a| is_cfg_test(*a, cx)))
}

/// The attributes written before an item.
pub(super) fn attributes(item: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut at = item.prev_named_sibling();
    while let Some(n) = at {
        match n.kind() {
            "attribute_item" => out.extend(named_children(n)),
            "line_comment" | "block_comment" => {}
            _ => break,
        }
        at = n.prev_named_sibling();
    }
    out
}

/// `#[cfg(test)]`, `#[cfg(all(test, ...))]`, not `#[cfg(not(test))]`.
fn is_cfg_test(attribute: Node<'_>, cx: &FileCtx<'_>) -> bool {
    let Some(path) = named_children(attribute).into_iter().next() else {
        return false;
    };
    let words = attribute
        .child_by_field_name("arguments")
        .map_or_else(Vec::new, |a| texts(a, "identifier", cx));
    cx.text(path) == "cfg" && words.contains(&"test") && !words.contains(&"not")
}

/// `#[test]`, `#[tokio::test]` and other `::test`s, `#[rstest]`, `#[test_case(..)]`, ...
fn is_test_attribute(attribute: Node<'_>, cx: &FileCtx<'_>) -> bool {
    const RUNNERS: [&str; 5] = [
        "test",
        "rstest",
        "test_case",
        "quickcheck",
        "wasm_bindgen_test",
    ];
    named_children(attribute)
        .into_iter()
        .next()
        .is_some_and(|path| RUNNERS.contains(&last_segment(&compact(cx.text(path)))))
}

/// Where an item is: its modules (and impl type), and whether it is test code.
#[derive(Clone)]
pub(super) struct Context {
    pub(super) parents: Vec<String>,
    pub(super) test_code: bool,
}

impl Context {
    /// A file's top level: in a crate's `src/`, its module path (`src/a/b.rs` and `src/a/b/mod.rs`
    /// are `a::b`), since cargo names its tests from the crate root (`src/lib.rs::a::b::tests::x`).
    pub(super) fn top(path: &str, test_file: bool) -> Self {
        Self {
            parents: module_path(path),
            test_code: test_file,
        }
    }

    fn inside(&self, name: &str, test_code: bool) -> Self {
        let mut parents = self.parents.clone();
        parents.push(name.to_owned());
        Self {
            parents,
            test_code: self.test_code || test_code,
        }
    }
}

/// The module path of a file under a crate's `src/` (empty for the crate roots and elsewhere).
fn module_path(path: &str) -> Vec<String> {
    let Some((_, in_src)) = path
        .rsplit_once("src/")
        .filter(|(before, _)| before.is_empty() || before.ends_with('/'))
    else {
        return Vec::new();
    };
    let stem = in_src.strip_suffix(".rs").unwrap_or(in_src);
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    if matches!(stem, "lib" | "main") || stem.starts_with("bin/") {
        return Vec::new();
    }
    stem.split('/').map(str::to_owned).collect()
}

/// Records the functions of a module (or file, or impl block) and of the modules in it, in
/// source order; nested modules are a worklist, not recursion.
pub(super) fn record_items<'t>(
    list: Node<'t>,
    at: Context,
    file: &RustFile<'t>,
    cx: &mut FileCtx<'_>,
) -> Vec<Func<'t>> {
    let mut funcs = Vec::new();
    let at = Rc::new(at);
    let mut pending: Vec<(Node<'t>, Rc<Context>)> = named_children(list)
        .into_iter()
        .rev()
        .map(|item| (item, Rc::clone(&at)))
        .collect();
    while let Some((item, at)) = pending.pop() {
        let attrs = attributes(item);
        let cfg_test = attrs.iter().any(|a| is_cfg_test(*a, cx));
        match item.kind() {
            "function_item" => {
                let test = attrs.iter().any(|a| is_test_attribute(*a, cx));
                funcs.extend(Func::record(item, &at, test, cfg_test, file, cx));
            }
            "mod_item" | "impl_item" | "trait_item" => {
                let name = if item.kind() == "mod_item" {
                    item.child_by_field_name("name")
                } else {
                    item.child_by_field_name("type")
                        .or_else(|| item.child_by_field_name("name"))
                };
                let (Some(name), Some(body)) = (name, item.child_by_field_name("body")) else {
                    continue;
                };
                let inner = Rc::new(at.inside(cx.text(name), cfg_test));
                pending.extend(
                    named_children(body)
                        .into_iter()
                        .rev()
                        .map(|item| (item, Rc::clone(&inner))),
                );
            }
            _ => {}
        }
    }
    funcs
}
