//! Joining scanned tests to measured test ids, and imports to files.
//!
//! Measured ids come from the frameworks' reports: `tests/test_math.py::TestSlug::test_x[1-2]`
//! (pytest), `__tests__/a.test.js::checkout > charges the card` (jest, vitest), `test/a.js::suite
//! case` (mocha), `test/a.test.js::suite > case` (node:test), `example.com/m/calc::TestAdd/sub` (go test),
//! `src/lib.rs::tests::adds` and `crate::tests::adds` (cargo test, nextest).

use serde::Serialize;

use super::{Category, Confidence, Finding, Language, ScanReport};
use crate::analysis::Severity;

/// A finding offered as a likely cause of a measured test's failures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Cause {
    pub rule: String,
    pub category: String,
    pub severity: Severity,
    pub confidence: String,
    pub file: String,
    pub line: u32,
    pub message: String,
    pub hint: String,
    /// The calls from the test to the smell, when it is not in the test itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
}

impl Cause {
    fn of(f: &Finding, test_file: &str, test: &str) -> Self {
        let via = f
            .reached_from
            .iter()
            .find(|r| r.file == test_file && r.test == test)
            .map(|r| r.via.clone())
            .unwrap_or_default();
        Self {
            rule: f.rule.to_owned(),
            category: f.category.as_str().to_owned(),
            severity: f.severity,
            confidence: f.confidence.as_str().to_owned(),
            file: f.file.clone(),
            line: f.line,
            message: f.message.clone(),
            hint: f.hint.clone(),
            via,
        }
    }
}

/// The likely causes of one measured test's failures (or, for a stable test, its smells).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LikelyCauses {
    pub test: String,
    /// No failure was measured: its smells are of lower priority.
    pub stable: bool,
    pub causes: Vec<Cause>,
}

/// The causes of each measured test (`(id, stable)`) that has any: unstable tests first, in the
/// order given, then stable ones.
pub fn likely_causes<'a>(
    report: &ScanReport,
    tests: impl IntoIterator<Item = (&'a str, bool)>,
) -> Vec<LikelyCauses> {
    let mut out: Vec<LikelyCauses> = tests
        .into_iter()
        .filter_map(|(id, stable)| {
            let causes = causes_of(report, id);
            (!causes.is_empty()).then(|| LikelyCauses {
                test: id.to_owned(),
                stable,
                causes,
            })
        })
        .collect();
    out.sort_by_key(|c| c.stable);
    out
}

/// The findings that concern a measured test, worst first.
pub fn causes_of(report: &ScanReport, test_id: &str) -> Vec<Cause> {
    let mut out: Vec<(Severity, Confidence, Category, Cause)> = Vec::new();
    for t in &report.tests {
        if !matches(test_id, &t.file, &t.parents, &t.name) {
            continue;
        }
        for &i in &t.findings {
            let f = &report.findings[i];
            let cause = Cause::of(f, &t.file, &t.display);
            if !out.iter().any(|(_, _, _, c)| *c == cause) {
                out.push((f.severity, f.confidence, f.category, cause));
            }
        }
    }
    out.sort_by(|a, b| (b.0, b.1, a.2).cmp(&(a.0, a.1, b.2)));
    out.into_iter().map(|(_, _, _, c)| c).collect()
}

/// Separators between a test's parents and name in the frameworks' ids.
const SEPARATORS: [&str; 6] = ["::", " > ", " › ", " ", "/", "."];

/// Whether a measured id names the test `parents`/`name` of `file`.
pub fn matches(id: &str, file: &str, parents: &[String], name: &str) -> bool {
    // A file part, when the id has one: it must be the file (ids may be relative to a
    // subdirectory of the scan root, so a suffix on a path boundary is enough).
    let (id_file, rest) = match id.split_once("::") {
        Some((head, rest)) if looks_like_file(head) => (Some(head), rest),
        _ => (None, id),
    };
    if let Some(f) = id_file
        && !(file == f || file.ends_with(&format!("/{f}")) || in_crate_of(file, f))
    {
        return false;
    }
    // A head that is not a file is a package or crate (`example.com/m/calc::TestX`).
    let in_package = rest.split_once("::").filter(|_| id_file.is_none());
    let qualified = [parents, &[name.to_owned()]].concat().join("::");
    [Some(rest), in_package.map(|(_, r)| r)]
        .into_iter()
        .flatten()
        .any(|rest| {
            let rest = strip_parameters(rest);
            // Go subtests (`TestX/case`) belong to their test function.
            let go_test = rest.split_once('/').map(|(t, _)| t);
            SEPARATORS.iter().any(|sep| {
                let q = qualified.replace("::", sep);
                rest == q || ends_on_boundary(rest, &q) || fills_placeholders(rest, &q)
            }) || go_test == Some(qualified.as_str())
        })
}

/// Whether `id` ends with `pattern` once its `test.each` placeholders (`%s`, `%i`, `$name`, ...)
/// are filled in: `math > adds 1 and 2` for `math > adds %i and %i`.
fn fills_placeholders(id: &str, pattern: &str) -> bool {
    let mut pieces: Vec<&str> = Vec::new();
    let mut rest = pattern;
    while let Some(at) = rest.find(['%', '$']) {
        pieces.push(&rest[..at]);
        let tail = &rest[at + 1..];
        let len = if rest[at..].starts_with('%') {
            tail.chars()
                .next()
                .filter(|c| "sdifjop#%".contains(*c))
                .map_or(0, char::len_utf8)
        } else {
            tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(tail.len())
        };
        if len == 0 {
            return false;
        }
        rest = &tail[len..];
    }
    if pieces.is_empty() {
        return false;
    }
    pieces.push(rest);
    // The first piece starts the test's part of the id, on a separator; the rest follow in
    // order, each filled placeholder at least one character.
    let Some(start) = id
        .rfind(pieces[0])
        .filter(|&at| at == 0 || SEPARATORS.iter().any(|sep| id[..at].ends_with(sep)))
    else {
        return false;
    };
    let mut at = start + pieces[0].len();
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let last = i == pieces.len() - 1;
        let found = if last {
            id.len()
                .checked_sub(piece.len())
                .filter(|&p| p > at && id[p..] == **piece)
        } else {
            id.get(at + 1..)
                .and_then(|r| r.find(piece))
                .map(|p| p + at + 1)
        };
        match found {
            Some(p) => at = p + piece.len(),
            None => return false,
        }
    }
    at == id.len()
}

/// Cargo names every unit test by its crate root (`src/lib.rs::order::tests::x` for a test in
/// `src/order.rs`): `file` is in the `src/` of the crate whose root `f` is.
fn in_crate_of(file: &str, f: &str) -> bool {
    let Some(src) = f
        .strip_suffix("lib.rs")
        .or_else(|| f.strip_suffix("main.rs"))
        .filter(|dir| dir.is_empty() || dir.ends_with("src/"))
    else {
        return false;
    };
    file.ends_with(".rs") && (file.starts_with(src) || file.contains(&format!("/{src}")))
}

fn ends_on_boundary(id: &str, tail: &str) -> bool {
    id.strip_suffix(tail)
        .is_some_and(|head| SEPARATORS.iter().any(|sep| head.ends_with(sep)))
}

/// `test_add[1-2]` -> `test_add` (pytest parameters); `tests::adds::case_1_small` -> `tests::adds`
/// (rstest cases).
fn strip_parameters(id: &str) -> &str {
    let id = match id.find('[') {
        Some(at) if id.ends_with(']') => &id[..at],
        _ => id,
    };
    match id.rsplit_once("::") {
        Some((test, case)) if case.starts_with("case_") => test,
        _ => id,
    }
}

fn looks_like_file(s: &str) -> bool {
    let ext = s.rsplit_once('.').map_or("", |(_, e)| e);
    Language::of_extension(ext).is_some() || matches!(ext, "rb" | "php")
}

/// Whether `import` (as written in `from_file`) names the file `candidate`.
pub fn import_names(from_file: &str, import: &str, candidate: &str) -> bool {
    let (stem, ext) = candidate.rsplit_once('.').unwrap_or((candidate, ""));
    match ext {
        "py" => {
            let module = stem
                .strip_suffix("/__init__")
                .unwrap_or(stem)
                .replace('/', ".");
            module == import || module.ends_with(&format!(".{import}"))
        }
        // Only a relative specifier names a file of the project.
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" if import.starts_with('.') => {
            let dir = from_file.rsplit_once('/').map_or("", |(d, _)| d);
            let joined = normalise(&format!("{dir}/{import}"));
            let joined = joined.strip_suffix(&format!(".{ext}")).unwrap_or(&joined);
            stem == joined || stem.strip_suffix("/index") == Some(joined)
        }
        // `github.com/hashicorp/serf/serf` names the package in the directory `serf`.
        "go" => {
            let dir = candidate.rsplit_once('/').map_or("", |(d, _)| d);
            !dir.is_empty() && (import == dir || import.ends_with(&format!("/{dir}")))
        }
        _ => false,
    }
}

/// Resolves `.` and `..` in a `/`-separated relative path.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a row `id | file | test` holds: the measured id names the test (its parents and
    /// name joined by `::`) of the file.
    fn row_matches(row: &str) -> bool {
        let [id, file, test] = row.split(" | ").collect::<Vec<_>>()[..] else {
            panic!("{row} is not `id | file | test`")
        };
        let mut parents: Vec<String> = test.split("::").map(str::to_owned).collect();
        let name = parents.pop().expect("a name");
        matches(id, file, &parents, &name)
    }

    #[test]
    fn measured_ids_of_every_framework_match_their_tests() {
        for row in [
            "tests/test_math.py::test_add | tests/test_math.py | test_add",
            "tests/test_math.py::test_add_table[1-1-2] | tests/test_math.py | test_add_table",
            "tests/test_math.py::TestSlug::test_x | tests/test_math.py | TestSlug::test_x",
            "tests/test_math.py::test_add | examples/py/tests/test_math.py | test_add",
            "__tests__/c.test.js::checkout > charges the card | __tests__/c.test.js | checkout::charges the card",
            "test/q.test.js::queue starts empty | test/q.test.js | queue::starts empty",
            "registry > starts empty | test/r.test.js | registry::starts empty",
            "example.com/m/calc::TestSeeded | calc/calc_test.go | TestSeeded",
            "example.com/m/calc::TestSlug/lowercases | calc/calc_test.go | TestSlug",
            "src/lib.rs::tests::adds | src/lib.rs | tests::adds",
            "src/lib.rs::order::tests::x | src/order.rs | order::tests::x",
            "flakydemo::order::register_item | src/lib.rs | order::register_item",
            "src/lib.rs::tests::adds::case_2_negative | src/lib.rs | tests::adds",
            "__tests__/m.test.js::math > adds 1 and 2 | __tests__/m.test.js | math::adds %i and %i",
            "__tests__/m.test.js::math > greets Ada | __tests__/m.test.js | math::greets $name",
        ] {
            assert!(row_matches(row), "{row}: the id should match the test");
        }
    }

    #[test]
    fn other_tests_and_files_do_not_match() {
        for row in [
            "tests/test_math.py::test_add | tests/test_other.py | test_add",
            "tests/test_math.py::test_add_more | tests/test_math.py | test_add",
            "tests/test_math.py::TestA::test_x | tests/test_math.py | TestB::test_x",
            "__tests__/m.test.js::math > subtracts 1 and 2 | __tests__/m.test.js | math::adds %i and %i",
            "__tests__/m.test.js::other > adds 1 and 2 | __tests__/m.test.js | math::adds %i and %i",
            "__tests__/c.test.js::checkout > charges the card twice | __tests__/c.test.js | checkout::charges the card",
            "example.com/m/calc::TestSeededMore | calc/calc_test.go | TestSeeded",
            "src/lib.rs::tests::adds | src/other.rs | other::tests::adds",
        ] {
            assert!(!row_matches(row), "{row}: the id must not match the test");
        }
    }

    #[test]
    fn imports_name_their_files() {
        let serf = "github.com/hashicorp/serf/serf";
        let leave = "cmd/serf/command/force_leave_test.go";
        for (from, import, file) in [
            ("tests/test_r.py", "flakydemo", "src/flakydemo/__init__.py"),
            ("tests/test_r.py", "flakydemo", "flakydemo.py"),
            ("__tests__/c.test.js", "../src/gateway", "src/gateway.js"),
            ("test/i.test.js", "../src/inventory.js", "src/inventory.js"),
            ("test/i.test.ts", "./lib", "test/lib/index.ts"),
            (leave, serf, "serf/serf.go"),
        ] {
            assert!(import_names(from, import, file), "{import} names {file}");
        }
        for (from, import, file) in [
            ("tests/test_r.py", "flakydemo", "src/other.py"),
            ("test/i.test.js", "vitest", "vitest.js"),
            (leave, serf, "client/serf.go"),
        ] {
            assert!(
                !import_names(from, import, file),
                "{import} must not name {file}"
            );
        }
    }
}
