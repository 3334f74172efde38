"""serve.py: starts imgcolor-server on a free loopback port for the documentation tests."""
import os
import signal
import subprocess
import sys
import time


class Server:
    """The real server on 127.0.0.1 and a free port; a context manager that stops it."""

    def __init__(self, binary, workdir, args=()):
        port_file = os.path.join(workdir, "port")
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "--port", "0", "--port-file", port_file,
                                      "--rate-limit", "0", *args], stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.readline().strip()
                if text:
                    self.port = int(text)
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.proc.kill()
        sys.exit("imgcolor-server did not start; see " + self.log_path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        if rc != 0 and exc[0] is None:
            sys.exit(f"imgcolor-server exited {rc} on SIGTERM; see {self.log_path}")
