# A raw HTTP/1.1 client for one connection at a time, to see exactly what the egress does with it.
#   keep-alive-client.py ADDR PORT TARGET N sequential   N requests, each sent once the last answer is read,
#                                                        reconnecting only when an answer says Connection: close
#   keep-alive-client.py ADDR PORT TARGET N pipelined    N requests written at once on one connection
# TARGET is what goes on the request line (an absolute URL for the proxy, a path otherwise); the Host header
# is taken from it or from $HOST. Prints one line per answer ("200 close" / "200 keep-alive", then the
# response's X-Api-Key line if any), "connections K", and how the last connection ended: "eof" or "reset".
import os, socket, sys

addr, port, target, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
host = target.split("/")[2] if target.startswith("http://") else os.environ["HOST"]
request = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: keep-alive-client\r\n\r\n" % (target, host)).encode()

def read_answer(f):
    status = f.readline()
    if not status:
        return None
    headers = {}
    while True:
        line = f.readline().decode().strip()
        if not line:
            break
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return status.decode().split()[1], headers, body.decode()

def report(answer):
    code, headers, body = answer
    print(code, "close" if "close" in headers.get("connection", "").lower() else "keep-alive")
    for line in body.splitlines():
        if line.lower().startswith("x-api-key"):
            print(line)

def ending(sock, f):
    try:
        rest = f.read()
        return "eof" if rest == b"" else "extra bytes %r" % rest[:80]
    except ConnectionResetError:
        return "reset"

connections, end = 0, "open"
try:
    sock = socket.create_connection((addr, port), timeout=20)
    connections = 1
    f = sock.makefile("rb")
    if mode == "pipelined":
        sock.sendall(request * n)
        while True:
            a = read_answer(f)
            if a is None:
                end = "eof"
                break
            report(a)
            if "close" in a[1].get("connection", "").lower():
                end = ending(sock, f)
                break
    else:
        for i in range(n):
            sock.sendall(request)
            a = read_answer(f)
            if a is None:
                print("no answer on a kept-alive connection")
                break
            report(a)
            if "close" in a[1].get("connection", "").lower():
                end = ending(sock, f)
                if i < n - 1:
                    sock.close()
                    sock = socket.create_connection((addr, port), timeout=20)
                    connections += 1
                    f = sock.makefile("rb")
except ConnectionResetError:
    end = "reset"
except socket.timeout:
    end = "timeout"
print("connections", connections)
print("end", end)
