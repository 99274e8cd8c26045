# Shared by the benchmark scripts (sourced, not run): how to start the in-process training
# harness of cbns-benchmarks with the same JVM flags as ./cbns.
# Needs a build: mvn -q -DskipTests package (or mvn -o -q -pl cbns-benchmarks package).
bench_jar=cbns-benchmarks/target/cbns-benchmarks.jar
if [ ! -f "$bench_jar" ]; then
  echo "$bench_jar not found; build it first: mvn -q -DskipTests package" >&2
  exit 1
fi
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
# the launcher's settings (MKL reproducibility, glibc malloc, garbage collector, JIT); the environment
# also reaches JMH's forks
. "$(dirname "${BASH_SOURCE[0]}")/../cbns-env.sh"

# cbns_train_run [TrainRun options] [--set key=value]...: one JSON line on stdout
cbns_train_run() {
  # shellcheck disable=SC2086
  java $CBNS_GC_OPTS $CBNS_JIT_OPTS ${CBNS_JAVA_OPTS:-} \
    --add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED \
    -Dai.djl.offline=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel="${CBNS_LOG_LEVEL:-warn}" \
    -cp "$bench_jar" io.cbns.benchmarks.e2e.TrainRun "$@"
}

machine_line() {
  printf '%s, %s cores (nproc), %s MiB, load average %s\n' \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" "$(nproc)" \
    "$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# cpu_busy [SECONDS=2]: percentage of all cores busy over the next SECONDS (what others are running)
cpu_busy() {
  local a b
  a=$(head -1 /proc/stat)
  sleep "${1:-2}"
  b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    split(a, x); split(b, y); tot = 0; idle = 0
    for (i = 2; i <= 11 && i in x; i++) { d = y[i] - x[i]; tot += d; if (i == 5 || i == 6) idle += d }
    printf "%.0f", (tot > 0 ? 100 * (tot - idle) / tot : 0) }'
}

# wait_idle: with WAIT_IDLE=PCT set, waits (at most WAIT_IDLE_MAX_S, default 600 s) until the
# machine is less than PCT% busy, so that a shared machine's other work disturbs a run less;
# prints the busy percentage it started at
wait_idle() {
  local busy waited=0
  busy=$(cpu_busy 2)
  while [ -n "${WAIT_IDLE:-}" ] && [ "$busy" -ge "$WAIT_IDLE" ] && [ "$waited" -lt "${WAIT_IDLE_MAX_S:-600}" ]; do
    sleep 8
    waited=$((waited + 10))
    busy=$(cpu_busy 2)
  done
  echo "$busy"
}
