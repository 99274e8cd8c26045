#!/usr/bin/env bash
# Peak resident memory per sampler on Gowalla: in-batch B=1024, cross-batch ids B=1024 M=3072 and
# in-batch B=4096, for the mf and youtube-dnn towers, with a fixed Java heap so that the heap's
# growth does not hide the native arrays. Each row is one TrainRun (20 warm-up steps, then 400
# steps at B=1024 or 100 at B=4096, no evaluation) under /usr/bin/time -v; printed: peak RSS and
# the median step time.
# Usage: benchmarks/peak-memory.sh        env: HEAP="-Xms256m -Xmx256m" THREADS=2 GOWALLA=...
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
export CBNS_JAVA_OPTS="${HEAP:--Xms256m -Xmx256m}"
data=${GOWALLA:-../shared/data/gowalla}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(machine_line); heap: $CBNS_JAVA_OPTS"
echo "| tower | sampler | steps | peak RSS MiB | median step ms |"
echo "|---|---|---|---|---|"
for tower in mf youtube-dnn; do
  for spec in \
    "in-batch-1024:400:--set sampler.name=in-batch --set training.batch-size=1024" \
    "cross-batch-ids:400:--set sampler.name=cross-batch --set sampler.mode=ids --set sampler.bank-size=3072 --set sampler.warmup-steps=0 --set training.batch-size=1024" \
    "in-batch-4096:100:--set sampler.name=in-batch --set training.batch-size=4096"; do
    name=${spec%%:*}
    rest=${spec#*:}
    steps=${rest%%:*}
    read -r -a args <<< "${rest#*:}"
    rm -rf "$out/runs"
    /usr/bin/time -v -o "$out/time.txt" bash -c '. benchmarks/lib.sh; cbns_train_run "$@"' _ \
      --warmup-steps 20 --set run.dir="$out/runs" --set run.name=x --set data.source=lightgcn \
      --set data.path="$data" --set threads="${THREADS:-2}" --set model.tower="$tower" \
      --set model.dim=64 --set model.normalize=true --set loss.temperature=0.1 \
      --set training.epochs=1 --set training.evaluate-every=0 --set training.max-steps="$steps" \
      --set "evaluation.k=[20]" "${args[@]}" > "$out/result.json" 2> "$out/run.log" \
      || { echo "$tower $name failed; the end of its log:" >&2; tail -n 30 "$out/run.log" >&2; exit 1; }
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$out/time.txt")
    med=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['timed']['median_ms'], 1))" "$out/result.json")
    echo "| $tower | $name | $steps | $rss | $med |"
  done
done
