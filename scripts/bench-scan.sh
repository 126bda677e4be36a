#!/usr/bin/env bash
# Benchmark of `flaky scan`: a generated tree of 5,000 test files (Python, JavaScript, TypeScript,
# Go, Rust; about 120 lines and 10 tests each, some with smells), scanned with all cores and with
# one; prints files per second. Asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/flaky
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$bin" "$work" <<'PY'
import json, os, statistics, subprocess, sys, time

bin, work = sys.argv[1], sys.argv[2]
tree = os.path.join(work, "repo")

def python(i):
    out = ["import os", "import time", "import random", "from app import service", ""]
    for t in range(10):
        body = ["    value = service.compute(%d)" % t, "    assert value >= 0", "    items = [value, value + 1]",
                "    assert len(items) == 2", "    assert service.name(%d).startswith('item')" % t]
        if t == 3 and i % 5 == 0:
            body.insert(0, "    time.sleep(0.1)")
        if t == 6 and i % 7 == 0:
            body.insert(0, "    seed = random.random()")
        out += ["def test_case_%d_%d():" % (i, t)] + body + ["", ""]
    return "\n".join(out)

def js(i):
    out = ["const { compute, name } = require('../src/service');", "", "describe('suite %d', () => {" % i]
    for t in range(10):
        body = ["    const value = compute(%d);" % t, "    expect(value).toBeGreaterThanOrEqual(0);",
                "    const items = [value, value + 1];", "    expect(items).toHaveLength(2);",
                "    expect(name(%d)).toMatch(/^item/);" % t]
        if t == 2 and i % 5 == 0:
            body.insert(0, "    const now = Date.now();")
        out += ["  test('case %d', () => {" % t] + body + ["  });", ""]
    out.append("});")
    return "\n".join(out)

def go(i):
    out = ["package bench", "", "import (", "\t\"testing\"", "\t\"time\"", ")", ""]
    for t in range(10):
        body = ["\tv := Compute(%d)" % t, "\tif v < 0 {", "\t\tt.Fatalf(\"negative: %d\", v)", "\t}",
                "\titems := []int{v, v + 1}", "\tif len(items) != 2 {", "\t\tt.Fatal(\"len\")", "\t}"]
        if t == 4 and i % 5 == 0:
            body.insert(0, "\ttime.Sleep(10 * time.Millisecond)")
        out += ["func TestCase%d_%d(t *testing.T) {" % (i, t)] + body + ["}", ""]
    return "\n".join(out)

def rust(i):
    out = ["use bench::compute;", ""]
    for t in range(10):
        body = ["    let v = compute(%d);" % t, "    assert!(v >= 0);", "    let items = vec![v, v + 1];",
                "    assert_eq!(items.len(), 2);", "    assert!(v < 1_000_000, \"{v}\");"]
        if t == 5 and i % 5 == 0:
            body.insert(0, "    std::thread::sleep(std::time::Duration::from_millis(10));")
        out += ["#[test]", "fn case_%d_%d() {" % (i, t)] + body + ["}", ""]
    return "\n".join(out)

kinds = [("py", "tests/test_%d.py", python, 1500), ("js", "web/__tests__/s%d.test.js", js, 1000),
         ("ts", "web/__tests__/t%d.test.ts", js, 500), ("go", "pkg/p%d/x_test.go", go, 1000),
         ("rs", "crate/tests/t%d.rs", rust, 1000)]
files = lines = 0
for _, pattern, gen, n in kinds:
    for i in range(n):
        path = os.path.join(tree, pattern % i)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = gen(i)
        with open(path, "w") as f:
            f.write(text)
        files += 1
        lines += text.count("\n") + 1

def timed(jobs):
    t = time.perf_counter()
    r = subprocess.run([bin, "scan", tree, "--format", "json", "--fail-on", "none", "-j", str(jobs)],
                       capture_output=True, check=True)
    wall = time.perf_counter() - t
    return wall, json.loads(r.stdout)

cores = os.cpu_count() or 1
for jobs in (cores, 1):
    walls = []
    for _ in range(3):
        wall, doc = timed(jobs)
        walls.append(wall)
    w = statistics.median(walls)
    print(f"scan: {doc['files_scanned']} files ({lines} lines), {len(doc['findings'])} findings, -j {jobs}: "
          f"{w:.2f}s wall, {doc['files_scanned'] / w:.0f} files/s")
PY
