#!/usr/bin/env python3
"""End-to-end tests of the TCP engine against Linux's TCP, in network namespaces.

Topology (created per run, names prefixed tcph-, removed on any exit):

  [tcph-c<pid>]                [tcph-r<pid>]                         [tcph-s<pid>]
  Linux clients  tcph-c0 ---- tcph-r0      tcph-r1 ---------------- tcph-s0  server under test
  10.77.0.1/24              10.77.0.254   10.77.1.254/24          (10.77.1.2, no kernel address)

The client side has a router namespace because random loss must happen on the wire: an
nftables drop in the sending host's own output path is reported back to its TCP, which simply
sends again, so nothing is lost. Drops in the router's forward chain are real losses for both
ends. The router also cuts a client off ("vanish") and black-holes the SYN flood's spoofed
sources.

The server is started with --server-cmd, a template run inside the server namespace with
{iface} {ip} {gateway} {stats} {extra} filled in; it must serve echo on 7, discard on 9, sink on
19 (reply with the SHA-256 hex of what was received, then close) and source on 20 (read
"<n>\\n", send n bytes of the shared pattern, close). By default it is tcp_harness (--harness);
the worker can take its place later. The server must write its engine counters to {stats}
(JSON): a scenario whose counters cannot be read fails, since some (vanish) check nothing else;
{extra} carries harness options of some scenarios (backlog, keepalive).

Scenarios: bulk loss1 loss5 conc1000 abrupt vanish synflood cookies.
Exit status: 0 pass, 1 fail, 77 skipped (not root, or no namespaces; under CI=true a missing
prerequisite is a failure instead).
"""
import argparse
import atexit
import hashlib
import json
import os
import random
import selectors
import shlex
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SERVER_IP = "10.77.1.2"
CLIENT_IP = "10.77.0.1"
ROUTER_CLIENT_IP = "10.77.0.254"
ROUTER_SERVER_IP = "10.77.1.254"
PATTERN_LEN = 65521


def pattern_block():
    """The shared test pattern (tcp_harness.cpp builds the same): xorshift32, top bytes."""
    x = 2463534242
    out = bytearray(PATTERN_LEN)
    for i in range(PATTERN_LEN):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x >> 24
    return bytes(out)


def pattern_sha256(n):
    block = pattern_block()
    h = hashlib.sha256()
    full, rest = divmod(n, PATTERN_LEN)
    for _ in range(full):
        h.update(block)
    h.update(block[:rest])
    return h.hexdigest()


# ---------------------------------------------------------------- client operations
# These run inside the client namespace (the script re-executes itself there) and print one
# JSON line.

def rand_stream(n, seed):
    rng = random.Random(seed)
    left = n
    while left:
        k = min(left, 1 << 20)
        yield rng.randbytes(k)
        left -= k


def op_echo(n, seed=1, timeout=120):
    s = socket.create_connection((SERVER_IP, 7), timeout=timeout)
    sent_h, got_h = hashlib.sha256(), hashlib.sha256()
    got = [0]
    err = []

    def reader():
        try:
            while True:
                b = s.recv(1 << 20)
                if not b:
                    break
                got_h.update(b)
                got[0] += len(b)
        except OSError as e:
            err.append(str(e))

    t = threading.Thread(target=reader)
    t.start()
    t0 = time.time()
    for chunk in rand_stream(n, seed):
        sent_h.update(chunk)
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    t.join(timeout)
    dt = time.time() - t0
    s.close()
    ok = not err and got[0] == n and got_h.digest() == sent_h.digest()
    return {"op": "echo", "ok": ok, "bytes": n, "received": got[0], "seconds": dt,
            "error": err[0] if err else None}


def op_sink(n, seed=2, timeout=120):
    s = socket.create_connection((SERVER_IP, 19), timeout=timeout)
    h = hashlib.sha256()
    t0 = time.time()
    for chunk in rand_stream(n, seed):
        h.update(chunk)
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        b = s.recv(100)
        if not b:
            break
        reply += b
    dt = time.time() - t0
    s.close()
    ok = reply.strip().decode(errors="replace") == h.hexdigest()
    return {"op": "sink", "ok": ok, "bytes": n, "seconds": dt}


def op_source(n, timeout=120):
    s = socket.create_connection((SERVER_IP, 20), timeout=timeout)
    s.sendall(b"%d\n" % n)
    h = hashlib.sha256()
    got = 0
    buf = bytearray(1 << 20)
    t0 = time.time()
    while True:
        k = s.recv_into(buf)
        if not k:
            break
        h.update(memoryview(buf)[:k])
        got += k
    dt = time.time() - t0
    s.close()
    ok = got == n and h.hexdigest() == pattern_sha256(n)
    return {"op": "source", "ok": ok, "bytes": n, "received": got, "seconds": dt}


def op_conc(conns, each, timeout=120):
    """`conns` connections to echo at once, each sending `each` random bytes."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, conns * 2 + 64)), hard))
    sel = selectors.DefaultSelector()
    state = {}
    for i in range(conns):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((SERVER_IP, 7))
        data = random.Random(i).randbytes(each)
        state[s] = {"data": data, "sent": 0, "got": bytearray(), "done": False}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    t_end = time.time() + timeout
    open_ = conns
    while open_ and time.time() < t_end:
        for key, ev in sel.select(timeout=1):
            s = key.fileobj
            st = state[s]
            if ev & selectors.EVENT_WRITE and st["sent"] < each:
                try:
                    st["sent"] += s.send(st["data"][st["sent"]:st["sent"] + 65536])
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    pass
                if st["sent"] == each:
                    s.shutdown(socket.SHUT_WR)
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                try:
                    b = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    b = b""
                if b:
                    st["got"] += b
                else:
                    st["done"] = True
                    sel.unregister(s)
                    s.close()
                    open_ -= 1
    good = sum(1 for st in state.values() if st["done"] and bytes(st["got"]) == st["data"])
    return {"op": "conc", "ok": good == conns, "good": good, "conns": conns}


def op_abrupt():
    """A client that sends to echo without reading, then is killed: its kernel answers the
    unread data with RST."""
    pid = os.fork()
    if pid == 0:
        s = socket.create_connection((SERVER_IP, 7))
        try:
            while True:
                s.sendall(b"z" * 65536)
        finally:
            os._exit(0)
    time.sleep(1.0)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return {"op": "abrupt", "ok": True}


def op_hold(port, seconds):
    """Connects, sends a little, then sits on the socket (the parent cuts the link)."""
    s = socket.create_connection((SERVER_IP, port), timeout=10)
    s.sendall(b"hello" * 1000)
    time.sleep(seconds)
    return {"op": "hold", "ok": True}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def op_synflood(seconds, port=7):
    """SYNs from random spoofed sources (10.78/16) through a raw socket, as fast as Python can."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    dst = socket.inet_aton(SERVER_IP)
    rng = random.Random(7)
    sent = 0
    t_end = time.time() + seconds
    while time.time() < t_end:
        for _ in range(256):
            src = socket.inet_aton("10.78.%d.%d" % (rng.randrange(256), rng.randrange(1, 255)))
            sport = rng.randrange(1024, 65535)
            seq = rng.getrandbits(32)
            opts = struct.pack("!BBH", 2, 4, 1460)
            tcp = struct.pack("!HHIIBBHHH", sport, port, seq, 0, (6 << 4), 0x02, 64240, 0, 0) + opts
            ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", checksum(ph + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst)
            try:
                raw.sendto(ip + tcp, (SERVER_IP, 0))
                sent += 1
            except OSError:
                pass
    return {"op": "synflood", "ok": True, "sent": sent, "rate": sent / seconds}


OPS = {"echo": op_echo, "sink": op_sink, "source": op_source, "conc": op_conc,
       "abrupt": op_abrupt, "hold": op_hold, "synflood": op_synflood}


# ---------------------------------------------------------------- topology and server

def sh(*args, check=True, ns=None):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


class Topology:
    def __init__(self, server_cmd, stats_dir):
        pid = os.getpid()
        self.nc = "tcph-c%d" % pid
        self.nr = "tcph-r%d" % pid
        self.ns = "tcph-s%d" % pid
        self.server_cmd = server_cmd
        self.stats = os.path.join(stats_dir, "stats.json")
        self.log = os.path.join(stats_dir, "server.log")
        self.server = None
        self.created = []

    def up(self):
        for n in (self.nc, self.nr, self.ns):
            sh("ip", "netns", "add", n)
            self.created.append(n)
        sh("ip", "link", "add", "tcph-c0", "netns", self.nc, "type", "veth", "peer", "name",
           "tcph-r0", "netns", self.nr)
        sh("ip", "link", "add", "tcph-r1", "netns", self.nr, "type", "veth", "peer", "name",
           "tcph-s0", "netns", self.ns)
        for n in (self.nc, self.nr, self.ns):
            sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", ns=n, check=False)
            sh("ip", "link", "set", "lo", "up", ns=n)
        sh("ip", "addr", "add", CLIENT_IP + "/24", "dev", "tcph-c0", ns=self.nc)
        sh("ip", "addr", "add", ROUTER_CLIENT_IP + "/24", "dev", "tcph-r0", ns=self.nr)
        sh("ip", "addr", "add", ROUTER_SERVER_IP + "/24", "dev", "tcph-r1", ns=self.nr)
        for n, i in ((self.nc, "tcph-c0"), (self.nr, "tcph-r0"), (self.nr, "tcph-r1"),
                     (self.ns, "tcph-s0")):
            sh("ip", "link", "set", i, "up", ns=n)
            # Whole, checksummed frames on the wire: the router drops single segments and a
            # packet socket sees segments as sent.
            sh("ethtool", "-K", i, "tx", "off", "tso", "off", "gso", "off", "gro", "off",
               ns=n, check=False)
        sh("ip", "route", "add", "default", "via", ROUTER_CLIENT_IP, ns=self.nc)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=self.nr)
        for k in ("all", "default", "tcph-r0", "tcph-r1"):
            sh("sysctl", "-qw", "net.ipv4.conf.%s.rp_filter=0" % k, ns=self.nr, check=False)
        # The SYN flood's spoofed sources: their SYN-ACKs vanish quietly in the router.
        sh("ip", "route", "add", "blackhole", "10.78.0.0/16", ns=self.nr)
        self.nft("table inet tcph { }")

    def start_server(self, extra=""):
        cmd = self.server_cmd.format(iface="tcph-s0", ip=SERVER_IP, gateway=ROUTER_SERVER_IP,
                                     stats=self.stats, extra=extra)
        logf = open(self.log, "w")
        self.server = subprocess.Popen(["ip", "netns", "exec", self.ns] + shlex.split(cmd),
                                       stdout=logf, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        # Ready when the echo port answers.
        for _ in range(100):
            r = self.client("probe", timeout=5)
            if r.get("ok"):
                return
            if self.server.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("server did not come up; log:\n" + open(self.log).read())

    def stop_server(self):
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        self.server = None

    def down(self):
        self.stop_server()
        for n in self.created:
            sh("ip", "netns", "del", n, check=False)
        self.created = []

    def client(self, op, timeout=300, background=False, **kw):
        cmd = ["ip", "netns", "exec", self.nc, sys.executable, os.path.abspath(__file__),
               "--client-op", op, "--args", json.dumps(kw)]
        if background:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"op": op, "ok": False, "error": "timeout"}
        try:
            return json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"op": op, "ok": False, "error": "no result"}

    def read_stats(self):
        try:
            with open(self.stats) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def nft(self, rules):
        subprocess.run(["ip", "netns", "exec", self.nr, "nft", "-f", "-"], input=rules,
                       text=True, check=True)

    def loss(self, percent):
        """Random loss of TCP segments between client and server, both directions."""
        self.nft("""table inet tcph {
  chain loss { type filter hook forward priority 0; policy accept;
    meta l4proto tcp numgen random mod 100 < %d drop
  }
}
""" % percent)

    def cut(self, port):
        """The client behind `port` goes silent: nothing passes either way, no RST, no FIN."""
        self.nft("""table inet tcph {
  chain cut { type filter hook forward priority -10; policy accept;
    tcp dport %d drop
    tcp sport %d drop
  }
}
""" % (port, port))


# ---------------------------------------------------------------- scenarios

class Check:
    def __init__(self):
        self.failures = []

    def __call__(self, cond, what):
        print(("  ok    " if cond else "  FAIL  ") + what, flush=True)
        if not cond:
            self.failures.append(what)


def show(r):
    extra = ""
    if r.get("seconds"):
        extra = " %.1f MB/s" % (r["bytes"] / r["seconds"] / 1e6)
    return "%s %s%s" % (r.get("op"), {k: v for k, v in r.items() if k not in ("op",)}, extra)


def live(s):
    """Connections still open: every slot but TIME-WAIT (which holds no buffers)."""
    return s["connections"] - s["time_wait"]


def wait_stats(t, pred, seconds):
    """The first counters that satisfy pred, else the last read (None: never written)."""
    end = time.time() + seconds
    s = t.read_stats()
    while time.time() < end:
        s = t.read_stats()
        if s is not None and pred(s):
            return s
        time.sleep(0.2)
    return s


def have_stats(c, s):
    """Records a failure when the server wrote no counters: the checks on them must not pass
    by not running."""
    c(s is not None, "the server wrote its engine counters")
    return s is not None


def scenario_bulk(t, c, size):
    t.start_server()
    for op in ("echo", "sink", "source"):
        r = t.client(op, n=size)
        c(r["ok"], "bulk %s %d bytes byte-exact: %s" % (op, size, show(r)))
    s = wait_stats(t, lambda s: live(s) == 0, 10)
    if have_stats(c, s):
        c(live(s) == 0, "all connections released (%d left)" % live(s))
        c(s["drop_bad_checksum"] == 0, "no checksum errors")


def scenario_loss(t, c, percent, size):
    t.start_server()
    t.loss(percent)
    for op in ("echo", "sink", "source"):
        r = t.client(op, n=size)
        c(r["ok"], "%d%% loss, %s %d bytes byte-exact: %s" % (percent, op, size, show(r)))
    s = wait_stats(t, lambda s: live(s) == 0, 20)
    if have_stats(c, s):
        c(s["retransmits"] > 0, "the engine retransmitted (%d)" % s["retransmits"])
        c(live(s) == 0, "all connections released")


def scenario_conc(t, c, conns):
    t.start_server()
    r = t.client("conc", conns=conns, each=20000)
    c(r["ok"], "%d concurrent connections echoed byte-exact: %s" % (conns, show(r)))
    s = wait_stats(t, lambda s: live(s) == 0, 20)
    if have_stats(c, s):
        c(s["conn_established"] >= conns, "%d connections established" % s["conn_established"])
        c(live(s) == 0, "all released (%d left)" % live(s))


def scenario_abrupt(t, c):
    t.start_server()
    r = t.client("abrupt")
    c(r["ok"], "client killed mid-transfer")
    s = wait_stats(t, lambda s: live(s) == 0, 20)
    if have_stats(c, s):
        c(s["conn_reset_rx"] >= 1, "the engine saw the RST (%d)" % s["conn_reset_rx"])
        c(live(s) == 0, "connection released")
    r = t.client("echo", n=1 << 20)
    c(r["ok"], "service goes on: %s" % show(r))


def scenario_vanish(t, c):
    t.start_server("--keepalive-idle-ms 2000 --keepalive-interval-ms 500 --keepalive-probes 3")
    holder = t.client("hold", background=True, port=9, seconds=15)
    time.sleep(1.5)
    t.cut(9)  # the client goes silent: no FIN, no RST, nothing
    s = wait_stats(t, lambda s: s["conn_timeouts"] >= 1 and live(s) == 0, 15)
    holder.kill()
    holder.wait()
    if have_stats(c, s):
        c(s["keepalive_probes"] >= 3, "keepalive probed (%d)" % s["keepalive_probes"])
        c(s["conn_timeouts"] >= 1, "silent client timed out (%d)" % s["conn_timeouts"])
        c(live(s) == 0, "connection released")


def scenario_synflood(t, c, size):
    t.start_server("--syn-backlog 64")
    flood = t.client("synflood", background=True, seconds=15)
    time.sleep(2)
    peak = [0]

    def watch():
        while flood.poll() is None:
            s = t.read_stats()
            if s:
                peak[0] = max(peak[0], s["syn_received"])
            time.sleep(0.1)

    w = threading.Thread(target=watch)
    w.start()
    r = t.client("echo", n=size)
    c(r["ok"], "transfer during the flood byte-exact: %s" % show(r))
    out, _ = flood.communicate(timeout=60)
    w.join()
    try:
        fr = json.loads(out.strip().splitlines()[-1])
        print("  flood: %d SYNs, %.0f/s" % (fr["sent"], fr["rate"]))
    except (ValueError, IndexError):
        pass
    s = wait_stats(t, lambda s: True, 5)
    if have_stats(c, s):
        c(s["syn_cookies_sent"] > 1000, "SYN cookies sent (%d)" % s["syn_cookies_sent"])
        c(peak[0] <= 64, "SYN backlog stayed bounded (peak %d)" % peak[0])
        c(live(s) <= 64 + 8, "connection table bounded (%d)" % live(s))
    r = t.client("conc", conns=50, each=10000)
    c(r["ok"], "new connections after the flood: %s" % show(r))


def scenario_cookies(t, c, size):
    t.start_server("--syn-backlog 0")
    for op in ("echo", "sink", "source"):
        r = t.client(op, n=size)
        c(r["ok"], "every connection through a SYN cookie, %s byte-exact: %s" % (op, show(r)))
    s = wait_stats(t, lambda s: True, 5)
    if have_stats(c, s):
        c(s["syn_cookies_accepted"] >= 3, "cookies accepted (%d)" % s["syn_cookies_accepted"])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("--harness", help="path of tcp_harness")
    ap.add_argument("--server-cmd", help="server command template (see above)")
    ap.add_argument("--size", type=int, default=0, help="bytes per transfer")
    ap.add_argument("--client-op")
    ap.add_argument("--args", default="{}")
    a = ap.parse_args()

    if a.client_op:
        kw = json.loads(a.args)
        if a.client_op == "probe":
            try:
                socket.create_connection((SERVER_IP, 7), timeout=1).close()
                print(json.dumps({"ok": True}))
            except OSError:
                print(json.dumps({"ok": False}))
            return 0
        r = OPS[a.client_op](**{k: v for k, v in kw.items() if k != "timeout"})
        print(json.dumps(r))
        return 0

    if os.geteuid() != 0 or subprocess.run(["ip", "netns", "list"],
                                           stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL).returncode != 0:
        if os.environ.get("CI") == "true":
            print("FAIL: needs root and network namespaces (CI=true: a missing prerequisite "
                  "fails)")
            return 1
        print("skipped: needs root and network namespaces")
        return 77
    if not a.server_cmd:
        if not a.harness:
            ap.error("give --harness or --server-cmd")
        a.server_cmd = shlex.quote(a.harness) + " --iface {iface} --ip {ip} --stats {stats} {extra}"

    with tempfile.TemporaryDirectory(prefix="tcph-") as tmp:
        t = Topology(a.server_cmd, tmp)
        atexit.register(t.down)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: sys.exit(1))
        c = Check()
        try:
            t.up()
            s = a.scenario
            if s == "bulk":
                scenario_bulk(t, c, a.size or 50_000_000)
            elif s == "loss1":
                scenario_loss(t, c, 1, a.size or 10_000_000)
            elif s == "loss5":
                scenario_loss(t, c, 5, a.size or 5_000_000)
            elif s == "conc1000":
                scenario_conc(t, c, 1000)
            elif s == "abrupt":
                scenario_abrupt(t, c)
            elif s == "vanish":
                scenario_vanish(t, c)
            elif s == "synflood":
                scenario_synflood(t, c, a.size or 20_000_000)
            elif s == "cookies":
                scenario_cookies(t, c, a.size or 5_000_000)
            else:
                ap.error("unknown scenario %r" % s)
        except Exception as e:  # report, then clean up
            c(False, "scenario raised %r" % e)
            try:
                print(open(t.log).read()[-2000:])
            except OSError:
                pass
        finally:
            stats = t.read_stats()
            t.down()
        if stats:
            keys = ("retransmits", "fast_retransmits", "rto_expirations", "dup_acks",
                    "ooo_segments", "syn_cookies_sent", "syn_cookies_accepted",
                    "conn_reset_rx", "conn_timeouts", "drop_out_of_window", "drop_paws",
                    "tlp_probes", "lost_retransmits", "tx_dropped")
            print("  engine: " + ", ".join("%s=%s" % (k, stats.get(k)) for k in keys))
        print("PASS" if not c.failures else "FAIL: %d check(s)" % len(c.failures))
        return 0 if not c.failures else 1


if __name__ == "__main__":
    sys.exit(main())
