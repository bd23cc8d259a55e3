// The server role against frames as Windows and pppd 2.4.9 send them, and against bad input:
// malformed option lengths, oversized frames, unknown codes and protocols, echo sizing.
#include "ppp_test_util.hpp"

#include <gtest/gtest.h>

namespace vp::ppp {
namespace {

using test::find_event;

net::Ipv4 ip(const char* s) {
    return *net::parse_ipv4(s);
}

Bytes lcp(uint8_t code, uint8_t id, Bytes data) {
    return build_control_frame(kProtoLcp, code, id, data);
}
Bytes ipcp(uint8_t code, uint8_t id, Bytes data) {
    return build_control_frame(kProtoIpcp, code, id, data);
}
// The packet of a frame we built: code, id and data.
struct Sent {
    uint16_t protocol;
    uint8_t code, id;
    Bytes data;
};
Sent sent(const Bytes& frame) {
    auto f = parse_frame(frame);
    EXPECT_TRUE(f);
    auto p = parse_control_packet(f->information);
    EXPECT_TRUE(p);
    return {f->protocol, p->code, p->id, Bytes(p->data.begin(), p->data.end())};
}

// A server without authentication, its LCP opened by a Windows-like peer (MRU 1400).
struct Server {
    test::Pool pool;
    PppSession s;
    std::vector<Event> events;
    Bytes ipcp_request;

    static PppConfig config() {
        PppConfig c;
        c.auth_methods = {};
        c.local_address = ip("10.0.0.1");
        c.dns = {ip("8.8.8.8"), ip("1.1.1.1")};
        return c;
    }
    Server() : s(config(), nullptr, &pool) { pool.address = ip("10.0.0.2"); }

    Output feed(const Bytes& frame) {
        Output o = s.input(frame, 0);
        events.insert(events.end(), o.events.begin(), o.events.end());
        return o;
    }
    void open_lcp() {
        Output first = s.start(0);
        Sent ours = sent(first.frames.at(0));
        // Windows: MRU 1400, magic, PFC, ACFC, callback (operation 6).
        Output o =
            feed(lcp(1, 1, {1, 4, 0x05, 0x78, 5, 6, 0x11, 0x22, 0x33, 0x44, 7, 2, 8, 2, 13, 3, 6}));
        Sent reject = sent(o.frames.at(0));
        EXPECT_EQ(reject.code, 4);
        EXPECT_EQ(reject.id, 1);
        EXPECT_EQ(reject.data, (Bytes{7, 2, 8, 2, 13, 3, 6}));
        Bytes second = {1, 4, 0x05, 0x78, 5, 6, 0x11, 0x22, 0x33, 0x44};
        o = feed(lcp(1, 2, second));
        Sent ack = sent(o.frames.at(0));
        EXPECT_EQ(ack.code, 2);
        EXPECT_EQ(ack.data, second);
        o = feed(lcp(2, ours.id, ours.data));
        EXPECT_EQ(s.lcp_state(), FsmState::Opened);
        EXPECT_EQ(s.peer_mru(), 1400);
        ASSERT_EQ(o.frames.size(), 1u);
        ipcp_request = o.frames[0];
    }
};

TEST(Wire, WindowsLcpAndPppdIpcp) {
    Server srv;
    srv.open_lcp();
    ASSERT_TRUE(find_event<event::Authenticated>(srv.events));
    Sent ours = sent(srv.ipcp_request);
    EXPECT_EQ(ours.protocol, kProtoIpcp);
    EXPECT_EQ(ours.data, (Bytes{3, 6, 10, 0, 0, 1}));
    // pppd 2.4.9 with usepeerdns: VJ, 0.0.0.0 and both DNS.
    Output o = srv.feed(ipcp(1, 1, {2,   6, 0x00, 0x2D, 0x0F, 0x01, 3,   6, 0, 0, 0, 0,
                                    129, 6, 0,    0,    0,    0,    131, 6, 0, 0, 0, 0}));
    Sent r = sent(o.frames.at(0));
    EXPECT_EQ(r.code, 4);
    EXPECT_EQ(r.data, (Bytes{2, 6, 0x00, 0x2D, 0x0F, 0x01}));
    o = srv.feed(ipcp(1, 2, {3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0}));
    Sent nak = sent(o.frames.at(0));
    EXPECT_EQ(nak.code, 3);
    EXPECT_EQ(nak.data, (Bytes{3, 6, 10, 0, 0, 2, 129, 6, 8, 8, 8, 8, 131, 6, 1, 1, 1, 1}));
    // NBNS is refused too.
    o = srv.feed(ipcp(1, 3, {3, 6, 10, 0, 0, 2, 130, 6, 0, 0, 0, 0}));
    EXPECT_EQ(sent(o.frames.at(0)).code, 4);
    Bytes good = {3, 6, 10, 0, 0, 2, 129, 6, 8, 8, 8, 8, 131, 6, 1, 1, 1, 1};
    o = srv.feed(ipcp(1, 4, good));
    Sent ack = sent(o.frames.at(0));
    EXPECT_EQ(ack.code, 2);
    EXPECT_EQ(ack.data, good);
    srv.feed(ipcp(2, ours.id, ours.data));
    auto* up = find_event<event::IpUp>(srv.events);
    ASSERT_TRUE(up);
    EXPECT_EQ(up->peer, ip("10.0.0.2"));
    EXPECT_EQ(up->dns.size(), 2u);
}

// Windows asks for WINS (NBNS, RFC 1877) with its DNS: a profile's wins-server answers it, the
// grant's servers win over the configured ones, and a second NBNS without a second server is
// rejected.
TEST(Wire, WinsServersAreOfferedAsNbns) {
    Server srv;
    srv.pool.wins = {ip("10.50.0.5")};
    srv.open_lcp();
    Output o = srv.feed(ipcp(1, 1, {3, 6, 0, 0,   0, 0, 129, 6, 0, 0,   0, 0, 130, 6, 0,
                                    0, 0, 0, 131, 6, 0, 0,   0, 0, 132, 6, 0, 0,   0, 0}));
    Sent r = sent(o.frames.at(0));
    EXPECT_EQ(r.code, 4);
    EXPECT_EQ(r.data, (Bytes{132, 6, 0, 0, 0, 0}));
    o = srv.feed(ipcp(1, 2, {3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0, 130, 6, 0, 0, 0, 0}));
    Sent nak = sent(o.frames.at(0));
    EXPECT_EQ(nak.code, 3);
    EXPECT_EQ(nak.data, (Bytes{3, 6, 10, 0, 0, 2, 129, 6, 8, 8, 8, 8, 130, 6, 10, 50, 0, 5}));
    Bytes good = {3, 6, 10, 0, 0, 2, 129, 6, 8, 8, 8, 8, 130, 6, 10, 50, 0, 5};
    o = srv.feed(ipcp(1, 3, good));
    Sent ack = sent(o.frames.at(0));
    EXPECT_EQ(ack.code, 2);
    EXPECT_EQ(ack.data, good);
}

TEST(Wire, PppdLcpAccmIsAckedPfcAcfcRejected) {
    Server srv;
    srv.s.start(0);
    Output o = srv.feed(lcp(1, 1, {2, 6, 0, 0, 0, 0, 5, 6, 1, 2, 3, 4, 7, 2, 8, 2}));
    Sent r = sent(o.frames.at(0));
    EXPECT_EQ(r.code, 4);
    EXPECT_EQ(r.data, (Bytes{7, 2, 8, 2}));
}

TEST(Wire, MrruEndpointAndUnknownOptionsAreRejected) {
    Server srv;
    srv.s.start(0);
    Output o = srv.feed(lcp(1, 1, {17, 4, 0x05, 0xDC, 19, 3, 0, 77, 3, 1}));
    Sent r = sent(o.frames.at(0));
    EXPECT_EQ(r.code, 4);
    EXPECT_EQ(r.data, (Bytes{17, 4, 0x05, 0xDC, 19, 3, 0, 77, 3, 1}));
}

TEST(Wire, MalformedOptionLengthsAreCountedNotAnswered) {
    Server srv;
    srv.s.start(0);
    for (Bytes options : {Bytes{1, 0, 5, 0xDC}, Bytes{1, 1}, Bytes{1, 8, 5, 0xDC}, Bytes{1}}) {
        Output o = srv.feed(lcp(1, 1, options));
        EXPECT_TRUE(o.frames.empty());
    }
    EXPECT_EQ(srv.s.counters().malformed_options, 4u);
}

TEST(Wire, BadFramesAreCounted) {
    Server srv;
    srv.s.start(0);
    srv.feed({});
    srv.feed({0xFF, 0x03, 0xC0});
    srv.feed({0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 40}); // length past the end
    EXPECT_EQ(srv.s.counters().malformed_frames, 3u);
    Bytes big(1501, 0);
    EXPECT_TRUE(srv.feed(build_frame(kProtoLcp, big)).frames.empty());
    EXPECT_EQ(srv.s.counters().oversized_frames, 1u);
}

TEST(Wire, UnknownCodeGetsCodeReject) {
    Server srv;
    srv.open_lcp();
    Bytes strange = lcp(0x42, 9, {1, 2, 3});
    Output o = srv.feed(strange);
    Sent r = sent(o.frames.at(0));
    EXPECT_EQ(r.code, 7);
    EXPECT_EQ(r.data, (Bytes{0x42, 9, 0, 7, 1, 2, 3}));
    EXPECT_EQ(srv.s.counters().unknown_codes, 1u);
}

TEST(Wire, Ipv6cpAndCcpGetProtocolReject) {
    Server srv;
    srv.open_lcp();
    for (uint16_t proto : {kProtoIpv6cp, kProtoCcp}) {
        const Bytes option = {1, 10, 1, 2, 3, 4, 5, 6, 7, 8};
        Bytes request = build_control_frame(proto, 1, 1, option);
        Output o = srv.feed(request);
        Sent r = sent(o.frames.at(0));
        EXPECT_EQ(r.protocol, kProtoLcp);
        EXPECT_EQ(r.code, 8);
        ASSERT_GE(r.data.size(), 2u);
        EXPECT_EQ(r.data[0] << 8 | r.data[1], proto);
        EXPECT_EQ(r.data.size(), 2 + request.size() - 4);
    }
}

// pppd's CVE-2020-8597: an EAP Request/Response (protocol 0xc227) whose MD5-Challenge name is
// longer than the receiver's buffer. vpnplane has no EAP: the frame gets a Protocol-Reject
// (within the peer's MRU) and nothing reads the name; nor does a truncated or zero-length one.
TEST(Wire, EapWithAnOversizedNameGetsProtocolReject) {
    Server srv;
    srv.open_lcp(); // peer MRU 1400
    constexpr uint16_t kProtoEap = 0xc227;
    Bytes md5 = {4, 16}; // type MD5-Challenge, value size 16, value, then the name
    md5.resize(2 + 16, 0x5a);
    md5.resize(md5.size() + 1450, 'A'); // the name: past the MRU and pppd's 256-byte buffer
    for (uint8_t code : {1, 2}) {       // Request, Response
        Bytes frame = build_control_frame(kProtoEap, code, 9, md5);
        Output o = srv.feed(frame);
        ASSERT_EQ(o.frames.size(), 1u);
        Sent r = sent(o.frames.at(0));
        EXPECT_EQ(r.protocol, kProtoLcp);
        EXPECT_EQ(r.code, 8);
        ASSERT_GE(r.data.size(), 2u);
        EXPECT_EQ(r.data[0] << 8 | r.data[1], kProtoEap);
        EXPECT_LE(r.data.size() + 4, 1400u); // the reject is cut to the peer's MRU
        EXPECT_FALSE(find_event<event::Authenticated>(o.events));
    }
    // A length field that lies (longer than the frame) and an empty EAP packet.
    Bytes liar = build_control_frame(kProtoEap, 2, 10, Bytes{4, 16, 1, 2});
    liar[6] = 0x40; // the EAP length's high byte: far past the frame
    srv.feed(liar);
    srv.feed(build_control_frame(kProtoEap, 2, 11, Bytes{}));
    EXPECT_EQ(srv.s.lcp_state(), FsmState::Opened);
}

TEST(Wire, EchoReplyFitsThePeersMru) {
    Server srv;
    srv.open_lcp(); // peer MRU 1400
    Bytes data = {0x11, 0x22, 0x33, 0x44};
    data.resize(1490, 0xAB);
    Output o = srv.feed(lcp(9, 3, data));
    Sent r = sent(o.frames.at(0));
    EXPECT_EQ(r.code, 10);
    EXPECT_EQ(r.id, 3);
    EXPECT_EQ(r.data.size() + 4, 1400u);
    EXPECT_TRUE(srv.feed(lcp(11, 4, {0, 0, 0, 0})).frames.empty());           // Discard-Request
    EXPECT_TRUE(srv.feed(lcp(12, 5, {0, 0, 0, 0, 'M', 'S'})).frames.empty()); // Identification
    EXPECT_EQ(srv.s.counters().discarded_requests, 2u);
}

TEST(Wire, PeerTerminateRequestEndsTheSession) {
    Server srv;
    srv.open_lcp();
    Output o = srv.feed(lcp(5, 7, {}));
    Sent r = sent(o.frames.at(0));
    EXPECT_EQ(r.code, 6);
    EXPECT_EQ(r.id, 7);
    EXPECT_TRUE(find_event<event::Terminated>(o.events));
    auto deadline = srv.s.next_deadline();
    ASSERT_TRUE(deadline);
    srv.s.on_timer(*deadline);
    EXPECT_EQ(srv.s.phase(), Phase::Dead);
}

TEST(Wire, IpcpBeforeTheNetworkPhaseIsDropped) {
    Server srv;
    srv.s.start(0);
    EXPECT_TRUE(srv.feed(ipcp(1, 1, {3, 6, 0, 0, 0, 0})).frames.empty());
    EXPECT_EQ(srv.s.counters().unexpected_packets, 1u);
}

} // namespace
} // namespace vp::ppp
