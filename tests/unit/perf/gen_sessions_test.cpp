// `vpnperf gen-sessions`: distinct endpoints, tunnel addresses and peer-ids, fresh random keys of
// the right lengths, a file the parser accepts, and clear errors when the networks are too small.
#include "perf/vpnperf/gen_sessions.hpp"

#include <gtest/gtest.h>

#include <set>

namespace vp::perf {
namespace {

GenSessionsOptions options(size_t count, const char* client_net = "10.1.0.0/24",
                           const char* tunnel_net = "10.8.0.0/16") {
    GenSessionsOptions o;
    o.count = count;
    o.server = {0x0a010001, 1194};
    o.client_net = *net::parse_prefix(client_net);
    o.tunnel_net = *net::parse_prefix(tunnel_net);
    return o;
}

TEST(GenSessions, DistinctSessionsWithFreshKeys) {
    auto f = generate_sessions(options(600));
    ASSERT_TRUE(f.ok()) << f.message();
    ASSERT_EQ(f->sessions.size(), 600u);
    EXPECT_EQ(f->auth, crypto::Digest::None);
    EXPECT_FALSE(f->replay_protection);
    std::set<std::pair<uint32_t, uint16_t>> endpoints;
    std::set<uint32_t> tunnels, peer_ids;
    std::set<Bytes> keys;
    for (const PerfSession& s : f->sessions) {
        EXPECT_NE(s.client.address, f->server.address);
        EXPECT_EQ(s.client.address >> 8, 0x0a0100u);
        EXPECT_NE(s.client.address & 0xff, 0u);
        EXPECT_NE(s.client.address & 0xff, 255u);
        EXPECT_EQ(s.tunnel_address >> 16, 0x0a08u);
        EXPECT_GE(s.tunnel_address, 0x0a080002u) << "the first host is left for the server";
        endpoints.insert({s.client.address, s.client.port});
        tunnels.insert(s.tunnel_address);
        peer_ids.insert(s.peer_id);
        EXPECT_EQ(s.client_to_server.cipher_key.size(), 32u);
        EXPECT_EQ(s.client_to_server.implicit_iv.size(), 8u);
        keys.insert(s.client_to_server.cipher_key);
        keys.insert(s.server_to_client.cipher_key);
    }
    EXPECT_EQ(endpoints.size(), 600u);
    EXPECT_EQ(tunnels.size(), 600u);
    EXPECT_EQ(peer_ids.size(), 600u);
    EXPECT_EQ(*peer_ids.begin(), 1u);
    EXPECT_EQ(keys.size(), 1200u) << "keys repeat";
    // 600 sessions over 253 addresses: ports 40000..40002.
    EXPECT_EQ(f->sessions[253].client.port, 40001);
    EXPECT_TRUE(parse_session_file(to_json_text(*f)).ok());
}

TEST(GenSessions, CbcGetsHmacKeysAndNoImplicitIv) {
    auto o = options(2);
    o.cipher = crypto::Cipher::Aes128Cbc;
    o.auth = crypto::Digest::Sha1;
    auto f = generate_sessions(o);
    ASSERT_TRUE(f.ok()) << f.message();
    EXPECT_EQ(f->auth, crypto::Digest::Sha1);
    EXPECT_EQ(f->sessions[0].server_to_client.cipher_key.size(), 16u);
    EXPECT_EQ(f->sessions[0].server_to_client.hmac_key.size(), 20u);
    EXPECT_TRUE(f->sessions[0].server_to_client.implicit_iv.empty());
}

TEST(GenSessions, AuthIsNoneForAead) {
    auto o = options(1);
    o.auth = crypto::Digest::Sha256;
    auto f = generate_sessions(o);
    ASSERT_TRUE(f.ok()) << f.message();
    EXPECT_EQ(f->auth, crypto::Digest::None);
}

TEST(GenSessions, NetworksTooSmall) {
    auto f = generate_sessions(options(10, "10.1.0.0/24", "10.8.0.0/29"));
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.message(), "--tunnel-net 10.8.0.0/29 has room for 5 tunnel addresses, 10 needed");
    auto o = options(100000, "10.1.0.0/30");
    o.client_port = 65000;
    f = generate_sessions(o);
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.message().find("--client-net is too small"), std::string::npos) << f.message();
    f = generate_sessions(options(1, "10.1.0.1/32"));
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.message().find("no address other than the server's"), std::string::npos);
    auto p = options(2);
    p.first_peer_id = kMaxPeerId;
    EXPECT_FALSE(generate_sessions(p).ok());
}

} // namespace
} // namespace vp::perf
