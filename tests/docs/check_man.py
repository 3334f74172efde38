#!/usr/bin/python3
"""check_man.py: the manual pages and completions say what the programs do.

- mandoc -Tlint finds nothing at warning level or above in any page;
- every flag of `imgcolor --help` and `imgcolor help COMMAND` is in imgcolor(1), and
  every flag in imgcolor(1) is in that help; the same for `imgcolor-server --help`
  and imgcolor-server(8), environment variables included;
- every function of include/imgcolor.h is in libimgcolor(3);
- every flag of the help is offered by the bash and zsh completions, which parse
  (bash -n, zsh -n) and, in bash with bash-completion, complete a few command lines.

    check_man.py --source SOURCE_DIR --cli IMGCOLOR --server IMGCOLOR_SERVER
"""
import argparse
import os
import re
import subprocess
import sys

failures = []
# A flag, not inside a word ("k-means", "X-Real-IP"): a long one, or a short one of one
# letter or digit ("-k", "-0").
FLAG = re.compile(r"(?<![\w-])(--[A-Za-z][A-Za-z0-9-]*|-[A-Za-z0-9](?![\w-]))")
ENV = re.compile(r"\bIMGCOLOR_[A-Z0-9_]+\b")


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def rendered(page):
    """The page as plain text on unbounded lines, so no flag is split by wrapping."""
    out = subprocess.run(["mandoc", "-Tascii", "-O", "width=1000", page], check=True,
                         capture_output=True, text=True).stdout
    return re.sub(".\b", "", out)


def without_examples(text):
    """The page but its EXAMPLES section, whose commands may use other programs' flags."""
    return re.sub(r"^EXAMPLES\n.*?(?=^[A-Z][A-Z ]+\n)", "", text, flags=re.M | re.S)


def lint(page):
    r = run("mandoc", "-Tlint", "-W", "warning", page)
    if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
        failures.append(f"mandoc -Tlint {os.path.basename(page)}:\n{r.stdout}{r.stderr}")
    else:
        print(f"ok: mandoc -Tlint {os.path.basename(page)}")


def compare(what, help_text, page_text, pattern):
    in_help, in_page = set(pattern.findall(help_text)), set(pattern.findall(page_text))
    for f in sorted(in_help - in_page):
        failures.append(f"{what}: {f} is in --help but not in the manual page")
    for f in sorted(in_page - in_help):
        failures.append(f"{what}: {f} is in the manual page but not in --help")
    if in_help == in_page:
        print(f"ok: {what}: the {len(in_help)} names in --help and the page agree")
    return in_help


def in_completions(what, flags, paths):
    for path in paths:
        with open(path) as f:
            text = f.read()
        missing = [fl for fl in sorted(flags) if not re.search(rf"(?<![\w-]){fl}(?![\w-])", text)]
        for fl in missing:
            failures.append(f"{what}: {fl} is not completed by {os.path.relpath(path)}")
        if not missing:
            print(f"ok: {what}: {os.path.basename(path)} completes all {len(flags)} flags")


BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def complete(script, func, line):
    """What bash-completion offers for line (completing its last word) with script."""
    words = line.split(" ")
    prog = f"""
source {BASH_COMPLETION}
source {script}
COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}
{func}
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = run("bash", "-c", prog)
    return set(r.stdout.split())


def completions_work(comp):
    for shell, files in (("bash", ["imgcolor", "imgcolor-server"]),
                         ("zsh", ["_imgcolor", "_imgcolor-server"])):
        for name in files:
            r = run(shell, "-n", os.path.join(comp, shell, name))
            if r.returncode != 0:
                failures.append(f"{shell} -n {name}: {r.stderr}")
    bash_cli = os.path.join(comp, "bash", "imgcolor")
    bash_srv = os.path.join(comp, "bash", "imgcolor-server")
    cases = [
        (bash_cli, "_imgcolor", "imgcolor ", {"prominent", "hex", "pie", "help"}),
        (bash_cli, "_imgcolor", "imgcolor prominent --ma", {"--max-iter", "--max-pixels"}),
        (bash_cli, "_imgcolor", "imgcolor prominent -f ", {"text", "json", "csv"}),
        (bash_cli, "_imgcolor", "imgcolor pie --no", {"--no-labels"}),
        (bash_srv, "_imgcolor_server", "imgcolor-server --max-q", {"--max-queue="}),
        (bash_srv, "_imgcolor_server", "imgcolor-server --log-format ", {"json", "text"}),
    ]
    for script, func, line, want in cases:
        got = complete(script, func, line)
        if not want <= got:
            failures.append(f"bash completion of '{line}': {sorted(got)}, expected {sorted(want)}")
        else:
            print(f"ok: bash completes '{line}' with {' '.join(sorted(want))}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--server", required=True)
    a = ap.parse_args()
    man = os.path.join(a.source, "docs", "man")
    comp = os.path.join(a.source, "completions")
    pages = {name: os.path.join(man, name)
             for name in ("imgcolor.1", "imgcolor-server.8", "libimgcolor.3")}
    for page in pages.values():
        lint(page)

    # imgcolor: the main help and each command's.
    main_help = run(a.cli, "--help").stdout
    commands = re.findall(r"^  (\w+)  ", main_help, re.M)
    if not commands:
        failures.append("imgcolor --help lists no commands")
    cli_help = main_help + "".join(run(a.cli, "help", c).stdout for c in commands)
    page = without_examples(rendered(pages["imgcolor.1"]))
    for c in commands:
        if not re.search(rf"^\s+{c}\b", page, re.M):
            failures.append(f"imgcolor.1: no entry for the command {c}")
    flags = compare("imgcolor(1) flags", cli_help, page, FLAG)
    in_completions("imgcolor", flags | set(commands),
                   [os.path.join(comp, "bash", "imgcolor"), os.path.join(comp, "zsh", "_imgcolor")])

    server_help = run(a.server, "--help").stdout
    page = without_examples(rendered(pages["imgcolor-server.8"]))
    flags = compare("imgcolor-server(8) flags", server_help, page, FLAG)
    compare("imgcolor-server(8) environment", server_help, page, ENV)
    in_completions("imgcolor-server", flags,
                   [os.path.join(comp, "bash", "imgcolor-server"),
                    os.path.join(comp, "zsh", "_imgcolor-server")])

    completions_work(comp)

    with open(os.path.join(a.source, "include", "imgcolor.h")) as f:
        api = set(re.findall(r"\b(imgcolor_\w+)\s*\(", f.read()))
    page = rendered(pages["libimgcolor.3"])
    missing = sorted(fn for fn in api if not re.search(rf"\b{fn}\b", page))
    for fn in missing:
        failures.append(f"libimgcolor.3: {fn}() of imgcolor.h is not described")
    if not missing:
        print(f"ok: libimgcolor(3) names all {len(api)} functions of imgcolor.h")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
