//! Rust's iteration order of a HashMap or HashSet: collected into a Vec or String, filled
//! into one by a loop, or asserted on, without a sort after.

use super::*;

const HASH_ORDER: Variant = rules::unordered_iteration::RULE.variant_in(Lang::Rust);

/// Whether a method of a HashMap or HashSet iterates it: `iter`, `iter_mut`, `keys`,
/// `values_mut`, `into_values`, `drain`, ...
fn iterates(method: &str) -> bool {
    let prefixes = ["iter", "keys", "values", "into_", "drain"];
    prefixes.iter().any(|m| method.starts_with(m))
}

impl<'t> Scope<'_, '_, 't> {
    /// Whether a local is a HashMap or HashSet: its type or value names one (`HashSet<u32>`,
    /// `HashMap::new()`, `collect::<HashSet<_>>()`), and no BTree one.
    fn is_hash(&self, name: &str) -> bool {
        let decl = self.func.decls.of(name).next();
        let nodes = decl.into_iter().flat_map(|d| [d.ty, d.value]).flatten();
        let nodes = nodes.flat_map(descendants);
        let names = nodes.filter(|n| matches!(n.kind(), "identifier" | "type_identifier"));
        let names: Vec<&str> = names.map(|n| self.text(n)).collect();
        names.iter().any(|n| matches!(*n, "HashMap" | "HashSet"))
            && !names.iter().any(|n| n.starts_with("BTree"))
    }

    /// `set.iter()...collect::<Vec<_>>()` (or into a `let v: Vec<_>`/String, or `.join`)
    /// without a sort of the result after; `name` is the method's (`iter`).
    pub(super) fn hash_collect(&self, call: Node<'t>, recv: Node<'t>, name: &str) -> Option<Smell> {
        if !iterates(name) || recv.kind() != "identifier" || !self.is_hash(self.text(recv)) {
            return None;
        }
        let after = self.chain_after(call);
        (!after.iter().any(|(_, m)| m.starts_with("sorted"))).then_some(())?;
        let ordered = after
            .iter()
            .any(|(next, m)| m == "join" || (m == "collect" && self.collects_ordered(*next)));
        let chain = after.last().map_or(call, |(last, _)| *last);
        // The `let` the result is bound by: typed as a Vec or a String, sorted after.
        let bound_by = chain.parent().filter(|p| p.kind() == "let_declaration");
        let bound = |field| bound_by.and_then(|p| p.child_by_field_name(field));
        let ordered = ordered || bound("type").is_some_and(|t| is_ordered_type(t, self.cx));
        if !ordered || bound("pattern").is_some_and(|name| self.sorts(self.text(name), chain)) {
            return None;
        }
        let code = quote_code(&self.short(chain));
        let says = format!("{code} collects a HashMap or HashSet in a different order each run");
        Some(HASH_ORDER.smell(says))
    }

    /// `collect::<Vec<_>>()`, `collect::<String>()`.
    fn collects_ordered(&self, call: Node<'t>) -> bool {
        call.child_by_field_name("function")
            .filter(|f| f.kind() == "generic_function")
            .and_then(|f| f.child_by_field_name("type_arguments"))
            .is_some_and(|t| is_ordered_type(t, self.cx))
    }

    /// Whether a variable is sorted after a node (`v.sort()`, `v.sort_by(..)`).
    fn sorts(&self, name: &str, after: Node<'t>) -> bool {
        self.body_nodes().into_iter().any(|n| {
            n.start_byte() > after.end_byte()
                && matches!(self.callee(n), Some(Callee::Method(recv, m))
                    if m.starts_with("sort") && self.text(recv) == name)
        })
    }

    /// An assertion whose tokens read `set . iter (..) ... collect`, with no sort.
    pub(super) fn hash_assertion(&self, node: Node<'t>, tokens: &[Node<'t>]) -> Option<Smell> {
        let texts: Vec<&str> = tokens.iter().map(|t| self.text(*t)).collect();
        let iterates = tokens.iter().enumerate().any(|(i, t)| {
            t.kind() == "identifier"
                && self.is_hash(texts[i])
                && texts.get(i + 1) == Some(&".")
                && texts.get(i + 2).is_some_and(|m| iterates(m))
        });
        let sorted = texts.iter().any(|t| t.starts_with("sort"));
        (iterates && texts.contains(&"collect") && !sorted).then_some(())?;
        let code = quote_code(&self.short(node));
        let says = format!("{code} asserts on the iteration order of a HashMap or HashSet");
        Some(HASH_ORDER.smell(says))
    }

    /// `for x in &map { v.push(..) }` collecting into a Vec or String declared before the loop,
    /// not sorted after.
    pub(super) fn hash_loop(&self, node: Node<'t>) -> Option<Smell> {
        let value = node.child_by_field_name("value")?;
        let map = of_kind(value, "identifier").next()?;
        let direct = matches!(value.kind(), "identifier" | "reference_expression")
            || matches!(self.callee(value), Some(Callee::Method(_, m)) if iterates(&m));
        (direct && self.is_hash(self.text(map))).then_some(())?;
        let body = node.child_by_field_name("body")?;
        let inside = declarations(body, self.cx);
        let target = descendants(body).into_iter().find_map(|n| {
            let Callee::Method(recv, m) = self.callee(n)? else {
                return None;
            };
            let collects = matches!(m.as_str(), "push" | "push_str" | "push_back");
            (collects && recv.kind() == "identifier" && !inside.declares(self.text(recv)))
                .then(|| self.text(recv))
        })?;
        (!self.sorts(target, node)).then_some(())?;
        let map = quote_code(self.text(map));
        let says = format!("the loop over {map} fills `{target}` in a different order each run");
        Some(HASH_ORDER.smell(says))
    }
}

/// Whether a type keeps the order it is filled in: a Vec, a String, a VecDeque.
fn is_ordered_type(ty: Node<'_>, cx: &FileCtx<'_>) -> bool {
    let types = texts(ty, "type_identifier", cx);
    matches!(types.first(), Some(&("Vec" | "String" | "VecDeque")))
}
