#!/usr/bin/env python3
"""jsonschema.py - hold aftersales' JSON output to docs/json.md.

docs/json.md describes every command's JSON in a small notation (see its
"How to read the schemata" section).  This script parses that notation and
checks a command's output against it:

  jsonschema.py DOC --check-doc          parse the whole document; exit 1 on errors
  jsonschema.py DOC --commands           list the documented commands
  jsonschema.py DOC COMMAND json|jsonl   check standard input against COMMAND's shape

Checking is strict: every field that is not marked optional ('?') must be
present, no undocumented field may appear, and every value must have its
type.  Exit 0 when the output conforms, 1 with the first problems otherwise.
"""
import json
import re
import sys

PRIMITIVES = {"string", "integer", "number", "boolean", "null", "time", "date", "yuan", "any"}
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YUAN_RE = re.compile(r"^-?\d+\.\d{2}$")
TOKEN_RE = re.compile(r'\s*(?:(#[^\n]*)|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(\*)|([{}\[\]:,|?=]))')


class DocError(Exception):
    pass


def tokenize(text, where):
    toks, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise DocError(f"{where}: cannot read {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.group(1):
            continue
        if m.group(2):
            toks.append(("lit", json.loads(m.group(2))))
        elif m.group(3):
            toks.append(("name", m.group(3)))
        elif m.group(4):
            toks.append(("punct", "*"))
        else:
            toks.append(("punct", m.group(5)))
    return toks


class Parser:
    def __init__(self, toks, where):
        self.toks, self.i, self.where = toks, 0, where

    def peek(self, k=0):
        return self.toks[self.i + k] if self.i + k < len(self.toks) else (None, None)

    def take(self, kind=None, value=None):
        t = self.peek()
        if t[0] is None or (kind and t[0] != kind) or (value is not None and t[1] != value):
            raise DocError(f"{self.where}: expected {value or kind}, found {t[1]!r}")
        self.i += 1
        return t

    def type(self):
        alts = [self.alt()]
        while self.peek() == ("punct", "|"):
            self.take()
            alts.append(self.alt())
        return alts[0] if len(alts) == 1 else ("union", alts)

    def alt(self):
        kind, v = self.peek()
        if kind == "lit":
            self.take()
            return ("lit", v)
        if kind == "name":
            self.take()
            return ("prim", v) if v in PRIMITIVES else ("ref", v)
        if (kind, v) == ("punct", "["):
            self.take()
            t = self.type()
            self.take("punct", "]")
            return ("array", t)
        if (kind, v) == ("punct", "{"):
            self.take()
            if self.peek() == ("punct", "*"):
                self.take()
                self.take("punct", ":")
                t = self.type()
                if self.peek() == ("punct", ","):
                    self.take()
                self.take("punct", "}")
                return ("map", t)
            fields = {}
            while self.peek() != ("punct", "}"):
                k = self.take("name")[1]
                optional = False
                if self.peek() == ("punct", "?"):
                    self.take()
                    optional = True
                self.take("punct", ":")
                if k in fields:
                    raise DocError(f"{self.where}: field {k} twice")
                fields[k] = (self.type(), optional)
                if self.peek() == ("punct", ","):
                    self.take()
                elif self.peek() != ("punct", "}"):
                    raise DocError(f"{self.where}: expected , or }} after field {k}")
            self.take("punct", "}")
            return ("object", fields)
        raise DocError(f"{self.where}: expected a type, found {v!r}")


def parse_doc(path):
    """Returns (definitions, outputs): outputs maps a command to its type."""
    lines = open(path, encoding="utf-8").read().split("\n")
    defs, outputs, command = {}, {}, None
    blocks = []            # (command, text, line)
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^###\s+`([a-z][a-z -]*)`\s*$", line)
        if m:
            command = m.group(1)
            i += 1
            continue
        if line.startswith("    ") and (i == 0 or lines[i - 1].strip() == ""):
            start = i
            text = []
            while i < len(lines) and (lines[i].startswith("    ") or lines[i].strip() == ""):
                text.append(lines[i][4:])
                i += 1
            blocks.append((command, "\n".join(text), start + 1))
            continue
        i += 1
    for command, text, line in blocks:
        where = f"{path}:{line}"
        toks = tokenize(text, where)
        p = Parser(toks, where)
        while p.peek()[0] is not None:
            name = p.take("name")[1]
            if name == "output" and p.peek() == ("punct", ":"):
                p.take()
                if command is None:
                    raise DocError(f"{where}: output outside a command section")
                if command in outputs:
                    raise DocError(f"{where}: a second output for {command}")
                if p.peek() == ("name", "none"):
                    p.take()
                    outputs[command] = None
                else:
                    outputs[command] = p.type()
                continue
            p.take("punct", "=")
            if name in defs or name in PRIMITIVES:
                raise DocError(f"{where}: {name} is defined twice")
            defs[name] = p.type()

    def check_refs(t, where):
        if t[0] == "ref" and t[1] not in defs:
            raise DocError(f"{where}: {t[1]} is not defined")
        if t[0] in ("array", "map"):
            check_refs(t[1], where)
        elif t[0] == "union":
            for a in t[1]:
                check_refs(a, where)
        elif t[0] == "object":
            for ft, _ in t[1].values():
                check_refs(ft, where)
    for n, t in defs.items():
        check_refs(t, n)
    for c, t in outputs.items():
        if t is not None:
            check_refs(t, c)
    return defs, outputs


def describe(t):
    k = t[0]
    if k in ("prim", "ref"):
        return t[1]
    if k == "lit":
        return json.dumps(t[1], ensure_ascii=False)
    if k == "array":
        return "[" + describe(t[1]) + "]"
    if k == "map":
        return "{*: " + describe(t[1]) + "}"
    if k == "union":
        return " | ".join(describe(a) for a in t[1])
    return "{...}"


def check(defs, t, v, path, errors):
    k = t[0]
    if k == "ref":
        return check(defs, defs[t[1]], v, path, errors)
    if k == "union":
        for a in t[1]:
            sub = []
            check(defs, a, v, path, sub)
            if not sub:
                return
        errors.append(f"{path}: {json.dumps(v, ensure_ascii=False)[:80]} is not {describe(t)}")
        return
    if k == "lit":
        if v != t[1]:
            errors.append(f"{path}: {json.dumps(v, ensure_ascii=False)[:80]} is not {describe(t)}")
        return
    if k == "prim":
        p = t[1]
        ok = {
            "any": True,
            "null": v is None,
            "string": isinstance(v, str),
            "boolean": isinstance(v, bool),
            "integer": isinstance(v, int) and not isinstance(v, bool),
            "number": isinstance(v, (int, float)) and not isinstance(v, bool),
            "time": isinstance(v, str) and bool(TIME_RE.match(v)),
            "date": isinstance(v, str) and bool(DATE_RE.match(v)),
            "yuan": isinstance(v, str) and bool(YUAN_RE.match(v)),
        }[p]
        if not ok:
            errors.append(f"{path}: {json.dumps(v, ensure_ascii=False)[:80]} is not {p}")
        return
    if k == "array":
        if not isinstance(v, list):
            errors.append(f"{path}: expected an array, got {json.dumps(v, ensure_ascii=False)[:80]}")
            return
        for i, x in enumerate(v):
            check(defs, t[1], x, f"{path}[{i}]", errors)
        return
    if k == "map":
        if not isinstance(v, dict):
            errors.append(f"{path}: expected an object, got {json.dumps(v, ensure_ascii=False)[:80]}")
            return
        for key, x in v.items():
            check(defs, t[1], x, f"{path}.{key}", errors)
        return
    if k == "object":
        if not isinstance(v, dict):
            errors.append(f"{path}: expected an object, got {json.dumps(v, ensure_ascii=False)[:80]}")
            return
        for key, (ft, optional) in t[1].items():
            if key not in v:
                if not optional:
                    errors.append(f"{path}: field {key} is missing")
                continue
            check(defs, ft, v[key], f"{path}.{key}", errors)
        for key in v:
            if key not in t[1]:
                errors.append(f"{path}: field {key} is not documented")
        return
    errors.append(f"{path}: unknown schema kind {k}")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        defs, outputs = parse_doc(argv[1])
    except DocError as e:
        print(f"jsonschema: {e}", file=sys.stderr)
        return 1
    if argv[2] == "--check-doc":
        return 0
    if argv[2] == "--commands":
        for c in sorted(outputs):
            print(c)
        return 0
    command, mode = argv[2], argv[3] if len(argv) > 3 else "json"
    if command not in outputs:
        print(f"jsonschema: {command}: not documented in {argv[1]}", file=sys.stderr)
        return 1
    t = outputs[command]
    data = sys.stdin.read()
    errors = []
    if t is None:
        if data.strip():
            errors.append("output: documented as none, but there is output")
    elif mode == "jsonl":
        lines = data.splitlines()
        item = t[1] if t[0] == "array" else t
        if t[0] != "array" and len(lines) != 1:
            errors.append(f"output: expected one line, got {len(lines)}")
        for n, line in enumerate(lines, 1):
            try:
                v = json.loads(line)
            except ValueError as e:
                errors.append(f"line {n}: not JSON: {e}")
                continue
            check(defs, item, v, f"line {n}", errors)
    else:
        try:
            v = json.loads(data)
        except ValueError as e:
            errors.append(f"output: not JSON: {e}")
        else:
            check(defs, t, v, "output", errors)
    if errors:
        for e in errors[:20]:
            print(f"{command}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
