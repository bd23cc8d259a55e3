#!/usr/bin/python3
"""Writes the pcap scenarios the scenario test replays through the real worker code.

Each scenario is a folder with config.cfg, <port>.in.pcap (what arrives on that port) and
<port>.expect.pcap (what the appliance must send out of it, byte for byte). The expected frames
are built here with scapy, independently of the code under test. Run it after changing a
scenario and commit the result:  /usr/bin/python3 tests/scenario/make_scenarios.py
"""
import os
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, fragment, wrpcap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

WAN_MAC, WAN_IP = "02:00:00:00:01:01", "10.1.0.1"
CLIENT_MAC, CLIENT_IP = "02:00:00:00:01:02", "10.1.0.2"
LAN_MAC, LAN_IP = "02:00:00:00:02:01", "10.2.0.1"
HOST_MAC, HOST_IP = "02:00:00:00:02:02", "10.2.0.2"
GW_MAC, GW_IP = "02:00:00:00:02:fe", "10.2.0.254"
UNKNOWN_MAC = "02:00:00:00:01:77"

BASE_CONFIG = """# Scenario topology: wan0 10.1.0.1/24 (client 10.1.0.2), lan0 10.2.0.1/24 (host 10.2.0.2,
# router 10.2.0.254 for 10.30.0.0/16). @DIR@ and @OUT@ are filled in by the test.
dpdk = {{ lcores = "0-1"; no_huge = true; }};
dataplane = {{ workers = "1"; }};
interfaces = (
  {{ name = "wan0"; device = "net_pcap0,rx_pcap=@DIR@/wan0.in.pcap,tx_pcap=@OUT@/wan0.out.pcap";
     role = "wan"; address = "10.1.0.1/24"; mac_address = "{wan_mac}"; mtu = 1500; }},
  {{ name = "lan0"; device = "net_pcap1,rx_pcap=@DIR@/lan0.in.pcap,tx_pcap=@OUT@/lan0.out.pcap";
     role = "lan"; address = "10.2.0.1/24"; mac_address = "{lan_mac}"; mtu = {lan_mtu};
     arp = "{lan_arp}"; }}
);
ip = {{
  routes = ( {{ dst_address = "10.30.0.0/16"; gateway = "10.2.0.254"; }} );
  arp = (
    {{ address = "10.1.0.2"; mac_address = "{client_mac}"; interface = "wan0"; }},
    {{ address = "10.2.0.2"; mac_address = "{host_mac}"; interface = "lan0"; }},
    {{ address = "10.2.0.254"; mac_address = "{gw_mac}"; interface = "lan0"; }}
  );
}};
"""


def from_client(pkt, ttl=64):
    return Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, ttl=ttl, **pkt[0]) / pkt[1]


def write(name, inputs, expected, lan_mtu=1400, lan_arp="enabled", extra=""):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.cfg"), "w") as f:
        f.write(BASE_CONFIG.format(wan_mac=WAN_MAC, lan_mac=LAN_MAC, client_mac=CLIENT_MAC,
                                   host_mac=HOST_MAC, gw_mac=GW_MAC, lan_mtu=lan_mtu,
                                   lan_arp=lan_arp))
        f.write(extra)
    for port in ("wan0", "lan0"):
        wrpcap(os.path.join(d, port + ".in.pcap"), inputs.get(port, []))
        wrpcap(os.path.join(d, port + ".expect.pcap"), expected.get(port, []))


def arp_reply(requester_mac, requester_ip, target_ip, own_mac):
    return Ether(src=own_mac, dst=requester_mac) / ARP(
        op=2, hwsrc=own_mac, psrc=target_ip, hwdst=requester_mac, pdst=requester_ip)


def arp_request(mac, ip, target):
    return Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=mac, psrc=ip, pdst=target)


def icmp_error(type_, code, offending, router_ip, dst_mac, src_mac, mtu=0):
    quoted = bytes(offending[IP])[:548]
    icmp = ICMP(type=type_, code=code)
    if type_ == 3 and code == 4:
        icmp = ICMP(type=3, code=4, nexthopmtu=mtu)
    return (Ether(src=src_mac, dst=dst_mac) /
            IP(src=router_ip, dst=offending[IP].src, ttl=64, tos=0xC0, id=0, flags=0) /
            icmp / Raw(quoted))


def routed(pkt, src_mac, dst_mac, ttl_dec=1):
    out = pkt.copy()
    out[Ether].src, out[Ether].dst = src_mac, dst_mac
    out[IP].ttl -= ttl_dec
    del out[IP].chksum
    return Ether(bytes(out))


def main():
    # 1. ARP for our own address: a known sender is answered by the worker, an unknown one by the
    # control plane (which learns it); a request for someone else's address is dropped.
    write("arp_reply",
          {"wan0": [arp_request(CLIENT_MAC, CLIENT_IP, WAN_IP),
                    arp_request(UNKNOWN_MAC, "10.1.0.77", WAN_IP),
                    arp_request(CLIENT_MAC, CLIENT_IP, "10.1.0.99")]},
          {"wan0": [arp_reply(CLIENT_MAC, CLIENT_IP, WAN_IP, WAN_MAC),
                    arp_reply(UNKNOWN_MAC, "10.1.0.77", WAN_IP, WAN_MAC)]})

    # 2. Pings to both of the appliance's addresses are answered (routed back to the client).
    pings = [Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=dst, id=7) /
             ICMP(type=8, id=0x1234, seq=n) / Raw(b"vpnplane-ping-%d" % n)
             for n, dst in enumerate((WAN_IP, LAN_IP))]
    replies = [Ether(src=WAN_MAC, dst=CLIENT_MAC) / IP(src=p[IP].dst, dst=CLIENT_IP, id=7, ttl=64) /
               ICMP(type=0, id=0x1234, seq=p[ICMP].seq) / p[Raw] for p in pings]
    write("ping_reply", {"wan0": pings}, {"wan0": replies})

    # 3. Forwarding: TTL decremented, checksum fixed, MACs rewritten; via a static route's gateway.
    direct = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, ttl=64, id=1) / \
        UDP(sport=4000, dport=5000) / Raw(b"x" * 100)
    via_gw = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst="10.30.1.1", ttl=20, id=2) / \
        UDP(sport=4001, dport=5001) / Raw(b"y" * 60)
    write("forward", {"wan0": [direct, via_gw]},
          {"lan0": [routed(direct, LAN_MAC, HOST_MAC), routed(via_gw, LAN_MAC, GW_MAC)]})

    # 4. MSS clamping: a SYN from the LAN (MTU 1400) to the WAN gets MSS 1360; a SYN-ACK whose MSS
    # is already small passes unchanged.
    syn = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=CLIENT_IP, id=3) / \
        TCP(sport=40000, dport=80, flags="S", seq=1000,
            options=[("MSS", 1460), ("SAckOK", b""), ("WScale", 7)])
    synack = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=CLIENT_IP, id=4) / \
        TCP(sport=80, dport=40001, flags="SA", seq=5, ack=9, options=[("MSS", 1300)])
    clamped = routed(syn, WAN_MAC, CLIENT_MAC)
    clamped[TCP].options = [("MSS", 1360), ("SAckOK", b""), ("WScale", 7)]
    del clamped[TCP].chksum
    write("mss_clamp", {"lan0": [syn, synack]},
          {"wan0": [Ether(bytes(clamped)), routed(synack, WAN_MAC, CLIENT_MAC)]})

    # 5. Proxy-ARP on the LAN for a registered VPN client address (10.9.0.5); not for others.
    write("proxy_arp",
          {"lan0": [arp_request(HOST_MAC, HOST_IP, "10.9.0.5"),
                    arp_request(HOST_MAC, HOST_IP, "10.9.0.6")]},
          {"lan0": [arp_reply(HOST_MAC, HOST_IP, "10.9.0.5", LAN_MAC)]},
          lan_arp="proxy-arp")

    # 6. Packets to the appliance that no service accepts: dropped, counted, nothing sent.
    write("closed_port",
          {"wan0": [Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=WAN_IP) /
                    UDP(sport=1, dport=9999) / Raw(b"hello"),
                    Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=WAN_IP) /
                    TCP(sport=2, dport=22, flags="S")]},
          {})

    # 7. TTL expiry: ICMP time-exceeded from the ingress address, quoting the packet.
    dying = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, ttl=1, id=5) / \
        UDP(sport=33434, dport=33435) / Raw(b"traceroute")
    write("ttl_expired", {"wan0": [dying]},
          {"wan0": [icmp_error(11, 0, dying, WAN_IP, CLIENT_MAC, WAN_MAC)]})

    # 8. No route: ICMP net unreachable.
    lost = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst="8.8.8.8", id=6) / \
        UDP(sport=53000, dport=53) / Raw(b"q")
    write("no_route", {"wan0": [lost]},
          {"wan0": [icmp_error(3, 0, lost, WAN_IP, CLIENT_MAC, WAN_MAC)]})

    # 9. MTU: 1500-byte packets towards the 1400-byte LAN: with DF, ICMP frag-needed (MTU 1400);
    # without DF, two fragments.
    big_df = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=8, flags="DF") / \
        UDP(sport=1, dport=2) / Raw(bytes(range(256)) * 5 + b"z" * 192)
    big = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=9) / \
        UDP(sport=1, dport=2) / Raw(bytes(range(256)) * 5 + b"z" * 192)
    frags = [Ether(src=LAN_MAC, dst=HOST_MAC) / f
             for f in fragment(routed(big, LAN_MAC, HOST_MAC)[IP], fragsize=1376)]
    write("mtu",
          {"wan0": [big_df, big]},
          {"wan0": [icmp_error(3, 4, big_df, WAN_IP, CLIENT_MAC, WAN_MAC, mtu=1400)],
           "lan0": [Ether(bytes(f)) for f in frags]})

    # 10. Malformed IPv4: bad checksum, truncated header, total length beyond the frame,
    # martian source, and an Ethernet frame for another MAC: all dropped, counted.
    good = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP) / UDP() / Raw(b"a" * 20)
    bad_sum = Ether(bytes(good))
    bad_sum[IP].chksum = (bad_sum[IP].chksum + 1) & 0xFFFF
    raw = bytes(good)
    truncated = Ether(raw[:14 + 12])
    too_long_pkt = Ether(raw)
    too_long_pkt[IP].len = 1400  # beyond the frame; the header checksum is recomputed
    del too_long_pkt[IP].chksum
    too_long_pkt = Ether(bytes(too_long_pkt))

    martian = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src="127.0.0.1", dst=HOST_IP) / UDP()
    other_mac = Ether(src=CLIENT_MAC, dst="02:00:00:00:09:09") / IP(src=CLIENT_IP, dst=HOST_IP) / UDP()
    write("bad_packets", {"wan0": [bad_sum, truncated, too_long_pkt, martian, other_mac]}, {})

    # 11. Firewall filter: a forward drop for one LAN host port while another port passes, a
    # reject with ICMP port unreachable, an input drop of pings arriving on wan0, and an accept
    # that matches through a static interface list (counted, forwarded).
    web = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=11) / \
        TCP(sport=40000, dport=80, flags="S", seq=1)
    ssh = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=12) / \
        TCP(sport=40001, dport=22, flags="A", seq=1, ack=1)
    dns = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=13) / \
        UDP(sport=4000, dport=5001) / Raw(b"q" * 30)
    ping = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=WAN_IP, id=14) / \
        ICMP(type=8, id=1, seq=1)
    back = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=CLIENT_IP, id=15) / \
        UDP(sport=5000, dport=4000) / Raw(b"r" * 10)
    rules = """interface_lists = ( { name = "LAN"; interfaces = "lan0"; } );
firewall = { filter = (
  { chain = "forward"; protocol = "tcp"; dst_address = "10.2.0.2"; dst_port = "80,443";
    action = "drop"; comment = "no web to the host"; },
  { chain = "forward"; protocol = "udp"; dst_port = "5001-5009"; action = "reject";
    reject_with = "icmp-port-unreachable"; },
  { chain = "input"; protocol = "icmp"; icmp_options = "8"; in_interface = "wan0";
    action = "drop"; },
  { chain = "forward"; in_interface_list = "LAN"; out_interface = "wan0"; action = "accept"; }
); };
"""
    write("firewall_filter", {"wan0": [web, ssh, dns, ping], "lan0": [back]},
          {"lan0": [routed(ssh, LAN_MAC, HOST_MAC)],
           "wan0": [icmp_error(3, 3, dns, WAN_IP, CLIENT_MAC, WAN_MAC),
                    routed(back, WAN_MAC, CLIENT_MAC)]},
          extra=rules)

    # 12. Firewall mangle, seed 003's change-mss rule (new-mss=1380 tcp-mss=1381-65535) on
    # traffic to the LAN: a SYN with MSS 1460 gets 1380, a SYN-ACK with 1300 passes unchanged, a
    # SYN to the WAN (out-interface lan0 does not match) keeps 1460 (the built-in clamp is off).
    syn_in = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=21) / \
        TCP(sport=40000, dport=80, flags="S", seq=1, options=[("MSS", 1460), ("NOP", None)])
    synack_in = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=22) / \
        TCP(sport=80, dport=40001, flags="SA", seq=5, ack=9, options=[("MSS", 1300)])
    syn_out = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=CLIENT_IP, id=23) / \
        TCP(sport=40002, dport=80, flags="S", seq=1, options=[("MSS", 1460)])
    changed = routed(syn_in, LAN_MAC, HOST_MAC)
    changed[TCP].options = [("MSS", 1380), ("NOP", None)]
    del changed[TCP].chksum
    mangle = """firewall = { mangle = (
  { chain = "forward"; action = "change-mss"; new_mss = 1380; protocol = "tcp";
    tcp_flags = "syn"; tcp_mss = "1381-65535"; out_interface = "lan0"; }
); };
"""
    write("firewall_mangle", {"wan0": [syn_in, synack_in], "lan0": [syn_out]},
          {"lan0": [Ether(bytes(changed)), routed(synack_in, LAN_MAC, HOST_MAC)],
           "wan0": [routed(syn_out, WAN_MAC, CLIENT_MAC)]},
          extra=mangle)

    nat_scenarios()
    address_list_scenario()
    return 0


def natted(pkt, src_mac, dst_mac, src=None, sport=None, dst=None, dport=None, icmp_id=None):
    """The frame as forwarded with its addresses/ports translated, checksums recomputed."""
    out = routed(pkt, src_mac, dst_mac)
    if src:
        out[IP].src = src
    if dst:
        out[IP].dst = dst
    l4 = out[IP].payload
    if sport is not None:
        l4.sport = sport
    if dport is not None:
        l4.dport = dport
    if icmp_id is not None:
        out[ICMP].id = icmp_id
    del out[IP].chksum
    if hasattr(l4, "chksum"):
        del l4.chksum
    return Ether(bytes(out))


def nat_scenarios():
    # 13. Masquerade (seed 003: src-address=<clients> out-interface=<wan> action=masquerade),
    # here the "inside" is wan0 and the "outside" lan0: UDP, TCP and ICMP echo leave with
    # lan0's address (ports kept), their replies to 10.2.0.1 come back to the client, and an
    # ICMP port unreachable about the translated UDP packet reaches the client translated
    # back, quoted header included.
    udp = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=31) / \
        UDP(sport=40000, dport=53) / Raw(b"query")
    syn = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=32) / \
        TCP(sport=40001, dport=80, flags="S", seq=1)
    echo = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=33) / \
        ICMP(type=8, id=0x77, seq=1) / Raw(b"ping")
    udp_out = natted(udp, LAN_MAC, HOST_MAC, src=LAN_IP)
    syn_out = natted(syn, LAN_MAC, HOST_MAC, src=LAN_IP)
    echo_out = natted(echo, LAN_MAC, HOST_MAC, src=LAN_IP)
    udp_back = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=LAN_IP, id=41) / \
        UDP(sport=53, dport=40000) / Raw(b"answer")
    synack = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=LAN_IP, id=42) / \
        TCP(sport=80, dport=40001, flags="SA", seq=7, ack=2)
    echo_back = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=LAN_IP, id=43) / \
        ICMP(type=0, id=0x77, seq=1) / Raw(b"ping")
    unreach = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=LAN_IP, id=44) / \
        ICMP(type=3, code=3) / Raw(bytes(udp_out[IP]))
    quoted_back = routed(udp, LAN_MAC, HOST_MAC)  # the client's packet as it left (TTL 63)
    unreach_back = Ether(src=WAN_MAC, dst=CLIENT_MAC) / \
        IP(src=HOST_IP, dst=CLIENT_IP, id=44, ttl=63) / ICMP(type=3, code=3) / \
        Raw(bytes(quoted_back[IP]))
    masquerade = """firewall = { nat = (
  { chain = "srcnat"; out_interface = "lan0"; src_address = "10.1.0.0/24";
    action = "masquerade"; comment = "masquerade the clients"; }
); };
"""
    write("nat_masquerade", {"wan0": [udp, syn, echo],
                             "lan0": [udp_back, synack, echo_back, unreach]},
          {"lan0": [udp_out, syn_out, echo_out],
           "wan0": [natted(udp_back, WAN_MAC, CLIENT_MAC, dst=CLIENT_IP),
                    natted(synack, WAN_MAC, CLIENT_MAC, dst=CLIENT_IP),
                    natted(echo_back, WAN_MAC, CLIENT_MAC, dst=CLIENT_IP),
                    Ether(bytes(unreach_back))]},
          extra=masquerade)

    # 14. dst-nat (port forwarding): TCP to the appliance's 10.1.0.1:8080 goes to the LAN host's
    # port 80; the host's answer leaves from 10.1.0.1:8080.
    fwd = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=WAN_IP, id=51) / \
        TCP(sport=40000, dport=8080, flags="S", seq=1)
    fwd_back = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=CLIENT_IP, id=52) / \
        TCP(sport=80, dport=40000, flags="SA", seq=9, ack=2)
    dstnat = """firewall = { nat = (
  { chain = "dstnat"; in_interface = "wan0"; dst_address = "10.1.0.1"; protocol = "tcp";
    dst_port = "8080"; action = "dst-nat"; to_addresses = "10.2.0.2"; to_ports = "80"; }
); };
"""
    write("nat_dstnat", {"wan0": [fwd], "lan0": [fwd_back]},
          {"lan0": [natted(fwd, LAN_MAC, HOST_MAC, dst=HOST_IP, dport=80)],
           "wan0": [natted(fwd_back, WAN_MAC, CLIENT_MAC, src=WAN_IP, sport=8080)]},
          extra=dstnat)

    # 15. Exhaustion: src-nat to one port. The first flow gets 10.2.0.1:2000; a second flow to
    # the same remote endpoint finds no free port (counted drop); a flow to another remote port
    # reuses 2000 (endpoint-dependent); a fourth finds the table (2 connections) full.
    def client_udp(sport, dst, dport, id_):
        return Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=dst, id=id_) / \
            UDP(sport=sport, dport=dport) / Raw(b"x" * 8)
    first = client_udp(40000, HOST_IP, 53, 61)
    second = client_udp(40001, HOST_IP, 53, 62)
    third = client_udp(40002, HOST_IP, 54, 63)
    fourth = client_udp(40003, HOST_IP, 55, 64)
    exhausted = """firewall = {
  nat = ( { chain = "srcnat"; out_interface = "lan0"; protocol = "udp"; action = "src-nat";
            to_addresses = "10.2.0.1"; to_ports = "2000"; } );
  connection_tracking = { max_connections = 2; udp_timeout = "30s"; };
};
"""
    write("nat_exhausted", {"wan0": [first, second, third, fourth]},
          {"lan0": [natted(first, LAN_MAC, HOST_MAC, src=LAN_IP, sport=2000),
                    natted(third, LAN_MAC, HOST_MAC, src=LAN_IP, sport=2000)]},
          extra=exhausted)

    # 16. connection-state (RouterOS's stateful forward chain): established/related accepted,
    # invalid dropped, new accepted only from wan0. The host's answer passes, a new flow from
    # the host and a lone non-first fragment do not.
    out_flow = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst=HOST_IP, id=71) / \
        UDP(sport=4000, dport=5000) / Raw(b"hello")
    answer = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=CLIENT_IP, id=72) / \
        UDP(sport=5000, dport=4000) / Raw(b"world")
    unsolicited = Ether(src=HOST_MAC, dst=LAN_MAC) / IP(src=HOST_IP, dst=CLIENT_IP, id=73) / \
        UDP(sport=6000, dport=4000) / Raw(b"knock")
    lone_fragment = Ether(src=HOST_MAC, dst=LAN_MAC) / \
        IP(src=HOST_IP, dst=CLIENT_IP, id=74, proto=17, frag=100) / Raw(b"f" * 16)
    stateful = """firewall = { filter = (
  { chain = "forward"; connection_state = "established,related"; action = "accept"; },
  { chain = "forward"; connection_state = "invalid"; action = "drop"; },
  { chain = "forward"; in_interface = "wan0"; connection_state = "new"; action = "accept"; },
  { chain = "forward"; action = "drop"; }
); };
"""
    write("firewall_conn_state", {"wan0": [out_flow],
                                  "lan0": [answer, unsolicited, lone_fragment]},
          {"lan0": [routed(out_flow, LAN_MAC, HOST_MAC)],
           "wan0": [routed(answer, WAN_MAC, CLIENT_MAC)]},
          extra=stateful)


def address_list_scenario():
    # 17. Address lists (RouterOS /ip firewall address-list) in filter and NAT rules: SSH to
    # the LAN only from the "admins" list (an address and a range; a disabled entry does not
    # count), forwarding from wan0 only to the "servers" list (negated: dst-address-list=!servers
    # drops the rest), and masquerade only for the admins. The NAT rule counts the first packet
    # of each connection.
    def tcp_from(src, sport, flags, id_, dst=HOST_IP):
        return Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=src, dst=dst, id=id_) / \
            TCP(sport=sport, dport=22, flags=flags, seq=1, ack=1 if "A" in flags else 0)
    admin = tcp_from(CLIENT_IP, 40000, "S", 81)
    ranged = tcp_from("10.1.0.105", 40001, "S", 82)
    disabled = tcp_from("10.1.0.50", 40002, "S", 83)
    other = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src="10.1.0.60", dst=HOST_IP, id=84) / \
        UDP(sport=4000, dport=5000) / Raw(b"data")
    outside = Ether(src=CLIENT_MAC, dst=WAN_MAC) / IP(src=CLIENT_IP, dst="10.30.1.1", id=85) / \
        UDP(sport=4000, dport=5000) / Raw(b"data")
    lists = """firewall = {
  address_lists = (
    { list = "admins"; addresses = [ "10.1.0.2", "10.1.0.100-10.1.0.110" ]; comment = "ops"; },
    { list = "admins"; addresses = "10.1.0.50"; disabled = true; },
    { list = "servers"; addresses = "10.2.0.0/28"; }
  );
  filter = (
    { chain = "forward"; protocol = "tcp"; dst_port = 22; src_address_list = "admins";
      action = "accept"; },
    { chain = "forward"; protocol = "tcp"; dst_port = 22; action = "drop"; },
    { chain = "forward"; in_interface = "wan0"; dst_address_list = "!servers"; action = "drop"; }
  );
  nat = ( { chain = "srcnat"; out_interface = "lan0"; src_address_list = "admins";
            action = "masquerade"; } );
};
"""
    write("firewall_address_list", {"wan0": [admin, ranged, disabled, other, outside]},
          {"lan0": [natted(admin, LAN_MAC, HOST_MAC, src=LAN_IP),
                    natted(ranged, LAN_MAC, HOST_MAC, src=LAN_IP),
                    routed(other, LAN_MAC, HOST_MAC)]},
          extra=lists)


if __name__ == "__main__":
    sys.exit(main())
