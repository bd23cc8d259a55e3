// control/ovpn/static_key: OpenVPN key files (as `openvpn --genkey` writes them) and generation.
#include "control/ovpn/static_key.hpp"
#include "control/ovpn/tls_crypt_v2.hpp"
#include "tests/unit/ovpn/test_data.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;

TEST(StaticKey, ParsesOpenVpnGenkeySecret) {
    std::string text = test::read_data_file("ta.key");
    auto key = parse_static_key(text);
    ASSERT_TRUE(key.ok()) << key.message();
    // The first hex line of the file is the first 16 bytes.
    auto begin = text.find("-----\n") + 6;
    EXPECT_EQ(to_hex(key->span(0, 16)), text.substr(begin, 32));
}

TEST(StaticKey, FormatRoundTripAndGeneration) {
    StaticKey a = generate_static_key();
    StaticKey b = generate_static_key();
    EXPECT_NE(a.bytes, b.bytes);
    std::string text = format_static_key(a);
    EXPECT_NE(text.find("-----BEGIN OpenVPN Static key V1-----"), std::string::npos);
    auto parsed = parse_static_key(text);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->bytes, a.bytes);
    EXPECT_EQ(parsed->cipher(1).data(), parsed->bytes.data() + 128);
    EXPECT_EQ(parsed->hmac(0).data(), parsed->bytes.data() + 64);
}

TEST(StaticKey, Rejects) {
    EXPECT_FALSE(parse_static_key("").ok());
    EXPECT_FALSE(parse_static_key("-----BEGIN OpenVPN Static key V1-----\nabcd\n").ok());
    std::string text = format_static_key(generate_static_key());
    std::string short_key = text;
    short_key.erase(short_key.find("-----END") - 33, 33); // one line less
    EXPECT_FALSE(parse_static_key(short_key).ok());
    std::string bad = text;
    bad[bad.find("-----\n") + 6] = 'z';
    EXPECT_FALSE(parse_static_key(bad).ok());
    std::string odd = text;
    odd.insert(odd.find("-----END"), "a\n");
    EXPECT_FALSE(parse_static_key(odd).ok());
}

TEST(TlsCryptV2Keys, ParsesOpenVpnGenkeyFilesAndUnwrapsTheClientKey) {
    auto server = parse_tls_crypt_v2_server_key(test::read_data_file("v2-server.key"));
    ASSERT_TRUE(server.ok()) << server.message();
    auto client = parse_tls_crypt_v2_client_key(test::read_data_file("v2-client.key"));
    ASSERT_TRUE(client.ok()) << client.message();
    auto unwrapped = unwrap_client_key(*server, client->wrapped);
    ASSERT_TRUE(unwrapped.ok());
    EXPECT_EQ(unwrapped->key.bytes, client->key.bytes);
    ASSERT_EQ(unwrapped->metadata.size(), 9u); // openvpn writes a timestamp by default
    EXPECT_EQ(unwrapped->metadata[0], metadata_type_timestamp);
    EXPECT_EQ(describe_metadata(unwrapped->metadata).rfind("timestamp ", 0), 0u);

    EXPECT_FALSE(parse_tls_crypt_v2_server_key(test::read_data_file("v2-client.key")).ok());
    EXPECT_FALSE(parse_tls_crypt_v2_client_key(test::read_data_file("ta.key")).ok());
}

TEST(TlsCryptV2Keys, GeneratedKeysRoundTripThroughPem) {
    auto server = generate_tls_crypt_v2_server_key();
    auto server2 = parse_tls_crypt_v2_server_key(format_tls_crypt_v2_server_key(server));
    ASSERT_TRUE(server2.ok());
    EXPECT_EQ(server2->bytes, server.bytes);

    Bytes user = {'b', 'o', 'b'};
    auto client = generate_tls_crypt_v2_client_key(server, 1700000000, &user);
    ASSERT_TRUE(client.ok());
    auto client2 = parse_tls_crypt_v2_client_key(format_tls_crypt_v2_client_key(*client));
    ASSERT_TRUE(client2.ok());
    EXPECT_EQ(client2->key.bytes, client->key.bytes);
    EXPECT_EQ(client2->wrapped, client->wrapped);
    auto unwrapped = unwrap_client_key(server, client2->wrapped);
    ASSERT_TRUE(unwrapped.ok());
    EXPECT_EQ(unwrapped->metadata, (Bytes{metadata_type_user, 'b', 'o', 'b'}));

    auto stamped = generate_tls_crypt_v2_client_key(server, 1700000000);
    ASSERT_TRUE(stamped.ok());
    EXPECT_EQ(describe_metadata(unwrap_client_key(server, stamped->wrapped)->metadata),
              "timestamp 1700000000");
}
