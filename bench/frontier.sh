#!/usr/bin/env bash
# Frontier throughput and peak RSS with millions of queued URLs (benches/frontier.rs), written
# to the "Frontier" section of bench/RESULTS.md. Other sections of that file are left alone.
#
#   bench/frontier.sh [N]      (default 5000000 URLs; about 5 minutes and 3 GB of temp disk)
#
# The measurement runs in a fresh sled database under $TMPDIR, removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5000000}"
results=bench/RESULTS.md

# Cargo's progress goes to stderr (shown); the bench's figures go to stdout (kept).
out=$(OTCWATCH_FRONTIER_N="$n" cargo bench --bench frontier)
printf '%s\n' "$out"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
    echo "## Frontier"
    echo
    echo "Queue, dedup and drain rates of \`store::Db\` and the process's peak RSS with $n URLs"
    echo "queued on one site (sled cache 64 MiB). Target: peak RSS under 300 MB at 5,000,000."
    echo "Recorded $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD) on $(nproc) cores ($cpu), $(rustc --version):"
    echo
    echo '```text'
    echo "\$ bench/frontier.sh $n    # OTCWATCH_FRONTIER_N=$n cargo bench --bench frontier"
    printf '%s\n' "$out"
    echo '```'
    echo
} >"$section"

[ -f "$results" ] || printf '# Benchmark results\n' >"$results"
tmp=$(mktemp "$results.XXXXXX")
# Replace the Frontier section (up to the next "## " heading) in place, or append it.
awk -v section="$section" '
    BEGIN { while ((getline line < section) > 0) new = new line "\n" }
    /^## / && skipping { skipping = 0 }
    /^## Frontier[[:space:]]*$/ { printf "%s", new; skipping = 1; done = 1; next }
    !skipping { print }
    END { if (!done) printf "\n%s", new }
' "$results" >"$tmp"
mv "$tmp" "$results"
echo "updated the Frontier section of $results" >&2
