//! JavaScript's asynchrony in tests: `done()` called while another operation still asserts,
//! results collected in the order concurrent callbacks finish, promises left floating.

use super::*;

impl<'c, 's, 't> Walk<'c, 's, 't> {
    /// `done()` in the callback of one operation while a sibling statement starts another
    /// whose callback asserts and does not call `done()`: the test can end first.
    pub(super) fn early_done(&mut self, call: Node<'t>, callee: Node<'t>, ctx: &Ctx) {
        if ctx.role != Role::Test || self.text(callee) != "done" {
            return;
        }
        if let Some(operation) = self.raced_by_done(call) {
            let says = format!(
                "ends the test from the callback of {}, while another operation started beside it has assertions still to run",
                quote_code(&self.shown(operation))
            );
            let rule = rules::early_done::RULE.variant_in(Lang::JavaScript);
            self.says(call, ctx.unit, rule, says);
        }
    }

    /// The operation whose callback calls the test's `done()` (at `call`), when a sibling
    /// statement starts the same operation with a callback that asserts without `done()`.
    fn raced_by_done(&self, call: Node<'t>) -> Option<Node<'t>> {
        /// Methods whose callbacks run before they return, or on events in the order the
        /// emitter defines, or that only register a handler (`router.use(fn)`).
        const NOT_RACING: [&str; 18] = [
            "forEach",
            "map",
            "filter",
            "some",
            "every",
            "reduce",
            "find",
            "findIndex",
            "flatMap",
            "sort",
            "on",
            "once",
            "addListener",
            "addEventListener",
            "prependListener",
            "subscribe",
            "use",
            "param",
        ];
        let callback = enclosing_function(call)?;
        // `done` must be the test callback's own (not a plugin's or a stream's `done`).
        let declares_done = |f: Node<'t>| {
            f.child_by_field_name("parameters")
                .or_else(|| f.child_by_field_name("parameter"))
                .is_some_and(|p| {
                    syntax::descendants(p)
                        .into_iter()
                        .any(|i| i.kind() == "identifier" && self.text(i) == "done")
                })
        };
        let test_owned = !declares_done(callback)
            && ancestors(callback)
                .find(|f| is_function(f.kind()) && declares_done(*f))
                .and_then(call_of_argument)
                .and_then(|c| c.child_by_field_name("function"))
                .is_some_and(|f| names_any(&["*.test", "*.it", "*.specify"], self.text(f)));
        let operation =
            call_of_argument(callback).filter(|o| test_owned && o.kind() == "call_expression")?;
        let statement = operation
            .parent()
            .filter(|p| p.kind() == "expression_statement")?;
        let block = statement
            .parent()
            .filter(|b| b.kind() == "statement_block")?;
        let started = unwrap(operation.child_by_field_name("function")?);
        if NOT_RACING.contains(&self.method_name(operation).unwrap_or(self.text(started))) {
            return None;
        }
        // The same operation started twice (two requests), not a handler registered for the
        // one that ends the test (`addHook`, `on`, a route).
        let racing = syntax::named_children(block)
            .into_iter()
            .filter(|s| s.id() != statement.id() && s.kind() == "expression_statement")
            .filter_map(|s| s.named_child(0).filter(|c| c.kind() == "call_expression"))
            .filter(|c| {
                c.child_by_field_name("function")
                    .is_some_and(|f| self.text(unwrap(f)) == self.text(started))
            })
            .flat_map(arguments)
            .any(|a| {
                is_function(unwrap(a).kind()) && self.asserts(a) && !self.mentions(a, &["done"])
            });
        racing.then_some(operation)
    }

    /// `results.push(...)` in async callbacks that `Promise.all(items.map(...))` runs at once.
    pub(super) fn completion_order(&mut self, call: Node<'t>, callee: Node<'t>, ctx: &Ctx) {
        if self.method_name(call) != Some("push") {
            return;
        }
        let func = enclosing_function(call).filter(|f| is_async(*f));
        let array = unwrap(callee).child_by_field_name("object");
        let (Some(func), Some(array)) = (func, array.and_then(root_identifier)) else {
            return;
        };
        let concurrent = call_of_argument(func)
            .filter(|m| self.method_name(*m) == Some("map"))
            .and_then(call_of_argument)
            .and_then(|all| self.info.callee(all))
            .is_some_and(|q| matches!(q.as_str(), "Promise.all" | "Promise.allSettled"));
        let name = self.text(array);
        if concurrent && !self.scope(func).names.contains(name) {
            let says = "collects results in the order the concurrent callbacks finish";
            let rule = rules::completion_order::RULE.variant_in(Lang::JavaScript);
            self.says(call, ctx.unit, rule, says);
        }
    }

    /// A promise chain or async call left floating in a test or hook.
    pub(super) fn statement(&mut self, stmt: Node<'t>, ctx: &Ctx) {
        if !matches!(ctx.role, Role::Test | Role::Hook(_)) {
            return;
        }
        let first = stmt.named_child(0);
        let Some(expr) = first.filter(|e| e.kind() == "call_expression") else {
            return;
        };
        let Some(callee) = expr.child_by_field_name("function").map(unwrap) else {
            return;
        };
        let chained = matches!(self.method_name(expr), Some("then" | "catch" | "finally"));
        let floating = if chained && !ctx.done_style {
            Some("is neither awaited nor returned: the test can end before it settles")
        } else if self.expect_subject(callee).is_some()
            && self.chain_has(callee, CALL_CHAIN, &["resolves", "rejects"])
        {
            Some("is not awaited: the test can end before the assertion runs")
        } else if callee.kind() == "identifier" && self.info.async_fns.contains(self.text(callee)) {
            Some("calls an async function without awaiting it: the test can end before it settles")
        } else {
            None
        };
        if let Some(says) = floating {
            let rule = rules::unawaited_async::RULE.variant_in(Lang::JavaScript);
            self.says(expr, ctx.unit, rule.severity(Severity::Medium), says);
        }
    }

    /// Whether a chain (through the `through` kinds) reads one of these properties (`.not`).
    pub(super) fn chain_has(&self, n: Node<'_>, through: &'static [&str], props: &[&str]) -> bool {
        chain(n, through).any(|c| {
            c.kind() == "member_expression"
                && c.child_by_field_name("property")
                    .is_some_and(|p| props.contains(&self.text(p)))
        })
    }
}
