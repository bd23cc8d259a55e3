#!/usr/bin/env bash
# Builds the kernel + initramfs pair that the VM harness (lib.sh) boots under qemu TCG, because the
# host kernel has no PPP: Debian's own kernel (the linux-image package that linux-image-amd64 depends
# on) and busybox-static, fetched with `apt-get download` into a cache directory and unpacked with
# `dpkg-deb -x` there (nothing is installed on the host's boot path), plus the host's own sstpc,
# pppd, pppd's sstp plugin, iperf3, ping, ip and tc with every library they load.
#
# Output (in $VP_VM_CACHE, default /var/cache/vpnplane-vm): vmlinux and initramfs.cpio. A stamp
# of every input's checksum makes a second call a no-op, so a test only pays for the boot.
# Prints the two paths, one a line. Usage: build_initramfs.sh [--force | --refresh] (--force:
# rebuild the initramfs; --refresh: also ask apt again which kernel linux-image-amd64 means).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VP_VM_CACHE:-/var/cache/vpnplane-vm}
PPPD_PLUGIN=/usr/lib/pppd/2.4.9/sstp-pppd-plugin.so
# Host programs copied into the guest (with their libraries, links dereferenced).
PROGRAMS=(/usr/sbin/sstpc /usr/sbin/pppd "$PPPD_PLUGIN" /usr/bin/iperf3 /usr/bin/ping /usr/sbin/ip
  /usr/sbin/tc /usr/bin/openssl /usr/bin/bash)
# Guest kernel modules; their dependencies come from modules.dep. virtio_pci is the bus the NIC sits
# on (virtio-net: far fewer emulated register accesses per packet than e1000 under TCG).
MODULES=(virtio_pci virtio_net ppp_generic ppp_async ppp_mppe slhc sch_netem)

log() { echo "build_initramfs: $*" >&2; }
die() { log "$*"; exit 1; }

mkdir -p "$CACHE"
cd "$CACHE"
# One builder at a time: tests in other worktrees share the cache.
exec 9>"$CACHE/.lock"
flock 9

# --- 1. Debian's kernel and busybox-static, as packages in the cache (downloaded once).
apt_download() { # PACKAGE...: apt-get download, refreshing the package lists once if needed
    # Downloading as root into a root-owned directory: tell apt not to drop to _apt first.
    apt-get -q -o APT::Sandbox::User=root download "$@" >/dev/null 2>&1 && return 0
    apt-get -q update >/dev/null 2>&1 || true
    apt-get -q -o APT::Sandbox::User=root download "$@" >&2
}
# Which kernel: the package linux-image-amd64 depends on, remembered in kernel.deb because asking
# apt-cache costs seconds on a loaded machine; --refresh asks again (and so picks up a new kernel).
kdeb=$(cat kernel.deb 2>/dev/null || true)
if [ "${1:-}" = --refresh ] || [ -z "$kdeb" ] || [ ! -f "$kdeb" ]; then
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    if [ -z "$kpkg" ]; then
        apt-get -q update >/dev/null 2>&1 || true
        kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    fi
    [ -n "$kpkg" ] || die "cannot tell which linux-image package linux-image-amd64 depends on"
    kdeb=$(ls "$CACHE"/"${kpkg}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$kdeb" ]; then
        log "downloading $kpkg"
        apt_download "$kpkg"
        kdeb=$(ls "$CACHE"/"${kpkg}"_*.deb | head -n1)
    fi
    echo "$kdeb" >kernel.deb
fi
bbdeb=$(ls "$CACHE"/busybox-static_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$bbdeb" ]; then
    log "downloading busybox-static"
    apt_download busybox-static
    bbdeb=$(ls "$CACHE"/busybox-static_*.deb | head -n1)
fi
kdir=$CACHE/unpacked/$(basename "$kdeb" .deb)
if [ ! -e "$kdir/.done" ]; then
    rm -rf "$kdir" && mkdir -p "$kdir"
    dpkg-deb -x "$kdeb" "$kdir"
    touch "$kdir/.done"
fi
bbdir=$CACHE/unpacked/$(basename "$bbdeb" .deb)
if [ ! -e "$bbdir/.done" ]; then
    rm -rf "$bbdir" && mkdir -p "$bbdir"
    dpkg-deb -x "$bbdeb" "$bbdir"
    touch "$bbdir/.done"
fi
BUSYBOX=$bbdir/bin/busybox
KVER=$(ls "$kdir/lib/modules")
[ -n "$KVER" ] && [ -f "$kdir/boot/vmlinuz-$KVER" ] || die "no kernel in $kdeb"
# The package ships no modules.dep (depmod runs at install time): build it in the unpacked copy
# with busybox's depmod, which needs no host kmod.
[ -f "$kdir/lib/modules/$KVER/modules.dep" ] || "$BUSYBOX" depmod -b "$kdir" "$KVER"

for p in "${PROGRAMS[@]}"; do [ -e "$p" ] || die "missing $p (run deploy/install-deps.sh)"; done
command -v xz >/dev/null || die "xz is not installed (xz-utils)"

# --- 2. The stamp: rebuild only when an input changed.
# (Size and mtime for the packaged files: hashing 20 MB on every test start costs seconds here.)
stamp=$({
    sha256sum "$HERE/build_initramfs.sh" "$HERE/init"
    for p in "$BUSYBOX" "$kdir/boot/vmlinuz-$KVER" "${PROGRAMS[@]}"; do
        stat -L -c '%n %s %Y' "$p"
    done
} | sha256sum | cut -d' ' -f1)
if [ "${1:-}" != --force ] && [ "${1:-}" != --refresh ] && [ -f initramfs.cpio ] && [ -f vmlinux ] &&
    [ "$(cat initramfs.stamp 2>/dev/null)" = "$stamp" ]; then
    echo "$CACHE/vmlinux"
    echo "$CACHE/initramfs.cpio"
    exit 0
fi
log "building the initramfs (kernel $KVER)"

root=$(mktemp -d "$CACHE/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc/ppp/peers,proc,sys,dev,tmp,run,root}
mkdir -p "$root/usr/lib/pppd/2.4.9" "$root/etc/ssl/certs"
mkdir -p "$root/var" && ln -s /run "$root/var/run" && ln -s /run/lock "$root/var/lock"
cp "$BUSYBOX" "$root/bin/busybox"
# Applet links in /bin only, made here rather than by `busybox --install` at boot (which replaces the
# host's ip, tc and ping under /usr with applets that lack netem and friends).
for applet in $("$BUSYBOX" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# Programs and libraries: `ldd` lists them; cp -L because /usr/lib paths are often symlinks and a
# link into a path the initramfs lacks would be a dangling one there.
copy_with_libs() { # FILE
    local f=$1 lib
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
    for lib in $(ldd "$f" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}'); do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}
for p in "${PROGRAMS[@]}"; do copy_with_libs "$p"; done
# libc's loader is looked up under /lib64 by every binary.
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
# OpenSSL's legacy provider (MD4 for MS-CHAPv2): sstpc refuses to start without it.
osslmod=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
[ -f "$osslmod/legacy.so" ] || die "no OpenSSL legacy provider in '$osslmod'"
copy_with_libs "$osslmod/legacy.so"
# The host's CA bundle lets sstpc verify a server if a test gives it --ca-cert instead of
# --cert-warn; OpenSSL's configuration keeps its defaults.
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
[ -f /usr/lib/ssl/openssl.cnf ] && { mkdir -p "$root/usr/lib/ssl"; cp -L /usr/lib/ssl/openssl.cnf "$root/usr/lib/ssl/"; }

# Kernel modules, with what they depend on, and a modules.dep for busybox's modprobe.
mdir=$kdir/lib/modules/$KVER
declare -A want=()
for m in "${MODULES[@]}"; do
    line=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$mdir/modules.dep") || die "no module $m in $KVER"
    for f in ${line//:/}; do want[$f]=1; done
done
for f in "${!want[@]}"; do
    mkdir -p "$root/lib/modules/$KVER/$(dirname "$f")"
    cp "$mdir/$f" "$root/lib/modules/$KVER/$f"
done
cp "$mdir/modules.builtin" "$mdir/modules.order" "$root/lib/modules/$KVER/"
"$BUSYBOX" depmod -b "$root" "$KVER"

# pppd: an empty options file (it reads it first), the peer dir for `call`, secrets files that a
# test may overwrite. /var/run and /var/lock are links into the tmpfs /run.
: >"$root/etc/ppp/options"
printf '# client server secret IP addresses\n' >"$root/etc/ppp/chap-secrets"
chmod 600 "$root/etc/ppp/chap-secrets"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
cp "$HERE/init" "$root/init"
chmod 755 "$root/init"

# newc cpio with busybox's cpio (no host cpio needed), uncompressed: inflating it under TCG took
# the guest 1 s longer than copying the 24 MB (measured here), and the host has the page cache.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) \
    >initramfs.cpio.tmp
mv initramfs.cpio.tmp initramfs.cpio
# The bzImage is xz-compressed, and xz under TCG costs seconds per boot: keep the decompressed ELF,
# which qemu boots directly through its PVH entry note (CONFIG_PVH=y), skipping the decompressor.
off=$(LC_ALL=C grep -abo $'\xfd7zXZ' "$kdir/boot/vmlinuz-$KVER" | head -n1 | cut -d: -f1)
[ -n "$off" ] || die "no xz payload in vmlinuz-$KVER"
# (Through a file: xz stops at the end of its stream, and the writer of a pipe would get SIGPIPE.)
tail -c +$((off + 1)) "$kdir/boot/vmlinuz-$KVER" >vmlinux.xz.tmp
xz -dc --single-stream <vmlinux.xz.tmp >vmlinux.tmp
rm -f vmlinux.xz.tmp
mv vmlinux.tmp vmlinux
rm -f vmlinuz
echo "$stamp" >initramfs.stamp
rm -f initramfs.cpio.gz
log "initramfs $(du -h initramfs.cpio | cut -f1), kernel $KVER"
echo "$CACHE/vmlinux"
echo "$CACHE/initramfs.cpio"
