// Fuzz target: the server's SSTP control state machine driven by a script of random events:
// raw packets from the input, well-formed messages (so the fuzzer gets past the Ack), a correctly
// or wrongly signed Call Connected, timer ticks, PPP keys, local disconnect and abort. Checks:
// every packet the server sends parses, nothing happens after Close, a deadline exists until
// then, and Connected is only reached through a verified crypto binding.
#include "control/sstp/control_fsm.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

// Says which invariant broke before aborting (the standalone driver prints no stack).
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "fsm_fuzz: %s failed (line %d)\n", #cond, __LINE__);              \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace {

using namespace vp::sstp;

struct Script {
    const uint8_t* p;
    size_t n;
    bool empty() const { return n == 0; }
    uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    vp::ByteSpan take(size_t k) {
        k = std::min(k, n);
        vp::ByteSpan s(p, k);
        p += k;
        n -= k;
        return s;
    }
};

const Hlak kHlak = [] {
    Hlak h{};
    for (size_t i = 0; i < h.size(); ++i)
        h[i] = static_cast<uint8_t>(i * 7);
    return h;
}();

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ControlConfig config;
    for (size_t i = 0; i < kNonceBytes; ++i)
        config.binding.nonce[i] = static_cast<uint8_t>(i);
    const uint8_t der[] = {0x30, 0x00};
    config.binding.cert = *cert_hashes(der);
    TimePoint now{};
    ControlFsm fsm(config, now);
    bool signed_sent = false, keys_given = false, closed = false;

    Script s{data, size};
    while (!s.empty()) {
        ControlFsm::Actions out;
        const uint8_t op = s.byte();
        switch (op % 10) {
        case 0:
            out = fsm.on_packet(s.take(s.byte() % 64), now);
            break;
        case 1:
            out = fsm.on_packet(build_connect_request(s.byte() % 3), now);
            break;
        case 2: {
            vp::Bytes cc = build_call_connected_unsigned(
                s.byte() & 1 ? HashProtocol::Sha1 : HashProtocol::Sha256, config.binding.nonce,
                config.binding.cert.sha256);
            if (cc[15] == 1)
                std::copy(config.binding.cert.sha1.begin(), config.binding.cert.sha1.end(),
                          cc.begin() + 48);
            CHECK(sign_call_connected(cc, kHlak).ok());
            const uint8_t flip = s.byte();
            if (flip < 112) cc[flip] ^= 0x01; // a wrong nonce, hash or MAC (or a broken header)
            // A SHA1 MAC is 20 bytes; its 12 bytes of padding are neither MACed nor compared.
            if (flip >= 112 || (cc[15] == 1 && flip >= 100)) signed_sent = true;
            out = fsm.on_packet(cc, now);
            break;
        }
        case 3: {
            static const MessageType types[] = {
                MessageType::CallAbort,         MessageType::CallDisconnect,
                MessageType::CallDisconnectAck, MessageType::EchoRequest,
                MessageType::EchoResponse,      MessageType::CallConnectAck};
            out = fsm.on_packet(build_bare(types[s.byte() % 6]), now);
            break;
        }
        case 4:
            out = fsm.on_packet(*build_data_packet(s.take(s.byte() % 16)), now);
            break;
        case 5:
            now += std::chrono::milliseconds(s.byte() * 500);
            out = fsm.on_timer(now);
            break;
        case 6:
            keys_given = true;
            out = fsm.ppp_authenticated(kHlak, now);
            break;
        case 7:
            out = fsm.disconnect(now);
            break;
        case 8:
            out = fsm.abort({AttributeId::NoAttribute, StatusCode::InvalidFrameReceived}, now);
            break;
        case 9:
            fsm.note_rx(now);
            break;
        }
        CHECK(!(closed && !out.empty()));
        for (const Action& a : out) {
            CHECK(!(a.kind == Action::Kind::Send && !parse_control(a.bytes)));
            CHECK(!(a.kind == Action::Kind::Connected && !(signed_sent && keys_given)));
            if (a.kind == Action::Kind::Close) closed = true;
        }
        CHECK(!(closed != (fsm.state() == ControlState::Closed)));
        CHECK(!(!closed && !fsm.next_deadline()));
    }
    return 0;
}
