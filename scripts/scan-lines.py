#!/usr/bin/env python3
"""How the scan's lines (src/scan, or DIR) divide: code, comments, blank lines, the rules'
`--explain` text and tests. Issue 16 asks that the scan shrink; this is how it is measured.

    python3 scripts/scan-lines.py [DIR] [-v]

Tests are tests.rs, deep.rs (a test module of its own) and every item under #[cfg(test)]. The
rules' doc text is each `doc: r#"..."#` string. -v prints the code lines of each file.
Python 3.11, standard library only.
"""
import os
import re
import signal
import sys

KINDS = ("code", "comment", "blank", "doc", "test")
TEST_FILES = ("tests.rs", "deep.rs")


def count(path):
    """The lines of one file by kind."""
    kinds = dict.fromkeys(KINDS, 0)
    whole_test = os.path.basename(path) in TEST_FILES
    in_doc = False
    # The #[cfg(test)] item being read: the brace depth it started at, and whether its body
    # has opened.
    test_item = None
    opened = False
    depth = 0
    for line in open(path, encoding="utf-8").read().splitlines():
        s = line.strip()
        if test_item is None and s.startswith("#[cfg(test)]"):
            test_item, opened = depth, False
        if whole_test or test_item is not None:
            kind = "test"
        elif in_doc or re.match(r'doc: r#+"', s):
            kind = "doc"
            in_doc = not re.search(r'"#+,$', s)
        elif not s:
            kind = "blank"
        elif s.startswith("//"):
            kind = "comment"
        else:
            kind = "code"
        kinds[kind] += 1
        if kind != "doc":
            depth += line.count("{") - line.count("}")
        if test_item is not None:
            opened = opened or depth > test_item
            # The item ends with its closing brace alone on a line (braces inside the test
            # sources of string literals are not balanced line by line), or with `;`.
            if (opened and depth <= test_item and s == "}") or (not opened and s.endswith(";")):
                test_item = None
    return kinds


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the listing quietly
    args = [a for a in sys.argv[1:] if a != "-v"]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "src", "scan")
    total = dict.fromkeys(KINDS, 0)
    per_file = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".rs"):
                path = os.path.join(folder, name)
                per_file[os.path.relpath(path, root)] = kinds = count(path)
                for kind, n in kinds.items():
                    total[kind] += n
    if "-v" in sys.argv:
        for rel, kinds in sorted(per_file.items(), key=lambda item: -item[1]["code"]):
            print(f"{kinds['code']:6} {rel}")
    print("  ".join(f"{kind} {n:,}" for kind, n in total.items()), f" total {sum(total.values()):,}")


if __name__ == "__main__":
    main()
