#!/usr/bin/env bash
# Captures the real reports in tests/fixtures/{pytest,go,cargo,nextest,node,junit}/ from the
# example projects, copied into a scratch directory with a few extra test files for the cases
# the examples do not have (skips, errors, crashes, duplicated names).
#
# usage: scripts/capture-fixtures-1.sh [pytest|go|cargo|nextest|node|junit]...   (default: all)
# needs: pytest (PYTEST=/path/to/pytest to choose one), go, cargo, cargo-nextest, node >= 20.
# Rerunning rewrites the fixtures; the parsers' insta snapshots then show what changed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX=${FIX:-$ROOT/tests/fixtures}
SCRATCH=${SCRATCH:-/tmp/flaky-capture}
PYTEST=${PYTEST:-pytest}
export RUST_BACKTRACE=0 CARGO_TERM_COLOR=never NO_COLOR=1

fresh() { # fresh NAME EXAMPLE: a clean copy of examples/EXAMPLE at $SCRATCH/NAME, printed
  rm -rf "${SCRATCH:?}/$1"
  mkdir -p "$SCRATCH"
  cp -r "$ROOT/examples/$2" "$SCRATCH/$1"
  rm -rf "$SCRATCH/$1/target"
  echo "$SCRATCH/$1"
}

half() { # half SRC DST: the first half of SRC's bytes, as a report cut off mid-write
  head -c $(($(wc -c <"$1") / 2)) "$1" >"$2"
}

non_utf8() { # non_utf8 SRC DST NEEDLE: SRC with the bytes \xff\xfe inserted after NEEDLE (first match)
  python3 - "$1" "$2" "$3" <<'PY'
import sys
src, dst, needle = sys.argv[1], sys.argv[2], sys.argv[3].encode()
data = open(src, "rb").read()
i = data.index(needle) + len(needle)
open(dst, "wb").write(data[:i] + b"\xff\xfe" + data[i:])
PY
}

capture_pytest() {
  local out=$FIX/pytest d
  mkdir -p "$out"
  d=$(fresh pytest python-pytest)
  cd "$d" || return
  local P=("$PYTEST" -p no:cacheprovider -p no:randomly -q)
  "${P[@]}" tests/test_registry.py tests/test_math.py::TestSlug --junitxml="$out/pass.xml" >/dev/null
  TEST_SEED=8 "${P[@]}" -o junit_family=xunit1 --junitxml="$out/fail-xunit1.xml" >/dev/null
  TEST_SEED=8 "${P[@]}" -o junit_family=xunit2 --junitxml="$out/fail-xunit2.xml" >/dev/null
  # The order-dependent pair in the order that breaks it.
  "${P[@]}" tests/test_registry.py::test_register_item tests/test_registry.py::test_lookup_starts_empty \
    --junitxml="$out/order-fail.xml" >/dev/null
  cat >tests/test_skips.py <<'PY'
import sys

import pytest


def test_runs():
    assert True


@pytest.mark.skip(reason="not ready yet")
def test_skipped():
    assert False


@pytest.mark.skipif(sys.version_info > (2,), reason="only on Python 2")
def test_skipped_if():
    assert False


def test_skipped_inside():
    pytest.skip("skipped at run time")


@pytest.mark.xfail(reason="known bug #12")
def test_xfail():
    assert 1 == 2


@pytest.mark.xfail(reason="fixed since")
def test_xpass():
    assert 1 == 1
PY
  "${P[@]}" tests/test_skips.py -o junit_family=xunit1 --junitxml="$out/skip.xml" >/dev/null
  cat >tests/test_errors.py <<'PY'
import pytest


@pytest.fixture
def database():
    raise ConnectionError("could not connect to the test database at localhost:5432")


@pytest.fixture
def tmp_resource():
    yield "resource"
    raise RuntimeError("teardown: resource still locked")


def test_needs_database(database):
    assert database


def test_teardown_breaks(tmp_resource):
    assert tmp_resource == "resource"


def test_raises_outside_assert():
    config = {}
    assert config["missing"] == 1


def test_fails_and_teardown_breaks(tmp_resource):
    assert tmp_resource == "other"
PY
  "${P[@]}" tests/test_errors.py --junitxml="$out/error.xml" >/dev/null
  cat >tests/test_broken_import.py <<'PY'
import does_not_exist  # noqa: F401


def test_never_collected():
    assert True
PY
  "${P[@]}" tests/test_broken_import.py tests/test_registry.py -o junit_family=xunit1 \
    --junitxml="$out/collection-error.xml" >/dev/null
  rm tests/test_broken_import.py
  mkdir -p tests/sub
  cat >tests/test_dup_a.py <<'PY'
import pytest


class TestParser:
    def test_same(self):
        assert True

    class TestNested:
        def test_same(self):
            assert True


class TestOther:
    def test_same(self):
        assert 1 == 2, "same name, other class"


@pytest.mark.parametrize("value", [1, 1, "a.b", "x/y::z", "naïve", None])
def test_same(value):
    assert value != "naïve"
PY
  cp tests/test_dup_a.py tests/sub/test_dup_b.py
  "${P[@]}" tests/test_dup_a.py tests/sub/test_dup_b.py -o junit_family=xunit1 \
    --junitxml="$out/duplicates-xunit1.xml" >/dev/null
  "${P[@]}" tests/test_dup_a.py tests/sub/test_dup_b.py -o junit_family=xunit2 \
    --junitxml="$out/duplicates-xunit2.xml" >/dev/null
  half "$out/fail-xunit1.xml" "$out/truncated.xml"
  : >"$out/empty.xml"
  printf '  \n\n' >"$out/whitespace.xml"
  # A report whose end tags do not match (a writer that crashed and was restarted).
  sed 's#</testsuite>#</testcase>#' "$out/pass.xml" >"$out/malformed.xml"
  non_utf8 "$out/fail-xunit2.xml" "$out/non-utf8.xml" 'name="test_seeded'
  non_utf8 "$out/non-utf8.xml" "$out/non-utf8.xml.tmp" 'is a multiple'
  mv "$out/non-utf8.xml.tmp" "$out/non-utf8.xml"
  "$PYTEST" --version >"$out/VERSION" 2>&1
  cd "$ROOT" || return
}

# Go 1.20 and later: GO_V=test2json VERBOSE_DIR=verbose-go1.23 (the framed output flaky reads there).
# verbose NAME PACKAGES... [-- FLAGS...]: what flaky's prebuilt steps write for `go test` before
# Go 1.20: each package's test binary (`go test -c`) run alone in the package's directory with
# -test.v and the flags flaky adds, stdout and stderr together, between flaky's banner and exit
# lines, into verbose/NAME.txt. And what `go test -json` makes of the same bytes and exit status
# (through -exec, a script that replays them) into verbose/NAME.jsonl, so that the text parser
# can be compared with the JSON parser on one run.
verbose() {
  local name=$1 out=$FIX/go/${VERBOSE_DIR:-verbose} pkgs=() flags=() path dir tests code
  local bin=$SCRATCH/verbose.test said=$SCRATCH/verbose.out replay=$SCRATCH/verbose-replay
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do pkgs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  flags=("$@")
  mkdir -p "$out"
  : >"$out/$name.txt"
  : >"$out/$name.jsonl"
  while IFS=$'\t' read -r path dir tests; do
    [ "$tests" = 00 ] && continue
    go test -c -o "$bin" "$path" || return
    printf '\026flaky: package %s\n' "$path" >>"$out/$name.txt"
    (cd "$dir" && "$bin" -test.v="${GO_V:-true}" -test.paniconexit0 -test.timeout=10m0s -test.count=1 "${flags[@]}" \
      >"$said" 2>&1)
    code=$?
    cat "$said" >>"$out/$name.txt"
    printf '\026flaky: exit status %d\n' "$code" >>"$out/$name.txt"
    printf '#!/bin/sh\ncat "%s"\nexit %d\n' "$said" "$code" >"$replay"
    chmod +x "$replay"
    go test -json -count=1 -exec "$replay" "$path" >>"$out/$name.jsonl"
  done < <(go list -f '{{.ImportPath}}{{"\t"}}{{.Dir}}{{"\t"}}{{len .TestGoFiles}}{{len .XTestGoFiles}}' "${pkgs[@]}")
  rm -f "$bin" "$said" "$replay"
}

capture_go() {
  local out=$FIX/go d
  mkdir -p "$out"
  d=$(fresh go go)
  cd "$d" || return
  # -count=1: a cached package result would replay old events whatever the seed.
  go test -json -count=1 -run '^(TestAdd|TestSlug|TestLookupStartsEmpty|TestRegisterItem)$' ./... >"$out/pass.jsonl"
  verbose pass ./... -- -test.shuffle=off -test.run='^(TestAdd|TestSlug|TestLookupStartsEmpty|TestRegisterItem)$'
  GO_TEST_SEED=8 go test -json -count=1 ./... >"$out/fail.jsonl"
  GO_TEST_SEED=8 verbose fail ./... -- -test.shuffle=off
  # The order-dependent pair in a shuffled order that breaks it.
  go test -json -count=1 -shuffle=2 ./registry/ >"$out/shuffle-fail.jsonl"
  verbose shuffle-fail ./registry/ -- -test.shuffle=2
  mkdir -p empty
  printf 'package empty\n\n// Nothing to test here.\nconst Answer = 42\n' >empty/empty.go
  cat >calc/skip_test.go <<'GO'
package calc

import "testing"

func TestSkipped(t *testing.T) {
	t.Skip("not ready yet")
}

func TestSkipSome(t *testing.T) {
	t.Run("runs", func(t *testing.T) {})
	t.Run("skipped", func(t *testing.T) { t.Skipf("needs %s", "a database") })
}
GO
  go test -json -count=1 -run '^(TestSkipped|TestSkipSome|TestAdd)$' ./... >"$out/skip.jsonl"
  verbose skip ./... -- -test.shuffle=off -test.run='^(TestSkipped|TestSkipSome|TestAdd)$'
  rm calc/skip_test.go
  rm -r empty
  mkdir -p broken
  printf 'package broken\n\nfunc Answer() int { return 42 }\n' >broken/broken.go
  printf 'package broken\n\nimport "testing"\n\nfunc TestAnswer(t *testing.T) {\n\tif Answer() != "42" {\n\t\tt.Fatal("no")\n\t}\n}\n' >broken/broken_test.go
  go test -json -count=1 ./... >"$out/build-error.jsonl" 2>"$out/build-error.stderr"
  rm -r broken
  cat >calc/crash_test.go <<'GO'
package calc

import "testing"

func TestParallelA(t *testing.T) {
	t.Parallel()
	if Add(1, 1) != 2 {
		t.Fatal("bad")
	}
}

func TestParallelB(t *testing.T) {
	t.Parallel()
}

func TestPanics(t *testing.T) {
	var m map[string]int
	m["boom"] = 1 // assignment to entry in nil map
}
GO
  go test -json -count=1 -run '^(TestAdd|TestParallelA|TestParallelB|TestPanics)$' ./calc/ >"$out/panic.jsonl"
  verbose panic ./calc/ -- -test.shuffle=off -test.run='^(TestAdd|TestParallelA|TestParallelB|TestPanics)$'
  rm calc/crash_test.go
  cat >calc/slow_test.go <<'GO'
package calc

import (
	"testing"
	"time"
)

func TestSlow(t *testing.T) {
	t.Run("hangs", func(t *testing.T) { time.Sleep(time.Minute) })
}
GO
  go test -json -count=1 -timeout=1s -run '^(TestAdd|TestSlow)$' ./calc/ >"$out/timeout.jsonl"
  verbose timeout ./calc/ -- -test.shuffle=off -test.timeout=1s -test.run='^(TestAdd|TestSlow)$'
  rm calc/slow_test.go
  mkdir -p other
  printf 'package other\n' >other/other.go
  cat >other/other_test.go <<'GO'
package other

import "testing"

// The same name as calc.TestAdd, in another package.
func TestAdd(t *testing.T) {}

// Subtests with the same name: go test suffixes the later ones with #01, #02.
func TestTable(t *testing.T) {
	for _, want := range []int{1, 2, 3} {
		t.Run("case", func(t *testing.T) {
			if want == 2 {
				t.Errorf("want %d", want)
			}
		})
	}
	t.Run("with space", func(t *testing.T) {})
}
GO
  go test -json -count=1 -run '^(TestAdd|TestTable)$' ./calc/ ./other/ >"$out/duplicates.jsonl"
  verbose duplicates ./calc/ ./other/ -- -test.shuffle=off -test.run='^(TestAdd|TestTable)$'
  rm -r other
  cat >calc/interleave_test.go <<'GO'
package calc

import "testing"

// Two parallel subtests that log in turns (each waits for the other's line), so their output
// interleaves the same way on every capture; the second fails.
func TestInterleaved(t *testing.T) {
	turn := []chan struct{}{make(chan struct{}), make(chan struct{})}
	for i, name := range []string{"first", "second"} {
		i, name := i, name
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for step := 0; step < 2; step++ {
				if i == 1 || step == 1 {
					<-turn[i]
				}
				t.Logf("%s logs step %d", name, step)
				if i == 0 || step == 0 {
					turn[1-i] <- struct{}{}
				}
			}
			if i == 1 {
				t.Error("the second subtest fails")
			}
		})
	}
}
GO
  verbose parallel ./calc/ -- -test.shuffle=off -test.run='^(TestAdd|TestInterleaved)$'
  rm calc/interleave_test.go
  half "$out/fail.jsonl" "$out/truncated.jsonl"
  half "$out/${VERBOSE_DIR:-verbose}/fail.txt" "$out/${VERBOSE_DIR:-verbose}/truncated.txt"
  non_utf8 "$out/${VERBOSE_DIR:-verbose}/fail.txt" "$out/${VERBOSE_DIR:-verbose}/non-utf8.txt" 'is a multiple'
  : >"$out/empty.jsonl"
  # The text go test prints without -json: not a test2json stream.
  GO_TEST_SEED=8 go test -count=1 ./... >"$out/malformed.jsonl"
  non_utf8 "$out/fail.jsonl" "$out/non-utf8.jsonl" 'is a multiple'
  go version >"$out/VERSION"
  cd "$ROOT" || return
}

capture_cargo() {
  local out=$FIX/cargo d
  mkdir -p "$out"
  d=$(fresh cargo rust)
  cd "$d" || return
  cargo build --tests -q 2>/dev/null
  # stdout and stderr merged, as a terminal shows them: cargo prints its `Running ...` lines on
  # stderr and the test binaries print on stdout. One thread, so the lines come in name order.
  cargo test -- --test-threads=1 --skip seeded_flaky --skip mean_always_fails >"$out/pass.txt" 2>&1
  RUST_TEST_SEED=8 cargo test --no-fail-fast -- --test-threads=1 >"$out/fail-seed8.txt" 2>&1
  # Without --no-fail-fast cargo stops after the first failing binary: tests/it.rs never runs.
  RUST_TEST_SEED=7 cargo test -- --test-threads=1 >"$out/fail-seed7.txt" 2>&1
  RUST_TEST_SEED=8 cargo test --no-fail-fast -- --test-threads=1 >"$out/stdout-only-seed8.txt" 2>/dev/null
  # The default: several threads, so results come in completion order.
  RUST_TEST_SEED=8 cargo test --lib >"$out/threads-seed8.txt" 2>&1
  RUST_TEST_SEED=8 cargo test --lib -- --nocapture --test-threads=1 >"$out/nocapture.txt" 2>&1
  cat >tests/skips.rs <<'RS'
#[test]
fn runs() {}

#[test]
#[ignore]
fn ignored_plain() {}

#[test]
#[ignore = "needs a database"]
fn ignored_with_reason() {}

#[test]
#[should_panic(expected = "boom")]
fn panics_as_expected() {
    panic!("boom");
}
RS
  cargo test --test skips >"$out/skip.txt" 2>&1
  rm tests/skips.rs
  cat >tests/crash.rs <<'RS'
#[test]
fn a_passes() {}

#[test]
fn b_aborts() {
    std::process::abort();
}

#[test]
fn c_never_runs() {}
RS
  cargo test --no-fail-fast --test crash --test it -- --test-threads=1 >"$out/crash.txt" 2>&1
  rm tests/crash.rs
  cat >tests/dup.rs <<'RS'
//! The same test names as in src/lib.rs, in another test binary.
mod tests {
    #[test]
    fn adds() {}
}

#[test]
fn smoke() {
    panic!("integration smoke failed");
}
RS
  printf '\n#[test]\nfn smoke() {}\n' >>src/lib.rs
  cargo test --no-fail-fast --lib --test dup -- --test-threads=1 tests::adds smoke >"$out/duplicates.txt" 2>&1
  rm tests/dup.rs
  printf '\n#[test]\nfn does_not_compile() { let x: u32 = "text"; }\n' >>src/lib.rs
  cargo test >"$out/build-error.txt" 2>&1
  cp "$ROOT/examples/rust/src/lib.rs" src/lib.rs
  half "$out/fail-seed8.txt" "$out/truncated.txt"
  : >"$out/empty.txt"
  # Not libtest output at all: the JSON that a nightly `--format json` would print.
  printf '{ "type": "suite", "event": "started", "test_count": 2 }\n{ "type": "test", "event": "started", "name": "tests::adds" }\n' >"$out/malformed.txt"
  non_utf8 "$out/fail-seed8.txt" "$out/non-utf8.txt" 'is a multiple'
  non_utf8 "$out/non-utf8.txt" "$out/non-utf8.txt.tmp" 'test tests::slug_'
  mv "$out/non-utf8.txt.tmp" "$out/non-utf8.txt"
  cargo --version >"$out/VERSION"
  cd "$ROOT" || return
}

capture_nextest() {
  local out=$FIX/nextest d junit
  mkdir -p "$out"
  d=$(fresh nextest rust)
  cd "$d" || return
  mkdir -p .config
  cat >.config/nextest.toml <<'TOML'
[profile.ci]
fail-fast = false
slow-timeout = { period = "1s", terminate-after = 2 }

[profile.ci.junit]
path = "junit.xml"
TOML
  junit=target/nextest/ci/junit.xml
  local NX=(cargo nextest run --profile ci --no-fail-fast --test-threads 1)
  "${NX[@]}" -E 'not test(seeded_flaky) and not test(mean_always_fails)' >/dev/null 2>&1
  cp "$junit" "$out/pass.xml"
  RUST_TEST_SEED=8 "${NX[@]}" >/dev/null 2>&1
  cp "$junit" "$out/fail.xml"
  cat >tests/extra.rs <<'RS'
//! Cases the example does not have: retries, ignored, a crash, a timeout.

#[test]
fn fails_on_first_try() {
    // nextest numbers attempts from 1: fail the first, pass the retries.
    let attempt: u32 = std::env::var("NEXTEST_ATTEMPT").ok().and_then(|a| a.parse().ok()).unwrap_or(2);
    assert!(attempt > 1, "attempt {attempt} fails on purpose");
}

#[test]
fn always_fails_on_retry() {
    panic!("fails on every try");
}

#[test]
#[ignore = "needs a database"]
fn ignored_with_reason() {}

#[test]
fn aborts() {
    std::process::abort();
}

#[test]
fn hangs() {
    std::thread::sleep(std::time::Duration::from_secs(60));
}

mod tests {
    // The same name as flakydemo's own tests::adds, in another binary.
    #[test]
    fn adds() {}
}
RS
  "${NX[@]}" --retries 1 -E 'binary(extra) or test(=tests::adds)' >/dev/null 2>&1
  cp "$junit" "$out/retries-crash-timeout.xml"
  "${NX[@]}" --run-ignored all -E 'binary(extra) and test(ignored)' >/dev/null 2>&1
  cp "$junit" "$out/ignored.xml"
  "${NX[@]}" -E 'binary(extra) and test(ignored)' >/dev/null 2>&1
  cp "$junit" "$out/skip.xml"
  rm tests/extra.rs
  half "$out/fail.xml" "$out/truncated.xml"
  : >"$out/empty.xml"
  # Something that is not XML at all: nextest's own human-readable output.
  RUST_TEST_SEED=8 "${NX[@]}" -E 'test(seeded_flaky)' >"$out/malformed.xml" 2>&1
  non_utf8 "$out/fail.xml" "$out/non-utf8.xml" 'is a multiple'
  cargo nextest --version | head -1 >"$out/VERSION"
  cd "$ROOT" || return
}

capture_node() {
  local out=$FIX/node d
  mkdir -p "$out"
  d=$(fresh node node-test)
  cd "$d" || return
  # Each case in both formats: node's JUnit (what a CI job keeps, read by --tests-from) and
  # flaky's own reporter (what `flaky run` reads): NAME.xml and NAME.jsonl.
  both() { # both NAME [node args]...
    local name=$1
    shift
    node --test --test-reporter=junit --test-reporter-destination="$out/$name.xml" \
      --test-reporter="$ROOT/src/framework/node_reporter.mjs" --test-reporter-destination="$out/$name.jsonl" \
      "$@" >/dev/null 2>&1
  }
  both pass test/registry.test.js
  TEST_SEED=8 both fail
  cat >test/skips.test.js <<'JS'
'use strict';
const { test, describe } = require('node:test');

test('runs', () => {});
test.skip('skipped plainly', () => {});
test('skipped with a reason', { skip: 'needs a database' }, () => {});
test('skipped inside', (t) => { t.skip('skipped at run time'); });
test.todo('written later');
describe.skip('a skipped suite', () => {
  test('inside a skipped suite', () => {});
});
JS
  both skip test/skips.test.js
  rm test/skips.test.js
  cat >test/errors.test.js <<'JS'
'use strict';
const { test, describe, before } = require('node:test');

test('throws a TypeError', () => {
  const config = undefined;
  return config.port;
});

test('rejects', async () => {
  throw new Error('connection refused: localhost:5432');
});

describe('suite whose hook fails', () => {
  before(() => { throw new Error('fixture setup failed'); });
  test('needs the fixture', () => {});
});

test('passes', () => {});
JS
  cat >test/import-error.test.js <<'JS'
'use strict';
require('./does-not-exist');
const { test } = require('node:test');
test('never runs', () => {});
JS
  cat >test/crash.test.js <<'JS'
'use strict';
const { test } = require('node:test');
test('before the crash', () => {});
test('exits the process', () => { process.exit(3); });
test('after the crash', () => {});
JS
  both error test/errors.test.js test/import-error.test.js test/crash.test.js
  cat >test/syntax-error.test.js <<'JS'
'use strict';
const { test } = require('node:test');
test('never parsed', () => { return 1 +; });
JS
  cat >test/subtests.test.js <<'JS'
'use strict';
const { test, describe, it } = require('node:test');
const assert = require('node:assert/strict');

test('parent', async (t) => {
  await t.test('child passes', () => {});
  await t.test('child fails', () => { assert.equal(1, 2, 'the child failed'); });
});
test('parent that fails itself', async (t) => {
  await t.test('only child', () => {});
  throw new Error('the parent failed after its child');
});
describe('outer', () => {
  describe('inner', () => {
    it('deep', () => {});
  });
});
test('too slow', { timeout: 20 }, async () => { await new Promise((r) => setTimeout(r, 2000)); });
test('throws a string', () => { throw 'not an Error'; });
JS
  both more-errors test/syntax-error.test.js test/subtests.test.js
  # Tests defined by a helper module the test file imports: node names the helper's file.
  mkdir -p test/helpers
  cat >test/helpers/shared.js <<'JS'
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
module.exports = (name) => {
  test(name, () => {});
  test(`${name} fails`, () => { assert.equal(1, 2, 'from the helper'); });
};
JS
  cat >test/uses-helper.test.js <<'JS'
'use strict';
const { describe, test } = require('node:test');
const shared = require('./helpers/shared');
describe('suite', () => { shared('from helper'); });
test('own', () => {});
JS
  both helper test/uses-helper.test.js
  rm -r test/helpers test/uses-helper.test.js
  # A selection: the tests whose names do not match are reported skipped, and suites run.
  both selected --test-name-pattern='^(deep|inner|outer|child fails|parent)$' test/subtests.test.js test/registry.test.js
  rm test/syntax-error.test.js test/subtests.test.js
  rm test/errors.test.js test/import-error.test.js test/crash.test.js
  cat >test/dup.test.js <<'JS'
'use strict';
const { test, describe } = require('node:test');
const assert = require('node:assert/strict');

describe('parser', () => {
  test('same name', () => {});
  describe('nested', () => {
    test('same name', () => { assert.fail('same name, nested suite'); });
  });
});
describe('other', () => {
  test('same name', () => {});
});
test('same name', () => {});
test('same name', () => {});
JS
  both duplicates test/dup.test.js test/registry.test.js
  rm test/dup.test.js
  half "$out/fail.xml" "$out/truncated.xml"
  half "$out/fail.jsonl" "$out/truncated.jsonl"
  : >"$out/empty.xml"
  # The default reporter's text (TAP-like spec output), not JUnit XML.
  TEST_SEED=8 node --test --test-reporter=tap test/math.test.js >"$out/malformed.xml" 2>&1
  non_utf8 "$out/fail.xml" "$out/non-utf8.xml" 'name="seeded'
  non_utf8 "$out/fail.jsonl" "$out/non-utf8.jsonl" '"fail","name":"seeded'
  node --version >"$out/VERSION"
  cd "$ROOT" || return
}

capture_junit() {
  # Generic JUnit from a writer that is neither pytest nor nextest: Python's unittest with
  # unittest-xml-reporting (xmlrunner); PYTHON=/path/to/python with it installed.
  local out=$FIX/junit d py=${PYTHON:-python3}
  mkdir -p "$out"
  rm -rf "${SCRATCH:?}/junit" && mkdir -p "$SCRATCH/junit/tests"
  d=$SCRATCH/junit
  cd "$d" || return
  touch tests/__init__.py
  cat >tests/test_units.py <<'PY'
import os
import unittest


class TestMath(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_seeded(self):
        seed = int(os.environ.get("TEST_SEED", "1"))
        self.assertNotEqual(seed % 4, 0, f"TEST_SEED={seed} is a multiple of 4")

    def test_error(self):
        {}["missing"]

    @unittest.skip("not ready yet")
    def test_skipped(self):
        pass

    def test_subtests(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 2)


class TestOther(unittest.TestCase):
    def test_add(self):
        self.assertEqual(2 + 2, 4)
PY
  TEST_SEED=8 "$py" -m xmlrunner discover -s tests -t . -o reports >/dev/null 2>&1
  # xmlrunner writes one file per test class; keep the one with failures, errors and skips.
  cp reports/TEST-tests.test_units.TestMath-*.xml "$out/xmlrunner.xml"
  "$py" -m xmlrunner discover -s tests -t . --outsuffix "" --output-file "$out/xmlrunner-single.xml" >/dev/null 2>&1
  half "$out/xmlrunner-single.xml" "$out/truncated.xml"
  : >"$out/empty.xml"
  # An HTML error page where a report was expected (a CI artifact download gone wrong).
  printf '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>404</body></html>\n' >"$out/malformed.xml"
  non_utf8 "$out/xmlrunner-single.xml" "$out/non-utf8.xml" 'name="test_add'
  "$py" -c 'import xmlrunner; print("unittest-xml-reporting", xmlrunner.__version__)' >"$out/VERSION"
  cd "$ROOT" || return
}
#MAIN
if [ $# -eq 0 ]; then set -- pytest go cargo nextest node junit; fi
for fw in "$@"; do
  echo "capturing $fw" >&2
  "capture_$fw"
done
