//! Python's listeners at fixed ports and calls over the network to other hosts.

use super::*;

impl<'t, 'c, 'a> Analyzer<'t, 'c, 'a> {
    /// A server or socket listening at a port the code names, for the shared rule to judge.
    pub(super) fn listen(&mut self, call: Node<'t>, function: Node<'t>, s: &Scope<'t>) {
        // Calls that listen, with the port's position when it is not in the address:
        // `make_server(host, 8000, app)`, `start_server(handler, host, 8888)`.
        let at = match self.callee_name(call) {
            Some("make_server") => Some(1),
            Some("start_server" | "create_server") => Some(2),
            Some("bind" | "HTTPServer" | "TCPServer" | "UDPServer" | "ThreadingTCPServer") => None,
            Some("ThreadingUDPServer" | "run" | "run_app" | "serve" | "Server") => None,
            Some("create_tcp_listener" | "ThreadingHTTPServer") => None,
            _ => return,
        };
        let args = self.positional(call);
        let keyword = |k: &str| self.keyword(call, k);
        let address = args.first().filter(|a| a.kind() == "tuple");
        // `port=8000`, or `(host, 8000)` as the address.
        let port = keyword("port")
            .or_else(|| keyword("local_port"))
            .and_then(|p| self.port(p).or_else(|| self.parametrized_port(p, s)))
            .or_else(|| self.port(address?.named_child(1)?))
            .or_else(|| self.port(*args.get(at?)?));
        let Some(port) = port else {
            return;
        };
        let fact = Fact::Listen(Listen {
            call: self.short(call),
            port,
            released: port == 0 && self.releases(call, function, s),
            test_code: self.cx.test_file,
        });
        self.judge(call, s, &fact);
    }

    /// Whether `sock.bind(...)`'s socket has its port read (`getsockname()`) and is then closed.
    fn releases(&self, call: Node<'t>, function: Node<'t>, s: &Scope<'t>) -> bool {
        let sock = function.child_by_field_name("object");
        let Some(sock) = sock.filter(|o| o.kind() == "identifier") else {
            return false;
        };
        let name = self.text(sock);
        let method_of = |n: Node<'_>, method| shared::is_member_of(self.cx, n, name, method);
        let nodes = syntax::descendants(s.node);
        let reads_port = nodes.iter().any(|n| method_of(*n, "getsockname"));
        let binds = |d: &Node<'_>| d.kind() == "as_pattern_target" && self.text(*d) == name;
        let closes = nodes.iter().any(|n| method_of(*n, "close"))
            || ancestors(call)
                .any(|a| a.kind() == "with_statement" && syntax::descendants(a).iter().any(binds));
        reads_port && closes
    }

    pub(super) fn network(&mut self, call: Node<'t>, s: &Scope<'t>) {
        // The address is the first argument, or the second (`requests.request("GET", url)`).
        let mut candidates = self.positional(call);
        candidates.truncate(2);
        candidates.extend(self.keyword(call, "url"));
        let peers: Option<Vec<Peer>> = candidates.iter().map(|a| self.host(*a, s, 0)).collect();
        if let Some(peers) = peers {
            let peer = peers.into_iter().find(|p| *p != Peer::Unknown);
            self.request(call, peer.unwrap_or(Peer::Unknown), s);
        }
    }

    /// A request to a peer where no fake stands in for the network, for the shared rule to judge.
    fn request(&mut self, call: Node<'t>, peer: Peer, s: &Scope<'t>) {
        if s.guards.fakes().contains(&Category::Network) {
            return;
        }
        let fact = Fact::Request(Request {
            call: self.short(call),
            peer,
        });
        self.judge(call, s, &fact);
    }

    /// Whether an object is a real HTTP client the scope makes: `requests.Session()`, but not
    /// `httpx.Client()` with an in-process `transport` or `app`.
    pub(super) fn real_client(&self, object: Node<'t>, s: &Scope<'t>) -> bool {
        let made = match object.kind() {
            "call" => Some(object),
            "identifier" => {
                let name = self.text(object);
                // `with requests.Session() as s`, or `s = requests.Session()`.
                let with_bound = s.own.iter().find_map(|n| {
                    let alias = n.child_by_field_name("alias")?;
                    let binds = n.kind() == "as_pattern" && self.text(alias) == name;
                    if binds { n.named_child(0) } else { None }
                });
                with_bound.or_else(|| self.value_of(name, Some(s)))
            }
            _ => None,
        };
        made.is_some_and(|m| {
            let in_process = |k| self.keyword(m, k).is_some();
            !in_process("transport") && !in_process("app") && self.callee(m) == Some(HttpClient)
        })
    }

    /// A URL among a call's first two arguments: a literal, or a name bound to one.
    pub(super) fn url_arg(&self, call: Node<'t>, s: &Scope<'t>) -> Option<Node<'t>> {
        let is_url = |n: Node<'t>| {
            self.literal_prefix(n)
                .is_some_and(|(text, _)| text.contains("://"))
        };
        self.positional(call).into_iter().take(2).find(|a| {
            is_url(*a)
                || (a.kind() == "identifier"
                    && self.value_of(self.text(*a), Some(s)).is_some_and(is_url))
        })
    }

    pub(super) fn remote_call(&mut self, node: Node<'t>, target: Option<Node<'t>>, s: &Scope<'t>) {
        if let Some(peer @ Peer::Remote(_)) = target.and_then(|t| self.host(t, s, 0)) {
            self.request(node, peer, s);
        }
    }

    /// The peer an address names: a URL or host literal, a `(host, port)` tuple, a URL built with
    /// `+` or an f-string, a name bound to one. None for this machine (a local address, one a
    /// fixture or server gives) or no network address (`sqlite:///db`).
    fn host(&self, node: Node<'t>, s: &Scope<'t>, depth: usize) -> Option<Peer> {
        if depth > 3 {
            return Some(Peer::Unknown);
        }
        let literal = self
            .literal_prefix(node)
            .and_then(|(text, complete)| host_of(&text, complete).map(str::to_owned));
        match literal {
            Some(host) if is_local_host(&host) => return None,
            Some(host) => return Some(Peer::Remote(host)),
            None if self.provided(node, s) => return None,
            None => {}
        }
        let inner =
            |n: Option<Node<'t>>| n.map_or(Some(Peer::Unknown), |n| self.host(n, s, depth + 1));
        match node.kind() {
            "tuple" | "parenthesized_expression" => inner(node.named_child(0)),
            "binary_operator" if operator(node) == Some("+") => {
                inner(node.child_by_field_name("left"))
            }
            "identifier" => {
                let values = self.values_of(self.text(node), Some(s));
                // None when one value is no network address; Unknown unless there is one value.
                let peers = values.into_iter().map(|v| self.host(v, s, depth + 1));
                let peers: Vec<Peer> = peers.collect::<Option<_>>()?;
                match peers.as_slice() {
                    [peer] => Some(peer.clone()),
                    _ => Some(Peer::Unknown),
                }
            }
            // A URL of another scheme (`invalid://x`, `sqlite:///db`) is no network address.
            "string" if self.literal(node).is_some_and(|t| t.contains("://")) => None,
            // Built from names (`f"http://{host}:{port}"`, `url1[7:]`): local when one of them is.
            _ => {
                let local = syntax::descendants(node).into_iter().any(|d| {
                    d != node
                        && d.kind() == "identifier"
                        && is_reference(d)
                        && self.host(d, s, depth + 1).is_none()
                });
                (!local).then_some(Peer::Unknown)
            }
        }
    }

    /// Whether an address comes from a fixture (`live_server.url`) or `with server as (host, _)`.
    fn provided(&self, node: Node<'t>, s: &Scope<'t>) -> bool {
        let takes_fixtures = !matches!(s.role, Role::Helper | Role::Body);
        let fixtures: &[String] = if takes_fixtures { &s.params } else { &[] };
        let served: Vec<&str> = s
            .own
            .iter()
            .filter(|n| {
                n.kind() == "as_pattern" && n.parent().is_some_and(|p| p.kind() == "with_item")
            })
            .filter_map(|n| n.child_by_field_name("alias"))
            .flat_map(syntax::descendants)
            .filter(|n| n.kind() == "identifier")
            .map(|n| self.text(n))
            .collect();
        syntax::descendants(node).into_iter().any(|d| {
            let name = self.text(d);
            d.kind() == "identifier"
                && is_reference(d)
                && !matches!(name, "self" | "cls")
                && (fixtures.iter().any(|p| p == name) || served.contains(&name))
        })
    }
}

/// The host of a URL or host name literal (`https://user@host:443/x` -> `host`) that holds all of
/// it: of a network scheme, or of none and looking like a host name.
fn host_of(text: &str, complete: bool) -> Option<&str> {
    let network = ["http", "https", "ws", "wss", "ftp"];
    let scheme = text.split_once("://").map(|(scheme, _)| scheme);
    let known = scheme.is_none_or(|s| network.iter().any(|n| s.eq_ignore_ascii_case(n)));
    let (host, ended) = shared::host_of(text);
    let hostlike = scheme.is_some()
        || is_local_host(host)
        || (host.contains('.')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')));
    (known && (complete || ended) && hostlike && !host.is_empty()).then_some(host)
}
