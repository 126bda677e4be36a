//! What the languages' analyses share: the run's seed variables, local hosts, timing
//! comparisons, and the polluter/victim analysis of state shared by all tests.

use std::collections::HashSet;

use tree_sitter::Node;

use super::facts::Access;
use crate::exec::seed::{ATTEMPT_VARIABLES, SEED_VARIABLES};

/// Whether a variable is one through which flaky gives each attempt its seed or index.
pub(super) fn is_seed_variable(name: &str) -> bool {
    SEED_VARIABLES.contains(&name) || ATTEMPT_VARIABLES.contains(&name)
}

/// The host of a URL or `host:port` ("" when it names none).
pub(super) fn host_of(address: &str) -> &str {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or(v6, |(h, _)| h),
        None => host_port.split_once(':').map_or(host_port, |(h, _)| h),
    }
}

/// Whether a URL or `host:port` names this machine.
pub(super) fn is_local_host(address: &str) -> bool {
    let host = host_of(address);
    host.is_empty()
        || host == "localhost"
        || host == "localhost.localdomain"
        // The host of the in-process test clients of Starlette, FastAPI and Django.
        || host == "testserver"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "::1"
        || host == "0.0.0.0"
}

/// Whether a comparison involving an elapsed time bounds it from above: `elapsed < max`
/// asserted, or `elapsed > max` as the condition under which a test fails. Those fail on a
/// loaded machine; lower bounds (`elapsed >= delay`) hold there.
pub(super) fn bounds_from_above(op: &str, elapsed_on_left: bool, fails_when_true: bool) -> bool {
    let says_small = matches!(
        (op, elapsed_on_left),
        ("<" | "<=", true) | (">" | ">=", false)
    );
    matches!(op, "<" | "<=" | ">" | ">=") && says_small != fails_when_true
}

/// Whether an expression is (part of a `&&`/`||` of) the condition of an `if` (`if_kind`).
pub(super) fn is_if_condition(node: Node<'_>, if_kind: &str) -> bool {
    let mut at = node;
    while let Some(parent) = at.parent() {
        match parent.kind() {
            "parenthesized_expression" => at = parent,
            "binary_expression"
                if parent
                    .child_by_field_name("operator")
                    .is_some_and(|o| matches!(o.kind(), "&&" | "||")) =>
            {
                at = parent;
            }
            kind => {
                return kind == if_kind
                    && parent
                        .child_by_field_name("condition")
                        .is_some_and(|c| c.id() == at.id());
            }
        }
    }
    false
}

/// A piece of code on one line, cut to a length that fits a message.
pub(super) fn short(code: &str) -> String {
    const MAX: usize = 60;
    let flat = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = flat.chars().take(MAX).collect();
    if cut.len() < flat.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// A read or change of state shared by all tests of a process (a package-level variable, a
/// static) by a function, or at module level.
pub(super) struct Touch<'t> {
    pub unit: Option<usize>,
    /// The function's name (or the static's, at module level), for messages.
    pub owner: String,
    pub var: String,
    pub node: Node<'t>,
    pub kind: TouchKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TouchKind {
    Read,
    /// A change that outlives the test.
    Write,
    /// State set up once for all tests (`TestMain`, a `sync.Once`, a lazy static).
    Setup,
}

/// The exposures of a file's touches, one per function and variable: writes of variables that
/// another function reads or writes (not a counter only its function uses); reads and setups
/// of variables that another function writes.
pub(super) fn exposures<'a, 't>(touches: &'a [Touch<'t>]) -> Vec<(&'a Touch<'t>, Access)> {
    let mut seen: HashSet<(Option<usize>, &str)> = HashSet::new();
    let mut out = Vec::new();
    for t in touches {
        let writers: Vec<&Touch<'t>> = touches
            .iter()
            .filter(|w| w.kind == TouchKind::Write && w.var == t.var)
            .collect();
        let other = writers
            .iter()
            .find(|w| w.unit != t.unit)
            .map(|w| w.owner.clone());
        let shared = touches.iter().any(|o| o.var == t.var && o.unit != t.unit);
        let exposure = match (t.kind, other) {
            (TouchKind::Write, _) if shared => Access::Write,
            (TouchKind::Read, Some(writer)) if writers.iter().all(|w| w.unit != t.unit) => {
                Access::Read { writer }
            }
            (TouchKind::Setup, Some(writer)) => Access::Setup { writer },
            _ => continue,
        };
        if seen.insert((t.unit, &t.var)) {
            out.push((t, exposure));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        for local in [
            "http://localhost:8080/x",
            "http://127.0.0.1/",
            "http://[::1]:80/",
            ":8080",
            "localhost:5432",
            "https://user@127.0.0.2:1/",
            "http://testserver/items",
            "localhost.localdomain",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for remote in [
            "https://example.com/",
            "db.example.com:5432",
            "http://10.0.0.1/",
        ] {
            assert!(!is_local_host(remote), "{remote}");
        }
    }
}
