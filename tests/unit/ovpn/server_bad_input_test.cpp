// vp::ovpn::Server against the inputs behind known attacks (docs/reliability.md "Bad input from
// known CVEs", "Floods"): an oversized first control payload (OpenVPN's CVE-2017-7478), and
// resets over OpenVPN/TCP, which spend no reply budget while UDP ones stay within it.
#include "tests/unit/ovpn/server_rig.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;
using namespace vp::test;

// OpenVPN's CVE-2017-7478: the first P_CONTROL after the three-way handshake (the first packet
// allowed a payload) carries one far larger than any TLS record; OpenVPN 2.4.0/2.4.1 stopped on an
// ASSERT. Here it goes to the session's TLS, which fails the handshake: that session ends, the
// server and other clients carry on.
TEST(Server, OversizedFirstControlPayloadEndsOnlyThatHandshake) {
    Rig rig;
    TestClient c(ClientConfig{});
    c.start(rig.now);
    auto reset = c.poll(rig.now);
    ASSERT_EQ(reset.size(), 1u);
    rig.server->on_datagram(c.endpoint(), 0, reset[0], rig.now);
    ASSERT_EQ(rig.dataplane.sent.size(), 1u);
    auto reply = parse_control_packet(rig.dataplane.sent[0].datagram);
    ASSERT_TRUE(reply.ok());
    rig.dataplane.sent.clear();
    for (size_t size : {size_t{1'600}, size_t{9'000}, size_t{65'000}}) {
        ControlPacket big;
        big.opcode = Opcode::ControlV1;
        big.session_id = c.session_id();
        big.acks[0] = 0;
        big.ack_count = 1;
        big.peer_session_id = reply->session_id; // the cookie echoed: the handshake completes
        big.message_id = 1;
        big.payload.assign(size, 0x16); // a "TLS record" of handshake bytes, far too long
        rig.server->on_datagram(c.endpoint(), 0, serialize_control_packet(big), rig.now);
        EXPECT_LE(rig.server->session_count(), 1u);
    }
    rig.advance(120'000); // the handshake window passes: whatever was half-made is gone
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_TRUE(rig.dataplane.peers.empty());
    ClientConfig oc;
    oc.endpoint = {0x7f000009, 40009};
    TestClient other(oc);
    EXPECT_NE(rig.connect(other), ~0u); // the server still serves
}

// Over TCP the client's address answered the TCP handshake: a reply cannot be reflected, so
// OpenVPN/TCP resets spend no reply budget, and a connection flood from one /24 does not lock
// out the next client from it. Over UDP the same resets stay within the /24's limit.
TEST(Server, ResetsOverTcpSpendNoReflectionBudget) {
    Rig rig;
    auto reset_from = [&](uint32_t address, uint16_t port, bool over_tcp) {
        ClientConfig cc;
        cc.endpoint = {address, port};
        TestClient c(cc);
        c.start(rig.now);
        auto reset = c.poll(rig.now);
        ASSERT_EQ(reset.size(), 1u);
        rig.server->on_datagram(c.endpoint(), 0, reset[0], rig.now, over_tcp);
    };
    for (uint16_t i = 0; i < 50; ++i)
        reset_from(0x0a0a0a01 + i, 40000 + i, true);
    EXPECT_EQ(rig.server->counters().resets_answered, 50u);
    EXPECT_EQ(rig.server->counters().rate_limited_prefix, 0u);
    for (uint16_t i = 0; i < 50; ++i)
        reset_from(0x0a0b0b01 + i, 40000 + i, false);
    EXPECT_LE(rig.server->counters().resets_answered, 50u + 10u); // the /24's limit
    EXPECT_GT(rig.server->counters().rate_limited_prefix, 0u);
    EXPECT_EQ(rig.server->session_count(), 0u); // still no state before the cookie echo
}
