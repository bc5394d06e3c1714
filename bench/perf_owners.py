#!/usr/bin/env python3
"""Attributes `perf script -F comm,tid,ip,sym,dso` samples (recorded with --call-graph dwarf)
to the component that owns them: the innermost non-inlined frame of a known crate or module,
walking from the leaf to the root and skipping generic frames (libc, alloc, core, std, the
kernel). A `write` syscall under sled counts as sled; a malloc under extraction counts as
extraction. Prints components and the top owning functions, overall and per thread kind.

  perf script -i perf.data -F comm,tid,ip,sym,dso | bench/perf_owners.py
"""
import collections
import re
import sys

# (component, regex on the frame's symbol), first match wins for a frame.
RULES = [
    ("extraction", r"^(otcwatch::extract::|<otcwatch::extract::|aho_corasick::|<aho_corasick::|regex|<regex|bech32|bs58|tiny_keccak|sha2)"),
    ("html parse/charset", r"^(otcwatch::parse::|<otcwatch::parse::|encoding_rs|<encoding_rs|chardetng|otcwatch::fetch::charset)"),
    ("compression (lz4)", r"^(lz4_flex|<lz4_flex)"),
    ("hashing (blake3)", r"^(blake3|<blake3|_blake3)"),
    ("store (sled + otcwatch::store)", r"^(sled::|<sled::|otcwatch::store::|<otcwatch::store::|crossbeam_epoch|<crossbeam_epoch|core::ptr::drop_in_place<sled)"),
    ("socket I/O (tokio net/mio + kernel TCP)", r"^(tokio::net|<tokio::net|tokio::io::poll_evented|<tokio::io::poll_evented|mio::|<mio::|tokio::runtime::io|<tokio::runtime::io)"),
    ("http client (hyper/reqwest/h2)", r"^(hyper|<hyper|reqwest|<reqwest|h2::|<h2::|http::|<http::|httparse|async_compression|<async_compression)"),
    ("url/canon/scope/robots", r"^(url::|<url::|idna|otcwatch::schedule::|<otcwatch::schedule::|otcwatch::fetch::robots|texting_robots)"),
    ("crawl engine (otcwatch::crawl, fetch)", r"^(otcwatch::crawl|<otcwatch::crawl|otcwatch::fetch|<otcwatch::fetch|otcwatch::cli)"),
    ("logging (tracing)", r"^(tracing|<tracing)"),
    ("tokio scheduler", r"^(tokio::|<tokio::)"),
    ("serde/toml/clap (startup)", r"^(serde|<serde|toml|clap)"),
]
RULES = [(c, re.compile(p)) for c, p in RULES]
FRAME = re.compile(r"^\s+([0-9a-f]+) (.*) \((.*)\)$")


def classify(frames):
    """frames: list of (sym, dso, inlined) from leaf to root."""
    # Non-inlined frames carry full paths; inlined ones (and frames of hand-written assembly,
    # where unwinding stops) are looked at only when no full path matched.
    for only_full in (True, False):
        for sym, dso, inlined in frames:
            if (only_full and inlined) or dso.startswith("[kernel") or "libc.so" in dso:
                continue
            for comp, rx in RULES:
                if rx.search(sym):
                    return comp, sym
    leaf_sym, leaf_dso, _ = frames[0] if frames else ("?", "?", False)
    if leaf_dso.startswith("[kernel"):
        if not any(not d.startswith("[kernel") for _, d, _ in frames):
            return "kernel, no user stack (scheduler, softirq, page faults)", leaf_sym
    if "libc.so" in leaf_dso:
        return "libc (malloc/free/memcpy) unattributed", leaf_sym
    return "other", leaf_sym


def main():
    comp = collections.Counter()
    comp_kernel = collections.Counter()
    store_entry = collections.Counter()
    owner = collections.Counter()
    by_thread = collections.defaultdict(collections.Counter)
    kernel_leaf = 0
    malloc_leaf = 0
    total = 0
    comm = None
    frames = []

    def flush():
        nonlocal total, kernel_leaf, malloc_leaf
        if comm is None:
            return
        total += 1
        c, s = classify(frames)
        comp[c] += 1
        if frames and frames[0][1].startswith("[kernel"):
            comp_kernel[c] += 1
        if c.startswith(("store", "compression", "hashing")):
            # The outermost otcwatch::store function on the stack: which store operation.
            entry = None
            for sym, _dso, inlined in frames:
                if not inlined and re.match(r"<?otcwatch::store::", sym):
                    entry = sym
            if entry is None:
                entry = "(sled, no otcwatch::store caller on the stack: thread %s)" % re.sub(r"[-_ ]?\d+$", "", comm)
            store_entry[re.sub(r"::h[0-9a-f]{16}$", "", entry)[:110]] += 1
        owner[(c, re.sub(r"::h[0-9a-f]{16}$", "", s)[:110])] += 1
        kind = re.sub(r"[-_ ]?\d+$", "", comm)
        by_thread[kind][c] += 1
        if frames and frames[0][1].startswith("[kernel"):
            kernel_leaf += 1
        if frames and "libc.so" in frames[0][1] and re.search(r"malloc|free|realloc|_int_|unlink_chunk|consolidate", frames[0][0]):
            malloc_leaf += 1

    for line in sys.stdin:
        if not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            flush()
            comm = line.rsplit(None, 1)[0].strip()
            frames = []
            continue
        m = FRAME.match(line.rstrip("\n"))
        if m:
            sym, dso = m.group(2), m.group(3)
            inlined = dso == "inlined" or sym.endswith("(inlined)")
            frames.append((sym.replace(" (inlined)", ""), dso, inlined))
        else:
            # "addr sym (inlined)" has no dso in parentheses other than "inlined"
            parts = line.strip().split(" ", 1)
            if len(parts) == 2:
                frames.append((parts[1].replace(" (inlined)", ""), "inlined", True))
    flush()

    print("samples: %d; leaf in kernel: %.1f%%; leaf in malloc/free: %.1f%%" % (
        total, 100.0 * kernel_leaf / total, 100.0 * malloc_leaf / total))
    print()
    print("| component (owner of the sample) | share of CPU | of which in the kernel |")
    print("|---|---|---|")
    for c, n in comp.most_common():
        print("| %s | %.1f%% | %.1f%% |" % (c, 100.0 * n / total, 100.0 * comp_kernel[c] / total))
    print()
    print("| store, compression and hashing samples by store entry point | share of CPU |")
    print("|---|---|")
    for e, n in store_entry.most_common(12):
        print("| `%s` | %.1f%% |" % (e, 100.0 * n / total))
    print()
    print("| thread | share | its top components |")
    print("|---|---|---|")
    for kind, cnt in sorted(by_thread.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(cnt.values())
        top = ", ".join("%s %.0f%%" % (c, 100.0 * k / n) for c, k in cnt.most_common(4))
        print("| %s | %.1f%% | %s |" % (kind, 100.0 * n / total, top))
    print()
    print("| owning function | component | share |")
    print("|---|---|---|")
    for (c, s), n in owner.most_common(25):
        print("| `%s` | %s | %.1f%% |" % (s, c, 100.0 * n / total))


if __name__ == "__main__":
    main()
