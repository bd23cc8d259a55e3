// Fuzz target: the PAP and CHAP packet parsers and MS-CHAP value layouts, then the
// authenticator and the peer roles fed the same bytes as a packet of each protocol.
#include "control/ppp/auth.hpp"
#include "control/ppp/auth_packets.hpp"

#include <cstdlib>

using namespace vp::ppp;

namespace {
struct OneUser : Credentials {
    std::optional<std::string> password(std::string_view user) override {
        if (user == "User") return std::string("clientPass");
        return std::nullopt;
    }
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    vp::ByteSpan in(data, size);
    if (auto pap = parse_pap_request(in)) {
        if (pap->peer_id.size() + pap->password.size() + 2 > size) std::abort();
    }
    (void)parse_pap_message(in);
    if (auto chap = parse_chap_value(in)) {
        (void)parse_mschapv1_response(chap->value);
        (void)parse_mschapv2_response(chap->value);
    }
    (void)mschapv2_success_authenticator(as_text(in));
    if (size == 0) return 0;
    // First byte picks the method; the rest is a control packet of PAP or CHAP.
    static constexpr AuthMethod kMethods[] = {AuthMethod::Pap, AuthMethod::ChapMd5,
                                              AuthMethod::MsChapV1, AuthMethod::MsChapV2};
    AuthMethod method = kMethods[data[0] % 4];
    uint16_t protocol = method == AuthMethod::Pap ? kProtoPap : kProtoChap;
    Counters counters;
    OneUser users;
    AuthServer server(method, "srv", users, FsmTimers{}, counters);
    AuthClient client(method, "User", "clientPass", FsmTimers{}, counters);
    AuthOutput out;
    server.start(0, out);
    client.start(0, out);
    server.input(protocol, in.subspan(1), 1, out);
    client.input(protocol, in.subspan(1), 1, out);
    server.on_timer(100000, out);
    client.on_timer(100000, out);
    return 0;
}
