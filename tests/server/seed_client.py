#!/usr/bin/python3
"""seed_client.py: the lesson's own client calls against imgcolor-server.

Starts the real server on a free port, then posts with `requests` exactly as the lesson
does (files= for the image, data= for the fields), and checks the answers' shapes,
content types, and values against the CLI's for the same image and k. Also checks that
mistakes get RFC 9457 problem documents and never a 5xx. Run with Debian's
/usr/bin/python3, which has python3-requests.
"""
import argparse
import io
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from json import dumps, loads

import requests


def start_server(server, wrap, workdir):
    port_file = os.path.join(workdir, "port")
    log = open(os.path.join(workdir, "server.log"), "w")
    cmd = shlex.split(wrap) + [server, "--port", "0", "--port-file", port_file]
    proc = subprocess.Popen(cmd, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return proc, int(text)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("server did not start; see " + log.name)


def cli_result(cli, image, k):
    out = subprocess.run([cli, "prominent", image, "-k", str(k), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    doc.pop("file", None)
    return doc


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_headers(r):
    check(r.headers.get("X-Content-Type-Options") == "nosniff", "nosniff missing")
    check(r.headers.get("Cache-Control") == "no-store", "Cache-Control missing")
    check("default-src 'none'" in r.headers.get("Content-Security-Policy", ""), "CSP missing")
    check("Server" not in r.headers, "Server header sent")


def check_problem(r, status):
    check(r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:200]}")
    check(r.headers["Content-Type"] == "application/problem+json",
          "problem content type: " + r.headers["Content-Type"])
    doc = r.json()
    for key in ("type", "title", "status", "detail"):
        check(key in doc, "problem lacks " + key)
    check(doc["status"] == status, "problem status")
    check_headers(r)


def lesson(host, port, examples, cli):
    """The lesson's calls, verbatim apart from file paths."""
    # First call: image 1, k=6
    r = requests.post(f'http://{host}:{port}/prominent-colors',
                      files={'image': open(os.path.join(examples, '1.jpg'), 'rb')},
                      data={'k': 6})
    check(r.status_code == 200, f"prominent-colors: {r.status_code} {r.text[:200]}")
    check(r.headers["Content-Type"] == "application/json", "prominent-colors content type")
    check_headers(r)
    colors, freqs = loads(r.text)
    expect = cli_result(cli, os.path.join(examples, "1.jpg"), 6)
    check(colors == [c["rgb"] for c in expect["colors"]], "colours differ from the CLI's")
    check(freqs == {str(i): c["count"] for i, c in enumerate(expect["colors"])},
          "counts differ from the CLI's")

    r = requests.post(f'http://{host}:{port}/rgb2hex',
                      data={'rgbs': dumps(colors)})
    check(r.status_code == 200, "rgb2hex status")
    check(loads(r.text) == [c["hex"] for c in expect["colors"]], "hex codes differ")

    # Image 3, central 4 colors
    r1 = requests.post(f'http://{host}:{port}/prominent-colors',
                       files={'image': open(os.path.join(examples, '3.jpg'), 'rb')},
                       data={'k': 4})
    colors, freqs = loads(r1.text)
    expect = cli_result(cli, os.path.join(examples, "3.jpg"), 4)
    check(colors == [c["rgb"] for c in expect["colors"]], "image 3 colours differ")
    check(freqs == {str(i): c["count"] for i, c in enumerate(expect["colors"])},
          "image 3 counts differ")

    # Get the hex color codes
    r2 = requests.post(f'http://{host}:{port}/rgb2hex',
                       data={'rgbs': dumps(colors)})
    # Still a JSON string here
    hexcolors = r2.text
    check(loads(hexcolors) == [c["hex"] for c in expect["colors"]], "image 3 hex codes differ")

    # Calculate the plot and return it as image
    counts = dumps([c[1] for c in sorted(freqs.items())])
    r3 = requests.post(f'http://{host}:{port}/centroids',
                       data={'colors': hexcolors, 'counts': counts})
    check(r3.status_code == 200, f"centroids: {r3.status_code} {r3.text[:200]}")
    check(r3.headers["Content-Type"] == "image/png", "centroids content type")
    check_headers(r3)
    png = io.BytesIO(r3.content).getvalue()
    check(png[:8] == b"\x89PNG\r\n\x1a\n", "centroids is not a PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    check((width, height) == (480, 360), f"pie is {width}x{height}, not the lesson's 480x360")

    # The same fields sent as multipart (files=) are accepted too
    r = requests.post(f'http://{host}:{port}/centroids',
                      files={'colors': (None, hexcolors), 'counts': (None, counts)})
    check(r.status_code == 200 and r.content == r3.content, "multipart centroids differ")


def mistakes(host, port, examples):
    base = f'http://{host}:{port}'
    check_problem(requests.post(base + '/prominent-colors', data={'k': 6}), 400)
    check_problem(requests.post(base + '/prominent-colors',
                                files={'image': io.BytesIO(b'not an image')}), 422)
    check_problem(requests.post(base + '/prominent-colors',
                                files={'image': open(os.path.join(examples, '1.jpg'), 'rb')},
                                data={'k': 'many'}), 400)
    check_problem(requests.post(base + '/prominent-colors',
                                files={'image': open(os.path.join(examples, '1.jpg'), 'rb')},
                                data={'k': 1000}), 400)
    check_problem(requests.post(base + '/rgb2hex', data={'rgbs': '[[1, 2, 3, 4]]'}), 400)
    check_problem(requests.post(base + '/rgb2hex', data={'rgbs': '[[1.5, 2, 3]]'}), 400)
    # The seed answered 503 to anything wrong here; a client mistake is a 400.
    check_problem(requests.post(base + '/centroids', data={'colors': '["#fff"]'}), 400)
    check_problem(requests.post(base + '/centroids',
                                data={'colors': '["#fff"]', 'counts': '[1, 2]'}), 400)
    check_problem(requests.get(base + '/centroids'), 405)
    check_problem(requests.get(base + '/nothing-here'), 404)
    check_problem(requests.post(base + '/v1/rgb2hex', data='{"rgbs": [',
                                headers={'Content-Type': 'application/json'}), 400)
    check_problem(requests.post(base + '/v1/rgb2hex', json={'rgbs': [[1, 2, 3]]},
                                headers={'Content-Type': 'text/csv'}), 415)
    r = requests.post(base + '/v1/rgb2hex', json={'rgbs': [[1, 2, 3]]})
    check(r.status_code == 200 and r.json() == {'hex': ['#010203']}, "v1 rgb2hex")
    check(requests.get(base + '/healthz').status_code == 200, "server stopped answering")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--wrap", default="", help="command to run the server under (valgrind)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_server(args.server, args.wrap, tmp)
        try:
            lesson("localhost", port, args.examples, args.cli)  # the lesson's host
            mistakes("127.0.0.1", port, args.examples)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = -1
            with open(os.path.join(tmp, "server.log")) as f:
                log = f.read()
        if rc != 0:
            sys.stderr.write(log)
            sys.exit(f"server exited with {rc}")
        for line in log.splitlines():
            json.loads(line)  # every log line is JSON
    print("seed client: all lesson calls and mistakes answered as expected")


if __name__ == "__main__":
    main()
