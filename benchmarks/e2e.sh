#!/usr/bin/env bash
# End-to-end speed against the PyTorch reference (../shared/peers/torch_two_tower.py) on Gowalla:
# training throughput (interactions/s over STEPS steps after WARMUP steps) of mf d=64 with
# in-batch B=1024 and cross-batch B=1024 M=3072 (bank used from the first step) in both bank modes,
# like for like (ids: the bank's ids re-encoded with gradient, the peer's --bank-reencode;
# embeddings: cached embeddings without gradient, the peer's default bank), and the
# full-ranking evaluation time of the 29,858 test users. cbns and the peer alternate in every
# round (the order flips each round), with the same settings and thread count. Prints one line
# per run, then the ratio cbns/peer per sampler: median and min-max over the rounds, and each row's
# time as a ratio to its floor (cbns-benchmarks' FloorRun: this engine's time for the row's
# unavoidable matrix products, log-softmax and gathers, or scoring and top-K; measured once per
# round).
# cbns runs the CLI's TrainJob in-process (cbns-benchmarks' TrainRun) to get per-step times; its
# evaluation time is the final test evaluation of each cbns run (most-popular baseline included,
# a few ms); the peer's comes from a run of one training step and its final evaluation.
# Usage: benchmarks/e2e.sh [ROUNDS=3]
#   env: STEPS=300 WARMUP=50 THREADS=2 GOWALLA=../shared/data/gowalla PEER_PYTHON=/usr/bin/python3
#        WAIT_IDLE=PCT (before each run wait until the machine is less than PCT% busy)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
rounds=${1:-3}
steps=${STEPS:-300}
warmup=${WARMUP:-50}
threads=${THREADS:-2}
data=${GOWALLA:-../shared/data/gowalla}
python=${PEER_PYTHON:-/usr/bin/python3}
peer=${PEER:-../shared/peers/torch_two_tower.py}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
results="$out/results.jsonl"

# the same job on both sides: cosine (normalised) mf towers, temperature 0.1, logQ correction and
# accidental-hit masking on, lazy (row-sparse) Adam at 1e-2
common_peer=(--data "$data" --tower mf --dim 64 --cosine --temperature 0.1 --lr 1e-2
  --optim sparse_adam --seed 0 --logq --mask-hits --batch-size 1024 --threads "$threads")
common_cbns=(--set run.dir="$out/runs" --set data.source=lightgcn --set data.path="$data"
  --set threads="$threads" --set model.tower=mf --set model.dim=64 --set model.normalize=true
  --set loss.temperature=0.1 --set loss.logq-correction=true
  --set loss.mask-accidental-hits=true --set optimizer.name=lazy-adam
  --set optimizer.learning-rate=0.01 --set training.batch-size=1024 --set training.epochs=1
  --set training.evaluate-every=0 --set training.max-steps=$((warmup + steps))
  --set "evaluation.k=[20]")

# The peer's torch must have a real BLAS: Debian's python3-torch without libopenblas0-openmp falls
# back to the reference BLAS, about 25x slower matrix products, and every ratio below would
# flatter cbns by 5-10x. Refuse to compare then (a [1024, 64] x [64, 3072] product, 2 threads, on
# the AMD EPYC 2-core machine: 5 ms with OpenBLAS, 68 ms with the reference BLAS).
"$python" - "$threads" <<'PY' || exit 1
import sys, time
try:
    import torch
except ImportError:
    sys.exit("the peer needs Debian's python3-torch and python3-numpy as " + sys.executable
             + " (apt-get install -y python3-torch python3-numpy libopenblas0-openmp)")
torch.set_num_threads(int(sys.argv[1]))
a, b = torch.randn(1024, 64), torch.randn(64, 3072)
for _ in range(3):
    a @ b
start = time.perf_counter()
for _ in range(10):
    a @ b
ms = (time.perf_counter() - start) * 100
if ms > 25:
    sys.exit(f"the peer's torch takes {ms:.0f} ms for a [1024, 64] x [64, 3072] product (about 5"
             " with OpenBLAS on 2 cores): it is using the reference BLAS. Install an optimised one"
             " (apt-get install -y libopenblas0-openmp) and run again")
PY

# record SIDE ROUND SAMPLER BUSY: turns the run's JSON (stdin) into one result line
record() {
  python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
side, rnd, sampler, busy = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
row = dict(side=side, round=rnd, sampler=sampler, busy_pct=busy)
if side == "cbns":
    row.update(ips=r["timed"]["interactions_per_s"], median_ms=r["timed"]["median_ms"],
               eval_s=r["evaluations"][-1]["seconds"])
elif side == "floor":
    row.update(r)
elif sampler == "eval":
    row.update(eval_s=r["eval_s"])
else:
    row.update(ips=r["interactions_per_s"], median_ms=r["median_step_ms"])
print(json.dumps(row))' "$@" | tee -a "$results"
}

run_cbns() { # round sampler
  local extra=(--set sampler.name=in-batch) busy
  case "$2" in
    cross-batch-ids | cross-batch-embeddings)
      extra=(--set sampler.name=cross-batch --set sampler.bank-size=3072
        --set sampler.warmup-steps=0 --set sampler.mode="${2#cross-batch-}") ;;
  esac
  busy=$(wait_idle)
  cbns_train_run --warmup-steps "$warmup" "${common_cbns[@]}" "${extra[@]}" \
    --set run.name="$2-$1" 2> "$out/cbns-$2-$1.log" > "$out/cbns-$2-$1.json" \
    || failed "cbns $2, round $1" "$out/cbns-$2-$1.log"
  record cbns "$1" "$2" "$busy" < "$out/cbns-$2-$1.json"
}

failed() { # what log: a run that failed stops the benchmark, showing why (the temp dir goes)
  echo "$1 failed (exit code $?); the end of its log:" >&2
  tail -n 30 "$2" >&2
  exit 1
}

run_peer() { # round sampler
  local extra=(--sampler inbatch) busy
  # the peer's bank keeps embeddings; --bank-reencode makes it keep ids and re-encode them with
  # gradient, as cbns's ids mode does
  case "$2" in
    cross-batch-ids) extra=(--sampler cbns --bank-size 3072 --bank-reencode) ;;
    cross-batch-embeddings) extra=(--sampler cbns --bank-size 3072) ;;
  esac
  busy=$(wait_idle)
  "$python" "$peer" "${common_peer[@]}" "${extra[@]}" --time-steps "$steps" \
    --time-warmup-steps "$warmup" 2> "$out/peer-$2-$1.log" > "$out/peer-$2-$1.json" \
    || failed "peer $2, round $1" "$out/peer-$2-$1.log"
  record peer "$1" "$2" "$busy" < "$out/peer-$2-$1.json"
}

run_floor() { # round
  local busy
  busy=$(wait_idle)
  # shellcheck disable=SC2086
  java $CBNS_GC_OPTS $CBNS_JIT_OPTS ${CBNS_JAVA_OPTS:-} -Dai.djl.offline=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$bench_jar" \
    io.cbns.benchmarks.e2e.FloorRun --threads "$threads" --k 20 2> "$out/floor-$1.log" \
    > "$out/floor-$1.json" || failed "floor, round $1" "$out/floor-$1.log"
  record floor "$1" floor "$busy" < "$out/floor-$1.json"
}

run_peer_eval() { # round
  local busy
  busy=$(wait_idle)
  "$python" "$peer" "${common_peer[@]}" --sampler inbatch --epochs 1 --max-steps 1 \
    2> "$out/peer-eval-$1.log" > "$out/peer-eval-$1.json" \
    || failed "peer evaluation, round $1" "$out/peer-eval-$1.log"
  record peer "$1" eval "$busy" < "$out/peer-eval-$1.json"
}

echo "machine: $(machine_line)"
echo "rounds $rounds, $warmup warm-up + $steps timed steps, $threads threads, data $data"
for r in $(seq 1 "$rounds"); do
  for s in in-batch cross-batch-ids cross-batch-embeddings; do
    if [ $((r % 2)) = 1 ]; then
      run_cbns "$r" "$s"
      run_peer "$r" "$s"
    else
      run_peer "$r" "$s"
      run_cbns "$r" "$s"
    fi
  done
  run_peer_eval "$r"
  run_floor "$r"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def pick(side, sampler, key):
    return [r[key] for r in sorted(rows, key=lambda r: r["round"])
            if r["side"] == side and r["sampler"] == sampler and key in r]
print()
print("| run | round | machine busy before % | interactions/s | median step ms | evaluation s |")
print("|---|---|---|---|---|---|")
floors = {r["round"]: r for r in rows if r["side"] == "floor"}
rows = [r for r in rows if r["side"] != "floor"]
for r in rows:
    name = f"{r['side']} {r['sampler']}"
    ips = f"{r['ips']:,.0f}" if "ips" in r else ""
    med = f"{r['median_ms']:.1f}" if "median_ms" in r else ""
    ev = f"{r['eval_s']:.2f}" if "eval_s" in r else ""
    print(f"| {name} | {r['round']} | {r['busy_pct']:.0f} | {ips} | {med} | {ev} |")
print()
print("| sampler | cbns interactions/s | peer interactions/s | ratio cbns/peer: median (min-max) |")
print("|---|---|---|---|")
for s in ("in-batch", "cross-batch-ids", "cross-batch-embeddings"):
    c, p = pick("cbns", s, "ips"), pick("peer", s, "ips")
    ratios = [a / b for a, b in zip(c, p)]
    print(f"| {s} | {' / '.join(f'{x:,.0f}' for x in c)} | {' / '.join(f'{x:,.0f}' for x in p)} "
          f"| {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |")
ce = [x for s in ("in-batch", "cross-batch-ids", "cross-batch-embeddings")
      for x in pick("cbns", s, "eval_s")]
pe = pick("peer", "eval", "eval_s")
print()
print(f"full-ranking evaluation s: cbns {' / '.join(f'{x:.2f}' for x in ce)} "
      f"(median {statistics.median(ce):.2f}); peer {' / '.join(f'{x:.2f}' for x in pe)} "
      f"(median {statistics.median(pe):.2f}); ratio of medians cbns/peer "
      f"{statistics.median(ce) / statistics.median(pe):.2f}")
print()
print("| row | cbns / floor per round | median | floor per round |")
print("|---|---|---|---|")
for s, key, unit in (("in-batch", "in_batch_ms", "ms"), ("cross-batch-ids", "cross_batch_ids_ms", "ms"),
                     ("cross-batch-embeddings", "cross_batch_embeddings_ms", "ms")):
    c = {r["round"]: r["median_ms"] for r in rows if r["side"] == "cbns" and r["sampler"] == s}
    ratios = [c[k] / floors[k][key] for k in sorted(c) if k in floors]
    fl = " / ".join(f"{floors[k][key]:.1f} {unit}" for k in sorted(floors))
    print(f"| {s} step | {' / '.join(f'{x:.2f}' for x in ratios)} | {statistics.median(ratios):.2f} | {fl} |")
ev = {}
for r in rows:
    if r["side"] == "cbns" and "eval_s" in r:
        ev.setdefault(r["round"], []).append(r["eval_s"])
ratios = [statistics.median(ev[k]) / floors[k]["evaluation_s"] for k in sorted(ev) if k in floors]
fl = " / ".join(f"{floors[k]['evaluation_s']:.2f} s" for k in sorted(floors))
print(f"| evaluation | {' / '.join(f'{x:.2f}' for x in ratios)} | {statistics.median(ratios):.2f} | {fl} |")
PY
