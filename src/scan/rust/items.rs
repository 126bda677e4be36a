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
    named_children(attribute)
        .into_iter()
        .next()
        .is_some_and(|path| is_test_runner(cx.text(path)))
}

/// Whether an attribute's path names a test runner (`test`, `tokio::test`, `rstest`, ...).
pub(super) fn is_test_runner(path: &str) -> bool {
    const RUNNERS: [&str; 5] = [
        "test",
        "rstest",
        "test_case",
        "quickcheck",
        "wasm_bindgen_test",
    ];
    RUNNERS.contains(&last_segment(&compact(path)))
}

/// The module path of a file in a crate's `src/` (`src/a/b.rs` and `src/a/b/mod.rs` are
/// `a::b`), since cargo names its tests from the crate root (`src/lib.rs::a::b::tests::x`);
/// empty for the crate roots and elsewhere.
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

/// Records the functions of a file and of the modules (and impl blocks) in it, in source
/// order; nested modules are a worklist, not recursion.
pub(super) fn record_items<'t>(
    root: Node<'t>,
    file: &RustFile<'t>,
    macro_tests: &HashMap<usize, (&str, Node<'t>)>,
    cx: &mut FileCtx<'_>,
) -> Vec<Func<'t>> {
    let mut funcs = Vec::new();
    // Each item with where it is: its modules (and impl type), and whether that is test code.
    let top = Rc::new((module_path(cx.path), cx.test_file));
    let mut pending: Vec<_> = named_children(root)
        .into_iter()
        .rev()
        .map(|item| (item, Rc::clone(&top)))
        .collect();
    while let Some((item, at)) = pending.pop() {
        let attrs = attributes(item);
        let test_code = at.1 || attrs.iter().any(|a| is_cfg_test(*a, cx));
        match item.kind() {
            "function_item" => {
                let test = attrs.iter().any(|a| is_test_attribute(*a, cx));
                let field = |name| item.child_by_field_name(name);
                if let (Some(name), Some(body)) = (field("name"), field("body")) {
                    let name = cx.text(name);
                    let at = (at.0.as_slice(), test_code);
                    funcs.push(Func::record(item, name, body, at, test, file, cx));
                }
            }
            // A test macro's invocation (at the top level, a statement).
            "macro_invocation" | "expression_statement" => {
                if let Some(&(name, code)) = macro_tests.get(&item.start_byte()) {
                    let at = (at.0.as_slice(), test_code);
                    funcs.push(Func::record(code, name, code, at, true, file, cx));
                }
            }
            "mod_item" | "impl_item" | "trait_item" => {
                // An `impl`'s name is its type (`impl Display for Store` is `Store`).
                let field = |name| item.child_by_field_name(name);
                let name = field("type").or_else(|| field("name"));
                let (Some(name), Some(body)) = (name, field("body")) else {
                    continue;
                };
                let parents = [at.0.as_slice(), &[cx.text(name).to_owned()]].concat();
                let inner = Rc::new((parents, test_code));
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
