//! Go's reads of the wall clock: `time.Now()` unless it only measures or is input, `time.Local`.

use super::*;

/// `time.Now()` unless it only measures (`start := time.Now()` read by `time.Since(start)`).
/// A read that is only input (formatted, passed on, stored) is context: it decides nothing.
pub(super) fn wall_clock<'t>(s: &Scope<'_, '_, 't>, call: Node<'t>, _: &str) -> Option<Smell> {
    if s.measures(call) || s.in_seeding(call) || s.seeds_through_variable(call) {
        return None;
    }
    s.clock_read(call, false, s.only_input(call, true))
}

impl<'t> Scope<'_, '_, 't> {
    /// Whether an expression is `time.Now()`, possibly moved (`time.Now().Add(d)`).
    pub(super) fn is_now(&self, node: Node<'t>) -> bool {
        let mut at = node;
        while at.kind() == "call_expression" {
            at = match self.callee(at) {
                Callee::Package(p, n) => return p == "time" && n == "Now",
                Callee::Method(recv, m) if matches!(&*m, "Add" | "Truncate" | "Round") => recv,
                _ => return false,
            };
        }
        false
    }

    /// Whether a `time.Now()` only measures: it is compared with or subtracted from another
    /// instant of the run, or stored in a variable used only that way.
    fn measures(&self, now: Node<'t>) -> bool {
        // `time.Now().Add(d)`...: the call around a selector of it.
        let moved = |n: &Node<'t>| {
            let call = n.parent().and_then(|selector| selector.parent());
            call.filter(|c| c.kind() == "call_expression" && self.is_now(*c))
        };
        let outer = std::iter::successors(Some(now), moved)
            .last()
            .unwrap_or(now);
        let only_compared = |name| {
            let uses = self.uses_after(name, outer);
            !uses.is_empty() && uses.iter().all(|u| self.compares_instants(*u))
        };
        self.compares_instants(outer) || self.assigned_to(outer).is_some_and(only_compared)
    }

    /// Whether an instant is used by `time.Since(x)`/`time.Until(x)` or compared with another
    /// instant (`x.Sub(start)`, `time.Now().After(x)`).
    fn compares_instants(&self, instant: Node<'t>) -> bool {
        let compares = |m: &str| ["Sub", "After", "Before"].contains(&m);
        // An instant of the run: `time.Now()` or a variable holding one.
        let is_instant = |n: Node<'t>| self.values(n).iter().any(|v| self.is_now(*v));
        let Some((parent, call)) = instant.parent().and_then(|p| Some((p, p.parent()?))) else {
            return false;
        };
        match (parent.kind(), self.callee(call)) {
            ("argument_list", Callee::Package(p, n)) => {
                (p == "time" && (n == "Since" || n == "Until"))
                    || (p == "context" && n == "WithDeadline")
            }
            ("argument_list", Callee::Method(recv, m)) => {
                (compares(&m) && is_instant(recv))
                    || (m.starts_with("Set") && m.ends_with("Deadline"))
            }
            // `x.Sub(start)`: the instant's own method.
            ("selector_expression", Callee::Method(_, m)) => {
                compares(&m) && args(call).first().is_some_and(|a| is_instant(*a))
            }
            _ => false,
        }
    }

    /// Whether an instant is only input: shifted (`Add`, `UTC`, ...) and then formatted, passed
    /// to a call, or stored in a composite literal; through one variable when `follow`.
    fn only_input(&self, instant: Node<'t>, follow: bool) -> bool {
        const SHIFTS: [&str; 7] = ["Add", "AddDate", "UTC", "Local", "In", "Truncate", "Round"];
        const RENDERS: [&str; 4] = ["Format", "String", "AppendFormat", "MarshalText"];
        let mut at = instant;
        while let Some(parent) = at.parent() {
            match parent.kind() {
                "argument_list" | "keyed_element" | "literal_element" | "literal_value" => {
                    return true;
                }
                "unary_expression" | "parenthesized_expression" => at = parent,
                // A method called on it (only a call has a callee).
                "selector_expression" => match parent.parent().map(|c| (c, self.callee(c))) {
                    Some((c, Callee::Method(_, m))) if SHIFTS.contains(&m.as_str()) => at = c,
                    Some((_, Callee::Method(_, m))) => return RENDERS.contains(&m.as_str()),
                    _ => return false,
                },
                "expression_list" if follow => {
                    // Also returned by a function literal: the base of a fake clock
                    // (`timeNow = func() time.Time { now = now.Add(time.Second); return now }`).
                    let returned_by_literal = |u: Node<'t>| {
                        is_returned(u)
                            && self.ancestors(u).iter().any(|a| a.kind() == "func_literal")
                    };
                    let input = |name| {
                        self.uses_after(name, at).iter().all(|u| {
                            self.only_input(*u, false)
                                // Shifted into itself (`now = now.Add(time.Second)`).
                                || self.assigned_to(call_around(*u)) == Some(name)
                                || returned_by_literal(*u)
                        })
                    };
                    return self.assigned_to(at).is_some_and(input);
                }
                _ => return false,
            }
        }
        false
    }

    /// `time.Local`: the machine's time zone.
    pub(super) fn local_zone(&self, node: Node<'t>) -> Option<Smell> {
        let is_call = node.parent().is_some_and(|p| p.kind() == "call_expression");
        (!is_call
            && matches!(self.selector_callee(node), Callee::Package(p, n) if p == "time" && n == "Local"))
        .then(|| self.clock_read(node, true, false))?
    }
}
