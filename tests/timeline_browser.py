#!/usr/bin/env python3
"""The timeline page in a real browser: headless Chromium, driven through
the DevTools protocol (a minimal WebSocket client, standard library only).

usage: timeline_browser.py GCSIM SRCDIR [CHROMIUM]

gcsim writes the bpo-38006 timeline; Chromium opens it from a file. The
test fails on any console error or warning, uncaught exception, failed
load or log entry of level warning or error, and checks in the live DOM
that the page shows the violation: the result box, the violation's event,
the graphs as SVG with the violating object marked, laid out with a size.
It loads nothing: the browser's resource timing list stays empty.

The same checks run first on a page that breaks them (a console error, an
exception, a missing image), which must be caught: the oracle can fail.

Exit 77 (skipped) when Chromium is not installed; a Chromium that is there
but cannot be driven is a failure. Everything runs on 127.0.0.1 and stops
by itself (a hang ends at a generous deadline; no timing is asserted).
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from checks import Checks

DEADLINE = 120  # seconds: only against a hang


class WebSocket:
    """Just enough RFC 6455 for the DevTools protocol: masked text frames
    out, text frames (possibly fragmented) in, pings answered."""

    def __init__(self, host, port, path):
        self.sock = socket.create_connection((host, port), timeout=DEADLINE)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"websocket handshake: {head[:80]!r}")

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("websocket closed")
            data += chunk
        return data

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = b0 & 0x0F
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("websocket closed by the browser")
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if b0 & 0x80:
                    return message.decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Browser:
    """One headless Chromium with its own profile, and one page in it."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="gcsim-chromium-")
        self.log = open(os.path.join(self.profile, "stderr.log"), "w")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--disable-gpu", "--no-sandbox",
             "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--window-size=1200,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.log)
        self.ws = None
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self):
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        end = time.monotonic() + DEADLINE
        while not os.path.exists(port_file) or \
                len(open(port_file).read().split("\n")) < 2:
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError("chromium did not start its DevTools "
                                   "server:\n" + self.stderr_tail())
            time.sleep(0.1)
        port, path = open(port_file).read().split("\n")[:2]
        self.ws = WebSocket("127.0.0.1", int(port), path)
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target["targetId"],
                                  "flatten": True})["sessionId"]

    def stderr_tail(self):
        self.log.flush()
        with open(self.log.name) as f:
            return "".join(f.readlines()[-10:])

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def page(self, method, params=None):
        return self.call(method, params, self.session)

    def wait_event(self, method):
        for e in self.events:
            if e["method"] == method and e.get("sessionId") == self.session:
                return e
        while True:
            e = json.loads(self.ws.recv())
            if "method" in e:
                self.events.append(e)
                if e["method"] == method and \
                        e.get("sessionId") == self.session:
                    return e

    def open(self, url):
        """Load url in a fresh page state; return the problems it reported."""
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.page(f"{domain}.enable")
        nav = self.page("Page.navigate", {"url": url})
        problems = []
        if nav.get("errorText"):
            problems.append(f"navigation: {nav['errorText']}")
        self.wait_event("Page.loadEventFired")
        # one more round trip: whatever the load set off has been reported
        self.page("Runtime.evaluate", {"expression": "0"})
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.consoleAPICalled" and \
                    p.get("type") in ("error", "warning", "assert"):
                args = " ".join(str(a.get("value", a.get("description", "")))
                                for a in p.get("args", []))
                problems.append(f"console.{p['type']}: {args}")
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                problems.append("exception: " + d.get("exception", {}).get(
                    "description", d.get("text", "?")))
            elif m == "Log.entryAdded" and \
                    p.get("entry", {}).get("level") in ("error", "warning"):
                problems.append(f"log {p['entry']['level']}: "
                                f"{p['entry'].get('text', '')}")
            elif m == "Network.loadingFailed":
                problems.append(f"failed load: {p.get('errorText')}")
        return problems

    def value(self, expression):
        r = self.page("Runtime.evaluate",
                      {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            return f"exception: {r['exceptionDetails'].get('text')}"
        return r.get("result", {}).get("value")

    def close(self):
        if self.ws:
            try:
                self.call("Browser.close")
            except (RuntimeError, ConnectionError, OSError):
                pass
            self.ws.close()
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page must show, as JavaScript expressions that must be true.
EXPECT = [
    "document.title.includes('VIOLATION call-after-clear')",
    "document.getElementById('result').className === 'violation'",
    "document.getElementById('result').innerText.includes("
    "'VIOLATION call-after-clear on c at step 16')",
    "document.getElementById('violation').innerText.startsWith("
    "'VIOLATION call-after-clear on c')",
    "document.querySelectorAll('svg').length === 2",
    "document.querySelectorAll('#graph svg g.node.violation').length === 1",
    "document.querySelector('#graph svg g.node.violation title')"
    ".textContent === 'n0'",
    "document.querySelectorAll('#graph svg g.node.cleared').length === 2",
    "document.querySelectorAll('#graph svg g.node.dying').length === 2",
    "document.querySelectorAll('#graph svg g.cluster.unreachable').length"
    " === 1",
    "document.querySelectorAll('#graph svg g.edge.path').length === 5",
    "document.querySelectorAll('#collection-1 svg g.node').length === 5",
    "document.querySelector('#graph svg').getBoundingClientRect().width"
    " > 200",
    "document.querySelector('#graph svg').getBoundingClientRect().height"
    " > 200",
    "performance.getEntriesByType('resource').length === 0",
    "document.querySelectorAll('ol.scenario li').length === 16",
    "document.querySelector('ol.scenario li.hit').innerText === 'collect 2'",
]


def main():
    gcsim, src = sys.argv[1], sys.argv[2]
    chromium = sys.argv[3] if len(sys.argv) > 3 else \
        shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not shutil.which(chromium):
        print("skipped: chromium is not installed (apt-get install chromium)")
        return 77
    if not shutil.which("dot"):
        print("skipped: Graphviz's dot is not installed (the page would have "
              "no SVG)")
        return 77
    work = tempfile.mkdtemp(prefix="gcsim-timeline-")
    checks = Checks()
    check = checks.check

    page = os.path.join(work, "bpo38006.html")
    p = subprocess.run([gcsim, "run",
                        os.path.join(src, "corpus/scenarios/bpo38006.gcs"),
                        "--timeline", page], capture_output=True, text=True)
    check("gcsim run --timeline exits 1 (the violation)", p.returncode == 1,
          p.stderr)
    broken = os.path.join(work, "broken.html")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    with open(broken, "w", encoding="utf-8") as f:
        f.write(text.replace(
            "</body>", "<img src=\"missing.png\"><script>console.error("
            "'boom'); undefinedFunction();</script></body>"))
    browser = None
    try:
        browser = Browser(chromium)
        problems = browser.open("file://" + broken)
        check("the oracle catches a broken page (console error, exception, "
              "failed load)",
              any(x.startswith("console.error") for x in problems) and
              any(x.startswith("exception") for x in problems) and
              any("missing.png" in x or "ERR_FILE_NOT_FOUND" in x
                  or "failed load" in x for x in problems), str(problems))
        problems = browser.open("file://" + page)
        check("the timeline opens with no console error, exception or "
              "failed load", not problems, "; ".join(problems))
        for expr in EXPECT:
            v = browser.value(expr)
            check(expr, v is True, f"got {v!r}")
    except (RuntimeError, ConnectionError, OSError) as e:
        check("drive chromium", False, f"{e}\n" +
              (browser.stderr_tail() if browser else ""))
    finally:
        if browser:
            browser.close()
        shutil.rmtree(work, ignore_errors=True)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
