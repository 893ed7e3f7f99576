#!/usr/bin/env python3
"""html_check.py - check the HTML report (aftersales report html) against
the JSON reports it is made of, and count what its charts draw.

  html_check.py numbers PAGE -- AFTERSALES_ARGS...
      Every table cell with data-k must equal the value at that path in the
      JSON output of the table's data-source command, run as
      AFTERSALES_ARGS + source + --from/--to/--station of the page (given
      after --) + --format json.  Prints "cells N tables M commands K".
  html_check.py charts PAGE -- AFTERSALES_ARGS...
      For every chart: the bars (rect.bar) and points (circle.pt) it draws
      must be exactly the non-null values its series name in the JSON of its
      source (data-series paths, '*' for rows 0 .. data-n - 1).  PAGE may be
      the page or a browser's --dump-dom of it (HTML, not XML).  Prints
      "charts N bars B points P".
  html_check.py png FILE MIN_COLOURS
      FILE is a PNG whose pixels have at least MIN_COLOURS distinct colours
      (a page with charts drawn; a blank page has one or two).

Exit 0 when every check holds, 1 with the differences otherwise.
"""
import html.parser
import json
import subprocess
import struct
import sys
import zlib


class Page(html.parser.HTMLParser):
    """The page's tables (cells with data-k) and charts (bars, points)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = []       # {source, no_period, cells: [(k, text)], rows}
        self.charts = []       # {id, source, n, series, bars, points}
        self.figure = None
        self.chart = None
        self.table = None
        self.cell = None       # [k, text parts]
        self.period = None
        self.nodata = []
        self.in_tbody = False
        self.meta_csp = None
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.meta_csp = a.get("content")
        if tag == "p" and "data-period" in a:
            self.period = a["data-period"]
        if tag == "p" and "data-nodata" in a:
            self.nodata.append(a["data-nodata"])
        if tag == "figure" and "data-series" in a:
            self.figure = a
        if tag == "svg" and "data-chart" in a:
            f = self.figure or {}
            self.chart = {
                "id": a["data-chart"],
                "source": f.get("data-source"),
                "n": int(f.get("data-n", "0")),
                "series": (f.get("data-series") or "").split(),
                "no_period": f.get("data-period") == "none",
                "no_station": f.get("data-station") == "none",
                "bars": 0,
                "points": 0,
            }
            self.charts.append(self.chart)
        if self.chart is not None:
            cls = (a.get("class") or "").split()
            if tag == "rect" and "bar" in cls:
                self.chart["bars"] += 1
            if tag == "circle" and "pt" in cls:
                self.chart["points"] += 1
        if tag == "table" and "data-source" in a:
            self.table = {"source": a["data-source"], "no_period": a.get("data-period") == "none",
                          "no_station": a.get("data-station") == "none", "cells": [], "rows": 0}
            self.tables.append(self.table)
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.table is not None and self.in_tbody:
            self.table["rows"] += 1
        if tag in ("td", "th") and self.table is not None and "data-k" in a:
            self.cell = [a["data-k"], []]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None
        if tag == "figure":
            self.figure = None
        if tag == "tbody":
            self.in_tbody = False
        if tag == "table":
            self.table = None
        if tag in ("td", "th") and self.cell is not None:
            self.table["cells"].append((self.cell[0], "".join(self.cell[1]).strip()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1].append(data)


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p


def at(doc, path):
    for part in path.split("/"):
        if isinstance(doc, list):
            doc = doc[int(part)]
        else:
            doc = doc[part]
    return doc


def same(text, value):
    """Does the cell's text show this JSON value?"""
    if value is None:
        return text == "\u2014"
    if isinstance(value, bool):
        return text == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            shown = float(text.replace(",", ""))
        except ValueError:
            return False
        return abs(shown - value) < 1e-9
    # The page shows U+FFFD for the non-characters XML does not allow.
    return text == str(value).replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


class Runner:
    def __init__(self, page, argv):
        self.page = page
        self.argv = argv
        self.cache = {}

    def json_of(self, source, no_period, no_station):
        key = (source, no_period, no_station)
        if key not in self.cache:
            period = []
            if not no_period:
                frm, to = self.page.period.split("/")
                period = ["--from", frm, "--to", to]
            station = []
            if self.page.station and not no_station:
                station = ["--station", self.page.station]
            cmd = self.argv + ["--format", "json"] + source.split() + period + station
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit("%s: exit %d: %s" % (" ".join(cmd), out.returncode, out.stderr))
            self.cache[key] = json.loads(out.stdout)
        return self.cache[key]


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "png":
        return png(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    mode, path, argv = sys.argv[1], sys.argv[2], sys.argv[4:]
    station = None
    if "--station" in argv:
        i = argv.index("--station")
        station = argv[i + 1]
        del argv[i:i + 2]
    page = parse(path)
    page.station = station
    if not page.period:
        sys.exit("the page names no period (p[data-period])")
    run = Runner(page, argv)
    bad = []
    if mode == "numbers":
        cells = 0
        for t in page.tables:
            doc = run.json_of(t["source"], t["no_period"], t["no_station"])
            for k, text in t["cells"]:
                cells += 1
                try:
                    v = at(doc, k)
                except (KeyError, IndexError, ValueError, TypeError):
                    bad.append("%s: %s: no such value in the JSON" % (t["source"], k))
                    continue
                if not same(text, v):
                    bad.append("%s: %s: page shows %r, JSON has %r" % (t["source"], k, text, v))
        print("cells %d tables %d commands %d" % (cells, len(page.tables), len(run.cache)))
    elif mode == "charts":
        bars = points = 0
        for c in page.charts:
            doc = run.json_of(c["source"], c["no_period"], c["no_station"])
            want = 0
            for s in c["series"]:
                for i in range(c["n"]):
                    try:
                        if at(doc, s.replace("*", str(i))) is not None:
                            want += 1
                    except (KeyError, IndexError, ValueError, TypeError):
                        bad.append("%s: %s row %d: no such value" % (c["id"], s, i))
            got = c["bars"] + c["points"]
            if got != want:
                bad.append("%s: draws %d bars and %d points, its JSON has %d values"
                           % (c["id"], c["bars"], c["points"], want))
            bars += c["bars"]
            points += c["points"]
        print("charts %d bars %d points %d" % (len(page.charts), bars, points))
    else:
        sys.exit(__doc__)
    for b in bad:
        print("MISMATCH " + b)
    return 1 if bad else 0


def png(path, least):
    """Count the distinct colours of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        print("not a PNG")
        return 1
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                print("unexpected PNG kind: depth %d colour type %d" % (depth, ctype))
                return 1
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        if y % 4 == 0:
            for i in range(0, stride, bpp * 2):
                colours.add(bytes(line[i:i + 3]))
        prev = line
    print("png %dx%d colours %d" % (width, height, len(colours)))
    return 0 if len(colours) >= least else 1


if __name__ == "__main__":
    sys.exit(main())
