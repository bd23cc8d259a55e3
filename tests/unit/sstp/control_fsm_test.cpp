// control/sstp/control_fsm: every transition and timer of the server's SSTP state machine, with
// time injected.
#include "control/sstp/control_fsm.hpp"

#include <gtest/gtest.h>

namespace vp::sstp {
namespace {

using namespace std::chrono_literals;
using Kind = Action::Kind;

const TimePoint t0{};

Hlak test_hlak() {
    Hlak h{};
    for (size_t i = 0; i < h.size(); ++i)
        h[i] = static_cast<uint8_t>(3 * i + 1);
    return h;
}

ControlConfig test_config() {
    ControlConfig c;
    for (size_t i = 0; i < kNonceBytes; ++i)
        c.binding.nonce[i] = static_cast<uint8_t>(0xC0 + i);
    const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x07};
    c.binding.cert = *cert_hashes(der);
    return c;
}

Bytes signed_call_connected(const ControlConfig& c, const Hlak& hlak) {
    Bytes cc =
        build_call_connected_unsigned(HashProtocol::Sha256, c.binding.nonce, c.binding.cert.sha256);
    EXPECT_TRUE(sign_call_connected(cc, hlak).ok());
    return cc;
}

Bytes ppp(std::initializer_list<uint8_t> frame) {
    return *build_data_packet(Bytes(frame));
}

uint16_t sent_type(const Action& a) {
    EXPECT_EQ(a.kind, Kind::Send);
    auto m = parse_control(a.bytes);
    EXPECT_TRUE(m.ok());
    return m.ok() ? m->type : 0;
}

std::optional<uint32_t> sent_status(const Action& a) {
    auto m = parse_control(a.bytes);
    if (!m || m->attribute_count != 1) return std::nullopt;
    auto s = parse_status_info(m->attributes[0].value);
    if (!s) return std::nullopt;
    return s->status;
}

constexpr uint16_t type(MessageType t) {
    return static_cast<uint16_t>(t);
}

struct Connected {
    ControlConfig config = test_config();
    ControlFsm fsm{config, t0};
    TimePoint at = t0 + 10s;

    Connected() {
        auto a = fsm.on_packet(build_connect_request(), t0 + 1s);
        EXPECT_EQ(a.size(), 1u);
        EXPECT_TRUE(fsm.ppp_authenticated(test_hlak(), t0 + 5s).empty());
        a = fsm.on_packet(signed_call_connected(config, test_hlak()), at);
        EXPECT_EQ(a.size(), 1u);
        EXPECT_EQ(a.at(0).kind, Kind::Connected);
        EXPECT_EQ(fsm.state(), ControlState::Connected);
    }
};

TEST(SstpControlFsm, HappyPathWithCallConnectedRacingAheadOfTheKeys) {
    ControlConfig c = test_config();
    ControlFsm fsm(c, t0);
    auto a = fsm.on_packet(build_connect_request(), t0 + 1s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].bytes, build_connect_ack(0x03, c.binding.nonce));
    EXPECT_EQ(fsm.state(), ControlState::CallConnectPending);

    // PPP control flows; IP (with and without FF 03, compressed or not) is dropped and counted
    a = fsm.on_packet(ppp({0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 4}), t0 + 2s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].kind, Kind::DeliverPpp);
    EXPECT_EQ(a[0].bytes, Bytes({0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 4}));
    EXPECT_TRUE(fsm.on_packet(ppp({0xFF, 0x03, 0x00, 0x21, 0x45}), t0 + 2s).empty());
    EXPECT_TRUE(fsm.on_packet(ppp({0x00, 0x57, 0x60}), t0 + 2s).empty());
    EXPECT_TRUE(fsm.on_packet(ppp({0x21, 0x45}), t0 + 2s).empty());
    EXPECT_EQ(fsm.counters().ip_before_connected, 3u);

    // Call Connected before the PPP layer has its keys: parked, verified when they come
    EXPECT_TRUE(fsm.on_packet(signed_call_connected(c, test_hlak()), t0 + 3s).empty());
    EXPECT_EQ(fsm.state(), ControlState::CallConnectPending);
    a = fsm.ppp_authenticated(test_hlak(), t0 + 4s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].kind, Kind::Connected);
    EXPECT_EQ(fsm.state(), ControlState::Connected);
    a = fsm.on_packet(ppp({0xFF, 0x03, 0x00, 0x21, 0x45}), t0 + 5s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].kind, Kind::DeliverPpp);
    EXPECT_EQ(fsm.next_deadline(), t0 + 5s + 60s);
}

TEST(SstpControlFsm, DataBeforeAckIsDropped) {
    ControlFsm fsm(test_config(), t0);
    EXPECT_TRUE(fsm.on_packet(ppp({0xFF, 0x03, 0xC0, 0x21, 1}), t0).empty());
    EXPECT_EQ(fsm.counters().data_before_ack, 1u);
}

TEST(SstpControlFsm, NegotiationTimeoutFromHttpsUp) {
    ControlFsm fsm(test_config(), t0);
    EXPECT_EQ(fsm.next_deadline(), t0 + 60s);
    EXPECT_TRUE(fsm.on_timer(t0 + 59999ms).empty());
    auto a = fsm.on_timer(t0 + 60s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_type(a[0]), type(MessageType::CallAbort));
    EXPECT_EQ(sent_status(a[0]), 8u);
    EXPECT_EQ(fsm.state(), ControlState::AbortInProgress);
    EXPECT_TRUE(fsm.on_timer(t0 + 62s).empty());
    a = fsm.on_timer(t0 + 63s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].kind, Kind::Close);
    EXPECT_EQ(a[0].reason, CloseReason::AbortSent);
    EXPECT_EQ(fsm.state(), ControlState::Closed);
    EXPECT_FALSE(fsm.next_deadline());
}

TEST(SstpControlFsm, NegotiationTimerRestartsAfterAck) {
    ControlFsm fsm(test_config(), t0);
    ASSERT_EQ(fsm.on_packet(build_connect_request(), t0 + 50s).size(), 1u);
    EXPECT_TRUE(fsm.on_timer(t0 + 60s).empty());
    EXPECT_TRUE(fsm.on_timer(t0 + 109s).empty());
    auto a = fsm.on_timer(t0 + 110s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_status(a[0]), 8u);
}

TEST(SstpControlFsm, HelloEchoThenCloseOnSilence) {
    Connected c;
    EXPECT_TRUE(c.fsm.on_timer(c.at + 59s).empty());
    auto a = c.fsm.on_timer(c.at + 60s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_type(a[0]), type(MessageType::EchoRequest));
    a = c.fsm.on_timer(c.at + 120s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].kind, Kind::Close); // no Abort: the peer is not listening
    EXPECT_EQ(a[0].reason, CloseReason::HelloTimeout);
}

TEST(SstpControlFsm, AnyReceiveRestartsHello) {
    Connected c;
    ASSERT_EQ(c.fsm.on_timer(c.at + 60s).size(), 1u); // echo request
    EXPECT_TRUE(c.fsm.on_packet(build_echo_response(), c.at + 70s).empty());
    EXPECT_EQ(c.fsm.next_deadline(), c.at + 130s);
    EXPECT_TRUE(c.fsm.on_timer(c.at + 120s).empty());
    c.fsm.note_rx(c.at + 125s); // the worker saw IP traffic
    EXPECT_TRUE(c.fsm.on_timer(c.at + 130s).empty());
    auto a = c.fsm.on_timer(c.at + 185s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_type(a[0]), type(MessageType::EchoRequest));
    ASSERT_EQ(
        c.fsm.on_packet(ppp({0xFF, 0x03, 0xC0, 0x21, 9, 1, 0, 8, 0, 0, 0, 0}), c.at + 200s).size(),
        1u);
    EXPECT_TRUE(c.fsm.on_timer(c.at + 245s).empty());
    EXPECT_EQ(c.fsm.counters().echo_requests_sent, 2u);
}

TEST(SstpControlFsm, PeerEchoIsAnswered) {
    Connected c;
    auto a = c.fsm.on_packet(build_echo_request(), c.at + 1s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].bytes, build_echo_response());
}

TEST(SstpControlFsm, WrongProtocolIsNakedThreeTimesThenAborted) {
    ControlFsm fsm(test_config(), t0);
    for (int i = 0; i < 3; ++i) {
        auto a = fsm.on_packet(build_connect_request(2), t0 + 1s);
        ASSERT_EQ(a.size(), 1u);
        EXPECT_EQ(sent_type(a[0]), type(MessageType::CallConnectNak));
        EXPECT_EQ(sent_status(a[0]), 4u);
        EXPECT_EQ(fsm.state(), ControlState::ConnectRequestPending);
    }
    auto a = fsm.on_packet(build_connect_request(2), t0 + 2s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_type(a[0]), type(MessageType::CallAbort));
    EXPECT_EQ(sent_status(a[0]), 6u);
}

TEST(SstpControlFsm, RetryAfterNakIsAcked) {
    ControlFsm fsm(test_config(), t0);
    ASSERT_EQ(fsm.on_packet(build_connect_request(7), t0).size(), 1u);
    auto a = fsm.on_packet(build_connect_request(), t0 + 1s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_type(a[0]), type(MessageType::CallConnectAck));
}

TEST(SstpControlFsm, ConnectRequestWithoutTheAttributeIsAborted) {
    ControlFsm fsm(test_config(), t0);
    auto a = fsm.on_packet(build_bare(MessageType::CallConnectRequest), t0);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_status(a[0]), 10u);
}

TEST(SstpControlFsm, LocalAbortWaitsThreeSecondsOrOneAfterThePeersAbort) {
    Connected c;
    auto a = c.fsm.abort({AttributeId::NoAttribute, StatusCode::InvalidFrameReceived}, c.at);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_type(a[0]), type(MessageType::CallAbort));
    EXPECT_EQ(c.fsm.next_deadline(), c.at + 3s);
    // data and echo are ignored while aborting
    EXPECT_TRUE(c.fsm.on_packet(ppp({0xFF, 0x03, 0x00, 0x21}), c.at + 100ms).empty());
    EXPECT_TRUE(c.fsm.on_packet(build_echo_request(), c.at + 100ms).empty());
    EXPECT_TRUE(c.fsm.on_packet(build_abort(std::nullopt), c.at + 500ms).empty());
    EXPECT_EQ(c.fsm.next_deadline(), c.at + 1500ms);
    a = c.fsm.on_timer(c.at + 1500ms);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].reason, CloseReason::AbortSent);
}

TEST(SstpControlFsm, PeerAbortWaitsOneSecond) {
    Connected c;
    EXPECT_TRUE(c.fsm
                    .on_packet(build_abort(StatusAttribute{AttributeId::NoAttribute,
                                                           StatusCode::NegotiationTimeout}),
                               c.at)
                    .empty());
    EXPECT_EQ(c.fsm.state(), ControlState::AbortInProgress);
    EXPECT_TRUE(c.fsm.on_timer(c.at + 999ms).empty());
    auto a = c.fsm.on_timer(c.at + 1s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].kind, Kind::Close);
    EXPECT_EQ(a[0].reason, CloseReason::PeerAbort);
}

TEST(SstpControlFsm, LocalDisconnectAckedOrTimedOut) {
    {
        Connected c;
        auto a = c.fsm.disconnect(c.at);
        ASSERT_EQ(a.size(), 1u);
        EXPECT_EQ(sent_type(a[0]), type(MessageType::CallDisconnect));
        EXPECT_EQ(c.fsm.next_deadline(), c.at + 5s);
        EXPECT_TRUE(c.fsm.disconnect(c.at).empty()); // once
        a = c.fsm.on_packet(build_disconnect_ack(), c.at + 1s);
        ASSERT_EQ(a.size(), 1u);
        EXPECT_EQ(a[0].reason, CloseReason::Disconnected);
    }
    {
        Connected c;
        ASSERT_EQ(c.fsm.disconnect(c.at).size(), 1u);
        EXPECT_TRUE(c.fsm.on_timer(c.at + 4999ms).empty());
        auto a = c.fsm.on_timer(c.at + 5s);
        ASSERT_EQ(a.size(), 1u);
        EXPECT_EQ(a[0].reason, CloseReason::Disconnected);
    }
}

TEST(SstpControlFsm, PeerDisconnectIsAckedThenClosedAfterOneSecond) {
    Connected c;
    auto a = c.fsm.on_packet(build_disconnect(), c.at);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].bytes, build_disconnect_ack());
    EXPECT_EQ(c.fsm.state(), ControlState::DisconnectAckSent);
    EXPECT_TRUE(c.fsm.on_packet(build_disconnect(), c.at + 100ms).empty()); // acked once
    EXPECT_TRUE(c.fsm.on_timer(c.at + 999ms).empty());
    a = c.fsm.on_timer(c.at + 1s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].reason, CloseReason::PeerDisconnected);
}

void expect_binding_abort(Bytes cc, BindingCheck why) {
    ControlConfig config = test_config();
    ControlFsm fsm(config, t0);
    ASSERT_EQ(fsm.on_packet(build_connect_request(), t0).size(), 1u);
    ASSERT_TRUE(fsm.ppp_authenticated(test_hlak(), t0).empty());
    auto a = fsm.on_packet(cc, t0 + 1s);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_type(a[0]), type(MessageType::CallAbort));
    EXPECT_EQ(sent_status(a[0]), 7u);
    EXPECT_EQ(fsm.counters().last_binding, why);
    EXPECT_EQ(fsm.counters().binding_failures, 1u);
    EXPECT_EQ(fsm.state(), ControlState::AbortInProgress);
}

TEST(SstpControlFsm, BadCryptoBindingIsAborted) {
    const ControlConfig config = test_config();
    Bytes good = signed_call_connected(config, test_hlak());
    Bytes nonce = good;
    nonce[20] ^= 1;
    expect_binding_abort(nonce, BindingCheck::NonceMismatch);
    Bytes cert = good;
    cert[50] ^= 1;
    expect_binding_abort(cert, BindingCheck::CertHashMismatch);
    Bytes mac = good;
    mac[90] ^= 1;
    expect_binding_abort(mac, BindingCheck::MacMismatch);
    Hlak other{};
    expect_binding_abort(signed_call_connected(config, other), BindingCheck::MacMismatch);
}

TEST(SstpControlFsm, UnknownTypesIgnoredUnexpectedOnesAborted) {
    ControlFsm fsm(test_config(), t0);
    EXPECT_TRUE(fsm.on_packet(build_bare(static_cast<MessageType>(0x42)), t0).empty());
    EXPECT_TRUE(fsm.on_packet(build_bare(static_cast<MessageType>(0)), t0).empty());
    EXPECT_EQ(fsm.counters().unknown_messages, 2u);
    EXPECT_EQ(fsm.state(), ControlState::ConnectRequestPending);
    // Call Connected before any Ack
    const std::array<uint8_t, 32> zeros{};
    auto a = fsm.on_packet(build_call_connected_unsigned(HashProtocol::Sha256, zeros, zeros), t0);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_status(a[0]), 5u);
    EXPECT_EQ(fsm.counters().unexpected_messages, 1u);
}

TEST(SstpControlFsm, SecondConnectRequestIsAborted) {
    Connected c;
    auto a = c.fsm.on_packet(build_connect_request(), c.at);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(sent_status(a[0]), 5u);
}

TEST(SstpControlFsm, MalformedControlIsAbortedBrokenFramingClosed) {
    {
        ControlFsm fsm(test_config(), t0);
        // attribute length lies (8, 6 present)
        const uint8_t lie[] = {0x10, 0x01, 0x00, 0x0e, 0, 1, 0, 1, 0, 1, 0, 8, 0, 1};
        auto a = fsm.on_packet(lie, t0);
        ASSERT_EQ(a.size(), 1u);
        EXPECT_EQ(sent_status(a[0]), 7u);
        EXPECT_EQ(fsm.counters().malformed, 1u);
    }
    {
        ControlFsm fsm(test_config(), t0);
        const uint8_t zero_length[] = {0x10, 0x01, 0x00, 0x00};
        auto a = fsm.on_packet(zero_length, t0);
        ASSERT_EQ(a.size(), 1u);
        EXPECT_EQ(a[0].kind, Kind::Close);
        EXPECT_EQ(a[0].reason, CloseReason::StreamError);
        EXPECT_TRUE(fsm.on_packet(build_connect_request(), t0).empty()); // closed for good
        EXPECT_TRUE(fsm.on_timer(t0 + 1h).empty());
    }
}

} // namespace
} // namespace vp::sstp
