//! JavaScript's time: fixed sleeps, timer callbacks, and measured durations compared with a bound.

use super::*;

impl<'c, 's, 't> Walk<'c, 's, 't> {
    /// Whether a timer callback races the test; one resolving a promise is a sleep, judged here.
    pub(super) fn timer(&mut self, call: Node<'t>, args: &[Node<'t>], ctx: &Ctx) -> bool {
        if self.info.fake_clock {
            return false;
        }
        if let Some(resolve) = self.promise_resolver(call) {
            if args.first().is_some_and(|cb| self.only_calls(*cb, resolve))
                && let Some(&duration) = args.get(1)
            {
                // The executor is part of the wait: where it runs is where the promise is made.
                let promise = enclosing_function(call).unwrap_or(call);
                self.sleep(call, promise, duration, ctx);
            }
            return false;
        }
        // A timer of no delay only defers to the event loop's next turn: no clock to race. A
        // callback that neither asserts nor ends the test (`() => conn.close()`) only acts,
        // and the test waits for what follows; a function passed by name may do either.
        let delayed = args.get(1).is_some_and(|d| self.text(*d) != "0");
        let asserts = args.first().map(|a| unwrap(*a)).is_some_and(|cb| {
            // `done` called or handed on (`server.close(done)`) ends the test.
            let done = |d: Node<'_>| d.kind() == "identifier" && self.text(d) == "done";
            !is_function(cb.kind())
                || self.asserts(cb)
                || syntax::descendants(cb).into_iter().any(done)
        });
        matches!(ctx.role, Role::Test | Role::Hook(_)) && delayed && asserts
    }

    /// A call that waits `duration` (`await sleep(300)`, `cy.wait(500)`, a promise resolved by
    /// `setTimeout`), for the shared rule to judge. Where the function around `at` is not a
    /// test, hook or named helper, it is a callback (a mock's body, a handler).
    pub(super) fn sleep(&mut self, call: Node<'t>, at: Node<'t>, duration: Node<'t>, ctx: &Ctx) {
        let sleep = Sleep {
            call: self.shown(call),
            duration: Amount::of_duration(self.is_constant(duration, 2), self.text(duration)),
            in_loop: syntax::in_loop(call, LOOPS, FUNCTIONS),
            place: match enclosing_function(at) {
                Some(f) if !self.is_unit_body(f, ctx.role) => Place::Callback,
                _ => ctx.role.place(),
            },
            faked: self.info.fake_clock,
        };
        self.judge(call, Fact::Sleep(sleep), ctx.unit);
    }

    /// Whether a call is a plain function call or a call through an imported module, not a
    /// method of some object (`sleep(10)`, `utils.sleep(10)`, not `lock.wait(10)`).
    pub(super) fn plain_callee(&self, call: Node<'_>) -> bool {
        let callee = call.child_by_field_name("function").map(unwrap);
        let object = callee.and_then(|c| c.child_by_field_name("object"));
        callee.is_some_and(|c| c.kind() == "identifier")
            || object.map(unwrap).is_some_and(|o| {
                o.kind() == "identifier" && self.info.imported.contains_key(self.text(o))
            })
    }

    /// The `resolve` parameter of the `new Promise((resolve) => ...)` executor a call is in.
    fn promise_resolver(&self, node: Node<'_>) -> Option<&'s str> {
        let executor = enclosing_function(node)?;
        let promise = self.info.callee(call_of_argument(executor)?)?;
        if promise != "new Promise" {
            return None;
        }
        Some(self.text(first_parameter(executor)?))
    }

    /// Whether a timer callback only calls `name`: `resolve`, `() => resolve()`.
    fn only_calls(&self, callback: Node<'_>, name: &str) -> bool {
        let cb = unwrap(callback);
        if cb.kind() == "identifier" {
            return self.text(cb) == name;
        }
        let body = cb.child_by_field_name("body");
        let mut body = body.filter(|_| is_function(cb.kind()));
        // A block of one statement: its expression.
        if let Some(block) = body.filter(|b| b.kind() == "statement_block") {
            body = match syntax::named_children(block).as_slice() {
                [only] if only.kind() == "expression_statement" => only.named_child(0),
                _ => None,
            };
        }
        // `resolve(value)` after a delay simulates a slow call; `resolve()` only waits.
        body.is_some_and(|b| {
            arguments(b).is_empty() && self.info.callee(b).as_deref() == Some(name)
        })
    }

    /// `expect(elapsed).toBeLessThan(100)`: a duration compared with a bound by a matcher.
    pub(super) fn bound_matcher(&mut self, call: Node<'t>, callee: Node<'t>, ctx: &Ctx) {
        let matcher = self.method_name(call);
        let Some(&(_, less)) = BOUND_MATCHERS.iter().find(|(m, _)| Some(*m) == matcher) else {
            return;
        };
        let object = unwrap(callee).child_by_field_name("object");
        let subject = object.and_then(|o| self.expect_subject(o));
        if subject.is_some_and(|s| self.is_duration(s, 2)) {
            // `expect(elapsed).not.toBeGreaterThan(100)` bounds it from above too.
            let negated =
                object.is_some_and(|o| self.chain_has(o, &["member_expression"], &["not"]));
            self.elapsed_bound(call, less != negated, ctx);
        }
    }

    /// A measured duration compared with a bound, for the shared rule to judge.
    fn elapsed_bound(&mut self, node: Node<'t>, upper: bool, ctx: &Ctx) {
        let fact = ElapsedBound {
            code: self.shown(node),
            upper,
            in_loop: syntax::in_loop(node, LOOPS, FUNCTIONS),
            test_code: self.cx.test_file,
        };
        self.judge(node, Fact::ElapsedBound(fact), ctx.unit);
    }

    /// The value under test in an `expect(value).to...` chain.
    pub(super) fn expect_subject(&self, n: Node<'t>) -> Option<Node<'t>> {
        let expect = chain(n, CALL_CHAIN).find(|c| {
            c.kind() == "call_expression"
                && c.child_by_field_name("function")
                    .is_some_and(|f| f.kind() == "identifier" && self.text(f) == "expect")
        })?;
        arguments(expect).first().copied()
    }

    /// `assert.ok(elapsed < 100)`: a duration compared with a bound inside an assertion.
    pub(super) fn comparison(&mut self, node: Node<'t>, ctx: &Ctx) {
        let op = self.operator(node);
        if !matches!(op, "<" | "<=" | ">" | ">=") {
            return;
        }
        let mut duration = |side| {
            node.child_by_field_name(side)
                .is_some_and(|s| self.is_duration(s, 2))
        };
        let (on_left, on_right) = (duration("left"), duration("right"));
        if (on_left || on_right)
            && ancestors_in_function(node)
                .take_while(|p| !p.kind().ends_with("statement"))
                .any(|p| p.kind() == "call_expression" && self.is_assertion(p))
        {
            self.elapsed_bound(node, bounds_from_above(op, on_left, false), ctx);
        }
    }

    /// Whether code asserts or ends a test: an assertion or assert helper (`assertResponse(res)`),
    /// a call on node-tap's `t` (`t.equal`, `t.end()`), ava's or tape's `end()`/`pass()`/`fail()`.
    pub(super) fn asserts(&self, code: Node<'_>) -> bool {
        let calls = syntax::descendants(code).into_iter();
        calls.filter(|d| d.kind() == "call_expression").any(|d| {
            let q = self.info.callee(d).unwrap_or_default();
            self.is_assertion(d)
                || q.starts_with("t.")
                || q.to_ascii_lowercase().contains("assert")
                || matches!(q.as_str(), "end" | "pass" | "fail")
        })
    }

    pub(super) fn is_assertion(&self, call: Node<'_>) -> bool {
        let Some(callee) = call.child_by_field_name("function") else {
            return false;
        };
        // node-tap's and ava's `t.ok(cond)`, `t.true(cond)` on the test's `t`.
        let on_t = matches!(self.text(callee), "t.ok" | "t.notOk" | "t.true" | "t.false");
        // The name the chain starts from: `expect` in `expect(x).not.toBe(y)`.
        let root = chain(callee, CALL_CHAIN).last();
        on_t || root.filter(|r| r.kind() == "identifier").is_some_and(|r| {
            let t = self.text(r);
            t == "expect" || t == "assert" || self.info.q(r).starts_with("assert")
        })
    }

    /// Whether a clock read only measures: `Date.now() - start`, or a variable only subtracted.
    pub(super) fn measures(&self, call: Node<'t>) -> bool {
        let mut n = call;
        while let Some(p) = n.parent() {
            match p.kind() {
                "parenthesized_expression" => n = p,
                "member_expression"
                    if p.child_by_field_name("property")
                        .is_some_and(|x| matches!(self.text(x), "getTime" | "valueOf")) =>
                {
                    match p.parent().filter(|g| g.kind() == "call_expression") {
                        Some(g) => n = g,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        let subtracted = |n: Node<'_>| {
            n.parent()
                .is_some_and(|p| p.kind() == "binary_expression" && self.operator(p) == "-")
        };
        let declarator = n.parent().filter(|p| p.kind() == "variable_declarator");
        subtracted(n) || declarator.is_some_and(|d| self.every_use(d, subtracted))
    }

    /// Whether a value is a measured duration: `Date.now() - start`, `process.hrtime(start)`,
    /// or a variable holding one (or named `elapsed`/`duration` and computed by a call).
    fn is_duration(&mut self, node: Node<'t>, depth: u8) -> bool {
        let n = unwrap(node);
        match n.kind() {
            "binary_expression" if self.operator(n) == "-" => syntax::named_children(n)
                .into_iter()
                .any(|side| self.is_clock_value(side, depth)),
            "call_expression" => {
                let q = self.info.callee(n).unwrap_or_default();
                q.starts_with("process.hrtime") && !arguments(n).is_empty()
            }
            "identifier" => {
                let lower = self.text(n).to_ascii_lowercase();
                let named = lower.contains("elapsed") || lower.contains("duration");
                let Some(v) = self.declared_value(n) else {
                    return named;
                };
                let computed = matches!(unwrap(v).kind(), "call_expression" | "await_expression");
                depth > 0 && self.is_duration(v, depth - 1) || named && computed
            }
            _ => false,
        }
    }

    pub(super) fn is_clock_value(&mut self, node: Node<'t>, depth: u8) -> bool {
        let n = unwrap(node);
        self.mentions(n, &CLOCKS)
            || n.kind() == "identifier"
                && depth > 0
                && self
                    .declared_value(n)
                    .is_some_and(|v| self.is_clock_value(v, depth - 1))
    }
}
