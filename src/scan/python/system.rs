//! Python's processes started, signals sent to the test process, and writes to fixed paths.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// A process waited for with no time limit is context; one left running, or given a
    /// deadline a slow runner can miss, is a race.
    pub(super) fn subprocess(&mut self, call: Node<'t>, waits: bool, s: &Scope<'t>) {
        if s.guards.calls.contains(&Fake(Category::Subprocess)) {
            return;
        }
        let fact = Fact::Process(Process {
            call: self.short(call),
            to_end: waits && self.keyword(call, "timeout").is_none(),
        });
        self.judge(call, s, &fact);
    }

    /// Whether an `open` mode writes.
    pub(super) fn writes(&self, mode: Option<Node<'_>>) -> bool {
        mode.and_then(|m| self.literal(m))
            .is_some_and(|m| m.contains(['w', 'a', 'x', '+']))
    }

    /// A write to a fixed path outside a temporary directory (a method's object: a `pathlib` path).
    pub(super) fn path_write(
        &mut self,
        node: Node<'t>,
        path: Option<Node<'t>>,
        method: bool,
        s: &Scope<'t>,
    ) {
        let fixed = path.and_then(|p| self.fixed_path(p, Some(s), 0));
        if s.guards.calls.contains(&TempDir) || !fixed.is_some_and(|pathlib| pathlib || !method) {
            return;
        }
        let fact = Fact::PathWrite(PathWrite {
            call: self.short(node),
            path: None,
            relative: false,
        });
        self.judge(node, s, &fact);
    }

    /// Whether an expression is a fixed path (a literal, `__file__`, `Path.cwd()`, or built from
    /// those): Some(true) for a `pathlib` path, Some(false) for a string.
    fn fixed_path(&self, node: Node<'t>, s: Option<&Scope<'t>>, depth: usize) -> Option<bool> {
        // The depth only stops cycles through names (`p = p / "x"`).
        (depth <= 8).then_some(())?;
        let fixed = |a: &Node<'t>| self.fixed_path(*a, s, depth + 1).is_some();
        let all_fixed = |args: Vec<Node<'t>>| !args.is_empty() && args.iter().all(fixed);
        // The system's temporary directory is the same every run: a fixed name in it is shared.
        if self.text(node) == "__file__"
            || self.qualified(node).as_deref() == Some("tempfile.tempdir")
        {
            return Some(false);
        }
        match node.kind() {
            "string" => self.literal(node).filter(|t| !t.is_empty()).map(|_| false),
            "parenthesized_expression" => self.fixed_path(node.named_child(0)?, s, depth + 1),
            "identifier" => self.fixed_path(self.value_of(self.text(node), s)?, s, depth + 1),
            "binary_operator" => {
                let fixed = operator(node) == Some("/") && all_fixed(syntax::named_children(node));
                fixed.then_some(true)
            }
            // `p.parent`, `p.joinpath("x")`, `p.resolve()`.
            "attribute" => {
                let attribute = node.child_by_field_name("attribute")?;
                let object = node.child_by_field_name("object")?;
                let derived = matches!(
                    self.text(attribute),
                    "parent" | "joinpath" | "with_name" | "with_suffix" | "resolve" | "absolute"
                );
                (derived && self.fixed_path(object, s, depth + 1).is_some()).then_some(true)
            }
            "call" => {
                let function = node.child_by_field_name("function")?;
                match self.qualified(function).as_deref() {
                    Some("os.getcwd" | "tempfile.gettempdir") => Some(false),
                    Some("pathlib.Path.cwd" | "pathlib.Path.home") => Some(true),
                    Some("pathlib.Path" | "pathlib.PurePath") => {
                        all_fixed(self.positional(node)).then_some(true)
                    }
                    Some(
                        "os.path.join" | "os.path.dirname" | "os.path.abspath" | "os.path.realpath",
                    ) => all_fixed(self.positional(node)).then_some(false),
                    _ if function.kind() == "attribute" => self.fixed_path(function, s, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A signal sent to this process: `signal.raise_signal(sig)`, `os.kill(os.getpid(), sig)`,
    /// `signal.pthread_kill(threading.get_ident(), sig)`, `signal.alarm(n)` with `n > 0`.
    pub(super) fn raise_signal(&mut self, call: Node<'t>, qualified: &str, s: &Scope<'t>) {
        let own_process = match qualified {
            "signal.raise_signal" => true,
            "signal.alarm" => self
                .arg(call, 0, &["seconds"])
                .is_some_and(|n| self.text(n) != "0"),
            _ => {
                let target = self.arg(call, 0, &["pid", "thread_id"]);
                let callee = target.and_then(|t| self.callee_qualified(t));
                matches!(
                    callee.as_deref(),
                    Some("os.getpid" | "threading.get_ident" | "threading.main_thread")
                )
            }
        };
        if own_process {
            let what = "signals the process that runs every test: what happens depends on the handlers installed by the tests before";
            self.report_code(call, s, PROCESS_SIGNAL, what);
        }
    }
}
