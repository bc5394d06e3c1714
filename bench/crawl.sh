#!/usr/bin/env bash
# Whole-crawl benchmark: otcwatch against wget2 on the 20,000-page generated site, served by
# Debian's nginx on loopback. See the "Crawl" section of bench/RESULTS.md.
#
#   bench/crawl.sh                       (ROUNDS=3 PORT=18080 NGINX_WORKERS=1 by default)
#   PROFILE=1 bench/crawl.sh             (then one more otcwatch crawl under `perf record`)
#
# Steps: installs nginx and wget2 with apt if missing; `cargo build --release`; generates the
# site once with ../shared/bench/gen_site.py into $OTCBENCH_DIR/site (default
# /var/tmp/otcbench; never inside the repo); starts nginx with ../shared/bench/nginx.conf.in;
# then ROUNDS rounds, each running otcwatch (`crawl --once`, delay 0, 64 in flight, extraction
# and the sled store on, a fresh db every run) and wget2 (`--recursive`, robots on, 64 threads,
# bodies deleted after parsing) one after the other, the order swapped every round. Each
# crawler runs under `/usr/bin/time -v`; nginx's access log (cut between runs) gives pages
# fetched, duplicates, /private/ hits (robots.txt) and the off-site server's log gives off-site
# hits. Prints a table per run with medians, then checks the last otcwatch db's accounts
# against the site's truth file. nginx is stopped on exit.
#
# Env: ROUNDS, PORT, NGINX_WORKERS (1 or 2), OTCBENCH_DIR, OTCWATCH_SHARED (default ../shared),
# REV (commit to build, default HEAD; "worktree" for the working tree as it is), OTCWATCH_BIN
# (skip the build and use this binary), PROFILE=1, PERF_FREQ (default 499).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
shared="${OTCWATCH_SHARED:-$repo/../shared}"
work="${OTCBENCH_DIR:-/var/tmp/otcbench}"
rounds="${ROUNDS:-3}"
port="${PORT:-18080}"
workers="${NGINX_WORKERS:-1}"
pages_n=20000
site="$work/site"
truth="$work/site.truth.tsv"
run="$work/crawl"            # nginx prefix, logs, per-run dbs and outputs
stats="$repo/bench/crawl_stats.py"

case "$site/" in "$repo/"*) echo "refusing to generate the site inside the repo" >&2; exit 2 ;; esac

# --- tools ----------------------------------------------------------------------------------
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wget2 >/dev/null 2>&1 || need+=(wget2)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# --- build ---------------------------------------------------------------------------------
# Other people edit the working tree while this runs, so by default the binary is built from a
# clean export of a commit (REV, default HEAD) into $work/build-<sha>, with its own target dir
# ($work/target, seeded from the repo's target/release so dependencies are not rebuilt).
# REV=worktree builds the working tree in place instead.
if [ -n "${OTCWATCH_BIN:-}" ]; then
    bin="$OTCWATCH_BIN"
    rev="given binary"
elif [ "${REV:-HEAD}" = worktree ]; then
    cargo build --release --locked --bin otcwatch >&2
    bin="$repo/target/release/otcwatch"
    rev="$(git -C "$repo" rev-parse --short HEAD)"
    git -C "$repo" diff --quiet HEAD -- src Cargo.toml Cargo.lock || rev="$rev+uncommitted"
else
    sha="$(git -C "$repo" rev-parse --short "${REV:-HEAD}")"
    src="$work/build-$sha"
    if [ ! -f "$src/Cargo.toml" ]; then
        rm -rf "$src.tmp"
        mkdir -p "$src.tmp"
        git -C "$repo" archive "$sha" | tar -x -C "$src.tmp"
        mv "$src.tmp" "$src"
    fi
    # A [[bench]] whose file was never committed stops cargo from reading the manifest;
    # an empty stub lets the binary build (benches are not used here).
    for name in $(awk '/^\[\[bench\]\]/{b=1;next} b&&/^name *=/{gsub(/[" ]/,"",$0);sub(/name=/,"");print;b=0}' "$src/Cargo.toml"); do
        if [ ! -e "$src/benches/$name.rs" ] && [ ! -e "$src/benches/$name/main.rs" ]; then
            echo "note: benches/$name.rs is not in $sha; stubbing it in the export" >&2
            mkdir -p "$src/benches"
            echo 'fn main() {}' >"$src/benches/$name.rs"
        fi
    done
    if [ ! -d "$work/target/release" ] && [ -d "$repo/target/release" ]; then
        mkdir -p "$work/target"
        cp -a "$repo/target/release" "$work/target/release"
    fi
    (cd "$src" && CARGO_TARGET_DIR="$work/target" cargo build --release --locked --bin otcwatch >&2)
    bin="$work/target/release/otcwatch"
    rev="$sha"
fi

# --- site -----------------------------------------------------------------------------------
mkdir -p "$work"
if [ ! -f "$site/index.html" ] || [ ! -f "$truth" ]; then
    echo "generating $pages_n pages into $site" >&2
    rm -rf "$site"
    python3 "$shared/bench/gen_site.py" "$site" "$pages_n" >&2
fi
# Into the page cache, so that neither crawler pays for the first cold read.
find "$site" -type f -print0 | xargs -0 cat >/dev/null

# --- nginx ----------------------------------------------------------------------------------
rm -rf "$run"
mkdir -p "$run"
sed -e "s#@RUN@#$run#g" -e "s#@PORT@#$port#g" -e "s#@SITE@#$site#g" -e "s#@WORKERS@#$workers#g" \
    "$shared/bench/nginx.conf.in" >"$run/nginx.conf"
stop_nginx() {
    if [ -s "$run/nginx.pid" ]; then
        kill "$(cat "$run/nginx.pid")" 2>/dev/null || true
        sleep 0.3
    fi
}
trap stop_nginx EXIT
"$nginx_bin" -c "$run/nginx.conf" -p "$run" -e "$run/error.log"
for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/robots.txt" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/robots.txt"
base="http://127.0.0.1:$port/"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
{
    echo "otcwatch $rev ($bin), $(wget2 --version | head -1), $($nginx_bin -v 2>&1)"
    echo "$(nproc) cores, $cpu; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$run/machine.txt" >&2

cat >"$run/seeds.toml" <<EOF
[defaults]
delay = "0s"
concurrency_per_host = 64
global_concurrency = 64
max_pages = 100000
max_depth = 100

[[site]]
name = "bench"
url = "$base"
EOF

# Empties nginx's logs (opened O_APPEND, so truncating is safe while nginx runs).
cut_logs() {
    sleep 0.3
    : >"$run/access.log"
    : >"$run/offsite.log"
}

# Moves this run's logs aside and appends its JSON line to results.jsonl.
record() {
    local tool=$1 round=$2 wall=$3 rc=$4; shift 4
    sleep 0.3
    cp "$run/access.log" "$run/$tool-$round.access.log"
    cp "$run/offsite.log" "$run/$tool-$round.offsite.log"
    python3 "$stats" run --tool "$tool" --round "$round" --site "$site" \
        --access "$run/$tool-$round.access.log" --offsite "$run/$tool-$round.offsite.log" \
        --time "$run/$tool-$round.time" --wall "$wall" --rc "$rc" "$@" >>"$run/results.jsonl"
    tail -1 "$run/results.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("  %s round %d: %d pages in %.2fs = %.0f pages/s, %.3f CPU ms/page, %.1f MB peak RSS, %d missed, %d dup URL, %d private, %d off-site, exit %d" % (r["tool"], r["round"], r["pages"], r["wall"], r["pages_per_s"], r["cpu_ms_per_page"], r["rss_mb"], r["missed"], r["dup_uri"], r["private"], r["offsite"], r["rc"]))' >&2
}

now() { date +%s.%N; }

# Percent of both cores idle over the next two seconds (others' builds and fuzzers show here).
idle_pct() {
    local a b
    a=$(awk '/^cpu /{print $5+$6, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    sleep 2
    b=$(awk '/^cpu /{print $5+$6, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    echo "$a $b" | awk '{printf "%.0f", 100 * ($3 - $1) / ($4 - $2)}'
}

run_otcwatch() {
    local round=$1 db="$run/db-otcwatch-$1" rc=0 t0 t1
    rm -rf "$db"
    cut_logs
    t0=$(now)
    /usr/bin/time -v -o "$run/otcwatch-$round.time" \
        "$bin" crawl --once --seeds "$run/seeds.toml" --db "$db" --log-format json \
        >"$run/otcwatch-$round.out" 2>"$run/otcwatch-$round.log" || rc=$?
    t1=$(now)
    record otcwatch "$round" "$(echo "$t1 - $t0" | bc -l)" "$rc" \
        --db-bytes "$(du -sb "$db" | cut -f1)"
}

run_wget2() {
    local round=$1 dir="$run/wget2-$1" rc=0 t0 t1
    rm -rf "$dir"
    mkdir -p "$dir"
    cut_logs
    t0=$(now)
    # --level=0 is unlimited depth; --robots is on by default and stated for clarity.
    # Bodies are parsed for links, then deleted (--delete-after); HTTP/2 is not offered by
    # this nginx server block, so both crawlers speak HTTP/1.1 over keep-alive connections.
    /usr/bin/time -v -o "$run/wget2-$round.time" \
        wget2 --recursive --level=0 --no-parent --robots=on --max-threads=64 \
        --no-verbose --delete-after --directory-prefix="$dir" -o "$run/wget2-$round.log" \
        "$base" || rc=$?
    t1=$(now)
    rm -rf "$dir"
    record wget2 "$round" "$(echo "$t1 - $t0" | bc -l)" "$rc"
}

for round in $(seq "$rounds"); do
    echo "round $round of $rounds: load $(cut -d' ' -f1-3 /proc/loadavg), $(idle_pct)% idle before" \
        | tee -a "$run/machine.txt" >&2
    if [ $((round % 2)) -eq 1 ]; then
        run_otcwatch "$round"
        run_wget2 "$round"
    else
        run_wget2 "$round"
        run_otcwatch "$round"
    fi
    # Keep the last otcwatch db only (for the truth check).
    [ "$round" -gt 1 ] && rm -rf "$run/db-otcwatch-$((round - 1))"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$run/machine.txt" >&2

echo
cat "$run/machine.txt"
echo
python3 "$stats" table "$run/results.jsonl" | tee "$run/table.md"

# --- findings against the truth file ----------------------------------------------------------
last_db="$run/db-otcwatch-$rounds"
if [ -d "$last_db" ]; then
    "$bin" accounts --db "$last_db" --format jsonl >"$run/accounts.jsonl"
    echo
    echo "Findings of otcwatch round $rounds against $truth:"
    python3 "$stats" truth --truth "$truth" --accounts "$run/accounts.jsonl" | tee "$run/truth.md"
fi

# --- optional profile -------------------------------------------------------------------------
if [ "${PROFILE:-0}" = 1 ]; then
    db="$run/db-profile"
    rm -rf "$db"
    cut_logs
    echo "profiling one otcwatch crawl with perf record -F ${PERF_FREQ:-499} --call-graph dwarf" >&2
    perf record -F "${PERF_FREQ:-499}" --call-graph dwarf,32768 -o "$run/perf.data" -- \
        "$bin" crawl --once --seeds "$run/seeds.toml" --db "$db" --log-format json \
        >/dev/null 2>"$run/profile.log"
    perf report -i "$run/perf.data" --no-children --sort dso,symbol --stdio -g none \
        --percent-limit 0.7 2>/dev/null | grep -v '^$' | head -60 | tee "$run/perf-self.txt"
    # Who owns the time: each sample goes to the innermost frame of a known crate or module.
    perf script -i "$run/perf.data" -F comm,tid,ip,sym,dso 2>/dev/null \
        | python3 "$repo/bench/perf_owners.py" | tee "$run/perf-owners.md"
    echo "perf data: $run/perf.data" >&2
fi
