#!/usr/bin/env bash
# Checks the collective library that docs/SCALE.md plans multi-node training on: PyTorch's c10d on
# Gloo, reached from Java through the JavaCPP PyTorch presets (Maven Central). Builds the standalone
# project benchmarks/collectives (not part of the cbns build; about 200 MB of native jars on first
# use), then
#   1. starts WORLD JVMs on this machine that form one Gloo process group over a TCPStore and run
#      all-reduce and all-to-all, checking every element of every result and timing them
#      (GlooCheck; a rank that waits more than a minute for the others fails);
#   2. runs DJL's PyTorch engine of the cbns build (PyTorch 2.5.1) and the presets of the same
#      version on one libtorch in one JVM, and checks that a DJL array and a DJL gradient are
#      presets tensors, changed in place (SharedLibtorchCheck).
# Usage: benchmarks/collectives.sh [WORLD=2]   env: PORT=29501 DIM=64
# On one machine the ranks share its cores and talk over loopback: the timings show the path
# works and what it costs here, not a network's speed.
set -euo pipefail
world=${1:-2}
port=${PORT:-29501}
dim=${DIM:-64}
cd "$(dirname "$0")/collectives"
mvn -q -Pgloo clean package dependency:copy-dependencies -DoutputDirectory=target/gloo-lib
mkdir -p target/gloo-classes && cp -r target/classes/. target/gloo-classes/
mvn -q -Pshared package dependency:copy-dependencies -DoutputDirectory=target/shared-lib
# run_java CLASSPATH ARGS...: the presets unpack their native libraries into JavaCPP's cache
# (~/.javacpp/cache) on first use; on a machine with Debian's python3-torch the load right after the
# unpacking can resolve a dependency to the system's older libtorch and crash. Later loads find the
# cached files, so a crash of the first run is retried once (its output is dropped).
run_java() {
  local cp=$1 log
  shift
  log=$(mktemp)
  if java -Dai.djl.offline=true -cp "$cp" "$@" > "$log" 2>&1; then
    cat "$log"
  else
    echo "(first run failed, as it can right after unpacking the natives: retrying once)" >&2
    rm -f hs_err_pid*.log
    java -Dai.djl.offline=true -cp "$cp" "$@"
  fi
  rm -f "$log"
}

gloo_cp=target/gloo-classes:$(ls target/gloo-lib/*.jar | tr '\n' ':')
# unpack the natives with one rank alone before the ranks start together
run_java "$gloo_cp" io.cbns.bench.collectives.GlooCheck 0 1 "$port" "$dim" > /dev/null
echo "== GlooCheck: $world ranks on $(nproc) cores, loopback"
pids=()
# the other ranks never outlive the script, whatever ends it
trap 'for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done' EXIT
for r in $(seq 1 $((world - 1))); do
  timeout 600 java -cp "$gloo_cp" io.cbns.bench.collectives.GlooCheck "$r" "$world" "$port" "$dim" \
    > "target/rank$r.log" 2>&1 &
  pids+=($!)
done
rc=0
timeout 600 java -cp "$gloo_cp" io.cbns.bench.collectives.GlooCheck 0 "$world" "$port" "$dim" \
  > target/rank0.log 2>&1 || rc=$?
grep -v '^\[Gloo\]' target/rank0.log
for p in "${pids[@]}"; do
  wait "$p" || rc=$?
done
pids=()
if [ "$rc" -ne 0 ]; then
  echo "GlooCheck failed (exit $rc); the ranks' logs:" >&2
  tail -n 20 target/rank*.log >&2
  exit "$rc"
fi
grep -h 'all values exact' target/rank[1-9]*.log || true

echo "== SharedLibtorchCheck"
shared_cp=target/classes:$(ls target/shared-lib/*.jar | tr '\n' ':')
run_java "$shared_cp" io.cbns.bench.collectives.SharedLibtorchCheck 2>&1 | grep -v '^SLF4J'
