//! Python's threads and tasks nobody waits for, and concurrent functions that write shared names.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// A thread started and never joined in the same function.
    pub(super) fn thread(&mut self, call: Node<'t>, s: &Scope<'t>) {
        self.threaded(call, s);
        let this = &*self;
        let method_calls = |name: &'static str| {
            s.own.iter().copied().filter(move |n| {
                let function = n.child_by_field_name("function");
                function.is_some_and(|f| f.kind() == "attribute")
                    && this.callee_name(*n) == Some(name)
            })
        };
        let started = method_calls("start").next().is_some();
        // `t.join()` or `t.join(timeout)`, not `", ".join(items)`.
        let joined = method_calls("join").any(|j| {
            let args = self.positional(j);
            args.is_empty()
                || self.keyword(j, "timeout").is_some()
                || args.first().is_some_and(|a| self.constant(*a))
        });
        if !started || joined {
            return;
        }
        let fact = Fact::Unjoined(Unjoined {
            call: self.short(call),
        });
        self.judge(call, s, &fact);
    }

    /// `asyncio.create_task(...)` never awaited: not stored (nothing can await it), or not here.
    pub(super) fn task(&mut self, call: Node<'t>, s: &Scope<'t>) {
        // A list of tasks: follow the list.
        let lists = |k: &str| matches!(k, "list" | "list_comprehension" | "tuple");
        let top = syntax::outermost(unparenthesize(call), lists);
        let Some(parent) = top.parent().filter(|_| !self.awaited(top)) else {
            return;
        };
        let unawaited = |reads: Vec<Node<'t>>| !reads.into_iter().any(|n| self.awaited(n));
        let (stored, how) = match parent.kind() {
            "expression_statement" => (false, "is never stored, so nothing awaits it"),
            "assignment" if self.reads_of_target(parent, s).is_some_and(unawaited) => {
                (true, "is never awaited here")
            }
            _ => return,
        };
        let message = format!(
            "the task of {} {how}: the test can end before it runs or finishes",
            quote_code(&self.short(call))
        );
        self.report(call, s, UNAWAITED_TASK.less_sure_if(stored).smell(message));
    }

    /// Whether a task expression is awaited: under `await`, passed to `asyncio.gather` & co,
    /// iterated by a loop that awaits, or cancelled or read.
    fn awaited(&self, node: Node<'t>) -> bool {
        let statement = ancestors(node).find(|a| a.kind().ends_with("statement"));
        let mut within = ancestors(node).take_while(|a| Some(*a) != statement);
        let waits = within.any(|a| match a.kind() {
            "await" => true,
            "call" => matches!(self.callee(a), Some(Gather | TaskWaiter)),
            _ => false,
        });
        let attribute = node.parent().filter(|p| p.kind() == "attribute");
        let method = attribute.and_then(|p| p.child_by_field_name("attribute"));
        let method = method.map(|a| self.text(a));
        let loop_awaits = statement.is_some_and(|st| {
            st.kind() == "for_statement"
                && st.child_by_field_name("right") == Some(node)
                && syntax::descendants(st).iter().any(|d| d.kind() == "await")
        });
        waits || loop_awaits || matches!(method, Some("cancel" | "result" | "exception"))
    }

    /// `asyncio.gather` of coroutines that write a shared variable across an `await`.
    pub(super) fn gather(&mut self, call: Node<'t>, s: &Scope<'t>) {
        let args = self.positional(call).into_iter();
        let called = args.filter_map(|c| c.child_by_field_name("function"));
        if let Some((name, shared)) = self.shared_writer(called, s, true) {
            let what = format!(
                "runs `{name}()` concurrently, and it writes `{shared}` across an await: the result depends on scheduling"
            );
            self.report_code(call, s, GATHER_SHARED_STATE, &what);
        }
    }

    /// The first function named by these identifiers that writes a shared name, with the name.
    fn shared_writer(
        &self,
        names: impl IntoIterator<Item = Node<'t>>,
        s: &Scope<'t>,
        across_await: bool,
    ) -> Option<(&'a str, String)> {
        names.into_iter().find_map(|n| {
            let name = (n.kind() == "identifier").then(|| self.text(n))?;
            let def = self.function_named(name, s)?;
            Some((name, self.shared_write(def, across_await)?))
        })
    }

    /// The function of that name in the scope, else the innermost visible one, else the first.
    fn function_named(&self, name: &str, s: &Scope<'t>) -> Option<Node<'t>> {
        let defs = self.functions.get(name)?;
        let range = s.node.byte_range();
        let visible = |d: &&Node<'t>| {
            ancestors(**d)
                .find(|a| a.kind() == "function_definition")
                .is_some_and(|outer| outer.byte_range().contains(&s.node.start_byte()))
        };
        defs.iter()
            .find(|d| range.contains(&d.start_byte()))
            .or_else(|| defs.iter().filter(visible).max_by_key(|d| d.start_byte()))
            .or(defs.first())
            .copied()
    }

    /// A `nonlocal` or `global` name a function assigns across an `await` (if `across_await`), or
    /// else updates in place (`+=`) outside a `with` (a lock).
    fn shared_write(&self, def: Node<'t>, across_await: bool) -> Option<String> {
        let nodes = syntax::descendants(def);
        (!across_await || nodes.iter().any(|n| n.kind() == "await")).then_some(())?;
        let declares = |n: &&Node| matches!(n.kind(), "nonlocal_statement" | "global_statement");
        let declarations = nodes.iter().filter(declares);
        let names = declarations.flat_map(|n| syntax::named_children(*n));
        let shared: Vec<&str> = names.map(|n| self.text(n)).collect();
        let unlocked = |n: Node<'t>| {
            !ancestors(n)
                .take_while(|a| a.id() != def.id())
                .any(|a| a.kind() == "with_statement")
        };
        nodes
            .iter()
            .filter(|n| match n.kind() {
                "assignment" => across_await,
                "augmented_assignment" => across_await || unlocked(**n),
                _ => false,
            })
            .filter_map(|n| n.child_by_field_name("left"))
            .map(|l| self.text(l))
            .find(|l| shared.contains(l))
            .map(str::to_owned)
    }

    /// A function handed to worker threads (`Thread(target=f)`, `executor.submit(f)`) that
    /// updates a shared name in place (`n += 1`) with no lock: threads interleave read and write.
    pub(super) fn threaded(&mut self, call: Node<'t>, s: &Scope<'t>) {
        // Several at once: started in a loop, or from a function started in a loop.
        let generates = |k: &str| k.ends_with("comprehension") || k == "generator_expression";
        let repeated = |n: Node<'t>| {
            let mut enclosing = ancestors(n).take_while(|a| a.kind() != "function_definition");
            syntax::in_loop(n, LOOPS, FUNCTIONS) || enclosing.any(|a| generates(a.kind()))
        };
        let looped = repeated(call)
            || s.is_function()
                && syntax::descendants(self.root)
                    .into_iter()
                    .any(|r| r.kind() == "identifier" && self.text(r) == s.name && repeated(r));
        if !looped {
            return;
        }
        let mut candidates = self.positional(call);
        candidates.extend(self.keyword(call, "target"));
        if let Some((name, shared)) = self.shared_writer(candidates, s, false) {
            let what = format!(
                "runs `{name}()` on worker threads, and it updates `{shared}` in place with no lock: two threads interleave the read and the write"
            );
            self.report_code(call, s, THREAD_SHARED_STATE, &what);
        }
    }
}
