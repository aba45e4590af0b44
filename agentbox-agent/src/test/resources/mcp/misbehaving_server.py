"""A minimal MCP stdio server that misbehaves on purpose: `boom` exits in the middle of the call,
`hang` never answers. Everything else follows the protocol, so the client connects normally, and
`greet` answers with the GREETING variable of its environment."""
import json
import os
import sys


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    if not line.strip():
        continue
    msg = json.loads(line)
    mid, method = msg.get("id"), msg.get("method")
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": msg["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "misbehaving", "version": "1.0.0"}}})
    elif method == "tools/list":
        schema = {"type": "object", "properties": {}}
        send({"jsonrpc": "2.0", "id": mid, "result": {"tools": [
            {"name": "boom", "description": "exits during the call", "inputSchema": schema},
            {"name": "hang", "description": "never answers", "inputSchema": schema},
            {"name": "greet", "description": "says GREETING", "inputSchema": schema}]}})
    elif method == "tools/call":
        if msg["params"]["name"] == "boom":
            sys.stderr.write("boom: exiting on purpose\n")
            sys.stderr.flush()
            sys.exit(3)
        if msg["params"]["name"] == "greet":
            text = "greeting: " + os.environ.get("GREETING", "(unset)")
            send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": text}]}})
        # hang: read on, answer nothing
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": mid, "result": {}})
    elif mid is not None:
        send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "no such method: " + str(method)}})
