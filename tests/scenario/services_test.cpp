// The appliance's control-plane services over a real dataplane (net_null ports, no traffic):
// which services the configuration registers, what they claim, the worker policy they make,
// and how punt entries are decoded into registry targets (control/service_route.cpp).
#include "control/appliance.hpp"
#include "control/client_service.hpp"
#include "control/config/appliance_config.hpp"
#include "control/ovpn/ovpn_service.hpp"
#include "control/perf/perf_service.hpp"
#include "control/perf/session_file.hpp"
#include "control/service_route.hpp"
#include "control/tcp_test_services.hpp"
#include "dataplane/tcp/connection.hpp"
#include "tests/common/self_signed.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

namespace vp {
namespace {

namespace fs = std::filesystem;

int instance = 0; // vdev names must be unique within the process

std::string config_text(const std::string& extra) {
    ++instance;
    std::string n = std::to_string(instance);
    return "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
           "system = { logging = { level = \"warning\"; }; };\n"
           "interfaces = (\n"
           "  { name = \"wan0\"; device = \"net_null_svc_w" +
           n +
           "\"; role = \"wan\"; address = \"10.1.0.1/24\"; },\n"
           "  { name = \"lan0\"; device = \"net_null_svc_l" +
           n + "\"; role = \"lan\"; address = \"10.2.0.1/24\"; }\n);\n" + extra;
}

std::unique_ptr<ctl::Appliance> make_appliance(const std::string& extra) {
    auto cfg = config::load_config_text(config_text(extra));
    EXPECT_TRUE(cfg.ok()) << cfg.message();
    if (!cfg.ok()) return nullptr;
    auto a = ctl::Appliance::create(*cfg);
    EXPECT_TRUE(a.ok()) << a.message();
    return a.ok() ? std::move(*a) : nullptr;
}

// A vpnperf session file with `count` AES-256-GCM sessions for UDP port `port`.
fs::path write_sessions(uint16_t port, uint32_t count) {
    perf::SessionFile f;
    f.server = {0x0a010001, port};
    f.cipher = crypto::Cipher::Aes256Gcm;
    f.auth = crypto::Digest::None;
    for (uint32_t i = 0; i < count; ++i) {
        perf::PerfSession s;
        s.peer_id = 10 + i;
        s.client = {0x0a010002, static_cast<uint16_t>(40000 + i)};
        s.tunnel_address = 0x0a630002 + i;
        s.client_to_server = {std::vector<uint8_t>(32, 1), {}, std::vector<uint8_t>(8, 2)};
        s.server_to_client = {std::vector<uint8_t>(32, 3), {}, std::vector<uint8_t>(8, 4)};
        f.sessions.push_back(s);
    }
    fs::path path = fs::temp_directory_path() / ("vpnplane-svc-" + std::to_string(getpid()) + "-" +
                                                 std::to_string(port) + ".json");
    auto st = perf::write_session_file(path.string(), f);
    EXPECT_TRUE(st.ok()) << st.message();
    return path;
}

// An Ethernet/IPv4/UDP frame to `dst_port`, as the workers punt it.
rte_mbuf* udp_frame(rte_mempool* pool, uint16_t dst_port) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (!m) return nullptr;
    size_t len = sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) + 4;
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(len)));
    std::memset(p, 0, len);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p + sizeof(rte_ether_hdr));
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(len - sizeof(rte_ether_hdr)));
    ip->next_proto_id = IPPROTO_UDP;
    auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
    udp->src_port = rte_cpu_to_be_16(40000);
    udp->dst_port = rte_cpu_to_be_16(dst_port);
    udp->dgram_len = rte_cpu_to_be_16(sizeof(rte_udp_hdr) + 4);
    return m;
}

TEST(Services, WithNothingEnabledOnlyTheVpnServersAreRegisteredAndClaimNothing) {
    auto a = make_appliance("");
    ASSERT_TRUE(a);
    ASSERT_EQ(a->registry().services().size(), 3u);
    EXPECT_EQ(a->registry().services()[0]->name(), "ovpn");
    EXPECT_EQ(a->registry().services()[1]->name(), "sstp");
    EXPECT_EQ(a->registry().services()[2]->name(), "ovpn-client"); // no links: claims nothing
    EXPECT_EQ(a->registry().udp(61000), nullptr);
    EXPECT_EQ(a->ovpn_server(), nullptr);
    EXPECT_EQ(a->registry().udp(1194), nullptr);
    EXPECT_EQ(a->registry().tcp(443), nullptr);
    EXPECT_EQ(a->registry().session_events(dp::SessionKind::Ovpn), nullptr);
    EXPECT_EQ(a->dataplane().policy()->ovpn_udp_port, 0);
    EXPECT_TRUE(a->sessions().empty());
    EXPECT_EQ(a->disconnect("1"), 0u);
}

TEST(Services, ClientLinksClaimTheirPortsAndTheWorkersSendThemToTheOpenVpnStage) {
    // Two links to a server nobody answers for: each claims 61000 + its index, the policy
    // lists both ports, and each link is "connecting" (its hard reset went out).
    auto a = make_appliance(
        "ovpn_clients = (\n"
        "  { name = \"to-hq\"; connect_to = \"10.1.0.9\"; user = \"b\"; password = \"p\"; },\n"
        "  { name = \"to-dc\"; connect_to = \"10.1.0.10\"; user = \"b\"; disabled = true; }\n"
        ");\n"
        "ip = { routes = ( { dst_address = \"10.77.0.0/16\"; gateway = \"to-hq\"; } ); };\n");
    ASSERT_TRUE(a);
    const ctl::Service* s = a->registry().udp(61000);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name(), "ovpn-client");
    EXPECT_EQ(a->registry().udp(61001), s);
    EXPECT_TRUE(a->dataplane().policy()->ovpn_client_port(61000));
    EXPECT_TRUE(a->dataplane().policy()->ovpn_client_port(61001));
    EXPECT_FALSE(a->dataplane().policy()->ovpn_client_port(61002));
    auto links = static_cast<const ctl::ClientService*>(s)->links(ctl::Appliance::now_ms());
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(links[0].name, "to-hq");
    EXPECT_EQ(links[0].state.rfind("connecting", 0), 0u) << links[0].state;
    EXPECT_EQ(links[0].server, "10.1.0.9:1194");
    EXPECT_EQ(links[1].state, "disabled");
    // The route naming the link is not in the static table while the link is down.
    EXPECT_FALSE(a->dataplane().routes().find(0x0a4d0000, 16).has_value());
}

TEST(Services, TheTcpTestServicesClaimTheirPuntedPortsAndOpenAllFour) {
    auto a = make_appliance("tcp = { test_services = true; };\n");
    ASSERT_TRUE(a);
    auto* tcp = a->registry().get<ctl::TcpTestServices>();
    ASSERT_NE(tcp, nullptr);
    EXPECT_EQ(a->registry().tcp(ctl::TcpTestServices::sink_port), tcp);
    EXPECT_EQ(a->registry().tcp(ctl::TcpTestServices::source_port), tcp);
    EXPECT_EQ(a->registry().tcp(7), nullptr) << "echo runs on the workers";
    const dp::WorkerPolicy& p = *a->dataplane().policy();
    for (uint16_t port : {7, 9, 19, 20})
        EXPECT_TRUE(p.tcp_listening(port)) << port;

    // A stream event of a listening port decodes to that port.
    dp::PuntEntry e{nullptr, dp::PuntReason::TcpStream, 0, 0, {}};
    e.payload.tcp_stream = {1, dp::TcpEvent::Opened, ctl::TcpTestServices::sink_port};
    ctl::PuntTarget t = ctl::punt_target(e, a->dataplane().sessions());
    EXPECT_EQ(t.via, ctl::PuntTarget::Via::Tcp);
    EXPECT_EQ(a->registry().find(t), tcp);
}

TEST(Services, PerfModePublishesTheSessionFileAndOpensItsPort) {
    fs::path file = write_sessions(1300, 3);
    auto a =
        make_appliance("perf = { enabled = true; sessions_file = \"" + file.string() + "\"; };\n");
    fs::remove(file);
    ASSERT_TRUE(a);
    ASSERT_NE(a->registry().get<ctl::PerfService>(), nullptr);
    EXPECT_EQ(a->dataplane().policy()->ovpn_udp_port, 1300);
    for (uint32_t id = 10; id < 13; ++id) {
        const dp::Session* s = a->dataplane().sessions().get(id);
        ASSERT_NE(s, nullptr) << id;
        EXPECT_EQ(s->kind, dp::SessionKind::Ovpn);
    }
    EXPECT_EQ(a->dataplane().sessions().get(13), nullptr);
    EXPECT_TRUE(a->sessions().empty()) << "synthetic sessions are not listed";

    // A session event of a perf session decodes to its kind; nobody claims it (no server).
    dp::PuntEntry ev{nullptr, dp::PuntReason::SessionEvent, 0, 0, {}};
    ev.payload.session_event = {11, 2};
    ctl::PuntTarget t = ctl::punt_target(ev, a->dataplane().sessions());
    EXPECT_EQ(t.via, ctl::PuntTarget::Via::Session);
    EXPECT_EQ(t.session_kind, dp::SessionKind::Ovpn);
    EXPECT_FALSE(t.count_if_unclaimed);
    EXPECT_EQ(a->registry().find(t), nullptr);
    // An event of a session that does not exist decodes to nothing.
    ev.payload.session_event.session = 99;
    EXPECT_EQ(ctl::punt_target(ev, a->dataplane().sessions()).via, ctl::PuntTarget::Via::None);

    // A control datagram to the perf port decodes to its UDP port; unclaimed, it is counted.
    rte_mbuf* m = udp_frame(a->dataplane().pool(), 1300);
    ASSERT_NE(m, nullptr);
    dp::PuntEntry d{m, dp::PuntReason::OvpnControl, 0, 0, {}};
    t = ctl::punt_target(d, a->dataplane().sessions());
    rte_pktmbuf_free(m);
    EXPECT_EQ(t.via, ctl::PuntTarget::Via::Udp);
    EXPECT_EQ(t.port, 1300);
    EXPECT_TRUE(t.count_if_unclaimed);
    EXPECT_EQ(a->registry().find(t), nullptr);
}

TEST(Services, PerfModeRefusesASessionFileBeyondTheSessionTable) {
    fs::path file = write_sessions(1301, 1);
    auto cfg = config::load_config_text(
        config_text("dataplane = { max_sessions = 8; };\nperf = { enabled = true; "
                    "sessions_file = \"" +
                    file.string() + "\"; };\n"));
    ASSERT_TRUE(cfg.ok()) << cfg.message();
    auto a = ctl::Appliance::create(*cfg);
    fs::remove(file);
    ASSERT_FALSE(a.ok());
    EXPECT_NE(a.message().find("perf: peer-id 10 is beyond dataplane.max_sessions"),
              std::string::npos)
        << a.message();
}

// OpenVPN/TCP connections that have not completed their handshake are bounded in all and per
// source address (ovpn_server.max_tcp_handshakes*): the service closes a new one beyond them
// before any TLS work, counts why, and frees the place when a connection goes.
TEST(Services, OpenVpnTcpConnectionsInNegotiationAreBoundedInAllAndPerSource) {
    fs::path dir = fs::temp_directory_path() / ("vpnplane-svc-ovpn-" + std::to_string(getpid()));
    fs::create_directories(dir);
    test::SelfSigned id("ovpn.test");
    fs::path crt = dir / "server.crt", key = dir / "server.key";
    {
        FILE* f = std::fopen(crt.c_str(), "w");
        ASSERT_NE(f, nullptr);
        PEM_write_X509(f, id.cert.get());
        std::fclose(f);
        f = std::fopen(key.c_str(), "w");
        ASSERT_NE(f, nullptr);
        PEM_write_PrivateKey(f, id.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
    }
    auto a =
        make_appliance("ovpn_server = { enabled = true; protocol = \"tcp\"; certificate_file = \"" +
                       crt.string() + "\"; private_key_file = \"" + key.string() +
                       "\"; max_tcp_handshakes = 5; max_tcp_handshakes_per_source = 3; };\n");
    ASSERT_TRUE(a);
    auto* ovpn = a->registry().get<ctl::OvpnService>();
    ASSERT_NE(ovpn, nullptr);
    ASSERT_NE(ovpn->server(), nullptr);
    uint64_t next_conn = 100;
    // A TCP connection opened by `source` (its FlowKey, as the worker attaches it).
    auto open = [&](uint32_t source) {
        dp::PuntEntry e{nullptr, dp::PuntReason::TcpStream, 0, 0, {}};
        e.mbuf = rte_pktmbuf_alloc(a->dataplane().pool());
        EXPECT_NE(e.mbuf, nullptr);
        tcp::FlowKey flow{source, 0x0a010001, static_cast<uint16_t>(next_conn), 1194};
        std::memcpy(rte_pktmbuf_append(e.mbuf, sizeof flow), &flow, sizeof flow);
        e.payload.tcp_stream = {next_conn, dp::TcpEvent::Opened, 1194};
        ovpn->on_punt(e, ctl::Appliance::now_ms());
        return next_conn++;
    };
    auto close = [&](uint64_t conn) {
        dp::PuntEntry e{nullptr, dp::PuntReason::TcpStream, 0, 0, {}};
        e.payload.tcp_stream = {conn, dp::TcpEvent::Closed, 1194};
        ovpn->on_punt(e, ctl::Appliance::now_ms());
    };
    const auto& c = ovpn->tcp_counters();
    std::vector<uint64_t> flood;
    for (int i = 0; i < 4; ++i)
        flood.push_back(open(0x0a010063)); // 10.1.0.99: the fourth is one too many
    EXPECT_EQ(c.tcp_handshakes_started, 3u);
    EXPECT_EQ(c.tcp_handshakes_refused_source, 1u);
    EXPECT_EQ(ovpn->tcp_handshakes(), 3u);
    open(0x0a010002);
    open(0x0a010003);
    EXPECT_EQ(ovpn->tcp_handshakes(), 5u);
    open(0x0a010004); // max_tcp_handshakes in all
    EXPECT_EQ(c.tcp_handshakes_refused, 1u);
    EXPECT_EQ(c.tcp_handshakes_started, 5u);
    // A connection that goes frees its place, for its source and in all.
    close(flood[0]);
    close(flood[3]); // the refused one: unknown, changes nothing
    EXPECT_EQ(ovpn->tcp_handshakes(), 4u);
    open(0x0a010063);
    EXPECT_EQ(c.tcp_handshakes_started, 6u);
    EXPECT_EQ(ovpn->tcp_handshakes(), 5u);
    fs::remove_all(dir);
}

} // namespace
} // namespace vp
