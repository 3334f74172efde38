#!/bin/sh
# nginx_conf_test.sh DEPLOY: imgcolor-nginx-conf on good and bad settings. Good ones give
# a configuration nginx -t accepts, with every {{NAME}} filled; bad ones (a value that is
# not a number, an address with spaces or braces, a backend without a port, a line that
# is not IMGCOLOR_NAME=VALUE) are refused with a message and no nginx.conf. Exits 77
# (skipped) when nginx or openssl is missing.
set -u
deploy=$1
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] && command -v openssl >/dev/null 2>&1 || { echo "SKIPPED: nginx or openssl missing"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/imgcolor-conf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" -days 1 -subj /CN=127.0.0.1 2>/dev/null
gen() { # gen NAME SETTINGS-LINES...: runs the generator on a settings file of those lines
    dir=$tmp/$1
    shift
    mkdir -p "$dir"
    printf '%s\n' "$@" >"$dir/settings"
    env -i PATH="$PATH" IMGCOLOR_EDGE_CERT="$tmp/cert.pem" IMGCOLOR_EDGE_KEY="$tmp/key.pem" \
        sh "$deploy/imgcolor-nginx-conf" -f "$dir/settings" "$dir/run" >"$dir/out" 2>&1
}
status=0
if gen good 'IMGCOLOR_EDGE_LISTEN="127.0.0.1:1 [::1]:1"' "IMGCOLOR_EDGE_BACKENDS='127.0.0.1:5001 [::1]:5002'" \
    '# a comment' '' 'IMGCOLOR_EDGE_RATE=5' 'IMGCOLOR_MAX_BODY_BYTES=1000'; then
    conf=$tmp/good/run/nginx.conf
    if grep -q '{{[A-Z_]*}}' "$conf"; then echo "good: a name was left"; status=1; fi
    for want in 'rate=5r/s' 'client_max_body_size 1000;' 'listen \[::1\]:1 ssl' 'server \[::1\]:5002' \
        'location = /metrics/\[::1\]:5002' 'proxy_pass http://\[::1\]:6002/metrics;' 'least_conn;'; do
        grep -q "$want" "$conf" || { echo "good: no \"$want\" in nginx.conf"; status=1; }
    done
    "$nginx" -t -q -p "$tmp/good/run" -c "$conf" -e "$tmp/good/run/error.log" 2>"$tmp/good/t" ||
        { echo "good: nginx -t:"; cat "$tmp/good/t"; status=1; }
else
    echo "good settings refused:"; cat "$tmp/good/out"; status=1
fi
bad() { # bad NAME EXPECTED-MESSAGE SETTINGS-LINES...
    name=$1 want=$2
    shift 2
    if gen "$name" "$@"; then
        echo "$name: accepted"; status=1
    elif ! grep -q "$want" "$tmp/$name/out"; then
        echo "$name: expected \"$want\", got: $(cat "$tmp/$name/out")"; status=1
    elif [ -e "$tmp/$name/run/nginx.conf" ]; then
        echo "$name: wrote nginx.conf anyway"; status=1
    fi
}
bad rate 'whole number' 'IMGCOLOR_EDGE_RATE=20r'
bad conn 'whole number' 'IMGCOLOR_EDGE_CONN=-1'
bad listen 'bad address' 'IMGCOLOR_EDGE_LISTEN=127.0.0.1:443;include'
bad braces 'bad address' 'IMGCOLOR_EDGE_BACKENDS=127.0.0.1:1{'
bad port 'expected HOST:PORT' 'IMGCOLOR_EDGE_BACKENDS=localhost'
bad empty 'is empty' 'IMGCOLOR_EDGE_BACKENDS='
bad line 'expected IMGCOLOR_NAME=VALUE' 'PATH=/tmp'
bad name 'bad name' 'IMGCOLOR_edge=1'
[ "$status" -ne 0 ] || echo "imgcolor-nginx-conf: 1 good and 8 bad settings files, each handled as it should be"
exit $status
