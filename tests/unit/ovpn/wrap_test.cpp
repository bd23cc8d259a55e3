// tls-auth, tls-crypt and tls-crypt-v2: round trips, tamper detection, and the first packet
// openvpn 2.6.14 sent with each, unwrapped by our server side and re-created bit for bit by our
// client side (the keys are in data/, made with `openvpn --genkey`).
#include "control/ovpn/control_wrap.hpp"
#include "control/ovpn/packet.hpp"
#include "control/ovpn/tls_crypt_v2.hpp"
#include "tests/unit/ovpn/test_data.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;

namespace {

StaticKey ta_key() {
    return *parse_static_key(test::read_data_file("ta.key"));
}

Bytes plain_packet(uint32_t message_id) {
    ControlPacket p;
    p.opcode = Opcode::ControlV1;
    p.session_id = {1, 2, 3, 4, 5, 6, 7, 8};
    p.acks[0] = 3;
    p.ack_count = 1;
    p.peer_session_id = {8, 7, 6, 5, 4, 3, 2, 1};
    p.message_id = message_id;
    p.payload = Bytes(100, 0x5A);
    return serialize_control_packet(p);
}

} // namespace

TEST(TlsAuth, UnwrapsAndReproducesTheRealClientReset) {
    Bytes wire = test::read_hex_file("reset-tls-auth.hex");
    TlsAuth server(ta_key(), KeyDirection::Normal, crypto::Digest::Sha1);
    auto u = server.unwrap(wire);
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->packet_id.id, 1u);
    EXPECT_GT(u->packet_id.time, 1600000000u);
    auto p = parse_control_packet(u->plain);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->opcode, Opcode::ControlHardResetClientV2);
    EXPECT_EQ(p->message_id, 0u);

    TlsAuth client(ta_key(), KeyDirection::Inverse, crypto::Digest::Sha1);
    EXPECT_EQ(client.wrap(u->plain, u->packet_id), wire);
}

TEST(TlsAuth, RejectsWrongKeyDirectionTamperingAndTruncation) {
    Bytes wire = test::read_hex_file("reset-tls-auth.hex");
    TlsAuth wrong(ta_key(), KeyDirection::Inverse, crypto::Digest::Sha1);
    EXPECT_EQ(wrong.unwrap(wire).error(), WrapError::AuthFailed);
    TlsAuth server(ta_key(), KeyDirection::Normal, crypto::Digest::Sha1);
    for (size_t i = 0; i < wire.size(); ++i) {
        Bytes t = wire;
        t[i] ^= 0x01;
        EXPECT_FALSE(server.unwrap(t).ok()) << i;
    }
    EXPECT_EQ(server.unwrap(ByteSpan(wire).first(9 + 20 + 7)).error(), WrapError::Truncated);
}

TEST(TlsAuth, RoundTripsForEveryDigestAndDirection) {
    StaticKey key = generate_static_key();
    for (auto d : {crypto::Digest::Md5, crypto::Digest::Sha1, crypto::Digest::Sha256,
                   crypto::Digest::Sha512}) {
        TlsAuth server(key, KeyDirection::Normal, d);
        TlsAuth client(key, KeyDirection::Inverse, d);
        Bytes plain = plain_packet(5);
        Bytes wire = server.wrap(plain, {7, 99});
        EXPECT_EQ(wire.size(), plain.size() + crypto::digest_bytes(d) + 8);
        auto u = client.unwrap(wire);
        ASSERT_TRUE(u.ok());
        EXPECT_EQ(u->plain, plain);
        EXPECT_EQ(u->packet_id.id, 7u);
        EXPECT_FALSE(server.unwrap(wire).ok()); // our own direction is not accepted back
        TlsAuth both(key, KeyDirection::Bidirectional, d);
        EXPECT_TRUE(both.unwrap(both.wrap(plain, {1, 1})).ok());
    }
}

TEST(TlsCrypt, UnwrapsAndReproducesTheRealClientReset) {
    Bytes wire = test::read_hex_file("reset-tls-crypt.hex");
    TlsCrypt server(ta_key(), TlsCrypt::Role::Server);
    auto u = server.unwrap(wire);
    ASSERT_TRUE(u.ok());
    EXPECT_GE(u->packet_id.id, 1u);
    auto p = parse_control_packet(u->plain);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->opcode, Opcode::ControlHardResetClientV2);
    TlsCrypt client(ta_key(), TlsCrypt::Role::Client);
    EXPECT_EQ(client.wrap(u->plain, u->packet_id), wire);
    EXPECT_EQ(client.unwrap(wire).error(), WrapError::AuthFailed);
}

TEST(TlsCrypt, RoundTripHidesThePayloadAndDetectsTampering) {
    StaticKey key = generate_static_key();
    TlsCrypt server(key, TlsCrypt::Role::Server);
    TlsCrypt client(key, TlsCrypt::Role::Client);
    Bytes plain = plain_packet(9);
    Bytes wire = server.wrap(plain, {3, 4});
    ASSERT_EQ(wire.size(), plain.size() + tls_crypt_overhead);
    EXPECT_EQ(std::search(wire.begin(), wire.end(), plain.begin() + 9, plain.end()), wire.end());
    auto u = client.unwrap(wire);
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->plain, plain);
    for (size_t i : {size_t{0}, size_t{5}, size_t{12}, size_t{30}, wire.size() - 1}) {
        Bytes t = wire;
        t[i] ^= 0x80;
        EXPECT_EQ(client.unwrap(t).error(), WrapError::AuthFailed) << i;
    }
    EXPECT_EQ(client.unwrap(ByteSpan(wire).first(48)).error(), WrapError::Truncated);
}

TEST(TlsCryptV2, UnwrapsTheRealClientResetWithItsWrappedKey) {
    Bytes wire = test::read_hex_file("reset-tls-crypt-v2.hex");
    auto server_key = parse_tls_crypt_v2_server_key(test::read_data_file("v2-server.key"));
    auto client_key = parse_tls_crypt_v2_client_key(test::read_data_file("v2-client.key"));
    ASSERT_TRUE(server_key.ok() && client_key.ok());

    auto split = split_wkc(wire);
    ASSERT_TRUE(split.ok());
    EXPECT_EQ(Bytes(split->wkc.begin(), split->wkc.end()), client_key->wrapped);
    auto unwrapped = unwrap_client_key(*server_key, split->wkc);
    ASSERT_TRUE(unwrapped.ok());
    EXPECT_EQ(unwrapped->key.bytes, client_key->key.bytes);

    TlsCrypt server(unwrapped->key, TlsCrypt::Role::Server);
    auto u = server.unwrap(split->packet);
    ASSERT_TRUE(u.ok());
    EXPECT_TRUE(announces_early_negotiation(u->packet_id.id)); // 2.6 clients do
    auto p = parse_control_packet(u->plain);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->opcode, Opcode::ControlHardResetClientV3);

    // Our client side and our key wrapping give the same bytes as openvpn.
    TlsCrypt client(client_key->key, TlsCrypt::Role::Client);
    Bytes again = client.wrap(u->plain, u->packet_id);
    again.insert(again.end(), client_key->wrapped.begin(), client_key->wrapped.end());
    EXPECT_EQ(again, wire);
    auto rewrapped = wrap_client_key(*server_key, unwrapped->key, unwrapped->metadata);
    ASSERT_TRUE(rewrapped.ok());
    EXPECT_EQ(*rewrapped, client_key->wrapped);
}

TEST(TlsCryptV2, RejectsForeignServerKeysAndBrokenWkc) {
    Bytes wire = test::read_hex_file("reset-tls-crypt-v2.hex");
    auto split = split_wkc(wire);
    ASSERT_TRUE(split.ok());
    auto other = generate_tls_crypt_v2_server_key();
    EXPECT_EQ(unwrap_client_key(other, split->wkc).error(), WrapError::WkcInvalid);
    auto server_key = parse_tls_crypt_v2_server_key(test::read_data_file("v2-server.key"));
    Bytes wkc(split->wkc.begin(), split->wkc.end());
    ASSERT_GT(wkc.size(), 40u);
    wkc.at(40) ^= 1;
    EXPECT_EQ(unwrap_client_key(*server_key, wkc).error(), WrapError::WkcInvalid);
    EXPECT_EQ(unwrap_client_key(*server_key, ByteSpan(wkc).first(100)).error(),
              WrapError::WkcInvalid);

    Bytes tiny = {0x50, 0x01, 0x2a};
    EXPECT_EQ(split_wkc(tiny).error(), WrapError::WkcMissing);
    Bytes claims_too_much = wire;
    claims_too_much[claims_too_much.size() - 2] = 0x03; // WKc "longer" than the datagram
    claims_too_much[claims_too_much.size() - 1] = 0xF0;
    EXPECT_EQ(split_wkc(claims_too_much).error(), WrapError::WkcMissing);
    EXPECT_FALSE(wrap_client_key(*server_key, generate_static_key(), Bytes(800, 0)).ok());
}

TEST(ControlWrap, CountsPacketIdsAndRefusesReplays) {
    StaticKey key = generate_static_key();
    ControlWrap server(std::make_shared<TlsCrypt>(key, TlsCrypt::Role::Server));
    ControlWrap client(std::make_shared<TlsCrypt>(key, TlsCrypt::Role::Client));
    EXPECT_EQ(server.mode(), ControlWrap::Mode::Crypt);
    EXPECT_EQ(server.overhead(), tls_crypt_overhead);
    Bytes plain = plain_packet(1);
    Bytes first = client.wrap(plain, 1000);
    Bytes second = client.wrap(plain, 1001); // the epoch stays 1000
    auto opened = server.open(second);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->packet_id.id, 2u);
    EXPECT_EQ(opened->packet_id.time, 1000u);
    ASSERT_TRUE(server.unwrap(second).ok());
    ASSERT_TRUE(server.unwrap(first).ok()); // late but new
    EXPECT_EQ(server.unwrap(first).error(), WrapError::Replay);
    EXPECT_EQ(server.unwrap(second).error(), WrapError::Replay);

    ControlWrap none;
    EXPECT_EQ(none.overhead(), 0u);
    EXPECT_EQ(none.wrap(plain, 1), plain);
    EXPECT_TRUE(none.unwrap(plain).ok());
    EXPECT_TRUE(none.unwrap(plain).ok()); // no packet ids without wrapping
}
