//! Failure signatures: a failure message with what changes from run to run (numbers, addresses,
//! temporary paths) folded away, so failures that are the same read as the same.

/// How much of a message a signature keeps.
const MAX_CHARS: usize = 160;

/// The signature of a failure message: its first non-empty line, normalised.
pub fn signature(message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
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
    fn equal_failures_share_a_signature_and_different_ones_do_not() {
        assert_eq!(signature("seed 123 failed"), signature("seed 98765 failed"));
        assert_ne!(
            signature("connection refused"),
            signature("assertion failed")
        );
    }
}
