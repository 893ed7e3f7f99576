#!/usr/bin/env python3
"""header_docs.py - every prototype of include/aftersales.h is documented.

Each function declared in the public header must have a comment block
ending right above its prototype (no blank line between) that names the
function, and a function returning as_status must say what it returns
("Returns ..."; "Returns as as_x()" refers to another function's list).
Prints the undocumented ones and exits 1 if there is any.
usage: header_docs.py include/aftersales.h
"""
import re
import sys


def main(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    problems, count = [], 0
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(?:const\s+)?[a-z_][a-z0-9_]*\s*\**\s*\**(as_[a-z0-9_]+)\(", line)
        if not m or line.startswith("typedef") or line.lstrip().startswith("*"):
            i += 1
            continue
        name = m.group(1)
        count += 1
        # The comment block right above.
        j = i - 1
        if j < 0 or not lines[j].rstrip().endswith("*/"):
            problems.append(f"{path}:{i + 1}: {name} has no comment right above it")
            i += 1
            continue
        while j >= 0 and "/*" not in lines[j]:
            j -= 1
        comment = "\n".join(lines[j:i])
        if name not in comment:
            problems.append(f"{path}:{i + 1}: the comment above {name} does not name it")
        returns_status = line.startswith("as_status")
        if returns_status and not re.search(r"\bReturns?\b", comment):
            problems.append(f"{path}:{i + 1}: the comment above {name} does not say what it returns")
        i += 1
    for p in problems:
        print(p)
    print(f"{count} prototypes, {len(problems)} problems")
    return 1 if problems or count < 100 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
