#!/usr/bin/env bash
# Captures the real reports in tests/fixtures/{jest,vitest,mocha,rspec,phpunit}/ from the real tools.
#
# Needs: `npm install` done in examples/jest, examples/vitest and examples/mocha (their node_modules
# are reused), and Debian's `ruby-rspec` and `phpunit` packages. Each case is a tiny project written
# under $WORK (default /tmp/flaky-fixtures), so the absolute paths inside the reports are the same on
# every machine. The crafted cases (truncated, empty, malformed, non-UTF-8) are derived from captured
# ones by the byte edits below. Usage: scripts/capture-fixtures-2.sh [jest|vitest|mocha|rspec|phpunit]...
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${WORK:-/tmp/flaky-fixtures}"
FIX="$ROOT/tests/fixtures"
export CI=true
unset NO_COLOR FORCE_COLOR
unset JEST_SEED VITE_TEST_SEED MOCHA_SEED RSPEC_SEED PHPUNIT_SEED

# A fresh case directory $WORK/<fw>/<case>, with the example's node_modules linked in.
case_dir() {
  local dir="$WORK/$1/$2"
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ -d "$ROOT/examples/$1/node_modules" ]; then
    ln -s "$ROOT/examples/$1/node_modules" "$dir/node_modules"
  fi
  echo "$dir"
}

# truncated: the first half of a captured report; empty: nothing at all.
derive_broken() {
  local out="$1" src="$2" ext="$3"
  head -c "$(($(wc -c <"$out/$src") / 2))" "$out/$src" >"$out/truncated.$ext"
  : >"$out/empty.$ext"
}

# Replaces every occurrence of $2 by $3 in file $1, bytes given as Python bytes literals.
replace_bytes() {
  python3 - "$1" "$2" "$3" <<'EOF'
import ast, sys
path, old, new = sys.argv[1], ast.literal_eval(sys.argv[2]), ast.literal_eval(sys.argv[3])
data = open(path, 'rb').read()
assert old in data, (path, old)
open(path, 'wb').write(data.replace(old, new))
EOF
}

capture_jest() {
  local out="$FIX/jest" d
  mkdir -p "$out"
  jest() { npx --no-install jest --ci --json --outputFile="$1" "${@:2}" >/dev/null 2>&1 || true; }

  d="$(case_dir jest pass)"
  mkdir -p "$d/__tests__/sub"
  echo '{"private":true}' >"$d/package.json"
  cat >"$d/__tests__/math.test.js" <<'EOF'
describe('math', () => {
  test('adds', () => expect(1 + 1).toBe(2));
  describe('nested', () => {
    test('multiplies', () => expect(2 * 3).toBe(6));
  });
});
test('top level', () => expect(true).toBe(true));
EOF
  cat >"$d/__tests__/sub/strings.test.js" <<'EOF'
test('upper-cases', () => expect('a'.toUpperCase()).toBe('A'));
EOF
  (cd "$d" && jest "$out/pass.json")

  d="$(case_dir jest fail)"
  echo '{"private":true}' >"$d/package.json"
  cat >"$d/fail.test.js" <<'EOF'
describe('checkout', () => {
  test('adds up', () => expect(0.1 + 0.2).toBe(0.3));
  test('passes', () => expect(1).toBe(1));
  test('throws', () => {
    throw new Error('payment service said no\nsecond line of the message');
  });
  test('long message', () => expect('x'.repeat(700)).toBe('y'));
});
EOF
  # --colors: jest keeps ANSI codes in failureMessages, which the parser must strip.
  (cd "$d" && jest "$out/fail.json" --colors)

  d="$(case_dir jest timeout)"
  echo '{"private":true}' >"$d/package.json"
  cat >"$d/timeout.test.js" <<'EOF'
test('never settles', () => new Promise(() => {}), 100);
test('is quick', () => expect(1).toBe(1));
EOF
  (cd "$d" && jest "$out/timeout.json")

  d="$(case_dir jest skipped)"
  echo '{"private":true}' >"$d/package.json"
  cat >"$d/skipped.test.js" <<'EOF'
describe('feature', () => {
  test('runs', () => expect(1).toBe(1));
  test.skip('is skipped', () => expect(1).toBe(2));
  xit('is x-ed', () => expect(1).toBe(2));
  test.todo('is still to do');
});
describe.skip('whole block', () => {
  test('inside a skipped block', () => expect(1).toBe(2));
});
EOF
  (cd "$d" && jest "$out/skipped.json")

  d="$(case_dir jest error)"
  echo '{"private":true}' >"$d/package.json"
  cat >"$d/syntax.test.js" <<'EOF'
test('never parsed', () => {
  expect(1).toBe(1;
});
EOF
  cat >"$d/missing.test.js" <<'EOF'
const gone = require('./does-not-exist');
test('never runs', () => expect(gone).toBeDefined());
EOF
  cat >"$d/hook.test.js" <<'EOF'
describe('database', () => {
  beforeAll(() => {
    throw new Error('could not connect to the database');
  });
  test('reads', () => expect(1).toBe(1));
  test('writes', () => expect(1).toBe(1));
});
EOF
  cat >"$d/ok.test.js" <<'EOF'
test('still fine', () => expect(1).toBe(1));
EOF
  (cd "$d" && jest "$out/error.json")

  d="$(case_dir jest duplicates)"
  echo '{"private":true}' >"$d/package.json"
  cat >"$d/a.test.js" <<'EOF'
describe('one', () => {
  test('same', () => expect(1).toBe(1));
});
describe('two', () => {
  test('same', () => expect(1).toBe(1));
});
test('twin', () => expect(1).toBe(1));
test('twin', () => expect(1).toBe(2));
EOF
  cat >"$d/b.test.js" <<'EOF'
describe('one', () => {
  test('same', () => expect(1).toBe(1));
});
EOF
  (cd "$d" && jest "$out/duplicates.json")

  # The example project itself, shuffled, on a seed that trips the flaky test (8 % 4 == 0).
  d="$(case_dir jest example)"
  cp -r "$ROOT/examples/jest/src" "$ROOT/examples/jest/__tests__" "$ROOT/examples/jest/package.json" "$d/"
  (cd "$d" && JEST_SEED=8 jest "$out/example.json" --randomize --seed=1)

  derive_broken "$out" example.json json
  cp "$out/pass.json" "$out/malformed.json"
  # A doubled comma right after the first test result: valid up to there, then a syntax error.
  replace_bytes "$out/malformed.json" 'b"\"assertionResults\":[{"' 'b"\"assertionResults\":[,{"'
  cp "$out/fail.json" "$out/non-utf8.json"
  replace_bytes "$out/non-utf8.json" 'b"adds up"' 'b"adds \xff\xfe up"'
  replace_bytes "$out/non-utf8.json" 'b"payment service"' 'b"payment \xff\xfe service"'
}

capture_vitest() {
  local out="$FIX/vitest" d
  mkdir -p "$out"
  vitest() { npx --no-install vitest run --reporter=json --outputFile="$1" "${@:2}" >/dev/null 2>&1 || true; }
  new_case() {
    d="$(case_dir vitest "$1")"
    echo '{"private":true,"type":"module"}' >"$d/package.json"
  }

  new_case pass
  mkdir -p "$d/test/sub"
  cat >"$d/test/math.test.js" <<'EOF'
import { describe, expect, test } from 'vitest';
describe('math', () => {
  test('adds', () => expect(1 + 1).toBe(2));
  describe('nested', () => {
    test('multiplies', () => expect(2 * 3).toBe(6));
  });
});
test('top level', () => expect(true).toBe(true));
EOF
  cat >"$d/test/sub/strings.test.js" <<'EOF'
import { expect, test } from 'vitest';
test('upper-cases', () => expect('a'.toUpperCase()).toBe('A'));
EOF
  (cd "$d" && vitest "$out/pass.json")

  new_case fail
  cat >"$d/fail.test.js" <<'EOF'
import { describe, expect, test } from 'vitest';
describe('checkout', () => {
  test('adds up', () => expect(0.1 + 0.2).toBe(0.3));
  test('passes', () => expect(1).toBe(1));
  test('throws', () => {
    throw new Error('payment service said no\nsecond line of the message');
  });
  test('long message', () => expect('x'.repeat(700)).toBe('y'));
});
EOF
  (cd "$d" && FORCE_COLOR=1 vitest "$out/fail.json")

  new_case timeout
  cat >"$d/timeout.test.js" <<'EOF'
import { expect, test } from 'vitest';
test('never settles', () => new Promise(() => {}), 100);
test('is quick', () => expect(1).toBe(1));
EOF
  (cd "$d" && vitest "$out/timeout.json")

  new_case skipped
  cat >"$d/skipped.test.js" <<'EOF'
import { describe, expect, test } from 'vitest';
describe('feature', () => {
  test('runs', () => expect(1).toBe(1));
  test.skip('is skipped', () => expect(1).toBe(2));
  test.todo('is still to do');
  test.skipIf(true)('is skipped by a condition', () => expect(1).toBe(2));
});
describe.skip('whole block', () => {
  test('inside a skipped block', () => expect(1).toBe(2));
});
EOF
  (cd "$d" && vitest "$out/skipped.json")

  new_case error
  cat >"$d/syntax.test.js" <<'EOF'
import { expect, test } from 'vitest';
test('never parsed', () => {
  expect(1).toBe(1;
});
EOF
  cat >"$d/missing.test.js" <<'EOF'
import { expect, test } from 'vitest';
import gone from './does-not-exist.js';
test('never runs', () => expect(gone).toBeDefined());
EOF
  cat >"$d/hook.test.js" <<'EOF'
import { beforeAll, describe, expect, test } from 'vitest';
describe('database', () => {
  beforeAll(() => {
    throw new Error('could not connect to the database');
  });
  test('reads', () => expect(1).toBe(1));
  test('writes', () => expect(1).toBe(1));
});
EOF
  cat >"$d/ok.test.js" <<'EOF'
import { expect, test } from 'vitest';
test('still fine', () => expect(1).toBe(1));
EOF
  (cd "$d" && vitest "$out/error.json")

  new_case duplicates
  cat >"$d/a.test.js" <<'EOF'
import { describe, expect, test } from 'vitest';
describe('one', () => {
  test('same', () => expect(1).toBe(1));
});
describe('two', () => {
  test('same', () => expect(1).toBe(1));
});
test('twin', () => expect(1).toBe(1));
test('twin', () => expect(1).toBe(2));
EOF
  cat >"$d/b.test.js" <<'EOF'
import { describe, expect, test } from 'vitest';
describe('one', () => {
  test('same', () => expect(1).toBe(1));
});
EOF
  (cd "$d" && vitest "$out/duplicates.json")

  d="$(case_dir vitest example)"
  cp -r "$ROOT/examples/vitest/src" "$ROOT/examples/vitest/test" "$ROOT/examples/vitest/package.json" "$d/"
  (cd "$d" && VITE_TEST_SEED=8 vitest "$out/example.json" --sequence.shuffle --sequence.seed=1)

  derive_broken "$out" example.json json
  cp "$out/pass.json" "$out/malformed.json"
  replace_bytes "$out/malformed.json" 'b"\"assertionResults\":[{"' 'b"\"assertionResults\":[,{"'
  cp "$out/fail.json" "$out/non-utf8.json"
  replace_bytes "$out/non-utf8.json" 'b"adds up"' 'b"adds \xff\xfe up"'
  replace_bytes "$out/non-utf8.json" 'b"payment service"' 'b"payment \xff\xfe service"'
}

capture_mocha() {
  local out="$FIX/mocha" d
  mkdir -p "$out"
  # mocha's json reporter writes to stdout: whatever the tests print comes first.
  mocha() { npx --no-install mocha --reporter json "${@:2}" >"$1" 2>/dev/null || true; }
  new_case() {
    d="$(case_dir mocha "$1")"
    echo '{"private":true}' >"$d/package.json"
    mkdir -p "$d/test"
  }

  new_case pass
  mkdir -p "$d/test/sub"
  cat >"$d/test/math.test.js" <<'EOF'
const assert = require('node:assert/strict');
describe('math', function () {
  it('adds', function () { assert.equal(1 + 1, 2); });
  describe('nested', function () {
    it('multiplies', function () { assert.equal(2 * 3, 6); });
  });
});
it('top level', function () { assert.ok(true); });
EOF
  cat >"$d/test/sub/strings.test.js" <<'EOF'
const assert = require('node:assert/strict');
it('upper-cases', function () { assert.equal('a'.toUpperCase(), 'A'); });
EOF
  (cd "$d" && mocha "$out/pass.json" --recursive)

  new_case fail
  cat >"$d/test/fail.test.js" <<'EOF'
const assert = require('node:assert/strict');
describe('checkout', function () {
  it('adds up', function () { assert.equal(0.1 + 0.2, 0.3); });
  it('passes', function () { assert.equal(1, 1); });
  it('throws', function () {
    throw new Error('payment service said no\nsecond line of the message');
  });
  it('long message', function () { assert.equal('x'.repeat(700), 'y'); });
});
EOF
  (cd "$d" && mocha "$out/fail.json")

  new_case timeout
  cat >"$d/test/timeout.test.js" <<'EOF'
it('never calls done', function (done) { this.timeout(100); });
it('is quick', function () {});
EOF
  (cd "$d" && mocha "$out/timeout.json")

  new_case skipped
  cat >"$d/test/skipped.test.js" <<'EOF'
const assert = require('node:assert/strict');
describe('feature', function () {
  it('runs', function () { assert.equal(1, 1); });
  it.skip('is skipped', function () { assert.equal(1, 2); });
  xit('is x-ed', function () { assert.equal(1, 2); });
  it('has no body yet');
  it('skips itself', function () { this.skip(); });
});
describe.skip('whole block', function () {
  it('inside a skipped block', function () { assert.equal(1, 2); });
});
EOF
  (cd "$d" && mocha "$out/skipped.json")

  new_case console
  cat >"$d/test/noisy.test.js" <<'EOF'
const assert = require('node:assert/strict');
console.log('loading fixtures {');
describe('noisy', function () {
  it('logs a line', function () {
    console.log('{ "looks": "like json" }');
    assert.equal(1, 1);
  });
  it('logs and fails', function () {
    console.log('about to fail');
    assert.equal(1, 2);
  });
});
EOF
  (cd "$d" && mocha "$out/console.json")

  # A failing "before all" hook in one file; the run goes on with the other file.
  new_case hook
  cat >"$d/test/hook.test.js" <<'EOF'
const assert = require('node:assert/strict');
describe('database', function () {
  before(function () { throw new Error('could not connect to the database'); });
  it('reads', function () { assert.equal(1, 1); });
  it('writes', function () { assert.equal(1, 1); });
});
describe('cache', function () {
  beforeEach(function () { throw new Error('cache is cold'); });
  it('hits', function () { assert.equal(1, 1); });
});
EOF
  cat >"$d/test/ok.test.js" <<'EOF'
const assert = require('node:assert/strict');
it('still fine', function () { assert.equal(1, 1); });
EOF
  (cd "$d" && mocha "$out/hook.json")

  # A syntax error / a missing module: mocha stops before the reporter starts.
  new_case syntax
  cat >"$d/test/syntax.test.js" <<'EOF'
it('never parsed', function () {
  assert.equal(1, 1;
});
EOF
  (cd "$d" && mocha "$out/syntax-error.json")
  new_case missing
  cat >"$d/test/missing.test.js" <<'EOF'
const gone = require('./does-not-exist');
it('never runs', function () { require('node:assert').ok(gone); });
EOF
  (cd "$d" && mocha "$out/missing-module.json")

  new_case duplicates
  cat >"$d/test/a.test.js" <<'EOF'
const assert = require('node:assert/strict');
describe('one', function () { it('same', function () { assert.ok(true); }); });
describe('two', function () { it('same', function () { assert.ok(true); }); });
it('twin', function () { assert.ok(true); });
it('twin', function () { assert.equal(1, 2); });
EOF
  cat >"$d/test/b.test.js" <<'EOF'
const assert = require('node:assert/strict');
describe('one', function () { it('same', function () { assert.ok(true); }); });
EOF
  (cd "$d" && mocha "$out/duplicates.json")

  d="$(case_dir mocha example)"
  cp -r "$ROOT/examples/mocha/src" "$ROOT/examples/mocha/test" "$ROOT/examples/mocha/package.json" "$d/"
  (cd "$d" && MOCHA_SEED=8 mocha "$out/example.json")

  derive_broken "$out" example.json json
  cp "$out/pass.json" "$out/malformed.json"
  replace_bytes "$out/malformed.json" 'b"\"tests\": [\n    {"' 'b"\"tests\": [\n    ,{"'
  cp "$out/fail.json" "$out/non-utf8.json"
  replace_bytes "$out/non-utf8.json" 'b"adds up"' 'b"adds \xff\xfe up"'
  replace_bytes "$out/non-utf8.json" 'b"payment service"' 'b"payment \xff\xfe service"'
}

capture_rspec() {
  local out="$FIX/rspec" d
  mkdir -p "$out"
  rspec_json() { command rspec --format json --out "$1" "${@:2}" >/dev/null 2>&1 || true; }
  new_case() {
    d="$(case_dir rspec "$1")"
    mkdir -p "$d/spec"
  }

  new_case pass
  cat >"$d/spec/math_spec.rb" <<'EOF'
RSpec.describe "math" do
  it("adds") { expect(1 + 1).to eq(2) }
  context "nested" do
    it("multiplies") { expect(2 * 3).to eq(6) }
  end
end
RSpec.describe String do
  it { expect("a".upcase).to eq("A") }
end
EOF
  (cd "$d" && rspec_json "$out/pass.json")

  new_case fail
  cat >"$d/spec/fail_spec.rb" <<'EOF'
RSpec.describe "checkout" do
  it("adds up") { expect(0.1 + 0.2).to eq(0.3) }
  it("passes") { expect(1).to eq(1) }
  it("raises") { raise "payment service said no\nsecond line of the message" }
  it("long message") { expect("x" * 700).to eq("y") }
end
EOF
  (cd "$d" && rspec_json "$out/fail.json")

  new_case skipped
  cat >"$d/spec/skipped_spec.rb" <<'EOF'
RSpec.describe "feature" do
  it("runs") { expect(1).to eq(1) }
  xit("is x-ed") { expect(1).to eq(2) }
  it("is skipped", skip: "not on this platform") { expect(1).to eq(2) }
  it "is pending and still fails" do
    pending("waiting for the fix")
    expect(1).to eq(2)
  end
  it "has no body yet"
end
EOF
  (cd "$d" && rspec_json "$out/skipped.json")

  # An error outside of examples: a file that does not load next to one that does.
  new_case load-error
  cat >"$d/spec/syntax_spec.rb" <<'EOF'
RSpec.describe "never loaded" do
  it("parses") { expect(1).to eq(1)
end
EOF
  cat >"$d/spec/ok_spec.rb" <<'EOF'
RSpec.describe("ok") { it("still fine") { expect(1).to eq(1) } }
EOF
  (cd "$d" && rspec_json "$out/load-error.json")
  new_case missing
  cat >"$d/spec/missing_spec.rb" <<'EOF'
require "does_not_exist"
RSpec.describe("never") { it("runs") { expect(1).to eq(1) } }
EOF
  (cd "$d" && rspec_json "$out/missing-require.json")

  new_case hook
  cat >"$d/spec/hook_spec.rb" <<'EOF'
RSpec.describe "database" do
  before(:all) { raise "could not connect to the database" }
  it("reads") { expect(1).to eq(1) }
  it("writes") { expect(1).to eq(1) }
end
RSpec.describe "after hooks" do
  after(:all) { raise "could not clean up" }
  it("runs first") { expect(1).to eq(1) }
end
EOF
  (cd "$d" && rspec_json "$out/hook.json")

  new_case duplicates
  cat >"$d/spec/a_spec.rb" <<'EOF'
RSpec.describe "one" do
  it("same") { expect(1).to eq(1) }
  it("same") { expect(1).to eq(2) }
  2.times { |i| it("generated") { expect(i).to eq(0) } }
end
EOF
  cat >"$d/spec/b_spec.rb" <<'EOF'
RSpec.describe "one" do
  it("same") { expect(1).to eq(1) }
end
EOF
  (cd "$d" && rspec_json "$out/duplicates.json")

  d="$(case_dir rspec example)"
  cp -r "$ROOT/examples/rspec/lib" "$ROOT/examples/rspec/spec" "$ROOT/examples/rspec/.rspec" "$d/"
  (cd "$d" && RSPEC_SEED=8 rspec_json "$out/example.json" --order rand:2)

  derive_broken "$out" example.json json
  cp "$out/pass.json" "$out/malformed.json"
  replace_bytes "$out/malformed.json" 'b"\"examples\":[{"' 'b"\"examples\":[,{"'
  cp "$out/fail.json" "$out/non-utf8.json"
  replace_bytes "$out/non-utf8.json" 'b"adds up"' 'b"adds \xff\xfe up"'
  replace_bytes "$out/non-utf8.json" 'b"payment service"' 'b"payment \xff\xfe service"'
}

capture_phpunit() {
  local out="$FIX/phpunit" d
  mkdir -p "$out"
  phpunit_junit() { command phpunit --log-junit "$1" "${@:2}" >/dev/null 2>&1 || true; }
  new_case() {
    d="$(case_dir phpunit "$1")"
    mkdir -p "$d/tests"
  }

  new_case pass
  cat >"$d/tests/MathTest.php" <<'EOF'
<?php
use PHPUnit\Framework\TestCase;
final class MathTest extends TestCase
{
    public function testAdds(): void { self::assertSame(2, 1 + 1); }
    /** @dataProvider pairs */
    public function testMultiplies(int $a, int $b, int $p): void { self::assertSame($p, $a * $b); }
    public function pairs(): array { return [[2, 3, 6], 'named' => [1, 1, 1]]; }
}
EOF
  (cd "$d" && phpunit_junit "$out/pass.xml" tests)

  new_case fail
  cat >"$d/tests/FailTest.php" <<'EOF'
<?php
use PHPUnit\Framework\TestCase;
final class FailTest extends TestCase
{
    public function testAddsUp(): void { self::assertSame(0.3, 0.1 + 0.2, 'adds up'); }
    public function testPasses(): void { self::assertSame(1, 1); }
    public function testThrows(): void { throw new RuntimeException("payment service said no\nsecond line"); }
    public function testLongMessage(): void { self::assertSame(str_repeat('x', 700), 'y'); }
}
EOF
  (cd "$d" && phpunit_junit "$out/fail.xml" tests)

  new_case skipped
  cat >"$d/tests/SkippedTest.php" <<'EOF'
<?php
use PHPUnit\Framework\TestCase;
final class SkippedTest extends TestCase
{
    public function testRuns(): void { self::assertSame(1, 1); }
    public function testIsSkipped(): void { self::markTestSkipped('not on this platform'); }
    public function testIsIncomplete(): void { self::markTestIncomplete('waiting for the fix'); }
    public function testIsRisky(): void { }
}
EOF
  (cd "$d" && phpunit_junit "$out/skipped.xml" tests)

  new_case error
  cat >"$d/tests/HookTest.php" <<'EOF'
<?php
use PHPUnit\Framework\TestCase;
final class HookTest extends TestCase
{
    public static function setUpBeforeClass(): void { throw new RuntimeException('could not connect to the database'); }
    public function testReads(): void { self::assertSame(1, 1); }
    public function testWrites(): void { self::assertSame(1, 1); }
}
EOF
  cat >"$d/tests/OkTest.php" <<'EOF'
<?php
use PHPUnit\Framework\TestCase;
final class OkTest extends TestCase
{
    public function testStillFine(): void { self::assertSame(1, 1); }
}
EOF
  (cd "$d" && phpunit_junit "$out/error.xml" tests)

  new_case syntax
  cat >"$d/tests/SyntaxTest.php" <<'EOF'
<?php
use PHPUnit\Framework\TestCase;
final class SyntaxTest extends TestCase
{
    public function testNeverParsed(): void { self::assertSame(1, 1; }
}
EOF
  # PHPUnit 9 dies on the parse error before it writes any report: no file is produced.
  (cd "$d" && phpunit_junit "$out/syntax-error.xml" tests)

  new_case duplicates
  mkdir -p "$d/tests/A" "$d/tests/B"
  cat >"$d/tests/A/SameTest.php" <<'EOF'
<?php
namespace A;
use PHPUnit\Framework\TestCase;
final class SameTest extends TestCase
{
    public function testSame(): void { self::assertSame(1, 1); }
}
EOF
  cat >"$d/tests/B/SameTest.php" <<'EOF'
<?php
namespace B;
use PHPUnit\Framework\TestCase;
final class SameTest extends TestCase
{
    public function testSame(): void { self::assertSame(1, 2); }
}
EOF
  (cd "$d" && phpunit_junit "$out/duplicates.xml" tests)

  d="$(case_dir phpunit example)"
  cp -r "$ROOT/examples/phpunit/src" "$ROOT/examples/phpunit/tests" "$ROOT/examples/phpunit/phpunit.xml" "$d/"
  (cd "$d" && PHPUNIT_SEED=8 phpunit_junit "$out/example.xml" --order-by=random --random-order-seed=1)

  derive_broken "$out" example.xml xml
  cp "$out/pass.xml" "$out/malformed.xml"
  replace_bytes "$out/malformed.xml" 'b"</testsuites>"' 'b"</testsuite>"'
  cp "$out/fail.xml" "$out/non-utf8.xml"
  replace_bytes "$out/non-utf8.xml" 'b"testAddsUp"' 'b"testAdds\xff\xfeUp"'
  replace_bytes "$out/non-utf8.xml" 'b"payment service"' 'b"payment \xff\xfe service"'
}

frameworks=("$@")
[ ${#frameworks[@]} -gt 0 ] || frameworks=(jest vitest mocha rspec phpunit)
for fw in "${frameworks[@]}"; do
  echo "capturing $fw" >&2
  "capture_$fw"
done
