#!/usr/bin/env bash
# Load test of `cbns serve` on loopback, bounded in time and count: starts ./cbns serve RUN_DIR on a
# free port, runs io.cbns.serving.http.LoadGenerator (GET /recommend?user=ID&k=20 for random users,
# back to back on kept-alive connections) at each concurrency level for at most LEVEL_SECONDS seconds and
# MAX requests, then stops the server with SIGTERM. Prints one line per level (QPS, p50, p99, max,
# errors); exits non-zero when a request failed.
# Usage: benchmarks/serve-load.sh RUN_DIR
#   env: LEVELS=1,8,32 LEVEL_SECONDS=10 MAX=20000 WARMUP=3 SERVE_OPTS="--threads 4" (extra serve options)
# Users are drawn from the dense ids 0..users-1 of run.json: for a dataset with original ids, pass
# them in a file instead (LoadGenerator --users-file).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
run=${1:?usage: benchmarks/serve-load.sh RUN_DIR}
users=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['dataset']['users'])" \
  "$run/run.json")
log=$(mktemp)
# shellcheck disable=SC2086
./cbns serve "$run" --port 0 ${SERVE_OPTS:-} > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
until grep -q '^serving ' "$log"; do
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
url=$(grep -o 'http://[0-9.]*:[0-9]*' "$log" | head -1)
echo "machine: $(machine_line)"
head -1 "$log"
status=0
java -cp "cbns-runner/target/lib/*" io.cbns.serving.http.LoadGenerator --url "$url" \
  --users "$users" --concurrency "${LEVELS:-1,8,32}" --seconds "${LEVEL_SECONDS:-10}" \
  --max-requests "${MAX:-20000}" --warmup-seconds "${WARMUP:-3}" || status=$?
kill -TERM "$pid"
wait "$pid" || true
tail -1 "$log"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
