#!/usr/bin/env bash
# e2e_vm_client: the stock Linux SSTP client (Debian's sstpc + pppd) in a qemu VM, proven from a
# network namespace this test creates: the VM boots, its eth0 and the host side ping each other,
# the guest kernel loads ppp_generic/ppp_async/ppp_mppe and has /dev/ppp, netem's 25 ms delay is on
# the guest's eth0, and sstpc completes a TLS handshake with an `openssl s_server` in the namespace
# and sends its SSTP_DUPLEX_POST. No SSTP server is involved: this proves the harness, which the
# SSTP e2e tests reuse (tests/e2e/vm/README.md). Under CI=true a missing prerequisite fails.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

NS=vpvm$(printf '%04x' $(($$ % 65536)))
DIR=$(mktemp -d /tmp/vpnplane-e2e-vm.XXXXXX)
# shellcheck disable=SC2034 # (read by lib.sh: where it keeps the console log and initrd)
VM_DIR=$DIR
FAILURES=0
PIDS=()
T0=$SECONDS

cleanup() {
    local rc=$?
    vm_stop
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    if { [ $rc -ne 0 ] && [ $rc -ne 77 ]; } || [ $FAILURES -ne 0 ] || [ "${KEEP:-0}" = 1 ]; then
        echo "--- logs kept in $DIR"
        for f in "$DIR"/console.log "$DIR"/qemu.log "$DIR"/s_server.log; do
            [ -f "$f" ] && { echo "--- $f (tail)"; tail -n 60 "$f"; }
        done
    else
        rm -rf "$DIR"
    fi
    exit $rc # (a failing test in the loop above must not turn a skip into a failure)
}
trap cleanup EXIT
trap "exit 1" INT TERM # (meson ends a timed-out test with SIGTERM: still tear down)

unmet() { # a missing prerequisite: a skip locally, a failure in CI
    if [ "${CI:-}" = true ]; then echo "FAIL: $*"; exit 1; fi
    echo "SKIP: $*"
    exit 77
}
check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@" >>"$DIR/checks.log" 2>&1; then echo "PASS: $what"; else
        echo "FAIL: $what"
        FAILURES=$((FAILURES + 1))
    fi
}
guest_ok() { grep -q "^VPVM: OK $1" "$VM_LOG"; }

[ "$(id -u)" -eq 0 ] || unmet "needs root (network namespaces, tap)"
vm_prepare || unmet "$VM_PREP_ERROR"
command -v openssl >/dev/null || unmet "openssl is not installed"
echo "prepared (kernel + initramfs) in $((SECONDS - T0)) s"

ip netns add "$NS"
ip -n "$NS" link set lo up
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=vpvm-sstp -keyout "$DIR/server.key" -out "$DIR/server.crt" >/dev/null 2>&1
# s_server echoes what the client sends to its stdout; its stdin must stay open (EOF on stdin
# makes it drop the connection): a FIFO that this shell holds open on fd 3 (no stray writer
# process outlives the test).
mkfifo "$DIR/s_server.in"
exec 3<>"$DIR/s_server.in"
ip netns exec "$NS" openssl s_server -accept 443 -cert "$DIR/server.crt" \
    -key "$DIR/server.key" <&3 >"$DIR/s_server.log" 2>&1 &
PIDS+=($!)

boot0=$SECONDS
vm_start "$NS" vmtap0 10.9.0.2/24 10.9.0.1 "$HERE/client_guest.sh"
vm_wait_marker "$VM_LOG" "VPVM: NET-UP" 150 || { echo "FAIL: the VM did not boot"; exit 1; }
echo "VM booted and configured eth0 in $((SECONDS - boot0)) s"
check "the VM is up with its address" grep -q "VPVM: NET-UP addr=10.9.0.2/24" "$VM_LOG"

host_go() { # PORT: connect to the guest's listener (it waits for us between steps)
    local _
    for _ in 1 2 3 4 5 6; do
        ip netns exec "$NS" nc -z -w 3 10.9.0.2 "$1" && return 0
        sleep 0.5
    done
    return 1
}
vm_wait_marker "$VM_LOG" "VPVM: WAITING host-pinged" 60 || true
check "the host namespace pings the VM" ip netns exec "$NS" ping -c 2 -W 3 10.9.0.2
check "the VM's listener takes a TCP connection" host_go 7777
vm_wait_marker "$VM_LOG" "VPVM: WAITING host-saw-post" 30 || true
for _ in $(seq 1 150); do grep -q SSTP_DUPLEX_POST "$DIR/s_server.log" && break; sleep 0.2; done
host_go 7778 || true
vm_wait_marker "$VM_LOG" "VPVM: TEST-END" 60 || true
echo "guest script done $((SECONDS - boot0)) s after the boot started"

check "the guest runs the host's iperf3, ip, tc, ping, pppd, openssl" guest_ok tools
check "the guest loads ppp_generic, ppp_async and ppp_mppe" guest_ok modprobe-ppp
check "the guest has /dev/ppp" guest_ok dev-ppp
check "netem puts 25 ms on the guest's eth0" guest_ok netem-25ms
check "the guest pings the host namespace" guest_ok ping-gateway
check "sstpc reports the TLS connection" guest_ok sstpc-connected
check "s_server completed a TLS handshake with sstpc" grep -q "CIPHER is" "$DIR/s_server.log"
check "sstpc sent SSTP_DUPLEX_POST over TLS" grep -q "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1" "$DIR/s_server.log"
check "the guest script finished and powered off" grep -q "VPVM: TEST-END rc=0" "$VM_LOG"

vm_stop
echo "e2e_vm_client: total $((SECONDS - T0)) s"
if [ $FAILURES -ne 0 ]; then
    echo "e2e_vm_client: $FAILURES check(s) failed"
    exit 1
fi
echo "e2e_vm_client: all checks passed"
