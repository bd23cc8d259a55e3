#!/usr/bin/env bash
# Installs every build and test dependency of vpnplane from Debian 12's packages. Idempotent:
# does nothing (not even `apt-get update`) when everything is already installed.
set -euo pipefail

packages=(
  # build
  meson ninja-build g++ pkg-config
  libdpdk-dev dpdk-dev libipsec-mb-dev libssl-dev libconfig++-dev libfmt-dev
  nlohmann-json3-dev libpcap-dev libgtest-dev libbenchmark-dev
  # fuzzing and sanitizers (clang's libFuzzer and runtimes)
  clang libclang-rt-14-dev clang-format
  # tests, demo and benchmarks: namespaces, real clients, traffic tools
  iproute2 iputils-ping ethtool netcat-openbsd nftables tcpdump openssl
  python3 python3-scapy openvpn sstp-client ppp iperf3 procps psmisc
  qemu-system-x86 xz-utils # the SSTP client VM (tests/e2e/vm): Debian kernel under qemu TCG
  lua5.4 # runs the generated pktgen script against a recording stand-in for pktgen
  prometheus curl # promtool checks the metrics exposition (e2e_metrics); curl scrapes it
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
