//! Failure signatures: a failure message with what changes from run to run (numbers, addresses,
//! temporary paths) folded away, so failures that are the same read as the same.

/// How much of a message a signature keeps.
const MAX_CHARS: usize = 160;

/// The signature of a failure message: its first non-empty line (a Rust panic's message, see
/// [`telling_line`]), normalised.
pub fn signature(message: &str) -> String {
    let line = telling_line(message);
    let mut out = String::with_capacity(line.len().min(MAX_CHARS));
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if out.chars().count() >= MAX_CHARS {
            out.push('…');
            break;
        }
        if c == '0' && chars.peek().is_some_and(|n| *n == 'x' || *n == 'X') {
            chars.next();
            while chars.peek().is_some_and(char::is_ascii_hexdigit) {
                chars.next();
            }
            out.push_str("0x…");
        } else if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|n| n.is_ascii_digit() || *n == '.')
            {
                chars.next();
            }
            out.push('N');
        } else if c == '/'
            && out.ends_with(|p: char| p.is_whitespace() || p == '\'' || p == '"' || p == '(')
        {
            // An absolute path: temporary directories differ per attempt, so keep its last part.
            let mut path = String::from('/');
            while chars
                .peek()
                .is_some_and(|n| !n.is_whitespace() && !matches!(n, '\'' | '"' | ')' | ':' | ','))
            {
                path.push(chars.next().unwrap_or(' '));
            }
            if path.starts_with("/tmp/") || path.contains("/flaky-") {
                out.push_str("…/");
                out.push_str(path.rsplit('/').next().unwrap_or(""));
            } else {
                out.push_str(&path);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How many lines of a Rust panic's message a signature joins: `assert_eq!`'s first line is the
/// same for every failure, its `left:` and `right:` lines are not.
const PANIC_LINES: usize = 3;

/// The line that tells a failure apart: the first non-empty one, except for a Rust panic. Since
/// Rust 1.73 a panic's first line is its location (`panicked at src/lib.rs:12:23:`), the same for
/// every panic in a file once the numbers are folded: the message below it tells them apart.
/// Before, the message came first, quoted (`panicked at 'boom', src/lib.rs:1:5`): the message
/// alone, without the location.
fn telling_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let Some(at) = first.find("panicked at ") else {
        return first.to_owned();
    };
    let after = &first[at + "panicked at ".len()..];
    if let Some(quoted) = after.strip_prefix('\'') {
        // The old format: the quoted message can run over several lines.
        let text: Vec<&str> = std::iter::once(quoted)
            .chain(lines)
            .take(PANIC_LINES)
            .collect();
        let text = text.join(" ");
        return match text.rfind("', ") {
            Some(end) => text[..end].to_owned(),
            None => text,
        };
    }
    if after.ends_with(':') {
        let payload: Vec<&str> = lines.take(PANIC_LINES).collect();
        if !payload.is_empty() {
            return payload.join(" ");
        }
    }
    first.to_owned()
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn numbers_addresses_and_temp_paths_fold() {
        assert_eq!(
            signature("AssertionError: expected 3 got 17"),
            "AssertionError: expected N got N"
        );
        assert_eq!(
            signature("  \nTimeout after 2.5s at 0x7ffd1234abcd\nstack"),
            "Timeout after Ns at 0x…"
        );
        assert_eq!(
            signature("cannot open '/tmp/flaky-abc/attempt-3/db.sqlite': locked"),
            "cannot open '…/db.sqlite': locked"
        );
        assert_eq!(signature("missing /etc/hosts"), "missing /etc/hosts");
        assert_eq!(signature(""), "");
        let long = "x".repeat(500);
        assert_eq!(signature(&long).chars().count(), 161);
    }

    #[test]
    fn rust_panics_are_told_apart_by_their_message_not_their_file() {
        let eq = "panicked at src/lib.rs:12:23:\nassertion `left == right` failed\n  left: \"a\"\n right: \"b\"";
        let boom = "panicked at src/lib.rs:14:24:\nboom 7";
        let unwrap =
            "thread 't' panicked at src/lib.rs:16:49:\ncalled `Option::unwrap()` on a `None` value";
        assert_eq!(
            signature(eq),
            "assertion `left == right` failed left: \"a\" right: \"b\""
        );
        assert_eq!(signature(boom), "boom N");
        assert_eq!(
            signature(unwrap),
            "called `Option::unwrap()` on a `None` value"
        );
        assert_eq!(
            signature("panicked at src/lib.rs:14:24:\nboom 8"),
            signature(boom)
        );
        // Before Rust 1.73: the message first, quoted, then the location.
        assert_eq!(signature("panicked at 'boom 7', src/lib.rs:1:5"), "boom N");
        assert_eq!(
            signature(
                "panicked at 'assertion failed: `(left == right)`\n  left: `2`,\n right: `3`', src/lib.rs:12:5"
            ),
            "assertion failed: `(left == right)` left: `N`, right: `N`"
        );
        // A location with nothing below it is all there is.
        assert_eq!(
            signature("panicked at src/lib.rs:1:1:"),
            "panicked at src/lib.rs:N:N:"
        );
    }

    #[test]
    fn equal_failures_share_a_signature_and_different_ones_do_not() {
        assert_eq!(signature("seed 123 failed"), signature("seed 98765 failed"));
        assert_ne!(
            signature("connection refused"),
            signature("assertion failed")
        );
    }
}
