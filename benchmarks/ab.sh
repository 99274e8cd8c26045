#!/usr/bin/env bash
# Alternated A/B of training step times: two builds (two checkouts of this repository, each built
# with mvn -q -DskipTests package) or one build under two JVM option sets. Each run is a fresh
# TrainRun of mf d=64, in-batch B=1024 on Gowalla (the e2e.sh settings), STEPS steps of which the
# first WARMUP are left out; the order of A and B flips every round. Prints one line per run:
# median, mean and p90 step time in ms.
# Usage: benchmarks/ab.sh ROUNDS DIR_A DIR_B [--set key=value]...
#   env: OPTS_A, OPTS_B (CBNS_JAVA_OPTS of each side), STEPS=400 WARMUP=100 THREADS=2
#        GOWALLA=<absolute path; default ../shared/data/gowalla of this checkout>
# Examples (session 6): C2 (any Tiered option turns the launcher's C1 default off) against C1:
#   OPTS_A=-XX:+TieredCompilation benchmarks/ab.sh 4 . .
# the code of another checkout (e.g. a git worktree of an older commit, built) against this one:
#   benchmarks/ab.sh 6 /tmp/old .
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
rounds=$1
a_dir=$(cd "$2" && pwd)
b_dir=$(cd "$3" && pwd)
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
data=${GOWALLA:-$here/../shared/data/gowalla}
steps=${STEPS:-400}
warmup=${WARMUP:-100}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

one() { # side dir opts round
  (cd "$2" && export CBNS_JAVA_OPTS="$3" && . benchmarks/lib.sh && cbns_train_run \
    --warmup-steps "$warmup" --set run.dir="$out" --set run.name="$1-$4" \
    --set data.source=lightgcn --set data.path="$data" --set threads="${THREADS:-2}" \
    --set model.tower=mf --set model.dim=64 --set model.normalize=true \
    --set loss.temperature=0.1 --set loss.logq-correction=true \
    --set loss.mask-accidental-hits=true --set optimizer.name=lazy-adam \
    --set optimizer.learning-rate=0.01 --set training.batch-size=1024 --set training.epochs=1 \
    --set training.evaluate-every=0 --set training.max-steps="$steps" --set "evaluation.k=[20]" \
    --set sampler.name=in-batch "${extra[@]}" > /dev/null 2> "$out/$1-$4.log") \
    || { echo "run $1 round $4 failed; the end of its log:" >&2; tail -n 30 "$out/$1-$4.log" >&2; exit 1; }
  python3 - "$out/$1-$4/step-nanos.txt" "$1" "$4" "$warmup" <<'PY'
import statistics, sys
t = [int(x) / 1e6 for x in open(sys.argv[1]).read().split()][int(sys.argv[4]):]
t.sort()
print(f"{sys.argv[2]} round {sys.argv[3]}: median {statistics.median(t):.2f} ms, "
      f"mean {statistics.fmean(t):.2f} ms, p90 {t[int(0.9 * (len(t) - 1))]:.2f} ms", flush=True)
PY
}

extra=("$@")
echo "A: $a_dir ${OPTS_A:-}"
echo "B: $b_dir ${OPTS_B:-}"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then
    one A "$a_dir" "${OPTS_A:-}" "$r"; one B "$b_dir" "${OPTS_B:-}" "$r"
  else
    one B "$b_dir" "${OPTS_B:-}" "$r"; one A "$a_dir" "${OPTS_A:-}" "$r"
  fi
done
