#!/usr/bin/env bash
# Builds the server and runs NodesBench: the same batch of short scripted runs through 1, 2 and 3
# nodes sharing one PostgreSQL database (a throwaway cluster, as the server tests start it).
# Usage: benchmarks/nodes/run.sh [runs per batch, default 120] [node counts, default 1,2,3]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
java_home="$(bin/find-jdk)"
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -pl agentbox-server -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >&2
cp="agentbox-server/target/classes:agentbox-server/target/test-classes:agentbox-agent/target/classes:agentbox-sandbox/target/classes:agentbox-testkit/target/classes:$(cat "$cp_file")"
for m in agentbox-client; do [ -d "$m/target/classes" ] && cp="$m/target/classes:$cp"; done
src="$root/benchmarks/nodes/NodesBench.java"
exec "$java_home/bin/java" -cp "$cp" -Dbench.source="$src" "$src" "${1:-120}" "${2:-1,2,3}"
