#!/usr/bin/env python3
"""Differential check of extraction: two otcwatch binaries, the same documents, the same output?

    python3 bench/extract_diff.py OLD_BINARY NEW_BINARY [--show N]

Runs `otcwatch extract --explain --format jsonl FILE` with both binaries on every document
below and compares stdout (the findings), stderr (the rejected candidates) and the exit code.
Prints how many documents were checked and how many differ, then the first N differences
(default 10) as unified diffs. Exit status 1 when any document differs.

Documents: the development corpus (../shared/corpus/dev), samples/, demo/sites/, every 20th
of the fuzz seeds (fuzz/corpus/extract/, or $FUZZ_CORPUS: the seeds are not in git), every
40th page of the generated site in /var/tmp/otcbench/site/p (if it is there), and 400
documents ($MUTANTS to change it) made from the corpus documents by inserting, at random
places, Chinese numerals, full-width and invisible characters, labels, trade words, tags and
entities (a fixed seed, so every run makes the same ones).
"""

import difflib
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CORPUS = os.path.join(REPO, "..", "shared", "corpus", "dev")
if not os.path.isdir(CORPUS):
    CORPUS = "/work/shared/corpus/dev"
SITE = "/var/tmp/otcbench/site/p"

INSERTS = [
    "一三八一二三四五六七八", "幺三八〇〇幺三八〇〇〇", "１３８１２３４５６７８", "ＺＦＢ：", "ｑｑ",
    "\u200b", "\ufeff", "\u00ad", "\u2060", "\u3000", "\u00a0", "1\ufe0f\u20e3", "①③⑧", "➕V",
    "支付宝：", "支付宝", "微信", "微信号：", "VX:", "vx", "QQ", "qq号", "扣扣", "电话",
    "TG", "t.me/", "@", "[at]", "(dot)", "银行卡", "卡号", "客服", "订单号", "收U", "出U",
    "承兑", "汇率", "usdt", "USDT", "payment", "deposit", "wallet", "Bali pay", "wechat payment",
    "hashHASH", "scam", "news", "<b>", "</b>", "<span>", "</span>", "<br>", "<p>", "&nbsp;",
    "&#65297;", "&amp;", " ", "-", ".", "：", "，", "13812345678", "6222 0212 3456 7890",
]


def documents():
    """(name, bytes) of every document to check."""
    def files_under(root, exts):
        out = []
        for base, _dirs, files in os.walk(root):
            for name in files:
                if not exts or name.endswith(exts):
                    out.append(os.path.join(base, name))
        return sorted(out)

    docs = []
    corpus = files_under(CORPUS, (".html", ".txt"))
    for path in corpus:
        docs.append((path, open(path, "rb").read()))
    for root in ["samples", "demo/sites"]:
        for path in files_under(os.path.join(REPO, root), ()):
            docs.append((path, open(path, "rb").read()))
    fuzz = os.environ.get("FUZZ_CORPUS", os.path.join(REPO, "fuzz", "corpus", "extract"))
    for path in files_under(fuzz, ())[::20]:
        docs.append((path, open(path, "rb").read()))
    if os.path.isdir(SITE):
        for path in files_under(SITE, (".html",))[::40]:
            docs.append((path, open(path, "rb").read()))
    rng = random.Random(20261124)
    for n in range(int(os.environ.get("MUTANTS", "400"))):
        path = corpus[n % len(corpus)]
        text = open(path, "rb").read().decode("utf-8", "replace")
        for _ in range(rng.randint(1, 8)):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(INSERTS) + text[at:]
        docs.append((f"mutant{n:03d}<{os.path.basename(path)}", text.encode("utf-8")))
    return docs


def run(binary, path):
    proc = subprocess.run(
        [binary, "extract", "--explain", "--format", "jsonl", path],
        capture_output=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode(
        "utf-8", "replace"
    )


def main():
    args = sys.argv[1:]
    show = 10
    if "--show" in args:
        at = args.index("--show")
        show = int(args[at + 1])
        del args[at : at + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    old, new = args
    differ = []
    docs = documents()
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, data) in enumerate(docs):
            path = os.path.join(tmp, f"doc{n}.html")
            with open(path, "wb") as f:
                f.write(data)
            a, b = run(old, path), run(new, path)
            if a != b:
                differ.append((name, a, b))
    kinds = {}
    for name, _ in docs:
        kind = "mutants" if name.startswith("mutant") else os.path.relpath(name, REPO).split(os.sep)[0]
        if name.startswith(CORPUS):
            kind = "corpus"
        elif name.startswith(SITE):
            kind = "generated"
        elif kind == "..":
            kind = "fuzz"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(" ".join(f"{kind}={n}" for kind, n in sorted(kinds.items())))
    print(f"documents={len(docs)} differ={len(differ)}")
    for name, a, b in differ[:show]:
        print(f"--- {name}")
        old_lines = [f"exit {a[0]}"] + a[1].splitlines() + a[2].splitlines()
        new_lines = [f"exit {b[0]}"] + b[1].splitlines() + b[2].splitlines()
        for line in difflib.unified_diff(old_lines, new_lines, "old", "new", lineterm="", n=0):
            print(line)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
