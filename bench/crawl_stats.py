#!/usr/bin/env python3
"""Helper for bench/crawl.sh: turns one crawl's nginx logs and `/usr/bin/time -v` output into a
JSON line, prints the per-round table with medians, and checks otcwatch's findings against the
generated site's truth file.

  crawl_stats.py run --tool T --round R --site SITE --access LOG --offsite LOG --time FILE
                     --wall SECONDS --rc CODE [--db-bytes N]           -> one JSON line
  crawl_stats.py table RESULTS.jsonl                                   -> markdown tables
  crawl_stats.py truth --truth SITE.truth.tsv --accounts ACCOUNTS.jsonl -> markdown summary
"""
import argparse
import collections
import json
import os
import re
import statistics
import sys

# combined: ip - user [time] "METHOD URI PROTO" status bytes "referer" "agent"
LINE = re.compile(r'^(\S+) \S+ \S+ \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d{3}) (\d+|-)')


def expected_pages(site):
    """Every allowed page of the generated site, as the path a crawler requests."""
    pages = {"/index.html"}
    pdir = os.path.join(site, "p")
    for sub in os.listdir(pdir):
        for name in os.listdir(os.path.join(pdir, sub)):
            if name.endswith(".html"):
                pages.add("/p/%s/%s" % (sub, name))
    return pages


def parse_time(path):
    """User, system (s) and max RSS (KB) from `/usr/bin/time -v`."""
    out = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("User time (seconds):"):
                out["user"] = float(line.split(":")[1])
            elif line.startswith("System time (seconds):"):
                out["sys"] = float(line.split(":")[1])
            elif line.startswith("Maximum resident set size (kbytes):"):
                out["rss_kb"] = int(line.split(":")[1])
            elif line.startswith("File system outputs:"):
                out["fs_out_blocks"] = int(line.split(":")[1])
            elif line.startswith("Exit status:"):
                out["exit"] = int(line.split(":")[1])
    return out


def cmd_run(a):
    expected = expected_pages(a.site)
    uris = collections.Counter()
    page_200 = collections.Counter()
    statuses = collections.Counter()
    private = robots = other = unparsed = 0
    body_bytes = 0
    with open(a.access, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                unparsed += 1
                continue
            _ip, _method, uri, status, size = m.groups()
            status = int(status)
            statuses[status] += 1
            uris[uri] += 1
            if size != "-":
                body_bytes += int(size)
            path = uri.split("?", 1)[0].split("#", 1)[0]
            page = "/index.html" if path == "/" else path
            if path.startswith("/private/"):
                private += 1
            elif path == "/robots.txt":
                robots += 1
            elif page in expected:
                if status == 200:
                    page_200[page] += 1
            else:
                other += 1
    offsite = 0
    if os.path.exists(a.offsite):
        with open(a.offsite, errors="replace") as f:
            offsite = sum(1 for _ in f)
    t = parse_time(a.time)
    pages = len(page_200)
    cpu = t.get("user", 0.0) + t.get("sys", 0.0)
    # Exact URIs requested more than once (excess requests), and pages (files) requested more
    # than once when "/" and "/index.html" count as the same page.
    dup_uri = sum(c - 1 for c in uris.values() if c > 1)
    dup_page = sum(c - 1 for c in page_200.values() if c > 1)
    missed = sorted(expected - set(page_200))
    rec = {
        "tool": a.tool,
        "round": a.round,
        "rc": a.rc,
        "wall": a.wall,
        "user": t.get("user"),
        "sys": t.get("sys"),
        "cpu": cpu,
        "rss_mb": t.get("rss_kb", 0) / 1024.0,
        "written_mb": t.get("fs_out_blocks", 0) * 512 / 1e6,
        "requests": sum(uris.values()),
        "distinct_uris": len(uris),
        "pages": pages,
        "expected": len(expected),
        "missed": len(missed),
        "missed_sample": missed[:10],
        "dup_uri": dup_uri,
        "dup_page": dup_page,
        "dup_page_sample": [p for p, c in page_200.most_common(5) if c > 1],
        "private": private,
        "robots": robots,
        "offsite": offsite,
        "other": other,
        "unparsed": unparsed,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "body_mb": body_bytes / 1e6,
        "pages_per_s": pages / a.wall if a.wall > 0 else 0.0,
        "cpu_ms_per_page": cpu * 1000.0 / pages if pages else float("nan"),
    }
    if a.db_bytes is not None:
        rec["db_mb"] = a.db_bytes / 1e6
    print(json.dumps(rec, sort_keys=True))


COLS = [
    ("round", "round", "{}"),
    ("pages", "pages fetched", "{:,}"),
    ("wall", "wall s", "{:.2f}"),
    ("pages_per_s", "pages/s", "{:,.0f}"),
    ("cpu_ms_per_page", "CPU ms/page", "{:.3f}"),
    ("user", "user s", "{:.2f}"),
    ("sys", "sys s", "{:.2f}"),
    ("rss_mb", "peak RSS MB", "{:.1f}"),
    ("written_mb", "disk written MB", "{:,.0f}"),
    ("requests", "requests", "{:,}"),
    ("missed", "missed", "{}"),
    ("dup_uri", "dup URL req", "{}"),
    ("dup_page", "dup page req", "{}"),
    ("private", "/private/ req", "{}"),
    ("offsite", "off-site req", "{}"),
    ("rc", "exit", "{}"),
]


def cmd_table(a):
    recs = [json.loads(line) for line in open(a.results) if line.strip()]
    tools = list(dict.fromkeys(r["tool"] for r in recs))
    print("| tool | " + " | ".join(h for _, h, _ in COLS) + " |")
    print("|---|" + "---|" * len(COLS))
    for tool in tools:
        rows = [r for r in recs if r["tool"] == tool]
        for r in rows:
            print("| %s | " % tool + " | ".join(f.format(r[k]) for k, _, f in COLS) + " |")
    for tool in tools:
        rows = [r for r in recs if r["tool"] == tool]
        cells = []
        for k, _, f in COLS:
            if k == "round":
                cells.append("**median**")
            else:
                cells.append("**" + f.format(statistics.median(r[k] for r in rows)) + "**")
        print("| %s | " % tool + " | ".join(cells) + " |")
    if "otcwatch" in tools and "wget2" in tools:
        o = statistics.median(r["pages_per_s"] for r in recs if r["tool"] == "otcwatch")
        w = statistics.median(r["pages_per_s"] for r in recs if r["tool"] == "wget2")
        ratios = []
        for rnd in sorted({r["round"] for r in recs}):
            ro = [r for r in recs if r["tool"] == "otcwatch" and r["round"] == rnd]
            rw = [r for r in recs if r["tool"] == "wget2" and r["round"] == rnd]
            if ro and rw and rw[0]["pages_per_s"]:
                ratios.append("%.2f" % (ro[0]["pages_per_s"] / rw[0]["pages_per_s"]))
        print()
        print("otcwatch/wget2 pages/s: median %.2f (per round: %s)" % (o / w if w else 0, ", ".join(ratios)))
    for r in recs:
        notes = []
        if r["missed"]:
            notes.append("missed e.g. %s" % ", ".join(r["missed_sample"][:5]))
        if r["dup_page_sample"]:
            notes.append("pages requested twice e.g. %s" % ", ".join(r["dup_page_sample"]))
        if r.get("other"):
            notes.append("%d other requests" % r["other"])
        notes.append("statuses %s" % r["statuses"])
        if "db_mb" in r:
            notes.append("db %.0f MB" % r["db_mb"])
        print("- %s round %s: %s" % (r["tool"], r["round"], "; ".join(notes)))


def cmd_truth(a):
    kinds = {"cn_mobile": "phone", "btc_bech32": "btc", "eth": "eth", "tron": "tron"}
    truth = []  # (path, kind, value)
    with open(a.truth) as f:
        next(f)
        for line in f:
            path, kind, value = line.rstrip("\n").split("\t")
            truth.append((path, kind, value))
    found = collections.defaultdict(set)  # value -> kinds reported
    n_accounts = collections.Counter()
    with open(a.accounts) as f:
        for line in f:
            if not line.strip():
                continue
            acc = json.loads(line)
            n_accounts[acc["kind"]] += 1
            found[acc["value"]].add(acc["kind"])

    def normal(kind, value):
        return "+86" + value if kind == "cn_mobile" else value

    print("| truth kind | on allowed pages (distinct) | found as that kind | found as another kind only | missed |")
    print("|---|---|---|---|---|")
    private_only = collections.Counter()
    for tkind, okind in kinds.items():
        allowed = {v for p, k, v in truth if k == tkind and not p.startswith("/private/")}
        priv = {v for p, k, v in truth if k == tkind and p.startswith("/private/")} - allowed
        private_only[tkind] = len(priv)
        same = {v for v in allowed if okind in found.get(normal(tkind, v), ())}
        other = {v for v in allowed if normal(tkind, v) in found and v not in same}
        missed = allowed - same - other
        print("| %s (%s) | %d | %d | %d | %d |" % (tkind, okind, len(allowed), len(same), len(other), len(missed)))
        if missed and a.verbose:
            print("  missed e.g. " + ", ".join(sorted(missed)[:5]), file=sys.stderr)
    leaked = sum(1 for p, k, v in truth if p.startswith("/private/") and normal(k, v) in found
                 and not any(v == v2 for p2, k2, v2 in truth if not p2.startswith("/private/")))
    print()
    print("Accounts in the db by kind: %s" % ", ".join("%s %d" % kv for kv in sorted(n_accounts.items())))
    print("Truth values only on /private/ pages found in the db: %d (of %d)" % (leaked, sum(private_only.values())))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--tool", required=True)
    r.add_argument("--round", type=int, required=True)
    r.add_argument("--site", required=True)
    r.add_argument("--access", required=True)
    r.add_argument("--offsite", required=True)
    r.add_argument("--time", required=True)
    r.add_argument("--wall", type=float, required=True)
    r.add_argument("--rc", type=int, required=True)
    r.add_argument("--db-bytes", type=int)
    t = sub.add_parser("table")
    t.add_argument("results")
    u = sub.add_parser("truth")
    u.add_argument("--truth", required=True)
    u.add_argument("--accounts", required=True)
    u.add_argument("--verbose", action="store_true")
    a = p.parse_args()
    {"run": cmd_run, "table": cmd_table, "truth": cmd_truth}[a.cmd](a)


if __name__ == "__main__":
    main()
