#!/bin/sh
# units_test.sh DEPLOY SERVER: the systemd units of deploy/systemd, installed unchanged
# into a scratch root together with what they run (as a package would lay them out),
# checked with systemd-analyze verify and scored with systemd-analyze security, offline:
# no running systemd is needed. The scores must stay at or under the figures recorded in
# docs/SECURITY.md. Exits 77 (skipped) when systemd-analyze is missing.
set -eu
deploy=$1
server=$2
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIPPED: systemd-analyze is missing (apt-get install systemd)"; exit 77; }
root=$(mktemp -d "${TMPDIR:-/tmp}/imgcolor-units.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM

mkdir -p "$root/etc/systemd/system" "$root/usr/lib/imgcolor" "$root/usr/bin" "$root/usr/sbin" \
    "$root/bin" "$root/usr/lib/systemd" "$root/usr/share/imgcolor/nginx" "$root/etc/imgcolor/tls"
cp "$deploy"/systemd/*.service "$deploy"/systemd/*.target "$root/etc/systemd/system/"
cp "$deploy/imgcolor-nginx-conf" "$deploy/imgcolor-settings.sh" "$deploy/imgcolor-wait-ready" \
    "$root/usr/lib/imgcolor/"
cp "$deploy/nginx/imgcolor.conf.in" "$root/usr/share/imgcolor/nginx/"
cp "$deploy/imgcolor.env" "$root/etc/imgcolor/"
cp "$server" "$root/usr/bin/imgcolor-server"
for tool in /bin/sh /bin/kill; do cp "$(readlink -f "$tool")" "$root$tool"; done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
cp "$nginx" "$root/usr/sbin/nginx" 2>/dev/null || cp /bin/true "$root/usr/sbin/nginx"
# systemd's own units (sysinit.target, ...) that every service is ordered after
cp -r /lib/systemd/system "$root/usr/lib/systemd/system"

units="imgcolor-server@5001.service imgcolor-nginx.service imgcolor.target"
out=$(systemd-analyze verify --root="$root" $units 2>&1) || {
    echo "systemd-analyze verify failed:"; echo "$out"; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify warned:"; echo "$out"; exit 1; }
echo "systemd-analyze verify: $units: no complaint"

# The overall exposure (0 best, 10 worst) of each service, and the bar it must meet.
status=0
for pair in imgcolor-server@5001.service:0.9 imgcolor-nginx.service:1.5; do
    unit=${pair%%:*}
    bar=${pair#*:}
    report=$(systemd-analyze security --offline=yes --root="$root" "$unit" 2>&1) || true
    score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    [ -n "$score" ] || { echo "no score for $unit:"; echo "$report" | tail -5; exit 1; }
    echo "systemd-analyze security $unit: $score (bar $bar)"
    printf '%s\n' "$report" | grep '✗' | sed 's/^/    /' || true
    if awk "BEGIN { exit !($score > $bar) }"; then
        echo "$unit: exposure $score is over $bar"
        status=1
    fi
done

# The instance unit's own command lines, run as systemd would run them (%i the port, $$ a
# literal $, the binaries from the scratch root): ExecStart, then ExecStartPost must
# return once /readyz answers, the metrics must be on PORT+1000, and KillSignal must end
# the instance with status 0 within TimeoutStopSec.
unit=$root/etc/systemd/system/imgcolor-server@.service
# a free port whose metrics port (+1000) is free too
port=$(/usr/bin/python3 -c '
import random, socket
def free(p):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", p))
            return True
        except OSError:
            return False
while True:
    p = random.randrange(20000, 40000)
    if free(p) and free(p + 1000):
        print(p)
        break')
line() { sed -n "s/^$1=//p" "$unit" | sed -e "s/%i/$port/g" -e 's/[$][$]/$/g' -e "s|/usr/|$root/usr/|g"; }
start=$(line ExecStart)
post=$(line ExecStartPost)
stop_after=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
[ "$(sed -n 's/^KillSignal=//p' "$unit")" = SIGTERM ] || { echo "KillSignal is not SIGTERM"; exit 1; }
eval "set -- $start"
"$@" 2>"$root/instance.log" &
pid=$!
eval "set -- $post"
if ! "$@"; then
    echo "ExecStartPost did not see the instance ready:"; cat "$root/instance.log"
    kill "$pid" 2>/dev/null; exit 1
fi
curl -fsS -o /dev/null "http://127.0.0.1:$((port + 1000))/metrics" ||
    { echo "no metrics on $((port + 1000))"; kill "$pid"; exit 1; }
kill -TERM "$pid"
waited=0
while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$stop_after" ]; do sleep 1; waited=$((waited + 1)); done
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] || { echo "the instance exited $rc on SIGTERM"; cat "$root/instance.log"; exit 1; }
echo "ExecStart on port $port: ready by ExecStartPost, metrics on $((port + 1000)), SIGTERM exit 0"
exit $status
