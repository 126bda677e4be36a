#!/usr/bin/env bash
# Checks `flaky dashboard` in a real browser: stores a history of ten runs over ten days and two
# commits (a test that goes from stable to flaky, one that always fails for a while, a hostile
# name), writes the page, takes headless Chromium screenshots at desktop (1280 px) and phone
# (390 px) widths, measures the trend line's colour in the desktop one, and loads the page with
# filters in its address (`#tests?q=login`, ...) through `chromium --dump-dom`: only the matching
# rows may be left visible; the markup alone (scripts off) shows every row.
#
# Usage: scripts/check-dashboard.sh  (installs Debian's chromium when it is missing; needs root
# or sudo). The page and the screenshots stay in target/dashboard-check/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="$root/target/dashboard-check"
rm -rf "$out"
mkdir -p "$out"
cargo build -q
bin="${CARGO_TARGET_DIR:-$root/target}/debug/flaky"

. scripts/chromium.sh
work="$(mktemp -d)"
trap 'rm -rf "$work" "$chrome_profile"' EXIT
project="$work/project"
mkdir -p "$project"
cd "$project"
export FLAKY_DB="$work/history.db" FLAKY_NO_PROGRESS=1 NO_COLOR=1
export GIT_AUTHOR_NAME=ada GIT_AUTHOR_EMAIL=ada@example.com GIT_COMMITTER_NAME=ada GIT_COMMITTER_EMAIL=ada@example.com
git init -q -b main
printf 'history.db*\n' > .gitignore
# Tests by attempt (never by chance): t_login fails on odd attempts once `mode` is flaky, t_db on
# every fifth, t_broken on every attempt while `broken` exists, the hostile one on attempt 1.
cat > t.sh <<'SH'
f() { [ "$1" = 1 ] && printf '<failure message="no"/>'; }
login=0; [ "$(cat mode)" = flaky ] && [ $((FLAKY_ATTEMPT % 2)) = 1 ] && login=1
db=0; [ $((FLAKY_ATTEMPT % 5)) = 0 ] && db=1
broken=0; [ -e broken ] && broken=1
hostile=0; [ "$FLAKY_ATTEMPT" = 1 ] && hostile=1
{
  printf '<testsuite name="s">'
  printf '<testcase classname="auth" name="test_login">%s</testcase>' "$(f $login)"
  printf '<testcase classname="store" name="test_db">%s</testcase>' "$(f $db)"
  printf '<testcase classname="store" name="test_broken">%s</testcase>' "$(f $broken)"
  printf '<testcase classname="ui" name="&lt;script&gt;alert(1)&lt;/script&gt;&#x202E;gnp.exe">%s</testcase>' "$(f $hostile)"
  for i in 1 2 3 4 5 6; do printf '<testcase classname="ui" name="test_ok_%s"/>' "$i"; done
  printf '</testsuite>'
} > "$TMPDIR/r.xml"
[ $((login + db + broken + hostile)) = 0 ]
SH
run() { "$bin" run -n 20 -j 2 -q --seed 1 --fail-on none --junit '{tmpdir}/r.xml' -- sh t.sh >/dev/null; }
echo stable > mode; touch broken; git add -A; git commit -qm "stable"
run; run
rm broken; git add -A; git commit -qm "fix the broken test"
run; run
echo flaky > mode; git commit -qam "login goes flaky"
for _ in 1 2 3 4 5 6; do run; done
# One run a day, the newest today.
python3 - "$FLAKY_DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM runs ORDER BY id")]
with db:
    for k, i in enumerate(ids):
        db.execute("UPDATE runs SET started_at = started_at - ? WHERE id = ?", ((len(ids) - 1 - k) * 86_400_000, i))
PY
"$bin" dashboard -o "$out/dashboard.html"
"$bin" history --tests --format json > "$out/tests.json"
"$bin" history --format json > "$out/runs.json"
cd "$root"

for width in 1280 390; do
    screenshot "$out/dashboard.html" "$out/dashboard-$width.png" "$width,2600"
done
dom() { chrome --virtual-time-budget=3000 --dump-dom "file://$out/dashboard.html#$1" > "$out/dom-$2.html"; }
dom 'tests?q=login' login
dom 'tests?kind=flaky&severity=medium' flaky-medium
dom 'tests' none
first_commit=$(git -C "$work/project" rev-list --max-parents=0 HEAD | cut -c1-8)
dom "runs?q=$first_commit" runs-first-commit
dom 'tests?sort=rate' sort-rate
dom 'tests?kind=flaky&sort=-test' flaky-by-name
dom 'runs?sort=started' runs-oldest-first

PYTHONPATH="$root/scripts" python3 - "$out" "$first_commit" <<'PY'
"""Measures the screenshots and reads the filtered DOMs."""
import html
import json
import re
import sys

from png_pixels import pixels, read_png

out, first_commit = sys.argv[1], sys.argv[2]
failures = []

# The trend line (the shared charts' #0b7285) rises from the stable days to the flaky ones.
rows, width, height, bpp = read_png(f"{out}/dashboard-1280.png")
pts = pixels(rows, width, bpp, "#0b7285")
if len(pts) < 300:
    failures.append(f"trend line: only {len(pts)} pixels of #0b7285")
else:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    print(f"desktop: trend line #0b7285: {len(pts)} pixels in x {min(xs)}..{max(xs)}, y {min(ys)}..{max(ys)}")
    if max(xs) - min(xs) < 400:
        failures.append(f"trend line spans only {max(xs) - min(xs)} px across")
    # The share of failing tests fell when the broken test was fixed, then rose when login
    # went flaky: the line's right end is well above (smaller y) its lowest point.
    right = [y for x, y in pts if x > max(xs) - 20]
    if not (right and max(ys) - min(right) > 20):
        failures.append("the trend line does not rise from its low to the last day")
for color, name in (("#e03131", "HIGH"), ("#f59f00", "MEDIUM"), ("#ae3ec9", "CRITICAL")):
    n = len(pixels(rows, width, bpp, color, tol=12))
    print(f"desktop: {name} {color}: {n} pixels (severity bars and marks)")
    if n < 200:
        failures.append(f"{name}: only {n} pixels of {color}")
rows, width, height, bpp = read_png(f"{out}/dashboard-390.png")
pts = pixels(rows, width, bpp, "#0b7285")
xs = [p[0] for p in pts]
print(f"phone: {width}x{height}, trend line {len(pts)} pixels in x {min(xs) if xs else '-'}..{max(xs) if xs else '-'}")
if len(pts) < 100 or max(xs) >= width:
    failures.append("phone: the trend line is missing or wider than the screen")

def rows_of(path, cls):
    """(visible, attributes) of each <tr class=cls> in a dumped DOM."""
    html = open(path, encoding="utf-8").read()
    found = []
    for tag in re.findall(rf'<tr class="{cls}"[^>]*>', html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        found.append((" hidden" not in tag, attrs))
    return found

tests = json.load(open(f"{out}/tests.json"))["tests"]
runs = json.load(open(f"{out}/runs.json"))["runs"]
cases = [
    ("login", lambda a: "login" in a["data-name"].lower()),
    ("flaky-medium", lambda a: a["data-kind"] == "flaky" and a["data-severity"] == "medium"),
    ("none", lambda a: True),
]
for name, want in cases:
    found = rows_of(f"{out}/dom-{name}.html", "test")
    shown = [a["data-name"] for v, a in found if v]
    expected = [a["data-name"] for _, a in found if want(a)]
    print(f"filter {name}: {len(shown)} of {len(found)} tests shown: {shown}")
    if len(found) != len(tests):
        failures.append(f"filter {name}: the DOM has {len(found)} test rows, history --tests {len(tests)}")
    if shown != expected or not shown:
        failures.append(f"filter {name}: shown {shown}, expected {expected}")
# Scripts off, the page is its markup (chromium's --dump-dom needs scripts, so the file is read):
# every row shows, and the filter forms, which need the script, stay hidden.
found = rows_of(f"{out}/dashboard.html", "test")
forms = re.findall(r'<form class="filter"[^>]*>', open(f"{out}/dashboard.html", encoding="utf-8").read())
print(f"scripts off: {sum(v for v, _ in found)} of {len(found)} tests shown, {sum('hidden' in f for f in forms)} of {len(forms)} filter forms hidden")
if not found or not all(v for v, _ in found) or not all("hidden" in f for f in forms):
    failures.append("scripts off: a row is hidden or a filter form shows")
# Sorting, from the address as a click on a header leaves it; each order differs from the page's
# own (rate and time highest first, names in that order), so an ignored sort fails.
def shown_id(name):
    """A test id as the page writes it in data-name (a bidi control shown as `\\u{202e}`)."""
    return html.unescape(name).replace("\\u{202e}", "\u202e")
rate = {t["id"]: t["failure_rate"] for t in tests}
found = rows_of(f"{out}/dom-sort-rate.html", "test")
rates = [rate[shown_id(a["data-name"])] for _, a in found]
print(f"sort=rate: {rates}")
if len(rates) != len(tests) or rates != sorted(rates):
    failures.append(f"sort=rate: rates in the order {rates}")
found = rows_of(f"{out}/dom-flaky-by-name.html", "test")
shown = [a["data-name"] for v, a in found if v]
print(f"kind=flaky&sort=-test: {shown}")
if not shown or shown != sorted(shown, key=str.lower, reverse=True) or any(a["data-kind"] != "flaky" for v, a in found if v):
    failures.append(f"kind=flaky&sort=-test: shown {shown}")
found = rows_of(f"{out}/dom-runs-oldest-first.html", "run")
order = [a["data-name"].split()[0] for _, a in found]
expected = [r["run_id"] for r in sorted(runs, key=lambda r: r["started_at_ms"])]
print(f"runs?sort=started: {len(order)} runs, oldest first: {order == expected}")
if order != expected:
    failures.append(f"runs?sort=started: {order}, expected {expected}")
found = rows_of(f"{out}/dom-runs-first-commit.html", "run")
shown = [a["data-name"].split()[0] for v, a in found if v]
expected = [r["run_id"] for r in runs if (r.get("commit") or "").startswith(first_commit)]
print(f"filter runs?q={first_commit}: {len(shown)} of {len(found)} runs shown")
if sorted(shown) != sorted(expected) or not shown:
    failures.append(f"runs filter: shown {shown}, expected {expected}")
if failures:
    for f in failures:
        print(f"error: {f}", file=sys.stderr)
    sys.exit(1)
print(f"ok: {out}/dashboard.html draws its trend and filters its rows")
PY
