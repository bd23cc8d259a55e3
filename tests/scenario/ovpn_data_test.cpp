// The OpenVPN data channel through the real workers, on net_pcap ports, in-process: sessions and
// keys are published through the control plane's publish API (OvpnPublisher); the test plays the
// client with OpenSSL's EVP (an implementation independent of the ipsec-mb engine under test),
// writes its packets into the input pcaps, steps the workers, and checks what comes out of the
// other side — decrypting the appliance's packets with EVP again. OpenVPN/TCP units go to the
// stage's stream input directly, cut from segments as the TCP engine cuts them.
#include "tests/scenario/ovpn_data_rig.hpp"

#include "dataplane/ovpn/stage.hpp"
#include "dataplane/tcp/mbuf_list.hpp"

#include <gtest/gtest.h>

namespace vp {
namespace {

using namespace scenario_rig;

// Client -> LAN and LAN -> client for one cipher suite.
void round_trip(Cipher cipher, Digest digest, bool data_v2) {
    Client c(cipher, digest, 5);
    c.data_v2 = data_v2;
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(300, 0xab));
    Bytes down = ipv4_udp(host_ip, tunnel_ip, 6000, 5000, Bytes(700, 0xcd));
    ApplianceRun run;
    // Between the data packets, datagrams local delivery refuses (a fragment to the OpenVPN
    // port, another port): IPv4 input's runs of datagrams for the stage break around them.
    Bytes fragment = ipv4_udp(client_ip, wan_ip, client_port, server_port, Bytes(40, 0));
    fragment[6] = 0x20; // MF
    fix_checksum(fragment);
    run.in[0] = {{c.frame(up), ethernet(wan_mac, client_mac, fragment),
                  ethernet(wan_mac, client_mac,
                           ipv4_udp(client_ip, wan_ip, client_port, 9999, Bytes(40, 0))),
                  c.frame(ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(1, 1)))}};
    run.in[1] = {{ethernet(lan_mac, host_mac, down)}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher& pub) {
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_decrypted), 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_encrypted), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::ipv4_fragment_local), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::no_service), 1u);
        auto keys = pub.key_activity(c.peer_id);
        ASSERT_EQ(keys.size(), 1u);
        EXPECT_EQ(keys[0].rx_packets, 2u);
        EXPECT_EQ(keys[0].tx_packet_id, 1u);
    };
    run.execute();
    // Up: the inner packet leaves on the LAN, TTL decremented.
    ASSERT_EQ(run.out[1][0].size(), 2u);
    Bytes expected_up = up;
    expected_up[8] = 63;
    fix_checksum(expected_up);
    EXPECT_EQ(run.out[1][0][0], ethernet(host_mac, lan_mac, expected_up));
    // Down: a data packet to the client's endpoint that EVP opens to the inner packet.
    ASSERT_EQ(run.out[0][0].size(), 1u);
    const Bytes& f = run.out[0][0][0];
    ASSERT_GT(f.size(), 42u);
    EXPECT_EQ(0, std::memcmp(f.data(), client_mac, 6));
    EXPECT_EQ(f[23], 17);
    EXPECT_EQ(f[26 + 4] << 24 | f[27 + 4] << 16 | f[28 + 4] << 8 | f[29 + 4],
              static_cast<int>(client_ip));
    EXPECT_EQ(f[36] << 8 | f[37], client_port);
    EXPECT_EQ(f[34] << 8 | f[35], server_port);
    Bytes udp_payload(f.begin() + 42, f.end());
    if (data_v2) {
        EXPECT_EQ(udp_payload[0], dp::ovpn::op_data_v2 << 3);
        EXPECT_EQ(udp_payload[3], 5) << "our peer-id";
    } else {
        EXPECT_EQ(udp_payload[0], dp::ovpn::op_data_v1 << 3);
    }
    uint32_t pid = 0;
    auto plain = c.open(udp_payload, pid);
    ASSERT_TRUE(plain.has_value()) << "EVP could not open the appliance's packet";
    EXPECT_EQ(pid, 1u);
    Bytes expected_down = down;
    expected_down[8] = 63;
    fix_checksum(expected_down);
    EXPECT_EQ(*plain, expected_down);
}

TEST(OvpnData, Aes256GcmRoundTrip) {
    round_trip(Cipher::Aes256Gcm, Digest::None, true);
}
TEST(OvpnData, Aes128GcmRoundTrip) {
    round_trip(Cipher::Aes128Gcm, Digest::None, true);
}
TEST(OvpnData, ChaCha20Poly1305RoundTrip) {
    round_trip(Cipher::ChaCha20Poly1305, Digest::None, true);
}
TEST(OvpnData, Aes128CbcSha1RoundTrip) {
    round_trip(Cipher::Aes128Cbc, Digest::Sha1, true);
}
TEST(OvpnData, Aes256CbcSha256RoundTrip) {
    round_trip(Cipher::Aes256Cbc, Digest::Sha256, true);
}
TEST(OvpnData, DataV1RoundTrip) {
    round_trip(Cipher::Aes256Gcm, Digest::None, false);
}
TEST(OvpnData, DataV1CbcRoundTrip) {
    round_trip(Cipher::Aes128Cbc, Digest::Sha1, false);
}

// LAN -> client packets larger than the session's MTU: without DF, fragmented before
// encapsulation, each fragment its own data packet; with DF, ICMP fragmentation-needed back to
// the sender carrying the session's MTU. `mtu` keeps the encapsulated fragments within the WAN's
// 1500 bytes (larger ones would leave as outer fragments, as from any router).
void inner_fragments(Cipher cipher, Digest digest, uint16_t mtu) {
    Client c(cipher, digest, 6);
    Bytes big = ipv4_udp(host_ip, tunnel_ip, 6000, 5000, random_bytes(1472));
    Bytes big_df = ipv4_udp(host_ip, tunnel_ip, 6001, 5001, Bytes(1472, 0x5a));
    big_df[6] = 0x40; // DF
    fix_checksum(big_df);
    ApplianceRun run;
    run.in[1] = {{ethernet(lan_mac, host_mac, big), ethernet(lan_mac, host_mac, big_df)}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c, 0, mtu); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(counter(a, dp::WorkerCounter::fragments_sent), 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_encrypted), 2u);
        EXPECT_EQ(drops(a, dp::DropReason::mtu_exceeded), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::fragment_failed), 0u);
        EXPECT_EQ(drops(a, dp::DropReason::no_headroom), 0u);
    };
    run.execute();
    // Two data packets to the client; EVP opens them into fragments that reassemble `big`.
    ASSERT_EQ(run.out[0][0].size(), 2u);
    Bytes payload;
    uint32_t expected_pid = 1;
    for (const Bytes& f : run.out[0][0]) {
        ASSERT_GT(f.size(), 42u);
        uint32_t pid = 0;
        auto frag = c.open(Bytes(f.begin() + 42, f.end()), pid);
        ASSERT_TRUE(frag.has_value()) << "EVP could not open a fragment's data packet";
        EXPECT_EQ(pid, expected_pid++);
        ASSERT_GE(frag->size(), 20u);
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frag->data());
        EXPECT_LE(frag->size(), mtu);
        EXPECT_EQ(rte_be_to_cpu_16(ip->total_length), frag->size());
        EXPECT_EQ(ip->time_to_live, 63);
        EXPECT_EQ(rte_ipv4_cksum(ip), 0) << "fragment header checksum";
        uint16_t off = rte_be_to_cpu_16(ip->fragment_offset);
        bool more = off & RTE_IPV4_HDR_MF_FLAG;
        EXPECT_EQ(more, payload.empty()) << "MF on the first fragment only";
        EXPECT_EQ(static_cast<size_t>(off & RTE_IPV4_HDR_OFFSET_MASK) * 8, payload.size());
        payload.insert(payload.end(), frag->begin() + 20, frag->end());
    }
    EXPECT_EQ(payload, Bytes(big.begin() + 20, big.end())) << "the fragments reassemble";
    // The DF packet: ICMP frag-needed (type 3 code 4) with next-hop MTU 1400, back on the LAN.
    ASSERT_EQ(run.out[1][0].size(), 1u);
    const Bytes& icmp = run.out[1][0][0];
    ASSERT_GE(icmp.size(), 14u + 20 + 8 + 28);
    EXPECT_EQ(icmp[14 + 9], 1) << "ICMP";
    EXPECT_EQ(icmp[34], 3);
    EXPECT_EQ(icmp[35], 4);
    EXPECT_EQ(icmp[40] << 8 | icmp[41], mtu);
}

TEST(OvpnData, LanPacketsOverTheSessionMtuAreFragmentedBeforeEncapsulation) {
    inner_fragments(Cipher::Aes256Gcm, Digest::None, 1400);
}
TEST(OvpnData, FragmentsFitTheLongestCbcHmacHeaders) {
    inner_fragments(Cipher::Aes256Cbc, Digest::Sha512, 1360);
}

TEST(OvpnData, ReplaysForgeriesUnknownKeysAndSpoofedSourcesAreDropped) {
    Client c(Cipher::Aes256Gcm, Digest::None, 9);
    Bytes good = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(64, 7));
    Bytes first = c.frame_with_pid(good, 10);
    Bytes tampered = c.frame_with_pid(good, 11);
    tampered.back() ^= 1;
    Client wrong_key = c;
    wrong_key.key_id = 3;
    Bytes spoofed = c.frame_with_pid(ipv4_udp(0x0a080063, host_ip, 1, 2, Bytes(64, 7)), 12);
    Bytes site = c.frame_with_pid(ipv4_udp(0x0a630005, host_ip, 1, 2, Bytes(8, 1)), 13);
    Client unknown(Cipher::Aes256Gcm, Digest::None, 77);
    ApplianceRun run;
    run.in[0] = {
        {first, first, tampered, wrong_key.frame_with_pid(good, 14), spoofed, site,
         c.frame_with_pid(Bytes(dp::ovpn::ping_magic.begin(), dp::ovpn::ping_magic.end()), 15),
         unknown.frame(good), c.frame_with_pid(good, 2) /* old but inside the window */}};
    // CVE-2017-7479 (send packet-id wrap: ASSERT): 2 ids short of the wrap, one LAN packet
    // leaves with 0xffffffff, the two after it are dropped and counted.
    run.in[1] = {std::vector<Bytes>(
        3, ethernet(lan_mac, host_mac, ipv4_udp(host_ip, tunnel_ip, 2, 1, good)))};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) {
        install(pub, c);
        pub.find(c.peer_id)->slot_for_key(c.key_id)->tx_packet_id.store(0xfffffffe);
    };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_pid_exhausted), 2u);
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_replay), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_auth_failed), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::ovpn_no_key), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::anti_spoof), 1u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::ovpn_pings_rx), 1u);
        EXPECT_EQ(a.counters().punted_unhandled, 1u)
            << "the unknown peer-id went to the control plane";
    };
    run.execute();
    EXPECT_EQ(run.out[1][0].size(), 3u) << "first, the site-to-site source and the reordered one";
    ASSERT_EQ(run.out[0][0].size(), 1u);
    EXPECT_EQ(Bytes(run.out[0][0][0].begin() + 46, run.out[0][0][0].begin() + 50), Bytes(4, 0xff));
}

// Masquerade of what comes out of a session, through the burst path's connection tracking: 70
// packets of flow A (more than one receive burst), then two of a new flow B, then two more of A.
// A later burst starts with packets of A's connection (one bulk lookup) and meets B's first
// packet, a connection the table does not know yet: from there on each packet goes on alone, so
// that B's second packet finds the connection its first one created. Every packet leaves with
// the LAN address as its source, one port per flow, and exactly two connections exist.
TEST(OvpnData, MasqueradedClientFlowsKeepOneMappingAcrossBursts) {
    Client c(Cipher::Aes256Gcm, Digest::None, 12);
    Bytes flow_a = ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(40, 0xa1));
    Bytes flow_b = ipv4_udp(tunnel_ip, host_ip, 5001, 6000, Bytes(40, 0xb2));
    ApplianceRun run;
    run.extra_config = "firewall = { nat = ( { chain = \"srcnat\"; out_interface = \"lan0\"; "
                       "action = \"masquerade\"; } ); };\n";
    run.in[0] = {{}};
    for (int i = 0; i < 70; ++i)
        run.in[0][0].push_back(c.frame(flow_a));
    for (const Bytes* p : {&flow_b, &flow_b, &flow_a, &flow_a})
        run.in[0][0].push_back(c.frame(*p));
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(a.dataplane().conntrack()->stats().connections, 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::conntrack_created), 2u);
        EXPECT_EQ(counter(a, dp::WorkerCounter::nat_translated), 74u);
        EXPECT_EQ(drops(a, dp::DropReason::nat_ports_exhausted), 0u);
    };
    run.execute();
    ASSERT_EQ(run.out[1][0].size(), 74u);
    uint16_t port_a = 0, port_b = 0;
    for (size_t i = 0; i < run.out[1][0].size(); ++i) {
        const Bytes& f = run.out[1][0][i];
        ASSERT_GE(f.size(), 14u + 28);
        const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(f.data() + 14);
        EXPECT_EQ(rte_be_to_cpu_32(ip->src_addr), 0x0a020001u) << "packet " << i;
        EXPECT_EQ(rte_ipv4_cksum(ip), 0) << "packet " << i;
        uint16_t sport = static_cast<uint16_t>(f[34] << 8 | f[35]);
        bool is_b = f[42] == 0xb2;
        uint16_t& port = is_b ? port_b : port_a;
        if (!port) port = sport;
        EXPECT_EQ(sport, port) << "packet " << i << " keeps its flow's mapping";
    }
    EXPECT_NE(port_a, 0);
    EXPECT_NE(port_b, 0);
    EXPECT_NE(port_a, port_b);
}

// The same through a port: prerouting looks the whole burst up first, so the second packet of
// a new flow finds its connection only in postrouting, after the first packet created it.
TEST(OvpnData, AForwardedFlowsSecondPacketInItsFirstBurstKeepsTheMapping) {
    Bytes flow = ipv4_udp(client_ip, host_ip, 5000, 6000, Bytes(40, 0xc3));
    ApplianceRun run;
    run.extra_config = "firewall = { nat = ( { chain = \"srcnat\"; out_interface = \"lan0\"; "
                       "action = \"masquerade\"; } ); };\n";
    run.in[0] = {{ethernet(wan_mac, client_mac, flow), ethernet(wan_mac, client_mac, flow)}};
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(a.dataplane().conntrack()->stats().connections, 1u);
        EXPECT_EQ(drops(a, dp::DropReason::nat_ports_exhausted), 0u);
    };
    run.execute();
    ASSERT_EQ(run.out[1][0].size(), 2u);
    for (const Bytes& f : run.out[1][0]) {
        ASSERT_GE(f.size(), 14u + 28);
        const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(f.data() + 14);
        EXPECT_EQ(rte_be_to_cpu_32(ip->src_addr), lan_ip);
        EXPECT_EQ(0, std::memcmp(f.data() + 26, run.out[1][0][0].data() + 26, 12)); // addr+ports
    }
}

// A session's rate_limit in the workers: at 8 kbit/s each way the bucket is 100 bytes plus
// kQueueBytes (75 100 bytes: 73 packets of 1028 bytes) and refills a packet a second, so of 100
// packets sent at once in each direction 73 pass (a few more if the run took seconds) and the
// rest are dropped and counted, per session and as session_rate_limited.
TEST(OvpnData, TheSessionsRateLimitDropsAndCountsWhatExceedsItInBothDirections) {
    Client c(Cipher::Aes256Gcm, Digest::None, 6);
    std::vector<Bytes> up, down;
    for (int i = 0; i < 100; ++i) {
        up.push_back(c.frame(ipv4_udp(tunnel_ip, host_ip, 5000, 6000, Bytes(1000, 1))));
        down.push_back(
            ethernet(lan_mac, host_mac, ipv4_udp(host_ip, tunnel_ip, 6000, 5000, Bytes(1000, 2))));
    }
    ApplianceRun run;
    run.in[0] = {up};
    run.in[1] = {down};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) {
        dp::OvpnPeer peer = peer_for(c);
        peer.rate_limit = dp::SessionRateLimit{{8000, 0, 0, 0}, {8000, 0, 0, 0}};
        ASSERT_TRUE(pub.add_peer(peer).ok());
        ASSERT_TRUE(
            pub.add_key(c.peer_id, c.key_id, c.cipher, c.digest, c.key(c.c2s), c.key(c.s2c)).ok());
        pub.set_tx_key(c.peer_id, c.key_id);
    };
    uint64_t rx_dropped = 0, tx_dropped = 0;
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher& pub) {
        dp::OvpnSession* s = pub.find(c.peer_id);
        ASSERT_TRUE(s && s->meter);
        rx_dropped = s->meter->rx_dropped.get();
        tx_dropped = s->meter->tx_dropped.get();
        EXPECT_EQ(drops(a, dp::DropReason::session_rate_limited), rx_dropped + tx_dropped);
    };
    run.execute();
    EXPECT_GE(run.out[1][0].size(), 73u);
    EXPECT_LE(run.out[1][0].size(), 76u);
    EXPECT_EQ(run.out[1][0].size() + rx_dropped, 100u);
    EXPECT_GE(run.out[0][0].size(), 73u);
    EXPECT_LE(run.out[0][0].size(), 76u);
    EXPECT_EQ(run.out[0][0].size() + tx_dropped, 100u);
}

TEST(OvpnData, ClientsPingTheServerTunnelAddressAndTheLanReachesThemByProxyArp) {
    Client c(Cipher::Aes256Gcm, Digest::None, 4);
    Bytes echo(36, 0);
    echo[0] = 0x45;
    store_be16(echo.data() + 2, 36);
    echo[8] = 64;
    echo[9] = 1;
    store_be32(echo.data() + 12, tunnel_ip);
    store_be32(echo.data() + 16, tunnel_local);
    reinterpret_cast<rte_ipv4_hdr*>(echo.data())->hdr_checksum =
        rte_ipv4_cksum(reinterpret_cast<rte_ipv4_hdr*>(echo.data()));
    echo[20] = 8; // echo request
    uint16_t sum = static_cast<uint16_t>(~rte_raw_cksum(echo.data() + 20, 16));
    std::memcpy(echo.data() + 22, &sum, 2);
    Bytes arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 2,  2, 0x08, 0x06,
                 0,    1,    0x08, 0,    6,    4,    0, 1, 2, 0, 0,  0, 2,    2,
                 10,   2,    0,    2,    0,    0,    0, 0, 0, 0, 10, 8, 0,    2};
    ApplianceRun run;
    run.in[0] = {{c.frame(echo)}};
    run.in[1] = {{arp}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c); };
    run.execute();
    ASSERT_EQ(run.out[0][0].size(), 1u);
    uint32_t pid;
    auto reply = c.open(Bytes(run.out[0][0][0].begin() + 42, run.out[0][0][0].end()), pid);
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)[20], 0) << "an echo reply";
    EXPECT_EQ(reply->at(12) << 24 | reply->at(13) << 16 | reply->at(14) << 8 | reply->at(15),
              static_cast<int>(tunnel_local));
    ASSERT_EQ(run.out[1][0].size(), 1u) << "proxy-ARP reply for the client's tunnel address";
    EXPECT_EQ(run.out[1][0][0][21], 2);
    EXPECT_EQ(0, std::memcmp(run.out[1][0][0].data() + 22, lan_mac, 6));
}

TEST(OvpnData, PacketsOnAnotherWorkersQueueAreHandedToTheOwner) {
    Client c(Cipher::Aes256Gcm, Digest::None, 6);
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(100, 3));
    Bytes down = ipv4_udp(host_ip, tunnel_ip, 2, 1, Bytes(100, 4));
    ApplianceRun run;
    run.workers = 2;
    run.in[0] = {{c.frame(up)}, {}};                       // arrives on worker 0's queue
    run.in[1] = {{ethernet(lan_mac, host_mac, down)}, {}}; // so does the LAN packet
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) { install(pub, c, /*owner=*/1); };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        EXPECT_EQ(a.dataplane().worker(0).stats()[dp::WorkerCounter::handed_off].get(), 2u);
        EXPECT_EQ(a.dataplane().worker(1).stats()[dp::WorkerCounter::ovpn_decrypted].get(), 1u);
        EXPECT_EQ(a.dataplane().worker(1).stats()[dp::WorkerCounter::ovpn_encrypted].get(), 1u);
    };
    run.execute();
    EXPECT_EQ(run.out[1][1].size(), 1u) << "the owner (worker 1) forwarded the inner packet";
    ASSERT_EQ(run.out[0][1].size(), 1u) << "the owner encrypted towards the client";
    uint32_t pid;
    EXPECT_TRUE(c.open(Bytes(run.out[0][1][0].begin() + 42, run.out[0][1][0].end()), pid));
    EXPECT_TRUE(run.out[0][0].empty() && run.out[1][0].empty());
}

TEST(OvpnData, TcpStreamUnitsCutAcrossSegmentsComeOutAsSent) {
    // OpenVPN/TCP units cut from a client's stream as the TCP engine hands them over
    // (tcp::MbufList::take_front over segments of 1448, 100 and 7 bytes): units that straddle
    // segments other units share are decrypted from the segments (AES-GCM with a gather list of
    // up to 8), or copied first (other suites, longer lists); every inner packet leaves on the
    // LAN as the client sent it (TTL minus one).
    constexpr uint64_t conn = 0x51;
    const size_t sizes[] = {1, 36, 100, 700, 1372};
    for (auto suite : {std::pair{Cipher::Aes256Gcm, Digest::None},
                       {Cipher::ChaCha20Poly1305, Digest::None},
                       {Cipher::Aes256Cbc, Digest::Sha256}}) {
        // Plain variables, not a structured binding: clang 14 cannot capture those in lambdas.
        const Cipher cipher = suite.first;
        const Digest digest = suite.second;
        for (uint32_t segment : {1448u, 100u, 7u}) {
            SCOPED_TRACE(std::string(crypto::openvpn_name(cipher)) + " segments of " +
                         std::to_string(segment));
            Client c(cipher, digest, 9);
            std::vector<Bytes> inner, units;
            Bytes stream;
            for (size_t i = 0; i < 20; ++i) {
                inner.push_back(ipv4_udp(tunnel_ip, host_ip, 5000, 6000,
                                         Bytes(sizes[i % 5], static_cast<uint8_t>(i))));
                Bytes packet = c.seal(inner.back(), c.next_pid++);
                Bytes unit(2);
                store_be16(unit.data(), static_cast<uint16_t>(packet.size()));
                unit.insert(unit.end(), packet.begin(), packet.end());
                stream.insert(stream.end(), unit.begin(), unit.end());
                units.push_back(std::move(unit));
            }
            ApplianceRun run;
            run.setup = [&](ctl::Appliance& a, dp::OvpnPublisher& pub) {
                dp::OvpnPeer peer = peer_for(c);
                peer.stream = true;
                peer.stream_conn = conn;
                ASSERT_TRUE(pub.add_peer(peer).ok());
                ASSERT_TRUE(
                    pub.add_key(c.peer_id, 0, cipher, digest, c.key(c.c2s), c.key(c.s2c)).ok());
                dp::Worker& w = a.dataplane().worker(0);
                rte_mempool* pool = a.dataplane().pool();
                dp::ProtocolStage stage = dp::ovpn::protocol_stage();
                std::string error;
                void* st = stage.create(w, error);
                ASSERT_NE(st, nullptr) << error;
                w.poll_once(); // the per-iteration view (policy, filter) the stage runs with
                tcp::MbufList q;
                for (size_t off = 0; off < stream.size(); off += segment) {
                    size_t len = std::min<size_t>(segment, stream.size() - off);
                    rte_mbuf* m = rte_pktmbuf_alloc(pool);
                    ASSERT_NE(m, nullptr);
                    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(len)),
                                stream.data() + off, len);
                    q.append(m);
                }
                for (const Bytes& u : units) {
                    rte_mbuf* m = q.take_front(static_cast<uint32_t>(u.size()), pool);
                    ASSERT_NE(m, nullptr);
                    EXPECT_TRUE(stage.stream_input(
                        st, {conn, client_ip, wan_ip, client_port, server_port, m, 0}));
                }
                stage.flush_input(st);
                w.poll_once();
                stage.destroy(st);
            };
            run.execute();
            ASSERT_EQ(run.out[1][0].size(), inner.size());
            for (size_t i = 0; i < inner.size(); ++i) {
                Bytes got(run.out[1][0][i].begin() + 14, run.out[1][0][i].end());
                Bytes want = inner[i];
                ASSERT_EQ(got.size(), want.size()) << i;
                EXPECT_EQ(got[8], want[8] - 1) << i;
                want[8] = got[8];
                fix_checksum(want);
                EXPECT_EQ(got, want) << i;
            }
        }
    }
}

TEST(OvpnData, KeyRolloverKeepsBothKeysUntilTheOldOneIsRemoved) {
    Client old_key(Cipher::Aes256Gcm, Digest::None, 8);
    Client new_key(Cipher::Aes256Gcm, Digest::None, 8);
    new_key.key_id = 1;
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(10, 1));
    ApplianceRun run;
    run.in[0] = {{old_key.frame(up), new_key.frame(up), old_key.frame(up)}};
    run.in[1] = {{ethernet(lan_mac, host_mac, ipv4_udp(host_ip, tunnel_ip, 2, 1, Bytes(10, 2)))}};
    run.setup = [&](ctl::Appliance&, dp::OvpnPublisher& pub) {
        install(pub, old_key);
        ASSERT_TRUE(pub.add_key(8, 1, new_key.cipher, new_key.digest, new_key.key(new_key.c2s),
                                new_key.key(new_key.s2c))
                        .ok());
        pub.set_tx_key(8, 1);
        EXPECT_FALSE(pub.add_key(8, 2, new_key.cipher, new_key.digest, new_key.key(new_key.c2s),
                                 new_key.key(new_key.s2c))
                         .ok())
            << "two live keys at most";
    };
    run.execute();
    EXPECT_EQ(run.out[1][0].size(), 3u) << "both key ids decrypt";
    ASSERT_EQ(run.out[0][0].size(), 1u);
    EXPECT_EQ(run.out[0][0][0][42] & 7, 1) << "sent with the new key";
    uint32_t pid;
    EXPECT_TRUE(new_key.open(Bytes(run.out[0][0][0].begin() + 42, run.out[0][0][0].end()), pid));
}

} // namespace
} // namespace vp
