//! Ginkgo's specs and per-spec hooks as tests, named by their titles under their containers'.

use super::*;

/// A Ginkgo spec or per-spec hook: a call of [`GINKGO`] that is one, with a body.
pub(super) fn spec<'t>(call: Node<'t>, cx: &FileCtx<'_>) -> Option<Head<'t>> {
    let (node, kind) = ginkgo_node(call, cx)?;
    let kind = kind?;
    let literal = args(call)
        .into_iter()
        .find(|a| a.kind() == "func_literal")?;
    let title = |c: Node<'_>| Some(unquote(cx.text(*args(c).first()?)).to_owned());
    // A hook is named by its kind (`BeforeEach`), a spec by its title.
    let name = match kind {
        UnitKind::Hook => node.to_owned(),
        _ => title(call)?,
    };
    let containers = syntax::ancestors(call).filter(|a| {
        a.kind() == "call_expression" && ginkgo_node(*a, cx).is_some_and(|(_, k)| k.is_none())
    });
    let mut parents: Vec<String> = containers.filter_map(title).collect();
    parents.reverse();
    Some((literal, name, kind, parents))
}

/// Ginkgo's nodes by kind (containers have none), `F`ocused, `P`ending or `X`ed out as well.
const GINKGO: [(Option<UnitKind>, &[&str]); 4] = [
    (None, &["Describe", "Context", "When"]),
    (Some(UnitKind::Test), &["It", "Specify", "Entry"]),
    (Some(UnitKind::Hook), &["BeforeEach", "AfterEach"]),
    (Some(UnitKind::Hook), &["JustBeforeEach", "JustAfterEach"]),
];

/// The Ginkgo node a call makes (`It`, `FIt`, `ginkgo.It`), and its kind.
fn ginkgo_node(call: Node<'_>, cx: &FileCtx<'_>) -> Option<(&'static str, Option<UnitKind>)> {
    let function = call.child_by_field_name("function")?;
    let name = match function.kind() {
        "identifier" => cx.text(function),
        "selector_expression" => cx.text(function.child_by_field_name("field")?),
        _ => return None,
    };
    let bare = name.strip_prefix(['F', 'P', 'X']);
    GINKGO.into_iter().find_map(|(kind, nodes)| {
        let node = nodes.iter().find(|n| **n == name || bare == Some(**n))?;
        Some((*node, kind))
    })
}
