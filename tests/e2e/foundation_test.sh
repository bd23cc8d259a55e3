#!/usr/bin/env bash
# The foundation end to end: the appliance on net_af_packet veths between a client namespace and a
# LAN namespace answers pings on both addresses, routes between the namespaces (TTL decremented,
# ARP resolved by the control plane), carries TCP byte-exactly both ways, drops traffic to closed
# ports with a counter, reloads on SIGHUP and `vpnctl reload` (refusing a broken file with
# file:line), refuses a bad configuration at start, and stops cleanly on SIGTERM.
source "$(dirname "$0")/lib.sh"
e2e_init foundation
make_topology
base_config >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"

# After start-up every thread keeps only CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK and
# CAP_SYS_RAWIO (bits 12, 13, 14, 17) in its effective, permitted and bounding sets.
caps_dropped() {
    local f
    grep -q 'capabilities dropped on .* kept CAP_NET_ADMIN,CAP_NET_RAW,CAP_IPC_LOCK,CAP_SYS_RAWIO$' \
        "$E2E_DIR/vpnplaned.log" || return 1
    for f in /proc/"$E2E_DAEMON"/task/*/status; do
        grep -E '^Cap(Eff|Prm|Bnd)' "$f"
        [ "$(grep -cE '^Cap(Eff|Prm|Bnd):\s+0000000000027000$' "$f")" -eq 3 ] || return 1
    done
}
check "capabilities dropped on every thread after start-up" caps_dropped

check "ping the WAN address" in_client ping -c 2 -W 2 10.1.0.1
check "ping the LAN address from the client side" in_client ping -c 2 -W 2 10.2.0.1
check "ping the LAN host across the appliance" in_client ping -c 3 -W 2 10.2.0.2
check "ping the client from the LAN" in_lan ping -c 3 -W 2 10.1.0.2
check "TTL is decremented once" bash -c "ip netns exec $NS_CLIENT ping -c 1 -W 2 10.2.0.2 | grep -q 'ttl=63'"

head -c 8000000 /dev/urandom >"$E2E_DIR/up.bin"
head -c 8000000 /dev/urandom >"$E2E_DIR/down.bin"
in_lan timeout 20 nc -l -p 5001 >"$E2E_DIR/up.recv" &
in_client timeout 20 nc -l -p 5002 >"$E2E_DIR/down.recv" &
sleep 0.5
check "TCP upload through the appliance" in_client timeout 20 nc -N 10.2.0.2 5001 <"$E2E_DIR/up.bin"
check "TCP download through the appliance" in_lan timeout 20 nc -N 10.1.0.2 5002 <"$E2E_DIR/down.bin"
sleep 0.5
check "upload is byte-exact" cmp "$E2E_DIR/up.bin" "$E2E_DIR/up.recv"
check "download is byte-exact" cmp "$E2E_DIR/down.bin" "$E2E_DIR/down.recv"

before=$(json_value drops "r['no_service']")
in_client bash -c 'echo probe | nc -u -w 1 10.1.0.1 9999' || true
in_client bash -c 'nc -z -w 1 10.1.0.1 22' || true
sleep 0.5
after=$(json_value drops "r['no_service']")
check "closed ports: dropped and counted" test "$after" -ge $((before + 2))
check "vpnctl workers shows forwarded packets" test "$(json_value workers "r['worker0']['forwarded']")" -gt 1000
check "vpnctl ports lists both ports" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 ports | grep -q wan0"
check "ARP entries were learned" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 arp | grep -q 10.2.0.2"
check "every counter has a description" test "$(json_value counters "len([v for v in r.values() if v])")" -gt 40
check "dpdk-telemetry.py reads /vpnplane/workers" bash -c \
    "echo /vpnplane/workers | dpdk-telemetry.py -f $E2E_PREFIX | grep -q worker0"

# Reload: a static route appears on SIGHUP; a broken file is refused by `vpnctl reload`.
cat >>"$E2E_DIR/vpnplane.cfg" <<'CFG'
ip = { routes = ( { dst_address = "10.77.0.0/16"; gateway = "10.2.0.2"; } ); };
CFG
kill -HUP "$E2E_DAEMON"
sleep 0.5
check "SIGHUP reload installs a static route" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 routes | grep -q 10.77.0.0/16"
{ base_config; echo 'ip = { arp_timeout = "soon"; };'; } >"$E2E_DIR/vpnplane.cfg"
reload_refused() {
    local out
    if out=$(vpnctl reload 2>&1); then return 1; fi
    grep -q 'vpnplane.cfg:[0-9]*: ip.arp_timeout' <<<"$out"
}
check "vpnctl reload refuses a broken file with file:line" reload_refused
check "the running configuration is kept after a refused reload" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 routes | grep -q 10.77.0.0/16"
check "traffic still flows after reloads" in_client ping -c 2 -W 2 10.2.0.2

check "SIGTERM stops the daemon cleanly" stop_daemon

printf 'interfaces = ( { name = "x"; device = "net_af_packet0,iface=nope"; address = "10.0.0.1/33"; } );\n' >"$E2E_DIR/bad.cfg"
check "a bad configuration is refused with file:line: setting" bash -c \
    "! $VPNPLANED -c $E2E_DIR/bad.cfg 2>$E2E_DIR/bad.out && grep -q 'bad.cfg:1: interfaces.\[0\].address' $E2E_DIR/bad.out"
e2e_finish
