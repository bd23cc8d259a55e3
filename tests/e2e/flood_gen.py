#!/usr/bin/python3
"""Flood generators for tests/e2e/flood_test.sh (issue 18, "Floods"). Each mode sends for SECONDS
at RATE (packets or connections per second) and prints one JSON line with what it sent.

    flood_gen.py badtag  TARGET PORT RATE SECONDS --peer-id N [--src IP:PORT]
        OpenVPN P_DATA_V2 packets carrying a valid peer-id but random packet ids, tags and
        ciphertext; from --src (the established client's own address and port: the worst case,
        an attacker who knows the 4-tuple) or from random spoofed hosts.
    flood_gen.py reset   TARGET PORT RATE SECONDS [--prefixes N]
        P_CONTROL_HARD_RESET_CLIENT_V2 without wrapping, each from a random spoofed host, port
        and client session id (what a server without tls-auth must budget its replies against);
        --prefixes narrows the spoofed sources to the first N of the 4,096 /24s.
    flood_gen.py badhmac TARGET PORT RATE SECONDS
        P_CONTROL_HARD_RESET_CLIENT_V2 with a tls-auth-sized HMAC and packet-id that are random
        (what a flood looks like to a server with tls-auth / tls-crypt), from spoofed hosts.
    flood_gen.py syn     TARGET PORT RATE SECONDS
        TCP SYNs from spoofed hosts and ports (the kernel never sees the SYN-ACKs, so nothing
        answers them: a classic half-open flood).
    flood_gen.py hello   TARGET PORT RATE SECONDS [--kind tls|ovpn] [--hold N]
        Real TCP connections from this namespace that each send a TLS ClientHello (a real one,
        made by Python's ssl module: kind tls, for SSTP) or a length-framed OpenVPN hard reset
        (kind ovpn, for OpenVPN over TCP) and then stay open, up to --hold at once (the oldest is
        closed to open a new one).

Spoofed sources are random hosts in 4,096 /24s of 172.16.0.0/12. Raw modes need root (a raw
socket with IP_HDRINCL); run the generator in the namespace the flood comes from. Only ever aim it
at addresses inside namespaces the test created.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import ssl
import struct
import time

BASE = 0xAC100000  # 172.16.0.0
STOP = []  # SIGTERM: finish, print what was sent


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(src: int, dst: int, proto: int, payload: bytes) -> bytes:
    # The kernel fills in the IP checksum (and the id when it is 0) for IP_HDRINCL sockets.
    return struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src,
                       dst) + payload


def udp(src: int, dst: int, sport: int, dport: int, payload: bytes) -> bytes:
    return ipv4(src, dst, socket.IPPROTO_UDP,
                struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def tcp_syn(src: int, dst: int, sport: int, dport: int, seq: int) -> bytes:
    # SYN with an MSS option, checksum over the pseudo-header (IP_HDRINCL leaves it to us).
    opts = struct.pack("!BBH", 2, 4, 1460)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + 1) << 4, 0x02, 64240, 0, 0) + opts
    pseudo = struct.pack("!IIBBH", src, dst, 0, socket.IPPROTO_TCP, len(hdr))
    c = csum(pseudo + hdr)
    hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    return ipv4(src, dst, socket.IPPROTO_TCP, hdr)


def spoofed(r: bytes, prefixes: int) -> tuple:
    prefix = int.from_bytes(r[0:2], "big") % prefixes
    return BASE + (prefix << 8) + (r[2] or 1), 1024 + int.from_bytes(r[3:5], "big") % 64000


def raw_pool(a, dst: int) -> list:
    rnd = os.urandom(65536 * 64)
    pool = []
    for i in range(65536):  # distinct packets, built up front: sending is all the loop does
        r = rnd[i * 64:(i + 1) * 64]
        src, sport = spoofed(r, a.prefixes)
        if a.mode == "badtag":
            if a.src:
                ip, port = a.src.split(":")
                src, sport = int.from_bytes(socket.inet_aton(ip), "big"), int(port)
            # opcode 9 (P_DATA_V2) << 3 | key id 0, peer-id (24 bits), packet id, tag, payload
            payload = bytes([9 << 3]) + a.peer_id.to_bytes(3, "big") + r[8:60]
            pool.append(udp(src, dst, sport, a.port, payload))
        elif a.mode == "reset":
            # opcode 7 (hard reset client v2) << 3 | key id 0, session id, no acks, msg id 0
            payload = bytes([7 << 3]) + r[8:16] + b"\x00" + b"\x00" * 4
            pool.append(udp(src, dst, sport, a.port, payload))
        elif a.mode == "badhmac":
            # opcode 7 << 3, session id, HMAC-SHA1 (20), packet-id + time (8), acks 0, msg id 0
            payload = bytes([7 << 3]) + r[8:16] + r[16:36] + r[36:44] + b"\x00" + b"\x00" * 4
            pool.append(udp(src, dst, sport, a.port, payload))
        else:  # syn
            pool.append(tcp_syn(src, dst, sport, a.port, int.from_bytes(r[8:12], "big")))
    return pool


def run_raw(a) -> dict:
    dst = int.from_bytes(socket.inet_aton(a.target), "big")
    pool = raw_pool(a, dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    addr = (a.target, 0)
    sent = errors = i = 0
    start = time.monotonic()
    end = start + a.seconds
    while True:
        now = time.monotonic()
        if now >= end or STOP:
            break
        due = int((now - start) * a.rate) - sent - errors
        if due <= 0:
            time.sleep(0.0005)
            continue
        for _ in range(min(due, 2000)):
            try:
                s.sendto(pool[i], addr)
                sent += 1
            except OSError:  # ENOBUFS when the veth queue is full: counted, not fatal
                errors += 1
            i = (i + 1) % len(pool)
    return {"sent": sent, "errors": errors, "elapsed": time.monotonic() - start}


def client_hello(kind: str, server: str) -> bytes:
    if kind == "ovpn":
        # P_CONTROL_HARD_RESET_CLIENT_V2 framed by its 16-bit length (OpenVPN over TCP)
        p = bytes([7 << 3]) + os.urandom(8) + b"\x00" + b"\x00" * 4
        return struct.pack("!H", len(p)) + p
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=server)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def run_hello(a) -> dict:
    sel = selectors.DefaultSelector()
    open_socks = []  # oldest first
    opened = hellos = failed = closed_by_peer = 0
    start = time.monotonic()
    end = start + a.seconds
    hello_cache = [client_hello(a.kind, a.target) for _ in range(16)]

    def close(s):
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass
        s.close()

    while time.monotonic() < end and not STOP:
        now = time.monotonic()
        due = int((now - start) * a.rate) - opened - failed
        for _ in range(min(max(due, 0), 200)):
            if len(open_socks) >= a.hold:
                close(open_socks.pop(0))
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            if s.connect_ex((a.target, a.port)) not in (0, 115):  # EINPROGRESS
                failed += 1
                s.close()
                continue
            opened += 1
            open_socks.append(s)
            sel.register(s, selectors.EVENT_WRITE, "connecting")
        for key, ev in sel.select(timeout=0.002):
            s = key.fileobj
            if key.data == "connecting":
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    failed += 1
                    open_socks.remove(s)
                    close(s)
                    continue
                try:
                    s.send(hello_cache[hellos % len(hello_cache)])
                    hellos += 1
                except OSError:
                    failed += 1
                sel.modify(s, selectors.EVENT_READ, "open")
            else:  # the server answered (ServerHello...) or closed: read and drop
                try:
                    if not s.recv(65536):
                        closed_by_peer += 1
                        open_socks.remove(s)
                        close(s)
                except OSError:
                    closed_by_peer += 1
                    open_socks.remove(s)
                    close(s)
    for s in open_socks:
        close(s)
    return {"sent": hellos, "connections": opened, "failed": failed,
            "closed_by_peer": closed_by_peer, "elapsed": time.monotonic() - start}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["reset", "badtag", "badhmac", "syn", "hello"])
    ap.add_argument("target")
    ap.add_argument("port", type=int)
    ap.add_argument("rate", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--peer-id", type=int, default=0)
    ap.add_argument("--src", default="")
    ap.add_argument("--kind", choices=["tls", "ovpn"], default="tls")
    ap.add_argument("--hold", type=int, default=500)
    ap.add_argument("--prefixes", type=int, choices=range(1, 4097), default=4096,
                    metavar="1..4096")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: STOP.append(1))
    r = run_hello(a) if a.mode == "hello" else run_raw(a)
    r.update(mode=a.mode, port=a.port, prefixes=a.prefixes, seconds=round(r.pop("elapsed"), 2))
    r["rate"] = round(r["sent"] / max(r["seconds"], 0.001))
    print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
