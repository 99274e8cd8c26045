#!/usr/bin/env bash
# The cbns Spark jobs in Spark's local mode, from a build of this repository
# (mvn -q -DskipTests package): ./cbns-spark.sh count|evaluate ... [--master local[N]].
# On a cluster, use spark-submit instead (docs/SCALE.md). JVM options: CBNS_JAVA_OPTS.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$here/cbns-spark/target"
if [ ! -f "$target/cbns-spark.jar" ] || [ ! -d "$target/spark-lib" ]; then
  echo "cbns-spark: $target/cbns-spark.jar not found; build it first: mvn -q -DskipTests package" >&2
  exit 1
fi
# Spark binds to the machine's external address unless told otherwise; local mode needs none
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
# the module openings Spark's own launcher adds on Java 17, and Arrow's
exec java ${CBNS_JAVA_OPTS:-} \
  --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
  --add-opens=java.base/sun.security.action=ALL-UNNAMED \
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -Djdk.reflect.useDirectMethodHandle=false \
  -Dio.netty.tryReflectionSetAccessible=true \
  -cp "$target/cbns-spark.jar:$target/lib/*:$target/spark-lib/*" \
  io.cbns.spark.SparkMain "$@"
