# shellcheck shell=bash
# Helpers to run a Linux client in a qemu VM (source it): the host kernel has no PPP, so tests that
# need the stock sstpc + pppd boot Debian's kernel under qemu TCG with an initramfs made by
# build_initramfs.sh, with the VM's NIC on a tap device inside a network namespace of the test.
#
#   vm_prepare                       install missing packages, build/reuse kernel + initramfs
#   vm_start NS TAP ADDR/PFX GW SCRIPT [FILES_DIR]
#                                    boot in the background; SCRIPT runs in the guest as
#                                    /test/run.sh, FILES_DIR's files land beside it in /test
#   vm_wait_marker LOG MARKER SECS   wait for a console line (fails early if qemu exits)
#   vm_stop                          wait briefly for the guest's poweroff, then end qemu
#
# The tap gets GW/PFX as its address in NS (the VM's gateway) unless VM_TAP_MASTER names a bridge in
# NS to enslave it to instead (the VM then sits on that bridge's segment). The console log is
# $VM_LOG (default $VM_DIR/console.log). VM_NETEM (default 25ms, 0: none) is the delay the guest
# puts on its eth0; VM_TIMEOUT (default 120) bounds the guest script. One VM at a time per shell
# (VM_PID, VM_LOG are globals); a test that needs two runs the second from a subshell with its
# own VM_DIR.
VM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_CACHE=${VP_VM_CACHE:-/var/cache/vpnplane-vm}
VM_PID=
VM_NS=
VM_TAP=
VM_KERNEL=
VM_INITRD=
VM_PREP_ERROR=

vm_install_missing() { # PACKAGE...: apt-get install those not installed (root only)
    local missing=() p
    # One dpkg-query for all (each call costs a fraction of a second on a loaded machine).
    local installed
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '/install ok installed/ {print $1}')
    for p in "$@"; do grep -qx -- "$p" <<<"$installed" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "vm: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}

# Sets VM_KERNEL and VM_INITRD; on failure returns 1 with the reason in VM_PREP_ERROR.
vm_prepare() {
    [ "$(id -u)" -eq 0 ] || { VM_PREP_ERROR="needs root (namespaces, tap, apt)"; return 1; }
    [ -c /dev/net/tun ] || { VM_PREP_ERROR="no /dev/net/tun"; return 1; }
    vm_install_missing qemu-system-x86 ppp sstp-client iperf3 iputils-ping iproute2 openssl xz-utils ||
        { VM_PREP_ERROR="cannot install the VM's packages"; return 1; }
    local out
    out=$("$VM_LIB_DIR/build_initramfs.sh") || { VM_PREP_ERROR="build_initramfs.sh failed"; return 1; }
    VM_KERNEL=$(sed -n 1p <<<"$out")
    VM_INITRD=$(sed -n 2p <<<"$out")
}

vm_start() { # NS TAP ADDR/PREFIX GATEWAY SCRIPT [FILES_DIR]
    local ns=$1 tap=$2 addr=$3 gw=$4 script=$5 files=${6:-}
    [ -n "$VM_KERNEL" ] || vm_prepare || { echo "vm_start: $VM_PREP_ERROR" >&2; return 1; }
    VM_DIR=${VM_DIR:-$(mktemp -d /tmp/vpnplane-vm.XXXXXX)}
    VM_LOG=${VM_LOG:-$VM_DIR/console.log}
    VM_NS=$ns VM_TAP=$tap
    # The test's script (and files) as a second cpio archive after the cached one: the kernel
    # unpacks both into the same root, so nothing cached is rebuilt per test.
    local stage=$VM_DIR/stage bb
    bb=$(ls "$VM_CACHE"/unpacked/busybox-static_*/bin/busybox | head -n1)
    rm -rf "$stage" && mkdir -p "$stage/test"
    [ -n "$files" ] && cp -a "$files"/. "$stage/test/"
    cp "$script" "$stage/test/run.sh"
    (cd "$stage" && find test | "$bb" cpio -o -H newc 2>/dev/null) >"$VM_DIR/test.cpio"
    cat "$VM_INITRD" "$VM_DIR/test.cpio" >"$VM_DIR/initrd.img"

    ip -n "$ns" tuntap add dev "$tap" mode tap
    if [ -n "${VM_TAP_MASTER:-}" ]; then
        ip -n "$ns" link set "$tap" master "$VM_TAP_MASTER"
    else
        ip -n "$ns" addr add "$gw/${addr#*/}" dev "$tap"
    fi
    ip -n "$ns" link set "$tap" up
    : >"$VM_LOG"
    # TCG (no KVM here); one vCPU; virtio-net (fewer emulated register accesses than e1000);
    # -no-reboot turns a guest panic or poweroff into qemu's exit. Kernel options that cut the
    # boot under TCG (measured with initcall_debug): the SP800-108 KDF self-test alone took 3.2 s
    # and the crypto manager's self-tests 0.6 s; no CPU mitigations in a throw-away guest.
    ip netns exec "$ns" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m "${VM_MEM:-256}" \
        -nodefaults -no-user-config -display none -no-reboot \
        -serial "file:$VM_LOG" \
        -kernel "$VM_KERNEL" -initrd "$VM_DIR/initrd.img" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 initcall_blacklist=crypto_kdf108_init cryptomgr.notests mitigations=off vp.addr=$addr vp.gw=$gw vp.netem=${VM_NETEM:-25ms} vp.timeout=${VM_TIMEOUT:-120}" \
        -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
        -device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56" \
        >"$VM_DIR/qemu.log" 2>&1 &
    VM_PID=$!
}

vm_wait_marker() { # LOG MARKER TIMEOUT_SECONDS
    local log=$1 marker=$2 deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        grep -qF -- "$marker" "$log" 2>/dev/null && return 0
        if [ -n "$VM_PID" ] && ! kill -0 "$VM_PID" 2>/dev/null; then
            grep -qF -- "$marker" "$log" 2>/dev/null && return 0
            echo "vm_wait_marker: qemu exited before '$marker'" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "vm_wait_marker: no '$marker' in $log after $3 s" >&2
    return 1
}

vm_stop() { # gives the guest 5 s to power off by itself, then ends qemu; removes the tap
    if [ -n "$VM_PID" ]; then
        local i
        for ((i = 0; i < 25; i++)); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.2; done
        kill -TERM "$VM_PID" 2>/dev/null || true
        wait "$VM_PID" 2>/dev/null || true
        VM_PID=
    fi
    if [ -n "$VM_NS" ]; then ip -n "$VM_NS" link del "$VM_TAP" 2>/dev/null || true; fi
    VM_NS=
}
