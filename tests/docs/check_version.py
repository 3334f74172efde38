#!/usr/bin/python3
"""check_version.py: the one version, from CMake's project(), is the one every part
shows: the generated header, imgcolor_version() through `imgcolor --version`,
`imgcolor-server --version` and --help, imgcolor.pc, and the served OpenAPI document.
No source file may spell a version of its own.

    check_version.py --version X.Y.Z --build BUILD_DIR --source SOURCE_DIR
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve import Server  # noqa: E402

failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: {got!r}, expected {want!r}")
    else:
        print(f"ok: {what} = {got}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    v = a.version
    major, minor, patch = v.split(".")
    run = lambda *cmd: subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    with open(os.path.join(a.build, "include", "imgcolor_version.h")) as f:
        header = f.read()
    macros = dict(re.findall(r"#define IMGCOLOR_VERSION_(\w+) (\S+)", header))
    expect("IMGCOLOR_VERSION_STRING", macros.get("STRING"), f'"{v}"')
    expect("IMGCOLOR_VERSION_MAJOR.MINOR.PATCH",
           (macros.get("MAJOR"), macros.get("MINOR"), macros.get("PATCH")), (major, minor, patch))

    cli = os.path.join(a.build, "bin", "imgcolor")
    server = os.path.join(a.build, "bin", "imgcolor-server")
    expect("imgcolor --version", run(cli, "--version").splitlines()[0], f"imgcolor {v}")
    m = re.match(r"imgcolor-server (\S+) ", run(server, "--version"))
    expect("imgcolor-server --version", m and m.group(1), v)
    m = re.search(r"libimgcolor (\S+):", run(server, "--help"))
    expect("imgcolor-server --help", m and m.group(1), v)

    with open(os.path.join(a.build, "lib", "imgcolor.pc")) as f:
        m = re.search(r"^Version: (\S+)$", f.read(), re.M)
    expect("imgcolor.pc Version", m and m.group(1), v)

    with tempfile.TemporaryDirectory() as work, Server(server, work) as s:
        with urllib.request.urlopen(f"http://127.0.0.1:{s.port}/openapi.json", timeout=30) as r:
            doc = json.load(r)
    expect("served /openapi.json info.version", doc["info"]["version"], v)

    # The sources hold no copy that could drift.
    with open(os.path.join(a.source, "server", "openapi.json")) as f:
        expect("server/openapi.json info.version (source)",
               json.load(f)["info"]["version"], "@PROJECT_VERSION@")
    with open(os.path.join(a.source, "include", "imgcolor.h")) as f:
        text = f.read()
    for name in ("MAJOR", "MINOR", "PATCH", "STRING"):
        if re.search(rf"#define IMGCOLOR_VERSION_{name}\b", text):
            failures.append(f"include/imgcolor.h defines IMGCOLOR_VERSION_{name} itself")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
