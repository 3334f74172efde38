#!/bin/sh
# Server benchmark: requests a second of the lesson's own call, POST /prominent-colors
# with examples/1.jpg as the multipart field `image` and k = 6, at concurrency 1, 4 and
# 16, with wrk on 127.0.0.1: imgcolor-server (rate and cost limits off: this measures
# throughput, not the limiter) against the lesson's Flask application
# (bench/lesson_app.py) under `flask run` and under gunicorn with 2 workers, all in one
# run: the imgcolor set-ups at each concurrency, then the Flask ones. Prints a Markdown
# table; a peer that is not installed (bench/setup.sh installs them) is left out with a
# note.
# Usage: bench/bench_server.sh SERVER_BINARY [SECONDS] [FLASK_SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
server=$1
seconds=${2:-5}
flask_seconds=${3:-30}
python=/usr/bin/python3
command -v wrk >/dev/null 2>&1 || { echo "Not measured: wrk is not installed"; exit 0; }
tmp=$(mktemp -d)
pids=
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A free port on loopback, from the kernel.
free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something answers on port $1, at most 30 s.
wait_port() {
  i=0
  while [ $i -lt 300 ]; do
    "$python" -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" \
      2>/dev/null && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# imgcolor-server as configured by default (one library thread per request), and with a
# library thread per core, which a lone client can use.
start_imgcolor() { # $1: name, then the extra flags; its port in $port
  name=$1
  shift
  "$server" --host 127.0.0.1 --port 0 --port-file "$tmp/$name.port" --rate-limit 0 \
    --cost-rate-ms 0 --log-format json "$@" >/dev/null 2>"$tmp/$name.log" &
  pids="$pids $!"
  i=0
  while [ ! -s "$tmp/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  port=$(head -n1 "$tmp/$name.port" | tr -dc '0-9')
}
start_imgcolor default
imgcolor_port=$port
start_imgcolor cores --kmeans-threads 0
cores_port=$port

flask_port= gunicorn_port=
if "$python" -c 'import flask, sklearn, PIL, matplotlib' 2>/dev/null; then
  flask_port=$(free_port)
  (cd "$here" && FLASK_APP=lesson_app.py exec "$python" -m flask run --port "$flask_port") \
    >"$tmp/flask.log" 2>&1 &
  pids="$pids $!"
  wait_port "$flask_port" || flask_port=
  if command -v gunicorn >/dev/null 2>&1; then
    gunicorn_port=$(free_port)
    gunicorn -w 2 --chdir "$here" -b "127.0.0.1:$gunicorn_port" --timeout 600 lesson_app:app \
      >"$tmp/gunicorn.log" 2>&1 &
    pids="$pids $!"
    wait_port "$gunicorn_port" || gunicorn_port=
  fi
fi

# The lesson's request: requests.post(url, files={'image': f}, data={'k': 6}).
cat >"$tmp/post.lua" <<LUA
local f = assert(io.open("$root/examples/1.jpg", "rb"))
local image = f:read("*a")
f:close()
local b = "bench0boundary0a41c3"
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. b
wrk.body = "--" .. b .. "\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n6\r\n" ..
  "--" .. b .. "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"1.jpg\"\r\n" ..
  "Content-Type: image/jpeg\r\n\r\n" .. image .. "\r\n--" .. b .. "--\r\n"
LUA

# Waits until the processes of pids use no more CPU (a Flask worker may still be working
# through requests wrk gave up waiting for), three quiet seconds in a row, at most 120 s,
# so that the next measurement has the machine to itself: after one quiet second, the
# Flask servers were seen computing again during the next measurement (a worker taking
# the next of the requests queued on its socket), which then ran at 40% of its speed.
cpu_ticks() { # of the servers and their workers
  for p in $pids $(for p in $pids; do ps -o pid= --ppid "$p"; done); do
    cat "/proc/$p/stat" 2>/dev/null
  done | awk '{t += $14 + $15} END {print t + 0}'
}
settle() {
  last=$(cpu_ticks) i=0 quiet=0
  while [ $i -lt 120 ]; do
    sleep 1
    now=$(cpu_ticks)
    if [ $((now - last)) -lt 5 ]; then # under 50 ms of CPU in the last second
      quiet=$((quiet + 1))
      [ $quiet -ge 3 ] && return 0
    else
      quiet=0
    fi
    last=$now
    i=$((i + 1))
  done
}

# Requests a second and non-2xx answers of port $1 at concurrency $2 for $3 seconds.
measure() {
  settle
  threads=$([ "$2" -lt 2 ] && echo 1 || echo 2)
  wrk -t "$threads" -c "$2" -d "${3}s" --timeout 120s -s "$tmp/post.lua" \
    "http://127.0.0.1:$1/prominent-colors" >"$tmp/wrk" 2>&1 || true
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")
  bad=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk")
  echo "${rps:-0} ${bad:-0}"
}

echo "| connections | imgcolor-server (req/s) | --kmeans-threads 0 (req/s) | flask run (req/s) | gunicorn -w 2 (req/s) | imgcolor / better Flask | non-2xx |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
# The two imgcolor-server set-ups at every concurrency first, then the Flask servers:
# measured in turn row by row, a Flask server's leftover work (the requests queued on
# its socket when wrk stopped) was seen running during the next imgcolor measurement,
# which then answered 70 requests a second at 16 connections instead of 190.
for c in 1 4 16; do
  set -- $(measure "$imgcolor_port" "$c" "$seconds")
  eval "ours_$c=$1 bad_$c=$2"
  set -- $(measure "$cores_port" "$c" "$seconds")
  eval "cores_$c=$1 bad_$c=\$((bad_$c + $2))"
done
for c in 1 4 16; do
  eval "flask_$c=- gunicorn_$c=-"
  if [ -n "$flask_port" ]; then
    set -- $(measure "$flask_port" "$c" "$flask_seconds")
    eval "flask_$c=$1 bad_$c=\$((bad_$c + $2))"
  fi
  if [ -n "$gunicorn_port" ]; then
    set -- $(measure "$gunicorn_port" "$c" "$flask_seconds")
    eval "gunicorn_$c=$1 bad_$c=\$((bad_$c + $2))"
  fi
done
for c in 1 4 16; do
  eval "ours=\$ours_$c cores=\$cores_$c flask=\$flask_$c gunicorn=\$gunicorn_$c bad=\$bad_$c"
  ratio=$(awk -v o="$ours" -v k="$cores" -v f="$flask" -v g="$gunicorn" 'BEGIN {
    best = (f == "-" ? 0 : f); if (g != "-" && g + 0 > best) best = g;
    if (best > 0) printf "%.0fx, %.0fx", o / best, k / best; else printf "-" }')
  echo "| $c | $ours | $cores | $flask | $gunicorn | $ratio | $bad |"
done
[ -n "$flask_port" ] || echo "(Flask not measured: python3-flask, python3-sklearn, python3-pil or python3-matplotlib missing.)"
[ -n "$gunicorn_port" ] || echo "(gunicorn not measured: not installed.)"
