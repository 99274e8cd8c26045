#!/usr/bin/env bash
# The Spark importer at scale against the single-machine importer: generates a CSV log of N
# interactions (user, item, timestamp; users uniform, items Pareto-skewed; 100,000 users x 50,000
# items up to 5M lines, else 1M x 200,000) as PARTS part files, imports the directory with
# `./cbns-spark.sh import` and the concatenated file with `./cbns import delimited`
# (hash-ratio split, validation 0.1), one after the other under /usr/bin/time -v, and prints each
# side's wall time, peak RSS and fingerprint (they must be equal).
# Usage: benchmarks/spark-import.sh N [PARTS]
#   env: MASTER='local[2]' PARTITIONS=16 SPARK_XMX=6g WORK=<temp dir> (kept when set)
# Needs /usr/bin/python3 with numpy for the generator.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
n=$1
parts=${2:-16}
cd "$(dirname "$0")/.."
work=${WORK:-$(mktemp -d)}
[ -n "${WORK:-}" ] || trap 'rm -rf "$work"' EXIT
/usr/bin/python3 benchmarks/gen-log.py "$n" "$work/log" "$parts"
echo "generated $n lines in $parts parts: $(du -sh "$work/log" | cut -f1)"
report() { # label log
  printf '%s: wall %s, peak RSS %s MiB, fingerprint %s\n' "$1" \
    "$(grep 'Elapsed (wall' "$2" | awk '{print $NF}')" \
    "$(( $(grep 'Maximum resident' "$2" | awk '{print $NF}') / 1024 ))" \
    "$(grep -o 'fingerprint [0-9a-f]*' "$2" | tail -1 | awk '{print $2}')"
}
CBNS_JAVA_OPTS="-Xmx${SPARK_XMX:-6g}" /usr/bin/time -v ./cbns-spark.sh import "$work/log" \
  "$work/spark" --timestamp-column 2 --validation-ratio 0.1 \
  --partitions "${PARTITIONS:-16}" --master "${MASTER:-local[2]}" > "$work/spark.log" 2>&1 \
  || { tail -30 "$work/spark.log" >&2; exit 1; }
grep '^imported' "$work/spark.log"
report spark "$work/spark.log"
cat "$work"/log/part-*.csv > "$work/all.csv"
/usr/bin/time -v ./cbns import delimited --set path="$work/all.csv" --set separator=, \
  --set user-column=0 --set item-column=1 --set timestamp-column=2 --set split=hash-ratio \
  --set validation-ratio=0.1 --out "$work/single" > "$work/single.log" 2>&1 \
  || { tail -30 "$work/single.log" >&2; exit 1; }
report single "$work/single.log"
