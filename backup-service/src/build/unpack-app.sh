#!/usr/bin/env bash
# Unpacks the Spring Boot jar JAR into DIR (DIR/redoubt.jar and DIR/lib/) and makes the
# class-data-sharing archive DIR/redoubt.jsa from a training run of `redoubt warmup`, which
# loads Spring, Spring Batch, the AWS SDK and the codecs without any server of the user's.
# Started from the unpacked jar with -XX:SharedArchiveFile=DIR/redoubt.jsa, a command starts
# in a third of the CPU the fat jar takes (docs/benchmarks.md). Run by the build (package
# phase) and by ./redoubt when the jar is newer than DIR. A failed training run only costs
# the archive: the unpacked jar runs without it.
#   unpack-app.sh JAR DIR
set -euo pipefail
jar="$1"
app="$2"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
rm -rf "$app"
"$java" -Djarmode=tools -jar "$jar" extract --destination "$app" >/dev/null
"$java" -Xlog:disable -XX:ArchiveClassesAtExit="$app/redoubt.jsa" -Dspring.aot.enabled=true \
  -jar "$app/redoubt.jar" warmup >/dev/null 2>&1 || {
  rm -f "$app/redoubt.jsa"
  echo "unpack-app: the class-data-sharing training run failed; $app runs without an archive" >&2
}
