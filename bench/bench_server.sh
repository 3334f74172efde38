#!/bin/sh
# Server benchmark: requests a second of POST /v1/prominent-colors?k=6 (examples/1.jpg as
# the raw body) at concurrency 1, 4 and 16, with wrk against imgcolor-server on
# 127.0.0.1, rate limit off. Prints a Markdown table.
# Usage: bench/bench_server.sh SERVER_BINARY [SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
server=$1
seconds=${2:-5}
command -v wrk >/dev/null 2>&1 || { echo "Not measured: wrk is not installed"; exit 0; }
tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
"$server" --host 127.0.0.1 --port 0 --port-file "$tmp/port" --rate-limit 0 \
  --log-format json 2>"$tmp/log" &
pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(head -n1 "$tmp/port" | tr -dc '0-9')
cat >"$tmp/post.lua" <<LUA
local f = assert(io.open("$root/examples/1.jpg", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "image/jpeg"
LUA
echo "| connections | requests/s | mean latency | non-2xx |"
echo "|---:|---:|---:|---:|"
for c in 1 4 16; do
  threads=$([ "$c" -lt 2 ] && echo 1 || echo 2)
  wrk -t "$threads" -c "$c" -d "${seconds}s" -s "$tmp/post.lua" \
    "http://127.0.0.1:$port/v1/prominent-colors?k=6" >"$tmp/wrk" 2>&1
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")
  lat=$(awk '/Latency/ {print $2; exit}' "$tmp/wrk")
  bad=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk")
  echo "| $c | $rps | $lat | ${bad:-0} |"
done
