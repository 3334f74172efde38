#!/usr/bin/python3
"""hostile_http.py: malformed and slow HTTP against imgcolor-server.

Starts the real server with few threads and a short request timeout, then sends
requests no well-behaved client sends, over raw sockets: broken multipart framing,
lying Content-Length, control bytes and invalid UTF-8 in bodies, deep and huge JSON,
NaN and out-of-range numbers, 100 000-element lists, oversized headers, requests
written one byte at a time. Each must get a 4xx RFC 9457 problem document within a
bounded time, and a health check right after must succeed. Then slow clients: several
times --threads connections trickle bytes while well-formed requests are timed; they
must still be served, and the figures are printed.
"""
import argparse
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

THREADS = 8
TIMEOUT_MS = 1500
FORM = "application/x-www-form-urlencoded"


def start_server(server, workdir, extra=()):
    port_file = os.path.join(workdir, "port")
    log = open(os.path.join(workdir, "server.log"), "w")
    cmd = [server, "--port", "0", "--port-file", port_file, "--threads", str(THREADS),
           "--request-timeout-ms", str(TIMEOUT_MS), "--keep-alive-timeout-ms", "1000",
           "--rate-limit", "0", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read().split()
            if text:
                return proc, int(text[0])
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("server did not start; see " + log.name)


def exchange(port, data, trickle=0.0, limit=10.0):
    """Sends data (one byte at a time if trickle) and reads until the server closes.
    Returns (status, headers, body, seconds)."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(limit)
    out = b""
    try:
        try:
            if trickle:
                for i in range(len(data)):
                    s.sendall(data[i:i + 1])
                    if trickle > 0:
                        time.sleep(trickle)
            else:
                s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered early (from the head alone): read what was sent
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if response_complete(out):
                break
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before taking everything
    except socket.timeout:
        pass
    finally:
        s.close()
    if not out:
        return 0, {}, b"", time.monotonic() - t0
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/1.") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body, time.monotonic() - t0


def response_complete(out):
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def request(method, path, ctype=None, body=b"", length=None, extra=b""):
    head = b"%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method.encode(),
                                                                    path.encode())
    if ctype:
        head += b"Content-Type: " + ctype.encode() + b"\r\n"
    if body or length is not None or method == "POST":
        head += b"Content-Length: %d\r\n" % (len(body) if length is None else length)
    return head + extra + b"\r\n" + body


def multipart(boundary, parts, closing=True):
    out = b""
    for name, value in parts:
        out += b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"" + name + \
               b"\"\r\n\r\n" + value + b"\r\n"
    return out + (b"--" + boundary + b"--\r\n" if closing else b"")


def healthy(port):
    status, _, body, secs = exchange(port, request("GET", "/healthz"))
    return status == 200 and body.startswith(b'{"status":"ok"}'), secs


def hostile_cases():
    jpeg = open(os.path.join(ARGS.examples, "1.jpg"), "rb").read()[:4000]
    rgb_list = lambda n: ("[" + ",".join(["[1,2,3]"] * n) + "]").encode()
    cases = [
        # multipart framing
        ("multipart without boundary", request("POST", "/prominent-colors",
         "multipart/form-data", multipart(b"b", [(b"k", b"4")])), 400),
        ("multipart with empty boundary", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=", b"--\r\n"), 400),
        ("multipart boundary of 71 characters", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=" + "x" * 71, multipart(b"x" * 71, [(b"k", b"4")])), 400),
        ("multipart with another boundary", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=aaa", multipart(b"bbb", [(b"image", jpeg)])), 400),
        ("multipart never closed", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; "
         b"name=\"image\"\r\n\r\n" + jpeg), 400),
        ("multipart part without name", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data\r\n\r\n"
         b"x\r\n--b--\r\n"), 400),
        ("multipart part header of 9 KiB", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; name=k\r\n"
         b"X-Pad: " + b"p" * 9000 + b"\r\n\r\n4\r\n--b--\r\n"), 400),
        ("multipart repeated field", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=b", multipart(b"b", [(b"k", b"4"), (b"k", b"5")])), 400),
        ("multipart truncated jpeg", request("POST", "/prominent-colors",
         "multipart/form-data; boundary=b", multipart(b"b", [(b"image", jpeg)])), 422),
        # lying Content-Length
        ("Content-Length larger than the body", request("POST", "/rgb2hex", FORM,
         b"rgbs=[]", length=400), 408),
        ("Content-Length larger than the limit", request("POST", "/v1/rgb2hex",
         "application/json", b"{}", length=1 << 40), 413),
        ("Content-Length negative", request("POST", "/rgb2hex", FORM, b"", length=-1), 400),
        ("Content-Length not a number", b"POST /rgb2hex HTTP/1.1\r\nHost: x\r\n"
         b"Content-Type: " + FORM.encode() + b"\r\nContent-Length: 1x\r\n\r\nrgbs=[]", 400),
        ("two Content-Lengths", b"POST /rgb2hex HTTP/1.1\r\nHost: x\r\nContent-Type: " +
         FORM.encode() + b"\r\nContent-Length: 7\r\nContent-Length: 9\r\n\r\nrgbs=[]xx", 400),
        ("chunk size far past the limit, data never sent", b"POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\n"
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"fffffffffff\r\n{}", 413),
        ("chunk size not hex", b"POST /v1/rgb2hex HTTP/1.1\r\nHost: x\r\n"
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
         400),
        # control bytes and encodings
        ("NUL in url-encoded body", request("POST", "/rgb2hex", FORM, b"rgbs=[[1,2,3]\0]"), 400),
        ("NUL only", request("POST", "/rgb2hex", FORM, b"\0" * 64), 400),
        ("escape byte in url-encoded body", request("POST", "/centroids", FORM,
         b"colors=[\"#fff\"]\x1b&counts=[1]"), 400),
        ("%00 in a field name", request("POST", "/rgb2hex", FORM, b"rg%00bs=[]"), 400),
        ("%00 inside a list", request("POST", "/rgb2hex", FORM, b"rgbs=%5B%00%5D"), 400),
        ("DEL byte", request("POST", "/rgb2hex", FORM, b"rgbs=[\x7f]"), 400),
        ("invalid UTF-8 in a JSON string", request("POST", "/v1/centroids", "application/json",
         b'{"colors":["#fff\xff\xfe"],"counts":[1]}'), 400),
        ("invalid UTF-8 in a form list", request("POST", "/centroids", FORM,
         b"colors=%5B%22%C3%28%22%5D&counts=%5B1%5D"), 400),
        ("overlong UTF-8 member name", request("POST", "/v1/rgb2hex", "application/json",
         b'{"\xc0\xafrgbs":[]}'), 400),
        ("control byte in JSON", request("POST", "/v1/rgb2hex", "application/json",
         b'{"rgbs":[\x01]}'), 400),
        # JSON shapes
        ("JSON nested 100 000 deep", request("POST", "/v1/rgb2hex", "application/json",
         b"[" * 100000 + b"]" * 100000), 400),
        ("JSON nested 100 000 deep inside rgbs", request("POST", "/v1/rgb2hex",
         "application/json", b'{"rgbs":' + b"[" * 100000 + b"]" * 100000 + b"}"), 400),
        ("JSON over --max-json-bytes", request("POST", "/v1/rgb2hex", "application/json",
         b'{"rgbs":[' + b"[1,2,3]," * 140000 + b'[1,2,3]]}'), 413),
        ("JSON with 50 000 members", request("POST", "/v1/rgb2hex", "application/json",
         b"{" + b",".join(b'"m%d":1' % i for i in range(50000)) + b"}"), 400),
        ("JSON of 5000 duplicate rgbs members", request("POST", "/v1/rgb2hex",
         "application/json", b"{" + b",".join([b'"rgbs":[]'] * 5000) + b"}"), 400),
        ("list of 100 000 items", request("POST", "/v1/rgb2hex", "application/json",
         b'{"rgbs":' + rgb_list(100000) + b"}"), 413),
        ("form list of 100 000 items", request("POST", "/rgb2hex", FORM,
         b"rgbs=" + rgb_list(100000)), 413),
        ("100 000 form fields", request("POST", "/rgb2hex", FORM,
         b"&".join(b"f%d=1" % i for i in range(100000))), 400),
        # numbers
        ("NaN count", request("POST", "/v1/centroids", "application/json",
         b'{"colors":["#fff"],"counts":[NaN]}'), 400),
        ("NaN in a form list", request("POST", "/centroids", FORM,
         b"colors=%5B%22%23fff%22%5D&counts=%5BNaN%5D"), 400),
        ("Infinity count", request("POST", "/centroids", FORM,
         b"colors=%5B%22%23fff%22%5D&counts=%5B1e999%5D"), 400),
        ("negative count", request("POST", "/v1/centroids", "application/json",
         b'{"colors":["#fff"],"counts":[-1]}'), 400),
        ("huge width", request("POST", "/v1/centroids", "application/json",
         b'{"colors":["#fff"],"counts":[1],"width":1e308}'), 400),
        ("negative width", request("POST", "/v1/centroids", "application/json",
         b'{"colors":["#fff"],"counts":[1],"width":-480}'), 400),
        ("width 8192 over the pie cap", request("POST", "/v1/centroids", "application/json",
         b'{"colors":["#fff"],"counts":[1],"width":8192,"height":8192}'), 400),
        ("negative k", request("POST", "/prominent-colors", FORM, b"image=x&k=-1"), 400),
        ("k of 30 digits", request("POST", "/prominent-colors", FORM,
         b"image=x&k=" + b"9" * 30), 400),
        ("k of 2^64", request("POST", "/v1/prominent-colors?k=18446744073709551616",
         "image/jpeg", jpeg), 400),
        ("n_init of a million", request("POST", "/v1/prominent-colors?n_init=1000000",
         "image/jpeg", jpeg), 400),
        ("seed of 2^64", request("POST", "/v1/prominent-colors?seed=18446744073709551616",
         "image/jpeg", jpeg), 400),
        ("channel of 1e400", request("POST", "/rgb2hex", FORM,
         b"rgbs=%5B%5B1e400%2C0%2C0%5D%5D"), 400),
        ("channel of -0.5", request("POST", "/v1/rgb2hex", "application/json",
         b'{"rgbs":[[-0.5,0,0]]}'), 400),
        # images
        ("PNG header claiming 2^31 x 2^31", request("POST", "/v1/prominent-colors",
         "image/png", png_header(0x7fffffff, 0x7fffffff)), 422),
        # HTTP framing
        ("request head of 20 KiB", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " +
         b"p" * 20000 + b"\r\n\r\n", 431),
        ("NUL in the request line", b"GET /heal\0thz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("bare LF head with a body", b"POST /rgb2hex HTTP/1.1\nHost: x\nContent-Type: " +
         FORM.encode() + b"\nContent-Length: 4\n\nrgbs", 400),
        ("unknown method", b"BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         400),
        ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
        ("TLS hello on the plain port", bytes.fromhex("160301002c0100002803035a") + b"\0" * 40,
         400),
    ]
    return cases


def png_header(w, h):
    import struct
    import zlib
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk +
            struct.pack(">I", zlib.crc32(chunk)))


def check_problem(name, status, headers, body, want):
    if status != want:
        raise AssertionError(f"{name}: expected {want}, got {status}: {body[:200]!r}")
    if status >= 400:
        if headers.get("content-type") != "application/problem+json":
            raise AssertionError(f"{name}: not a problem document: {headers}")
        doc = json.loads(body.decode("utf-8"))  # strict: the document must be UTF-8
        if doc.get("status") != status or "type" not in doc or "detail" not in doc:
            raise AssertionError(f"{name}: bad problem document {doc}")
        if headers.get("x-content-type-options") != "nosniff":
            raise AssertionError(f"{name}: no nosniff")


def run_hostile(port):
    bound = TIMEOUT_MS / 1000 + 2.0
    slowest = (0, "")
    n = 0
    for name, data, want in hostile_cases():
        status, headers, body, secs = exchange(port, data, limit=bound + 5)
        check_problem(name, status, headers, body, want)
        if secs > bound:
            raise AssertionError(f"{name}: answered in {secs:.2f} s, over {bound} s")
        slowest = max(slowest, (secs, name))
        ok, _ = healthy(port)
        if not ok:
            raise AssertionError(f"{name}: the health check right after failed")
        n += 1
    print(f"{n} malformed requests: each a 4xx problem document, slowest "
          f"{slowest[0] * 1000:.0f} ms ({slowest[1]}), health check fine after each")

    # The same requests written one byte at a time (the large ones left out): the same
    # answers, as the server must not depend on how TCP cuts the bytes.
    n = 0
    for name, data, want in hostile_cases():
        if len(data) > 600:
            continue
        status, headers, body, secs = exchange(port, data, trickle=-1, limit=bound + 5)
        check_problem(name + " (one byte per write)", status, headers, body, want)
        n += 1
    good = [
        request("POST", "/rgb2hex", FORM, b"rgbs=%5B%5B1%2C2%2C3%5D%5D"),
        request("POST", "/rgb2hex", "multipart/form-data; boundary=b",
                multipart(b"b", [(b"rgbs", b"[[1,2,3]]")])),
        request("POST", "/v1/rgb2hex", "application/json", b'{"rgbs":[[1,2,3]]}'),
    ]
    for data in good:
        status, _, body, secs = exchange(port, data, trickle=0.002, limit=bound + 5)
        if status != 200 or b"#010203" not in body:
            raise AssertionError(f"one byte per write: {status} {body[:200]!r}")
    print(f"{n} malformed and {len(good)} valid requests one byte per write: same answers")


def run_slow_clients(port, factor, seconds):
    """factor x THREADS connections trickle request heads (one byte every 200 ms) and
    reconnect when dropped, for `seconds`; meanwhile well-formed requests are timed."""
    stop = threading.Event()
    dropped = [0]

    def trickler():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                head = b"POST /rgb2hex HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 400
                for i in range(len(head)):
                    if stop.is_set():
                        break
                    s.sendall(head[i:i + 1])
                    time.sleep(0.2)
            except OSError:
                pass
            dropped[0] += 1
            try:
                s.close()
            except Exception:
                pass

    threads = [threading.Thread(target=trickler, daemon=True) for _ in range(factor * THREADS)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    # Well-formed requests, one started every 250 ms, each on its own connection.
    latencies, failures, probes = [], [0], []

    def probe():
        status, _, body, secs = exchange(port, request(
            "POST", "/rgb2hex", FORM, b"rgbs=%5B%5B1%2C2%2C3%5D%5D"), limit=60)
        if status == 200 and b"#010203" in body:
            latencies.append(secs)
        else:
            failures[0] += 1

    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end:
        t = threading.Thread(target=probe)
        t.start()
        probes.append(t)
        time.sleep(0.25)
    for t in probes:
        t.join(timeout=90)
    stop.set()
    for t in threads:
        t.join(timeout=2)
    latencies.sort()
    if not latencies:
        raise AssertionError("no well-formed request was served under the slow clients")
    p50 = statistics.median(latencies)
    p90 = latencies[int(0.9 * (len(latencies) - 1))]
    print(f"slow clients: {factor * THREADS} connections trickling 1 byte/200 ms (and "
          f"reconnecting) against {THREADS} threads, request timeout {TIMEOUT_MS} ms, for "
          f"{seconds} s: {len(latencies)} of {len(probes)} well-formed requests served, "
          f"{failures[0]} failed; latency median {p50 * 1000:.0f} ms, p90 "
          f"{p90 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; slow connections "
          f"dropped by the server {dropped[0]} times")
    if failures[0]:
        raise AssertionError(f"{failures[0]} well-formed requests failed under slow clients")
    # A slow connection holds a worker for at most the request timeout; the queue in
    # front of the workers is FIFO, so a request waits at most about
    # (slow connections / threads) x timeout.
    if latencies[-1] > factor * TIMEOUT_MS / 1000 + 3:
        raise AssertionError(f"latency {latencies[-1]:.1f} s is over the bound")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--examples", required=True)
    p.add_argument("--slow-seconds", type=int, default=8)
    ARGS = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_server(ARGS.server, tmp, ["--max-pie-side", "4096"])
        try:
            run_hostile(port)
            run_slow_clients(port, 4, ARGS.slow_seconds)
            ok, _ = healthy(port)
            if not ok:
                raise AssertionError("health check after the slow clients failed")
        except BaseException:
            proc.kill()
            proc.wait()
            print(open(os.path.join(tmp, "server.log")).read()[-3000:], file=sys.stderr)
            raise
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
        if rc != 0:
            sys.exit(f"server exited {rc}")
        log = open(os.path.join(tmp, "server.log")).read()
        if '"status":500' in log or '"status":5' in log.replace('"status":503', ""):
            sys.exit("a malformed request produced a 5xx")
    print("hostile HTTP: all passed")


if __name__ == "__main__":
    main()
