# The servers of the test internet, run inside its network namespace:
#   HTTP on 80 and HTTPS on 443 (certificate from the test CA): GET / greets with the Host it got,
#   GET /headers lists the request headers, GET /bytes/N sends N bytes;
#   TCP echo and UDP echo on 7. Prints "ready" once every socket listens.
import http.server, socket, socketserver, ssl, sys, threading

certdir = sys.argv[1]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, status=200):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/headers":
            self.reply("".join("%s: %s\n" % (k, v) for k, v in self.headers.items()).encode())
        elif self.path.startswith("/bytes/"):
            n = int(self.path[len("/bytes/"):])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"x" * (1 << 20)
            while n > 0:
                k = min(n, len(chunk))
                self.wfile.write(chunk[:k])
                n -= k
        else:
            self.reply(("hello from the test internet, host %s\n" % self.headers.get("Host")).encode())

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.reply(("".join("%s: %s\n" % (k, v) for k, v in self.headers.items()) + "\n").encode() + body)

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

http_server = Server(("0.0.0.0", 80), Handler)
https_server = Server(("0.0.0.0", 443), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certdir + "/server.crt", certdir + "/server.key")
https_server.socket = ctx.wrap_socket(https_server.socket, server_side=True)

class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)

class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

echo = EchoServer(("0.0.0.0", 7), Echo)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("0.0.0.0", 7))

def udp_echo():
    while True:
        data, addr = udp.recvfrom(65536)
        udp.sendto(data, addr)

for target in (http_server.serve_forever, https_server.serve_forever, echo.serve_forever, udp_echo):
    threading.Thread(target=target, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
