"""A stand-in for ``wasmbench serve`` in ``invoke``'s tests: the contract's ready line, POST /invoke
answered 200 (every ``--wrong-every``-th request: 500, a wrong output), /metrics with the hosts'
RSS gauge, and SIGTERM to stop."""

import argparse
import itertools
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RSS_BYTES = 50 * 2**20

parser = argparse.ArgumentParser()
for flag in ("-r", "-w", "--size", "--path", "--instances", "--timeout", "--port"):
    parser.add_argument(flag)
parser.add_argument("--wrong-every", type=int, default=0)
args = parser.parse_args()
counter = itertools.count(1)
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            number = next(counter)
        wrong = args.wrong_every and number % args.wrong_every == 0
        body = b'{"status": "wrong_output", "reason": "fake"}' if wrong else b"wasmbench nop\n"
        self._answer(500 if wrong else 200, body)

    def do_GET(self):
        self._answer(
            200, f"# TYPE wasmbench_host_rss_bytes gauge\nwasmbench_host_rss_bytes {RSS_BYTES}\n".encode()
        )

    def _answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
host, port = server.server_address
print(
    f"serving {args.r} {args.w} on http://{host}:{port}/invoke "
    f"({args.path}, {args.instances} instances, size {args.size})",
    flush=True,
)
server.serve_forever()
sys.exit(0)
