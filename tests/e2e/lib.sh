# Shared helpers for the namespace end-to-end tests (source it). Each test gets its own network
# namespaces, named with a per-run prefix, joined by veth pairs:
#
#   client ns (10.1.0.2/24) ==veth== [vpa-wan  appliance ns  vpa-lan] ==veth== lan ns (10.2.0.2/24)
#
# The appliance (vpnplaned) attaches to its veth ends with DPDK's net_af_packet, so the binary
# that drives NICs in production drives the veths here. Everything is torn down on exit.
set -euo pipefail

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VP_BUILD=${VP_BUILD:-$E2E_ROOT/build}
VPNPLANED=$VP_BUILD/control/vpnplaned
VPNCTL=$VP_BUILD/tools/vpnctl
E2E_FAILURES=0
E2E_PIDS=()
E2E_EXTRA_NS=()

# A missing prerequisite (root, a tool, a device): a skip (77) on a developer's machine, but a
# failure under CI=true, where everything is installed and a skip would pass without testing.
e2e_skip() { # REASON
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $* (CI=true: a missing prerequisite is a failure)"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

e2e_require() { # COMMAND...: each must be installed
    local c
    for c in "$@"; do command -v "$c" >/dev/null || e2e_skip "$c is not installed"; done
}

e2e_init() { # NAME
    E2E_NAME=$1
    E2E_TAG=${E2E_TAG:-$(printf 'e%04x' $(($$ % 65536)))}
    NS_APP=${E2E_TAG}a
    NS_CLIENT=${E2E_TAG}c
    NS_LAN=${E2E_TAG}l
    # Before the cleanup trap, which needs root itself (its failure would turn a skip into 1).
    [ "$(id -u)" -eq 0 ] || e2e_skip "$E2E_NAME needs root (network namespaces)"
    E2E_DIR=$(mktemp -d "/tmp/vpnplane-e2e-$E2E_NAME.XXXXXX")
    E2E_PREFIX=vp$E2E_TAG # DPDK file prefix (telemetry socket directory)
    trap e2e_cleanup EXIT
    [ -x "$VPNPLANED" ] || { echo "FAIL: $VPNPLANED not built"; exit 1; }
}

e2e_cleanup() {
    local rc=$?
    for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.3
    for pid in "${E2E_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    # Daemons started inside the namespaces (iperf3 -D, tcpdump) would keep them alive: end them.
    for ns in "$NS_APP" "$NS_CLIENT" "$NS_LAN" "${E2E_EXTRA_NS[@]}"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "/var/run/dpdk/$E2E_PREFIX"
    if [ $rc -ne 0 ] || [ "$E2E_FAILURES" -ne 0 ]; then
        echo "--- logs kept in $E2E_DIR"
        for f in "$E2E_DIR"/*.log; do [ -f "$f" ] && { echo "--- $f (tail)"; tail -n 40 "$f"; }; done
    else
        rm -rf "$E2E_DIR"
    fi
}

netns_offloads_off() { # NS DEV: the kernel must put full checksums on the wire, not partial ones
    ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

# make_topology [CLIENTS]: with more than one client, the WAN side is a switch (a bridge in its own
# namespace) and client i lives in namespace ${E2E_TAG}c<i> at 10.1.0.(1+i); NS_CLIENT is the
# first. client_ns I names them.
client_ns() { if [ "$1" = 1 ]; then echo "$NS_CLIENT"; else echo "${E2E_TAG}c$1"; fi; }

make_topology() {
    local clients=${1:-1} i
    ip netns add "$NS_APP"
    ip netns add "$NS_CLIENT"
    ip netns add "$NS_LAN"
    if [ "$clients" -eq 1 ]; then
        ip link add vpa-wan netns "$NS_APP" type veth peer name eth0 netns "$NS_CLIENT"
    else
        local sw=${E2E_TAG}s
        ip netns add "$sw"
        E2E_EXTRA_NS+=("$sw")
        ip -n "$sw" link add br0 type bridge
        ip -n "$sw" link set br0 up
        ip link add vpa-wan netns "$NS_APP" type veth peer name up0 netns "$sw"
        ip -n "$sw" link set up0 master br0
        ip -n "$sw" link set up0 up
        for ((i = 1; i <= clients; i++)); do
            local ns
            ns=$(client_ns "$i")
            [ "$i" -gt 1 ] && { ip netns add "$ns"; E2E_EXTRA_NS+=("$ns"); }
            ip link add "p$i" netns "$sw" type veth peer name eth0 netns "$ns"
            ip -n "$sw" link set "p$i" master br0
            ip -n "$sw" link set "p$i" up
            netns_offloads_off "$sw" "p$i"
            if [ "$i" -gt 1 ]; then
                ip -n "$ns" addr add "10.1.0.$((1 + i))/24" dev eth0
                ip -n "$ns" link set lo up
                ip -n "$ns" link set eth0 up
                netns_offloads_off "$ns" eth0
                ip -n "$ns" route add default via 10.1.0.1
            fi
        done
    fi
    ip link add vpa-lan netns "$NS_APP" type veth peer name eth0 netns "$NS_LAN"
    ip -n "$NS_APP" link set lo up
    for dev in vpa-wan vpa-lan; do
        ip -n "$NS_APP" link set "$dev" up
        netns_offloads_off "$NS_APP" "$dev"
    done
    ip -n "$NS_CLIENT" addr add 10.1.0.2/24 dev eth0
    ip -n "$NS_LAN" addr add 10.2.0.2/24 dev eth0
    for ns in "$NS_CLIENT" "$NS_LAN"; do
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
        netns_offloads_off "$ns" eth0
    done
    ip -n "$NS_CLIENT" route add default via 10.1.0.1
    ip -n "$NS_LAN" route add default via 10.2.0.1
}

# The base configuration of the topology; extra settings are appended by the caller.
base_config() {
    cat <<CFG
system = { logging = { level = "info"; }; };
dpdk = { lcores = "0-1"; no_huge = true; memory_mb = 256; file_prefix = "$E2E_PREFIX"; };
dataplane = { idle_sleep_us = 50; };
interfaces = (
  { name = "wan0"; device = "net_af_packet0,iface=vpa-wan"; role = "wan"; address = "10.1.0.1/24"; },
  { name = "lan0"; device = "net_af_packet1,iface=vpa-lan"; role = "lan"; address = "10.2.0.1/24";
    arp = "proxy-arp"; }
);
CFG
}

start_daemon() { # CONFIG_FILE
    ip netns exec "$NS_APP" "$VPNPLANED" -c "$1" >"$E2E_DIR/vpnplaned.log" 2>&1 &
    E2E_DAEMON=$!
    E2E_PIDS+=("$E2E_DAEMON")
    for _ in $(seq 1 300); do # 30 s: a sanitized daemon starts slower
        if grep -q "vpnplaned running" "$E2E_DIR/vpnplaned.log" 2>/dev/null; then return 0; fi
        kill -0 "$E2E_DAEMON" 2>/dev/null || { echo "FAIL: vpnplaned exited"; cat "$E2E_DIR/vpnplaned.log"; return 1; }
        sleep 0.1
    done
    echo "FAIL: vpnplaned did not start"
    return 1
}

stop_daemon() { # returns the daemon's exit status
    kill -TERM "$E2E_DAEMON"
    local rc=0
    wait "$E2E_DAEMON" || rc=$?
    return $rc
}

vpnctl() { "$VPNCTL" -s "/var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2" "$@"; }

in_client() { ip netns exec "$NS_CLIENT" "$@"; }
in_lan() { ip netns exec "$NS_LAN" "$@"; }

check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@" >>"$E2E_DIR/checks.log" 2>&1; then
        echo "PASS: $what"
    else
        echo "FAIL: $what"
        E2E_FAILURES=$((E2E_FAILURES + 1))
    fi
}

# A counter from `vpnctl --json` output: counter_of JSON_COMMAND JQ-like-path (python).
json_value() { # COMMAND... -- PYTHON_EXPRESSION over `r`
    local expr=${!#}
    local args=("${@:1:$#-1}")
    vpnctl --json "${args[@]}" | /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); print($expr)"
}

e2e_finish() {
    if [ "$E2E_FAILURES" -ne 0 ]; then
        echo "$E2E_NAME: $E2E_FAILURES check(s) failed"
        exit 1
    fi
    echo "$E2E_NAME: all checks passed"
}
