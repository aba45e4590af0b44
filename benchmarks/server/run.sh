#!/usr/bin/env bash
# Builds the server and runs ServerBench: N concurrent scripted runs at each level.
# Usage: benchmarks/server/run.sh [levels, default 25,50,100,200] [PostgreSQL JDBC URL; default SQLite]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
java_home="$(bin/find-jdk)"
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -pl agentbox-server -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >&2
cp="agentbox-server/target/classes:agentbox-agent/target/classes:agentbox-sandbox/target/classes:agentbox-testkit/target/classes:$(cat "$cp_file")"
src="$root/benchmarks/server/ServerBench.java"
exec "$java_home/bin/java" -cp "$cp" -Dbench.source="$src" -Dbench.serverJvmArgs="${BENCH_SERVER_JVM_ARGS:--Xmx1g}" "$src" "${1:-25,50,100,200}" "${2:-}"
