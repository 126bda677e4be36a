//! Go's state shared by a package's tests: package-level variables one writes and others use.

use super::*;

/// Method names that change the value they are called on (sync.Map, atomics, containers).
const MUTATORS: &[&str] = &[
    "Store",
    "Add",
    "Swap",
    "CompareAndSwap",
    "Delete",
    "LoadOrStore",
    "LoadAndDelete",
    "Set",
    "Put",
    "Reset",
    "Clear",
];

impl<'t> Scope<'_, '_, 't> {
    /// The reads and writes of package-level variables in the function (`TestMain` only sets up,
    /// `init` runs before any test), for the shared rule to judge.
    pub(super) fn touches(&self) -> Vec<Touch<'t>> {
        let Some(func) = self.func.filter(|f| f.name != "init") else {
            return Vec::new();
        };
        let nodes = self.body_nodes();
        let is_package_var = |n: &Node<'t>| {
            n.kind() == "identifier"
                && self.file.vars.declares(self.text(*n))
                && !self.is_local(self.text(*n))
        };
        // A change, decided once per write: not a lazy initialisation (`if x == nil { x = ... }`),
        // which shares on purpose, nor a client's call (`rdb.Set(ctx, k, v)`).
        let changes = |(t, stmt): &(Node<'t>, Node<'t>)| {
            is_package_var(t)
                && !self.lazy_initialised(*t)
                && !args(*stmt).first().is_some_and(|a| self.is_context(*a))
        };
        let writes: Vec<(Node<'t>, Node<'t>)> = (nodes.iter())
            .flat_map(|n| self.write_targets(*n).into_iter().map(|t| (t, *n)))
            .filter(changes)
            .collect();
        let restored: HashSet<&str> = writes
            .iter()
            .filter(|(_, stmt)| self.in_cleanup(*stmt))
            .map(|(t, _)| self.text(*t))
            .collect();
        let hook = func.kind == UnitKind::Hook;
        // In a function literal given to `X.Do` (a `sync.Once`).
        let in_once = |n| self.in_call(n, |c| matches!(c, Callee::Method(_, m) if m == "Do"));
        let touched = nodes.into_iter().filter(is_package_var);
        let touches = touched.filter(|n| !restored.contains(self.text(*n)));
        let touches = touches.filter_map(|node| {
            let write = writes.iter().find(|(t, _)| t.id() == node.id());
            let kind = match write {
                None if hook => return None,
                None => TouchKind::Read,
                // Ginkgo's hooks (`BeforeEach`...): every spec starts from what they set.
                Some(_) if hook && func.name != "TestMain" => TouchKind::Reset,
                Some((_, stmt)) if hook || in_once(*stmt) => TouchKind::Setup,
                Some(_) => TouchKind::Write,
            };
            let (var, at) = (self.text(node), write.map_or(node, |(_, stmt)| *stmt));
            Some(Touch::new(Some(func.unit), &func.name, var, at, kind))
        });
        touches.collect()
    }

    /// The variables a statement or call changes: assignments, `x++`, `delete(m, k)`,
    /// `atomic.AddInt64(&x, 1)`, `x.Store(v)`.
    fn write_targets(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let targets = match node.kind() {
            "assignment_statement" => field_nodes(node, "left"),
            "inc_statement" | "dec_statement" => named_children(node),
            "call_expression" => match self.callee(node) {
                Callee::Local(f) if f == "delete" || f == "clear" => {
                    args(node).into_iter().take(1).collect()
                }
                Callee::Package(p, _) if p == "sync/atomic" => args(node)
                    .into_iter()
                    .take(1)
                    .filter_map(|a| a.child_by_field_name("operand"))
                    .collect(),
                Callee::Method(recv, m) if MUTATORS.contains(&m.as_str()) => vec![recv],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        targets.into_iter().filter_map(root_variable).collect()
    }

    /// Whether a changed variable is under `if x == nil`.
    fn lazy_initialised(&self, target: Node<'t>) -> bool {
        let name = self.text(target);
        let nil_check = |b: &Node<'t>| {
            let sides = named_children(*b);
            b.kind() == "binary_expression"
                && b.child_by_field_name("operator")
                    .is_some_and(|o| self.text(o) == "==")
                && sides.iter().any(|s| s.kind() == "nil")
                && sides.iter().any(|s| self.text(*s) == name)
        };
        self.ancestors(target).into_iter().any(|a| {
            a.kind() == "if_statement"
                && a.child_by_field_name("condition")
                    .is_some_and(|c| descendants(c).iter().any(nil_check))
        })
    }

    /// Whether a value is a `context.Context`: `ctx`, made by the context package or of its type.
    fn is_context(&self, node: Node<'t>) -> bool {
        let made = |v: &Node<'t>| self.calls_package(*v, "context", &["*"]);
        self.text(node) == "ctx"
            || self.values(node).iter().any(made)
            || self.typed(node, |t| t == "context.Context")
    }
}
