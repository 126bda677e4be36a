#!/usr/bin/env bash
# Checks flaky's JUnit XML with a JUnit consumer that is not flaky's own parser: renders the
# typical and the hostile-names hand-built reports (src/render/tests.rs,
# `write_reports_for_checks`), installs junitparser from PyPI into a venv under target/, reads
# both files with its Surefire-aware flavour (xunit2: flakyFailure, rerunFailure, ...), prints
# what it sees, and fails when its counts disagree with the <testsuite> attributes or the ids
# do not come back as classname::name.
#
# Usage: scripts/check-junit.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out="$PWD/target/report-check"
venv="$PWD/target/report-check-venv"
mkdir -p "$out"
FLAKY_RENDER_CHECK_DIR="$out" cargo test -q --lib render::tests::write_reports_for_checks \
    -- --ignored --exact >/dev/null
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check junitparser

"$venv/bin/python" - "$out/report.xml" "$out/escaping.xml" <<'PY'
import sys

import junitparser
from junitparser.xunit2 import JUnitXml

print(f"junitparser {junitparser.version}")
problems = []
for path in sys.argv[1:]:
    xml = JUnitXml.fromfile(path)
    for suite in xml:
        cases = list(suite)
        final = {"failure": 0, "error": 0, "skipped": 0}
        flaky = flaky_elements = rerun_elements = 0
        for case in cases:
            for result in case.result:
                final[result._tag] += 1
            if case.is_flaky:
                flaky += 1
            flaky_elements += len(case.flaky_failures()) + len(case.flaky_errors())
            rerun_elements += len(case.rerun_failures()) + len(case.rerun_errors())
        props = {p.name: p.value for p in suite.properties()}
        print(
            f"{path.rsplit('/', 1)[-1]}: suite {suite.name!r}: tests={suite.tests} failures={suite.failures} "
            f"errors={suite.errors} skipped={suite.skipped} time={suite.time} timestamp={suite.timestamp}"
        )
        print(
            f"  read {len(cases)} test cases: {final['failure']} failed, {final['error']} errors, "
            f"{final['skipped']} skipped, {len(cases) - sum(final.values())} passed, of which {flaky} flaky "
            f"({flaky_elements} flakyFailure/flakyError, {rerun_elements} rerunFailure/rerunError)"
        )
        print(f"  properties: {props}")
        for want, got, what in [
            (suite.tests, len(cases), "tests"),
            (suite.failures, final["failure"], "failures"),
            (suite.errors, final["error"], "errors"),
            (suite.skipped, final["skipped"], "skipped"),
        ]:
            if want != got:
                problems.append(f"{path}: {what}={want} in <testsuite>, but junitparser counts {got}")
        for key in ("run_id", "seed", "command", "framework"):
            if key not in props:
                problems.append(f"{path}: no {key} property")
        for case in cases:
            ident = f"{case.classname}::{case.name}" if case.classname else case.name
            print(f"    {'FLAKY ' if case.is_flaky else ''}{'FAIL ' if case.result else ''}{ident}")
if problems:
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    sys.exit(1)
print("ok: junitparser reads both reports and agrees with their counts")
PY
