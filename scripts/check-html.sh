#!/usr/bin/env bash
# Checks that the HTML report draws what it should: renders the typical hand-built report
# (src/render/tests.rs, `write_reports_for_checks`), takes a headless Chromium screenshot of it,
# and measures the PNG: the trend line's colour must trace a line across the chart, and each
# severity's bar colour must form a bar of the expected length below it.
#
# Usage: scripts/check-html.sh  (installs Debian's chromium when it is missing; needs root or sudo)
set -euo pipefail
cd "$(dirname "$0")/.."

out="$PWD/target/report-check"
mkdir -p "$out"
FLAKY_RENDER_CHECK_DIR="$out" cargo test -q --lib render::tests::write_reports_for_checks \
    -- --ignored --exact >/dev/null

. scripts/chromium.sh
trap 'rm -rf "$chrome_profile"' EXIT
screenshot "$out/report.html" "$out/report.png" 1200,1600

PYTHONPATH="$PWD/scripts" python3 - "$out/report.png" <<'PY'
"""Measures the chart colours in the screenshot (they match src/render/charts.rs)."""
import sys

from png_pixels import hexrgb, pixels, read_png

path = sys.argv[1]
rows, width, height, bpp = read_png(path)


def near(line, x, rgb, tol=36):
    i = x * bpp
    return abs(line[i] - rgb[0]) + abs(line[i + 1] - rgb[1]) + abs(line[i + 2] - rgb[2]) <= tol


failures = []
pts = pixels(rows, width, bpp, "#0b7285")
if len(pts) < 300:
    failures.append(f"trend line: only {len(pts)} pixels of #0b7285")
    x0 = x1 = y0 = y1 = 0
else:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    print(f"trend line #0b7285: {len(pts)} pixels in x {x0}..{x1}, y {y0}..{y1}")
    if x1 - x0 < 400:
        failures.append(f"trend line spans only {x1 - x0} px across")
    if y1 - y0 < 80:
        failures.append(f"trend line rises only {y1 - y0} px (the typical report's trend rises)")

# The typical report's bars: 100%, 60%, 30%, 5% of a 500-unit axis, and the stable tests'.
bars = [
    ("CRITICAL", "#ae3ec9", 1.00),
    ("HIGH", "#e03131", 0.60),
    ("MEDIUM", "#f59f00", 0.30),
    ("LOW", "#1c7ed6", 0.05),
]
scale = None
for name, color, rate in bars:
    # The bar is the row (below the trend chart) with the most pixels of its colour; its length
    # is that row's extent, whisker caps drawn over it or not.
    rgb = hexrgb(color)
    count, best, best_y, span = 0, 0, None, 0
    for y in range(y1 + 1, height):
        xs = [x for x in range(width) if near(rows[y], x, rgb, tol=12)]
        count += len(xs)
        if len(xs) > best:
            best, best_y, span = len(xs), y, xs[-1] - xs[0] + 1
    if scale is None and span:
        scale = span / 500.0  # px per axis unit, from the 100% bar
    want = 500.0 * rate * (scale or 1.0)
    print(f"{name:8} bar {color}: {count} pixels below the trend; the bar at y {best_y} is {span} px long (expected ~{want:.0f} px)")
    if span < 0.85 * want or span > 1.15 * want + 2:
        failures.append(f"{name} bar: {span} px long, expected ~{want:.0f} px")
if failures:
    for f in failures:
        print(f"error: {f}", file=sys.stderr)
    sys.exit(1)
print(f"ok: {path} ({width}x{height}) shows the trend line and the bars")
PY
