#!/usr/bin/env bash
# Prometheus metrics end to end: `vpnctl metrics` (and --sessions) and the mgmt.prometheus_listen
# endpoint serve an exposition promtool accepts, a known counter moves after traffic, and the
# endpoint answers bad requests with 400/404/405 and keeps serving.
source "$(dirname "$0")/lib.sh"
e2e_require promtool curl
e2e_init metrics
make_topology
ip -n "$NS_APP" link set lo up
{ base_config; echo 'mgmt = { prometheus_listen = "127.0.0.1:9469"; };'; } >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"

in_app() { ip netns exec "$NS_APP" "$@"; }
scrape() { in_app curl -sS --max-time 5 "$@"; }
promtool_ok() { # FILE: promtool's lint and parse pass, and the file is not empty
    [ -s "$1" ] && promtool check metrics <"$1"
}
metric() { # FILE NAME{LABELS}: the sample's value
    awk -v n="$2" '$1 == n { print $2 }' "$1"
}

check "the endpoint is announced" grep -q 'metrics endpoint on http://127.0.0.1:9469/metrics' \
    "$E2E_DIR/vpnplaned.log"
vpnctl metrics >"$E2E_DIR/before.prom"
check "vpnctl metrics passes promtool check metrics" promtool_ok "$E2E_DIR/before.prom"
vpnctl metrics --sessions >"$E2E_DIR/sessions.prom"
check "vpnctl metrics --sessions passes promtool" promtool_ok "$E2E_DIR/sessions.prom"
scrape -o "$E2E_DIR/http.prom" -D "$E2E_DIR/http.headers" http://127.0.0.1:9469/metrics
check "GET /metrics passes promtool check metrics" promtool_ok "$E2E_DIR/http.prom"
check "GET /metrics is text format 0.0.4" grep -qi 'Content-Type: text/plain; version=0.0.4' \
    "$E2E_DIR/http.headers"
check "both carry the same families" bash -c "diff <(grep '^# TYPE' $E2E_DIR/before.prom) \
    <(grep '^# TYPE' $E2E_DIR/http.prom)"
check "every family has HELP and TYPE" bash -c \
    "[ \$(grep -c '^# HELP' $E2E_DIR/http.prom) -eq \$(grep -c '^# TYPE' $E2E_DIR/http.prom) ]"

before=$(metric "$E2E_DIR/http.prom" 'vpnplane_worker_forwarded_total{worker="0"}')
check "ping across the appliance" in_client ping -c 20 -i 0.05 -W 2 10.2.0.2
scrape -o "$E2E_DIR/after.prom" http://127.0.0.1:9469/metrics
after=$(metric "$E2E_DIR/after.prom" 'vpnplane_worker_forwarded_total{worker="0"}')
echo "forwarded: $before -> $after" >>"$E2E_DIR/checks.log"
check "vpnplane_worker_forwarded_total moved by the pings" test "$after" -ge $((before + 40))
vpnctl metrics >"$E2E_DIR/after_vpnctl.prom"
check "vpnctl metrics agrees" test "$(metric "$E2E_DIR/after_vpnctl.prom" \
    'vpnplane_worker_forwarded_total{worker="0"}')" -ge "$after"

status_of() { scrape -o /dev/null -w '%{http_code}' "$@"; }
check "POST /metrics: 405" test "$(status_of -X POST http://127.0.0.1:9469/metrics)" = 405
check "GET /other: 404" test "$(status_of http://127.0.0.1:9469/other)" = 404
check "GET /metrics?bogus: 400" test "$(status_of 'http://127.0.0.1:9469/metrics?bogus=1')" = 400
check "HEAD /metrics: 200" test "$(status_of -I http://127.0.0.1:9469/metrics)" = 200
raw_request() { # BYTES: what the endpoint answers to a raw request
    in_app python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', 9469), timeout=5)
s.sendall(sys.argv[1].encode('latin-1'))
print(s.recv(200).split(b'\r\n')[0].decode())" "$1"
}
first_line_is() { # EXPECTED BYTES
    [[ "$(raw_request "$2")" == "$1"* ]]
}
check "a control character in the request line: 400" first_line_is 'HTTP/1.1 400' \
    $'GET /metrics\x01 HTTP/1.1\r\n\r\n'
check "an oversized head: 431" first_line_is 'HTTP/1.1 431' \
    "GET /metrics HTTP/1.1"$'\r\n'"X: $(head -c 5000 /dev/zero | tr '\0' a)"
check "still serving after bad requests" test "$(status_of http://127.0.0.1:9469/metrics)" = 200

check "SIGTERM stops the daemon cleanly" stop_daemon
e2e_finish
