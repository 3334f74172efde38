#!/usr/bin/python3
"""nginx_tls.py: the production TLS recipe, deploy/nginx/imgcolor.conf, end to end.

Makes a self-signed certificate for 127.0.0.1 in a temporary directory, starts
imgcolor-server on a loopback port and nginx (as the current user, with the config
deploy/imgcolor-nginx-conf writes) on another free loopback port in front of it, then checks
with curl --cacert: answers pass through with the server's headers plus HSTS, TLS 1.2
and 1.3 work and TLS 1.1 does not, nginx's own errors are problem documents, and slow
clients wait on nginx while well-formed requests are served. Stops both. Exits 77
(skipped) only when nginx, curl or openssl is not installed.
"""
import argparse
import json
import os
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not listen on {port}")


def curl(*args, check=True):
    r = subprocess.run(["curl", "-sS", "--max-time", "30", *args], capture_output=True)
    if check and r.returncode != 0:
        raise AssertionError(f"curl {' '.join(args)}: exit {r.returncode}: {r.stderr!r}")
    return r


def headers_of(text):
    out = {}
    for line in text.splitlines()[1:]:
        name, _, value = line.partition(":")
        out[name.strip().lower()] = value.strip()
    return out


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def slow_clients(port, n, seconds, url, cacert):
    """n connections trickle a request head to nginx one byte per 200 ms; meanwhile
    well-formed requests are timed through nginx with curl."""
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                # plain bytes on the TLS port: nginx has to wait for a ClientHello
                for b in b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 200:
                    if stop.is_set():
                        break
                    s.sendall(bytes([b]))
                    time.sleep(0.2)
                s.close()
            except OSError:
                time.sleep(0.1)

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        r = curl("--cacert", cacert, "-o", "/dev/null", "-w", "%{http_code}",
                 "--data-urlencode", "rgbs=[[1,2,3]]", url + "/rgb2hex")
        check(r.stdout == b"200", f"under slow clients: {r.stdout!r}")
        times.append(time.monotonic() - t0)
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=2)
    return times


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--conf", required=True, help="deploy/imgcolor-nginx-conf")
    p.add_argument("--examples", required=True)
    p.add_argument("--threads", type=int, default=8)
    args = p.parse_args()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                      else None)
    for tool, path in (("nginx", nginx), ("curl", shutil.which("curl")),
                       ("openssl", shutil.which("openssl"))):
        if not path:
            print(f"SKIPPED: {tool} is not installed (Debian: apt-get install "
                  f"{'nginx-light' if tool == 'nginx' else tool})")
            sys.exit(SKIP)

    procs = []
    tmp = tempfile.mkdtemp(prefix="imgcolor-nginx-")
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)

        port_file = os.path.join(tmp, "port")
        srv_log = open(os.path.join(tmp, "server.log"), "w")
        srv = subprocess.Popen([args.server, "--host", "127.0.0.1", "--port", "0",
                                "--port-file", port_file, "--trusted-proxy", "127.0.0.1",
                                "--threads", str(args.threads), "--request-timeout-ms", "1500"],
                               stdout=subprocess.DEVNULL, stderr=srv_log)
        procs.append(srv)
        for _ in range(400):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        upstream = int(open(port_file).read().split()[0])

        port = free_port()
        # The stack's own generator writes the whole nginx configuration from settings;
        # nothing is filled in here. As root, nginx would hand its workers to "nobody",
        # who cannot read tmp.
        env = dict(os.environ, IMGCOLOR_EDGE_LISTEN=f"127.0.0.1:{port}",
                   IMGCOLOR_EDGE_INTERNAL_LISTEN=f"127.0.0.1:{free_port()}",
                   IMGCOLOR_EDGE_BACKENDS=f"127.0.0.1:{upstream}",
                   IMGCOLOR_EDGE_CERT=cert, IMGCOLOR_EDGE_KEY=key,
                   IMGCOLOR_EDGE_SERVER_NAME="127.0.0.1",
                   IMGCOLOR_EDGE_USER=pwd.getpwuid(os.getuid()).pw_name
                   if os.getuid() == 0 else "")
        subprocess.run(["sh", args.conf, "-f", os.path.join(os.path.dirname(args.conf),
                                                            "imgcolor.env"), tmp],
                       env=env, check=True, capture_output=True)
        check(not re.search(r"\{\{[A-Z_]+\}\}", open(os.path.join(tmp, "nginx.conf")).read()),
              "a name was left in the config")
        t = subprocess.run([nginx, "-t", "-p", tmp, "-c", os.path.join(tmp, "nginx.conf"),
                            "-e", os.path.join(tmp, "error.log")], capture_output=True)
        check(t.returncode == 0, f"nginx -t: {t.stderr.decode()}")
        ngx = subprocess.Popen([nginx, "-p", tmp, "-c", os.path.join(tmp, "nginx.conf"),
                                "-e", os.path.join(tmp, "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(ngx)
        wait_port(port, ngx, "nginx")
        url = f"https://127.0.0.1:{port}"

        # An answer through the proxy: the server's headers, plus HSTS, no version banner.
        r = curl("--cacert", cert, "-D", "-", "-o", "/dev/null", url + "/healthz")
        head = r.stdout.decode()
        h = headers_of(head)
        check(head.startswith("HTTP/1.1 200"), f"healthz: {head}")
        check(h.get("strict-transport-security", "").startswith("max-age=63072000"),
              f"no HSTS: {h}")
        check(h.get("x-content-type-options") == "nosniff", "nosniff lost in the proxy")
        check(h.get("cache-control") == "no-store", "no-store lost in the proxy")
        check("default-src 'none'" in h.get("content-security-policy", ""), "CSP lost")
        check(h.get("server", "nginx") == "nginx", f"version banner: {h.get('server')}")

        # The lesson's call through TLS gives the same answer as without it.
        image = os.path.join(args.examples, "1.jpg")
        via_tls = curl("--cacert", cert, "-F", f"image=@{image}", "-F", "k=4",
                       url + "/prominent-colors").stdout
        direct = curl("-F", f"image=@{image}", "-F", "k=4",
                      f"http://127.0.0.1:{upstream}/prominent-colors").stdout
        check(via_tls == direct and json.loads(via_tls)[0], "answers differ through the proxy")

        # TLS versions: 1.2 and 1.3 yes, 1.1 no; plain HTTP on the TLS port no.
        for flags, ok in ((["--tlsv1.2", "--tls-max", "1.2"], True), (["--tlsv1.3"], True),
                          (["--tlsv1.0", "--tls-max", "1.1"], False)):
            r = curl("--cacert", cert, *flags, "-o", "/dev/null", url + "/healthz", check=False)
            check((r.returncode == 0) == ok, f"curl {flags}: exit {r.returncode} {r.stderr!r}")
        r = curl("-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{port}/healthz",
                 check=False)
        check(r.stdout != b"200", "plain HTTP answered on the TLS port")
        # Without the CA, the self-signed certificate must not be trusted.
        r = curl("-o", "/dev/null", url + "/healthz", check=False)
        check(r.returncode != 0, "an untrusted certificate was accepted")
        # A client willing to speak TLS 1.1 (security level 0) is still turned away, so
        # the refusal is the server's and not the client library's default.
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_1",
                            "-cipher", "DEFAULT@SECLEVEL=0"], input=b"", capture_output=True,
                           timeout=30)
        out = (r.stdout + r.stderr).decode(errors="replace")
        check(r.returncode != 0 and ("Cipher is (NONE)" in out or "alert" in out),
              f"TLS 1.1 with a willing client: {out[-400:]}")
        # The negotiated cipher is an AEAD one.
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                            "-tls1_2", "-CAfile", cert], input=b"", capture_output=True,
                           timeout=30)
        out = r.stdout.decode(errors="replace")
        check("Cipher is ECDHE-" in out and ("GCM" in out or "CHACHA20" in out),
              f"TLS 1.2 cipher: {[l for l in out.splitlines() if 'Cipher' in l]}")

        # nginx's own refusals are problem documents: a body over 20 MiB.
        big = os.path.join(tmp, "big")
        with open(big, "wb") as f:
            f.truncate(21 << 20)
        r = curl("--cacert", cert, "-D", "-", "-H", "Content-Type: image/png",
                 "--data-binary", f"@{big}", url + "/v1/prominent-colors", check=False)
        out = r.stdout.decode(errors="replace")
        check(out.startswith("HTTP/1.1 413") and "application/problem+json" in out,
              f"413 through nginx: {out[:300]}")

        # Slow clients wait on nginx, not on the server's threads.
        n = 4 * args.threads
        times = slow_clients(port, n, 6, url, cert)
        times.sort()
        print(f"through nginx, {n} slow TLS connections (4 x {args.threads} server threads) "
              f"trickling 1 byte/200 ms: {len(times)} well-formed requests served, latency "
              f"median {statistics.median(times) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")
        check(times[-1] < 3, "slow clients delayed requests through nginx")
        print("nginx TLS proxy: all checks passed")
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT if proc is not procs[0] else signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if os.environ.get("IMGCOLOR_KEEP_TMP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
