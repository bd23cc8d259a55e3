// control/ovpn/key_method2: the first message in the TLS tunnel, both directions.
#include "control/ovpn/key_method2.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;

namespace {

KeyMethod2 client_message() {
    KeyMethod2 m;
    m.pre_master.emplace();
    for (size_t i = 0; i < 48; ++i)
        m.pre_master->bytes[i] = static_cast<uint8_t>(i);
    m.random1.bytes.fill(0x11);
    m.random2.bytes.fill(0x22);
    m.options = "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize "
                "128,key-method 2,tls-client";
    m.username = "alice";
    m.password = "wonderland";
    m.peer_info = "IV_VER=2.6.14\nIV_PROTO=990\n";
    return m;
}

} // namespace

TEST(KeyMethod2, ClientMessageRoundTrip) {
    KeyMethod2 m = client_message();
    Bytes wire = serialize_key_method2(m);
    EXPECT_EQ(Bytes(wire.begin(), wire.begin() + 5), (Bytes{0, 0, 0, 0, 2}));
    auto p = parse_key_method2(wire, true);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->consumed, wire.size());
    EXPECT_EQ(p->message.pre_master->bytes, m.pre_master->bytes);
    EXPECT_EQ(p->message.random1.bytes, m.random1.bytes);
    EXPECT_EQ(p->message.random2.bytes, m.random2.bytes);
    EXPECT_EQ(p->message.options, m.options);
    EXPECT_EQ(p->message.username, "alice");
    EXPECT_EQ(p->message.password, "wonderland");
    EXPECT_EQ(p->message.peer_info, m.peer_info);
}

TEST(KeyMethod2, ServerReplyHasNoSecretAndEmptyStrings) {
    KeyMethod2 m;
    m.random1.bytes.fill(1);
    m.random2.bytes.fill(2);
    m.options = "V4,tls-server";
    Bytes wire = serialize_key_method2(m);
    EXPECT_EQ(wire.size(), 5u + 64 + 2 + m.options.size() + 1 + 2 + 2 + 2);
    EXPECT_EQ(Bytes(wire.end() - 6, wire.end()), Bytes(6, 0)); // three empty strings
    auto p = parse_key_method2(wire, false);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->message.pre_master);
    EXPECT_EQ(p->message.options, m.options);
    EXPECT_TRUE(p->message.username.empty());
}

TEST(KeyMethod2, OlderClientsMayStopEarly) {
    KeyMethod2 m = client_message();
    Bytes wire = serialize_key_method2(m);
    size_t options_end = 5 + 48 + 64 + 2 + m.options.size() + 1;
    auto p = parse_key_method2(ByteSpan(wire).first(options_end), true);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->message.username.empty());
    EXPECT_TRUE(p->message.peer_info.empty());
}

TEST(KeyMethod2, Rejects) {
    Bytes wire = serialize_key_method2(client_message());
    Bytes bad = wire;
    bad[2] = 1;
    EXPECT_EQ(parse_key_method2(bad, true).error(), KeyMethod2Error::BadPrefix);
    bad = wire;
    bad[4] = 1;
    EXPECT_EQ(parse_key_method2(bad, true).error(), KeyMethod2Error::UnsupportedKeyMethod);
    for (size_t n : {size_t{0}, size_t{4}, size_t{50}, size_t{118}, size_t{120}})
        EXPECT_EQ(parse_key_method2(ByteSpan(wire).first(n), true).error(),
                  KeyMethod2Error::Truncated)
            << n;
    // A username cut in the middle.
    size_t user_at = 5 + 48 + 64 + 2 + client_message().options.size() + 1;
    EXPECT_EQ(parse_key_method2(ByteSpan(wire).first(user_at + 4), true).error(),
              KeyMethod2Error::Truncated);
    bad = wire;
    bad[user_at] = 0xFF; // a 65 kB username
    EXPECT_EQ(parse_key_method2(bad, true).error(), KeyMethod2Error::StringTooLong);
}

TEST(KeyMethod2, StringsStopAtTheirTerminator) {
    KeyMethod2 m = client_message();
    Bytes wire = serialize_key_method2(m);
    size_t user_at = 5 + 48 + 64 + 2 + m.options.size() + 1;
    wire[user_at + 2 + 2] = 0; // "al\0ce"
    auto p = parse_key_method2(wire, true);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->message.username, "al");
    EXPECT_EQ(p->message.password, "wonderland");
}
