// control/ovpn/packet: control/ACK codec round trips and rejects, data header peek, and the plain
// reset captured from openvpn 2.6.14.
#include "control/ovpn/packet.hpp"
#include "tests/unit/ovpn/test_data.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;

namespace {

ControlPacket sample() {
    ControlPacket p;
    p.opcode = Opcode::ControlV1;
    p.key_id = 3;
    p.session_id = {1, 2, 3, 4, 5, 6, 7, 8};
    p.acks = {7, 9, 0, 0};
    p.ack_count = 2;
    p.peer_session_id = {9, 9, 9, 9, 9, 9, 9, 9};
    p.message_id = 42;
    p.payload = {0x16, 0x03, 0x01};
    return p;
}

} // namespace

TEST(Packet, ControlRoundTrip) {
    ControlPacket p = sample();
    Bytes wire = serialize_control_packet(p);
    EXPECT_EQ(wire.size(), 1u + 8 + 1 + 8 + 8 + 4 + 3);
    EXPECT_EQ(wire[0], 4 << 3 | 3);
    auto v = parse_control_packet(wire);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->opcode, Opcode::ControlV1);
    EXPECT_EQ(v->key_id, 3);
    EXPECT_EQ(v->session_id, p.session_id);
    ASSERT_EQ(v->ack_count, 2);
    EXPECT_EQ(v->acks[0], 7u);
    EXPECT_EQ(v->acks[1], 9u);
    EXPECT_EQ(v->peer_session_id, p.peer_session_id);
    EXPECT_EQ(v->message_id, 42u);
    EXPECT_EQ(Bytes(v->payload.begin(), v->payload.end()), p.payload);
}

TEST(Packet, AckHasNoMessageIdAndNoAcksMeansNoPeerSessionId) {
    ControlPacket ack = sample();
    ack.opcode = Opcode::AckV1;
    ack.payload.clear();
    Bytes wire = serialize_control_packet(ack);
    EXPECT_EQ(wire.size(), 1u + 8 + 1 + 8 + 8);
    auto v = parse_control_packet(wire);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->message_id);

    ControlPacket bare = sample();
    bare.ack_count = 0;
    wire = serialize_control_packet(bare);
    EXPECT_EQ(wire.size(), 1u + 8 + 1 + 4 + 3);
    v = parse_control_packet(wire);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->ack_count, 0);
    EXPECT_EQ(v->message_id, 42u);
}

TEST(Packet, RejectsEveryTruncation) {
    Bytes wire = serialize_control_packet(sample());
    size_t header = wire.size() - 3; // the payload may be empty
    for (size_t n = 0; n < header; ++n) {
        auto v = parse_control_packet(ByteSpan(wire).first(n));
        ASSERT_FALSE(v.ok()) << n;
        EXPECT_EQ(v.error(), n == 0 ? PacketError::Empty : PacketError::Truncated) << n;
    }
    EXPECT_TRUE(parse_control_packet(ByteSpan(wire).first(header)).ok());
}

TEST(Packet, RejectsWrongOpcodesAndAckCounts) {
    Bytes wire = serialize_control_packet(sample());
    wire[0] = header_byte(Opcode::DataV2, 0);
    EXPECT_EQ(parse_control_packet(wire).error(), PacketError::NotControl);
    wire[0] = header_byte(Opcode::ControlHardResetClientV1, 0);
    EXPECT_EQ(parse_control_packet(wire).error(), PacketError::NotControl);
    wire[0] = 0; // opcode 0
    EXPECT_EQ(parse_control_packet(wire).error(), PacketError::UnknownOpcode);
    wire[0] = 31 << 3;
    EXPECT_EQ(parse_control_packet(wire).error(), PacketError::UnknownOpcode);

    wire = serialize_control_packet(sample());
    wire[9] = 9; // nine acks
    EXPECT_EQ(parse_control_packet(wire).error(), PacketError::TooManyAcks);

    ControlPacket ack = sample();
    ack.opcode = Opcode::AckV1;
    ack.ack_count = 0;
    EXPECT_EQ(parse_control_packet(serialize_control_packet(ack)).error(),
              PacketError::AckWithoutAcks);
}

TEST(Packet, AcceptsEightAcksFromPeers) {
    Bytes wire = {header_byte(Opcode::AckV1, 0), 1, 2, 3, 4, 5, 6, 7, 8, 8};
    for (uint32_t i = 0; i < 8; ++i)
        ByteWriter(wire).be32(i);
    wire.insert(wire.end(), 8, 0xAA);
    auto v = parse_control_packet(wire);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->ack_count, 8);
    EXPECT_EQ(v->acks[7], 7u);
}

TEST(Packet, DataHeaderPeek) {
    Bytes v2 = {header_byte(Opcode::DataV2, 2), 0x12, 0x34, 0x56, 0xAA};
    auto h = peek_data_header(v2);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->opcode, Opcode::DataV2);
    EXPECT_EQ(h->key_id, 2);
    EXPECT_EQ(h->peer_id, 0x123456u);
    EXPECT_EQ(h->header_bytes, 4u);

    Bytes undefined = {header_byte(Opcode::DataV2, 0), 0xFF, 0xFF, 0xFF};
    EXPECT_EQ(peek_data_header(undefined)->peer_id, undefined_peer_id);

    Bytes v1 = {header_byte(Opcode::DataV1, 1), 0xAA};
    h = peek_data_header(v1);
    ASSERT_TRUE(h.ok());
    EXPECT_FALSE(h->peer_id);
    EXPECT_EQ(h->header_bytes, 1u);

    EXPECT_EQ(peek_data_header(ByteSpan(v2).first(3)).error(), PacketError::Truncated);
    EXPECT_EQ(peek_data_header({}).error(), PacketError::Empty);
    Bytes control = {header_byte(Opcode::ControlV1, 0)};
    EXPECT_EQ(peek_data_header(control).error(), PacketError::NotData);
}

TEST(Packet, ParsesTheResetOfARealOpenVpnClient) {
    Bytes wire = test::read_hex_file("reset-plain.hex");
    auto v = parse_control_packet(wire);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->opcode, Opcode::ControlHardResetClientV2);
    EXPECT_EQ(v->key_id, 0);
    EXPECT_EQ(v->ack_count, 0);
    EXPECT_EQ(v->message_id, 0u);
    EXPECT_TRUE(v->payload.empty());
}
