#!/usr/bin/env bash
# Fuzz the extraction path (bytes → charset::decode → Document::parse → extract::findings) with
# cargo-fuzz, seeded with the dev corpus. See fuzz/README.md.
#
#   bench/fuzz.sh [SECONDS] [extra libFuzzer flags…]     (default 600 seconds)
#
# cargo-fuzz needs nightly-only rustc flags; with only a stable toolchain installed it runs
# under RUSTC_BOOTSTRAP=1. Crashes land in fuzz/artifacts/extract/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
shift || true

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

corpus=fuzz/corpus/extract
mkdir -p "$corpus"
shared="${OTCWATCH_SHARED:-../shared}"
if compgen -G "$shared/corpus/dev/*.html" >/dev/null; then
    # Existing files are kept; some coreutils versions report the skip as a failure.
    cp -n "$shared"/corpus/dev/*.html "$corpus"/ 2>/dev/null || true
else
    echo "note: no seed documents in $shared/corpus/dev; starting from an empty corpus" >&2
fi

export RUSTC_BOOTSTRAP=1
cd fuzz
exec cargo fuzz run extract "corpus/extract" -- \
    -dict=extract.dict \
    -max_total_time="$secs" \
    -rss_limit_mb=2048 \
    -max_len=65536 \
    -print_final_stats=1 \
    "$@"
