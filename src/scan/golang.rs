//! Go smell rules. Tests are the `TestXxx`, `BenchmarkXxx`, `FuzzXxx` and `ExampleXxx`
//! functions of `_test.go` files, which `go test` reports as `<import path>::TestXxx` (subtests
//! as `TestXxx/case`, joined to their function); `TestMain` is a hook. So are Ginkgo's specs
//! and per-spec hooks (ginkgo.rs).

use std::collections::{HashMap, HashSet};

use tree_sitter::{Node, Tree};

use super::facts::{Peer, Place, ProcessState, Restore, SeedSource};
use super::rules::{self, Lang, Variant};
use super::shared::{
    Decl, Decls, SEED_HOPS, Touch, TouchKind, Visitor, args, bounds_from_above, first_each,
    host_of, is_local_host, is_member_of, judge_exposures, literal_port, name_matches, record_unit,
};
use super::syntax::{self, FileCtx, Smell, UnitKind, descendants, named_children};
use crate::render::quote_code;
use clock::wall_clock;

mod clock;
mod ginkgo;
mod map_order;
mod state;

/// A check of one call to a standard library function: the smell, if the call is one.
type CallCheck = for<'t> fn(&Scope<'_, '_, 't>, Node<'t>, &str) -> Option<Smell>;

/// Calls that can make a test flaky: package, functions, and the check, the first that matches
/// (`math/rand*` is also `math/rand/v2`).
const CALLS: &[(&str, &[&str], CallCheck)] = &[
    ("time", &["Sleep"], fixed_sleep),
    ("time", &["Now"], wall_clock),
    ("math/rand*", SEEDS, seeding),
    // Constructors; any other function draws from the global generator.
    ("math/rand*", &["New*"], |_, _, _| None),
    ("math/rand*", &["*"], |s, call, _| s.unseeded_draw(call)),
    ("net/http", &["Get", "Head", "Post", "PostForm"], network),
    ("net/http", &["DefaultClient.*"], network),
    // LookupPort reads the services file of this machine.
    ("net", &["LookupPort"], |_, _, _| None),
    ("net", &["Dial*", "Lookup*", "Resolve*"], network),
    ("net", &["Listen*"], listen_call),
    ("net/http", &["ListenAndServe*"], listen_call),
    ("os", &["WriteFile", "Create", "OpenFile"], fixed_path_write),
    ("os", &["Mkdir", "MkdirAll", "Truncate"], fixed_path_write),
    ("os", &["Rename", "Remove*", "Symlink"], fixed_path_write),
    ("io/ioutil", &["WriteFile"], fixed_path_write),
    ("os/exec", &["Command", "CommandContext"], subprocess),
    ("os", &["StartProcess"], subprocess),
    ("os", &["Setenv", "Unsetenv", "Clearenv"], setenv),
    ("os", &["Chdir"], chdir),
    ("os", &["Getenv", "LookupEnv"], |s, call, _| {
        s.env_read(call)
    }),
    ("*testify/assert", COMPARISONS, timing_assertion),
    ("*testify/require", COMPARISONS, timing_assertion),
];

/// The functions of math/rand and math/rand/v2 that seed a generator.
const SEEDS: &[&str] = &["Seed", "NewSource", "NewPCG", "NewChaCha8"];
/// testify's comparisons, which assert on an elapsed time as `<` or `>` would.
const COMPARISONS: &[&str] = &["Less", "LessOrEqual", "Greater", "GreaterOrEqual"];

/// Whether a file is a test file: `*_test.go`.
pub(super) fn is_test_file(rel: &str) -> bool {
    rel.ends_with("_test.go")
}

/// Finds the units and smells of one file.
pub(super) fn analyze(tree: &Tree, cx: &mut FileCtx<'_>) {
    let root = tree.root_node();
    let file = &GoFile::read(root, cx);
    cx.facts.imports.extend(file.imports.values().cloned());
    let package_calls: Vec<Node<'_>> = named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "var_declaration")
        .flat_map(descendants)
        .filter(|n| n.kind() == "call_expression")
        .collect();
    // Functions and methods, then Ginkgo's specs (calls at package level).
    let heads = named_children(root)
        .into_iter()
        .chain(package_calls.clone());
    let funcs: Vec<Func<'_>> = heads.filter_map(|n| Func::record(n, file, cx)).collect();
    // What runs in a spec is the spec's.
    let in_spec = |n: &Node<'_>| {
        funcs
            .iter()
            .any(|f| f.body.byte_range().contains(&n.start_byte()))
    };
    let mut found: Vec<_> = package_calls
        .into_iter()
        .filter(|n| !in_spec(n))
        .filter_map(|n| Some((n, Scope::of(cx, file, None).call_smell(n)?, None)))
        .collect();
    let mut touches = Vec::new();
    for func in &funcs {
        let scope = Scope::of(cx, file, Some(func));
        found.extend(scope.smells());
        touches.extend(scope.touches());
    }
    let state = |var: &str| format!("package-level `{var}`");
    found.extend(judge_exposures(&touches, Lang::Go, state));
    for (node, smell, unit) in found {
        cx.report(node, smell, unit, cx.test_file);
    }
}

/// What the rules need to know about a file as a whole.
#[derive(Default)]
struct GoFile<'t> {
    /// The package name, without the `_test` of an external test package.
    package: String,
    /// Local name -> import path.
    imports: HashMap<String, String>,
    /// Package-level variables and how they are declared.
    vars: Decls<'t>,
    /// Constants, anywhere in the file.
    consts: HashSet<String>,
    /// Whether the file imports httptest (Go rejects unused imports): a local server or recorder
    /// is in scope.
    local_server: bool,
    /// Whether the file imports Ginkgo, whose specs are tests.
    ginkgo: bool,
    /// Struct fields declared in the file as maps (`members map[string]*member`).
    map_fields: HashSet<String>,
}

impl<'t> GoFile<'t> {
    fn read(root: Node<'t>, cx: &FileCtx<'_>) -> Self {
        let mut file = Self::default();
        let names = |n: Node<'t>| {
            field_nodes(n, "name")
                .into_iter()
                .map(|n| cx.text(n).to_owned())
        };
        for node in descendants(root) {
            let ty = node.child_by_field_name("type").map(|t| t.kind());
            match (node.kind(), ty) {
                ("var_declaration", _) if node.parent().is_some_and(|p| p.id() == root.id()) => {
                    file.vars.extend(declarations(node, cx));
                }
                ("field_declaration", Some("map_type")) => file.map_fields.extend(names(node)),
                ("package_clause", _) => {
                    let name = node.named_child(0).map_or("", |n| cx.text(n));
                    file.package = name.strip_suffix("_test").unwrap_or(name).to_owned();
                }
                ("import_spec", _) => _ = file.import(node, cx),
                ("const_spec", _) => file.consts.extend(names(node)),
                _ => {}
            }
        }
        file
    }

    fn import(&mut self, spec: Node<'_>, cx: &FileCtx<'_>) -> Option<()> {
        let path = unquote(cx.text(spec.child_by_field_name("path")?));
        self.ginkgo |= path.contains("/ginkgo");
        self.local_server |= path == "net/http/httptest";
        let local = match spec.child_by_field_name("name") {
            Some(alias) if alias.kind() == "package_identifier" => cx.text(alias).to_owned(),
            Some(_) => return None,
            None => default_import_name(path).to_owned(),
        };
        self.imports.insert(local, path.to_owned());
        Some(())
    }
}

/// The name a package is used by when imported without an alias: `math/rand/v2` -> `rand`.
fn default_import_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_major =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    match parts.next() {
        Some(before) if is_major => before,
        _ => last.split('.').next().unwrap_or(last),
    }
}

/// A string literal's content.
fn unquote(literal: &str) -> &str {
    literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or("")
}

/// The literal a string expression starts with (`"https://x" + path` -> `https://x`).
fn leading_literal<'s>(s: &Scope<'_, 's, '_>, node: Node<'_>) -> Option<&'s str> {
    let mut at = node;
    loop {
        at = match at.kind() {
            "binary_expression" => at.child_by_field_name("left")?,
            "parenthesized_expression" => at.named_child(0)?,
            _ => return s.string_value(at),
        };
    }
}

/// The children of a node under a field name, an expression list's one by one (`a, b := ...`).
fn field_nodes<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    let nodes = node.children_by_field_name(field, &mut cursor);
    let list = |n: Node<'t>| (n.kind() == "expression_list").then(|| named_children(n));
    nodes.flat_map(|n| list(n).unwrap_or(vec![n])).collect()
}

/// The names declared under a node (variables, parameters, range variables), but `_`.
fn declarations<'t>(scope: Node<'t>, cx: &FileCtx<'_>) -> Vec<Decl<'t>> {
    let mut out = Vec::new();
    // At package level, a function literal's names are its own (a Ginkgo container's).
    let package = scope.kind() == "var_declaration";
    for node in syntax::descendants_entering(scope, |n| !package || n.kind() != "func_literal") {
        // A `var` spec's values pair with its names by position; a `:=` only with one value per
        // name (`x, err := f()` binds neither to `f()`); a range clause's to none (no `value`).
        let (names, values, by_position) = match node.kind() {
            "short_var_declaration" => ("left", "right", false),
            "var_spec" | "parameter_declaration" | "variadic_parameter_declaration" => {
                ("name", "value", true)
            }
            "range_clause" => ("left", "value", false),
            _ => continue,
        };
        let (names, values) = (field_nodes(node, names), field_nodes(node, values));
        let paired = by_position || values.len() == names.len();
        let decls = names.iter().enumerate().map(|(i, name)| Decl {
            name: cx.text(*name).to_owned(),
            ty: node.child_by_field_name("type"),
            value: values.get(i).filter(|_| paired).copied(),
        });
        out.extend(decls.filter(|d| d.name != "_"));
    }
    out
}

/// A function or method of the file, recorded as a unit.
struct Func<'t> {
    body: Node<'t>,
    name: String,
    kind: UnitKind,
    unit: usize,
    /// The names declared inside, which shadow package-level variables and imports.
    decls: Decls<'t>,
}

impl<'t> Func<'t> {
    /// A function, a method or (in a test file that imports Ginkgo) a spec, recorded as a unit.
    fn record(node: Node<'t>, file: &GoFile<'_>, cx: &mut FileCtx<'_>) -> Option<Self> {
        let (func, name, kind, parents) = match node.kind() {
            "function_declaration" | "method_declaration" => declared(node, cx)?,
            "call_expression" if file.ginkgo && cx.test_file => ginkgo::spec(node, cx)?,
            _ => return None,
        };
        let mut func = Self {
            body: func.child_by_field_name("body")?,
            name,
            kind,
            unit: 0,
            decls: declarations(func, cx).into_iter().collect(),
        };
        let calls = Scope::of(cx, file, Some(&func)).calls();
        let test_code = cx.test_file;
        func.unit = record_unit(cx, node, &func.name, parents, kind, test_code, calls);
        Some(func)
    }
}

/// A unit's function (a declaration or a literal, whose names are its own), name, kind and parents.
type Head<'t> = (Node<'t>, String, UnitKind, Vec<String>);

/// A function or method declaration; a method's parent is its receiver's type (`Store`'s `Put`).
fn declared<'t>(node: Node<'t>, cx: &FileCtx<'_>) -> Option<Head<'t>> {
    let receiver = node.child_by_field_name("receiver").map(descendants);
    let ty = receiver.and_then(|r| r.into_iter().find(|n| n.kind() == "type_identifier"));
    let parents = ty.map(|t| cx.text(t).to_owned()).into_iter().collect();
    let name = cx.text(node.child_by_field_name("name")?);
    let kind = match test_kind(name) {
        Some(kind) if cx.test_file && node.kind() == "function_declaration" => kind,
        _ => UnitKind::Helper,
    };
    Some((node, name.to_owned(), kind, parents))
}

/// `TestXxx`, `BenchmarkXxx`, `FuzzXxx`, `ExampleXxx` are tests; `TestMain` is a hook.
fn test_kind(name: &str) -> Option<UnitKind> {
    if name == "TestMain" {
        return Some(UnitKind::Hook);
    }
    ["Test", "Benchmark", "Fuzz", "Example"]
        .iter()
        .filter_map(|prefix| name.strip_prefix(prefix))
        .any(|rest| !rest.starts_with(|c: char| c.is_lowercase()))
        .then_some(UnitKind::Test)
}

/// What a call calls.
enum Callee<'t> {
    /// A function of an imported package: its path and the name after it (`DefaultClient.Do`).
    Package(String, String),
    /// A function of this package, by name.
    Local(String),
    /// A method, on the value before the dot.
    Method(Node<'t>, String),
    /// A function value or anything else.
    Other,
}

impl Callee<'_> {
    /// The name called, whatever on (`srv.Serve`, `http.ListenAndServe`, `run`).
    fn name(&self) -> &str {
        match self {
            Self::Package(_, name) | Self::Local(name) | Self::Method(_, name) => name,
            Self::Other => "",
        }
    }
}

/// The rules' view of one function (or of package-level declarations when `func` is None).
struct Scope<'c, 's, 't> {
    cx: &'c FileCtx<'s>,
    file: &'c GoFile<'t>,
    func: Option<&'c Func<'t>>,
}

impl<'c, 's, 't> Scope<'c, 's, 't> {
    fn of(cx: &'c FileCtx<'s>, file: &'c GoFile<'t>, func: Option<&'c Func<'t>>) -> Self {
        Self { cx, file, func }
    }

    /// The names of the functions and methods the function calls.
    fn calls(&self) -> Vec<String> {
        let testing = |t: &str| t.trim_start_matches('*').starts_with("testing.");
        let calls = self
            .body_nodes()
            .into_iter()
            .filter_map(|node| match self.callee(node) {
                Callee::Local(name) => Some(name),
                // A method of any value (`a.Serf().Members()`), resolved by name to the package's
                // own and imported packages' first; not testing's own (`t.Run`, `m.Run`).
                Callee::Method(recv, name) if !self.typed(recv, testing) => Some(name),
                _ => None,
            });
        first_each(calls)
    }

    /// Whether a value is a variable declared with a type that `is` accepts (`t *testing.T`).
    fn typed(&self, value: Node<'t>, is: impl Fn(&str) -> bool) -> bool {
        let decls = self.decls_of(self.text(value));
        decls.iter().any(|d| d.ty.is_some_and(|t| is(self.text(t))))
    }

    fn is_local(&self, name: &str) -> bool {
        self.func.is_some_and(|f| f.decls.declares(name))
    }

    fn callee(&self, call: Node<'t>) -> Callee<'t> {
        let function = call.child_by_field_name("function");
        match function.map(|f| (f, f.kind(), self.text(f))) {
            Some((_, "identifier", name)) if !self.is_local(name) => Callee::Local(name.to_owned()),
            Some((f, "selector_expression", _)) => self.selector_callee(f),
            _ => Callee::Other,
        }
    }

    fn selector_callee(&self, selector: Node<'t>) -> Callee<'t> {
        let (Some(operand), Some(field)) = (
            selector.child_by_field_name("operand"),
            selector.child_by_field_name("field"),
        ) else {
            return Callee::Other;
        };
        let mut fields = vec![self.text(field)];
        let mut head = operand;
        // Bounded: each step goes down to the operand, and stops where a broken tree has none.
        while head.kind() == "selector_expression" {
            let (Some(f), Some(inner)) = (
                head.child_by_field_name("field"),
                head.child_by_field_name("operand"),
            ) else {
                break;
            };
            fields.insert(0, self.text(f));
            head = inner;
        }
        let package = (head.kind() == "identifier" && !self.is_local(self.text(head)))
            .then(|| self.file.imports.get(self.text(head)))
            .flatten();
        match package {
            Some(path) if fields.len() == 1 && default_import_name(path) == self.file.package => {
                Callee::Local(fields[0].to_owned())
            }
            Some(path) => Callee::Package(path.clone(), fields.join(".")),
            None => Callee::Method(operand, self.text(field).to_owned()),
        }
    }

    /// Whether a call is to one of `names` of package `path` (patterns as in [`CALLS`]).
    fn calls_package(&self, call: Node<'t>, path: &str, names: &[&str]) -> bool {
        matches!(self.callee(call), Callee::Package(p, n)
            if name_matches(path, &p) && names.iter().any(|m| name_matches(m, &n)))
    }

    /// The smells of the function, with its unit.
    fn smells(&self) -> Vec<(Node<'t>, Smell, Option<usize>)> {
        let unit = self.func.map(|f| f.unit);
        let smells = self.body_nodes().into_iter().filter_map(|node| {
            let smell = match node.kind() {
                "call_expression" => self.call_smell(node),
                "binary_expression" if self.test_code() => self.timing_threshold(node),
                "selector_expression" => self.local_zone(node),
                "go_statement" if self.in_test() => self.unjoined_goroutine(node),
                "for_statement" => self.map_order(node),
                "composite_literal" => self.server_literal(node),
                _ => None,
            };
            Some((node, smell?, unit))
        });
        smells.collect()
    }

    /// Whether the function is a test.
    fn in_test(&self) -> bool {
        self.func.is_some_and(|f| f.kind == UnitKind::Test)
    }

    /// The smell of a call of the standard library, if [`CALLS`] has a check of it.
    fn call_smell(&self, call: Node<'t>) -> Option<Smell> {
        let Callee::Package(path, name) = self.callee(call) else {
            return None;
        };
        let (.., check) = CALLS.iter().find(|(p, names, _)| {
            name_matches(p, &path) && names.iter().any(|n| name_matches(n, &name))
        })?;
        let shown = format!("{}.{name}", default_import_name(&path));
        check(self, call, &shown)
    }

    /// Whether a node runs when the test ends: in a `defer` or a `t.Cleanup` callback.
    fn in_cleanup(&self, node: Node<'t>) -> bool {
        self.ancestors(node).iter().any(|a| {
            a.kind() == "defer_statement"
                || matches!(self.callee(*a), Callee::Method(_, m) if m == "Cleanup")
        })
    }

    /// The declarations of a name seen from this scope: the function's, else the package's.
    fn decls_of<'a>(&'a self, name: &'a str) -> Vec<&'a Decl<'t>> {
        let func = self.func.map(|f| &f.decls).filter(|d| d.declares(name));
        func.unwrap_or(&self.file.vars).of(name).collect()
    }

    /// An expression, or the values the variable it names is declared with.
    fn values(&self, node: Node<'t>) -> Vec<Node<'t>> {
        if node.kind() != "identifier" {
            return vec![node];
        }
        let decls = self.decls_of(self.text(node));
        decls.into_iter().filter_map(|d| d.value).collect()
    }

    /// Whether a name is declared as a map, a channel or a string (`kind` of the type node).
    fn declared_as(&self, name: &str, kind: &str) -> bool {
        self.decls_of(name).iter().any(|d| match (d.value, d.ty) {
            (None, Some(t)) => t.kind() == kind || (kind == "string" && self.text(t) == "string"),
            (Some(v), _) => match v.kind() {
                "composite_literal" => v
                    .child_by_field_name("type")
                    .is_some_and(|t| t.kind() == kind),
                "call_expression" => {
                    matches!(self.callee(v), Callee::Local(f) if f == "make")
                        && args(v).first().is_some_and(|t| t.kind() == kind)
                }
                "interpreted_string_literal" | "raw_string_literal" => kind == "string",
                _ => false,
            },
            (None, None) => false,
        })
    }

    /// The variable an expression is the value of (`x := expr`, `x = expr`, `var x = expr`).
    fn assigned_to(&self, value: Node<'t>) -> Option<&'s str> {
        let list = value.parent().filter(|p| p.kind() == "expression_list")?;
        let stmt = list.parent()?;
        let index = named_children(list)
            .iter()
            .position(|n| n.id() == value.id())?;
        let names = match stmt.kind() {
            "short_var_declaration" | "assignment_statement" => field_nodes(stmt, "left"),
            "var_spec" => field_nodes(stmt, "name"),
            _ => return None,
        };
        let name = names.get(index).or(names.first())?;
        (name.kind() == "identifier").then(|| self.text(*name))
    }

    /// Whether a function literal runs as part of the test: inline, or a local helper (`check :=
    /// func() {...}`) the test calls itself, not only from a goroutine or a callback; one only
    /// handed on (a mock, a handler) is a callback.
    fn runs_in_test(&self, literal: Node<'t>) -> bool {
        let called_in_test = |u: &Node<'t>| {
            let called = u.parent().and_then(|c| c.child_by_field_name("function")) == Some(*u);
            let mut ancestors = self.ancestors(*u).into_iter();
            called && ancestors.all(|a| a.kind() != "func_literal" || self.runs_inline(a))
        };
        let helper_called = |name| self.uses_after(name, literal).iter().any(called_in_test);
        self.runs_inline(literal) || self.assigned_to(literal).is_some_and(helper_called)
    }

    /// Whether a function literal is a subtest's body (`t.Run(name, func...)`) or called in
    /// place (`func() {...}()`, not by `go`).
    fn runs_inline(&self, literal: Node<'t>) -> bool {
        literal.parent().is_some_and(|parent| match parent.kind() {
            "argument_list" => parent
                .parent()
                .is_some_and(|c| matches!(self.callee(c), Callee::Method(_, m) if m == "Run")),
            "call_expression" => parent.parent().is_some_and(|g| g.kind() != "go_statement"),
            _ => false,
        })
    }

    /// Whether a node is inside the arguments of a call that seeds a generator.
    fn in_seeding(&self, node: Node<'t>) -> bool {
        self.in_call(node, |callee| match callee {
            Callee::Package(p, n) => {
                name_matches("math/rand*", &p) && (n == "New" || SEEDS.contains(&&*n))
            }
            Callee::Method(_, m) => m == "Seed",
            _ => false,
        })
    }

    /// Whether a node is inside a call (its arguments, a callback) whose callee `is` accepts.
    fn in_call(&self, node: Node<'t>, is: impl Fn(Callee<'t>) -> bool) -> bool {
        self.ancestors(node).into_iter().any(|a| is(self.callee(a)))
    }

    /// Whether a value seeds a generator through a variable (`seed := time.Now().UnixNano()`).
    fn seeds_through_variable(&self, value: Node<'t>) -> bool {
        let at = call_around(value);
        self.assigned_to(at).is_some_and(|name| {
            self.uses_after(name, at)
                .iter()
                .any(|u| self.in_seeding(*u))
        })
    }

    /// Whether a node is in the arguments of a logging call (`t.Logf`, `log.Print`, `fmt.Println`)
    /// or failure message (`t.Fatalf("GO_TEST_SEED=%q: %v", ...)`): it decides nothing there.
    fn in_logging(&self, node: Node<'t>) -> bool {
        const MESSAGES: [&str; 8] = [
            "Log", "Logf", "Error", "Errorf", "Fatal", "Fatalf", "Skip", "Skipf",
        ];
        self.in_call(node, |callee| match callee {
            Callee::Method(_, m) => MESSAGES.contains(&m.as_str()),
            Callee::Package(p, n) => p == "log" || (p == "fmt" && n.starts_with("Print")),
            _ => false,
        })
    }

    /// Whether the listener a call makes (`l, err := net.Listen(...)`) only picks a port: its
    /// address read (`l.Addr()`) and closed at once (`l.Close()`, not only in cleanup), and
    /// used for nothing else (no `Accept`, not handed to a server, which keep the port).
    fn releases(&self, call: Node<'t>) -> bool {
        let Some(name) = self.assigned_to(call) else {
            return false;
        };
        let uses = self.uses_after(name, call);
        let member = |u: &Node<'t>, method| {
            u.parent()
                .is_some_and(|p| is_member_of(self.cx, p, name, method))
        };
        uses.iter().any(|u| member(u, "Addr"))
            && uses
                .iter()
                .any(|u| member(u, "Close") && !self.in_cleanup(*u))
            && uses.iter().all(|u| member(u, "Addr") || member(u, "Close"))
    }

    /// Whether an address is read from a listener the function opens (`ln.Addr()`): this machine.
    fn of_own_listener(&self, address: Node<'t>) -> bool {
        let listeners: Vec<&str> = (self.body_nodes().into_iter())
            .filter(|n| self.calls_package(*n, "net", &["Listen*"]))
            .filter_map(|c| self.assigned_to(c))
            .collect();
        let mut address = descendants(address).into_iter();
        address.any(|n| {
            listeners
                .iter()
                .any(|l| is_member_of(self.cx, n, l, "Addr"))
        })
    }

    /// A server literal with its address: `http.Server{Addr: ":8080"}`, `dns.Server{Addr: ...}`.
    fn server_literal(&self, node: Node<'t>) -> Option<Smell> {
        let ty = self.text(node.child_by_field_name("type")?);
        ty.ends_with("Server").then_some(())?;
        let body = node.child_by_field_name("body")?;
        let address = descendants(body).into_iter().find_map(|e| {
            let key = (e.kind() == "keyed_element").then(|| named_children(e))?;
            let name = key.first().map(|k| self.text(*k).trim())?;
            (name == "Addr").then(|| key.get(1).copied()).flatten()
        })?;
        let is_value = |n: &Node| matches!(n.kind(), "interpreted_string_literal" | "identifier");
        let value = descendants(address).into_iter().find(is_value)?;
        listen(self, node, value)
    }

    /// Whether a value is returned, or only compared with "" (a presence check).
    fn passes_on(&self, value: Node<'t>) -> bool {
        let comparison = value.parent().filter(|p| p.kind() == "binary_expression");
        let presence = comparison.map(named_children).unwrap_or_default();
        is_returned(value) || presence.iter().any(|s| self.string_value(*s) == Some(""))
    }

    /// A `go` statement in a test that never waits: no `Wait()`, channel receive or `select`,
    /// and no channel handed to a helper after it (`waitForStart(addrCh, errCh)`). A server is
    /// left out (closing it ends its loop), and so is a goroutine that only cancels a context.
    fn unjoined_goroutine(&self, node: Node<'t>) -> Option<Smell> {
        if self.serves(node) || self.only_cancels(node) {
            return None;
        }
        let channel = |a: Node<'t>| {
            a.kind() == "identifier" && self.declared_as(self.text(a), "channel_type")
        };
        let waits = self.body_nodes().into_iter().any(|n| match n.kind() {
            "unary_expression" => n
                .child_by_field_name("operator")
                .is_some_and(|o| self.text(o) == "<-"),
            "select_statement" | "receive_statement" => true,
            "call_expression" => match self.callee(n) {
                // Gomega's `Eventually` is often dot-imported.
                c if matches!(c.name(), "Wait" | "Eventually" | "EventuallyWithT") => true,
                Callee::Local(f) => {
                    n.start_byte() > node.end_byte()
                        && !matches!(f.as_str(), "close" | "len" | "cap")
                        && n.parent().is_some_and(|p| p.kind() != "go_statement")
                        && args(n).into_iter().any(channel)
                }
                _ => false,
            },
            "range_clause" => n.child_by_field_name("right").is_some_and(channel),
            _ => false,
        });
        (!waits).then(|| self.unjoined(node))?
    }

    /// Whether a goroutine, or the one it is started from, runs a server: it calls `Serve*`,
    /// `ListenAndServe*` or `Start*`, or loops on `Accept()`.
    fn serves(&self, go: Node<'t>) -> bool {
        let mut outer = self.ancestors(go).into_iter();
        let outer = outer.rfind(|a| a.kind() == "go_statement").unwrap_or(go);
        descendants(outer)
            .into_iter()
            .any(|n| match self.callee(n).name() {
                "Accept" => (self.ancestors(n).into_iter())
                    .take_while(|a| *a != outer)
                    .any(|a| a.kind() == "for_statement"),
                name => ["Serve", "ListenAndServe", "Start"]
                    .iter()
                    .any(|p| name.starts_with(p)),
            })
    }

    /// Whether a goroutine only cancels a context (`go func() { time.Sleep(d); cancel() }()`,
    /// by the cancel function's usual name): the test need not wait for that.
    fn only_cancels(&self, go: Node<'t>) -> bool {
        let calls: Vec<Node<'t>> = descendants(go)
            .into_iter()
            .filter_map(|c| c.child_by_field_name("function"))
            .filter(|f| f.kind() != "func_literal")
            .collect();
        let cancels = |f: &Node<'t>| {
            f.kind() == "identifier" && self.text(*f).to_lowercase().contains("cancel")
        };
        let sleeps = |f: &Node<'t>| {
            f.parent()
                .is_some_and(|c| self.calls_package(c, "time", &["Sleep"]))
        };
        calls.iter().any(cancels) && calls.iter().all(|f| cancels(f) || sleeps(f))
    }
}

impl<'s, 't> Visitor<'s, 't> for Scope<'_, 's, 't> {
    const LANG: Lang = Lang::Go;
    const LOOPS: &'static [&'static str] = &["for_statement"];
    const IF: &'static str = "if_statement";

    fn cx(&self) -> &FileCtx<'s> {
        self.cx
    }

    fn body(&self) -> Option<Node<'t>> {
        self.func.map(|f| f.body)
    }

    fn test_code(&self) -> bool {
        self.cx.test_file
    }

    /// Within the function literal a node is in: a loop that starts subtests or goroutines,
    /// or registers handlers, does not repeat what runs in them as a polling loop would.
    fn in_loop(&self, node: Node<'t>) -> bool {
        syntax::in_loop(node, Self::LOOPS, &["func_literal"])
    }

    fn is_constant_leaf(&self, node: Node<'t>) -> bool {
        match node.kind() {
            "identifier" => self.file.consts.contains(self.text(node)),
            "selector_expression" => matches!(
                self.selector_callee(node),
                Callee::Package(p, _) if p == "time"
            ),
            "call_expression" => self.calls_package(node, "time", &["Duration"]),
            _ => false,
        }
    }

    /// `time.Since(t)`, `a.Sub(b)`, their `.Seconds()`..., or a variable holding one.
    fn is_elapsed(&self, node: Node<'t>) -> bool {
        // A variable is followed to its values once, so `d := d` and deep nesting end.
        let mut pending = vec![node];
        let mut followed: HashSet<&str> = HashSet::new();
        while let Some(n) = pending.pop() {
            match n.kind() {
                "call_expression" => match self.callee(n) {
                    Callee::Package(p, name) if p == "time" && name == "Since" => return true,
                    Callee::Method(recv, m) => match m.as_str() {
                        "Sub" => return true,
                        "Seconds" | "Milliseconds" | "Microseconds" | "Nanoseconds" | "Minutes" => {
                            pending.push(recv)
                        }
                        _ => {}
                    },
                    _ => {}
                },
                "identifier" if followed.insert(self.text(n)) => {
                    pending.extend(self.values(n).into_iter().rev());
                }
                "parenthesized_expression" => pending.extend(n.named_child(0)),
                _ => {}
            }
        }
        false
    }

    fn string_value(&self, node: Node<'_>) -> Option<&'s str> {
        let literal = matches!(
            node.kind(),
            "interpreted_string_literal" | "raw_string_literal"
        );
        literal.then(|| unquote(self.text(node)))
    }

    /// Through up to [`SEED_HOPS`] variables it is parsed into; not where it is returned or
    /// only compared with "".
    fn seed_use(&self, value: Node<'t>, hops: usize) -> Option<Node<'t>> {
        if self.in_seeding(value) || self.in_logging(value) {
            return None;
        }
        let at = call_around(value);
        match self.assigned_to(at) {
            Some(name) if hops < SEED_HOPS => self
                .uses_after(name, at)
                .into_iter()
                .find_map(|u| self.seed_use(u, hops + 1)),
            Some(_) => None,
            // The whole expression it is used in (the condition, the call).
            None => (!self.passes_on(at)).then(|| {
                syntax::outermost(at, |k| k.ends_with("_expression") || k == "argument_list")
            }),
        }
    }
}

/// A sleep. A function literal that runs as part of the test (a subtest's body, a local helper
/// it calls) is the test; one handed to a server or a goroutine is a callback.
fn fixed_sleep<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    let kind = s.func.map_or(UnitKind::Test, |f| f.kind);
    s.sleep(call, kind, |a| {
        a.kind() == "func_literal" && !s.runs_in_test(*a)
    })
}

/// testify's `assert.Less(t, elapsed, bound)` and its kin on an elapsed time, in test code.
fn timing_assertion<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, shown: &str) -> Option<Smell> {
    let args = args(call);
    let left = args.get(1).is_some_and(|a| s.is_elapsed(*a));
    let right = args.get(2).is_some_and(|a| s.is_elapsed(*a));
    let op = if shown.contains(".Less") { "<" } else { ">" };
    (s.test_code() && (left || right))
        .then(|| s.elapsed_bound(call, bounds_from_above(op, left, false)))?
}

/// `net.Listen("tcp", ":8080")` (the address second), `http.ListenAndServe(":8080", h)` (first).
fn listen_call<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, shown: &str) -> Option<Smell> {
    let address = usize::from(shown.starts_with("net."));
    listen(s, call, *args(call).get(address)?)
}

/// A listener at an address literal, or a local variable holding one, for the rule to judge.
fn listen<'t>(s: &Scope<'_, '_, 't>, node: Node<'t>, address: Node<'t>) -> Option<Smell> {
    let port = literal_port(s.text(*s.values(address).first()?))?;
    s.listener(node, port, port == 0 && s.releases(node))
}

/// A seed from the clock or a constant one, for the shared rules to judge (one from a variable
/// is fine). A seed in `init`, `TestMain` or a package-level declaration runs once for all tests.
fn seeding<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    let args = args(call);
    // `time.Now()` in an argument, or in the value of a variable named in one.
    let now_in = |v: &Node<'t>| descendants(*v).iter().any(|c| s.is_now(*c));
    let mut nodes = args.iter().flat_map(|a| descendants(*a));
    let from_clock = nodes.any(|n| s.values(n).iter().any(now_in));
    let source = if from_clock {
        SeedSource::Unreproducible("the clock")
    } else if !args.is_empty() && args.iter().all(|a| s.is_constant(*a)) {
        SeedSource::Constant
    } else {
        return None;
    };
    let in_callback = s.ancestors(call).iter().any(|a| a.kind() == "func_literal");
    let place = match s.func {
        _ if in_callback => Place::Callback,
        Some(f) if f.name != "init" && f.name != "TestMain" => Place::of(f.kind),
        _ => Place::Shared,
    };
    s.seed(call, source, place)
}

/// A network call, unless to this machine or (for an address built at run time) with a local
/// test server in the file or a listener the function opens. Outside tests, only literal remote
/// addresses count: the caller decides the rest.
fn network<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, shown: &str) -> Option<Smell> {
    let is_network = |v: &str| matches!(v.trim_end_matches(['4', '6']), "tcp" | "udp" | "ip");
    let args = args(call);
    // A Unix socket (`net.Dial("unix", path)`) is a file of this machine.
    let first = args.first().and_then(|a| s.string_value(*a));
    (!first.is_some_and(|n| n.starts_with("unix"))).then_some(())?;
    // `net.LookupSRV(service, proto, name)` names the host last.
    let address = if shown == "net.LookupSRV" {
        args.last().copied()
    } else {
        args.into_iter()
            .find(|a| !s.string_value(*a).is_some_and(is_network))
    };
    let peer = match address.and_then(|a| leading_literal(s, a)) {
        Some(literal) if is_local_host(literal) => return None,
        Some(literal) => Peer::Remote(host_of(literal).0.to_owned()),
        None if s.in_test()
            && !s.file.local_server
            && !address.is_some_and(|a| s.of_own_listener(a)) =>
        {
            Peer::Unknown
        }
        None => return None,
    };
    s.request(call, peer)
}

/// A write or removal at a literal path, unless it is cleanup (`defer os.RemoveAll("out")`).
fn fixed_path_write<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, shown: &str) -> Option<Smell> {
    const WRITE_FLAGS: [&str; 5] = ["O_WRONLY", "O_RDWR", "O_CREATE", "O_APPEND", "O_TRUNC"];
    let args = args(call);
    let path = leading_literal(s, *args.first()?)?;
    let writes = |flags: &Node<'_>| {
        descendants(*flags)
            .iter()
            .any(|n| WRITE_FLAGS.contains(&s.text(*n)))
    };
    let opens_for_reading = shown.ends_with("OpenFile") && !args.get(1).is_some_and(writes);
    (!opens_for_reading && !s.in_cleanup(call)).then_some(())?;
    s.path_write(call, path)
}

/// A program named by a literal: a tool of the machine. A program from a variable is most
/// often the test binary or the one just built (the helper-process fake is `os.Args[0]`).
fn subprocess<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, shown: &str) -> Option<Smell> {
    s.string_value(*args(call).get(usize::from(shown.ends_with("Context")))?)?;
    // Run to the end with no deadline (no `Start`, no context, not `os.StartProcess`): context.
    let started = !shown.ends_with(".Command") || s.uses_member(&["Start", "Process"]);
    s.process(call, !started)
}

/// An environment variable set or removed and not restored in a `defer` or `t.Cleanup`.
/// Once per variable and function.
fn setenv<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    // The changes include this one: it may itself be the cleanup.
    let changes = s.same_key_calls(call, |n| s.calls_package(n, "os", &["Setenv", "Unsetenv"]));
    let repeated = changes.iter().any(|e| e.end_byte() < call.start_byte());
    let restored = changes.iter().any(|n| s.in_cleanup(*n));
    (!repeated && !restored).then_some(())?;
    s.process_change(call, ProcessState::Env, Restore::Never)
}

/// `os.Chdir` not undone in a `defer` or `t.Cleanup`.
fn chdir<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    // Any `os.Chdir` in cleanup, this one included, puts the directory back.
    let undo = |n| s.calls_package(n, "os", &["Chdir"]) && s.in_cleanup(n);
    (!s.body_nodes().into_iter().any(undo)).then_some(())?;
    s.process_change(call, ProcessState::Cwd, Restore::Never)
}

/// The outermost call a value is part of (`time.Now().UnixNano()`, `strconv.Atoi(v)`).
fn call_around(value: Node<'_>) -> Node<'_> {
    let parts = ["argument_list", "call_expression", "selector_expression"];
    syntax::outermost(value, |k| parts.contains(&k))
}

/// Whether a value is returned (`return x`).
fn is_returned(value: Node<'_>) -> bool {
    let list = value.parent().filter(|p| p.kind() == "expression_list");
    list.and_then(|l| l.parent())
        .is_some_and(|r| r.kind() == "return_statement")
}

/// The variable at the root of an assignable expression (`items[k]`, `cfg.Debug` -> the name).
fn root_variable(node: Node<'_>) -> Option<Node<'_>> {
    let mut at = node;
    loop {
        at = match at.kind() {
            "identifier" => return Some(at),
            "index_expression" | "selector_expression" => at.child_by_field_name("operand")?,
            "parenthesized_expression" => at.named_child(0)?,
            _ => return None,
        };
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scan::shared::{assert_example_causes, unit_rows};
    use crate::scan::snapshot_of;

    #[test]
    fn units_are_named_as_go_test_reports_them() {
        let src = r#"package registry_test

import "example.com/flakydemo/registry"

func TestMain(m *testing.M) { m.Run() }
func TestRegisterItem(t *testing.T) {
	registry.Register("a", 1)
	t.Run("sub", func(t *testing.T) { check(t) })
}
func Test(t *testing.T) {}
func Testify(t *testing.T) {}
func BenchmarkLookup(b *testing.B) {}
func FuzzSlug(f *testing.F) {}
func Example_slug() {}
func check(t *testing.T) { t.Helper(); strings.ToUpper("x") }
func (s *Store) Put(k string) { s.save(k); other.save(k) }
"#;
        let expected = [
            "Hook [] TestMain (test code) calls []",
            "Test [] TestRegisterItem (test code) calls [Register, check]",
            "Test [] Test (test code) calls []",
            "Helper [] Testify (test code) calls []",
            "Test [] BenchmarkLookup (test code) calls []",
            "Test [] FuzzSlug (test code) calls []",
            "Test [] Example_slug (test code) calls []",
            // A method of any value: `strings` is not imported here.
            "Helper [] check (test code) calls [ToUpper]",
            "Helper [Store] Put (test code) calls [save]",
        ];
        assert_eq!(unit_rows("registry/registry_test.go", src), expected);
        // Ginkgo's specs and per-spec hooks, under their containers' titles.
        let src = r#"package cache_test
import . "github.com/onsi/ginkgo/v2"
var _ = Describe("Cache", func() {
	BeforeEach(func() { reset() })
	When("full", func() {
		It("evicts", func() { fill() })
		FIt("keeps the newest", func() {})
	})
	Context("pending", func() { It("is written later") })
})
"#;
        let expected = [
            "Hook [Cache] BeforeEach (test code) calls [reset]",
            "Test [Cache::full] evicts (test code) calls [fill]",
            "Test [Cache::full] keeps the newest (test code) calls []",
        ];
        assert_eq!(unit_rows("cache/cache_test.go", src), expected);
        // In a file that is not a test file (`*_test.go`), nothing is a test.
        let tests = ["calc/calc_test.go", "calc_test.go"];
        let others = ["calc/calc.go", "testdata/input.go", "calc/test_calc.go"];
        assert!(tests.into_iter().all(is_test_file));
        assert!(!others.into_iter().any(is_test_file));
        let src = "package registry\nfunc TestLike() {}\n";
        let expected = ["Helper [] TestLike (code) calls []"];
        assert_eq!(unit_rows("registry/registry.go", src), expected);
    }

    #[test]
    fn fixtures() {
        insta::assert_snapshot!(snapshot_of(Path::new("tests/fixtures/scan/go")));
    }

    #[test]
    fn the_examples_flaky_tests_have_their_causes() {
        let flaky = [
            ("example.com/flakydemo/calc::TestSeededFlaky", "random"),
            (
                "example.com/flakydemo/registry::TestLookupStartsEmpty",
                "global-state",
            ),
        ];
        let stable = [
            "example.com/flakydemo/calc::TestAdd",
            "example.com/flakydemo/calc::TestSlug",
            "example.com/flakydemo/calc::TestSlug/lowercases",
            "example.com/flakydemo/calc::TestSlug/collapses_spaces",
            "example.com/flakydemo/registry::TestRegisterItem",
        ];
        let failing = "example.com/flakydemo/calc::TestMeanAlwaysFails";
        assert_example_causes("examples/go", &flaky, &stable, &[failing]);
        insta::assert_snapshot!("examples", snapshot_of(Path::new("examples/go")));
    }
}
