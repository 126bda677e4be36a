//! JavaScript's test frameworks (jest, vitest, mocha, node:test, ava): which calls are
//! `describe`, `test` and hooks, the units they make, and named functions (helpers) and calls.

use super::*;

const TESTS: [&str; 7] = ["test", "it", "specify", "fit", "xit", "xtest", "xspecify"];

const SUITES: [&str; 7] = [
    "describe",
    "suite",
    "context",
    "fdescribe",
    "xdescribe",
    "xcontext",
    "xsuite",
];

/// Modifiers of a test or suite (`test.only`), and those that take arguments and return the
/// function to call (`test.each(table)(...)`).
const MODIFIERS: [&str; 10] = [
    "only",
    "serial",
    "always",
    "skip",
    "todo",
    "concurrent",
    "sequential",
    "shuffle",
    "failing",
    "fails",
];
const CURRIED: [&str; 4] = ["each", "for", "skipIf", "runIf"];

const HOOKS: [(&str, Hook); 10] = [
    ("beforeAll", Hook::Once),
    ("before", Hook::Once),
    ("suiteSetup", Hook::Once),
    ("beforeEach", Hook::Each),
    ("afterEach", Hook::Each),
    ("setup", Hook::Each),
    ("teardown", Hook::Each),
    ("afterAll", Hook::Last),
    ("after", Hook::Last),
    ("suiteTeardown", Hook::Last),
];

/// First parameters of a test callback that make it callback-style (`it('x', (done) => ...)`).
const DONE_PARAMS: [&str; 5] = ["done", "cb", "callback", "next", "end"];

impl<'c, 's, 't> Walk<'c, 's, 't> {
    /// Whether a call is a framework's `describe`, `test` or hook (in a test file).
    pub(super) fn framework(&self, call: Node<'_>) -> Option<Fw> {
        let callee = call.child_by_field_name("function")?;
        let (mut n, curried) = if callee.kind() == "call_expression" {
            (callee.child_by_field_name("function")?, true)
        } else {
            (callee, false)
        };
        let mut modifiers = Vec::new();
        while n.kind() == "member_expression" {
            modifiers.push(self.text(n.child_by_field_name("property")?));
            n = n.child_by_field_name("object")?;
        }
        if n.kind() != "identifier"
            || !modifiers.iter().all(|m| {
                MODIFIERS.contains(m) || CURRIED.contains(m) || HOOKS.iter().any(|(h, _)| h == m)
            })
            || curried != modifiers.iter().any(|m| CURRIED.contains(m))
        {
            return None;
        }
        let root = self.text(n);
        let test = TESTS.contains(&root);
        // `beforeEach(...)`, or ava's `test.before(...)`, `test.afterEach.always(...)`.
        let hook = match (test, modifiers.last()) {
            (true, Some(last)) => Some(*last),
            (false, None) => Some(root),
            _ => None,
        };
        if let Some(&(name, hook)) = HOOKS.iter().find(|(name, _)| hook == Some(*name)) {
            return (!curried).then_some(Fw::Hook(name, hook));
        }
        let suite = SUITES.contains(&root);
        test.then_some(Fw::Test).or(suite.then_some(Fw::Suite))
    }

    /// Walks a framework call; false when it is not one after all (no literal title, no callback).
    pub(super) fn enter_framework(
        &mut self,
        call: Node<'t>,
        fw: Fw,
        ctx: &Rc<Ctx>,
        next: &mut Vec<Step<'t>>,
    ) -> bool {
        let args = arguments(call);
        let callback = args
            .iter()
            .rev()
            .copied()
            .find(|a| is_function(unwrap(*a).kind()));
        let suite = matches!(fw, Fw::Suite);
        let title = args.first().and_then(|a| self.title(*a, suite));
        match fw {
            Fw::Suite => {
                let title = title.unwrap_or_default();
                let Some(body) = callback.and_then(|c| unwrap(c).child_by_field_name("body"))
                else {
                    return false;
                };
                let mut inner = Ctx {
                    role: Role::Module,
                    in_function: false,
                    ..Ctx::clone(ctx)
                };
                inner.suites.push(title.clone());
                self.enter_scope(body, Some(title));
                next.push((body, Rc::new(inner)));
            }
            _ => {
                // A test needs a literal title; a hook, a callback.
                let (name, kind, role, done_style) = match (fw, title) {
                    (Fw::Hook(name, hook), _) if callback.is_some() => {
                        let role = Role::Hook(hook);
                        (name.to_owned(), UnitKind::Hook, role, ctx.done_style)
                    }
                    (Fw::Test, Some(title)) => {
                        let done_style = callback
                            .and_then(|c| first_parameter(unwrap(c)))
                            .is_some_and(|p| DONE_PARAMS.contains(&self.text(p)));
                        (title, UnitKind::Test, Role::Test, done_style)
                    }
                    _ => return false,
                };
                let unit = self.add_unit(name, ctx.suites.clone(), kind, call);
                let inner = Rc::new(Ctx {
                    unit: Some(unit),
                    role,
                    done_style,
                    ..Ctx::clone(ctx)
                });
                if let Some(c) = callback {
                    next.push((unwrap(c), inner));
                }
            }
        }
        // The callee (`test.each(table)`) and the other arguments belong to the enclosing code.
        let callee = call.child_by_field_name("function");
        let rest = args.into_iter().filter(|a| Some(*a) != callback);
        next.extend(callee.into_iter().chain(rest).map(|n| (n, Rc::clone(ctx))));
        true
    }

    /// The title of a test or suite: a string or template literal (or, for a suite, the name of
    /// the class or function jest and vitest print).
    fn title(&self, arg: Node<'_>, suite: bool) -> Option<String> {
        let arg = unwrap(arg);
        match arg.kind() {
            // A template is its text as written, `${n}` and all.
            "template_string" => Some(strip_quotes(self.text(arg)).to_owned()),
            "identifier" | "member_expression" if suite => Some(self.text(arg).to_owned()),
            _ => self.info.literal(arg),
        }
    }

    /// The name a function value is given where it is written: `getRandomValues(a) {..}`,
    /// `random: () => ..`, `const f = () => ..`.
    pub(super) fn function_name(&self, func: Node<'t>) -> Option<String> {
        let named = self.helper(func).or_else(|| self.helper(func.parent()?));
        named.filter(|(_, f)| *f == func).map(|(name, _)| name)
    }

    /// A named function: `function f`, `const f = () => ...`, `exports.f = function`,
    /// `{ f() {} }`, `{ f: () => ... }`, class methods and fields. Returns its name and node.
    pub(super) fn helper(&self, node: Node<'t>) -> Option<(String, Node<'t>)> {
        // The fields of its name and of its function (`None`: the node itself).
        let (name_field, func_field) = match node.kind() {
            "function_declaration" | "generator_function_declaration" | "method_definition" => {
                ("name", None)
            }
            "variable_declarator" | "public_field_definition" => ("name", Some("value")),
            "assignment_expression" => ("left", Some("right")),
            "pair" => ("key", Some("value")),
            "field_definition" => ("property", Some("value")),
            _ => return None,
        };
        let name = node.child_by_field_name(name_field)?;
        let name = match (node.kind(), name.kind()) {
            ("assignment_expression", "member_expression") => {
                name.child_by_field_name("property")?
            }
            ("variable_declarator" | "assignment_expression", kind) if kind != "identifier" => {
                return None;
            }
            _ => name,
        };
        let func = unwrap(func_field.map_or(Some(node), |f| node.child_by_field_name(f))?);
        if !is_function(func.kind()) || name.kind() == "computed_property_name" {
            return None;
        }
        let literal = self.info.literal(name);
        Some((literal.unwrap_or_else(|| self.text(name).to_owned()), func))
    }

    /// The name a call resolves to among the scanned functions: plain calls, and calls through
    /// `this` or a module of the project (`demo.register(...)`); `None` for methods of objects.
    pub(super) fn call_name(&self, callee: Node<'_>) -> Option<String> {
        let callee = unwrap(callee);
        match callee.kind() {
            "identifier" => {
                let t = self.text(callee);
                match self.info.imported.get(t) {
                    None => Some(t.to_owned()),
                    // A module the file mocks is not the code that runs.
                    Some(i) if self.info.runs_local(i) => {
                        Some(i.name.clone().unwrap_or_else(|| t.to_owned()))
                    }
                    Some(_) => None,
                }
            }
            "member_expression" => {
                let object = unwrap(callee.child_by_field_name("object")?);
                let info = self.info;
                let import = info.imported.get(self.text(object));
                let local = object.kind() == "this"
                    || object.kind() == "identifier"
                        && import.is_some_and(|i| i.name.is_none() && info.runs_local(i))
                    || info.required(object).is_some_and(|s| s.starts_with('.'));
                let property = callee.child_by_field_name("property")?;
                local.then(|| self.text(property).to_owned())
            }
            _ => None,
        }
    }

    /// Whether a function is the body of a test, hook or named function (where a sleep waits),
    /// rather than a callback handed to other code (where it simulates a slow call). A function
    /// named inside a test or hook is such a callback (`calculateDelay: () => ...`).
    pub(super) fn is_unit_body(&self, func: Node<'t>, role: Role) -> bool {
        !matches!(role, Role::Test | Role::Hook(_)) && self.function_name(func).is_some()
            || call_of_argument(func).is_some_and(|call| self.framework(call).is_some())
    }
}
