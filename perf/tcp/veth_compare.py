#!/usr/bin/env python3
"""The TCP engine beside Linux's TCP over the same veth pair, one bulk stream each way.

    [tcph-pc<pid>] 10.77.9.1 tcph-c0 <---veth---> tcph-s0 [tcph-ps<pid>] 10.77.9.2
     Python client (CPU 0)                            server (CPU 1): tcp_harness on
                                                      net_af_packet, or a Python socket
                                                      server on Linux's TCP

Offloads (checksum, TSO, GSO, GRO) are off on both ends for both servers, so that both see
the same MTU-sized segments; Linux is also measured with offloads on, for reference. For each
direction the table gives MB/s of payload and the CPU seconds the whole machine spent per GB
(client included: on a veth, Linux's receive work runs on the sender's CPU, so per-process
figures would flatter it). The harness busy-polls its core, so its MB/s is also its bytes per
second per core. Needs root; exits 77 otherwise.
"""
import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

SERVER_IP = "10.77.9.2"
CLIENT_IP = "10.77.9.1"

CLIENT = r'''
import socket, sys, time
mode, n = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("%s", 9 if mode == "up" else 20), timeout=30)
t0 = time.time()
if mode == "up":
    buf = b"x" * (1 << 20)
    sent = 0
    while sent < n:
        k = min(len(buf), n - sent)
        s.sendall(buf[:k]); sent += k
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536): pass
else:
    s.sendall(b"%%d\n" %% n)
    buf = bytearray(1 << 20); got = 0
    while True:
        k = s.recv_into(buf)
        if not k: break
        got += k
    assert got == n, got
print(time.time() - t0)
''' % SERVER_IP

LINUX_SERVER = r'''
import socket, threading
def discard(c):
    b = bytearray(1 << 20)
    while c.recv_into(b): pass
    c.close()
def source(c):
    req = b""
    while not req.endswith(b"\n"):
        req += c.recv(100)
    n = int(req); blk = memoryview(b"y" * (1 << 20))
    while n:
        k = min(n, len(blk)); c.sendall(blk[:k]); n -= k
    c.close()
def serve(port, fn):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", port)); l.listen(16)
    while True:
        c, _ = l.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()
threading.Thread(target=serve, args=(9, discard), daemon=True).start()
threading.Thread(target=serve, args=(7, discard), daemon=True).start()
serve(20, source)
'''


def sh(*a, ns=None, check=True):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(a)
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def busy_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]  # all but idle and iowait


class Bench:
    def __init__(self, harness, size):
        self.nc, self.ns = "tcph-pc%d" % os.getpid(), "tcph-ps%d" % os.getpid()
        self.harness, self.size = harness, size
        self.server = None
        self.tmp = tempfile.mkdtemp(prefix="tcph-perf-")

    def up(self):
        sh("ip", "netns", "add", self.nc)
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", "tcph-c0", "netns", self.nc, "type", "veth", "peer", "name",
           "tcph-s0", "netns", self.ns)
        sh("ip", "addr", "add", CLIENT_IP + "/24", "dev", "tcph-c0", ns=self.nc)
        for n, i in ((self.nc, "tcph-c0"), (self.ns, "tcph-s0")):
            sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", ns=n, check=False)
            sh("ip", "link", "set", i, "up", ns=n)
            sh("ip", "link", "set", "lo", "up", ns=n)

    def offloads(self, on):
        v = "on" if on else "off"
        for n, i in ((self.nc, "tcph-c0"), (self.ns, "tcph-s0")):
            sh("ethtool", "-K", i, "tx", v, "tso", v, "gso", v, "gro", v, ns=n, check=False)

    def down(self):
        self.stop()
        for n in (self.nc, self.ns):
            sh("ip", "netns", "del", n, check=False)

    def start(self, cmd):
        self.server = subprocess.Popen(["ip", "netns", "exec", self.ns, "taskset", "-c", "1"] +
                                       cmd, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            r = subprocess.run(["ip", "netns", "exec", self.nc, sys.executable, "-c",
                                "import socket; socket.create_connection(('%s', 20), 1)"
                                % SERVER_IP], stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("server did not start: %s" % cmd)

    def stop(self):
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
        self.server = None

    def measure(self, mode):
        j0 = busy_jiffies()
        r = subprocess.run(["ip", "netns", "exec", self.nc, "taskset", "-c", "0",
                            sys.executable, "-c", CLIENT, mode, str(self.size)],
                           stdout=subprocess.PIPE, text=True, check=True)
        j1 = busy_jiffies()
        secs = float(r.stdout.strip())
        cpu = (j1 - j0) / os.sysconf("SC_CLK_TCK")
        return self.size / secs / 1e6, cpu / (self.size / 1e9)

    def run(self):
        rows = {}
        self.offloads(False)
        self.start([self.harness, "--iface", "tcph-s0", "--ip", SERVER_IP, "--cpu", "1",
                    "--snd-buf", str(4 << 20), "--rcv-buf", str(4 << 20)])
        rows["engine"] = {m: self.measure(m) for m in ("up", "down")}
        self.stop()
        sh("ip", "addr", "add", SERVER_IP + "/24", "dev", "tcph-s0", ns=self.ns)
        self.start([sys.executable, "-c", LINUX_SERVER])
        rows["linux"] = {m: self.measure(m) for m in ("up", "down")}
        self.offloads(True)
        rows["linux+offloads"] = {m: self.measure(m) for m in ("up", "down")}
        self.stop()
        return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--harness", required=True)
    ap.add_argument("--bytes", type=int, default=300_000_000)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("skipped: needs root")
        return 77
    b = Bench(os.path.abspath(a.harness), a.bytes)
    try:
        b.up()
        rows = b.run()
    finally:
        b.down()
    print("One bulk stream over a veth pair, %d MB per run (client->server = 'up')" %
          (a.bytes // 1000000))
    print("%-16s %12s %14s %12s %14s" % ("server", "up MB/s", "up CPU-s/GB", "down MB/s",
                                          "down CPU-s/GB"))
    for name, r in rows.items():
        print("%-16s %12.1f %14.2f %12.1f %14.2f" % (name, r["up"][0], r["up"][1],
                                                     r["down"][0], r["down"][1]))
    e, l = rows["engine"], rows["linux"]
    print("engine / linux (same offloads): up %.2f, down %.2f" %
          (e["up"][0] / l["up"][0], e["down"][0] / l["down"][0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
