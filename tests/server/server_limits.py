#!/usr/bin/python3
"""server_limits.py: imgcolor-server's limits that are about cost, not framing.

Starts the real server with its default limits and runs one case (--case):
  nul         a NUL byte in any form or JSON name or value is a 400
  sequential  one client posting 175 small PNGs of every type, one after another,
              is never refused (no 429)
  budget      an image over the CPU-time budget is a 422 problem document
  flood       64 clients posting a 14-MP JPEG at once: only 200, 429 and 503, /healthz
              p99 under 250 ms meanwhile, and resident memory back within 2x of its
              idle figure after each flood
Figures are printed; docs/SECURITY.md quotes them.
"""
import argparse
import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib


def start_server(server, workdir, extra=()):
    port_file = os.path.join(workdir, "port")
    log = open(os.path.join(workdir, "server.log"), "w")
    cmd = [server, "--port", "0", "--port-file", port_file, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
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


def stop_server(proc):
    proc.terminate()
    try:
        rc = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        sys.exit("the server did not stop on SIGTERM")
    check(rc == 0, f"the server exited {rc} on SIGTERM")


FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


def request(port, method, path, body=b"", ctype=None, timeout=120):
    """One request on its own connection; returns (status, body, seconds)."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": ctype} if ctype else {}
        c.request(method, path, body=body if method == "POST" else None, headers=headers)
        r = c.getresponse()
        data = r.read()
        return r.status, data, time.monotonic() - t0
    except (ConnectionError, http.client.HTTPException, OSError) as e:
        return 0, str(e).encode(), time.monotonic() - t0
    finally:
        c.close()


def read_response(sock, buf=b""):
    """Reads one response off sock; returns (status, body, rest of buf)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        buf += chunk
    head, _, buf = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(buf) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return status, buf[:length], buf[length:]


def post_expect(port, path, body, ctype, timeout=120, client=None):
    """A POST as curl sends a large body: the head with "Expect: 100-continue", the body
    only after "100 Continue", so that an early refusal (429, 503) is read, not reset.
    Returns (status, body, seconds); status 0 for a connection error."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            real_ip = f"X-Real-IP: {client}\r\n" if client else ""
            s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n{real_ip}"
                      f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n"
                      "Connection: close\r\n\r\n".encode())
            status, data, rest = read_response(s)
            if status == 100:
                s.sendall(body)
                status, data, _ = read_response(s, rest)
            return status, data, time.monotonic() - t0
    except (ConnectionError, OSError, ValueError, IndexError) as e:
        return 0, str(e).encode(), time.monotonic() - t0


def multipart(fields):
    boundary = b"limitsboundary7d1"
    out = b""
    for name, value in fields:
        extra = b'; filename="f"' if name == b"image" else b""
        out += (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name +
                b'"' + extra + b"\r\n\r\n" + value + b"\r\n")
    out += b"--" + boundary + b"--\r\n"
    return "multipart/form-data; boundary=" + boundary.decode(), out


def problem(status, body):
    """The problem document's detail, or "" when the body is not one."""
    try:
        doc = json.loads(body)
        ok = isinstance(doc, dict) and doc.get("status") == status
        return doc.get("detail", "") if ok else ""
    except ValueError:
        return ""


# ------------------------------------------------------------------------------------
# PNGs of every colour type, bit depth and interlacing, as PngSuite has them

def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def adam7_passes(w, h):
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                           (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        pw, ph = (w - x0 + dx - 1) // dx, (h - y0 + dy - 1) // dy
        if pw > 0 and ph > 0:
            yield [(x0 + i * dx, y0 + j * dy) for j in range(ph) for i in range(pw)], pw


def make_png(w, h, ctype, depth, interlace, seed):
    """A valid PNG whose pixels follow a pattern of seed; palette images get a PLTE."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    maxv = (1 << depth) - 1

    def sample(x, y, c):
        return ((x * 7 + y * 13 + c * 29 + seed * 31) * 2654435761 >> 7) % (maxv + 1)

    def row_bytes(pixels):
        bits = []
        for x, y in pixels:
            for c in range(channels):
                bits.append(sample(x, y, c))
        if depth >= 8:
            fmt = ">" + ("B" if depth == 8 else "H") * len(bits)
            return struct.pack(fmt, *bits)
        out, acc, n = bytearray(), 0, 0
        for v in bits:
            acc = (acc << depth) | v
            n += depth
            if n == 8:
                out.append(acc)
                acc, n = 0, 0
        if n:
            out.append(acc << (8 - n))
        return bytes(out)

    raw = b""
    passes = adam7_passes(w, h) if interlace else [
        ([(x, y) for y in range(h) for x in range(w)], w)]
    for pixels, pw in passes:
        for j in range(len(pixels) // pw):
            raw += b"\x00" + row_bytes(pixels[j * pw:(j + 1) * pw])
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(
        b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
    if ctype == 3:
        out += png_chunk(b"PLTE", bytes((i * 37 + seed) % 256 for i in range(3 * (maxv + 1))))
    return out + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")


def png_suite():
    """175 small PNGs: PngSuite's mix of the 15 type/depth pairs, interlaced or not,
    sides from 1 to 40 pixels."""
    kinds = [(0, d) for d in (1, 2, 4, 8, 16)] + [(2, 8), (2, 16)] + \
            [(3, d) for d in (1, 2, 4, 8)] + [(4, 8), (4, 16), (6, 8), (6, 16)]
    files = []
    for i in range(175):
        ctype, depth = kinds[i % len(kinds)]
        side = 32 if i % 3 else 1 + (i * 7) % 40
        files.append(make_png(side, side if i % 5 else side // 2 + 1, ctype, depth,
                              (i // len(kinds)) % 2, i))
    return files


# ------------------------------------------------------------------------------------
# Cases

def case_nul(port, args):
    """Every place a NUL could cut a name or value short: 400, never read as shorter."""
    form = "application/x-www-form-urlencoded"
    jpeg = open(os.path.join(args.examples, "3.jpg"), "rb").read()
    cases = [
        ("/prominent-colors", b"k=4%00junk", form, "form field \"k\""),
        ("/prominent-colors", b"k=4%00", form, "form field \"k\""),
        ("/rgb2hex", b"rgbs=[[1,2,3]]%00", form, "form field \"rgbs\""),
        ("/rgb2hex", b"rgbs=%00[[1,2,3]]", form, "form field \"rgbs\""),
        ("/rgb2hex", b"other=x%00&rgbs=[]", form, "form field \"other\""),
        ("/centroids", b"colors=[\"#ffffff\"]%00&counts=[1]", form, "form field \"colors\""),
        ("/centroids", b"colors=[\"#ffffff\"]&counts=[1]%00", form, "form field \"counts\""),
        ("/v1/prominent-colors?k=4%00x", jpeg, "image/jpeg", "query field \"k\""),
        ("/v1/prominent-colors?seed=1%00", jpeg, "image/jpeg", "query field \"seed\""),
        ("/v1/rgb2hex", b'{"rgbs\\u0000x": [[1,2,3]]}', "application/json", "\\u0000"),
        ("/v1/rgb2hex", b'{"rgbs": [[1,2,3]], "\\u0000": 1}', "application/json", "\\u0000"),
        ("/v1/centroids", b'{"colors": ["#fff"], "counts": [1], "format": "png\\u0000svg"}',
         "application/json", "\\u0000"),
        ("/v1/centroids", b'{"colors": ["#fff\\u0000"], "counts": [1]}', "application/json",
         "\\u0000"),
    ]
    ctype, body = multipart([(b"image", jpeg), (b"k", b"4\x00junk")])
    cases.append(("/prominent-colors", body, ctype, "form field \"k\""))
    ctype, body = multipart([(b"image", jpeg), (b"k", b"4"), (b"seed", b"7\x00")])
    cases.append(("/v1/prominent-colors", body, ctype, "form field \"seed\""))
    for path, body, ctype, needle in cases:
        status, data, _ = request(port, "POST", path, body, ctype)
        detail = problem(400, data)
        check(status == 400 and needle in detail,
              f"{path} {body[:60]!r}: want 400 naming {needle}, got {status} {data[:160]!r}")
    # the same requests without the NUL are served, and an image may hold any byte
    good = [
        ("/prominent-colors", b"k=4", form, 400),  # no image: the k itself passed
        ("/rgb2hex", b"rgbs=[[1,2,3]]", form, 200),
        ("/v1/rgb2hex", b'{"rgbs": [[1,2,3]]}', "application/json", 200),
        ("/v1/rgb2hex", b'{"rgbs": [[1,2,3]], "x": "\\\\u0000"}', "application/json", 400),
        ("/v1/prominent-colors?k=4", jpeg, "image/jpeg", 200),
    ]
    for path, body, ctype, want in good:
        status, data, _ = request(port, "POST", path, body, ctype)
        check(status == want and b"NUL" not in data and b"u0000" not in data,
              f"{path} {body[:60]!r}: want {want} (no NUL complaint), got {status} {data[:160]!r}")
    ctype, body = multipart([(b"image", jpeg), (b"k", b"4")])
    check(b"\x00" in jpeg, "the test image holds NUL bytes")
    status, data, _ = request(port, "POST", "/prominent-colors", body, ctype)
    check(status == 200, f"a JPEG with NUL bytes as the image field: {status} {data[:100]!r}")
    print(f"nul: {len(cases)} NUL cases answered 400, {len(good) + 1} controls as expected")


def case_sequential(port, args):
    """One polite client: 175 PNGs one after another at the default limits, no 429."""
    files = png_suite()
    counts = {}
    first_429 = None
    t0 = time.monotonic()
    for i, png in enumerate(files):
        ctype, body = multipart([(b"image", png), (b"k", b"3")])
        path = "/prominent-colors" if i % 2 else "/v1/prominent-colors"
        status, data, _ = request(port, "POST", path, body, ctype)
        counts[status] = counts.get(status, 0) + 1
        if status == 429 and first_429 is None:
            first_429 = i + 1
        check(status == 200, f"file {i + 1} ({len(png)} bytes): {status} {data[:120]!r}")
    secs = time.monotonic() - t0
    check(first_429 is None, f"a sequential client was refused, first at file {first_429}")
    # and the cheap endpoints as fast as one client can ask
    t1 = time.monotonic()
    n_cheap = 0
    while time.monotonic() - t1 < 2.0:
        status, data, _ = request(port, "POST", "/rgb2hex", b"rgbs=[[1,2,3]]",
                                  "application/x-www-form-urlencoded")
        n_cheap += 1
        counts[status] = counts.get(status, 0) + 1
        check(status == 200, f"sequential /rgb2hex {n_cheap}: {status} {data[:120]!r}")
        if status != 200:
            break
    print(f"sequential: {len(files)} PNGs in {secs:.1f} s "
          f"({len(files) / secs:.0f} a second), then {n_cheap} /rgb2hex in 2 s; "
          f"answers {sorted(counts.items())}")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def make_14mp(args, workdir):
    """A 14-MP JPEG (4608 x 3072) from the large sample photos, made with ImageMagick."""
    out = os.path.join(workdir, "14mp.jpg")
    src = os.path.join(args.images, "pixels-16mp.jpg")
    if not os.path.exists(src):  # a machine without the sample photos
        src = os.path.join(args.examples, "1.jpg")
    subprocess.run([args.convert, src, "-resize", "4608x3072!", "-quality", "90", out],
                   check=True)
    return open(out, "rb").read()


def flood_once(port, pid, body, ctype, clients, posts, distinct):
    """clients threads each post the image posts times while /healthz is timed; all
    from one address, or (distinct) each from its own, named by X-Real-IP."""
    answers, lock = {}, threading.Lock()
    stop = threading.Event()
    health, rss = [], []

    def client(i):
        for _ in range(posts):
            status, _, _ = post_expect(port, "/v1/prominent-colors", body, ctype,
                                       client=f"10.1.0.{i}" if distinct else None)
            with lock:
                answers[status] = answers.get(status, 0) + 1

    def prober():
        while not stop.is_set():
            status, _, secs = request(port, "GET", "/healthz", timeout=30)
            health.append(secs if status == 200 else float("inf"))
            rss.append(rss_kb(pid))
            time.sleep(0.02)

    p = threading.Thread(target=prober)
    p.start()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    stop.set()
    p.join()
    health.sort()
    p99 = health[min(len(health) - 1, int(len(health) * 0.99))] if health else float("inf")
    return answers, secs, p99, len(health), health[-1] if health else 0, max(rss, default=0)


def case_flood(port, args, proc, workdir):
    """64 heavy clients at once, floods in a row: only 200/429/503, /healthz fast, RSS
    returned after each."""
    jpeg = make_14mp(args, workdir)
    ctype = "image/jpeg"
    status, data, one = request(port, "POST", "/v1/prominent-colors?k=6", jpeg, ctype)
    check(status == 200, f"one 14-MP JPEG: {status} {data[:120]!r}")
    time.sleep(1.5)
    idle = rss_kb(proc.pid)
    print(f"flood: 14-MP JPEG of {len(jpeg)} bytes, {one:.2f} s alone; idle RSS "
          f"{idle / 1024:.1f} MB", flush=True)
    for n in range(args.floods):
        distinct = n % 2 == 1
        answers, secs, p99, probes, worst, peak = flood_once(port, proc.pid, jpeg, ctype, 64,
                                                             args.posts, distinct)
        time.sleep(1.5)  # idle: the server hands memory back
        after = rss_kb(proc.pid)
        # everyone else is still served: a client that took no part
        other, data, other_secs = post_expect(port, "/v1/prominent-colors", jpeg, ctype,
                                              client=f"10.2.0.{n}")
        check(other == 200, f"flood {n + 1}: another client got {other} {data[:100]!r}")
        print(f"flood {n + 1}: 64 clients {'from 64 addresses' if distinct else 'from one address'}"
              f" x {args.posts} in {secs:.1f} s, answers "
              f"{sorted(answers.items())}; /healthz p99 {p99 * 1000:.0f} ms, worst "
              f"{worst * 1000:.0f} ms over {probes} probes; RSS at most "
              f"{peak / 1024:.1f} MB during, {after / 1024:.1f} MB idle after; another client "
              f"then served in {other_secs:.2f} s", flush=True)
        check(set(answers) <= {200, 429, 503}, f"flood {n + 1}: answers {answers}")
        check(not distinct or 429 not in answers,
              f"flood {n + 1}: clients sending one request each were refused 429")
        check(p99 < 0.25, f"flood {n + 1}: /healthz p99 {p99 * 1000:.0f} ms (want < 250)")
        # a sanitizer's allocator keeps freed memory (quarantine) whatever glibc would do
        check(args.sanitized or after <= 2 * idle,
              f"flood {n + 1}: RSS {after} kB idle after, {idle} kB before")


def case_budget(port, args, workdir):
    """The CPU-time budget (here IMGCOLOR_TIME_LIMIT_MS=5): an image that costs more is a
    422 time-limit problem on both image routes; a small one is served; the default
    budget serves the heaviest honest request the other limits allow."""
    jpeg = make_14mp(args, workdir)
    ctype, body = multipart([(b"image", jpeg), (b"k", b"6")])
    for path, data, kind in (("/prominent-colors", body, ctype),
                             ("/v1/prominent-colors?k=6", jpeg, "image/jpeg")):
        status, answer, secs = request(port, "POST", path, data, kind)
        detail = problem(422, answer)
        check(status == 422 and b"urn:imgcolor:problem:time-limit" in answer and
              "time limit of 5 ms" in detail,
              f"{path}: want 422 time-limit, got {status} {answer[:200]!r}")
        print(f"budget: 14-MP JPEG on {path} with 5 ms: {status} in {secs:.2f} s: {detail}")
    small = png_suite()[1]
    ctype, body = multipart([(b"image", small)])
    status, answer, _ = request(port, "POST", "/prominent-colors", body, ctype)
    check(status == 200, f"a 32x32 PNG within 5 ms: {status} {answer[:120]!r}")
    status, answer, _ = request(port, "GET", "/metrics")
    check(b'imgcolor_http_rejections_total{reason="time_limit"} 2' in answer,
          "the metrics count the two time-limit refusals")
    # the default budget: the 14-MP photo at the largest k and n_init a request may ask
    # (the default is set for real builds: under a sanitizer the same work costs 3-10x)
    if args.sanitized:
        print("budget: default budget not checked in a sanitizer build")
        return
    env_limit = os.environ.pop("IMGCOLOR_TIME_LIMIT_MS")
    proc, port2 = start_server(args.server, os.path.join(workdir, "default"))
    try:
        status, answer, secs = request(port2, "POST", "/v1/prominent-colors?k=64&n_init=20",
                                       jpeg, "image/jpeg", timeout=300)
        check(status == 200, f"default budget, k=64 n_init=20: {status} {answer[:160]!r}")
        print(f"budget: default, 14-MP JPEG at k=64 n_init=20: {status} in {secs:.1f} s")
    finally:
        stop_server(proc)
        os.environ["IMGCOLOR_TIME_LIMIT_MS"] = env_limit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--images", default="/work/shared/images/large")
    ap.add_argument("--convert", default="/usr/bin/convert")
    ap.add_argument("--case", required=True, choices=["nul", "sequential", "flood", "budget"])
    ap.add_argument("--floods", type=int, default=2)
    ap.add_argument("--posts", type=int, default=1, help="posts per flood client")
    ap.add_argument("--sanitized", action="store_true",
                    help="the server is built with a sanitizer: no memory or CPU figures")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        # X-Real-IP from the test names each flood client (see case_flood)
        extra = ["--trusted-proxy", "127.0.0.1"] if args.case == "flood" else []
        if args.case == "budget":  # through the environment, to check that path too
            os.environ["IMGCOLOR_TIME_LIMIT_MS"] = "5"
            os.mkdir(os.path.join(workdir, "default"))
        proc, port = start_server(args.server, workdir, extra)
        try:
            if args.case == "nul":
                case_nul(port, args)
            elif args.case == "sequential":
                case_sequential(port, args)
            elif args.case == "budget":
                case_budget(port, args, workdir)
            else:
                case_flood(port, args, proc, workdir)
            status, _, _ = request(port, "GET", "/healthz")
            check(status == 200, "the server answers /healthz at the end")
        finally:
            stop_server(proc)
        if FAILURES:
            print(open(os.path.join(workdir, "server.log")).read()[-3000:])
    if FAILURES:
        sys.exit(f"{len(FAILURES)} failures")
    print("ok")


if __name__ == "__main__":
    main()
