#!/usr/bin/env bash
# Times the synthetic generator (SyntheticGenerator.generate: the draws, the split and the dataset's
# assembly; no files written), JIT warm-up included, and prints one line:
#   RESULT method=... users=... items=... groups=... train=... seconds=...
# Usage: benchmarks/synthetic-gen.sh METHOD USERS [ITEMS=100000]
#   METHOD: scan, rejection, clustered or grouped (docs/data.md, "synthetic")
#   env: CLUSTERS=0 (item-clusters; clustered needs > 0) SPREAD=0.3 SAMPLING_GROUPS=0
#        PER_USER=40 XMX=8g
# Needs a build (mvn -q -DskipTests package); uses the cbns-data-arrow classes and their
# dependencies.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
cd "$(dirname "$0")/.."
cp_file=$(mktemp)
script=$(mktemp --suffix=.jsh)
trap 'rm -f "$cp_file" "$script"' EXIT
mvn -q -o dependency:build-classpath -pl cbns-data-arrow -Dmdep.outputFile="$cp_file" > /dev/null
cat > "$script" <<'JSH'
import io.cbns.data.arrow.synthetic.*;
var method = SyntheticConfig.Sampling.valueOf(System.getProperty("method").toUpperCase());
// one statement per line: jshell ends a snippet at every line that completes one
var b = SyntheticConfig.builder().optUsers(Integer.getInteger("users")).optItems(Integer.getInteger("items"));
b = b.optInteractionsPerUser(Integer.getInteger("perUser")).optItemClusters(Integer.getInteger("clusters"));
b = b.optClusterSpread(Double.parseDouble(System.getProperty("spread"))).optSamplingGroups(Integer.getInteger("groups"));
var c = b.optSampling(method).build();
long start = System.nanoTime();
var r = SyntheticGenerator.generate(c);
int groups = method == SyntheticConfig.Sampling.GROUPED ? c.effectiveSamplingGroups() : c.itemClusters();
System.out.printf("RESULT method=%s users=%d items=%d groups=%d train=%d seconds=%.1f%n", method.name().toLowerCase(), c.users(), c.items(), groups, r.content().train().size(), (System.nanoTime() - start) / 1e9);
/exit
JSH
jshell --class-path "cbns-data-arrow/target/classes:$(cat "$cp_file")" -R-Xmx"${XMX:-8g}" \
  -R-Dmethod="$1" -R-Dusers="$2" -R-Ditems="${3:-100000}" -R-DperUser="${PER_USER:-40}" \
  -R-Dclusters="${CLUSTERS:-0}" -R-Dspread="${SPREAD:-0.3}" -R-Dgroups="${SAMPLING_GROUPS:-0}" \
  "$script" 2>&1 | grep -E '^RESULT|Exception|Error|^ '
