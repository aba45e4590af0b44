#!/usr/bin/env bash
# Runs the same command through Anthropic's sandbox-runtime (`srt`) and through agentbox, in one run,
# and prints the per-command times and the ratio. Usage: benchmarks/sandbox-vs-srt.sh [runs]
#
# What is compared, per command (`true`):
#   srt                      a fresh sandbox per command (srt's only mode), started from the shell
#   agentbox in-process      a fresh sandbox per command: create -> exec -> kill through the Java API
#   agentbox exec (API)      a command in a live sandbox through the Java API (how agents use it)
#   agentbox exec (CLI)      `agentbox sandbox exec ID -- true` from the shell (JVM start-up included)
set -euo pipefail
runs="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
agentbox="$root/bin/agentbox"
scratch="${TMPDIR:-/tmp}/agentbox-bench-srt"

command -v socat >/dev/null || { echo "installing socat (srt needs it)…" >&2; apt-get install -y -qq socat >/dev/null; }
if [ ! -x "$scratch/node_modules/.bin/srt" ]; then
  echo "installing @anthropic-ai/sandbox-runtime into $scratch…" >&2
  mkdir -p "$scratch" && (cd "$scratch" && npm i --silent @anthropic-ai/sandbox-runtime >/dev/null)
fi
srt="$scratch/node_modules/.bin/srt"
"$agentbox" --version >/dev/null # builds the jar first if needed

now_ns() { date +%s%N; }
median_ms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1e6}'; }

echo "srt: $runs runs of 'true'…" >&2
srt_ms=$(for _ in $(seq "$runs"); do s=$(now_ns); "$srt" true >/dev/null 2>&1; echo $(( $(now_ns) - s )); done | median_ms)

echo "agentbox CLI exec: $runs runs of 'true' in one live sandbox…" >&2
id=$("$agentbox" sandbox create --timeout 10m)
trap '"$agentbox" sandbox kill "$id" >/dev/null 2>&1 || true' EXIT
cli_ms=$(for _ in $(seq "$runs"); do s=$(now_ns); "$agentbox" sandbox exec "$id" -- true; echo $(( $(now_ns) - s )); done | median_ms)

echo "agentbox in-process (agentbox bench sandbox --quick)…" >&2
json=$("$agentbox" bench sandbox --json --quick)
read -r cek_ms rt_ms < <(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["createExecKill"]["sequential"]["p50Ms"], j["execRoundTrip"]["p50Ms"])' "$json")

python3 - "$srt_ms" "$cek_ms" "$rt_ms" "$cli_ms" <<'PY'
import sys
srt, cek, rt, cli = map(float, sys.argv[1:])
print(f"{'per command (median)':<44}{'ms':>10}{'srt / this':>12}")
print(f"{'srt (fresh sandbox per command)':<44}{srt:>10.2f}{1:>12.1f}x")
print(f"{'agentbox create->exec->kill (Java API)':<44}{cek:>10.2f}{srt/cek:>12.1f}x")
print(f"{'agentbox exec in a live sandbox (Java API)':<44}{rt:>10.2f}{srt/rt:>12.1f}x")
print(f"{'agentbox sandbox exec (CLI, JVM start-up)':<44}{cli:>10.2f}{srt/cli:>12.1f}x")
PY
