//! Python's state shared by tests: module-level, imported and environment state changed, and
//! fixtures of a shared scope that keep a mutable value.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// Changes by assignment; in teardown code, and resets, restore state rather than change it.
    pub(super) fn assignment(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        if s.in_cleanup(node) || self.resets(node) {
            return;
        }
        let setup = matches!(s.role, Role::Setup(_));
        for target in target_nodes(left) {
            match target.kind() {
                // `X = ...` with `global X`. Not in setup hooks: a function-scoped one sets the
                // value afresh for each test, and the shared-state rule covers the others.
                "identifier" if !setup && s.globals.contains(self.text(target)) => {
                    self.module_write(node, s, self.text(target));
                }
                "subscript" => self.item_write(node, target, s),
                "attribute" => self.imported_mutation(node, target, s),
                _ => {}
            }
        }
    }

    pub(super) fn delete(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let targets = syntax::named_children(node)
            .into_iter()
            .flat_map(target_nodes);
        for subscript in targets.filter(|t| t.kind() == "subscript") {
            self.item_write(node, subscript, s);
        }
    }

    /// `X[k] = v`, `del X[k]` on the environment or module-level state.
    fn item_write(&mut self, node: Node<'t>, subscript: Node<'t>, s: &Scope<'t>) {
        let Some(value) = subscript.child_by_field_name("value") else {
            return;
        };
        if self.qualified(value).as_deref() == Some("os.environ") {
            self.env_write(node, s);
        } else {
            self.state_mutation(node, value, s);
        }
    }

    /// A change by a mutating method, item assignment or deletion of module or imported state.
    pub(super) fn state_mutation(&mut self, node: Node<'t>, object: Node<'t>, s: &Scope<'t>) {
        if !s.is_function() || s.in_cleanup(node) {
            return;
        }
        let Some(dotted) = self.dotted(object) else {
            return;
        };
        // A module-level name bound to a mutable container (`REGISTRY = {}`), or declared
        // `global`. Not memo caches: what they hold does not depend on the order of tests.
        let value = self.value_of(&dotted, None);
        let container = value.is_some_and(|v| matches!(self.mutable(v, None), Some((true, _))));
        let own_module = object.kind() == "identifier"
            && !dotted.to_ascii_lowercase().contains("cache")
            && ((container && !s.locals.contains(&dotted)) || s.globals.contains(&dotted));
        if !own_module {
            self.imported_mutation(node, object, s);
        } else if !s.guards.restored.contains(&dotted) {
            self.module_write(node, s, &dotted);
        }
    }

    /// A change of imported state: a constant-style name of an imported module (`settings.DEBUG`)
    /// or one imported by name. Lower-case names are mostly functions and context-local proxies
    /// (`flask.g`), left alone. The callers leave out teardown code and resets.
    fn imported_mutation(&mut self, node: Node<'t>, object: Node<'t>, s: &Scope<'t>) {
        let Some(dotted) = self.dotted(object) else {
            return;
        };
        let parts: Vec<&str> = dotted.split('.').collect();
        let imported = self.imports.contains_key(parts[0]) && !s.locals.contains(parts[0]);
        if !imported || !parts.iter().any(|p| is_constant_name(p)) {
            return;
        }
        let qualified = self.qualify(&dotted);
        let restored =
            s.guards.restored.contains(self.text(object)) || s.guards.covers(&qualified, &dotted);
        if !s.is_function() || restored {
            return;
        }
        let what = format!(
            "changes imported state `{dotted}` without restoring it: later tests see the change"
        );
        let smell = IMPORTED_STATE_MUTATION.says(&self.short(node), what);
        self.report_once(node, s, &dotted, smell);
    }

    /// A change of module-level `name`, for the shared analysis of state shared by all tests.
    fn module_write(&mut self, node: Node<'t>, s: &Scope<'t>, name: &str) {
        self.touches
            .push(Touch::new(s.unit, &s.name, name, node, TouchKind::Write));
    }

    /// Whether an assignment resets state: None or an empty container assigned to a whole name
    /// (`X = {}`, not `X[k] = {}`). `X.clear()` is not among the MUTATORS, so never a change.
    fn resets(&self, node: Node<'t>) -> bool {
        let left = node.child_by_field_name("left").map(|l| l.kind());
        let whole_name = matches!(left, Some("identifier" | "attribute"));
        let right = node.child_by_field_name("right");
        right.is_some_and(|r| {
            let empty = match r.kind() {
                "call" => self.positional(r).is_empty(),
                _ => syntax::named_children(r).is_empty(),
            };
            let container = matches!(self.mutable(r, None), Some((true, _)));
            node.kind() == "assignment" && whole_name && empty && (r.kind() == "none" || container)
        })
    }

    /// `os.environ[...] = v`, `os.environ.pop(...)`, `os.putenv(...)`.
    pub(super) fn env_write(&mut self, node: Node<'t>, s: &Scope<'t>) {
        let environ = |t: &String| self.qualify(t) == "os.environ";
        let restored = s.guards.restored.iter().any(environ);
        if restored || s.guards.covers("os.environ", "os.environ") || s.in_cleanup(node) {
            return;
        }
        let change = ProcessChange {
            code: self.short(node),
            state: ProcessState::Env,
            restore: Restore::Never,
        };
        if let Some(smell) = rules::judge(&Fact::ProcessChange(change), Lang::Python) {
            self.report_once(node, s, "environ", smell);
        }
    }

    /// The reads, in a function, of module-level names that functions of the file change.
    pub(super) fn global_reads(&self, s: &Scope<'t>, written: &HashSet<&str>) -> Vec<Touch<'t>> {
        if !s.is_function() || s.role == Role::Teardown {
            return Vec::new();
        }
        let read = |n: &&Node<'t>| {
            let name = self.text(**n);
            n.kind() == "identifier"
                && written.contains(name)
                && !s.locals.contains(name)
                && !s.guards.restored.contains(name)
                && is_reference(**n)
                && !is_reset_use(**n, self)
        };
        let touch = |n: &Node<'t>| Touch::new(s.unit, &s.name, self.text(*n), *n, TouchKind::Read);
        s.own.iter().filter(read).map(touch).collect()
    }

    /// A fixture or setup hook of a shared scope that returns, yields or keeps a mutable value.
    pub(super) fn shared_state(&mut self, s: &Scope<'t>) {
        let Role::Setup(Some(scope)) = s.role else {
            return;
        };
        for &node in &s.own {
            let value = match node.kind() {
                "return_statement" | "yield" => node.named_child(0),
                "assignment" if self.stores_shared(node, s) => node.child_by_field_name("right"),
                _ => continue,
            };
            let Some((container, what)) = value.and_then(|v| self.mutable(v, Some(s))) else {
                continue;
            };
            // What the tests call it: `self.items` for `cls.items`, `X`, the fixture's name. A
            // conftest's or plugin's fixture serves the tests of files this one cannot see.
            let left = node.child_by_field_name("left").map(|l| self.text(l));
            let (kept, seen) = match left {
                Some(left) => (left.replacen("cls.", "self.", 1), true),
                None => (s.name.clone(), collects_tests(self.cx.path)),
            };
            if seen && !self.changed_in_file(&kept) {
                continue;
            }
            let keeps = match node.kind() {
                "return_statement" => format!("returns {what}"),
                "yield" => format!("yields {what}"),
                _ => format!("keeps {what} in {}", quote_code(left.unwrap_or_default())),
            };
            let message = format!(
                "`{}` (shared by the {scope}) {keeps}: one test's changes reach the tests after it",
                s.name
            );
            let smell = if container {
                SHARED_FIXTURE.smell(message)
            } else {
                let low = SHARED_FIXTURE.severity(Severity::Low);
                low.confidence(Confidence::Medium).smell(message)
            };
            self.report(node, s, smell);
        }
    }

    /// Whether code of the file changes what `name` holds in place: `name.append(x)`,
    /// `name[k] = v`, `name.x = v`, `del name[k]`, `name += 1`.
    fn changed_in_file(&self, name: &str) -> bool {
        syntax::descendants(self.root).into_iter().any(|n| {
            let Some(p) = n.parent().filter(|_| self.text(n) == name) else {
                return false;
            };
            let method = p.child_by_field_name("attribute").map(|a| self.text(a));
            p.kind() == "augmented_assignment" && is_write_target(n)
                || matches!(p.kind(), "attribute" | "subscript") && is_write_target(p)
                || p.parent().is_some_and(|c| c.kind() == "call")
                    && method.is_some_and(|m| MUTATORS.contains(&m))
        })
    }

    /// `cls.items = ...` in a class setup, or `X = ...` with `global X` in a module setup.
    fn stores_shared(&self, node: Node<'_>, s: &Scope<'_>) -> bool {
        node.child_by_field_name("left")
            .is_some_and(|l| match l.kind() {
                "attribute" => l
                    .child_by_field_name("object")
                    .is_some_and(|o| self.text(o) == "cls"),
                "identifier" => s.globals.contains(self.text(l)),
                _ => false,
            })
    }

    /// Whether a value is mutable: (true, "a dict") for containers, (false, "a `Client` object").
    fn mutable(&self, node: Node<'t>, s: Option<&Scope<'t>>) -> Option<(bool, String)> {
        let what = |w: &str| Some((true, w.to_owned()));
        match node.kind() {
            "dictionary" | "dictionary_comprehension" => what("a dict"),
            "list" | "list_comprehension" => what("a list"),
            "set" | "set_comprehension" => what("a set"),
            "call" => match self.callee_name(node)? {
                name @ ("dict" | "list" | "set" | "bytearray" | "defaultdict" | "OrderedDict"
                | "Counter" | "deque") => Some((true, format!("a {name}"))),
                "MappingProxyType" | "Path" | "PurePath" | "Decimal" => None,
                name => (name.starts_with(char::is_uppercase))
                    .then(|| (false, format!("a `{name}` object"))),
            },
            // One step through a name, so that `x = x` cannot loop.
            "identifier" => self.mutable(self.value_of(self.text(node), Some(s?))?, None),
            _ => None,
        }
    }
}

/// An identifier that is only cleared (`REGISTRY.clear()`).
fn is_reset_use(node: Node<'_>, a: &Analyzer<'_, '_, '_>) -> bool {
    let attribute = node.parent().filter(|p| p.kind() == "attribute");
    let call = attribute.and_then(|p| p.parent());
    call.is_some_and(|c| a.callee_name(c) == Some("clear"))
}
