//! What a JavaScript file says before it is walked: its imports (callees are read by qualified
//! name), mocks and stubs, fake clocks, temporary directories and async functions.

use super::*;

/// A local name bound by an import.
#[derive(Debug, Clone)]
pub(super) struct Import {
    /// `fs`, `child_process`, `../src/gateway` (normalised: no `node:`, `fs/promises` is `fs`).
    module: String,
    /// The imported name; `None` for the module itself (default or namespace import).
    pub(super) name: Option<String>,
}

impl Import {
    /// `child_process.exec`, `axios`; the project's own modules as `<local>.name`, so that
    /// `*.sleep` patterns match a project's `sleep` but `got` does not match got's own sources.
    fn qualified(&self, local: &str) -> String {
        match (&self.name, self.module.starts_with('.')) {
            (Some(n), true) => format!("<local>.{n}"),
            (None, true) => format!("<local>.{local}"),
            (Some(n), false) => format!("{}.{n}", self.module),
            (None, false) => self.module.clone(),
        }
    }
}

#[derive(Default)]
pub(super) struct FileInfo<'s> {
    pub(super) src: &'s str,
    pub(super) imported: HashMap<&'s str, Import>,
    pub(super) specifiers: Vec<String>,
    /// Modules and callees the file's mocks replace (`axios`, `fetch`, `child_process.exec`).
    mocked: HashSet<String>,
    /// A library intercepts every request of the file (nock, msw).
    pub(super) network_mocked: bool,
    /// What the file fakes (hoisted mocks, interceptors, fake timers) for all it calls:
    /// `jest.mock('axios')` fakes the network for the code under test too.
    pub(super) fakes: Vec<Category>,
    /// The file starts a server (so requests to hosts it cannot read are likely to it).
    pub(super) local_server: bool,
    pub(super) fake_clock: bool,
    pub(super) temp_dir: bool,
    /// Functions declared `async` in the file.
    pub(super) async_fns: HashSet<&'s str>,
}

impl<'s> FileInfo<'s> {
    pub(super) fn read(root: Node<'_>, src: &'s str) -> Self {
        let mut info = Self {
            src,
            ..Self::default()
        };
        let nodes = syntax::descendants(root);
        nodes.iter().for_each(|&n| info.learn_import(n));
        nodes.iter().for_each(|&n| info.learn_mock(n));
        info.specifiers.sort();
        info.specifiers.dedup();
        let imports = |names: &[&str]| info.specifiers.iter().any(|s| names.contains(&s.as_str()));
        info.network_mocked |= imports(&NETWORK_MOCKERS);
        if imports(&FS_MOCKERS) {
            info.mocked.insert("fs".to_owned());
        }
        if info.network_mocked || info.mocks_module_of(|check| matches!(check, Check::Remote)) {
            info.fakes.push(Category::Network);
        }
        if info.mocks_module_of(|check| matches!(check, Check::Process { .. })) {
            info.fakes.push(Category::Subprocess);
        }
        if info.fake_clock {
            info.fakes.extend([Category::Clock, Category::Sleep]);
        }
        info
    }

    /// Whether the file mocks a module of the calls of these rows (`jest.mock('axios')` for
    /// requests, `vi.mock('child_process')` for processes).
    fn mocks_module_of(&self, rows: fn(&Check) -> bool) -> bool {
        CALLS
            .iter()
            .filter(|(_, check)| rows(check))
            .flat_map(|(callees, _)| callees.iter())
            .filter_map(|callee| callee.split('.').next().filter(|m| !m.is_empty()))
            .any(|module| self.mocked.contains(module))
    }

    pub(super) fn text(&self, node: Node<'_>) -> &'s str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    fn learn_import(&mut self, n: Node<'_>) {
        match n.kind() {
            "import_statement" | "export_statement" => {
                let source = n.child_by_field_name("source");
                let Some(spec) = source.and_then(|s| self.literal(s)) else {
                    return;
                };
                let import = Import {
                    module: module_name(&spec),
                    name: None,
                };
                self.specifiers.push(spec);
                for clause in syntax::named_children(n) {
                    self.bind(clause, &import);
                }
            }
            "call_expression" => self.specifiers.extend(self.required(n)),
            "variable_declarator" => {
                let field = |f: &str| n.child_by_field_name(f);
                let (Some(name), Some(value)) = (field("name"), field("value")) else {
                    return;
                };
                if let Some(import) = self.required_import(value) {
                    self.bind(name, &import);
                }
                if name.kind() == "identifier" && is_async(unwrap(value)) {
                    self.async_fns.insert(self.text(name));
                }
            }
            "function_declaration" if is_async(n) => {
                if let Some(name) = n.child_by_field_name("name") {
                    self.async_fns.insert(self.text(name));
                }
            }
            _ => {}
        }
    }

    /// Binds the names an import or a `require` declares: `import x`, `* as x`, `{ a, b as c }`;
    /// `const x = require('m')`, `const { a, b: c } = require('m')`, `const y = require('m').y`.
    fn bind(&mut self, pattern: Node<'_>, import: &Import) {
        match pattern.kind() {
            "identifier" => {
                self.imported.insert(self.text(pattern), import.clone());
            }
            "import_clause" | "namespace_import" => {
                for c in syntax::named_children(pattern) {
                    self.bind(c, import);
                }
            }
            "named_imports" | "object_pattern" if import.name.is_none() => {
                for p in syntax::named_children(pattern) {
                    // The local name and the imported one: `b as c`, `b: c`, `a`.
                    let named = match p.kind() {
                        "import_specifier" => p
                            .child_by_field_name("name")
                            .map(|name| (p.child_by_field_name("alias").unwrap_or(name), name)),
                        "shorthand_property_identifier_pattern" => Some((p, p)),
                        "pair_pattern" => p
                            .child_by_field_name("value")
                            .filter(|v| v.kind() == "identifier")
                            .zip(p.child_by_field_name("key")),
                        _ => None,
                    };
                    let Some((local, key)) = named else { continue };
                    let import = Import {
                        module: import.module.clone(),
                        name: Some(self.text(key).to_owned()),
                    };
                    self.imported.insert(self.text(local), import);
                }
            }
            _ => {}
        }
    }

    pub(super) fn required_import(&self, value: Node<'_>) -> Option<Import> {
        // `require('m')` itself, or one property of it: a longer chain is no import.
        let (name, call) = match chain(value, &["member_expression"]).collect::<Vec<_>>()[..] {
            [call] => (None, call),
            [member, call] => (Some(member.child_by_field_name("property")?), call),
            _ => return None,
        };
        let module = module_name(&self.required(call)?);
        let name = name.map(|n| self.text(n).to_owned());
        Some(Import { module, name })
    }

    /// The specifier of `require('m')` or `import('m')`.
    pub(super) fn required(&self, call: Node<'_>) -> Option<String> {
        let f = call.child_by_field_name("function")?;
        if !(f.kind() == "import" || f.kind() == "identifier" && self.text(f) == "require") {
            return None;
        }
        self.literal(*arguments(call).first()?)
    }

    fn learn_mock(&mut self, n: Node<'_>) {
        match n.kind() {
            "call_expression" => {
                let Some(q) = self.callee(n) else { return };
                self.local_server |= serves(&q);
                let args = arguments(n);
                if names_any(&MODULE_MOCKS, &q) {
                    if let Some(spec) = args.first().and_then(|a| self.literal(*a)) {
                        self.mocked.insert(module_name(&spec));
                    }
                } else if names_any(&STUBS, &q)
                    && let Some(&target) = args.first()
                {
                    // `stubGlobal('fetch', f)`, `spyOn(cp, 'exec')`, `stub(globalThis, 'fetch')`.
                    let prop = args.get(1).and_then(|a| self.literal(*a));
                    let stubbed = match (self.literal(target), prop) {
                        (Some(name), _) => name,
                        (None, Some(prop)) => without_global(format!("{}.{prop}", self.q(target))),
                        (None, None) => self.q(target),
                    };
                    self.mocked.insert(stubbed);
                }
                self.network_mocked |= names_any(&NETWORK_STUB_CALLS, &q);
                self.fake_clock |= names_any(&FAKE_CLOCKS, &q);
                self.temp_dir |= names_any(&TEMP_DIRS, &q);
            }
            // `test('x', withServer, ...)`: a server the file starts through a helper.
            "identifier" => self.local_server |= serves(self.text(n)),
            // `global.fetch = jest.fn()`, `cp.exec = fakeExec`.
            "assignment_expression" => {
                let left = n.child_by_field_name("left");
                let q = left
                    .filter(|l| l.kind() == "member_expression")
                    .map(|l| self.q(l));
                self.mocked.extend(q);
            }
            _ => {}
        }
    }

    /// Whether an import is of the project's own code, not replaced by a mock of the file.
    pub(super) fn runs_local(&self, import: &Import) -> bool {
        import.module.starts_with('.') && !self.is_mocked(&import.module)
    }

    /// Whether a mock in the file replaces this callee or its module.
    pub(super) fn is_mocked(&self, q: &str) -> bool {
        self.mocked.iter().any(|m| {
            q == m
                || q.strip_prefix(m.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        })
    }

    /// What a call calls, by qualified name, or `new Name` for a `new` expression.
    pub(super) fn callee(&self, call: Node<'_>) -> Option<String> {
        match call.kind() {
            "call_expression" => Some(self.q(call.child_by_field_name("function")?)),
            "new_expression" => Some(format!(
                "new {}",
                self.q(call.child_by_field_name("constructor")?)
            )),
            _ => None,
        }
    }

    /// The qualified name of a callee: through imports (`child_process.exec`), globals stripped
    /// (`globalThis.fetch` is `fetch`); `?` for what is not a name.
    pub(super) fn q(&self, node: Node<'_>) -> String {
        // Down the chain of member expressions to its head, then back up, naming each level.
        let mut links: Vec<Node<'_>> = chain(node, &["member_expression"]).collect();
        let at = links.pop().unwrap_or(node);
        let head = match at.kind() {
            "identifier" => {
                let t = self.text(at);
                let import = self.imported.get(t);
                without_global(import.map_or_else(|| t.to_owned(), |i| i.qualified(t)))
            }
            "this" => "this".to_owned(),
            "call_expression" => self
                .required(at)
                .map_or_else(|| "?".to_owned(), |s| module_name(&s)),
            _ => "?".to_owned(),
        };
        links.into_iter().rev().fold(head, |o, m| {
            let p = m.child_by_field_name("property");
            let p = p.map_or("", |p| self.text(p));
            if p == "promises" && matches!(o.as_str(), "fs" | "dns") {
                o
            } else {
                without_global(format!("{o}.{p}"))
            }
        })
    }

    /// The value of a string literal, or of a template literal without substitutions.
    pub(super) fn literal(&self, node: Node<'_>) -> Option<String> {
        let node = unwrap(node);
        if !matches!(node.kind(), "string" | "template_string") {
            return None;
        }
        let (text, complete) = self.literal_prefix(node);
        complete.then_some(text)
    }

    /// The literal text at the start of a string or template, and whether that is all of it.
    pub(super) fn literal_prefix(&self, node: Node<'_>) -> (String, bool) {
        if node.kind() == "string" {
            return (unescape(strip_quotes(self.text(node))), true);
        }
        let mut out = String::new();
        for part in syntax::named_children(node) {
            match part.kind() {
                "template_substitution" => return (out, false),
                _ => out.push_str(&unescape(self.text(part))),
            }
        }
        (out, true)
    }
}
