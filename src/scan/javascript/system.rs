//! JavaScript's reach outside the process: requests to other machines, writes to fixed
//! paths, fixed ports, and directory listings used in the file system's order.

use super::*;

/// The host of a URL (or bare host) whose literal start is known, `None` for this machine;
/// `complete` says whether the literal is all of it.
fn host_in((prefix, complete): &(String, bool)) -> Option<Peer> {
    // A path or a relative URL (`''`, `/api`, `./x`) is not a request to another machine.
    if *complete && prefix.is_empty() || prefix.starts_with('/') || prefix.starts_with('.') {
        return None;
    }
    let first = prefix.split('/').next().unwrap_or_default();
    let rest = match prefix.split_once(':') {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("file") => return None,
        Some((scheme, rest))
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            rest.trim_start_matches('/')
        }
        // `'users/1'` with a base URL: a path. `'example.com/x'`: a host.
        _ if !(first.contains('.') || first == "localhost") => return None,
        _ => prefix.as_str(),
    };
    let (host, ended) = shared::host_of(rest);
    match host {
        _ if host.is_empty() || !ended && !*complete => Some(Peer::Unknown),
        _ if is_local_host(host) => None,
        _ => Some(Peer::Remote(host.to_owned())),
    }
}

impl<'c, 's, 't> Walk<'c, 's, 't> {
    /// Where a request goes, unless it is mocked or to this machine.
    pub(super) fn remote(&mut self, q: &str, args: &[Node<'t>]) -> Option<Peer> {
        if self.info.network_mocked || self.info.is_mocked(q) {
            return None;
        }
        let peer = match args.first().map(|a| unwrap(*a)) {
            None => Some(Peer::Unknown),
            // `net.connect(port[, host])` defaults to this machine.
            Some(n) if n.kind() == "number" => args.get(1).and_then(|h| self.host_of(*h, 2)),
            Some(n) => self.host_of(n, 2),
        };
        peer.filter(|p| !(*p == Peer::Unknown && self.info.local_server))
    }

    /// Where a request to this address goes: `None` for this machine.
    fn host_of(&mut self, node: Node<'t>, depth: u8) -> Option<Peer> {
        // One expression leads to the next (a fallback, a property, a variable's value): a loop,
        // so nesting costs no stack; variables are followed `depth` times.
        let (mut at, mut depth) = (node, depth);
        loop {
            let n = unwrap(at);
            let next = match n.kind() {
                // `${BASE}/users`: the host is in the leading variable.
                "template_string"
                    if depth > 0
                        && n.named_child(0)
                            .is_some_and(|c| c.kind() == "template_substitution") =>
                {
                    depth -= 1;
                    n.named_child(0).and_then(|c| c.named_child(0))
                }
                "string" | "template_string" => return host_in(&self.info.literal_prefix(n)),
                // `process.env.API ?? 'https://api.example.com'`: the fallback is the default.
                "binary_expression" if matches!(self.operator(n), "??" | "||") => {
                    n.child_by_field_name("right")
                }
                // Options that name no host: Node's clients default to this machine.
                "object" => Some(self.property(n, &URL_KEYS)?),
                "identifier" if depth > 0 => {
                    depth -= 1;
                    self.declared_value(n)
                }
                "new_expression" => arguments(n).first().copied().filter(|_| {
                    n.child_by_field_name("constructor")
                        .is_some_and(|c| self.text(c) == "URL")
                }),
                _ => None,
            };
            match next {
                Some(n) => at = n,
                None => return Some(Peer::Unknown),
            }
        }
    }

    pub(super) fn fixed_path_write(&self, call: Node<'t>, q: &str) -> Option<PathWrite> {
        if self.info.is_mocked(q) {
            return None;
        }
        let (path, anchored) = self.fixed_path(*arguments(call).first()?)?;
        let temp = TEMP_PATHS.iter().any(|t| path.starts_with(t));
        // A relative path may be under the temporary directory the test moved to.
        if temp || !anchored && self.info.temp_dir {
            return None;
        }
        Some(PathWrite {
            call: self.shown(call),
            path: Some(path),
            relative: !anchored,
        })
    }

    /// A path made of literals (and `__dirname`, `process.cwd()`), and whether it is anchored
    /// (absolute, or under the source tree) rather than relative to the working directory.
    fn fixed_path(&self, arg: Node<'_>) -> Option<(String, bool)> {
        let n = unwrap(arg);
        if let Some(p) = self.info.literal(n) {
            let absolute = p.starts_with('/');
            return Some((p, absolute));
        }
        if !matches!(self.info.callee(n)?.as_str(), "path.join" | "path.resolve") {
            return None;
        }
        let mut parts = Vec::new();
        let mut anchored = false;
        for a in arguments(n) {
            if let Some(p) = self.info.literal(a) {
                anchored |= parts.is_empty() && p.starts_with('/');
                parts.push(p);
            } else if matches!(
                self.text(a),
                "__dirname" | "__filename" | "process.cwd()" | "import.meta.dirname"
            ) {
                anchored = true;
                parts.push(self.text(a).to_owned());
            } else {
                return None;
            }
        }
        Some((parts.join("/"), anchored))
    }

    /// A server listening at a port the code names (the first argument or an argument's `port`
    /// key, or the value or default of the variable given: `{ port = 4444 } = options`).
    pub(super) fn listen(&mut self, call: Node<'t>, ctx: &Ctx) {
        let args = arguments(call);
        let named = args.iter().find_map(|a| self.property(*a, &["port"]));
        let Some(port) = named.or(args.first().copied()).map(unwrap) else {
            return;
        };
        let port = match port.kind() {
            "identifier" => self.declared_value(port).map_or(port, unwrap),
            // `process.env.PORT || 3000`: the port unless the environment says otherwise.
            "binary_expression" if matches!(self.operator(port), "||" | "??") => {
                port.child_by_field_name("right").map_or(port, unwrap)
            }
            _ => port,
        };
        let number = (port.kind() == "number").then(|| self.text(port));
        let Some(port) = number.and_then(|n| n.parse().ok()) else {
            return;
        };
        let listen = Listen {
            call: self.shown(call),
            port,
            released: false,
            test_code: self.cx.test_file,
        };
        self.judge(call, Fact::Listen(listen), ctx.unit);
    }

    /// The value of an object literal's first property with one of these keys (`{ key }`: itself).
    pub(super) fn property(&self, object: Node<'t>, keys: &[&str]) -> Option<Node<'t>> {
        let object = unwrap(object);
        let properties = (object.kind() == "object").then(|| syntax::named_children(object));
        properties?.into_iter().find_map(|p| {
            let field = |f: &str| p.child_by_field_name(f);
            let (key, value) = match p.kind() {
                "pair" => (field("key")?, field("value")?),
                "shorthand_property_identifier" => (p, p),
                _ => return None,
            };
            keys.contains(&strip_quotes(self.text(key)))
                .then_some(value)
        })
    }

    /// Whether a directory listing's order is used (asserted, indexed, joined, returned)
    /// without a sort, directly or through the variable it is stored in.
    pub(super) fn listing_order_used(&self, call: Node<'t>) -> bool {
        let n = outer(call);
        if let Some(used) = self.order_use(n) {
            return used;
        }
        // Stored: no use sorts it, and one uses its order.
        let declarator = n.parent().filter(|p| p.kind() == "variable_declarator");
        let mut used = false;
        let unsorted = declarator.is_some_and(|d| {
            self.every_use(d, |u| {
                let order = self.order_use(outer(u));
                used |= order == Some(true);
                order != Some(false)
            })
        });
        unsorted && used
    }

    /// How a listing is used: `Some(true)` if its order counts, `Some(false)` if it is sorted.
    fn order_use(&self, n: Node<'_>) -> Option<bool> {
        let p = n.parent()?;
        match p.kind() {
            "member_expression" => match self.text(p.child_by_field_name("property")?) {
                "sort" | "toSorted" => Some(false),
                "join" => Some(true),
                _ => None,
            },
            "subscript_expression" | "return_statement" => Some(true),
            "arrow_function" => (p.child_by_field_name("body") == Some(n)).then_some(true),
            "arguments" => {
                let call = p.parent()?;
                let q = self.info.q(call.child_by_field_name("function")?);
                if names_any(&["*.sort", "*.sortBy", "*.sorted", "*.orderBy"], &q) {
                    Some(false)
                } else if self.is_assertion(call) || q == "JSON.stringify" {
                    Some(true)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}
