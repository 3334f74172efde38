#!/usr/bin/python3
"""check_samples.py: the samples in README.md and docs/SERVER.md are what the code does.

A fenced block is checked as the HTML comment just above it says:

  <!-- checked: the output of CMD -->   the block is CMD's standard output
  <!-- checked: a session -->          "$ CMD" lines, each followed by its output
  <!-- checked: run -->                 every command (sh) or the program (python)
                                        runs and succeeds; so does a C program, built
                                        against this build's library
  <!-- unchecked: REASON -->            not run, for the reason given

In expected output, "..." stands for any text, and a line that starts with a space
continues the line before it (long JSON is wrapped so; the same is done to the actual
output, so indented JSON compares with its first lines). Commands run in a scratch
directory holding examples/ and tests/data/photos/ (and photo.jpg, a copy of
examples/1.jpg), with this
build's imgcolor on PATH, against an imgcolor-server this test starts: the documents'
address 127.0.0.1:5000 becomes its port. curl runs with --fail-with-body, so an
error status fails the command; a file written with -o must be a PNG or SVG as its
name says. A block with a curl or imgcolor command and no comment is an error, so
that no new sample escapes.

    check_samples.py --source SOURCE_DIR --build BUILD_DIR [--cc CC] [--cflags FLAGS]
                     [--libs LIBS]

C programs are built with CC and FLAGS (a sanitized library needs the same sanitizers)
and linked with LIBS (default -limgcolor; a static library adds its dependencies).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve import Server  # noqa: E402

DOCS = ("README.md", os.path.join("docs", "SERVER.md"))
MARK = re.compile(r"^\s*<!-- (checked|unchecked): (.*?) -->\s*$")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
NEEDS_MARK = re.compile(r"^\s*(\$ )?(curl|imgcolor|imgcolor-server) ", re.M)

failures = []
counts = {"checked": 0, "unchecked": 0}


def blocks(path):
    """(line number, language, text, marker kind, marker text) of every fenced block."""
    lines = open(path).read().split("\n")
    i, mark = 0, None
    while i < len(lines):
        m = MARK.match(lines[i])
        if m:
            mark = (i + 1, m.group(1), m.group(2))
            i += 1
            continue
        f = FENCE.match(lines[i])
        if not f:
            if lines[i].strip():
                mark = None
            i += 1
            continue
        indent, lang, start = len(f.group(1)), f.group(2), i + 1
        body = []
        i += 1
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append(lines[i][indent:])
            i += 1
        i += 1
        yield start, lang, "\n".join(body), mark
        mark = None


def unwrap(text):
    out = []
    for line in text.split("\n"):
        if line.startswith(" ") and out:
            out[-1] += line.strip()
        else:
            out.append(line)
    return "\n".join(out).strip("\n")


def matches(expected, actual):
    # A line of "..." alone also stands for the line break before it.
    expected = re.sub(r"\n\.\.\.(?=\n|$)", "\0", unwrap(expected)).replace("...", "\0")
    pattern = ".*?".join(re.escape(p) for p in expected.split("\0"))
    return re.fullmatch(pattern, unwrap(actual), re.S) is not None


class Runner:
    def __init__(self, work, port, build):
        self.work, self.port, self.build = work, port, build
        bindir = os.path.join(work, ".bin")
        os.makedirs(bindir)
        for prog in ("imgcolor", "imgcolor-server"):
            os.symlink(os.path.join(build, "bin", prog), os.path.join(bindir, prog))
        with open(os.path.join(work, ".curlrc"), "w") as f:
            f.write("fail-with-body\nsilent\nshow-error\n")
        self.env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], CURL_HOME=work,
                        NO_COLOR="1")

    def localise(self, text):
        return text.replace("127.0.0.1:5000", f"127.0.0.1:{self.port}")

    def run(self, where, cmd, expected=None):
        """Runs one shell command; checks its status, its output and the files it writes."""
        r = subprocess.run(["sh", "-c", self.localise(cmd)], cwd=self.work, env=self.env,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            failures.append(f"{where}: `{cmd}` exited {r.returncode}: {r.stderr}{r.stdout[:500]}")
            return
        if expected is not None and not matches(expected, r.stdout):
            failures.append(f"{where}: `{cmd}` printed\n{r.stdout}\nwhere the text shows\n"
                            f"{expected}")
            return
        for out in re.findall(r"(?:^|\s)-o\s+(\S+)", cmd):
            if out != "-":
                self.check_file(where, cmd, out)

    def check_file(self, where, cmd, name):
        path = os.path.join(self.work, name)
        data = open(path, "rb").read(64) if os.path.exists(path) else b""
        os.path.exists(path) and os.remove(path)
        ok = (data.startswith(b"\x89PNG\r\n\x1a\n") if name.endswith(".png") else
              b"<svg" in data or data.startswith(b"<?xml") if name.endswith(".svg") else
              bool(data))
        if not ok:
            failures.append(f"{where}: `{cmd}` did not write a valid {name}")

    def commands(self, text):
        """Shell commands of a block, continuation lines joined."""
        cmds, cur = [], ""
        for line in text.split("\n"):
            cur += line
            if cur.endswith("\\"):
                cur += "\n"
                continue
            if cur.strip() and not cur.strip().startswith("#"):
                cmds.append(cur)
            cur = ""
        return cmds

    def session(self, where, text):
        """'$ CMD' lines (with '\\' continuations) each followed by its expected output."""
        items, lines, i = [], text.split("\n"), 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                failures.append(f"{where}: session line without '$ ': {lines[i]}")
                return
            cmd = lines[i][2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd += "\n" + lines[i]
            i += 1
            out = []
            while i < len(lines) and not lines[i].startswith("$ "):
                out.append(lines[i])
                i += 1
            items.append((cmd, "\n".join(out)))
        for cmd, out in items:
            self.run(where, cmd, out)

    def program(self, where, lang, text):
        if lang == "python":
            path = os.path.join(self.work, ".sample.py")
            open(path, "w").write(re.sub(r"\b5000\b", str(self.port), text))
            self.run(where, f"/usr/bin/python3 {path}")
        elif lang == "c":
            path = os.path.join(self.work, ".sample.c")
            open(path, "w").write(text)
            self.run(where, f"{self.cc} -std=c11 -Wall -Werror -o .sample {path} {self.cflags} && "
                     "./.sample >/dev/null")
        else:
            for cmd in self.commands(text):
                self.run(where, cmd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cflags", default="")
    ap.add_argument("--libs", default="-limgcolor")
    a = ap.parse_args()
    src, build = os.path.abspath(a.source), os.path.abspath(a.build)
    with tempfile.TemporaryDirectory() as work:
        shutil.copytree(os.path.join(src, "examples"), os.path.join(work, "examples"))
        shutil.copy(os.path.join(src, "examples", "1.jpg"), os.path.join(work, "photo.jpg"))
        os.makedirs(os.path.join(work, "tests", "data"))
        os.symlink(os.path.join(src, "tests", "data", "photos"),
                   os.path.join(work, "tests", "data", "photos"))
        os.makedirs(os.path.join(work, "server"))
        with Server(os.path.join(build, "bin", "imgcolor-server"),
                    os.path.join(work, "server")) as s:
            r = Runner(work, s.port, build)
            r.cc = a.cc
            r.cflags = (f"{a.cflags} -I{src}/include -I{build}/include -L{build}/lib "
                        f"-Wl,-rpath,{build}/lib {a.libs}")
            for doc in DOCS:
                for line, lang, text, mark in blocks(os.path.join(src, doc)):
                    where = f"{doc}:{line}"
                    if mark is None:
                        if NEEDS_MARK.search(text) or lang == "python":
                            failures.append(f"{where}: a sample with no <!-- checked: ... --> "
                                            "or <!-- unchecked: REASON --> comment above it")
                        continue
                    _, kind, what = mark
                    counts[kind] += 1
                    if kind == "unchecked":
                        print(f"unchecked: {where}: {what}")
                    elif what.startswith("the output of "):
                        r.run(where, what[len("the output of "):].strip("`"), text)
                    elif what == "a session":
                        r.session(where, text)
                    elif what == "run":
                        r.program(where, lang, text)
                    else:
                        failures.append(f"{where}: unknown check '{what}'")
                    if kind == "checked" and not any(f.startswith(where) for f in failures):
                        print(f"ok: {where}: {what}")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"{counts['checked']} samples checked, {counts['unchecked']} not checked, "
          f"{len(failures)} failures")
    return 1 if failures or not counts["checked"] else 0


if __name__ == "__main__":
    sys.exit(main())
