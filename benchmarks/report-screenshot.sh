#!/usr/bin/env bash
# Renders a run's report.html with headless Chromium into a PNG and checks that the page is not
# broken: the final-metrics table is there with numbers, every <img> is an inline PNG that
# decodes, and no table cell reads null / NaN / Infinity.
#
#   benchmarks/report-screenshot.sh RUN_DIR [OUT.png]     (default OUT: RUN_DIR/report.png)
#
# Needs chromium (Debian/Ubuntu: apt-get install -y chromium; or set CHROMIUM=/path/to/chrome)
# and python3. REPORT_WIDTH sets the window width in CSS pixels (default 1200); the height is the
# page's. Exit code 0 when every check passes, 1 with the reasons otherwise, 2 on bad usage.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 RUN_DIR [OUT.png]" >&2
  exit 2
fi
run_dir="$1"
report="$run_dir/report.html"
out="${2:-$run_dir/report.png}"
width="${REPORT_WIDTH:-1200}"
if [ ! -f "$report" ]; then
  echo "$report not found; write it with: ./cbns report $run_dir" >&2
  exit 2
fi
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ -z "$chromium" ]; then
  echo "chromium not found: install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A copy with one script that records the page's height, so that the screenshot is the whole page
# (the report itself has no scripts; the copy is self-contained because the charts are inline).
sed 's#</body>#<script>document.body.dataset.pageHeight = document.documentElement.scrollHeight;</script></body>#' \
  "$report" > "$work/report.html"

# --no-sandbox: Chromium refuses to start as root without it (containers, CI)
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
  --disable-dev-shm-usage --user-data-dir="$work/profile" "--window-size=$width,800")
"$chromium" "${flags[@]}" --dump-dom "file://$(realpath "$work/report.html")" \
  > "$work/dom.html" 2> "$work/chromium.log" || {
  cat "$work/chromium.log" >&2
  exit 1
}
height="$(grep -o 'data-page-height="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || true)"
if [ -z "$height" ]; then
  echo "chromium did not render the page (no height measured); its log:" >&2
  cat "$work/chromium.log" >&2
  exit 1
fi
flags[-1]="--window-size=$width,$height"
"$chromium" "${flags[@]}" --screenshot="$work/shot.png" "file://$(realpath "$work/report.html")" \
  2>> "$work/chromium.log" >/dev/null || {
  cat "$work/chromium.log" >&2
  exit 1
}
mkdir -p "$(dirname "$out")"
cp "$work/shot.png" "$out"

python3 - "$work/dom.html" "$out" <<'EOF'
import base64, html.parser, struct, sys, zlib

dom_file, shot = sys.argv[1], sys.argv[2]
problems = []

def check_png(data, what):
    """Walks every chunk (CRCs checked) and inflates the image data: the PNG decodes."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return f"{what}: not a PNG (bad signature)"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        if pos + 8 > len(data):
            return f"{what}: truncated chunk header at byte {pos}"
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            return f"{what}: truncated {kind!r} chunk"
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            return f"{what}: bad CRC in {kind!r} chunk"
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        return f"{what}: no IHDR or no IDAT"
    w, h, depth, color, _, _, interlace = ihdr
    if w == 0 or h == 0:
        return f"{what}: empty image {w}x{h}"
    try:
        raw = zlib.decompress(idat)
    except zlib.error as e:
        return f"{what}: image data does not inflate ({e})"
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(color)
    if channels and interlace == 0:
        expected = h * (1 + (w * channels * depth + 7) // 8)
        if len(raw) != expected:
            return f"{what}: {len(raw)} bytes of pixels, expected {expected} for {w}x{h}"
    return None

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.cells, self.tables, self.h1 = [], [], {}, ""
        self.cell, self.table_id, self.in_h1 = None, None, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append((a.get("alt", "?"), a.get("src", "")))
        elif tag == "table":
            self.table_id = a.get("id", "")
            self.tables.setdefault(self.table_id, [])
        elif tag == "tr" and self.table_id is not None:
            self.tables[self.table_id].append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "h1":
            self.in_h1 = True
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.cells.append(self.cell.strip())
            if self.table_id is not None and self.tables[self.table_id]:
                self.tables[self.table_id][-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.table_id = None
        elif tag == "h1":
            self.in_h1 = False
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_h1:
            self.h1 += data

page = Page()
page.feed(open(dom_file, encoding="utf-8").read())

if not page.h1.strip():
    problems.append("no title (<h1>)")
metrics = page.tables.get("final-metrics")
if not metrics:
    problems.append("no final-metrics table")
else:
    header, *rows = metrics
    if len(rows) < 2:
        problems.append(f"final-metrics table has {len(rows)} rows, expected model and most popular")
    for row in rows:
        for cell in row[1:]:
            try:
                float(cell)
            except ValueError:
                problems.append(f"final-metrics cell {cell!r} in row {row[0]!r} is not a number")
for cell in page.cells:
    if cell.lower() in ("null", "nan", "infinity", "-infinity", "undefined"):
        problems.append(f"a table cell reads {cell!r}")
if not page.imgs:
    problems.append("no charts (<img>)")
for alt, src in page.imgs:
    prefix = "data:image/png;base64,"
    if not src.startswith(prefix):
        problems.append(f"image {alt!r} is not an inline PNG: {src[:40]!r}")
        continue
    try:
        data = base64.b64decode(src[len(prefix):], validate=True)
    except ValueError as e:
        problems.append(f"image {alt!r}: bad base64 ({e})")
        continue
    p = check_png(data, f"image {alt!r}")
    if p:
        problems.append(p)
p = check_png(open(shot, "rb").read(), "screenshot")
if p:
    problems.append(p)

if problems:
    print("report is broken:", file=sys.stderr)
    for p in problems:
        print("  - " + p, file=sys.stderr)
    sys.exit(1)
w, h = struct.unpack(">II", open(shot, "rb").read()[16:24])
print(f"ok: {len(page.imgs)} charts, {len(metrics) - 1} metric rows; screenshot {shot} ({w}x{h})")
EOF
