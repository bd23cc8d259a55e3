// control/ovpn/options: OCC options strings, peer-info, control messages, PUSH_REPLY lists.
#include "control/ovpn/options.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;

TEST(Options, ParsesTheRealClientOptionsString) {
    auto o = parse_options_string("V4,dev-type tun,link-mtu 1557,tun-mtu 1500,proto UDPv4,cipher "
                                  "AES-128-CBC,auth SHA1,keysize 128,key-method 2,tls-client");
    EXPECT_EQ(o.items.front().first, "V4");
    EXPECT_EQ(o.get("cipher"), "AES-128-CBC");
    EXPECT_EQ(o.get("auth"), "SHA1");
    EXPECT_EQ(o.get("tls-client"), "");
    EXPECT_FALSE(o.get("tls-server"));
    EXPECT_TRUE(parse_options_string("").items.empty());
    EXPECT_EQ(parse_options_string(",, x  y ,").get("x"), "y");
}

TEST(Options, BuildsTheServerOptionsString) {
    OccOptions o;
    o.cipher = crypto::Cipher::Aes256Gcm;
    std::string s = build_options_string(o);
    EXPECT_EQ(s.rfind("V4,dev-type tun,link-mtu ", 0), 0u);
    EXPECT_NE(s.find(",tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],keysize "
                     "256,key-method 2,tls-server"),
              std::string::npos)
        << s;
    o.cipher = crypto::Cipher::Aes128Cbc;
    o.digest = crypto::Digest::Sha256;
    o.tls_auth = true;
    s = build_options_string(o);
    EXPECT_NE(s.find("cipher AES-128-CBC,auth SHA256,keysize 128,tls-auth,key-method 2"),
              std::string::npos)
        << s;
    auto back = parse_options_string(s);
    EXPECT_EQ(back.get("cipher"), "AES-128-CBC");
}

TEST(PeerInfo, OpenVpn26) {
    auto p = parse_peer_info("IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
                             "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n"
                             "IV_PROTO=990\nIV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n");
    EXPECT_EQ(p.version(), "2.6.14");
    EXPECT_EQ(p.platform(), "linux");
    EXPECT_EQ(p.iv_ncp(), 2);
    uint32_t proto = p.iv_proto();
    EXPECT_EQ(proto, 990u);
    EXPECT_TRUE(proto & iv_proto::data_v2);
    EXPECT_TRUE(proto & iv_proto::request_push);
    EXPECT_TRUE(proto & iv_proto::tls_key_export);
    EXPECT_TRUE(proto & iv_proto::cc_exit_notify);
    ASSERT_TRUE(p.ciphers());
    EXPECT_EQ(p.ciphers()->size(), 3u);
    EXPECT_EQ(p.ciphers()->at(2), "CHACHA20-POLY1305");
}

TEST(PeerInfo, MikroTikAndGarbage) {
    auto p = parse_peer_info("IV_PROTO=2\n");
    EXPECT_EQ(p.iv_proto(), 2u);
    EXPECT_EQ(p.iv_ncp(), 0);
    EXPECT_FALSE(p.ciphers());
    EXPECT_EQ(p.version(), "unknown");
    auto g = parse_peer_info("=x\nnoequals\n\r\nIV_PROTO=abc\nA=b=c");
    EXPECT_EQ(g.iv_proto(), 0u);
    EXPECT_EQ(g.get("A"), "b=c");
}

TEST(MessageSplitter, SplitsOnNulAcrossFeeds) {
    MessageSplitter m;
    ASSERT_TRUE(m.feed(as_bytes(std::string_view("PUSH_REQ", 8))));
    EXPECT_FALSE(m.next());
    std::string rest("UEST\0EXIT\r\n\0\0", 13);
    ASSERT_TRUE(m.feed(as_bytes(rest)));
    EXPECT_EQ(m.next(), "PUSH_REQUEST");
    EXPECT_EQ(m.next(), "EXIT");
    EXPECT_FALSE(m.next());
    std::string binary("bad\x01msg\0ok\0", 11);
    ASSERT_TRUE(m.feed(as_bytes(binary)));
    EXPECT_EQ(m.next(), "ok"); // the unprintable message is dropped
    Bytes huge(MessageSplitter::max_message_bytes + 1, 'A');
    EXPECT_FALSE(m.feed(huge));
}

TEST(PushReply, ParsesAndRecognisesCommands) {
    auto o = parse_push_reply("PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->size(), 3u);
    EXPECT_EQ(o->at(1), "topology subnet");
    EXPECT_TRUE(parse_push_reply("PUSH_REPLY")->empty());
    EXPECT_FALSE(parse_push_reply("PUSH_REPLYX,a"));
    EXPECT_FALSE(parse_push_reply("AUTH_FAILED"));
    EXPECT_TRUE(is_command("AUTH_FAILED,reason", "AUTH_FAILED"));
    EXPECT_TRUE(is_command("EXIT", "EXIT"));
    EXPECT_FALSE(is_command("EXITS", "EXIT"));
}
