//! JavaScript's state shared by tests: module- and `describe`-level variables, process state
//! (the environment, the working directory, globals), and environment reads.

use super::*;

impl<'c, 's, 't> Walk<'c, 's, 't> {
    pub(super) fn write(&mut self, node: Node<'t>, ctx: &Ctx) {
        // A change that only sets what is unset (lazily) shares nothing.
        let lazy = match node.kind() {
            "assignment_expression" => self.lazy_guarded(node),
            _ => matches!(self.operator(node), "??=" | "||="),
        };
        if let Some(target) = self.write_target(node).filter(|_| !lazy) {
            self.mutate(target, node, ctx);
        }
    }

    /// What a write changes: the left of an assignment, the argument of `++` or `delete`.
    fn write_target(&self, node: Node<'t>) -> Option<Node<'t>> {
        let field = match node.kind() {
            "assignment_expression" | "augmented_assignment_expression" => "left",
            "update_expression" => "argument",
            _ if self.operator(node) == "delete" => "argument",
            _ => return None,
        };
        node.child_by_field_name(field)
    }

    /// `x.push(...)`, `Object.assign(x, ...)`, `process.chdir(...)`.
    pub(super) fn call_mutation(&mut self, call: Node<'t>, callee: Node<'t>, q: &str, ctx: &Ctx) {
        if q == "process.chdir" {
            return self.process_change(ProcessState::Cwd, call, ctx);
        }
        let mutator = self
            .method_name(call)
            .is_some_and(|m| MUTATORS.contains(&m));
        let target = match q {
            "Object.assign" | "Object.defineProperty" => arguments(call).first().copied(),
            _ if mutator => unwrap(callee).child_by_field_name("object"),
            _ => None,
        };
        if let Some(t) = target {
            self.mutate(t, call, ctx);
        }
    }

    /// Records a change of `target` at `site` (an assignment or a mutating call).
    fn mutate(&mut self, target: Node<'t>, site: Node<'t>, ctx: &Ctx) {
        if !ctx.in_function {
            return;
        }
        let target = unwrap(target);
        if let Some(t) = self.process_target(target) {
            if !(t == ProcessState::Global && self.mock_value(site)) {
                self.process_change(t, site, ctx);
            }
            return;
        }
        let Some(b) = root_identifier(target).and_then(|r| self.shared(r)) else {
            return;
        };
        let binding = &self.bindings[b];
        // `x = 1`, `x++` rebind the variable; `x.push(1)`, `x.a = 1` change what it holds.
        let rebinds = target.kind() == "identifier" && site.kind() != "call_expression";
        if binding.reassignable || !rebinds && binding.container {
            let init = rebinds && site.kind() == "assignment_expression";
            let kind = if init {
                TouchKind::Init
            } else {
                TouchKind::Write
            };
            self.use_state(b, site, kind, ctx);
        }
    }

    /// `process.env` or a member of it; a member of the global object (not a variable).
    fn process_target(&self, target: Node<'_>) -> Option<ProcessState> {
        let object = target.child_by_field_name("object")?;
        if self.is_env(target) || self.is_env(object) {
            return Some(ProcessState::Env);
        }
        let global = root_identifier(target).is_some_and(|r| is_global_object(self.text(r)));
        global.then_some(ProcessState::Global)
    }

    fn is_env(&self, node: Node<'_>) -> bool {
        let node = unwrap(node);
        self.info.q(node) == "process.env" || self.text(node) == "import.meta.env"
    }

    /// `global.fetch = jest.fn()`: a mock, undone by the framework's restore.
    fn mock_value(&self, site: Node<'_>) -> bool {
        let right = site.child_by_field_name("right").map(unwrap);
        let call = right.filter(|r| r.kind() == "call_expression");
        let q = call.and_then(|c| self.info.callee(c)).unwrap_or_default();
        let root = q.split('.').next().unwrap_or_default();
        matches!(root, "jest" | "vi" | "sinon") || names_any(&["*.fn", "*.stub", "*.spy"], &q)
    }

    fn process_change(&mut self, target: ProcessState, site: Node<'t>, ctx: &Ctx) {
        if !ctx.in_function {
            return;
        }
        // `process.env.X = saved` puts back what `const saved = process.env.X` kept.
        let saved = site.child_by_field_name("right").map(unwrap);
        let saved = saved
            .filter(|r| r.kind() == "identifier")
            .and_then(|r| self.declared_value(r));
        let put_back = saved.zip(site.child_by_field_name("left"));
        let restores = matches!(ctx.role, Role::Hook(Hook::Each | Hook::Last))
            || ancestors_in_function(site).any(|p| p.kind() == "finally_clause")
            || put_back.is_some_and(|(v, l)| self.text(v) == self.text(l));
        self.changes.push(StateChange {
            target,
            unit: ctx.unit,
            node: site,
            restores,
        });
    }

    /// `cache = load()` under `if (!cache)`, `if (cache == null)` or `=== undefined`: lazy
    /// initialisation, not state that tests share.
    fn lazy_guarded(&self, assignment: Node<'_>) -> bool {
        let left = assignment.child_by_field_name("left");
        let Some(left) = left.filter(|l| l.kind() == "identifier") else {
            return false;
        };
        let ifs = ancestors_in_function(assignment).filter(|p| p.kind() == "if_statement");
        let conditions = ifs.filter_map(|p| p.child_by_field_name("condition"));
        conditions.flat_map(syntax::descendants).any(|c| {
            let sides: Vec<Node<'_>> = syntax::named_children(c).into_iter().map(unwrap).collect();
            let named = sides
                .iter()
                .any(|n| n.kind() == "identifier" && self.text(*n) == self.text(left));
            let unset = sides
                .iter()
                .any(|s| matches!(s.kind(), "null" | "undefined"));
            match (c.kind(), self.operator(c)) {
                ("unary_expression", "!") => named,
                ("binary_expression", "==" | "===") => named && unset,
                _ => false,
            }
        })
    }

    /// Registers the variables a scope (the program, a `describe` body) shares with its functions.
    pub(super) fn enter_scope(&mut self, block: Node<'t>, suite: Option<String>) {
        for stmt in syntax::named_children(block) {
            // `export let x = ...` declares as `let x = ...` does.
            let decl = stmt.child_by_field_name("declaration").unwrap_or(stmt);
            if !matches!(decl.kind(), "lexical_declaration" | "variable_declaration") {
                continue;
            }
            let kind = decl.child_by_field_name("kind");
            let reassignable = kind.is_none_or(|k| self.text(k) == "let");
            for d in syntax::named_children(decl) {
                let name = d.child_by_field_name("name");
                let Some(name) = name.filter(|n| n.kind() == "identifier") else {
                    continue;
                };
                let value = d.child_by_field_name("value").map(unwrap);
                // `var request = require('supertest')` is a module, not state.
                if value.is_some_and(|v| self.info.required_import(v).is_some()) {
                    continue;
                }
                let container = value
                    .is_some_and(|v| matches!(v.kind(), "object" | "array" | "new_expression"));
                let name = self.text(name);
                let index = self.bindings.len();
                self.by_name.entry(name).or_default().push(index);
                let state = match &suite {
                    Some(suite) => format!("`{name}` of describe('{suite}')"),
                    None => format!("module-level `{name}`"),
                };
                self.bindings.push(Binding {
                    state,
                    scope: block,
                    reassignable,
                    container,
                });
            }
        }
    }

    /// The shared variable an identifier refers to, unless a function on the way declares it.
    fn shared(&mut self, ident: Node<'t>) -> Option<usize> {
        let name = self.text(ident);
        let at = ident.start_byte();
        let scope_of = |b: usize| self.bindings[b].scope;
        let around = self.by_name.get(name)?.iter().copied();
        let around = around.filter(|&b| scope_of(b).byte_range().contains(&at));
        let b = around.max_by_key(|&b| scope_of(b).start_byte())?;
        let between = syntax::ancestors_below(scope_of(b), ident).unwrap_or_default();
        let shadowed = between
            .into_iter()
            .any(|f| is_function(f.kind()) && self.scope(f).names.contains(name));
        (!shadowed).then_some(b)
    }

    pub(super) fn read(&mut self, node: Node<'t>, ctx: &Ctx) {
        let candidate = self.by_name.contains_key(self.text(node));
        if !candidate || !ctx.in_function || ctx.unit.is_none() || is_declared_name(node) {
            return;
        }
        if let Some(b) = self.shared(node) {
            self.use_state(b, node, TouchKind::Read, ctx);
        }
    }

    /// Records a use of a shared variable (a read, a change, an [`TouchKind::Init`] assignment)
    /// as what it is where it happens: an each hook resets it, a before-all hook sets it up;
    /// after-all hooks and hooks' reads expose nothing; only a test starts from what it assigns.
    fn use_state(&mut self, binding: usize, node: Node<'t>, kind: TouchKind, ctx: &Ctx) {
        let kind = match (ctx.role, kind) {
            (Role::Hook(_), TouchKind::Read) | (Role::Hook(Hook::Last), _) => return,
            (Role::Hook(Hook::Each), _) => TouchKind::Reset,
            (Role::Hook(Hook::Once), _) => TouchKind::Setup,
            (role, TouchKind::Init) if role != Role::Test => TouchKind::Write,
            (_, kind) => kind,
        };
        let owner = match ctx.unit {
            Some(u) => self.cx.facts.units[u].name.clone(),
            None => self.shown(node),
        };
        let var = &self.bindings[binding].state;
        self.touches
            .push(Touch::new(ctx.unit, &owner, var, node, kind));
    }

    /// Reports the exposures of shared variables and the changes of process state, once the
    /// whole file is known (hooks may come after the tests).
    pub(super) fn report_state(&mut self) {
        let touches = std::mem::take(&mut self.touches);
        let exposures = shared::judge_exposures(&touches, Lang::JavaScript, str::to_owned);
        for (node, smell, unit) in exposures {
            self.cx.report(node, smell, unit, self.cx.test_file);
        }
        let changes = std::mem::take(&mut self.changes);
        let restores = changes.iter().filter(|c| c.restores);
        let restored: HashSet<_> = restores.map(|c| c.target).collect();
        let mut seen = HashSet::new();
        let unrestored = changes.iter().filter(|c| !restored.contains(&c.target));
        for c in unrestored.filter(|c| seen.insert((c.unit, c.target))) {
            let change = ProcessChange {
                code: self.shown(c.node),
                state: c.target,
                restore: Restore::Never,
            };
            self.judge(c.node, Fact::ProcessChange(change), c.unit);
        }
    }

    /// `process.env.TEST_SEED` used beyond seeding a generator; `process.env.TZ`.
    pub(super) fn env_read(&mut self, node: Node<'t>, ctx: &Ctx) {
        let written = node.parent().and_then(|p| self.write_target(p)) == Some(node);
        let Some(var) = self.env_var(node).filter(|_| !written) else {
            return;
        };
        if is_seed_variable(&var) && !self.only_seeds(node, 2) {
            let used = SeedUse {
                code: self.shown(node),
                variable: var,
                decides: true,
            };
            self.judge(node, Fact::SeedUse(used), ctx.unit);
        } else if var == "TZ" {
            let rule = rules::tz_variable::RULE.variant_in(Lang::JavaScript);
            self.says(node, ctx.unit, rule, "reads the time zone of the machine");
        }
    }

    fn env_var(&self, node: Node<'_>) -> Option<String> {
        let object = node.child_by_field_name("object")?;
        if !self.is_env(object) {
            return None;
        }
        match node.kind() {
            "member_expression" => {
                Some(self.text(node.child_by_field_name("property")?).to_owned())
            }
            _ => self.info.literal(node.child_by_field_name("index")?),
        }
    }
}
