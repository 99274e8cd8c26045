#!/usr/bin/env bash
# Training on a sharded dataset held in memory against the same dataset streamed
# (`data.stream-passes`): generates a CSV log of N interactions (benchmarks/gen-log.py), imports it
# with `./cbns import delimited ... shard-rows` (hash-ratio split, validation 0.1), then trains
# `mf` in-batch for one epoch twice, in memory and streaming, one after the other under
# /usr/bin/time -v, and prints for each: wall time, peak RSS, the Java heap's live data (after a
# full collection requested with jcmd every 20 s; the largest is the bound), the epoch's line and
# the RSS sampled every 20 s.
# Usage: benchmarks/stream-train.sh N
#   env: SHARD_ROWS=1000000 PASSES=4 BATCH=1024 XMX=4g WORK=<temp dir> (kept when set)
# Needs a build (mvn -q -DskipTests package) and /usr/bin/python3 with numpy for the generator.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
n=$1
cd "$(dirname "$0")/.."
work=${WORK:-$(mktemp -d)}
[ -n "${WORK:-}" ] || trap 'rm -rf "$work"' EXIT
if [ ! -f "$work/ds/manifest.json" ]; then
  /usr/bin/python3 benchmarks/gen-log.py "$n" "$work/log" 1
  /usr/bin/time -v ./cbns import delimited --set path="$work/log/part-00000.csv" \
    --set separator=, --set user-column=0 --set item-column=1 --set timestamp-column=2 \
    --set split=hash-ratio --set validation-ratio=0.1 --set shard-rows="${SHARD_ROWS:-1000000}" \
    --out "$work/ds" > "$work/import.log" 2>&1 || { tail -30 "$work/import.log" >&2; exit 1; }
  grep '^imported' "$work/import.log" || tail -3 "$work/import.log"
  printf 'import: wall %s\n' "$(grep 'Elapsed (wall' "$work/import.log" | awk '{print $NF}')"
  rm -rf "$work/log"
fi
train() { # label stream-passes
  local log="$work/$1.log" rss="$work/$1.rss"
  rm -rf "$work/runs/$1"
  CBNS_JAVA_OPTS="-Xmx${XMX:-4g} -Xlog:gc:file=$work/$1.gc" /usr/bin/time -v ./cbns train \
    --set run.dir="$work/runs" --set run.name="$1" --set data.source=arrow \
    --set data.path="$work/ds" --set data.stream-passes="$2" \
    --set training.epochs=1 --set training.evaluate-every=0 \
    --set training.batch-size="${BATCH:-1024}" > "$log" 2>&1 &
  local pid=$!
  : > "$rss"
  while kill -0 "$pid" 2> /dev/null; do
    local java_pid
    java_pid=$(pgrep -P "$pid" java || true)
    if [ -n "$java_pid" ]; then
      ps -o rss= -p "$java_pid" >> "$rss" || true
      jcmd "$java_pid" GC.run > /dev/null 2>&1 || true
    fi
    sleep 20
  done
  wait "$pid" || { tail -30 "$log" >&2; exit 1; }
  printf '%s: wall %s, peak RSS %s MiB\n' "$1" \
    "$(grep 'Elapsed (wall' "$log" | awk '{print $NF}')" \
    "$(( $(grep 'Maximum resident' "$log" | awk '{print $NF}') / 1024 ))"
  printf '  live heap after each requested full collection (MiB): %s\n' \
    "$(grep 'Pause Full (Diagnostic' "$work/$1.gc" | grep -o -- '->[0-9]*M' | tr -dc '0-9\n' | tr '\n' ' ')"
  grep -E '^epoch|^evaluation|^training on' "$log"
  printf '  RSS every 20 s (MiB): %s\n' "$(awk '{printf "%d ", $1 / 1024}' "$rss")"
}
train memory 0
train streaming "${PASSES:-4}"
