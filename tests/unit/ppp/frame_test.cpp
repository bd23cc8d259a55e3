// Frame, control packet, option and PAP/CHAP packet parsers: what they accept, and that every
// malformed length is refused instead of read past.
#include "control/ppp/auth_packets.hpp"
#include "control/ppp/frame.hpp"

#include <gtest/gtest.h>

namespace vp::ppp {
namespace {

TEST(Frame, AcceptsWithAndWithoutAddressControl) {
    const Bytes with = {0xFF, 0x03, 0xC0, 0x21, 0x09};
    const Bytes without = {0xC0, 0x21, 0x09};
    for (const Bytes& b : {with, without}) {
        auto f = parse_frame(b);
        ASSERT_TRUE(f);
        EXPECT_EQ(f->protocol, kProtoLcp);
        ASSERT_EQ(f->information.size(), 1u);
        EXPECT_EQ(f->information[0], 0x09);
    }
    const Bytes compressed = {0x21, 0x45}; // PFC: one-byte IPv4 protocol
    auto f = parse_frame(compressed);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->protocol, kProtoIpv4);
}

TEST(Frame, RefusesBadProtocolFields) {
    EXPECT_FALSE(parse_frame(Bytes{}));
    EXPECT_FALSE(parse_frame(Bytes{0xFF, 0x03}));
    EXPECT_FALSE(parse_frame(Bytes{0xC0}));       // even first byte, nothing after it
    EXPECT_FALSE(parse_frame(Bytes{0xC0, 0x22})); // last protocol byte must be odd
}

TEST(Frame, BuildsAddressControlAndTwoByteProtocol) {
    const uint8_t data[] = {1, 2};
    EXPECT_EQ(build_control_frame(kProtoIpcp, 5, 7, data),
              (Bytes{0xFF, 0x03, 0x80, 0x21, 5, 7, 0, 6, 1, 2}));
}

TEST(ControlPacket, LengthIsChecked) {
    EXPECT_FALSE(parse_control_packet(Bytes{1, 1, 0}));
    EXPECT_EQ(parse_control_packet(Bytes{1, 1, 0, 3}).error(), PacketError::LengthTooShort);
    EXPECT_EQ(parse_control_packet(Bytes{1, 1, 0, 9, 0}).error(), PacketError::LengthPastEnd);
    auto padded = parse_control_packet(Bytes{1, 1, 0, 5, 7, 0xEE, 0xEE});
    ASSERT_TRUE(padded);
    EXPECT_EQ(padded->data.size(), 1u); // bytes past Length are padding
}

TEST(Options, MalformedLengthsAreRefused) {
    EXPECT_EQ(parse_options(Bytes{1, 0}).error(), OptionError::LengthTooShort);
    EXPECT_EQ(parse_options(Bytes{1, 1}).error(), OptionError::LengthTooShort);
    EXPECT_EQ(parse_options(Bytes{1, 4, 5}).error(), OptionError::LengthPastEnd);
    EXPECT_EQ(parse_options(Bytes{1, 4, 5, 0xDC, 7}).error(), OptionError::LengthPastEnd);
    const Bytes two = {1, 4, 5, 0xDC, 7, 2}; // the parsed views point into it
    auto ok = parse_options(two);
    ASSERT_TRUE(ok);
    ASSERT_EQ(ok->size(), 2u);
    uint16_t mru;
    EXPECT_TRUE(option_u16((*ok)[0], mru));
    EXPECT_EQ(mru, 1500);
    EXPECT_EQ((*ok)[1].type, 7);
    EXPECT_TRUE((*ok)[1].value.empty());
}

TEST(AuthPackets, PapRequest) {
    const Bytes built = build_pap_request("alice", "pw");
    auto request = parse_pap_request(built);
    ASSERT_TRUE(request);
    EXPECT_EQ(request->peer_id, "alice");
    EXPECT_EQ(request->password, "pw");
    EXPECT_FALSE(parse_pap_request(Bytes{5, 'a'}));
    EXPECT_FALSE(parse_pap_request(Bytes{1, 'a', 3, 'x'}));
    const Bytes short_message = {200, 'o', 'k'};
    EXPECT_EQ(parse_pap_message(short_message), "ok"); // cut, not over-read
}

TEST(AuthPackets, ChapValueAndMsChapLayouts) {
    const uint8_t value[] = {9, 8, 7};
    const Bytes built = build_chap_value(value, "srv");
    auto v = parse_chap_value(built);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->value.size(), 3u);
    EXPECT_EQ(v->name, "srv");
    EXPECT_FALSE(parse_chap_value(Bytes{4, 1, 2}));
    EXPECT_FALSE(parse_chap_value(Bytes{0}));
    EXPECT_FALSE(parse_mschapv2_response(Bytes(48, 0)));
    EXPECT_FALSE(parse_mschapv1_response(Bytes(50, 0)));
    MsChapV2Response r;
    r.peer_challenge[0] = 0xAA;
    r.nt_response[23] = 0xBB;
    auto back = parse_mschapv2_response(build_mschapv2_response(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->peer_challenge, r.peer_challenge);
    EXPECT_EQ(back->nt_response, r.nt_response);
    EXPECT_EQ(mschapv2_success_authenticator("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=hi"),
              "S=407A5589115FD0D6209F510FE9C04566932CDA56");
    EXPECT_EQ(mschapv2_success_authenticator("S=12"), "");
}

} // namespace
} // namespace vp::ppp
