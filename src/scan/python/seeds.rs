//! Python's random values and generators, their seeds, and the run's seed deciding an outcome.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// A random value or generator no seed controls, for the shared rule to judge.
    pub(super) fn unseeded(&mut self, node: Node<'t>, makes: Unseeded, s: &Scope<'t>) {
        let call = self.short(node);
        let fact = Fact::Random(Random { call, makes });
        self.judge(node, s, &fact);
    }

    /// `random.seed(x)`, `random.Random(x)`: by what they are seeded (no argument or None: the OS
    /// entropy); the run's seed, or a value of unknown origin, is left alone.
    pub(super) fn seeding(&mut self, node: Node<'t>, callee: Callee, s: &Scope<'t>) {
        const ENTROPY: SeedSource = SeedSource::Unreproducible("the clock or the OS entropy");
        let arg = self.arg(node, 0, &["a", "seed", "x"]);
        let source = match arg.filter(|a| a.kind() != "none") {
            None if callee == Generator => {
                self.unseeded(node, Unseeded::Generator, s);
                return;
            }
            None => ENTROPY,
            Some(arg) => {
                let nodes = syntax::descendants(arg);
                let seed_read = |n: &Node<'t>| self.seed_source(*n, &s.seeds).is_some();
                if nodes.iter().any(seed_read) {
                    return;
                }
                let mut qualified = nodes.iter().filter_map(|n| self.callee_qualified(*n));
                let entropy = qualified.any(|q| {
                    matches!(callee_of(&q), Some(UniqueValue | Clock(_))) || q == "os.getpid"
                });
                if entropy {
                    ENTROPY
                } else if self.constant(arg) || self.literal(arg).is_some() {
                    SeedSource::Constant
                } else {
                    return;
                }
            }
        };
        let fact = Fact::Seed(Seed {
            call: self.short(node),
            source,
            place: s.role.place(),
        });
        self.judge(node, s, &fact);
    }

    /// Whether a node is in the arguments of a seed (the seed rules report it).
    pub(super) fn seeds_a_generator(&self, node: Node<'_>) -> bool {
        ancestors(node).any(|a| matches!(self.callee(a), Some(Seed(_) | Generator)))
    }

    /// The seed variable a node reads: `os.environ.get("TEST_SEED")` & co, or a name holding one.
    pub(super) fn seed_source(
        &self,
        node: Node<'t>,
        seeds: &HashMap<String, String>,
    ) -> Option<String> {
        if node.kind() == "identifier" {
            let var = seeds.get(self.text(node))?;
            return is_reference(node).then(|| var.clone());
        }
        self.env_var(node, is_seed_variable)
    }

    /// The variable an environment read names, if `wanted`: `os.environ["K"]` (not written),
    /// `os.environ.get("K")`, `os.getenv("K")` (under any name). The cheaper variable goes first.
    pub(super) fn env_var(&self, node: Node<'t>, wanted: fn(&str) -> bool) -> Option<String> {
        let name = match node.kind() {
            "call" => self.arg(node, 0, &["key"]),
            "subscript" => node.child_by_field_name("subscript"),
            _ => None,
        };
        let var = self.literal(name?).filter(|v| wanted(v))?;
        let environ = match node.kind() {
            "call" => self.callee(node) == Some(EnvRead),
            _ => {
                let value = self.qualified(node.child_by_field_name("value")?);
                value.as_deref() == Some("os.environ") && !is_write_target(node)
            }
        };
        environ.then_some(var)
    }

    /// How a read of the run's seed is used, following conversions and arithmetic up.
    pub(super) fn seed_use(&self, node: Node<'t>) -> SeedUse {
        let mut current = node;
        let mut computed = false;
        let casts = ["int", "float", "str", "abs", "hash"];
        let converts = |c: Node<'t>| self.callee_name(c).is_some_and(|n| casts.contains(&n));
        while let Some(parent) = current.parent() {
            match parent.kind() {
                "parenthesized_expression" | "boolean_operator" | "keyword_argument" => {}
                "binary_operator" | "unary_operator" => computed = true,
                // Through a conversion: `int(seed)`.
                "argument_list" if parent.parent().is_some_and(converts) => {}
                "call" if parent.child_by_field_name("arguments") == Some(current) => {}
                "assignment" => {
                    let left = parent
                        .child_by_field_name("left")
                        .filter(|l| l.kind() == "identifier");
                    return match left {
                        Some(l) if l != current => SeedUse::Assigned(self.text(l).to_owned()),
                        _ => SeedUse::Harmless,
                    };
                }
                "comparison_operator"
                | "assert_statement"
                | "if_statement"
                | "elif_clause"
                | "while_statement"
                | "conditional_expression"
                | "subscript" => {
                    return SeedUse::Outcome(true);
                }
                "expression_statement" | "return_statement" if computed => {
                    return SeedUse::Outcome(false);
                }
                _ => return SeedUse::Harmless,
            }
            current = parent;
        }
        SeedUse::Harmless
    }

    /// A test whose outcome depends on the run's seed beyond seeding a generator.
    pub(super) fn seed_dependence(&mut self, s: &Scope<'t>) {
        let outcome = s.own.iter().find_map(|n| {
            let var = self.seed_source(*n, &s.seeds)?;
            match self.seed_use(*n) {
                SeedUse::Outcome(decides) => Some((*n, decides, var)),
                _ => None,
            }
        });
        let Some((at, decides, var)) = outcome else {
            return;
        };
        let statement = ancestors(at).find(|a| a.kind().ends_with("statement"));
        let fact = Fact::SeedUse(SeedRead {
            variable: var,
            code: self.short(statement.unwrap_or(at)),
            decides,
        });
        self.judge(at, s, &fact);
    }
}
