// dataplane/sstp/wire.hpp: byte-exact messages, the parsers' refusals, the stream splitter.
#include "dataplane/sstp/wire.hpp"

#include "tests/unit/sstp/hex.hpp"

#include <gtest/gtest.h>

namespace vp::sstp {
namespace {

using test::hex;

std::array<uint8_t, kNonceBytes> counting(uint8_t start) {
    std::array<uint8_t, kNonceBytes> a{};
    for (size_t i = 0; i < a.size(); ++i)
        a[i] = static_cast<uint8_t>(start + i);
    return a;
}

TEST(SstpWire, ConnectRequestIs14BytesAsSstpcSendsIt) {
    // sstpc: 10 01 00 0e | 00 01 00 01 | 00 01 00 06 00 01
    EXPECT_EQ(build_connect_request(), hex("1001000e 00010001 00010006 0001"));
    const Bytes request = build_connect_request(); // the parsed message views these bytes
    auto m = parse_control(request);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->type, 1);
    auto proto = connect_request_protocol(*m);
    ASSERT_TRUE(proto.ok());
    EXPECT_EQ(*proto, kEncapsulatedProtocolPpp);
}

TEST(SstpWire, AckIs48BytesWithOneCryptoBindingRequest) {
    auto nonce = counting(0xA0);
    Bytes ack = build_connect_ack(0x03, nonce);
    ASSERT_EQ(ack.size(), kConnectAckBytes);
    Bytes expect = hex("10010030 00020001 00040028 00000003");
    expect.insert(expect.end(), nonce.begin(), nonce.end());
    EXPECT_EQ(ack, expect);
    auto m = parse_control(ack);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->attribute_count, 1);
    EXPECT_EQ(m->attributes[0].value.size(), kCryptoBindingRequestValueBytes);
}

TEST(SstpWire, CallConnectedIs112BytesAndParses) {
    auto nonce = counting(1);
    auto hash = counting(0x40);
    Bytes cc = build_call_connected_unsigned(HashProtocol::Sha256, nonce, hash);
    ASSERT_EQ(cc.size(), kCallConnectedBytes);
    EXPECT_EQ(Bytes(cc.begin(), cc.begin() + 16), hex("10010070 00040001 00030068 00000002"));
    auto m = parse_control(cc);
    ASSERT_TRUE(m.ok());
    auto b = call_connected_binding(*m);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->hash, HashProtocol::Sha256);
    EXPECT_EQ(b->nonce, nonce);
    EXPECT_EQ(b->cert_hash, hash);
    EXPECT_EQ(b->compound_mac, (std::array<uint8_t, 32>{}));
    cc[15] = 7; // hash protocol 7
    EXPECT_EQ(call_connected_binding(*parse_control(cc)).error(), WireError::BadAttributeValue);
}

TEST(SstpWire, AbortDisconnectEchoSizes) {
    StatusAttribute s{AttributeId::NoAttribute, StatusCode::NegotiationTimeout};
    EXPECT_EQ(build_abort(std::nullopt).size(), 8u);
    Bytes abort = build_abort(s);
    EXPECT_EQ(abort, hex("10010014 00050001 0002000c 00000000 00000008"));
    EXPECT_EQ(build_disconnect().size(), 8u);
    EXPECT_EQ(build_disconnect(s).size(), 20u);
    EXPECT_EQ(build_disconnect_ack(), hex("10010008 00070000"));
    EXPECT_EQ(build_echo_request(), hex("10010008 00080000"));
    EXPECT_EQ(build_echo_response(), hex("10010008 00090000"));
    auto m = parse_control(abort);
    ASSERT_TRUE(m.ok());
    auto si = parse_status_info(m->attributes[0].value);
    ASSERT_TRUE(si.ok());
    EXPECT_EQ(si->status, 8u);
}

TEST(SstpWire, NakCarriesStatusInfoWithTheAcceptedValue) {
    const uint8_t ppp[2] = {0, 1};
    Bytes nak =
        build_connect_nak(AttributeId::EncapsulatedProtocolId, StatusCode::ValueNotSupported, ppp);
    EXPECT_EQ(nak, hex("10010016 00030001 0002000e 00000001 00000004 0001"));
}

TEST(SstpWire, DataPacketAroundPpp) {
    Bytes ppp = hex("ff03c021 01010004");
    auto pkt = build_data_packet(ppp);
    ASSERT_TRUE(pkt);
    EXPECT_EQ(*pkt, hex("1000000c ff03c021 01010004"));
    auto p = parse_packet(*pkt);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->control);
    EXPECT_EQ(Bytes(p->body.begin(), p->body.end()), ppp);
    EXPECT_FALSE(build_data_packet(Bytes(4092)));
    EXPECT_TRUE(build_data_packet(Bytes(4091)));
}

TEST(SstpWire, HeaderRefusals) {
    EXPECT_EQ(parse_header(hex("100100")).error(), WireError::Truncated);
    EXPECT_EQ(parse_header(hex("11010008")).error(), WireError::BadVersion);
    EXPECT_EQ(parse_header(hex("10030008")).error(), WireError::ReservedBitsSet);
    EXPECT_EQ(parse_header(hex("10011008")).error(), WireError::ReservedBitsSet); // > 4095
    EXPECT_EQ(parse_header(hex("10010000")).error(), WireError::LengthTooShort);  // length 0
    EXPECT_EQ(parse_header(hex("10010003")).error(), WireError::LengthTooShort);  // < 4
    EXPECT_EQ(parse_header(hex("10010fff"))->length, 4095);
    EXPECT_EQ(parse_packet(hex("10010009 00080000")).error(), WireError::LengthOverflow);
    EXPECT_TRUE(parse_packet(hex("10000004")).ok()); // empty data packet: framing is fine
}

TEST(SstpWire, ControlRefusals) {
    // attribute count says 1, no attribute
    EXPECT_EQ(parse_control(hex("10010008 00010001")).error(), WireError::AttributeOverflow);
    // attribute length 8 but 6 bytes present
    EXPECT_EQ(parse_control(hex("1001000e 00010001 00010008 0001")).error(),
              WireError::AttributeOverflow);
    // attribute length 3 (< header)
    EXPECT_EQ(parse_control(hex("1001000e 00010001 00010003 0001")).error(),
              WireError::AttributeLengthTooShort);
    // attribute length shorter than the bytes left: trailing bytes
    EXPECT_EQ(parse_control(hex("1001000e 00010001 00010004 0001")).error(),
              WireError::TrailingBytes);
    // attribute length reserved bits
    EXPECT_EQ(parse_control(hex("1001000e 00010001 00011006 0001")).error(),
              WireError::ReservedBitsSet);
    // too many attributes
    EXPECT_EQ(parse_control(hex("10010008 00010100")).error(), WireError::TooManyAttributes);
    // control header cut short
    EXPECT_EQ(parse_control(hex("10010006 0001")).error(), WireError::Truncated);
    // data packet to the control parser
    EXPECT_EQ(parse_control(hex("10000008 00010000")).error(), WireError::NotControl);
    // a packet followed by bytes
    EXPECT_EQ(parse_control(hex("10010008 00080000 00")).error(), WireError::TrailingBytes);
}

TEST(SstpWire, UnknownTypesAndAttributesParseForTheStateMachineToJudge) {
    const Bytes unknown = hex("1001000d 00630001 0063 0005 ab");
    auto m = parse_control(unknown);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->type, 0x63);
    EXPECT_EQ(m->attributes[0].id, 0x63);
    // but the typed views refuse them
    EXPECT_EQ(connect_request_protocol(*m).error(), WireError::UnexpectedAttribute);
    const Bytes three_byte_value = hex("1001000f 00010001 00010007 000100");
    auto wrong_len = parse_control(three_byte_value);
    ASSERT_TRUE(wrong_len.ok());
    EXPECT_EQ(connect_request_protocol(*wrong_len).error(), WireError::BadAttributeLength);
    EXPECT_EQ(parse_status_info(hex("00000200")).error(), WireError::BadAttributeLength);
}

TEST(SstpWire, SplitterCountsWholePacketsAndWaitsForTheRest) {
    Bytes stream = build_connect_request();
    Bytes echo = build_echo_request();
    stream.insert(stream.end(), echo.begin(), echo.end());
    Bytes data = *build_data_packet(hex("ff030021 4500"));
    stream.insert(stream.end(), data.begin(), data.end());

    auto all = split_stream(stream);
    EXPECT_EQ(all.packets, 3u);
    EXPECT_EQ(all.consumed, stream.size());
    EXPECT_FALSE(all.error);

    for (size_t cut = 0; cut < stream.size(); ++cut) {
        auto s = split_stream(ByteSpan(stream).first(cut));
        EXPECT_FALSE(s.error);
        size_t expect_packets = cut >= 32 ? 3 : cut >= 22 ? 2 : cut >= 14 ? 1 : 0;
        EXPECT_EQ(s.packets, expect_packets) << cut;
        size_t start = expect_packets == 0 ? 0 : expect_packets == 1 ? 14 : 22;
        EXPECT_EQ(s.consumed, start);
        size_t next_len = expect_packets == 0 ? 14 : expect_packets == 1 ? 8 : 10;
        EXPECT_EQ(s.next_needed, cut - start >= 4 ? next_len : 0u) << cut;
    }
}

TEST(SstpWire, SplitterStopsAtBrokenFraming) {
    Bytes stream = build_echo_request();
    Bytes bad = hex("10010002 0000");
    stream.insert(stream.end(), bad.begin(), bad.end());
    auto s = split_stream(stream);
    EXPECT_EQ(s.packets, 1u);
    EXPECT_EQ(s.consumed, 8u);
    ASSERT_TRUE(s.error);
    EXPECT_EQ(*s.error, WireError::LengthTooShort);
}

} // namespace
} // namespace vp::sstp
