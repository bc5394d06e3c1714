#!/usr/bin/env bash
# One ~50 MB document through `otcwatch extract`: an HTML file (generated pages concatenated)
# and a single-line text file (their visible text on one line). Prints wall time, CPU time,
# peak RSS and the number of findings for each. See bench/RESULTS.md ("Large input").
#
#   bench/big-input.sh [WORKDIR] [html|text|both]
#
# WORKDIR defaults to /var/tmp/otcwatch-big (never inside the repo); the inputs are kept there
# and reused. Which documents to run defaults to both.
#
# Needs python3 and ../shared/bench/gen_site.py (falls back to the dev corpus, repeated).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="${1:-/var/tmp/otcwatch-big}"
which="${2:-both}"
shared="${OTCWATCH_SHARED:-../shared}"
target_bytes=$((50 * 1000 * 1000))
mkdir -p "$work"

cargo build --release --locked --bin otcwatch >&2
bin="$repo/target/release/otcwatch"

html="$work/big.html"
text="$work/big.txt"
if [ ! -s "$html" ]; then
    if [ -f "$shared/bench/gen_site.py" ]; then
        # ~22.5 KB a page: 2300 pages is a little over 50 MB.
        [ -d "$work/site" ] || python3 "$shared/bench/gen_site.py" "$work/site" 2300 >&2
        src_dir="$work/site"
    else
        echo "note: $shared/bench/gen_site.py missing; repeating the dev corpus" >&2
        src_dir="$shared/corpus/dev"
    fi
    python3 - "$src_dir" "$html" "$target_bytes" <<'PY'
import pathlib, sys
src, out, limit = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pages = sorted(p for p in src.rglob("*.html"))
written = 0
with open(out, "wb") as f:
    while written < limit:
        for p in pages:
            data = p.read_bytes()
            f.write(data)
            written += len(data)
            if written >= limit:
                break
PY
fi
if [ ! -s "$text" ]; then
    # Visible text without any markup, newlines folded to spaces: one 50 MB line.
    python3 - "$html" "$text" "$target_bytes" <<'PY'
import html, re, sys
src, out, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = open(src, encoding="utf-8").read()
doc = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", doc)
doc = re.sub(r"(?s)<[^>]*>", " ", doc)
doc = html.unescape(doc).replace("<", " ").replace(">", " ")
line = re.sub(r"\s+", " ", doc).strip()
data = line.encode()
chunks, size = [], 0
while size < limit:
    take = data[: limit - size]
    chunks.append(take)
    size += len(take)
    if size < limit:
        chunks.append(b" ")
        size += 1
body = b"".join(chunks)
# Do not end in the middle of a UTF-8 sequence.
body = body.decode("utf-8", "ignore").encode()
open(out, "wb").write(body + b"\n")
PY
fi

run() {
    local name="$1" file="$2"
    local out="$work/$name.jsonl" stats="$work/$name.time"
    /usr/bin/time -v "$bin" extract --format jsonl "$file" >"$out" 2>"$stats"
    local bytes wall user sys rss
    bytes=$(stat -c %s "$file")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$stats")
    user=$(sed -n 's/.*User time (seconds): //p' "$stats")
    sys=$(sed -n 's/.*System time (seconds): //p' "$stats")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$stats")
    printf '%-5s %6.1f MB  wall %-8s user %6ss sys %5ss  peak RSS %6.1f MB  (%.1fx input)  %s findings  %.1f MB/s\n' \
        "$name" "$(echo "$bytes / 1000000" | bc -l)" "$wall" "$user" "$sys" \
        "$(echo "$rss * 1024 / 1000000" | bc -l)" "$(echo "$rss * 1024 / $bytes" | bc -l)" \
        "$(wc -l <"$out")" "$(echo "$bytes / 1000000 / ($user + $sys)" | bc -l)"
}

rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "no git")
git -C "$repo" diff --quiet HEAD 2>/dev/null || rev="$rev (working tree differs)"
echo "otcwatch $rev; $(nproc) cores;$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
[ "$which" = text ] || run html "$html"
[ "$which" = html ] || run text "$text"
