//! Python's scopes: a file's definitions read into units and scopes, with the imports, names,
//! fixtures and guards in force in each.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// Reads the module, then its definitions and the definitions nested in them, in source
    /// order: a worklist, not recursion, so the depth of nesting costs no stack.
    pub(super) fn build(&mut self, root: Node<'t>) {
        self.read_module(root);
        let (own, nested) = split(&[root]);
        self.read_imports(&own);
        let guards = self.guards_of(&own);
        let seeds = self.seed_names(&own, &HashMap::new());
        self.scopes.push(Scope {
            locals: self.bound_names(&own, &[]),
            collects: collects_tests(self.cx.path),
            ..Scope::body(root, 0, own, guards, seeds)
        });
        // Each definition with the scope around it, whose seeds and place it inherits.
        let mut pending: Vec<(Node<'t>, usize)> =
            nested.into_iter().rev().map(|d| (d, 0)).collect();
        while let Some((node, outer)) = pending.pop() {
            let (decorators, def) = unwrap_decorated(node);
            // Each pushes its scope and returns the definitions nested in it.
            let nested = match def.kind() {
                "function_definition" => self.function(node, def, &decorators, outer),
                "class_definition" => self.class(def, &decorators, outer),
                _ => continue,
            };
            let inner = self.scopes.len() - 1;
            pending.extend(nested.into_iter().rev().map(|d| (d, inner)));
        }
        // The guards of a scope are in force in those nested in it (pushed after it), with
        // what the hooks beside them added.
        for i in 1..self.scopes.len() {
            let inherited = self.scopes[self.scopes[i].outer].guards.clone();
            let scope = &mut self.scopes[i];
            scope.guards.merge(inherited);
            if let Some(unit) = scope.unit {
                // Unlike Go's and Rust's, Python's fakes are patches of what is called.
                self.cx.facts.units[unit].fakes = scope.guards.fakes();
            }
        }
    }

    /// The imports among a scope's nodes, for the whole file: `import a.b` binds `a`; `import a.b
    /// as c`, `c` to `a.b`; `from .b import c as d` in pkg/, `d` to `pkg.b.c`.
    fn read_imports(&mut self, own: &[Node<'t>]) {
        for &node in own {
            let base = match node.kind() {
                "import_statement" => None,
                "import_from_statement" => {
                    let module = node.child_by_field_name("module_name");
                    let Some(base) = module.and_then(|m| self.module_of(m)) else {
                        continue;
                    };
                    self.cx.facts.imports.push(base.clone());
                    Some(base)
                }
                _ => continue,
            };
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let alias = name.child_by_field_name("alias").map(|a| self.text(a));
                let name = self.text(name.child_by_field_name("name").unwrap_or(name));
                let full = base
                    .as_ref()
                    .map_or(name.to_owned(), |b| format!("{b}.{name}"));
                let head = name.split('.').next().unwrap_or(name);
                let (local, bound) = match (alias, &base) {
                    (Some(alias), _) => (alias, full.clone()),
                    (None, Some(_)) => (name, full.clone()),
                    (None, None) => (head, head.to_owned()),
                };
                self.imports.insert(local.to_owned(), bound);
                self.cx.facts.imports.push(full);
            }
        }
    }

    /// The absolute dotted name of an import's module.
    fn module_of(&self, module: Node<'t>) -> Option<String> {
        if module.kind() != "relative_import" {
            return Some(self.text(module).to_owned());
        }
        let mut dots = 0;
        let mut tail = None;
        for part in syntax::named_children(module) {
            match part.kind() {
                "import_prefix" => dots = self.text(part).len(),
                "dotted_name" => tail = Some(self.text(part)),
                _ => {}
            }
        }
        let mut package: Vec<&str> = self.cx.path.split('/').collect();
        package.pop();
        for _ in 1..dots {
            package.pop()?;
        }
        package.extend(tail);
        (!package.is_empty()).then(|| package.join("."))
    }

    /// The values assigned to module-level names.
    fn read_module(&mut self, root: Node<'t>) {
        let statements = syntax::named_children(root).into_iter();
        for statement in statements.filter(|s| s.kind() == "expression_statement") {
            if let Some((name, value)) = statement.named_child(0).and_then(|a| assigned(a, self)) {
                self.values.entry(name).or_default().push(value);
            }
        }
    }

    /// The values assigned to a name: in the scope, or at module level if the scope binds none.
    pub(super) fn values_of(&self, name: &str, s: Option<&Scope<'t>>) -> Vec<Node<'t>> {
        match s.filter(|s| s.locals.contains(name)) {
            Some(s) => {
                let named = |n: &Node<'t>| assigned(*n, self).filter(|(left, _)| left == name);
                s.own.iter().filter_map(named).map(|(_, v)| v).collect()
            }
            None => self.values.get(name).cloned().unwrap_or_default(),
        }
    }

    /// The value of a name assigned once (at module level: without a scope).
    pub(super) fn value_of(&self, name: &str, s: Option<&Scope<'t>>) -> Option<Node<'t>> {
        match self.values_of(name, s).as_slice() {
            [value] => Some(*value),
            _ => None,
        }
    }

    fn name_of(&self, def: Node<'_>) -> String {
        let name = def.child_by_field_name("name");
        name.map(|n| self.text(n).to_owned()).unwrap_or_default()
    }

    /// A function's scope and unit; `node` is the function with its decorators.
    fn function(
        &mut self,
        node: Node<'t>,
        def: Node<'t>,
        decorators: &[Node<'t>],
        outer: usize,
    ) -> Vec<Node<'t>> {
        let name = self.name_of(def);
        let (fixture, hook) = (self.fixture(decorators), hook_role(&name));
        let role = match (fixture, hook) {
            (Some((shared, _)), _) => Role::Setup(shared),
            (None, Some(hook)) => hook,
            _ if self.scopes[outer].collects && name.starts_with("test") => Role::Test,
            _ => Role::Helper,
        };
        // Its scope: its decorators, parameters and body.
        let mut roots = decorators.to_vec();
        roots.extend(def.child_by_field_name("parameters"));
        roots.extend(def.child_by_field_name("body"));
        let (own, nested) = split(&roots);
        self.read_imports(&own);
        self.functions.entry(name.clone()).or_default().push(def);
        let params = self.params(def);
        let mut guards = self.guards_of(&own);
        // Setup hooks and autouse fixtures guard the tests beside them and reset their state;
        // teardown hooks restore what they touch.
        if !self.scopes[outer].is_function() {
            let mut beside = Guards::default();
            if fixture.is_some_and(|(_, autouse)| autouse) || matches!(hook, Some(Role::Setup(_))) {
                beside = guards.clone();
                beside.restored.extend(self.reset_targets(&own));
            } else if hook == Some(Role::Teardown) {
                let touched = self.touched(&own, &[def.byte_range()]);
                beside.restored.extend(touched);
            }
            self.scopes[outer].guards.merge(beside);
        }
        for fixture in params.iter().filter_map(|p| guard_fixture(p)) {
            guards.add(fixture);
        }
        let cleanup = self.cleanup(def, &own);
        guards.restored.extend(self.touched(&own, &cleanup));
        let global_statements = own.iter().filter(|n| n.kind() == "global_statement");
        let declared = global_statements.flat_map(|n| syntax::named_children(*n));
        let globals: HashSet<String> = declared.map(|n| self.text(n).to_owned()).collect();
        let mut locals = self.bound_names(&own, &params);
        locals.retain(|l| !globals.contains(l));
        let mut inherited = self.scopes[outer].seeds.clone();
        inherited.retain(|n, _| !locals.contains(n));
        let seeds = self.seed_names(&own, &inherited);
        let calls = self.calls(&own, role, &params, decorators);
        let kind = match role {
            Role::Test => UnitKind::Test,
            Role::Setup(_) | Role::Teardown => UnitKind::Hook,
            Role::Helper | Role::Body => UnitKind::Helper,
        };
        let (parents, test_code) = (self.scopes[outer].path.clone(), self.cx.test_file);
        let unit = shared::record_unit(self.cx, node, &name, parents, kind, test_code, calls);
        self.scopes.push(Scope {
            unit: Some(unit),
            path: [self.scopes[outer].path.clone(), vec![name.clone()]].concat(),
            name,
            role,
            cleanup,
            params,
            locals,
            globals,
            ..Scope::body(def, outer, own, guards, seeds)
        });
        nested
    }

    fn class(&mut self, def: Node<'t>, decorators: &[Node<'t>], outer: usize) -> Vec<Node<'t>> {
        let Some(body) = def.child_by_field_name("body") else {
            return Vec::new();
        };
        let name = self.name_of(def);
        let around = &self.scopes[outer];
        // pytest collects a `Test*` class where it collects functions; unittest any `TestCase`
        // outside functions in a file it collects (the module's scope, the first). A mixin
        // such a class inherits from brings its tests, listed under the mixin's name.
        let in_function = ancestors(def).any(|a| a.kind() == "function_definition");
        let collects = (around.collects && name.starts_with("Test"))
            || (self.scopes[0].collects && !in_function && self.is_test_case(def))
            || (around.collects && self.is_mixin_of_tests(&name));
        let path = [around.path.clone(), vec![name]].concat();
        let seeds = around.seeds.clone();
        let (own, nested) = split(&[body]);
        self.read_imports(&own);
        // The class's decorators guard all its tests (and its hooks add theirs).
        let guards = self.guards_of(&split(decorators).0);
        self.scopes.push(Scope {
            path,
            collects,
            ..Scope::body(def, outer, own, guards, seeds)
        });
        nested
    }

    /// A unittest test case: a class whose base's name ends in `TestCase`.
    fn is_test_case(&self, def: Node<'_>) -> bool {
        let name_ends = |b: &Node<'_>| self.dotted(*b).is_some_and(|d| d.ends_with("TestCase"));
        bases(def).iter().any(name_ends)
    }

    /// Whether a test class of the module (`Test*`, or a `TestCase`) has this class as a base.
    fn is_mixin_of_tests(&self, name: &str) -> bool {
        let definitions = syntax::named_children(self.root).into_iter();
        let classes = definitions.map(|d| unwrap_decorated(d).1);
        classes.filter(|c| c.kind() == "class_definition").any(|c| {
            (self.name_of(c).starts_with("Test") || self.is_test_case(c))
                && bases(c).iter().any(|b| self.text(*b) == name)
        })
    }

    /// For a `@pytest.fixture`: the scope it shares its value in beyond one test; whether autouse.
    fn fixture(&self, decorators: &[Node<'_>]) -> Option<(Option<&'static str>, bool)> {
        decorators.iter().find_map(|d| {
            let expr = d.named_child(0)?;
            let call = (expr.kind() == "call").then_some(expr);
            let function = call.map_or(Some(expr), |c| c.child_by_field_name("function"))?;
            let name = self.qualified(function)?;
            matches!(name.as_str(), "pytest.fixture" | "pytest_asyncio.fixture").then_some(())?;
            let keyword = |name| call.and_then(|c| self.keyword(c, name));
            let shared = ["class", "module", "package", "session"];
            let literal = keyword("scope").and_then(|v| self.literal(v));
            let scope = literal.and_then(|l| shared.into_iter().find(|k| *k == l));
            let autouse = keyword("autouse").is_some_and(|v| self.text(v) == "True");
            Some((scope, autouse))
        })
    }

    fn params(&self, def: Node<'_>) -> Vec<String> {
        let params = def.child_by_field_name("parameters");
        let params = params.map(syntax::named_children).unwrap_or_default();
        params
            .into_iter()
            .filter_map(|p| match p.kind() {
                "identifier" => Some(p),
                "typed_parameter" => p.named_child(0),
                "default_parameter" | "typed_default_parameter" => p.child_by_field_name("name"),
                _ => None,
            })
            .filter(|n| n.kind() == "identifier")
            .map(|n| self.text(n).to_owned())
            .collect()
    }

    /// What a scope's nodes guard: patches, fakes, temporary directories, seeds.
    fn guards_of(&self, own: &[Node<'t>]) -> Guards {
        let mut guards = Guards::default();
        for &node in own {
            let function = match node.kind() {
                "call" => node.child_by_field_name("function"),
                "decorator" => node.named_child(0).filter(|e| e.kind() != "call"),
                _ => None,
            };
            let qualified = function.and_then(|f| self.qualified(f));
            let Some(callee) = qualified.and_then(|q| callee_of(&q)) else {
                continue;
            };
            if callee == Patch {
                guards.patched.extend(self.patch_target(node));
            } else {
                guards.add(callee);
            }
        }
        guards
    }

    /// What a patch replaces: `patch("a.b")`, `patch.object(a, "b")`, `patch.dict(os.environ)`.
    fn patch_target(&self, call: Node<'t>) -> Option<Vec<String>> {
        let args = self.positional(call);
        let first = *args.first()?;
        let attr = args.get(1).and_then(|a| self.literal(*a));
        let target = match (self.literal(first), attr) {
            (Some(target), _) => target,
            (None, Some(attr)) if !attr.contains('.') => {
                format!("{}.{attr}", self.qualified(first)?)
            }
            (None, _) => self.qualified(first)?,
        };
        Some(target.split('.').map(str::to_owned).collect())
    }

    /// Teardown code: `finally` blocks, cleanups a function registers, a fixture's after `yield`.
    fn cleanup(&self, def: Node<'t>, own: &[Node<'t>]) -> Vec<Range<usize>> {
        let ranges = own
            .iter()
            .filter_map(|n| match (n.kind(), self.callee_name(*n)) {
                ("finally_clause", _) => Some(n.byte_range()),
                ("call", Some("addCleanup" | "addfinalizer" | "callback")) => {
                    n.child_by_field_name("arguments").map(|a| a.byte_range())
                }
                _ => None,
            });
        let mut out: Vec<Range<usize>> = ranges.collect();
        let first_yield = own.iter().find(|n| n.kind() == "yield");
        if let (Some(body), Some(at)) = (def.child_by_field_name("body"), first_yield)
            && let Some(statement) = ancestors(*at).find(|a| a.parent() == Some(body))
        {
            out.push(statement.end_byte()..body.end_byte());
        }
        out
    }

    /// What a hook resets: `X.clear()`, `X = ...`, `mod.X = ...`.
    fn reset_targets(&self, own: &[Node<'t>]) -> Vec<String> {
        own.iter()
            .filter_map(|n| match n.kind() {
                "call" if self.callee_name(*n) == Some("clear") => n
                    .child_by_field_name("function")
                    .and_then(|f| f.child_by_field_name("object")),
                "assignment" => n
                    .child_by_field_name("left")
                    .filter(|l| matches!(l.kind(), "identifier" | "attribute")),
                _ => None,
            })
            .map(|n| self.text(n).to_owned())
            .collect()
    }

    /// The texts of the names and attributes among `nodes` that lie in `ranges`.
    fn touched(&self, nodes: &[Node<'t>], ranges: &[Range<usize>]) -> Vec<String> {
        let name = |n: &&Node<'t>| matches!(n.kind(), "identifier" | "attribute");
        let within = |n: &&Node<'t>| ranges.iter().any(|r| r.contains(&n.start_byte()));
        let touched = nodes.iter().filter(name).filter(within);
        touched.map(|n| self.text(*n).to_owned()).collect()
    }

    /// Names bound in a scope: parameters, assignment and loop targets, `with ... as` names.
    fn bound_names(&self, own: &[Node<'t>], params: &[String]) -> HashSet<String> {
        let mut out: HashSet<String> = params.iter().cloned().collect();
        for node in own {
            let target = match node.kind() {
                "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                    node.child_by_field_name("left")
                }
                "as_pattern" => node.child_by_field_name("alias"),
                "named_expression" => node.child_by_field_name("name"),
                _ => None,
            };
            for name in target.map(target_nodes).unwrap_or_default() {
                if name.kind() == "identifier" {
                    out.insert(self.text(name).to_owned());
                }
            }
        }
        out
    }

    /// The names a unit calls, and for tests and hooks the fixtures they request.
    fn calls(
        &self,
        own: &[Node<'t>],
        role: Role,
        params: &[String],
        decorators: &[Node<'t>],
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        // Decorators run when the function is defined, not with it.
        let start = decorators.last().map_or(0, |d| d.end_byte());
        let calls = own
            .iter()
            .filter(|n| n.kind() == "call" && n.start_byte() >= start);
        for name in calls.filter_map(|n| self.call_name(*n, own)) {
            // `Subprocess(...)` runs `Subprocess.__init__`.
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.push(format!("{name}.__init__"));
            }
            out.push(name);
        }
        if matches!(role, Role::Test | Role::Setup(_) | Role::Teardown) {
            let parametrized = self.parametrized(decorators).into_iter();
            let parametrized: Vec<String> = parametrized.flat_map(|(names, _)| names).collect();
            for p in params {
                if !matches!(p.as_str(), "self" | "cls") && !parametrized.contains(p) {
                    out.push(p.clone());
                }
            }
            let used = self.marks(decorators, "usefixtures").into_iter().flatten();
            out.extend(used.filter_map(|a| self.literal(a)));
        }
        first_each(out)
    }

    /// A fixed port a test's `@pytest.mark.parametrize` gives the parameter `name` in a case.
    pub(super) fn parametrized_port(&self, name: Node<'t>, s: &Scope<'t>) -> Option<u16> {
        let name = self.text(name);
        let decorators = s.own.iter().copied();
        let decorators: Vec<Node<'t>> = decorators.filter(|n| n.kind() == "decorator").collect();
        let mut marks = self.parametrized(&decorators).into_iter();
        marks.find_map(|(names, cases)| {
            let at = names.iter().position(|n| n == name)?;
            syntax::named_children(cases?).into_iter().find_map(|case| {
                let value = if names.len() == 1 {
                    case
                } else {
                    *syntax::named_children(case).get(at)?
                };
                self.port(value).filter(|p| *p != 0)
            })
        })
    }

    /// A port number written as an integer literal.
    pub(super) fn port(&self, node: Node<'_>) -> Option<u16> {
        if node.kind() != "integer" {
            return None;
        }
        self.text(node).parse().ok()
    }

    /// The positional arguments of each mark of this name (`@pytest.mark.usefixtures("db")`).
    fn marks(&self, decorators: &[Node<'t>], name: &str) -> Vec<Vec<Node<'t>>> {
        let calls = decorators.iter().filter_map(|d| d.named_child(0));
        calls
            .filter(|c| self.callee_name(*c) == Some(name))
            .map(|c| self.positional(c))
            .collect()
    }

    /// Each `@pytest.mark.parametrize`: its names (`"a, b"` or `["a", "b"]`) and its cases.
    fn parametrized(&self, decorators: &[Node<'t>]) -> Vec<(Vec<String>, Option<Node<'t>>)> {
        let marks = self.marks(decorators, "parametrize").into_iter();
        marks
            .filter_map(|args| {
                let names = *args.first()?;
                let names = match self.literal(names) {
                    Some(n) => n.split(',').map(|n| n.trim().to_owned()).collect(),
                    None => syntax::named_children(names)
                        .into_iter()
                        .filter_map(|n| self.literal(n))
                        .collect(),
                };
                Some((names, args.get(1).copied()))
            })
            .collect()
    }

    /// Names that hold the run's seed in a scope, with the variable they hold.
    fn seed_names(
        &self,
        own: &[Node<'t>],
        inherited: &HashMap<String, String>,
    ) -> HashMap<String, String> {
        let mut seeds = inherited.clone();
        // Twice, so that a name copied from a seed name is one too.
        for _ in 0..2 {
            for &node in own {
                if let Some(var) = self.seed_source(node, &seeds)
                    && let SeedUse::Assigned(name) = self.seed_use(node)
                {
                    seeds.insert(name, var);
                }
            }
        }
        seeds
    }
}

/// The bases a class names.
fn bases(class: Node<'_>) -> Vec<Node<'_>> {
    let bases = class.child_by_field_name("superclasses");
    bases.map(syntax::named_children).unwrap_or_default()
}

/// The nodes under `roots` that belong to their scope, in source order; the definitions in it.
fn split<'t>(roots: &[Node<'t>]) -> (Vec<Node<'t>>, Vec<Node<'t>>) {
    let own = |n: Node<'t>| {
        let definition = matches!(
            n.kind(),
            "function_definition" | "class_definition" | "decorated_definition"
        );
        roots.contains(&n) || !definition
    };
    roots
        .iter()
        .flat_map(|r| syntax::descendants_entering(*r, own))
        .partition(|n| own(*n))
}
