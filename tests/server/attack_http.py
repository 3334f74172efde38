#!/usr/bin/python3
"""attack_http.py: cheap attacks on imgcolor-server, asserted case by case.

Starts the real server (default flags unless a case needs its own) and tries what an
attacker with a laptop would: requests that one parser could read differently from
another (hidden, folded, repeated lengths, chunking in HTTP/1.0, %00, encoded slashes
and dot-segments), clients that send or read a byte at a time, silent and idle
connections, early answers followed by endless uploads, 1,000 connections trickling
heads and bodies while /healthz and /rgb2hex are timed, one address taking every
connection, a descriptor limit of 256, IPv6 and host names, and requests sent straight
to civetweb's private port. Figures are printed for docs/SECURITY.md.

The slow-client run lasts --slow-seconds (15); IMGCOLOR_SOAK=1 (CI) makes it 120 s with
the default request timeout, so that every trickler is cut off and reconnects ten times.
"""
import argparse
import multiprocessing
import os
import resource
import select
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ARGS = None
FORM = "application/x-www-form-urlencoded"
RGB = b"rgbs=%5B%5B1%2C2%2C3%5D%5D"


class Server:
    def __init__(self, workdir, extra=(), nofile=None, host=None):
        self.port_file = os.path.join(workdir, "port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "w")
        cmd = [ARGS.server, "--port", "0", "--port-file", self.port_file, *extra]
        if host:
            cmd += ["--host", host]

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log,
                                     preexec_fn=limit)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    text = f.read().split()
                if text:
                    self.port = int(text[0])
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError("server did not start: " + open(self.log_path).read()[-2000:])

    def text(self):
        self.log.flush()
        return open(self.log_path).read()

    def max_connections(self):
        """The front's connection limit, from its start-up line (written just after the
        port file, so it may take a moment)."""
        for _ in range(100):
            text = self.text()
            if "at most " in text:
                return int(text.split("at most ")[1].split()[0]), text
            time.sleep(0.05)
        raise AssertionError("no start-up line with the connection limit")

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=40)
        if rc != 0:
            raise AssertionError(f"server exited {rc}")
        log = self.text()
        for line in log.splitlines():
            if '"status":5' in line and '"status":503' not in line:
                raise AssertionError("a 5xx other than 503: " + line)


def connect(port, host="127.0.0.1", src=None, timeout=10):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((host, port))
    return s


def parse_responses(out):
    """Splits bytes into (status, headers, body) responses framed by Content-Length."""
    res = []
    while out:
        head, sep, rest = out.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            break
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get("content-length", "0"))
        res.append((status, headers, rest[:n]))
        out = rest[n:]
    return res


def exchange(port, data, host="127.0.0.1", src=None, timeout=10, trickle=0.0):
    """Sends data and reads until the server closes. Returns (responses, seconds)."""
    t0 = time.monotonic()
    s = connect(port, host, src, timeout)
    out = b""
    try:
        if trickle:  # a byte at a time, until the server answers
            for i in range(len(data)):
                s.sendall(data[i:i + 1])
                if select.select([s], [], [], trickle)[0]:
                    break
        else:
            s.sendall(data)
    except OSError:
        pass
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    s.close()
    return parse_responses(out), time.monotonic() - t0


def req(method, path, body=b"", ctype=None, extra=b"", version=b"1.1", close=True):
    head = b"%s %s HTTP/%s\r\nHost: x\r\n" % (method.encode(), path.encode(), version)
    if close:
        head += b"Connection: close\r\n"
    if ctype:
        head += b"Content-Type: " + ctype.encode() + b"\r\n"
    if body or method == "POST":
        head += b"Content-Length: %d\r\n" % len(body)
    return head + extra + b"\r\n" + body


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def expect(port, name, data, want, host="127.0.0.1", count=1):
    res, secs = exchange(port, data, host=host)
    statuses = [r[0] for r in res]
    check(statuses[:1] == [want] and len(res) == count,
          f"{name}: expected {count} x {want}, got {statuses}: {res[:1]}")
    status, headers, body = res[0]
    if status >= 400:
        check(headers.get("content-type") == "application/problem+json",
              f"{name}: not a problem document")
        check(b'"status":%d' % status in body, f"{name}: bad problem document {body!r}")
    check(headers.get("x-content-type-options") == "nosniff", f"{name}: no security headers")
    return res


# ---------------------------------------------------------------------------------------
# Strict HTTP


OK = b'{"rgbs":[[1,2,3]]}'


def chunked(body):
    return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"


def strict_cases():
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(61))
    sixty = b"".join(b"X-H%d: v\r\n" % i for i in range(58))  # with Host, Connection
    hidden = b"".join(b"X-H%d: v\r\n" % i for i in range(70)) + b"Content-Length: 37\r\n"
    smuggled = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    g = lambda path: b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    post = lambda extra, body=b"": (b"POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\nConnection: close"
                                    b"\r\nContent-Type: application/json\r\n" + extra +
                                    b"\r\n" + body)
    return [
        ("61 header fields", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", 431),
        ("60 header fields", b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
         sixty + b"\r\n", 200),
        ("Content-Length hidden past the 64th header", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
         hidden + b"\r\n" + smuggled, 431),
        ("obs-fold", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", 400),
        # each of these bodies would be answered 200 if its framing were guessed
        ("folded Content-Length", post(b"Content-Length:\r\n 18\r\n", OK), 400),
        ("Content-Length twice, same value", post(b"Content-Length: 18\r\nContent-Length: 18"
                                                  b"\r\n", OK), 400),
        ("Content-Length twice, other values", post(b"Content-Length: 18\r\n"
                                                    b"Content-Length: 19\r\n", OK + b" "), 400),
        ("Content-Length list", post(b"Content-Length: 18, 18\r\n", OK), 400),
        ("Content-Length +18", post(b"Content-Length: +18\r\n", OK), 400),
        ("Content-Length 0x12", post(b"Content-Length: 0x12\r\n", OK), 400),
        ("Content-Length empty", post(b"Content-Length: \r\n", OK), 400),
        ("Content-Length of 16 digits", post(b"Content-Length: 1000000000000000\r\n"), 400),
        ("space before the colon", post(b"Content-Length : 18\r\n", OK), 400),
        ("Transfer-Encoding with Content-Length", post(
            b"Content-Length: 18\r\nTransfer-Encoding: chunked\r\n", chunked(OK)), 400),
        ("Transfer-Encoding in HTTP/1.0", b"POST /v1/rgb2hex HTTP/1.0\r\nHost: x\r\n"
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(OK),
         400),
        ("Transfer-Encoding gzip, chunked", post(b"Transfer-Encoding: gzip, chunked\r\n",
                                                 chunked(OK)), 400),
        ("Transfer-Encoding twice", post(b"Transfer-Encoding: chunked\r\n"
                                         b"Transfer-Encoding: chunked\r\n", chunked(OK)), 400),
        ("chunked, as a check of the above", post(b"Transfer-Encoding: chunked\r\n", chunked(OK)),
         200),
        ("Content-Length, as a check of the above", post(b"Content-Length: 18\r\n", OK), 200),
        ("chunk size with a sign", post(b"Transfer-Encoding: chunked\r\n",
                                        b"+2\r\n{}\r\n0\r\n\r\n"), 400),
        ("chunk data longer than its size", post(b"Transfer-Encoding: chunked\r\n",
                                                 b"1\r\n{}\r\n0\r\n\r\n"), 400),
        ("chunk with a bare LF", post(b"Transfer-Encoding: chunked\r\n", b"2\n{}\r\n0\r\n\r\n"),
         400),
        ("chunked with extension and trailer", post(
            b"Transfer-Encoding: chunked\r\n",
            b"9;x=y\r\n{\"rgbs\":[\r\n8\r\n[1,2,3]]\r\n1\r\n}\r\n0\r\nX-T: 1\r\n\r\n"), 200),
        ("%00 in the path", g(b"/metrics%00.png"), 400),
        ("encoded slash", g(b"/x/..%2fmetrics"), 400),
        ("encoded slash, upper case", g(b"/x%2Fhealthz"), 400),
        ("encoded backslash", g(b"/x%5chealthz"), 400),
        ("dot-segment", g(b"/x/../healthz"), 400),
        ("single dot-segment", g(b"/./healthz"), 400),
        ("trailing dot-segment", g(b"/healthz/.."), 400),
        ("encoded dot-segment", g(b"/x/%2e%2E/healthz"), 400),
        ("half-encoded dot-segment", g(b"/x/.%2e/healthz"), 400),
        ("bad percent-encoding", g(b"/heal%zzthz"), 400),
        ("percent at the end", g(b"/healthz%"), 400),
        ("a dotted name is no dot-segment", g(b"/.well-known"), 404),
        ("raw byte 0x80 in the path", g(b"/heal\x80thz"), 400),
        ("absolute-form target", g(b"http://example.com/healthz"), 200),
        ("absolute-form https, no path: /, the page", g(b"https://example.com"), 200),
        ("absolute-form with user info", g(b"http://u@example.com/healthz"), 400),
        ("asterisk for GET", g(b"*"), 400),
        ("authority-form", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 400),
        ("fragment in the target", g(b"/healthz#x"), 400),
        ("HTTP/1.1 without Host", b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
        ("two Host fields", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("HTTP/1.0 without Host", b"GET /healthz HTTP/1.0\r\n\r\n", 200),
        ("HTTP/1.2", b"GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n", 400),
        ("two spaces in the request line", b"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("tab in the request line", b"GET\t/healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("bare CR", b"GET /healthz HTTP/1.1\rHost: x\r\n\r\n", 400),
        ("NUL in a header value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400),
        ("Expect other than 100-continue", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
         b"Expect: 200-ok\r\n\r\n", 417),
        ("request line over 16 KiB", b"GET /" + b"a" * 17000 + b" HTTP/1.1\r\n\r\n", 414),
        ("head over 16 KiB", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-P: " + b"p" * 17000 +
         b"\r\n\r\n", 431),
        ("body over the limit, declared", post(b"Content-Length: 21000000\r\n"), 413),
        ("chunk over the limit, declared", post(b"Transfer-Encoding: chunked\r\n",
                                                b"1400001\r\n"), 413),
    ]


def run_strict(port):
    n = 0
    for name, data, want in strict_cases():
        res = expect(port, name, data, want)
        n += 1
        if name.startswith("Content-Length hidden"):
            check(len(res) == 1, "the smuggled request was answered")
    # OPTIONS * and pipelining
    res = expect(port, "OPTIONS *", b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 204)
    check("GET" in res[0][1].get("allow", ""), "OPTIONS * without Allow")
    # Expect: 100-continue: the interim answer once the head has passed, then the answer
    s = connect(port)
    s.sendall(b"POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
              b"application/json\r\nContent-Length: 18\r\nExpect: 100-continue\r\n\r\n")
    first = s.recv(4096)
    check(first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), f"no 100 Continue: {first!r}")
    s.sendall(OK)
    out, _, res = timed_close(s, 10)
    s.close()
    if first[25:]:
        res = parse_responses(first[25:] + out)
    check([r[0] for r in res] == [200], f"after 100 Continue: {res}")
    two = req("GET", "/healthz", close=False) + req("POST", "/rgb2hex", RGB, FORM)
    res = expect(port, "two pipelined requests", two, 200, count=2)
    check(b"#010203" in res[1][2], "second pipelined answer wrong")
    print(f"strict HTTP: {n + 3} cases, each answered as expected (400/404/413/414/417/431, "
          "200 for absolute-form, 204 for OPTIONS *); no request smuggled past the 64th header")


def run_keys(workdir):
    key = subprocess.run([ARGS.server, "new-key", "attack"], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    keys = os.path.join(workdir, "keys.txt")
    with open(keys, "w") as f:
        f.write(key[1] + "\n")
    srv = Server(workdir, ["--api-keys", keys, "--rate-limit", "0"])
    try:
        for path, method in [("/nope", "GET"), ("/v1/nope", "POST"), ("/metrics", "GET"),
                             ("/v1/rgb2hex", "GET"), ("/openapi.json", "GET")]:
            res = expect(srv.port, f"keys on, {method} {path}", req(method, path), 401)
            check("bearer" in res[0][1].get("www-authenticate", "").lower(), "no challenge")
        auth = b"Authorization: Bearer " + key[0].encode() + b"\r\n"
        expect(srv.port, "keys on, unknown path with a key", req("GET", "/nope", extra=auth), 404)
        expect(srv.port, "keys on, health", req("GET", "/healthz"), 200)
        print("keys on: unknown paths answer 401 like known ones; 404 only with a valid key")
    finally:
        srv.stop()


# ---------------------------------------------------------------------------------------
# Deadlines


def timed_close(s, limit):
    """Reads until the server closes; returns (bytes, seconds, responses)."""
    t0 = time.monotonic()
    out = b""
    s.settimeout(limit)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    return out, time.monotonic() - t0, parse_responses(out)


def run_deadlines(workdir):
    timeout = 2.0
    srv = Server(workdir, ["--request-timeout-ms", "2000", "--keep-alive-timeout-ms", "1000"])
    port = srv.port
    lines = []
    try:
        # a head a byte every 300 ms
        res, secs = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890\r\n",
                             trickle=0.3, timeout=15)
        check([r[0] for r in res] == [408] and timeout - 0.2 <= secs <= timeout + 1.5,
              f"slow head: {[r[0] for r in res]} after {secs:.2f} s")
        lines.append(f"slow head 408 after {secs:.2f} s")
        # bodies: 26 bytes at 1 byte/s; a declared 10 MB body at a byte every 0.5 s; chunks
        for name, head, gap in [
            ("26-byte body at 1 byte/s", b"POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\n"
             b"Content-Type: application/json\r\nContent-Length: 26\r\n\r\n", 1.0),
            ("10 MB body at 2 bytes/s", b"POST /v1/prominent-colors HTTP/1.1\r\nHost: x\r\n"
             b"Content-Type: image/png\r\nContent-Length: 10000000\r\n\r\n", 0.5),
            ("chunked body at 5 bytes/s", b"POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\n"
             b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nfffff\r\n",
             0.2)]:
            s = connect(port)
            t0 = time.monotonic()
            s.sendall(head)
            s.setblocking(False)
            out = b""
            while time.monotonic() - t0 < 10 and not out:
                try:
                    s.send(b"1")
                except OSError:
                    pass
                select.select([s], [], [], gap)
                try:
                    out = s.recv(4096)
                except BlockingIOError:
                    pass
                except OSError:
                    break
            secs = time.monotonic() - t0
            s.close()
            res = parse_responses(out)
            check([r[0] for r in res] == [408] and secs <= timeout + gap + 0.8,
                  f"{name}: {[r[0] for r in res]} after {secs:.2f} s")
            lines.append(f"{name} 408 after {secs:.2f} s")
        # a silent connection, and an idle keep-alive one
        s = connect(port)
        out, secs, _ = timed_close(s, 10)
        check(out == b"" and secs <= timeout + 0.8, f"silent connection: {out!r} {secs:.2f} s")
        s.close()
        lines.append(f"silent connection closed after {secs:.2f} s")
        s = connect(port)
        s.sendall(req("GET", "/healthz", close=False))
        time.sleep(0.2)
        out, secs, res = timed_close(s, 10)
        check([r[0] for r in res] == [200] and secs <= 1.0 + 0.8,
              f"idle keep-alive: {[r[0] for r in res]} closed after {secs:.2f} s")
        s.close()
        lines.append(f"idle keep-alive connection closed {secs + 0.2:.2f} s after its answer")
        # a reader that never reads: 400 pipelined /openapi.json requests, a small window
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(req("GET", "/openapi.json", close=False) * 400)
        t0 = time.monotonic()
        ok, _ = exchange(port, req("GET", "/healthz"))
        check(ok and ok[0][0] == 200, "health check while a reader stalls")
        time.sleep(timeout + 1.5)
        out, _, res = timed_close(s, 10)
        s.close()
        check(len(res) < 400, f"slow reader: all {len(res)} answers delivered, not cut off")
        lines.append(f"a reader that stops reading is cut off after {len(res)} of 400 "
                     f"pipelined answers ({len(out)} bytes), within the {timeout:.0f} s write "
                     "deadline")
        # an early answer (413 from the declared length), then an endless upload
        s = connect(port)
        s.sendall(b"POST /v1/prominent-colors HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                  b"Content-Length: 100000000\r\n\r\n")
        t0 = time.monotonic()
        s.setblocking(False)
        got, sent, closed, eof = b"", 0, None, False
        # the answer, then end of stream (shut down for writing); the upload goes on until
        # the server closes, which a send then reports
        while time.monotonic() - t0 < 15 and closed is None:
            try:
                sent += s.send(b"x" * 1024)
            except BlockingIOError:
                pass
            except OSError:
                closed = time.monotonic() - t0
                break
            try:
                chunk = b"" if eof else s.recv(65536)
                got += chunk
                eof = eof or not chunk
            except BlockingIOError:
                pass
            except OSError:
                closed = time.monotonic() - t0
            time.sleep(0.02)
        s.close()
        res = parse_responses(got)
        check([r[0] for r in res] == [413], f"early answer: {[r[0] for r in res]}")
        check(closed is not None and closed <= 2.0 + 1.0, f"early answer drained {closed} s")
        lines.append(f"413 at once, then the upload is drained {closed:.2f} s ({sent} bytes) "
                     "and the connection closed")
        ok, _ = exchange(port, req("GET", "/healthz"))
        check(ok and ok[0][0] == 200, "health check after the deadline cases")
    finally:
        srv.stop()
    print("deadlines (--request-timeout-ms 2000, --keep-alive-timeout-ms 1000): " +
          "; ".join(lines))


# ---------------------------------------------------------------------------------------
# 1,000 slow clients


def trickler(port, count, seconds, sources, result, stop):
    """count connections trickling a byte each second, half heads and half bodies, from
    the given source addresses; each reconnects when the server ends it."""
    sel = selectors.DefaultSelector()
    socks = {}
    opened = [0]
    statuses = {}

    def open_one(i):
        s = socket.socket()
        s.setblocking(False)
        s.bind((sources[i % len(sources)], 0))
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        if i % 2:
            data = b"POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" \
                   b"Content-Length: 100000\r\n\r\n" + b"[" * 100000
        else:
            data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 20000
        socks[s] = [i, data, 0, b""]
        sel.register(s, selectors.EVENT_READ)
        opened[0] += 1

    t_end = time.monotonic() + seconds
    for i in range(count):
        open_one(i)
    tick, k = 0.02, 0
    while time.monotonic() < t_end and not stop.is_set():
        step = max(1, count // 50)
        for s in list(socks)[k * step % max(1, len(socks)):][:step]:
            st = socks[s]
            try:
                # a body's head goes at once, then a byte a second
                n = 80 if st[2] == 0 and st[0] % 2 else 1
                st[2] += s.send(st[1][st[2]:st[2] + n])
            except OSError:
                pass
        k += 1
        for key, _ in sel.select(timeout=tick):
            s = key.fileobj
            st = socks[s]
            try:
                chunk = s.recv(4096)
            except OSError:
                chunk = b""
            if chunk:
                st[3] += chunk
                continue
            for r in parse_responses(st[3]):
                statuses[r[0]] = statuses.get(r[0], 0) + 1
            sel.unregister(s)
            s.close()
            del socks[s]
            open_one(st[0])
    for s in socks:
        s.close()
    result.put((opened[0], statuses))


def prober(port, seconds, result):
    lat = {"/healthz": [], "/rgb2hex": []}
    fails = 0
    t_end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < t_end:
        path = "/healthz" if i % 2 == 0 else "/rgb2hex"
        data = req("GET", "/healthz") if i % 2 == 0 else req("POST", "/rgb2hex", RGB, FORM)
        t0 = time.monotonic()
        try:
            res, _ = exchange(port, data, timeout=5)
            good = res and res[0][0] == 200
        except OSError:
            good = False
        if good:
            lat[path].append(time.monotonic() - t0)
        else:
            fails += 1
        i += 1
        time.sleep(0.01)
    result.put((lat, fails))


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def probe_window(port, seconds):
    """Times /healthz and /rgb2hex for seconds; returns (figures, worst p99, failures)."""
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=prober, args=(port, seconds, q))
    p.start()
    lat, fails = q.get(timeout=seconds + 60)
    p.join(10)
    figures, worst = [], 0.0
    for path, xs in lat.items():
        check(xs, f"no {path} probe answered")
        p50, p99, top = percentile(xs, 0.5), percentile(xs, 0.99), max(xs)
        worst = max(worst, p99)
        figures.append(f"{path} {len(xs)} probes, median {p50 * 1e3:.1f} ms, p99 "
                       f"{p99 * 1e3:.1f} ms, max {top * 1e3:.1f} ms")
        check(p50 < 0.010, f"{path} median {p50 * 1e3:.1f} ms under slow clients")
    return "; ".join(figures), worst, fails


def run_slow_clients(workdir, count, seconds):
    """count trickling connections; /healthz and /rgb2hex must keep a p99 under 100 ms.
    The machine is shared: a window over the bar is measured again, up to three windows,
    and every window is reported (a server that lets slow clients hold its workers is
    seconds over the bar in every window)."""
    srv = Server(workdir, ["--rate-limit", "0"])
    try:
        max_conns, _ = srv.max_connections()
        # 100 an address: under the cap of 128, with room for reconnections to overlap
        sources = [f"127.0.0.{i}" for i in range(2, 2 + (count + 99) // 100)]
        baseline, _, _ = probe_window(srv.port, 5)  # the same probes, no slow clients
        q, stop = multiprocessing.Queue(), multiprocessing.Event()
        t = multiprocessing.Process(target=trickler, args=(srv.port, count, 3 * seconds + 10,
                                                           sources, q, stop))
        t.start()
        time.sleep(3)  # every trickler connected
        cpu0, t0 = srv.cpu_seconds(), time.monotonic()
        windows = []
        for _ in range(3):
            figures, worst, fails = probe_window(srv.port, seconds)
            check(fails == 0, f"{fails} probes failed")
            windows.append(figures)
            if worst < 0.100:
                break
        cpu, wall = srv.cpu_seconds() - cpu0, time.monotonic() - t0
        stop.set()
        opened, statuses = q.get(timeout=60)
        t.join(30)
        check(set(statuses) <= {408}, f"tricklers got {statuses}")
        print(f"{count} trickling connections (half heads, half bodies, 1 byte/s, from "
              f"{len(sources)} addresses; {opened} opened in all, cut off with {statuses}), "
              f"limit {max_conns} connections, {seconds} s windows: " + " | ".join(windows) +
              f" (without them, 5 s: {baseline})" +
              f"; server CPU {cpu:.1f} s in {wall:.0f} s")
        check(worst < 0.100, f"p99 {worst * 1e3:.1f} ms is over 100 ms in every window")
    finally:
        srv.stop()


# ---------------------------------------------------------------------------------------
# Connection limits


def run_limits(workdir):
    # one address at its cap of 16
    srv = Server(workdir, ["--max-connections-per-address", "16"])
    try:
        held = [connect(srv.port, src="127.0.0.5") for _ in range(16)]
        time.sleep(0.3)
        res, secs = exchange(srv.port, req("GET", "/healthz"), src="127.0.0.5")
        check([r[0] for r in res] == [503] and secs < 1, f"17th connection: {res}")
        res, _ = exchange(srv.port, req("GET", "/healthz"), src="127.0.0.1")
        check([r[0] for r in res] == [200], "another address is refused")
        res, _ = exchange(srv.port, req("GET", "/metrics"), src="127.0.0.1")
        counted = b'imgcolor_http_rejections_total{reason="address_connections"} 1\n'
        check(res and counted in res[0][2], "the refusal is not counted as address_connections")
        check(b'{reason="queue_full"} 0\n' in res[0][2], "the refusal is counted as queue_full")
        held.pop().close()
        time.sleep(0.3)
        res, _ = exchange(srv.port, req("GET", "/healthz"), src="127.0.0.5")
        check([r[0] for r in res] == [200], "a place given back is not taken again")
        for s in held:
            s.close()
    finally:
        srv.stop()
    # a descriptor limit of 256: sized below it, and full without spinning
    srv = Server(workdir, ["--max-connections", "100000"], nofile=256)
    try:
        n, text = srv.max_connections()
        check(n + 2 * 64 + 64 <= 256, f"{n} connections with 256 descriptors")
        check("past what the descriptor limit" in text, "no warning for --max-connections")
        held = [connect(srv.port, src=f"127.0.1.{i % 20 + 1}") for i in range(n + 100)]
        time.sleep(0.5)
        cpu0 = srv.cpu_seconds()
        time.sleep(2)
        cpu = srv.cpu_seconds() - cpu0
        check(cpu < 0.3, f"the server used {cpu:.2f} s of CPU in 2 s while full")
        probe = connect(srv.port)  # waits in the backlog
        probe.sendall(req("GET", "/healthz"))
        for s in held[n // 2:]:  # half the held ones, and all that wait before the probe
            s.close()
        out, secs, res = timed_close(probe, 10)
        check([r[0] for r in res] == [200], f"the backlog was not served: {res}")
        for s in held[:n // 2]:
            s.close()
        print(f"limits: the 17th connection from one address gets 503 at once, others are "
              f"served; with ulimit -n 256 the front holds {n} connections (+100 waiting in "
              f"the backlog) using {cpu:.2f} s CPU in 2 s, and serves the backlog once "
              f"places free ({secs:.2f} s)")
    finally:
        srv.stop()
    # too few descriptors for the workers: a clear refusal, not a spin
    out = subprocess.run([ARGS.server, "--port", "0", "--threads", "200"], capture_output=True,
                         text=True, timeout=30,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE,
                                                               (256, 256)))
    check(out.returncode == 1 and "descriptor limit" in out.stderr,
          f"--threads 200 with 256 descriptors: {out.returncode} {out.stderr[-300:]}")


# ---------------------------------------------------------------------------------------
# Addresses, the private port


def backend_ports(pid):
    """Loopback TCP ports the process listens on."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state == "0A" and inode in inodes and local.startswith("0100007F:"):
                ports.append(int(local.split(":")[1], 16))
    return ports


def run_addresses(workdir):
    for host, reach, refuse in [("::1", ["::1"], ["127.0.0.1"]),
                                ("::", ["::1", "127.0.0.1"], []),
                                ("localhost", ["127.0.0.1"], [])]:
        srv = Server(workdir, [], host=host)
        try:
            for addr in reach:
                expect(srv.port, f"--host {host} via {addr}", req("GET", "/healthz"), 200,
                       host=addr)
            for addr in refuse:
                try:
                    connect(srv.port, addr, timeout=2).close()
                    raise AssertionError(f"--host {host} answers on {addr}")
                except ConnectionRefusedError:
                    pass
            if host == "::1":
                check('"client":"::1"' in srv.text(), "the IPv6 client is not logged")
        finally:
            srv.stop()
    srv = Server(workdir, ["--metrics-listen", "[::1]:0"])
    try:
        with open(srv.port_file) as f:
            mport = int(f.read().split()[1])
        res = expect(mport, "/metrics on [::1]", req("GET", "/metrics"), 200, host="::1")
        check(b"imgcolor_http_requests_total" in res[0][2], "no metrics on the IPv6 listener")
        expect(srv.port, "/metrics gone from the API port", req("GET", "/metrics"), 404)
    finally:
        srv.stop()
    srv = Server(workdir, ["--trusted-proxy", "127.0.0.1"])
    try:
        expect(srv.port, "from 127.0.0.7", req("GET", "/healthz"), 200)
        exchange(srv.port, req("GET", "/healthz"), src="127.0.0.7")
        exchange(srv.port, req("GET", "/healthz", extra=b"X-Real-IP: 203.0.113.9\r\n"))
        exchange(srv.port, req("GET", "/healthz", extra=b"X-Real-IP: 203.0.113.8\r\n"),
                 src="127.0.0.7")
        exchange(srv.port, req("GET", "/healthz",
                               extra=b"X-Imgcolor-Front: forged 198.51.100.1 api\r\n"))
        log = srv.text()
        check('"client":"127.0.0.7"' in log, "the client's address is lost")
        check('"client":"203.0.113.9"' in log, "the trusted proxy's X-Real-IP is lost")
        check("203.0.113.8" not in log, "an untrusted X-Real-IP was believed")
        check("198.51.100.1" not in log, "a forged front header was believed")
        ports = [p for p in backend_ports(srv.proc.pid) if p != srv.port]
        check(len(ports) == 1, f"civetweb's private port not found: {ports}")
        for extra in [b"", b"X-Imgcolor-Front: guess 127.0.0.1 api\r\n"]:
            res, _ = exchange(ports[0], req("GET", "/healthz", extra=extra))
            check([r[0] for r in res] == [403], f"civetweb's port answered {res}")
        print("addresses: --host ::1, :: and localhost serve where they should, "
              "--metrics-listen [::1]:0 too; client "
              "addresses reach the log and rate limit through the front (X-Real-IP only from "
              "--trusted-proxy); civetweb's private port answers 403 to requests not from "
              "the front")
    finally:
        srv.stop()


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--slow-seconds", type=int, default=15)
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--only", default="")
    ARGS = p.parse_args()
    seconds = 120 if os.environ.get("IMGCOLOR_SOAK") == "1" else ARGS.slow_seconds
    with tempfile.TemporaryDirectory() as tmp:
        steps = [("strict", lambda: run_strict_server(tmp)), ("keys", lambda: run_keys(tmp)),
                 ("deadlines", lambda: run_deadlines(tmp)), ("limits", lambda: run_limits(tmp)),
                 ("addresses", lambda: run_addresses(tmp)),
                 ("slow", lambda: run_slow_clients(tmp, ARGS.connections, seconds))]
        for name, step in steps:
            if ARGS.only and name not in ARGS.only.split(","):
                continue
            step()
    print("attack suite: all passed")


def run_strict_server(workdir):
    srv = Server(workdir, ["--rate-limit", "0"])
    try:
        run_strict(srv.port)
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
