#!/usr/bin/env bash
# create + run('true') + kill through the official E2B JS SDK against agentbox serve, against the same
# through agentbox's Java API and its E2B provider, in one run. Usage: benchmarks/e2b/run.sh [iterations, default 20]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
java_home="$(bin/find-jdk)"
test-deps/install.sh
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -o -pl agentbox-server -am package -DskipTests dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file" >&2
cp="agentbox-server/target/classes:agentbox-agent/target/classes:agentbox-sandbox/target/classes:$(cat "$cp_file")"
exec "$java_home/bin/java" -cp "$cp" -Dbench.repo="$root" "$root/benchmarks/e2b/E2bBench.java" "${1:-20}"
