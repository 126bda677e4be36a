#!/usr/bin/env python3
"""Rescore `flaky scan` against a corpus of real, fixed flaky tests.

Part 1 (default): for every row of flaky-tests.tsv, export the repository tree
at the commit *before* the fix (the fix's parent) from its git mirror, run

    FLAKY scan TREE --format json --fail-on none --every

(`--every`: every finding, as `flaky run` weighs the likely causes of a test measured flaky,
the clock and random reads of the code under test included) and decide whether the scan attached a finding of the row's cause category to
the row's test.

Part 2 (--clean): scan the clean suites of clean-suites.tsv, print findings per
1,000 tests (all, and at HIGH/CRITICAL), and write a fixed-seed random sample
of 20 findings to /work/notes/scan-corpus-sample.md for a person to judge.

Scoring rule (part 1)
---------------------
A finding is *attached* to the entry's test when either

  (a) one item of its `reached_from` list has a `file` equal to the entry's
      test file (or ending with "/" + it) and a `test` that names the entry's
      test (see "name matching"), or
  (b) the finding itself is in the entry's test file and its `function`
      field names the entry's test (the smell is inside the test body), or
  (c) the JSON's `tests` list (one item per test found: file, name, display,
      parents, findings = indices into `findings`) has an item in the
      entry's test file whose `display` or `name` names the entry's test and
      lists the finding. This is how the scan itself attaches smells written
      directly in a test body (those carry no `function`/`reached_from`).

The entry is
  HIT               when an attached finding has the entry's category;
  MISS-WRONG-CAUSE  when findings are attached but none has that category
                    (they are listed);
  MISS-NOTHING      when no finding is attached to the test at all.

Name matching. The corpus writes test names as in the source; the scan writes
them qualified by their enclosing scopes. `ref` (the scan's name) names the
entry's `name` when, after dropping a trailing pytest parameter id "[...]":
  * ref == name; or
  * ref ends with one of "::", " > ", " › ", " ", "/", "." followed by name
    (Rust module paths `conn::test_x`, Python classes `TestX::test_y`, JS
    `describe > it` titles, Go subtests);
  * Go: ref starts with name + "/" (a subtest of the named test);
  * Python/Rust entries written `Class::method` / `mod::fn`: ref's last "::"
    component equals the entry's last component (the scan may or may not
    print the class/module; the file must match in any case);
  * JavaScript/TypeScript: the `it()`/`test()` title is contained in ref (the
    scan prefixes `describe` titles with " > ").
For (b), `function` is compared the same way (for JS the scan names the
enclosing callback after its test title when it can; a plain contains check
is used).

Trees are cached under WORK/trees/OWNER+NAME@SHA12 and scan results under
WORK/scans/, keyed by the binary's size+mtime, so a rerun with the same binary
re-reads the JSON and a rebuilt binary rescans.

Python 3.11, standard library only. Always exits 0 (a measurement, not a gate).
"""
from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES = [
    "sleep", "clock", "random", "network", "filesystem", "subprocess",
    "global-state", "async-race", "unordered", "shared-fixture",
]
SEPS = ("::", " > ", " › ", " ", "/", ".")
LANG_ALIASES = {"js": "javascript", "ts": "javascript", "typescript": "javascript",
                "py": "python", "golang": "go", "rs": "rust"}
SCAN_TIMEOUT = int(os.environ.get("SCAN_CORPUS_TIMEOUT", "900"))


def read_tsv(path: Path) -> list[dict]:
    rows = []
    with path.open(newline="") as fh:
        lines = [l for l in fh if l.strip() and not l.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        rows.append({k: (v or "").strip() for k, v in row.items()})
    return rows


def git_dir(mirror: Path, repo: str) -> Path | None:
    base = mirror / repo.replace("/", "+") / "repo"
    for cand in (base / ".git", base):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
    return None


def export_tree(mirror: Path, work: Path, repo: str, commit: str) -> Path:
    """Extract `repo` at `commit` into WORK/trees (cached)."""
    dest = work / "trees" / f"{repo.replace('/', '+')}@{commit[:12]}"
    if (dest / ".scan-corpus-ok").exists():
        return dest
    gd = git_dir(mirror, repo)
    if gd is None:
        raise RuntimeError(f"no mirror for {repo} under {mirror} (fetch github:{repo} first)")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    arch = subprocess.Popen(["git", f"--git-dir={gd}", "archive", commit], stdout=subprocess.PIPE)
    tar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=arch.stdout, capture_output=True)
    arch.stdout.close()
    if arch.wait() != 0 or tar.returncode != 0:
        raise RuntimeError(f"git archive {repo}@{commit} failed: {tar.stderr.decode()[:300]}")
    (dest / ".scan-corpus-ok").write_text(commit + "\n")
    return dest


def binary_key(flaky: Path) -> str:
    st = flaky.stat()
    return hashlib.sha1(f"{flaky.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:12]


def run_scan(flaky: Path, work: Path, tree: Path, every: bool = False) -> tuple[dict | None, float, str]:
    """Scan `tree`; return (json or None, seconds, error). Cached per binary.

    `every`: `--every`, every finding (each repeat, and the clock and random reads of the code
    under test): what `flaky run` weighs as the likely causes of a test measured flaky."""
    cache = work / "scans" / binary_key(flaky) / (tree.name + (".every" if every else "") + ".json")
    if cache.exists():
        data = json.loads(cache.read_text())
        return data.get("doc"), data.get("seconds", 0.0), data.get("error", "")
    cache.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    doc, err = None, ""
    try:
        p = subprocess.run([str(flaky), "scan", str(tree), "--format", "json", "--fail-on", "none"]
                           + (["--every"] if every else []),
                           capture_output=True, timeout=SCAN_TIMEOUT)
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError:
            err = f"exit {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}"
    except subprocess.TimeoutExpired:
        err = f"timed out after {SCAN_TIMEOUT}s"
    secs = time.monotonic() - t0
    cache.write_text(json.dumps({"doc": doc, "seconds": secs, "error": err}))
    return doc, secs, err


def strip_param(s: str) -> str:
    s = s.strip()
    if s.endswith("]") and "[" in s:
        s = s[: s.rindex("[")]
    return s


def name_matches(ref: str | None, name: str, lang: str) -> bool:
    if not ref:
        return False
    ref, name = strip_param(ref), strip_param(name)
    if ref == name:
        return True
    if any(ref.endswith(sep + name) for sep in SEPS):
        return True
    if lang == "go" and ref.startswith(name + "/"):
        return True
    if "::" in name and ref.split("::")[-1] == name.split("::")[-1]:
        return True
    if lang == "javascript" and name in ref:
        return True
    return False


def file_matches(found: str | None, want: str) -> bool:
    if not found:
        return False
    found, want = found.lstrip("./"), want.lstrip("./")
    return found == want or found.endswith("/" + want)


def attached(doc: dict, entry: dict) -> list[dict]:
    lang, f, name = entry["language"], entry["file"], entry["test"]
    findings = doc.get("findings") or []
    out, seen = [], set()
    # (c) the document's own per-test list: tests[{file, name, display, parents, findings: [index]}]
    for t in doc.get("tests") or []:
        if not file_matches(t.get("file"), f):
            continue
        if not any(name_matches(t.get(k), name, lang) for k in ("display", "name")):
            continue
        for i in t.get("findings") or []:
            if 0 <= i < len(findings) and i not in seen:
                seen.add(i)
                out.append(findings[i])
    for i, fd in enumerate(findings):
        if i in seen:
            continue
        hit = any(file_matches(r.get("file"), f) and name_matches(r.get("test"), name, lang)
                  for r in fd.get("reached_from") or [])
        if not hit and file_matches(fd.get("file"), f):
            hit = name_matches(fd.get("function"), name, lang)
        if hit:
            seen.add(i)
            out.append(fd)
    return out


def pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100.0 * n / d:.0f}%)" if d else "0/0"


def ensure_binary(flaky: Path) -> None:
    if flaky.exists():
        return
    main = Path("/work/main")
    print(f"{flaky} missing: cargo build in {main}", file=sys.stderr)
    subprocess.run(["cargo", "build"], cwd=main, check=False)
    if not flaky.exists():
        sys.exit(f"no flaky binary at {flaky}")


def norm_lang(s: str) -> str:
    s = s.lower()
    return LANG_ALIASES.get(s, s)


def score(args, flaky: Path, mirror: Path, work: Path) -> None:
    entries = read_tsv(Path(args.corpus))
    for e in entries:
        e["language"] = norm_lang(e["language"])
        if e["category"] not in CATEGORIES:
            print(f"warning: unknown category {e['category']!r} for {e['repo']} {e['test']}", file=sys.stderr)
    if args.only:
        entries = [e for e in entries if e["language"] == norm_lang(args.only)]
    t_start = time.monotonic()
    results = []
    scanned: dict[tuple[str, str], tuple] = {}
    for e in entries:
        key = (e["repo"], e["before"])
        if key not in scanned:
            try:
                tree = export_tree(mirror, work, e["repo"], e["before"])
                scanned[key] = (tree, *run_scan(flaky, work, tree, every=True))
            except Exception as exc:  # a missing mirror must not stop the rest
                scanned[key] = (None, None, 0.0, str(exc))
        tree, doc, secs, err = scanned[key]
        label = f"{e['language']:<10} {e['repo']}@{e['before'][:8]} {e['file']} :: {e['test']} [{e['category']}]"
        if doc is None:
            results.append((e, "ERROR", []))
            print(f"ERROR             {label}: {err}")
            continue
        att = attached(doc, e)
        right = [f for f in att if f.get("category") == e["category"]]
        if right:
            status = "HIT"
            detail = "; ".join(f"{f['rule']} {f['file']}:{f['line']}" for f in right[:3])
        elif att:
            status = "MISS-WRONG-CAUSE"
            detail = "; ".join(f"{f['category']}/{f['rule']} {f['file']}:{f['line']}" for f in att[:6])
            if len(att) > 6:
                detail += f"; +{len(att) - 6} more"
        else:
            status = "MISS-NOTHING"
            known = [t for t in doc.get("tests") or [] if file_matches(t.get("file"), e["file"])
                     and any(name_matches(t.get(k), e["test"], e["language"]) for k in ("display", "name"))]
            in_file = sum(1 for t in doc.get("tests") or [] if file_matches(t.get("file"), e["file"]))
            detail = ("test found by the scan, no finding attached" if known else
                      f"test NOT among the scan's tests ({in_file} tests listed in that file)")
        results.append((e, status, att))
        print(f"{status:<17} {label}" + (f"  -> {detail}" if detail else "") + f"  ({secs:.1f}s scan)")
    wall = time.monotonic() - t_start
    n = len(results)
    hits = sum(1 for _, s, _ in results if s == "HIT")
    print()
    print(f"right cause attached: {pct(hits, n)}")
    wrong = sum(1 for _, s, _ in results if s == "MISS-WRONG-CAUSE")
    nothing = sum(1 for _, s, _ in results if s == "MISS-NOTHING")
    errors = sum(1 for _, s, _ in results if s == "ERROR")
    print(f"  MISS-WRONG-CAUSE: {wrong}   MISS-NOTHING: {nothing}   ERROR: {errors}")
    for title, key in (("by category", "category"), ("by language", "language")):
        print(f"{title}:")
        groups = collections.defaultdict(list)
        for e, s, _ in results:
            groups[e[key]].append(s)
        for g in sorted(groups):
            ss = groups[g]
            print(f"  {g:<14} {pct(ss.count('HIT'), len(ss)):<12}"
                  f" wrong-cause {ss.count('MISS-WRONG-CAUSE')}, nothing {ss.count('MISS-NOTHING')}")
    scan_secs = sum(v[2] or 0.0 for v in scanned.values())
    print(f"{len(scanned)} trees scanned; scan time {scan_secs:.1f}s (as measured when first scanned); "
          f"wall time this run {wall:.1f}s")


def clean(args, flaky: Path, mirror: Path, work: Path) -> None:
    suites = read_tsv(Path(args.clean_suites))
    t_start = time.monotonic()
    all_findings = []
    tot_tests = tot_all = tot_high = 0
    print(f"{'suite':<40} {'tests':>6} {'findings':>9} {'/1k':>7} {'HIGH+':>6} {'/1k':>6}")
    for s in suites:
        try:
            tree = export_tree(mirror, work, s["repo"], s["commit"])
            doc, secs, err = run_scan(flaky, work, tree)
        except Exception as exc:
            doc, err = None, str(exc)
        if doc is None:
            print(f"{s['repo']:<40} ERROR {err}")
            continue
        fs = doc.get("findings") or []
        tests = int(s["tests"])
        high = [f for f in fs if f.get("severity", "").lower() in ("high", "critical")]
        tot_tests += tests
        tot_all += len(fs)
        tot_high += len(high)
        for f in fs:
            all_findings.append((s, tree, f))
        print(f"{s['repo']:<40} {tests:>6} {len(fs):>9} {1000 * len(fs) / tests:>7.1f}"
              f" {len(high):>6} {1000 * len(high) / tests:>6.1f}")
    if tot_tests:
        print(f"{'TOTAL':<40} {tot_tests:>6} {tot_all:>9} {1000 * tot_all / tot_tests:>7.1f}"
              f" {tot_high:>6} {1000 * tot_high / tot_tests:>6.1f}")
    by_cat = collections.Counter(f.get("category") for _, _, f in all_findings)
    print("findings by category: " + ", ".join(f"{k} {v}" for k, v in by_cat.most_common()))
    rng = random.Random(20240607)
    sample = rng.sample(all_findings, min(20, len(all_findings)))
    out = Path(args.sample_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# flaky scan: random sample of findings on clean suites", "",
             f"20 findings drawn with random.Random(20240607) from {len(all_findings)} findings on "
             f"{len(suites)} clean suites (scripts/scan-corpus/clean-suites.tsv), binary {flaky}.",
             "Judge each: TRUE (a real flakiness risk), DEBATABLE, or FALSE (noise).", ""]
    for i, (s, tree, f) in enumerate(sample, 1):
        code = ""
        try:
            src = (tree / f["file"]).read_text(errors="replace").splitlines()
            code = src[f["line"] - 1].strip() if 0 < f["line"] <= len(src) else ""
        except OSError:
            pass
        reached = ", ".join(f"{r['file']}::{r['test']}" for r in (f.get("reached_from") or [])[:2])
        lines += [f"## {i}. {s['repo']} `{f['file']}:{f['line']}`",
                  f"- rule: `{f['rule']}` ({f['category']}, {f.get('severity')}, {f.get('confidence')} confidence)",
                  f"- message: {f.get('message', '')}",
                  f"- code: `{code[:200]}`",
                  f"- in: {f.get('function') or '-'}" + (f"; reached from {reached}" if reached else ""),
                  "- verdict: ", ""]
    out.write_text("\n".join(lines))
    print(f"sample of {len(sample)} findings written to {out}; wall time {time.monotonic() - t_start:.1f}s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("flaky", nargs="?", default="/work/main/target/debug/flaky", help="flaky binary")
    ap.add_argument("--only", help="score only this language (python, javascript, go, rust)")
    ap.add_argument("--mirror", default="/work/.mirror", help="directory of git mirrors (OWNER+NAME/repo)")
    ap.add_argument("--work", default="/tmp/scan-corpus", help="cache of exported trees and scan results")
    ap.add_argument("--corpus", default=str(HERE / "flaky-tests.tsv"))
    ap.add_argument("--clean", action="store_true", help="measure noise on the clean suites instead")
    ap.add_argument("--clean-suites", default=str(HERE / "clean-suites.tsv"))
    ap.add_argument("--sample-out", default="/work/notes/scan-corpus-sample.md")
    args = ap.parse_args()
    flaky = Path(args.flaky)
    ensure_binary(flaky)
    mirror, work = Path(args.mirror), Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.clean:
        clean(args, flaky, mirror, work)
    else:
        score(args, flaky, mirror, work)
    sys.exit(0)


if __name__ == "__main__":
    main()
