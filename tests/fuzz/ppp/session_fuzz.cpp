// Fuzz target: PppSession in both roles driven by random frames. Input: a selector byte (role,
// method), then records of [length byte][frame]; a zero length advances time by one restart
// period instead. Every frame the session sends must parse as a frame and a control packet.
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

void check(const Output& out) {
    for (const auto& f : out.frames) {
        auto frame = parse_frame(f);
        if (!frame || !parse_control_packet(frame->information)) std::abort();
    }
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
    OneUser users;
    OneAddress addresses;
    {
        PppSession session(config, &users, &addresses);
        Millis now = 0;
        check(session.start(now));
        size_t pos = 1;
        while (pos < size) {
            size_t len = data[pos++];
            if (len == 0) {
                now += config.timers.restart_ms;
                check(session.on_timer(now));
                continue;
            }
            len = std::min(len, size - pos);
            check(session.input({data + pos, len}, now));
            pos += len;
        }
        check(session.close("fuzz", now));
    }
    if (addresses.held != 0) std::abort(); // every assigned address is given back
    return 0;
}
