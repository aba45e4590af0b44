# One code-interpreter context of agentbox's E2B API: a real IPython kernel (ipykernel, through
# jupyter_client), driven from inside the sandbox. It reads requests as JSON lines on stdin
# ({"id", "code", "env_vars"} or {"interrupt": true}) and answers with the JSON lines of E2B's
# /execute stream, each tagged with the request's id, ending with {"type": "end_of_execution"}.
# Code reaches the kernel as data (an execute_request), never spliced into this program.
import json
import os
import queue
import sys
import threading

MIME = {
    "text/plain": "text", "text/html": "html", "text/markdown": "markdown", "image/svg+xml": "svg",
    "image/png": "png", "image/jpeg": "jpeg", "application/pdf": "pdf", "text/latex": "latex",
    "application/json": "json", "application/javascript": "javascript",
}
out_lock = threading.Lock()


def out(message):
    with out_lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


try:
    from jupyter_client.manager import start_new_kernel
except Exception as e:  # the template has no Jupyter
    out({"type": "fatal", "message": "this sandbox's template has no Jupyter kernel (python3-ipykernel and "
         "python3-jupyter-client): " + str(e)})
    sys.exit(3)

os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets ipykernel's debugger at start
try:
    km, kc = start_new_kernel(startup_timeout=60, kernel_name="python3", cwd=os.getcwd())
except Exception as e:
    out({"type": "fatal", "message": "the Jupyter kernel did not start: " + str(e)})
    sys.exit(3)

requests = queue.Queue()


def read_requests():
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if request.get("interrupt"):
            km.interrupt_kernel()
        else:
            requests.put(request)
    requests.put(None)


def run(code, rid):
    """Runs one cell; streams its output when rid is set, else only waits for it. Returns its count."""
    msg_id = kc.execute(code, silent=rid is None, store_history=rid is not None, allow_stdin=False)
    count = None
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            if km.is_alive():
                continue
            if rid is not None:
                out({"id": rid, "type": "error", "name": "DeadKernelError", "value": "the kernel died; it was restarted",
                     "traceback": ""})
            km.restart_kernel(now=True)
            kc.wait_for_ready(timeout=60)
            return count
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") == "idle":
            return count
        if rid is None:
            continue
        if kind == "execute_input":
            count = content.get("execution_count")
        elif kind == "stream":
            out({"id": rid, "type": content.get("name", "stdout"), "text": content.get("text", "")})
        elif kind in ("execute_result", "display_data"):
            result = {"id": rid, "type": "result", "is_main_result": kind == "execute_result"}
            for mime, value in content.get("data", {}).items():
                result[MIME.get(mime, mime)] = value
            out(result)
        elif kind == "error":
            out({"id": rid, "type": "error", "name": content.get("ename", ""), "value": content.get("evalue", ""),
                 "traceback": "\n".join(content.get("traceback", []))})


threading.Thread(target=read_requests, daemon=True).start()
out({"type": "ready"})
while True:
    request = requests.get()
    if request is None:
        break
    rid = request.get("id")
    env = {str(k): str(v) for k, v in (request.get("env_vars") or {}).items()}
    if env:
        # the values travel as a JSON literal: data, not code
        run("import os as _agentbox_os, json as _agentbox_json\n"
            "_agentbox_env = {k: _agentbox_os.environ.get(k) for k in _agentbox_json.loads(%r)}\n"
            "_agentbox_os.environ.update(_agentbox_json.loads(%r))" % (json.dumps(list(env)), json.dumps(env)), None)
    count = run(str(request.get("code", "")), rid)
    if env:
        run("for _k, _v in _agentbox_env.items():\n"
            "    _agentbox_os.environ.pop(_k, None) if _v is None else _agentbox_os.environ.__setitem__(_k, _v)", None)
    if count is not None:
        out({"id": rid, "type": "number_of_executions", "execution_count": count})
    out({"id": rid, "type": "end_of_execution"})
kc.stop_channels()
km.shutdown_kernel(now=True)
