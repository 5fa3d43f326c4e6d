#!/usr/bin/env bash
# tangle report end to end: two tiny training runs and a VQE run, beside a run with a broken
# summary.json, one with a broken metrics.jsonl, a directory that is no run and a missing path.
# Each bad path gives one stderr line; the page, opened in headless Chromium, has one table row per
# good run, a curve per run in each chart, sorts on a header click and renders to a non-blank image.
# Usage: report_test.sh TANGLE_BINARY PYTHON
set -u
tangle=$1
python=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export TANGLE_PLOT_SCRIPT="$work/no-plots.py"  # the report reads the runs' files, not their plots

tiny=(--set model.qubits=2 --set model.layers=1 --batch 16 --epochs 2 --quiet
      --set 'preprocess=[{"op": "scale", "divisor": 16.0}, {"op": "flatten"}, {"op": "train_subset", "size": 160}]')
runs=$work/runs
for seed in 1 2; do
  "$tangle" train --model hybrid --seed $seed --out "$runs/seed$seed" "${tiny[@]}" >"$work/train$seed.out" 2>&1 ||
    fail "training seed $seed failed: $(cat "$work/train$seed.out")"
done
"$tangle" vqe --model tfim --qubits 2 --layers 1 --iterations 30 --quiet --out "$work/vqe" >"$work/vqe.out" 2>&1 ||
  fail "tangle vqe failed: $(cat "$work/vqe.out")"

# Bad paths: a summary cut short, a metrics line that is no JSON, a folder without runs, no folder.
mkdir -p "$runs/broken" "$runs/badmetrics" "$work/notes"
cp "$runs/seed1/config.json" "$runs/broken/"
printf '{"test_accuracy": 0.5,' >"$runs/broken/summary.json"
cp "$runs/seed1/config.json" "$runs/seed1/summary.json" "$runs/badmetrics/"
printf '{"epoch": 1, "train_loss": 0.5}\n{"epoch": 2, train_loss}\n' >"$runs/badmetrics/metrics.jsonl"
echo "text" >"$work/notes/readme.txt"
# A name that must be escaped: a copy of a good run.
odd='x<i>y&z'
cp -r "$runs/seed2" "$runs/$odd"

"$tangle" report "$runs" "$work/vqe" "$work/notes" "$work/nope" -o "$work/report.html" --title 'Runs <&>' \
  >"$work/report.out" 2>"$work/report.err"
rc=$?
[ $rc -eq 0 ] || fail "tangle report exited $rc: $(cat "$work/report.err")"
[ -s "$work/report.html" ] || fail "no report.html"
[ "$(wc -l <"$work/report.err")" -eq 4 ] || fail "expected 4 stderr lines, got: $(cat "$work/report.err")"
expect_line() {
  grep -qF -- "$1" "$work/report.err" || fail "stderr lacks '$1': $(cat "$work/report.err")"
}
expect_line "tangle report: skipping $runs/broken: summary.json: parse error at byte 23 (line 1, column 23)"
expect_line "tangle report: skipping $runs/badmetrics: metrics.jsonl: line 2: parse error at byte"
expect_line "tangle report: skipping $work/notes: not a run directory"
expect_line "tangle report: skipping $work/nope: no such file or directory"
grep -q "report: $work/report.html (4 runs, 4 skipped)" "$work/report.out" ||
  fail "unexpected stdout: $(cat "$work/report.out")"
[ -z "$(find "$work" -maxdepth 1 -name '.report.html.tmp*')" ] || fail "a temporary file was left behind"

# No good run: exit code 1, a clear message, and the earlier page untouched.
cp "$work/report.html" "$work/before.html"
"$tangle" report "$work/nope" "$runs/broken" -o "$work/report.html" >/dev/null 2>"$work/none.err"
rc=$?
[ $rc -eq 1 ] || fail "tangle report without a good run exited $rc, expected 1"
grep -q "no runs to report" "$work/none.err" || fail "no 'no runs to report' message: $(cat "$work/none.err")"
cmp -s "$work/report.html" "$work/before.html" || fail "a failed report changed the existing page"

# An --output that is not a page (a run's config.json, a device, a folder) is never replaced.
cp "$runs/seed1/config.json" "$work/config-before.json"
cp "$work/config-before.json" "$work/config.json"
mkfifo "$work/pipe"
for target in "$work/config.json" "$work/pipe" "$work"; do
  "$tangle" report "$runs" -o "$target" >/dev/null 2>"$work/out.err"
  rc=$?
  [ $rc -eq 1 ] || fail "tangle report -o $target exited $rc, expected 1"
  grep -q "$target" "$work/out.err" || fail "tangle report -o $target: no message naming it: $(cat "$work/out.err")"
done
cmp -s "$work/config.json" "$work/config-before.json" || fail "tangle report overwrote a file that is not a page"
[ -p "$work/pipe" ] || fail "tangle report replaced a pipe with a file"

# The page in a browser. Stderr of Chromium (dbus, crashpad) is noise; missing outputs are not.
chrome=(timeout 120 chromium --headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions
        --user-data-dir="$work/chrome")
if ! command -v chromium >/dev/null; then
  fail "chromium not found (scripts/bootstrap installs it)"
else
  "${chrome[@]}" --dump-dom "file://$work/report.html" >"$work/dom.html" 2>"$work/chrome.err"
  [ -s "$work/dom.html" ] || fail "chromium --dump-dom wrote nothing: $(tail -3 "$work/chrome.err")"
  # The sort script, clicked twice on "Seed" (descending), in a copy of the page.
  click='const s = [...document.querySelectorAll("th")].find(t => t.textContent === "Seed"); s.click(); s.click();'
  sed "s#</body>#<script>$click</script></body>#" "$work/report.html" >"$work/sorted.html"
  "${chrome[@]}" --dump-dom "file://$work/sorted.html" >"$work/sorted_dom.html" 2>>"$work/chrome.err"
  "${chrome[@]}" --screenshot="$work/shot.png" --window-size=1200,900 "file://$work/report.html" \
    >/dev/null 2>>"$work/chrome.err"
  [ -s "$work/shot.png" ] || fail "chromium --screenshot wrote nothing: $(tail -3 "$work/chrome.err")"

  "$python" - "$work/dom.html" "$work/sorted_dom.html" "$runs" "$work/vqe" "$odd" <<'PY' || fail "the page's DOM"
import html.parser, sys

class Page(html.parser.HTMLParser):
    """Rows of the runs table (cell texts) and the curves of each chart."""
    def __init__(self):
        super().__init__()
        self.rows, self.curves, self.chart, self.cell, self.tags = [], {}, None, None, []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "tr" and a.get("class") == "run":
            self.rows.append([])
        elif tag == "td" and self.rows is not None and self.rows:
            self.cell = ""
        elif tag == "svg":
            self.chart = a.get("id")
            self.curves[self.chart] = 0
        elif tag == "path" and a.get("class") == "curve":
            self.curves[self.chart] += 1
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    return p

page = parse(sys.argv[1])
runs, vqe, odd = sys.argv[3], sys.argv[4], sys.argv[5]
names = [row[0] for row in page.rows]
want = [f"{runs}/seed1", f"{runs}/seed2", f"{runs}/{odd}", vqe]
assert names == want, names
assert "i" not in page.tags, "a run name was not escaped"
assert "<title>Runs &lt;&amp;&gt;</title>" in open(sys.argv[1], encoding="utf-8").read()
# Train and validation curves of the three training runs; the VQE energy and its exact line.
assert page.curves.get("chart-loss", 0) >= 3 and page.curves.get("chart-accuracy", 0) >= 3, page.curves
assert page.curves.get("chart-energy", 0) >= 1, page.curves
assert all(c.endswith("%") for c in page.rows[0][5:7]), page.rows[0]  # best validation, test accuracy
# Seeds 1, 2, 2 (the copy) and 0 (VQE), descending; equal seeds keep their order.
sorted_names = [row[0] for row in parse(sys.argv[2]).rows]
assert sorted_names == [f"{runs}/seed2", f"{runs}/{odd}", f"{runs}/seed1", vqe], sorted_names
PY

  "$python" - "$work/shot.png" <<'PY' || fail "the screenshot looks blank"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and colour in (2, 6), (depth, colour)
bpp = 3 if colour == 2 else 4
raw, stride = zlib.decompress(idat), width * bpp
prev, colours = bytearray(stride), set()
for y in range(height):  # undo the PNG row filters
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: row[i] = (row[i] + a) & 255
        elif f == 2: row[i] = (row[i] + b) & 255
        elif f == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(bytes(row[i:i + 3]) for i in range(0, stride, bpp))
    prev = row
# The runs' swatch colours (#4e79a7, #f28e2b) among many others.
assert bytes.fromhex("4e79a7") in colours and bytes.fromhex("f28e2b") in colours, len(colours)
assert len(colours) >= 20, len(colours)
PY
fi

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli report: all checks passed"
