//! JavaScript's values: seeds, constants, variables and their uses, and what functions declare.

use super::*;

impl<'c, 's, 't> Walk<'c, 's, 't> {
    /// A generator seeded from the clock, entropy or a constant, for the shared rules to judge.
    pub(super) fn seed(&mut self, call: Node<'t>, args: &[Node<'t>], ctx: &Ctx) {
        let Some(arg) = args.first().map(|a| unwrap(*a)) else {
            return;
        };
        let source = if self.is_clock_value(arg, 2) {
            SeedSource::Unreproducible("the clock")
        } else if self.mentions(arg, &ENTROPY) {
            SeedSource::Unreproducible("entropy")
        } else if matches!(arg.kind(), "number" | "string") {
            SeedSource::Constant
        } else {
            return;
        };
        let seed = Seed {
            call: self.shown(call),
            source,
            place: ctx.role.place(),
        };
        self.judge(call, Fact::Seed(seed), ctx.unit);
    }

    /// Whether a value (or a variable it is stored in) only seeds a generator, deciding nothing.
    pub(super) fn only_seeds(&self, node: Node<'t>, depth: u8) -> bool {
        // `{ seed }`, `{ seed: x }`, `{ randomSeed: x }`.
        let names_seed = |n: Node<'_>| self.text(n).to_ascii_lowercase().contains("seed");
        if node.kind() == "shorthand_property_identifier" && names_seed(node) {
            return true;
        }
        for p in ancestors(node) {
            match p.kind() {
                "call_expression" | "new_expression" if self.seeds(p) => return true,
                "pair" if p.child_by_field_name("key").is_some_and(names_seed) => return true,
                "variable_declarator" => {
                    return depth > 0 && self.every_use(p, |u| self.only_seeds(u, depth - 1));
                }
                k if is_function(k) || k.ends_with("statement") || k == "program" => return false,
                _ => {}
            }
        }
        false
    }

    /// Whether a clock read cannot decide the test, whatever its value: checked for its type
    /// (`isDate(new Date())`, `x instanceof Date`), handed to code expected to throw, offset
    /// (`Date.now() + 99999`), or stored in a variable that is only round-tripped (passed in and
    /// expected back: `expect(buildURL({ date })).toEqual('?date=' + date.toISOString())`).
    pub(super) fn decides_nothing(&self, read: Node<'t>) -> bool {
        let thrown = enclosing_function(read)
            .and_then(call_of_argument)
            .and_then(|c| self.info.callee(c))
            .is_some_and(|q| names_any(&["*.throws", "*.rejects", "expect"], &q));
        let mut n = self.scaled(read);
        while let Some(p) = n.parent() {
            match p.kind() {
                // Its methods: `date.toISOString()`.
                "call_expression" | "member_expression" => n = p,
                "binary_expression" => return matches!(self.operator(p), "+" | "instanceof"),
                "arguments" => {
                    let q = p.parent().and_then(|c| self.info.callee(c));
                    let last = q.as_deref().and_then(|q| q.rsplit('.').next());
                    let typed = last.and_then(|l| l.strip_prefix("is"));
                    return thrown || typed.is_some_and(|t| t.starts_with(char::is_uppercase));
                }
                "variable_declarator" => return self.round_trip(p),
                _ => break,
            }
        }
        thrown
    }

    /// The outermost expression that is still a value, only scaled: `Math.floor(x * n)` of `x`.
    pub(super) fn scaled(&self, value: Node<'t>) -> Node<'t> {
        let mut n = outer(value);
        while let Some(p) = n.parent() {
            n = match p.kind() {
                "binary_expression" if matches!(self.operator(p), "*" | "/") => p,
                "parenthesized_expression" => p,
                "arguments" => match p.parent() {
                    Some(c) if self.info.callee(c).is_some_and(|q| q.starts_with("Math.")) => c,
                    _ => break,
                },
                _ => break,
            };
        }
        n
    }

    /// Whether a variable is only passed in and expected back: every use is an argument of a
    /// call or an assigned value, some use is an assertion's expected value, and another the
    /// input (an argument of another call, a value assigned, or the asserted value itself).
    fn round_trip(&self, declarator: Node<'t>) -> bool {
        let (mut expected, mut input) = (false, false);
        let all = self.every_use(declarator, |u| {
            let around: Vec<Node<'t>> = ancestors(u)
                .take_while(|a| !a.kind().ends_with("statement") && !is_function(a.kind()))
                .collect();
            let lists = around.iter().filter(|a| a.kind() == "arguments");
            let mut calls = lists.filter_map(|a| a.parent());
            if let Some(call) = calls.find(|c| self.is_assertion(*c)) {
                // `expect(x).toEqual(y)` asserts x; `assert.equal(x, y)` too.
                let asserted = self
                    .expect_subject(call)
                    .or(arguments(call).first().copied());
                let is_expected =
                    !asserted.is_some_and(|s| s.byte_range().contains(&u.start_byte()));
                expected |= is_expected;
                input |= !is_expected;
                return true;
            }
            // An argument of another call, or a value assigned (`res.lastModified = date`).
            input = true;
            around.iter().any(|a| {
                a.kind() == "arguments"
                    || a.kind() == "assignment_expression"
                        && a.child_by_field_name("left") != Some(u)
            })
        });
        all && expected && input
    }

    fn seeds(&self, call: Node<'_>) -> bool {
        self.info.callee(call).is_some_and(|q| {
            let lower = q.to_ascii_lowercase();
            let last = lower.rsplit('.').next().unwrap_or_default();
            SEEDERS.iter().any(|s| last.contains(s))
        })
    }

    /// Whether a call or `new` under `node` has one of these callees.
    pub(super) fn mentions(&self, node: Node<'_>, callees: &[&str]) -> bool {
        syntax::descendants(node)
            .into_iter()
            .any(|d| self.info.callee(d).is_some_and(|q| names_any(callees, &q)))
    }

    /// A number, a constant name (`TIMEOUT_MS`), arithmetic on them, or a variable set to one.
    pub(super) fn is_constant(&mut self, node: Node<'t>, depth: u8) -> bool {
        // Variables are followed `depth` times.
        syntax::all_constant((node, depth), |(node, depth), pending| {
            let n = unwrap(node);
            match n.kind() {
                "number" => true,
                "unary_expression" | "binary_expression" => {
                    pending.extend(syntax::named_children(n).into_iter().map(|c| (c, depth)));
                    true
                }
                "identifier" if is_constant_name(self.text(n)) => true,
                "identifier" if depth > 0 => match self.declared_value(n) {
                    Some(v) => {
                        pending.push((v, depth - 1));
                        true
                    }
                    None => false,
                },
                _ => false,
            }
        })
    }

    /// The initial value of the variable an identifier names, in the nearest scope declaring it.
    pub(super) fn declared_value(&mut self, ident: Node<'t>) -> Option<Node<'t>> {
        let name = self.text(ident);
        ancestors(ident)
            .filter(|s| is_function(s.kind()) || s.parent().is_none())
            .find_map(|s| self.scope(s).values.get(name).copied())
    }

    /// Whether a declarator's variable is used again in its scope, and every use passes `each`.
    pub(super) fn every_use(&self, decl: Node<'t>, each: impl FnMut(Node<'t>) -> bool) -> bool {
        let name = decl.child_by_field_name("name");
        let Some(name) = name.filter(|n| n.kind() == "identifier") else {
            return false;
        };
        let scope = enclosing_function(name).or_else(|| ancestors(name).last());
        let mut uses = syntax::descendants(scope.unwrap_or(name))
            .into_iter()
            .filter(|d| {
                matches!(d.kind(), "identifier" | "shorthand_property_identifier")
                    && *d != name
                    && self.text(*d) == self.text(name)
            })
            .peekable();
        uses.peek().is_some() && uses.all(each)
    }

    /// What a function (or the program) declares, read once.
    pub(super) fn scope(&mut self, func: Node<'t>) -> &Scope<'s, 't> {
        let info = self.info;
        self.scopes.entry(func.id()).or_insert_with(|| {
            let mut out = Scope::default();
            let is_name = |n: &Node<'_>| {
                n.kind() == "identifier" || n.kind() == "shorthand_property_identifier_pattern"
            };
            // Nested functions are included, for their names, but not entered.
            for n in syntax::descendants_entering(func, |n| !is_function(n.kind())) {
                let field = |f: &str| n.child_by_field_name(f);
                let declared = match n.kind() {
                    "variable_declarator"
                    | "function_declaration"
                    | "generator_function_declaration"
                    | "class_declaration" => field("name"),
                    "formal_parameters" => Some(n),
                    "arrow_function" if n == func => field("parameter"),
                    "catch_clause" => field("parameter"),
                    "for_in_statement" if field("kind").is_some() => field("left"),
                    _ => None,
                };
                // The value a variable starts with, or the default of a parameter or of a name
                // destructured (`{ port = 4444 }`, `(port = 4444) => ...`).
                let value = match n.kind() {
                    "variable_declarator" => declared.zip(field("value")),
                    "assignment_pattern" | "object_assignment_pattern" => {
                        field("left").zip(field("right"))
                    }
                    _ => None,
                };
                if let Some((name, value)) = value.filter(|(name, _)| is_name(name)) {
                    out.values.entry(info.text(name)).or_insert(value);
                }
                let names = declared.map(syntax::descendants).unwrap_or_default();
                out.names
                    .extend(names.iter().filter(|d| is_name(d)).map(|d| info.text(*d)));
            }
            out
        })
    }
}
