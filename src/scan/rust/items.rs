//! Rust's tests and their names: the items of a file in their modules (and `impl` blocks),
//! which test attributes make tests, and which `#[cfg(test)]` modules make test code.

use super::*;

/// Whether a node is inside a `#[cfg(test)]` module.
pub(super) fn in_test_module(node: Node<'_>, cx: &FileCtx<'_>) -> bool {
    syntax::ancestors(node)
        .any(|n| n.kind() == "mod_item" && attributes(n).iter().any(|a| is_cfg_test(*a, cx)))
}

/// The attributes written before an item.
pub(super) fn attributes(item: Node<'_>) -> Vec<Node<'_>> {
    let before = std::iter::successors(item.prev_named_sibling(), Node::prev_named_sibling);
    let code = before.filter(|n| !matches!(n.kind(), "line_comment" | "block_comment"));
    let items = code.take_while(|n| n.kind() == "attribute_item");
    items.flat_map(named_children).collect()
}

/// The path of an attribute (`cfg`, `tokio::test`).
fn path_of<'s>(attribute: Node<'_>, cx: &FileCtx<'s>) -> &'s str {
    attribute.named_child(0).map_or("", |path| cx.text(path))
}

/// `#[cfg(test)]`, `#[cfg(all(test, ...))]`, not `#[cfg(not(test))]`.
fn is_cfg_test(attribute: Node<'_>, cx: &FileCtx<'_>) -> bool {
    let words = texts(attribute, "identifier", cx);
    path_of(attribute, cx) == "cfg" && words.contains(&"test") && !words.contains(&"not")
}

/// Whether an attribute's path names a test runner: `#[test]`, `#[tokio::test]` and other
/// `::test`s, `#[rstest]`, `#[test_case(..)]`, ...
pub(super) fn is_test_runner(path: &str) -> bool {
    matches!(
        last_segment(&compact(path)),
        "test" | "rstest" | "test_case" | "quickcheck" | "wasm_bindgen_test"
    )
}

/// The module path of a file in a crate's `src/` (`src/a/b.rs` and `src/a/b/mod.rs` are
/// `a::b`), since cargo names its tests from the crate root (`src/lib.rs::a::b::tests::x`);
/// empty for the crate roots and elsewhere.
fn module_path(path: &str) -> Vec<String> {
    let in_crate = |(before, _): &(&str, &str)| before.is_empty() || before.ends_with('/');
    let Some((_, in_src)) = path.rsplit_once("src/").filter(in_crate) else {
        return Vec::new();
    };
    let stem = in_src.strip_suffix(".rs").unwrap_or(in_src);
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    if matches!(stem, "lib" | "main") || stem.starts_with("bin/") {
        return Vec::new();
    }
    stem.split('/').map(str::to_owned).collect()
}

/// Records the functions of a file and of the modules (and impl blocks) in it, in source order.
pub(super) fn record_items<'t>(
    root: Node<'t>,
    file: &RustFile<'t>,
    macro_tests: &HashMap<usize, (&str, Node<'t>)>,
    cx: &mut FileCtx<'_>,
) -> Vec<Func<'t>> {
    const CONTAINERS: [&str; 3] = ["mod_item", "impl_item", "trait_item"];
    let entered = |n: Node<'_>| CONTAINERS.contains(&n.kind()) || n.kind() == "declaration_list";
    let mut funcs = Vec::new();
    for item in syntax::descendants_entering(root, entered) {
        let field = |name| item.child_by_field_name(name);
        let (name, body, node, test) = match item.kind() {
            "function_item" => {
                let (Some(name), Some(body)) = (field("name"), field("body")) else {
                    continue;
                };
                let runner = |a: &Node<'_>| is_test_runner(path_of(*a, cx));
                let test = attributes(item).iter().any(runner);
                (cx.text(name), body, item, test)
            }
            // A test macro's invocation (at the top level, a statement).
            "macro_invocation" | "expression_statement" => {
                let Some(&(name, code)) = macro_tests.get(&item.start_byte()) else {
                    continue;
                };
                (name, code, code, true)
            }
            _ => continue,
        };
        // Where it is: its modules and impl types (`impl Display for Store` is `Store`), and
        // whether they or it are test code.
        let container = |a: &Node<'t>| CONTAINERS.contains(&a.kind());
        let outer: Vec<Node<'t>> = syntax::ancestors(item).filter(container).collect();
        let name_of = |c: &Node<'t>| {
            c.child_by_field_name("type")
                .or(c.child_by_field_name("name"))
        };
        let names = outer.iter().rev().filter_map(name_of);
        let names = names.map(|n| cx.text(n).to_owned());
        let parents = [module_path(cx.path), names.collect()].concat();
        let cfg_test = |n: &Node<'t>| attributes(*n).iter().any(|a| is_cfg_test(*a, cx));
        let test_code = test || cx.test_file || cfg_test(&item) || outer.iter().any(cfg_test);
        let kind = if test {
            UnitKind::Test
        } else {
            UnitKind::Helper
        };
        let mut func = Func {
            body,
            kind,
            unit: 0,
            test_code,
            decls: declarations(node, cx),
        };
        let calls = Scope {
            cx: &*cx,
            file,
            func: &func,
        }
        .calls();
        func.unit = record_unit(cx, node, name, parents, kind, test_code, calls);
        funcs.push(func);
    }
    funcs
}
