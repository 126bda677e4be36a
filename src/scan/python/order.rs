//! Python's unordered collections (directory listings, sets) whose order a test uses.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// `os.listdir(d)`, `p.iterdir()` whose order is used.
    pub(super) fn listing(&mut self, node: Node<'t>, s: &Scope<'t>) {
        if self.order_matters(node, true, s, 0) {
            let what = "lists entries in no defined order, and the order is used";
            self.report_code(node, s, UNSORTED_LISTING, what);
        }
    }

    /// `os.walk(p)`, `Path.walk()`: a test that binds the `dirs` and `files` it yields (in
    /// directory order) and compares one with a list of two or more names depends on that order.
    pub(super) fn walk(&mut self, node: Node<'t>, s: &Scope<'t>) {
        if !s.is_function() {
            return;
        }
        // The second and third names of a three-name target fed by the walk (or by `next` of it).
        let mut names: Vec<&str> = Vec::new();
        for n in &s.own {
            let field = |name| n.child_by_field_name(name);
            let (Some(target), Some(right)) = (field("left"), field("right")) else {
                continue;
            };
            let fed = right.byte_range().contains(&node.start_byte())
                || (n.start_byte() >= node.end_byte() && self.text(right).contains("next"));
            let parts = syntax::named_children(target);
            if matches!(n.kind(), "for_statement" | "assignment") && parts.len() == 3 && fed {
                names.extend(parts[1..].iter().map(|p| self.text(*p)));
            }
        }
        let compared = s.own.iter().any(|n| {
            let sides = || syntax::named_children(*n).into_iter();
            n.kind() == "comparison_operator"
                && comparison_operators(*n).contains(&"==")
                && sides().any(|x| names.contains(&self.text(x)))
                && sides().any(|x| x.kind() == "list" && x.named_child_count() >= 2)
        });
        if compared {
            let what = "lists each directory's entries in no defined order, and a test compares them with a list in order";
            self.report_code(node, s, UNSORTED_LISTING, what);
        }
    }

    /// A set built here whose iteration order is used.
    pub(super) fn set_order(&mut self, node: Node<'t>, s: &Scope<'t>) {
        if !self.int_set(node) && self.order_matters(node, false, s, 0) {
            let message = format!(
                "the order of the set {} varies between runs (string hashes are salted per process), and the order is used",
                quote_code(&self.short(node))
            );
            self.report(node, s, SET_ORDER.smell(message));
        }
    }

    /// A read, in a function, of a module-level set (its order is then checked as any set's).
    pub(super) fn module_set(&self, node: Node<'t>, s: &Scope<'t>) -> bool {
        let name = self.text(node);
        s.is_function()
            && !s.locals.contains(name)
            && self.value_of(name, None).is_some_and(|v| {
                matches!(v.kind(), "set" | "set_comprehension") || self.callee(v) == Some(SetOf)
            })
            && is_reference(node)
    }

    /// A set of integer literals: CPython orders small ints by value.
    fn int_set(&self, node: Node<'_>) -> bool {
        let elements = match node.kind() {
            "set" => syntax::named_children(node),
            "call" => match self.positional(node).first() {
                Some(arg) if matches!(arg.kind(), "list" | "tuple") => syntax::named_children(*arg),
                Some(arg) => return self.callee_name(*arg) == Some("range"),
                None => return false,
            },
            _ => return false,
        };
        !elements.is_empty() && elements.iter().all(|e| e.kind() == "integer")
    }

    /// Whether the order of an unordered collection (`ordered`: of a sequence made from it) is
    /// used: compared, indexed, joined, iterated to build a sequence.
    fn order_matters(&self, node: Node<'t>, ordered: bool, s: &Scope<'t>, depth: usize) -> bool {
        // Up through what passes the order on (`list(...)`, comprehensions), looping (no stack);
        // through a variable at most twice.
        let (mut node, mut ordered) = (node, ordered);
        loop {
            let Some(parent) = node.parent() else {
                return false;
            };
            let is_field = |field: &str| parent.child_by_field_name(field) == Some(node);
            node = match parent.kind() {
                "parenthesized_expression" => parent,
                "argument_list" => {
                    let Some(call) = parent.parent() else {
                        return false;
                    };
                    match self.callee_name(call) {
                        Some("list" | "tuple" | "enumerate" | "iter" | "str" | "repr" | "join") => {
                            ordered = true;
                            call
                        }
                        Some("next") => return true,
                        Some(
                            "assertEqual"
                            | "assertListEqual"
                            | "assertSequenceEqual"
                            | "assertTupleEqual",
                        ) => return ordered,
                        _ => return false,
                    }
                }
                "for_in_clause" if is_field("right") => {
                    let sequence = ["list_comprehension", "generator_expression"];
                    let comprehension = parent.parent().filter(|c| sequence.contains(&c.kind()));
                    let Some(comprehension) = comprehension else {
                        return false;
                    };
                    ordered = true;
                    comprehension
                }
                // The parent uses the order itself.
                "for_statement" if is_field("right") => return self.loop_keeps_order(parent),
                "subscript" if is_field("value") => return ordered,
                "comparison_operator" => {
                    let operators = comparison_operators(parent);
                    return ordered && operators.iter().any(|o| matches!(*o, "==" | "!="));
                }
                "attribute" if is_field("object") => {
                    let method = parent.child_by_field_name("attribute");
                    return method.is_some_and(|a| matches!(self.text(a), "pop" | "index"));
                }
                "assignment" if is_field("right") && depth < 2 => {
                    let reads = self.reads_of_target(parent, s).unwrap_or_default();
                    let mut reads = reads.into_iter();
                    return reads.any(|n| self.order_matters(n, ordered, s, depth + 1));
                }
                _ => return false,
            };
        }
    }

    /// A loop whose body builds a sequence, writes, yields, or stops at the first match.
    fn loop_keeps_order(&self, node: Node<'t>) -> bool {
        let body = node.child_by_field_name("body").map(syntax::descendants);
        body.unwrap_or_default()
            .into_iter()
            .any(|d| match d.kind() {
                "yield" | "return_statement" | "break_statement" => true,
                "call" => matches!(
                    self.callee_name(d),
                    Some("append" | "extend" | "insert" | "write" | "writelines" | "print")
                ),
                _ => false,
            })
    }
}
