// Fuzz target: PppSession in both roles driven by random frames. Input: a selector byte (role,
// method, and whether the harness acks the session's own Configure-Requests — their magic
// number is random, so a fuzzer could never ack them itself and LCP would never open), then
// records of [length byte][frame]; a zero length advances time by one restart period instead.
// Every frame the session sends must parse as a frame and a control packet.
#include "control/ppp/session.hpp"

#include <cstdlib>

using namespace vp::ppp;

namespace {
struct OneUser : Credentials {
    std::optional<std::string> password(std::string_view user) override {
        if (user == "User") return std::string("clientPass");
        return std::nullopt;
    }
};
struct OneAddress : AddressAllocator {
    int held = 0;
    std::optional<vp::net::Ipv4> assign(std::string_view) override {
        ++held;
        return 0x0A000002;
    }
    void release(vp::net::Ipv4) override { --held; }
};

// Checks what the session sent; returns the Configure-Acks a cooperative peer would send back.
std::vector<vp::Bytes> check(const Output& out) {
    std::vector<vp::Bytes> acks;
    for (const auto& f : out.frames) {
        auto frame = parse_frame(f);
        if (!frame) std::abort();
        auto packet = parse_control_packet(frame->information);
        if (!packet) std::abort();
        if (packet->code == 1)
            acks.push_back(build_control_frame(frame->protocol, 2, packet->id, packet->data));
    }
    return acks;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static constexpr AuthMethod kMethods[] = {AuthMethod::None, AuthMethod::Pap,
                                              AuthMethod::ChapMd5, AuthMethod::MsChapV1,
                                              AuthMethod::MsChapV2};
    PppConfig config;
    config.role = data[0] & 1 ? Role::Client : Role::Server;
    AuthMethod method = kMethods[(data[0] >> 1) % 5];
    config.auth_methods =
        method == AuthMethod::None ? std::vector<AuthMethod>{} : std::vector<AuthMethod>{method};
    config.user = "User";
    config.password = "clientPass";
    config.local_address = 0x0A000001;
    config.dns = {0x08080808};
    if (config.role == Role::Client && (data[0] & 0x40)) { // a Windows-like client
        config.request_nbns = true;
        config.lcp_extra_options = {0x07, 0x02, 0x08, 0x02, 0x0D, 0x03, 0x06};
    }
    OneUser users;
    OneAddress addresses;
    {
        PppSession session(config, &users, &addresses);
        const bool auto_ack = data[0] & 0x80;
        Millis now = 0;
        auto acks = check(session.start(now));
        auto answer = [&](std::vector<vp::Bytes> pending) {
            for (int round = 0; auto_ack && !pending.empty() && round < 8; ++round) {
                std::vector<vp::Bytes> next;
                for (const auto& a : pending) {
                    auto more = check(session.input(a, now));
                    next.insert(next.end(), more.begin(), more.end());
                }
                pending = std::move(next);
            }
        };
        answer(std::move(acks));
        size_t pos = 1;
        while (pos < size) {
            size_t len = data[pos++];
            if (len == 0) {
                now += config.timers.restart_ms;
                answer(check(session.on_timer(now)));
                continue;
            }
            len = std::min(len, size - pos);
            answer(check(session.input({data + pos, len}, now)));
            pos += len;
        }
        check(session.close("fuzz", now));
    }
    if (addresses.held != 0) std::abort(); // every assigned address is given back
    return 0;
}
