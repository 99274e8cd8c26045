#!/usr/bin/env python3
"""Builds the results table of the Gowalla grid from its run directories.

    python3 examples/gowalla/results.py runs/gowalla-grid docs/RESULTS.md

Reads every ROW-sSEED/ run (summary.json, epochs.jsonl, time.txt) and every peer-*.json line,
groups the seeds of a row (mean, and min..max when there are several), and replaces the text
between the markers <!-- grid:begin --> and <!-- grid:end --> in the markdown file (written
atomically; created with the markers when missing). Standard library only.
"""
import json
import os
import re
import statistics
import sys
import tempfile
from collections import defaultdict

BEGIN, END = "<!-- grid:begin -->", "<!-- grid:end -->"


def peak_rss_mib(path):
    try:
        with open(path) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
        return int(m.group(1)) / 1024 if m else None
    except OSError:
        return None


def cbns_run(d):
    with open(os.path.join(d, "summary.json")) as f:
        s = json.load(f)
    epochs = []
    with open(os.path.join(d, "epochs.jsonl")) as f:
        epochs = [json.loads(line) for line in f if line.strip()]
    secs = [e["train_seconds"] for e in epochs if e.get("train_seconds") is not None]
    return {
        "recall": s["model"]["recall@20"],
        "ndcg": s["model"]["ndcg@20"],
        "epochs": s["epochs"],
        "chosen": s.get("selected_epoch"),
        "s_per_epoch": statistics.mean(secs) if secs else None,
        "train_s": s["train_seconds"],
        "rss": peak_rss_mib(os.path.join(d, "time.txt")),
    }


def peer_run(path):
    with open(path) as f:
        r = json.loads(f.read().strip().splitlines()[-1])
    return {
        "recall": r["recall@20"],
        "ndcg": r["ndcg@20"],
        "epochs": r["epochs_run"],
        "chosen": None,
        "s_per_epoch": r["train_s_per_epoch"],
        "train_s": r["train_s"],
        "rss": peak_rss_mib(path[: -len(".json")] + ".time"),
    }


def fmt(values, digits=4):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    mean = statistics.mean(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ({min(values):.{digits}f}..{max(values):.{digits}f})"


def stop_reason(log):
    """The error line of a run that stopped without a summary (run.sh kept its log)."""
    with open(log) as f:
        errors = [line.strip() for line in f if line.startswith("error:")]
    m = re.search(r"at step (\d+) \(epoch (\d+)\)", errors[-1]) if errors else None
    if m:
        what = errors[-1].split(" at step ")[0].removeprefix("error: ")
        return f"stopped: {what} at step {m.group(1)} (epoch {m.group(2)})"
    return "stopped: " + (errors[-1].removeprefix("error: ")[:80] if errors else "see train.log")


def table(grid):
    rows = defaultdict(list)
    stopped = defaultdict(list)
    for entry in sorted(os.listdir(grid)):
        path = os.path.join(grid, entry)
        m = re.fullmatch(r"(.+)-s(\d+)(\.json)?", entry)
        if not m:
            continue
        if entry.startswith("peer-") and entry.endswith(".json"):
            rows[m.group(1)].append(peer_run(path))
        elif os.path.isfile(os.path.join(path, "summary.json")):
            rows[m.group(1)].append(cbns_run(path))
        elif os.path.isfile(os.path.join(path, "train.log")):
            stopped[m.group(1)].append(stop_reason(os.path.join(path, "train.log")))
    lines = [
        "| row | seeds | Recall@20 (test) | NDCG@20 (test) | epochs | chosen epoch |"
        " s/epoch | train s | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(rows, key=lambda n: (n.startswith("peer-"), n)):
        runs = rows[name]
        chosen = sorted({r["chosen"] for r in runs if r["chosen"] is not None})
        lines.append(
            f"| {name} | {len(runs)} | {fmt([r['recall'] for r in runs])} |"
            f" {fmt([r['ndcg'] for r in runs])} | {max(r['epochs'] for r in runs)} |"
            f" {', '.join(map(str, chosen)) if chosen else 'last'} |"
            f" {fmt([r['s_per_epoch'] for r in runs], 1)} | {fmt([r['train_s'] for r in runs], 0)} |"
            f" {fmt([r['rss'] for r in runs], 0)} |"
        )
    for name in sorted(set(stopped) - set(rows)):
        lines.append(f"| {name} | {len(stopped[name])} | {'; '.join(stopped[name])} | | | | | | |")
    return "\n".join(lines)


def main():
    grid, doc = sys.argv[1], sys.argv[2]
    body = f"{BEGIN}\n{table(grid)}\n{END}"
    text = open(doc).read() if os.path.exists(doc) else f"# Results\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        sys.exit(f"{doc}: the markers {BEGIN} and {END} are missing")
    text = text[: text.index(BEGIN)] + body + text[text.index(END) + len(END):]
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(doc)), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, doc)
    print(table(grid))


if __name__ == "__main__":
    main()
