#!/usr/bin/env bash
# Runs rows of the Gowalla comparison grid and rewrites the results table in docs/RESULTS.md.
#
#   examples/gowalla/run.sh [ROW...]        rows: file names in this folder without .yaml
#                                           (default: every row), e.g. mf-in-batch-1024;
#                                           the *-long* rows train to convergence (mf 6-10 min,
#                                           the cross-batch one 10 min, lightgcn about 15 min)
#   SEEDS="0 1 2" examples/gowalla/run.sh mf-in-batch-1024 mf-cross-batch-ids
#   PEER=1 examples/gowalla/run.sh          also the PyTorch reference rows (../shared/peers)
#   EXTRA="--set training.epochs=10" ...    more overrides for every cbns run
#   OUT=runs/tuning ...                      another output folder (default runs/gowalla-grid);
#                                           its table goes to OUT/RESULTS.md, not docs/
#
# Runs go to runs/gowalla-grid/ROW-sSEED; a finished run (summary.json present) is not run again,
# so the script can be stopped and restarted. Needs ./cbns built (mvn -q -DskipTests package) and
# ../shared/data/gowalla; the peer needs Debian's python3-torch (see ../shared/peers/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
GRID=examples/gowalla
OUT=${OUT:-runs/gowalla-grid}
SEEDS=${SEEDS:-0}
mkdir -p "$OUT"
# a run that stops with an error (e.g. a diverged loss) keeps its directory, log and checkpoint;
# the grid goes on with the other rows, and results.py lists the row as stopped
failed() {
  echo "== $1: stopped with an error, see $OUT/$1/train.log" >&2
  if [ -d "$OUT/$1" ]; then mv "$OUT/.log-$1" "$OUT/$1/train.log"; fi
  rm -f "$OUT/.time-$1"
}
rows=("$@")
if [ ${#rows[@]} -eq 0 ]; then
  for f in "$GRID"/*.yaml; do
    r=$(basename "$f" .yaml)
    [ "$r" != base ] && rows+=("$r")
  done
fi
for row in "${rows[@]}"; do
  [ -f "$GRID/$row.yaml" ] || { echo "no such row: $GRID/$row.yaml" >&2; exit 2; }
  for seed in $SEEDS; do
    name="$row-s$seed"
    if [ -f "$OUT/$name/summary.json" ]; then
      echo "== $name: done already"
      continue
    fi
    if [ -d "$OUT/$name" ]; then
      if [ -f "$OUT/$name/checkpoint.bin" ]; then
        echo "== $name: resuming"
        /usr/bin/time -v -o "$OUT/.time-$name" ./cbns train --resume "$OUT/$name" >"$OUT/.log-$name" 2>&1 \
          || { failed "$name"; continue; }
      else
        echo "== $name: incomplete run without a checkpoint; delete $OUT/$name to rerun" >&2
        continue
      fi
    else
      echo "== $name"
      # shellcheck disable=SC2086
      /usr/bin/time -v -o "$OUT/.time-$name" ./cbns train --config "$GRID/base.yaml" \
        --config "$GRID/$row.yaml" --set seed="$seed" --set run.dir="$OUT" \
        --set run.name="$name" ${EXTRA:-} >"$OUT/.log-$name" 2>&1 || { failed "$name"; continue; }
    fi
    mv "$OUT/.time-$name" "$OUT/$name/time.txt"
    mv "$OUT/.log-$name" "$OUT/$name/train.log"
    tail -n 3 "$OUT/$name/train.log"
  done
done
if [ "${PEER:-0}" = 1 ]; then
  P=/usr/bin/python3
  S=../shared/peers/torch_two_tower.py
  C="--data ../shared/data/gowalla --dim 64 --cosine --temperature 0.1 --lr 1e-2
     --optim sparse_adam --logq --mask-hits --epochs 5 --eval-every 5 --threads 2"
  for seed in $SEEDS; do
    for spec in "peer-mf-in-batch-1024:--sampler inbatch --batch-size 1024" \
      "peer-mf-cross-batch-ids:--sampler cbns --batch-size 1024 --bank-size 3072 --bank-reencode --warmup 792" \
      "peer-mf-cross-batch-embeddings:--sampler cbns --batch-size 1024 --bank-size 3072 --warmup 792"; do
      name="${spec%%:*}-s$seed"
      [ -f "$OUT/$name.json" ] && { echo "== $name: done already"; continue; }
      echo "== $name"
      # shellcheck disable=SC2086
      /usr/bin/time -v -o "$OUT/$name.time" $P $S $C ${spec#*:} --seed "$seed" \
        --out "$OUT/$name.json.tmp" >/dev/null 2>"$OUT/$name.log"
      mv "$OUT/$name.json.tmp" "$OUT/$name.json"
    done
  done
fi
# the grid's own folder rewrites the table in docs/RESULTS.md; any other OUT (tuning runs) gets
# its table in OUT/RESULTS.md, so a tuning run never replaces the grid's table
if [ "$OUT" = runs/gowalla-grid ]; then
  python3 "$GRID/results.py" "$OUT" docs/RESULTS.md
else
  python3 "$GRID/results.py" "$OUT" "$OUT/RESULTS.md"
  echo "table: $OUT/RESULTS.md"
fi
