#!/usr/bin/env bash
# Orchestration overhead of one scripted 20-tool-call agent run, agentbox against the real Claude Code
# CLI, in one invocation. Usage: benchmarks/agent-vs-claude-code.sh [runs]   (default 5)
#
# Every variant drives the same per-conversation script (benchmarks/agent/script.json: Write, Bash,
# Read, Edit on files under /workspace, one tool call per model turn, then a final text), served by
# its own FakeAnthropicMain process with zero delays, so wall time == orchestration overhead:
#   agentbox in-process   the Java API (benchmarks/agent/AgentOverhead.java) in one warm JVM, a fresh
#                         local sandbox per run; the JVM's first run is reported as "first" (cold)
#   agentbox run (CLI)    `agentbox run --output-format json PROMPT`, a new JVM per run
#   claude-code in agentbox `agentbox run --runtime claude-code --output-format json PROMPT`: the same Claude
#                         Code inside an agentbox sandbox, its model calls through the egress route (the key
#                         injected there), events mapped; a new JVM per run
#   claude -p             Claude Code 2.1.332 (`-p --output-format stream-json --verbose
#                         --dangerously-skip-permissions`) inside bubblewrap as uid 1000, fresh HOME and
#                         /workspace per run
# Rounds interleave the variants (so load changes hit all three alike); round 0 is reported as
# "first" and left out of the medians. A run counts only if it executed all 20 tool calls without a
# tool error and ended with the script's final text; the fakes' request logs are checked as well.
# Environment: CLAUDE_CODE_DIR (a directory whose node_modules holds @anthropic-ai/claude-code@2.1.332).
set -euo pipefail
runs="${1:-5}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [runs]" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
agentbox="$root/bin/agentbox"
jar="$root/agentbox-cli/target/agentbox.jar"
script="$root/benchmarks/agent/script.json"
prompt="Work through the scripted steps: write, run, read and edit the files under /workspace."
cc_version="2.1.332"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

"$agentbox" --version >/dev/null # builds the jar first if needed
java="$("$root/bin/find-jdk")/bin/java"

cc_ok() { [ -n "$1" ] && "$1/node_modules/@anthropic-ai/claude-code/bin/claude.exe" --version 2>/dev/null | grep -q "^$cc_version "; }
cc_dir=""
for d in "${CLAUDE_CODE_DIR:-}" /tmp/cc "${TMPDIR:-/tmp}/agentbox-bench-cc"; do
  if cc_ok "$d"; then cc_dir=$d; break; fi
done
if [ -z "$cc_dir" ]; then
  cc_dir="${TMPDIR:-/tmp}/agentbox-bench-cc"
  echo "installing @anthropic-ai/claude-code@$cc_version into $cc_dir…" >&2
  mkdir -p "$cc_dir" && (cd "$cc_dir" && npm i --silent --no-audit --no-fund "@anthropic-ai/claude-code@$cc_version" >/dev/null)
  cc_ok "$cc_dir" || { echo "Claude Code $cc_version did not install in $cc_dir" >&2; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/agentbox-bench-agent.XXXXXX")
export AGENTBOX_HOME="$work/home" # our own data dir: its sandboxes are ours to kill
pids=()
inproc_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in ${inproc_pid:+"$inproc_pid"} "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  for p in ${inproc_pid:+"$inproc_pid"} "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  # sandboxes a killed run left behind (its JVM had no chance to kill them)
  "$agentbox" sandbox ls --json 2>/dev/null \
    | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]' 2>/dev/null \
    | while read -r id; do "$agentbox" sandbox kill "$id" >/dev/null 2>&1 || true; done
  # never rm -rf across a live mount
  if findmnt -rn -o TARGET | grep -q "^$work/"; then
    echo "left $work in place: something is still mounted below it" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A process in its own process group, so that cleanup can end it with everything it started.
spawn() { setsid "$@" & pids+=("$!"); }
# Runs a command in its own process group and waits for it; Ctrl-C interrupts the wait, not the run.
run_waited() {
  setsid "$@" & local p=$!
  pids+=("$p")
  wait "$p"
}

start_fake() { # name
  spawn "$java" -XX:+UseSerialGC -cp "$jar" io.agentbox.testkit.FakeAnthropicMain --script "$script" \
    --per-conversation --portfile "$work/$1.port" --log "$work/$1.requests.jsonl" >"$work/$1.fake.out" 2>&1
  for _ in $(seq 300); do [ -s "$work/$1.port" ] && return; sleep 0.05; done
  echo "the fake for $1 did not start: $(cat "$work/$1.fake.out")" >&2
  exit 1
}
base_url() { echo "http://127.0.0.1:$(cat "$work/$1.port")"; }
now_ns() { date +%s%N; }

start_fake inproc
start_fake cc
start_fake cli
start_fake ccab
mkdir -p "$AGENTBOX_HOME/runtimes/claude-code/$cc_version"
# the install `agentbox runtime install claude-code` would make, from the copy already here
ln -s "$cc_dir/node_modules" "$AGENTBOX_HOME/runtimes/claude-code/$cc_version/node_modules"
echo "$cc_version" >"$AGENTBOX_HOME/runtimes/claude-code/current"

# The in-process JVM answers one JSON line per "run" line.
coproc INPROC { cd "$work" && exec setsid env ANTHROPIC_BASE_URL="$(base_url inproc)" ANTHROPIC_API_KEY=sk-test \
  "$java" -cp "$jar" "$root/benchmarks/agent/AgentOverhead.java" "$prompt" 2>"$work/inproc.err"; }
inproc_pid=$INPROC_PID
inproc_run() { # round
  echo run >&"${INPROC[1]}"
  if ! read -r -t 600 line <&"${INPROC[0]}"; then
    echo "the in-process runner failed: $(tail -n 5 "$work/inproc.err")" >&2
    exit 1
  fi
  printf '%s\n' "$line" >"$work/inproc-$1.json"
}

cli_run() { # round [variant runtime]
  local name="${2:-cli}" dir="$work/${2:-cli}-$1" s
  mkdir -p "$dir"
  s=$(now_ns)
  run_waited env -C "$dir" ANTHROPIC_BASE_URL="$(base_url "$name")" ANTHROPIC_API_KEY=sk-test \
    "$agentbox" run --runtime "${3:-native}" --output-format json "$prompt" >"$dir/out.json" 2>"$dir/err" || true
  echo $(( $(now_ns) - s )) >"$dir/ns"
}

cc_run() { # round
  local dir="$work/cc-$1" s
  mkdir -p "$dir/ws" "$dir/home"
  s=$(now_ns)
  run_waited env -i PATH=/usr/bin:/bin ANTHROPIC_BASE_URL="$(base_url cc)" ANTHROPIC_API_KEY=sk-test \
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_MAX_RETRIES=0 \
    bwrap --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin \
    --proc /proc --dev /dev --tmpfs /tmp --bind "$dir/ws" /workspace --bind "$dir/home" /home/user \
    --setenv HOME /home/user --ro-bind "$cc_dir/node_modules" /opt/cc --chdir /workspace \
    --unshare-all --share-net --die-with-parent --unshare-user --uid 1000 --gid 1000 \
    /opt/cc/@anthropic-ai/claude-code/bin/claude.exe -p "$prompt" --output-format stream-json --verbose \
    --dangerously-skip-permissions >"$dir/out.jsonl" 2>"$dir/err" || true
  echo $(( $(now_ns) - s )) >"$dir/ns"
}

for round in $(seq 0 "$runs"); do
  if [ "$round" = 0 ]; then echo "round 0 (first runs, not in the medians)…" >&2; else echo "round $round/$runs…" >&2; fi
  inproc_run "$round"
  cli_run "$round"
  cli_run "$round" ccab claude-code
  cc_run "$round"
done
echo quit >&"${INPROC[1]}"
wait "$inproc_pid" 2>/dev/null || true

echo "agentbox $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $("$java" -version 2>&1 | head -n 1), Claude Code $cc_version from $cc_dir"
python3 "$root/benchmarks/agent/summary.py" "$work" "$runs" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
