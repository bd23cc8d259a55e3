// control/ovpn/ncp, push and key_derivation: the cipher choice for each client generation, the
// PUSH_REPLY content and continuation, and the data-channel key block (legacy PRF known answer,
// EKM agreement, slicing per cipher).
#include "control/ovpn/key_derivation.hpp"
#include "control/ovpn/ncp.hpp"
#include "control/ovpn/push.hpp"
#include "tests/unit/ovpn/test_data.hpp"
#include "tests/unit/ovpn/test_pki.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;
using crypto::Cipher;

namespace {

const std::vector<Cipher> routeros_like = {Cipher::Aes128Cbc};
const std::vector<Cipher> modern = {Cipher::Aes256Gcm, Cipher::Aes128Gcm, Cipher::ChaCha20Poly1305,
                                    Cipher::Aes256Cbc, Cipher::Aes128Cbc};

NcpChoice choose(const std::vector<Cipher>& server, const std::string& peer_info,
                 const std::string& options, std::optional<Cipher> fallback = std::nullopt) {
    auto r =
        choose_cipher(server, parse_peer_info(peer_info), parse_options_string(options), fallback);
    EXPECT_TRUE(r.ok()) << r.message();
    return r.ok() ? *r : NcpChoice{Cipher::None, false, ""};
}

} // namespace

TEST(Ncp, OpenVpn26UsesServerOrderAmongIvCiphers) {
    std::string pi = "IV_NCP=2\nIV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990";
    auto c = choose(modern, pi, "V4,auth SHA1");
    EXPECT_EQ(c.cipher, Cipher::Aes256Gcm);
    EXPECT_TRUE(c.push);
    EXPECT_EQ(choose({Cipher::ChaCha20Poly1305, Cipher::Aes256Gcm}, pi, "").cipher,
              Cipher::ChaCha20Poly1305);
    // --data-ciphers AES-128-CBC (or compat-mode 2.4 with --cipher) on the client.
    EXPECT_EQ(choose(routeros_like, "IV_CIPHERS=AES-128-CBC\nIV_PROTO=990", "").cipher,
              Cipher::Aes128Cbc);
}

TEST(Ncp, IvCiphersWithoutOverlapFailsLikeOpenVpn) {
    auto r = choose_cipher(routeros_like,
                           parse_peer_info("IV_NCP=2\nIV_CIPHERS=AES-256-GCM:AES-128-GCM"),
                           parse_options_string("V4,cipher AES-128-CBC"), Cipher::Aes128Cbc);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.message(), std::string(ncp_failure_reason));
}

TEST(Ncp, OpenVpn24AnnouncesGcmOnly) {
    auto c = choose(modern, "IV_NCP=2\nIV_PROTO=2", "V4,cipher BF-CBC");
    EXPECT_EQ(c.cipher, Cipher::Aes256Gcm);
    EXPECT_TRUE(c.push);
    // Its own --cipher counts too.
    c = choose(routeros_like, "IV_NCP=2", "V4,cipher AES-128-CBC,auth SHA1");
    EXPECT_EQ(c.cipher, Cipher::Aes128Cbc);
}

TEST(Ncp, MikroTikAndOldClientsUseTheirOptionsCipherOrTheFallback) {
    // RouterOS 7: peer-info is only IV_PROTO=2; no cipher is pushed.
    auto c = choose(modern, "IV_PROTO=2\n", "V4,dev-type tun,cipher AES-256-CBC,auth SHA1");
    EXPECT_EQ(c.cipher, Cipher::Aes256Cbc);
    EXPECT_FALSE(c.push);
    c = choose(modern, "IV_PROTO=2\n", "V4,dev-type tun,auth SHA1", Cipher::Aes128Cbc);
    EXPECT_EQ(c.cipher, Cipher::Aes128Cbc);
    EXPECT_FALSE(c.push);
    EXPECT_EQ(c.how, "data-ciphers-fallback");
    // Blowfish (RouterOS' old default) is not allowed; without a fallback that fails.
    EXPECT_FALSE(choose_cipher(modern, parse_peer_info(""), parse_options_string("cipher BF-CBC"),
                               std::nullopt)
                     .ok());
}

TEST(Push, SubnetTopologyForNcpClients) {
    PushContext c;
    c.local_address = *net::parse_ipv4("10.8.0.1");
    c.remote_address = *net::parse_ipv4("10.8.0.7");
    c.prefix_length = 24;
    c.dns_servers = {*net::parse_ipv4("10.8.0.1")};
    c.wins_servers = {*net::parse_ipv4("10.50.0.5")};
    c.routes = {*net::parse_prefix("192.168.88.0/24")};
    c.ping_s = 10;
    c.ping_restart_s = 60;
    c.peer_id = 5;
    c.cipher = Cipher::Aes256Gcm;
    c.cc_exit = true;
    c.tls_ekm = true;
    auto msgs = build_push_replies(build_push_options(c));
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0], "PUSH_REPLY,dhcp-option DNS 10.8.0.1,dhcp-option WINS 10.50.0.5,"
                       "route 192.168.88.0 255.255.255.0,"
                       "route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,"
                       "ifconfig 10.8.0.7 255.255.255.0,peer-id 5,cipher AES-256-GCM,"
                       "protocol-flags cc-exit tls-ekm");
}

TEST(Push, PointToPointAndLegacyFlags) {
    PushContext c;
    c.local_address = *net::parse_ipv4("10.9.0.1");
    c.remote_address = *net::parse_ipv4("10.9.0.2");
    c.prefix_length = 32; // RouterOS /32 peers
    c.redirect_gateway = true;
    c.tls_ekm = true; // but no protocol-flags support
    c.tun_mtu = 1400;
    auto opts = build_push_options(c);
    auto has = [&](const std::string& o) {
        return std::find(opts.begin(), opts.end(), o) != opts.end();
    };
    EXPECT_TRUE(has("redirect-gateway def1"));
    EXPECT_TRUE(has("topology p2p"));
    EXPECT_TRUE(has("ifconfig 10.9.0.2 10.9.0.1"));
    EXPECT_TRUE(has("key-derivation tls-ekm"));
    EXPECT_TRUE(has("tun-mtu 1400"));
    EXPECT_FALSE(has("cipher AES-256-GCM"));
    for (auto& o : opts)
        EXPECT_NE(o.rfind("peer-id", 0), 0u);
}

TEST(Push, LongRepliesAreContinued) {
    PushContext c;
    c.local_address = 0x0a080001;
    c.remote_address = 0x0a080002;
    c.prefix_length = 24;
    for (uint32_t i = 0; i < 100; ++i)
        c.routes.push_back({0xac100000 + (i << 8), 24});
    auto msgs = build_push_replies(build_push_options(c));
    ASSERT_GT(msgs.size(), 2u);
    size_t routes = 0;
    for (size_t i = 0; i < msgs.size(); ++i) {
        EXPECT_LE(msgs[i].size(), max_push_message_bytes);
        EXPECT_EQ(msgs[i].rfind("PUSH_REPLY,", 0), 0u);
        bool last = i + 1 == msgs.size();
        EXPECT_TRUE(msgs[i].ends_with(last ? ",push-continuation 1" : ",push-continuation 2"));
        auto opts = parse_push_reply(msgs[i]);
        for (auto& o : *opts)
            routes += o.rfind("route ", 0) == 0;
    }
    EXPECT_EQ(routes, 100u);
}

TEST(KeyDerivation, LegacyPrfKnownAnswer) {
    // Expected block computed independently (Python hmac: P_MD5 xor P_SHA1, RFC 2246 §5).
    KeyMethod2 client, server;
    client.pre_master.emplace();
    for (int i = 0; i < 48; ++i)
        client.pre_master->bytes[i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 32; ++i) {
        client.random1.bytes[i] = static_cast<uint8_t>(32 + i);
        server.random1.bytes[i] = static_cast<uint8_t>(64 + i);
        client.random2.bytes[i] = static_cast<uint8_t>(96 + i);
        server.random2.bytes[i] = static_cast<uint8_t>(128 + i);
    }
    SessionId csid{1, 2, 3, 4, 5, 6, 7, 8}, ssid{9, 10, 11, 12, 13, 14, 15, 16};
    auto block = derive_key_block_prf(client, server, csid, ssid);
    ASSERT_TRUE(block.ok()) << block.message();
    EXPECT_EQ(to_hex(ByteSpan(block->bytes)),
              "92fdbdd68fed04b7f9cac5504e3b4dbf8654cd395a609fc48f0a008405ca1deee3d36f792ded853a"
              "4a4754614a208cdabd0294a99e39ade4874f76c1150f99abc79e748f51371a2b091778c121bb8d2e"
              "997b667183c0a3177dc12916b19af7dd4785a9f1bc4a747b381b94b049b6baedc4033abe55dccfb1"
              "8e58d93e946ae7d7a4972678746f1bd127d3434112b890122e4395f54e0cf26ea4588e3a5ee7735f"
              "ffe40443d7cd3a2f3934089f7af6bb8120ecb2c3cc3221e0068123991c09cc4f43a63fd3dcfbee32"
              "eae0e546c51de345fd98479f5c20ff3a8df88ecbdd9b55cf9fe680d9e05d3ec435102231bae45b2c"
              "6902c88a9159363db6094ab87587fd45");
    // Swapping the session ids (a common mistake) gives a different block.
    auto swapped = derive_key_block_prf(client, server, ssid, csid);
    EXPECT_NE(swapped->bytes, block->bytes);
    EXPECT_FALSE(derive_key_block_prf(server, server, csid, ssid).ok()); // no pre_master
}

TEST(KeyDerivation, SlicesTheBlockPerCipher) {
    KeyBlock b;
    for (int i = 0; i < 256; ++i)
        b.bytes[i] = static_cast<uint8_t>(i);
    auto gcm = make_data_keys(b, Cipher::Aes256Gcm, crypto::Digest::Sha1, 3);
    EXPECT_EQ(gcm.key_id, 3);
    EXPECT_EQ(gcm.digest, crypto::Digest::None);
    EXPECT_EQ(gcm.client_to_server.cipher_key[0], 0);
    EXPECT_EQ(gcm.client_to_server.cipher_key[31], 31);
    EXPECT_EQ(gcm.client_to_server.implicit_iv[0], 64); // hmac part of key[0]
    EXPECT_EQ(gcm.server_to_client.cipher_key[0], 128);
    EXPECT_EQ(gcm.server_to_client.implicit_iv[7], 199);
    EXPECT_EQ(gcm.client_to_server.hmac_key, (std::array<uint8_t, 64>{}));

    auto cbc = make_data_keys(b, Cipher::Aes128Cbc, crypto::Digest::Sha1, 0);
    EXPECT_EQ(cbc.client_to_server.cipher_key[15], 15);
    EXPECT_EQ(cbc.client_to_server.cipher_key[16], 0); // only 16 bytes used
    EXPECT_EQ(cbc.client_to_server.hmac_key[0], 64);
    EXPECT_EQ(cbc.client_to_server.hmac_key[19], 83);
    EXPECT_EQ(cbc.client_to_server.hmac_key[20], 0); // SHA1: 20 bytes
    EXPECT_EQ(cbc.server_to_client.hmac_key[0], 192);
    EXPECT_EQ(cbc.client_to_server.implicit_iv, (std::array<uint8_t, 8>{}));

    auto chacha = make_data_keys(b, Cipher::ChaCha20Poly1305, crypto::Digest::Sha256, 1);
    EXPECT_EQ(chacha.server_to_client.cipher_key[31], 159);
}

TEST(KeyDerivation, EkmAgreesBetweenClientAndServer) {
    tls::Session server(test::TestPki::get().server_context());
    tls::Session client(test::TestPki::get().client_context());
    (void)client.feed({});
    for (int i = 0; i < 10; ++i) {
        (void)server.feed(client.take_output());
        (void)client.feed(server.take_output());
    }
    auto a = derive_key_block_ekm(server);
    auto b = derive_key_block_ekm(client);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->bytes, b->bytes);
    auto ka = make_data_keys(*a, Cipher::Aes256Gcm, crypto::Digest::None, 0);
    auto kb = make_data_keys(*b, Cipher::Aes256Gcm, crypto::Digest::None, 0);
    EXPECT_EQ(ka.client_to_server, kb.client_to_server);
    EXPECT_NE(ka.client_to_server, ka.server_to_client);
}
