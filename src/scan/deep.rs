//! Property tests: the scan returns on any depth of nesting and any call graph. Sources in each
//! language nest expressions, functions, modules and suites hundreds to 1,500 levels deep and call
//! recursive and mutually recursive functions from tests; each is scanned on a thread with a
//! 256 KiB stack, so a walk whose recursion follows the input's depth overflows it at once.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::{Language, ScanOptions, assemble, parse_one};

/// The stack the analysis runs on here: far below the 2 MiB of a scan's worker threads.
const STACK: usize = 256 * 1024;

/// A source language under test: where its file goes, how an expression nests (the wrappers,
/// separated by ` | `: `X` is the inner expression), and the file around one deep expression.
struct Lang {
    file: &'static str,
    wrappers: &'static str,
    /// The innermost expression: a smell, so the rules read what is around it.
    base: &'static str,
    /// The file: functions f0..f{cycle-1} calling each other in a ring, a function calling
    /// itself, a variable defined by itself, `expr`, and `nesting` levels of nested
    /// definitions (functions, classes, modules or suites), all reached from tests.
    source: fn(expr: &str, cycle: usize, nesting: usize) -> String,
}

const LANGS: [Lang; 4] = [
    Lang {
        file: "web/deep.test.js",
        wrappers: "{url: X} | [X] | (X) | f(X) | X + 1 | X - start | () => X | x ?? X \
            | new URL(X) | `${X}/x` | !X | X.p | describe('s', () => X) \
            | test('t', async () => X) | function g() { return X; } \
            | class C { m() { return X; } }",
        base: "fetch('https://api.example.com/v1')",
        source: javascript,
    },
    Lang {
        file: "tests/test_deep.py",
        wrappers: "(X) | [X] | {'a': X} | f(X) | X + 1 | not X | -X | lambda: X | list(X) \
            | X if c else 0 | (X, 1) | X .a",
        base: "time.time()",
        source: python,
    },
    Lang {
        file: "deep/deep_test.go",
        wrappers: "(X) | f(X) | X + 1 | X.f | []int{X} | func() int { return X }() | X.Seconds() \
            | time.Duration(X) | -X | x[X]",
        base: "time.Since(start)",
        source: go,
    },
    Lang {
        file: "tests/deep.rs",
        wrappers: "(X) | f(X) | X + 1 | &X | X.as_secs() | Path::new(X) | [X] | { X } | || X \
            | Duration::from_millis(X)",
        base: "start.elapsed()",
        source: rust,
    },
];

/// `depth` wrappers (taken in turn from `pattern`) around `base`.
fn nest(lang: &Lang, pattern: &[usize], depth: usize) -> String {
    let wrappers: Vec<&str> = lang.wrappers.split(" | ").collect();
    let (mut before, mut after) = (String::new(), Vec::new());
    for level in 0..depth {
        let wrapper = wrappers[pattern[level % pattern.len()] % wrappers.len()];
        let (open, close) = wrapper.split_once('X').expect("a wrapper holds X");
        before.push_str(open);
        after.push(close);
    }
    after.reverse();
    format!("{before}{}{}", lang.base, after.concat())
}

/// Functions `f0`..`f{cycle-1}`, each calling the next, the last calling the first.
fn ring(cycle: usize, function: impl Fn(usize, usize) -> String) -> String {
    (0..cycle).map(|i| function(i, (i + 1) % cycle)).collect()
}

fn javascript(expr: &str, cycle: usize, nesting: usize) -> String {
    let mut out = String::from("const start = Date.now();\n");
    out += &ring(cycle, |i, next| {
        format!("function f{i}(n) {{ return n > 0 ? f{next}(n - 1) : Date.now(); }}\n")
    });
    out +=
        "function again(n) { return n > 0 ? again(n - 1) : fetch('https://api.example.com'); }\n";
    out += &"describe('level', () => {\n".repeat(nesting);
    out += &format!(
        "test('calls', async () => {{\n  let u = u;\n  await fetch(u);\n  const v = {expr};\n  expect(f0(3)).toBe(again(2));\n  expect(v).toBeDefined();\n}});\n"
    );
    out += &"});\n".repeat(nesting);
    out
}

fn python(expr: &str, cycle: usize, nesting: usize) -> String {
    let mut out = String::from("import time\n\nimport requests\n\n\n");
    out += &ring(cycle, |i, next| {
        format!("def f{i}(n):\n    return f{next}(n - 1) if n else time.time()\n\n\n")
    });
    out += "def again(n):\n    return again(n - 1) if n else requests.get('https://api.example.com')\n\n\n";
    out += &format!(
        "def test_calls():\n    p = p / 'x'\n    open(p, 'w')\n    v = {expr}\n    assert f0(3) == again(2)\n    assert v\n\n\n"
    );
    // Nested functions and classes, one space of indentation a level.
    for level in 0..nesting {
        let indent = " ".repeat(level);
        out += &match level % 2 {
            0 => format!("{indent}def test_level{level}():\n"),
            _ => format!("{indent}class TestLevel{level}:\n"),
        };
    }
    out += &format!("{} time.sleep(1)\n", " ".repeat(nesting));
    out
}

fn go(expr: &str, cycle: usize, nesting: usize) -> String {
    let mut out = String::from("package deep\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n\n");
    out += &ring(cycle, |i, next| {
        format!("func f{i}(n int) int {{ return f{next}(n - 1) }}\n\n")
    });
    out += "func again(n int) int { return again(n - 1) }\n\n";
    out += &format!(
        "func TestCalls(t *testing.T) {{\n\tstart := time.Now()\n\td := d\n\tif d > time.Second {{\n\t\tt.Fatal(\"slow\")\n\t}}\n\tv := {expr}\n\t_ = v\n\t_ = f0(3) + again(2)\n"
    );
    out += &"\tif true {\n".repeat(nesting);
    out += "\ttime.Sleep(time.Second)\n";
    out += &"\t}\n".repeat(nesting);
    out += "}\n";
    out
}

fn rust(expr: &str, cycle: usize, nesting: usize) -> String {
    let mut out = String::from("use std::path::Path;\nuse std::time::{Duration, Instant};\n");
    let (open, close) = ("{b::".repeat(nesting), "}".repeat(nesting));
    out += &format!("use a::{open}b{close};\n");
    out += &ring(cycle, |i, next| {
        format!("fn f{i}(n: u64) -> u64 {{ f{next}(n - 1) }}\n")
    });
    out += "fn again(n: u64) -> u64 { again(n - 1) }\n";
    out += &format!(
        "#[test]\nfn calls() {{\n    let start = Instant::now();\n    let d = d.as_secs();\n    assert!(d < 5);\n    let v = {expr};\n    assert_eq!(f0(3), again(2));\n}}\n"
    );
    out += &"mod level {\n".repeat(nesting);
    out += "#[test]\nfn inner() { std::thread::sleep(Duration::from_secs(1)); super::calls(); }\n";
    out += &"}\n".repeat(nesting);
    out
}

/// Writes `lang`'s source (an expression `depth` wrappers deep, after `pattern`; a call ring of
/// `cycle` functions; `nesting` levels of definitions) and scans it on a small stack, parsing,
/// analysing and joining it the way `scan` does; returns how many tests were found.
fn scans_on_a_small_stack(
    lang: &'static Lang,
    pattern: &[usize],
    depth: usize,
    cycle: usize,
    nesting: usize,
) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(lang.file);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    let src = (lang.source)(&nest(lang, pattern, depth), cycle, nesting);
    std::fs::write(&path, src).expect("write");
    assert!(Language::of(&path).is_some());
    let root = dir.path().to_path_buf();
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut options = ScanOptions::for_causes();
            options.every = true;
            let (mut parsers, test_macros) = (HashMap::new(), BTreeMap::new());
            let source = parse_one(&root, &path, &mut parsers, &options, &test_macros);
            assemble(&[source.expect("parses")]).1.len()
        })
        .expect("spawns")
        .join()
        .expect("the scan returns")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn sources_of_any_depth_and_call_graph_are_scanned(
        depth in 1usize..1500,
        pattern in prop::collection::vec(0usize..16, 1..4),
        cycle in 1usize..20,
        nesting in 1usize..300,
    ) {
        for lang in &LANGS {
            let tests = scans_on_a_small_stack(lang, &pattern, depth, cycle, nesting);
            prop_assert!(tests >= 1, "{}", lang.file);
        }
    }
}

/// The cases that took `flaky scan` down before, at their full depth, in every language.
#[test]
fn the_deepest_cases_are_scanned() {
    for lang in &LANGS {
        let all: Vec<usize> = (0..lang.wrappers.split(" | ").count()).collect();
        let tests = scans_on_a_small_stack(lang, &all, 1500, 12, 500);
        assert!(tests >= 1, "{}", lang.file);
    }
}
