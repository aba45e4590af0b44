"""Checks and tabulates the runs of benchmarks/agent-vs-claude-code.sh.

usage: summary.py WORKDIR RUNS "LOAD AT START" "LOAD AT END"
A run counts only if it executed all 20 tool calls without a tool error and ended with the script's
final text; the fakes' request logs must show one such complete conversation per run.
"""
import json
import os
import statistics
import sys

work, runs, load_start, load_end = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
here = os.path.dirname(os.path.abspath(__file__))
steps = json.load(open(os.path.join(here, "script.json")))["steps"]
TOOL_CALLS = len(steps) - 1
FINAL = steps[-1]["text"]
rounds = range(runs + 1)  # round 0 is the first (cold) run


def inproc(r):
    j = json.load(open(f"{work}/inproc-{r}.json"))
    ok = (j["status"] == "succeeded" and j["toolResults"] == TOOL_CALLS and j["toolErrors"] == 0
          and j["turns"] == TOOL_CALLS + 1 and j["result"] == FINAL)
    return j["ms"], ok, f"status={j['status']} tool results={j['toolResults']} errors={j['toolErrors']} result={j['result']!r}", j


def cli(r, name="cli"):
    ms = int(open(f"{work}/{name}-{r}/ns").read()) / 1e6
    try:
        j = json.load(open(f"{work}/{name}-{r}/out.json"))
    except (OSError, ValueError):
        return ms, False, "no JSON result: " + open(f"{work}/{name}-{r}/err").read()[-300:], {}
    ok = j.get("status") == "succeeded" and j.get("turns") == TOOL_CALLS + 1 and j.get("result") == FINAL
    return ms, ok, f"status={j.get('status')} turns={j.get('turns')} result={j.get('result')!r} error={j.get('error')}", j


def cc(r):
    ms = int(open(f"{work}/cc-{r}/ns").read()) / 1e6
    results, errors, final = 0, 0, None
    for line in open(f"{work}/cc-{r}/out.jsonl"):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("type") == "user":
            for b in e["message"].get("content") or []:
                if isinstance(b, dict) and b.get("type") == "tool_result":
                    results += 1
                    errors += b.get("is_error") is True
        elif e.get("type") == "result":
            final = e
    ok = (final is not None and final.get("is_error") is False and final.get("result") == FINAL
          and final.get("num_turns") == TOOL_CALLS + 1 and results == TOOL_CALLS and errors == 0)
    detail = f"tool results={results} errors={errors} result={final and final.get('result')!r}"
    if final is None:
        detail += " no result event: " + open(f"{work}/cc-{r}/err").read()[-300:]
    return ms, ok, detail, final or {}


def conversations(name):
    """(message requests, complete error-free 20-tool conversations) the fake saw."""
    requests = complete = 0
    for line in open(f"{work}/{name}.requests.jsonl"):
        req = json.loads(line)
        if req.get("method") != "POST" or not req.get("path", "").startswith("/v1/messages"):
            continue
        requests += 1
        blocks = [b for m in req.get("body", {}).get("messages", []) if m.get("role") == "user"
                  and isinstance(m.get("content"), list) for b in m["content"] if b.get("type") == "tool_result"]
        if len(blocks) == TOOL_CALLS and not any(b.get("is_error") is True for b in blocks):
            complete += 1
    return requests, complete


variants = [("agentbox in-process (Java API)", "inproc", inproc),
            ("agentbox run (CLI)", "cli", cli),
            ("claude-code inside agentbox (CLI)", "ccab", lambda r: cli(r, "ccab")),
            ("claude -p (Claude Code, bwrap)", "cc", cc)]
rows, failures, data = [], [], {}
for label, name, fn in variants:
    got = [fn(r) for r in rounds]
    for r, (ms, ok, detail, _) in enumerate(got):
        if not ok:
            failures.append(f"{label}, round {r}: {detail}")
    requests, complete = conversations(name)
    if complete != len(rounds):
        failures.append(f"{label}: the fake saw {complete} complete {TOOL_CALLS}-tool conversations, expected {len(rounds)}")
    warm = [ms for ms, ok, _, _ in got[1:] if ok]
    data[name] = (got, warm)
    rows.append((label, (got[0][0] if got[0][1] else None, warm, requests / len(rounds))))

print(f"\nScripted run: {TOOL_CALLS} tool calls (Write/Bash/Read/Edit), {TOOL_CALLS + 1} model turns, zero scripted delays"
      f" -> wall time = overhead. {runs} runs per variant (+1 first run), interleaved.")
print(f"load average (1/5/15 min): at start {load_start}, at end {load_end}; {os.cpu_count()} cores\n")
print(f"{'variant':<34}{'first ms':>10}{'median ms':>11}{'min ms':>9}{'per tool call':>15}{'requests/run':>14}")
for label, v in rows:
    first, warm, req = v
    med, mn = (statistics.median(warm), min(warm)) if warm else (float("nan"), float("nan"))
    print(f"{label:<34}{first if first is not None else float('nan'):>10.0f}{med:>11.0f}{mn:>9.0f}"
          f"{med / TOOL_CALLS:>12.1f} ms{req:>14.1f}")


def median(name):
    warm = data.get(name, (None, []))[1]
    return statistics.median(warm) if warm else None


print()
cc_med, in_med, cli_med = median("cc"), median("inproc"), median("cli")
if cc_med and in_med:
    r = in_med / cc_med
    print(f"agentbox in-process overhead / claude -p wall: {r:.2f}  (target <= 0.20: {'met' if r <= 0.2 else 'MISSED'})")
if cc_med and cli_med:
    r = cli_med / cc_med
    print(f"agentbox run wall / claude -p wall:            {r:.2f}  (target <= 1.00: {'met' if r <= 1.0 else 'MISSED'})")
ccab_med = median("ccab")
if cc_med and ccab_med:
    r = ccab_med / cc_med
    print(f"claude-code inside agentbox / claude -p wall:  {r:.2f}  (target <= 1.10: {'met' if r <= 1.1 else 'MISSED'})")

if "inproc" in data:
    warm_runs = [j for _, ok, _, j in data["inproc"][0][1:] if ok]
    if warm_runs:
        def med(key):
            return statistics.median(j[key] for j in warm_runs)
        turns = TOOL_CALLS + 1
        per_turn = [statistics.median(j["turnMs"][i] for j in warm_runs) for i in range(turns)]
        print(f"\nagentbox in-process, where the time goes (medians of the warm runs):")
        print(f"  sandbox set-up (start -> sandbox.ready)          {med('setupMs'):8.1f} ms")
        print(f"  model turns ({turns}: request, HTTP, SSE, events)    {med('modelMs'):8.1f} ms"
              f"  ({med('modelMs') / turns:.1f} ms/turn; first {per_turn[0]:.1f}, last {per_turn[-1]:.1f})")
        print(f"  tool calls ({TOOL_CALLS}, call -> result event)           {med('toolMs'):8.1f} ms"
              f"  ({med('toolMs') / TOOL_CALLS:.1f} ms/call; the tools' own durationMs sum {med('toolReportedMs'):.0f} ms)")
        print(f"  tail (run.completed -> run() returns)            {med('tailMs'):8.1f} ms")
if "cc" in data:
    inner = [j.get("duration_ms") for _, ok, _, j in data["cc"][0][1:] if ok and j.get("duration_ms") is not None]
    if inner:
        print(f"claude -p: result.duration_ms (its own loop, no process start) median {statistics.median(inner):.0f} ms")

if failures:
    print("\nRUNS THAT DID NOT COUNT:", *failures, sep="\n  ")
    sys.exit(1)
