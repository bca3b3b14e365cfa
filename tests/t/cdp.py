#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cdp.py PORT COMMAND... - a minimal Chrome DevTools Protocol client (stdlib only) for the
live-page test: it talks to a headless Chromium started with --remote-debugging-port=PORT
and reads the page it shows without reloading it.

  cdp.py PORT eval EXPR                     prints EXPR's value (JSON) in the page
  cdp.py PORT wait EXPR VALUE SECONDS       polls EXPR until it equals VALUE (its JSON text);
                                            prints the seconds it took, exit 1 on timeout
  cdp.py PORT screenshot FILE               a PNG of the page
"""
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.request


def page_ws_url(port):
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as r:
                for t in json.load(r):
                    if t.get("type") == "page":
                        return t["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("cdp: no page on the debugging port")


class WebSocket:
    def __init__(self, url):
        host_port, path = url[len("ws://"):].split("/", 1)
        host, port = host_port.split(":")
        self.s = socket.create_connection((host, int(port)), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise SystemExit("cdp: websocket handshake refused")
        self.next_id = 0

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise SystemExit("cdp: connection closed")
            buf += chunk
        return buf

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            msg += self._recv_exact(n)
            if b0 & 0x80:
                return msg.decode()

    def call(self, method, **params):
        self.next_id += 1
        self.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SystemExit(f"cdp: {method}: {reply['error']}")
                return reply["result"]


def evaluate(ws, expr):
    r = ws.call("Runtime.evaluate", expression=expr, returnByValue=True)
    return json.dumps(r["result"].get("value"))


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    ws = WebSocket(page_ws_url(sys.argv[1]))
    cmd = sys.argv[2]
    if cmd == "eval":
        print(evaluate(ws, sys.argv[3]))
    elif cmd == "wait":
        expr, want, limit = sys.argv[3], sys.argv[4], float(sys.argv[5])
        start = time.monotonic()
        while True:
            got = evaluate(ws, expr)
            if got == want:
                print(f"{time.monotonic() - start:.1f}")
                return 0
            if time.monotonic() - start > limit:
                print(f"cdp: after {limit} s {expr} is {got}, not {want}", file=sys.stderr)
                return 1
            time.sleep(0.05)
    elif cmd == "screenshot":
        r = ws.call("Page.captureScreenshot", format="png")
        with open(sys.argv[3], "wb") as f:
            f.write(base64.b64decode(r["data"]))
    else:
        print(f"cdp: unknown command {cmd}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
