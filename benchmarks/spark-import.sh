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
/usr/bin/python3 - "$n" "$work/log" "$parts" <<'PY'
import numpy as np, os, sys
n, out, parts = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)
users, items = (100_000, 50_000) if n <= 5_000_000 else (1_000_000, 200_000)
os.makedirs(out, exist_ok=True)
per = (n + parts - 1) // parts
for p in range(parts):
    m = min(per, n - p * per)
    u = rng.integers(0, users, m)
    it = np.minimum((rng.pareto(1.2, m) * 50).astype(np.int64), items - 1)
    t = rng.integers(1_600_000_000, 1_700_000_000, m)
    with open(f"{out}/part-{p:05d}.csv", "w") as f:
        np.savetxt(f, np.stack([u, it, t], 1), fmt="%d", delimiter=",")
PY
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
