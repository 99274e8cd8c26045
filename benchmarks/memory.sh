#!/usr/bin/env bash
# Memory growth and data-loader stalls over a long run: cbns mf d=64, in-batch B=1024 on Gowalla,
# STEPS steps (default 10,000: 12 full epochs and a part), no periodic evaluation. The harness
# samples the resident set (VmRSS: JVM + PyTorch + Arrow) and the Java heap every EVERY steps,
# after a full GC (so the heap figure is the live heap); printed: the samples, the change per
# 1,000 steps (least squares) and last-minus-first from the end of the first epoch and over the
# second half of the run, and each epoch's time waiting on the prefetch queue.
# Usage: benchmarks/memory.sh [STEPS=10000]
#   env: EVERY=500 THREADS=2 GOWALLA=... KEEP=1 (keep the run dir) WAIT_IDLE=PCT (see e2e.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
steps=${1:-10000}
every=${EVERY:-500}
threads=${THREADS:-2}
data=${GOWALLA:-../shared/data/gowalla}
out=$(mktemp -d)
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$out"' EXIT; fi
echo "machine: $(machine_line); busy before: $(WAIT_IDLE=${WAIT_IDLE:-} wait_idle)%"
/usr/bin/time -v -o "$out/time.txt" \
  bash -c '. benchmarks/lib.sh; cbns_train_run "$@"' _ --warmup-steps 50 --memory-every "$every" --memory-gc true \
  --set run.dir="$out/runs" --set run.name=memory --set data.source=lightgcn \
  --set data.path="$data" --set threads="$threads" --set sampler.name=in-batch \
  --set training.batch-size=1024 --set training.epochs=1000 --set training.evaluate-every=0 \
  --set training.max-steps="$steps" --set "evaluation.k=[20]" \
  2> "$out/run.log" > "$out/result.json"
echo "peak RSS (time -v): $(awk -F': ' '/Maximum resident/ {printf "%.0f MiB", $2/1024}' "$out/time.txt")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
mem, epochs = r["memory"], r["epochs"]
spe = epochs[0]["steps"]
print(f"\n{r['steps']} steps ({spe} per epoch); timed after 50: median {r['timed']['median_ms']:.1f} ms/step, "
      f"{r['timed']['interactions_per_s']:,.0f} interactions/s")
print("\n| after step | RSS MiB | heap used MiB | live heap after a full GC MiB |")
print("|---|---|---|---|")
for m in mem:
    print(f"| {m['steps']} | {m['rss_mib']:.0f} | {m['heap_used_mib']:.0f} | {m['heap_after_gc_mib']:.0f} |")
def slope(key, start):
    pts = [(m["steps"], m[key]) for m in mem if m["steps"] >= start and m[key] >= 0]
    n = len(pts)
    if n < 2:
        return float("nan"), float("nan")
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    b = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return 1000 * b, pts[-1][1] - pts[0][1]
half = r["steps"] // 2
for start, what in ((spe, "after the first epoch"), (half, "over the second half")):
    print(f"\ngrowth {what} (samples from step {start}):")
    for key in ("rss_mib", "heap_after_gc_mib"):
        per_k, diff = slope(key, start)
        print(f"  {key}: {per_k:+.2f} MiB per 1,000 steps (least squares), last - first {diff:+.1f} MiB")
print("\n| epoch | steps | train s | waited for batches s | wait share |")
print("|---|---|---|---|---|")
for e in epochs:
    print(f"| {e['epoch']} | {e['steps']} | {e['train_s']:.1f} | {e['wait_s']:.3f} | {100 * e['wait_s'] / e['train_s']:.2f}% |")
full = [e for e in epochs if e["steps"] == spe]
if full:
    worst = max(e["wait_s"] / e["train_s"] for e in full)
    print(f"\nworst wait share over {len(full)} full epochs: {100 * worst:.2f}%")
for ev in r["evaluations"]:
    print(f"final evaluation ({ev['split']}): {ev['seconds']:.2f} s, Recall@20 {ev['recall'].get('20', 'n/a')}")
PY
if [ -n "${KEEP:-}" ]; then echo "run files in $out"; fi
