#!/usr/bin/env bash
# Training step time of the mf towers on Gowalla for the samplers of the paper's cost claim:
# in-batch B=1024, cross-batch B=1024 M=3072 (bank on from the first step), in-batch B=4096.
# Alternates the configurations ROUNDS times and prints ms/step (mean over the timed steps of
# each run, from epochs.jsonl). Needs a build (mvn -q -DskipTests package) and ../shared/data.
# Usage: benchmarks/step-time.sh [ROUNDS=2] [STEPS=150] [extra --set ...]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
steps=${2:-150}
shift $(( $# > 2 ? 2 : $# )) || true
data=${GOWALLA:-../shared/data/gowalla}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
configs=(
  "in-batch-B1024|--set sampler.name=in-batch --set training.batch-size=1024"
  "cross-batch-B1024-M3072|--set sampler.name=cross-batch --set sampler.bank-size=3072 --set sampler.warmup-steps=0 --set training.batch-size=1024"
  "in-batch-B4096|--set sampler.name=in-batch --set training.batch-size=4096"
)
printf '%-26s %6s %10s %12s\n' config round steps ms/step
for r in $(seq 1 "$rounds"); do
  for c in "${configs[@]}"; do
    name=${c%%|*}
    args=${c#*|}
    # shellcheck disable=SC2086
    ./cbns train --set run.dir="$out" --set run.name="$name-$r" --set data.source=lightgcn \
      --set data.path="$data" --set training.max-steps="$steps" $args "$@" > "$out/$name-$r.log" 2>&1
    python3 - "$out/$name-$r/epochs.jsonl" "$name" "$r" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])][0]
print(f"{sys.argv[2]:<26} {sys.argv[3]:>6} {e['steps']:>10} {1000 * e['train_seconds'] / e['steps']:>12.1f}")
PY
  done
done
