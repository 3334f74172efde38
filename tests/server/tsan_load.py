#!/usr/bin/python3
"""tsan_load.py: every endpoint of imgcolor-server at once, with key reloads, for a
server built with ThreadSanitizer (.ci/tsan.sh).

Starts the server with API keys, a metrics listener, library threads, a small
concurrency gate, small cost limits and a CPU budget that some images pass and some
do not (so that the 401, 404, 422, 429 and 503 paths run too), then for --seconds runs client threads on every route while the keys file is
rewritten and SIGHUP sent every 100 ms. Exits non-zero if the server does not stop
cleanly on SIGTERM or if ThreadSanitizer reported anything (its log: TSAN_OPTIONS
log_path, set here).
"""
import argparse
import glob
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def new_key(server, label):
    out = subprocess.run([server, "new-key", label], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    return out[0], out[1]


def call(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        r.read()
        return r.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tsan-load-")
    key, line = new_key(args.server, "load")
    _, other = new_key(args.server, "other")
    keys = os.path.join(work, "keys")
    with open(keys, "w") as f:
        f.write(line + "\n")
    port_file = os.path.join(work, "port")
    env = dict(os.environ)
    env["TSAN_OPTIONS"] = (env.get("TSAN_OPTIONS", "") +
                           f" log_path={work}/tsan second_deadlock_stack=1").strip()
    log = open(os.path.join(work, "server.log"), "w")
    proc = subprocess.Popen(
        [args.server, "--port", "0", "--port-file", port_file, "--api-keys", keys,
         "--metrics-listen", "127.0.0.1:0", "--threads", "16", "--kmeans-threads", "2",
         "--max-concurrent", "2", "--max-queue", "4", "--queue-timeout-ms", "20000",
         "--cost-burst-ms", "5000", "--time-limit-ms", "60", "--log-format", "text"],
        stdout=subprocess.DEVNULL, stderr=log, env=env)
    deadline = time.time() + 120
    ports = []
    while time.time() < deadline and len(ports) < 2:
        if os.path.exists(port_file):
            ports = [int(p) for p in open(port_file).read().split()]
        if proc.poll() is not None:
            sys.exit("the server exited at start; see " + log.name)
        time.sleep(0.1)
    if len(ports) < 2:
        proc.kill()
        sys.exit("the server did not start")
    port, metrics_port = ports

    jpeg = open(os.path.join(args.examples, "3.jpg"), "rb").read()
    auth = {"Authorization": "Bearer " + key}
    form = dict(auth, **{"Content-Type": "application/x-www-form-urlencoded"})
    js = dict(auth, **{"Content-Type": "application/json"})
    boundary = "tsanload"
    mp = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
          f"filename=\"3.jpg\"\r\n\r\n").encode() + jpeg + \
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n4\r\n" \
        f"--{boundary}--\r\n".encode()
    mph = dict(auth, **{"Content-Type": "multipart/form-data; boundary=" + boundary})
    calls = [
        (port, "POST", "/prominent-colors", mp, mph),
        (port, "POST", "/v1/prominent-colors?k=3&n_init=2", jpeg,
         dict(auth, **{"Content-Type": "image/jpeg"})),
        (port, "POST", "/rgb2hex", b"rgbs=[[1,2,3],[4,5,6]]", form),
        (port, "POST", "/v1/rgb2hex", b'{"rgbs": [[1,2,3]]}', js),
        (port, "POST", "/centroids", b'colors=["#a03a18","#ebcbac"]&counts=[3,1]', form),
        (port, "POST", "/v1/centroids",
         json.dumps({"colors": ["#a03a18", "#ebcbac"], "counts": [3, 1], "width": 64,
                     "height": 64, "format": "svg"}).encode(), js),
        (port, "GET", "/healthz", None, {}),
        (port, "GET", "/readyz", None, {}),
        (port, "GET", "/openapi.json", None, auth),
        (port, "GET", "/nothing-here", None, auth),
        (port, "POST", "/rgb2hex", b"rgbs=[]", {"Authorization": "Bearer imgc_wrong"}),
        (metrics_port, "GET", "/metrics", None, {}),
    ]
    statuses, lock = {}, threading.Lock()
    stop = threading.Event()

    def client(i):
        n = i
        while not stop.is_set():
            status = call(*calls[n % len(calls)])
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    t_end = time.time() + args.seconds
    reloads = 0
    while time.time() < t_end:
        with open(keys + ".tmp", "w") as f:  # the key in use stays; another comes and goes
            f.write(line + "\n" + (other + "\n" if reloads % 2 else ""))
        os.replace(keys + ".tmp", keys)
        proc.send_signal(signal.SIGHUP)
        reloads += 1
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "killed"
    reports = glob.glob(os.path.join(work, "tsan*"))
    text = "".join(open(p).read() for p in reports)
    print(f"tsan_load: {sum(statuses.values())} requests in {args.seconds:.0f} s, answers "
          f"{sorted(statuses.items())}, {reloads} SIGHUP reloads; server exit {rc}; "
          f"ThreadSanitizer reports: {text.count('WARNING: ThreadSanitizer')}")
    bad = []
    if rc != 0:
        bad.append(f"the server exited {rc}")
    if text:
        print(text[:20000])
        bad.append("ThreadSanitizer reported")
    for want in (200, 401, 404, 422):
        if not statuses.get(want):
            bad.append(f"no {want} answer: the load did not reach every path")
    if statuses.get(0) or statuses.get(500):
        bad.append("connection errors or 500s")
    if bad:
        print(open(log.name).read()[-4000:])
        sys.exit("; ".join(bad) + "; see " + work)
    shutil.rmtree(work)
    print("ok")


if __name__ == "__main__":
    main()
