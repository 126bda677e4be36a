//! Go's map iteration order: a `range` over a map that collects, builds a string or writes output.

use super::*;

const MAP_ORDER: Variant = rules::unordered_iteration::RULE.variant_in(Lang::Go);

impl<'s, 't> Scope<'_, 's, 't> {
    /// A `range` over a map whose body collects into a slice (not sorted after), builds a
    /// string or writes output: the order differs from run to run.
    pub(super) fn map_order(&self, node: Node<'t>) -> Option<Smell> {
        let clause = named_children(node)
            .into_iter()
            .find(|c| c.kind() == "range_clause")?;
        let map = clause.child_by_field_name("right")?;
        let is_map = match map.kind() {
            "identifier" => self.declared_as(self.text(map), "map_type"),
            // `s.members`, a field the file declares as a map.
            "selector_expression" => map
                .child_by_field_name("field")
                .is_some_and(|f| self.file.map_fields.contains(self.text(f))),
            _ => false,
        };
        is_map.then_some(())?;
        let body = node.child_by_field_name("body")?;
        let (what, target) = self.collects(body)?;
        (!target.is_some_and(|t| self.sorted_after(t, node))).then_some(())?;
        Some(MAP_ORDER.smell(format!(
            "ranging over map {} {what} in a different order each run",
            quote_code(self.text(map))
        )))
    }

    /// What a loop body does in iteration order, and the slice it appends to if that is it.
    fn collects(&self, body: Node<'t>) -> Option<(&'static str, Option<&'s str>)> {
        let declared_inside: Decls = declarations(body, self.cx).into_iter().collect();
        descendants(body).into_iter().find_map(|n| match n.kind() {
            "assignment_statement" => {
                let (left, right) = (field_nodes(n, "left"), field_nodes(n, "right"));
                let target = self.text(*left.first()?);
                if declared_inside.declares(target) || left.len() != 1 {
                    return None;
                }
                let appends = (right.first())
                    .is_some_and(|r| matches!(self.callee(*r), Callee::Local(f) if f == "append"));
                match self.text(n.child_by_field_name("operator")?) {
                    "=" if appends => Some(("appends", Some(target))),
                    "+=" if self.declared_as(target, "string") => Some(("builds a string", None)),
                    _ => None,
                }
            }
            "call_expression" => {
                let outside = |w: &Node<'t>| {
                    root_variable(*w).is_some_and(|v| !declared_inside.declares(self.text(v)))
                };
                let writes = match self.callee(n) {
                    Callee::Method(recv, m) => m.starts_with("Write") && outside(&recv),
                    Callee::Package(p, f) if p == "fmt" && f.starts_with("Fprint") => {
                        args(n).first().is_some_and(outside)
                    }
                    Callee::Package(p, f) if p == "fmt" && f.starts_with("Print") => {
                        self.checks_ordered_output()
                    }
                    _ => false,
                };
                writes.then_some(("writes output", None))
            }
            _ => None,
        })
    }

    /// Whether the function is an Example whose standard output is compared line by line in
    /// order (`// Output:`, not `// Unordered output:`).
    fn checks_ordered_output(&self) -> bool {
        let unordered = |n: &Node<'t>| {
            n.kind() == "comment" && self.text(*n).starts_with("// Unordered output:")
        };
        self.func.is_some_and(|f| f.name.starts_with("Example"))
            && !self.body_nodes().iter().any(unordered)
    }

    /// Whether a slice is sorted after a node (`sort.Strings(keys)`, `slices.Sort(keys)`).
    fn sorted_after(&self, slice: &str, node: Node<'t>) -> bool {
        self.body_nodes().into_iter().any(|n| {
            n.start_byte() > node.end_byte()
                && (self.calls_package(n, "sort", &["*"])
                    || self.calls_package(n, "slices", &["Sort*"]))
                && args(n).first().is_some_and(|a| self.text(*a) == slice)
        })
    }
}
