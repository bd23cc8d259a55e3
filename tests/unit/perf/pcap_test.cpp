// `vpnperf pcap`: the pcap is readable by libpcap, holds the decap traffic in replay order (each
// record a DATA_V2 frame that OpenSSL opens), and the pktgen Lua script names it.
#include "../crypto/test_util.hpp"
#include "perf/vpnperf/frame_factory.hpp"
#include "perf/vpnperf/gen_sessions.hpp"
#include "perf/vpnperf/pcap_export.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <unistd.h>

namespace vp::perf {
namespace {

TEST(PcapExport, WritesReadableDecapTrafficAndAPktgenScript) {
    GenSessionsOptions g;
    g.count = 7;
    g.cipher = crypto::Cipher::ChaCha20Poly1305;
    g.server = {0x0a010001, 1194};
    g.client_net = *net::parse_prefix("10.1.0.0/24");
    g.tunnel_net = *net::parse_prefix("10.8.0.0/24");
    auto file = generate_sessions(g);
    ASSERT_TRUE(file.ok()) << file.message();
    auto model = TrafficModel::create(*file, 0x0a020002);
    ASSERT_TRUE(model.ok());
    auto engine = crypto::CryptoEngine::create();
    ASSERT_TRUE(engine.ok());

    PcapOptions o;
    o.out = "/tmp/vpnperf-pcap-test-" + std::to_string(getpid()) + ".pcap";
    o.lua = "/tmp/vpnperf-pcap-test.lua";
    o.size = SizeMix::classic_imix();
    o.count = 100;
    o.dst_mac = {2, 0, 0, 0, 1, 1};
    const L2Addresses l2{o.src_mac, o.dst_mac};
    auto summary = write_decap_pcap(*model, o.size, o.count, l2, o.out, **engine);
    ASSERT_TRUE(summary.ok()) << summary.message();
    EXPECT_EQ(summary->packets, 100u);

    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(o.out.c_str(), err);
    ASSERT_NE(p, nullptr) << err;
    EXPECT_EQ(pcap_datalink(p), DLT_EN10MB);
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    size_t n = 0;
    uint64_t bytes = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        SCOPED_TRACE("record " + std::to_string(n));
        ASSERT_EQ(h->caplen, h->len);
        bytes += h->len;
        EXPECT_TRUE(std::equal(o.dst_mac.begin(), o.dst_mac.end(), data));
        std::vector<uint8_t> frame(data, data + h->caplen);
        UdpFrame u;
        ASSERT_TRUE(parse_udp_frame(frame.data(), h->caplen, u));
        const FrameSpec spec = replay_frame_spec(*model, o.size, n);
        const PerfSession& s = file->sessions[spec.session];
        EXPECT_EQ(u.flow.src, s.client.address);
        crypto::test::RefKey k;
        k.cipher = file->cipher;
        k.cipher_key = s.client_to_server.cipher_key;
        k.implicit_iv = s.client_to_server.implicit_iv;
        auto opened = crypto::test::evp_open_packet(k, ByteSpan(u.payload, u.payload_bytes));
        ASSERT_TRUE(opened.has_value());
        EXPECT_EQ(opened->packet_id, spec.packet_id);
        EXPECT_EQ(opened->payload.size(), spec.inner_bytes);
        ++n;
    }
    pcap_close(p);
    std::remove(o.out.c_str());
    EXPECT_EQ(n, 100u);
    EXPECT_EQ(bytes, summary->frame_bytes);

    const std::string lua = pktgen_lua_script(o, *model, *summary);
    EXPECT_NE(lua.find("-s 0:" + o.out), std::string::npos);
    EXPECT_NE(lua.find("pktgen.pcap(tx_port, \"on\")"), std::string::npos);
    EXPECT_NE(lua.find("pktgen.set_ipaddr(rx_port, \"src\", \"10.2.0.2/24\")"), std::string::npos);
    EXPECT_NE(lua.find("%d received %d"), std::string::npos) << "printf formats survive";
}

TEST(PcapExport, ReportsAnUnwritablePath) {
    GenSessionsOptions g;
    g.count = 1;
    g.server = {0x0a010001, 1194};
    g.client_net = *net::parse_prefix("10.1.0.0/30");
    g.tunnel_net = *net::parse_prefix("10.8.0.0/30");
    auto file = generate_sessions(g);
    ASSERT_TRUE(file.ok()) << file.message();
    auto model = TrafficModel::create(*file, 0x0a020002);
    ASSERT_TRUE(model.ok());
    auto engine = crypto::CryptoEngine::create();
    ASSERT_TRUE(engine.ok());
    auto r = write_decap_pcap(*model, SizeMix::fixed(64), 1, {}, "/nonexistent/x.pcap", **engine);
    EXPECT_FALSE(r.ok());
}

} // namespace
} // namespace vp::perf
