#!/usr/bin/env python3
"""Compare what two flaky binaries' scans found on the corpus and the clean suites.

A refactoring of the scan must not change what it finds. Run `rescore.py BASE` and
`rescore.py BASE --clean`, then the same for NEW (each caches its scan JSON per binary under
WORK/scans), then `compare.py BASE NEW`: it prints every finding or test that one binary reports
and the other does not, tree by tree, and exits 1 if there is any (0 if the two agree on all).
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rescore import binary_key  # noqa: E402


def items(doc: dict, ignore: set[str]) -> tuple[set, set]:
    """The findings and the tests of one scan, each as a canonical JSON string, without the
    findings' fields named in `ignore` (a change of wording then compares equal)."""
    findings = {
        json.dumps({k: v for k, v in f.items() if k not in ignore}, sort_keys=True)
        for f in doc.get("findings") or []
    }
    tests = {json.dumps(t, sort_keys=True) for t in doc.get("tests") or []}
    return findings, tests


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base", help="the flaky binary scanned first")
    ap.add_argument("new", help="the flaky binary to compare with it")
    ap.add_argument("--work", default="/tmp/scan-corpus", help="rescore.py's --work directory")
    ap.add_argument("--show", type=int, default=5, help="differences printed per tree and side")
    ap.add_argument("--ignore", default="", metavar="FIELDS",
                    help="findings' fields left out of the comparison, comma-separated "
                         "(e.g. message,hint when only the wording changed)")
    args = ap.parse_args()
    ignore = {f for f in args.ignore.split(",") if f}
    work = Path(args.work)
    dirs = [work / "scans" / binary_key(Path(b)) for b in (args.base, args.new)]
    for b, d in zip((args.base, args.new), dirs):
        if not d.is_dir():
            print(f"no scans of {b} under {d}: run rescore.py {b} and rescore.py {b} --clean first",
                  file=sys.stderr)
            return 2
    names = sorted({p.name for p in dirs[0].glob("*.json")} | {p.name for p in dirs[1].glob("*.json")})
    differing = compared = total = 0
    for name in names:
        paths = [d / name for d in dirs]
        if not all(p.exists() for p in paths):
            print(f"{name}: scanned by one binary only ({'base' if paths[0].exists() else 'new'})")
            differing += 1
            continue
        docs = [json.loads(p.read_text()).get("doc") or {} for p in paths]
        (fa, ta), (fb, tb) = items(docs[0], ignore), items(docs[1], ignore)
        compared += 1
        total += len(fa)
        if fa == fb and ta == tb:
            continue
        differing += 1
        print(f"{name}: findings {len(fa)} -> {len(fb)}, tests {len(ta)} -> {len(tb)}")
        for label, only in (("only base", (fa - fb) | (ta - tb)), ("only new", (fb - fa) | (tb - ta))):
            for line in sorted(only)[: args.show]:
                print(f"  {label}: {line[:400]}")
            if len(only) > args.show:
                print(f"  {label}: +{len(only) - args.show} more")
    print(f"{compared} trees compared, {total} findings in the base; {differing} trees differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
