// Fuzz target: options strings, peer-info, control messages, PUSH_REPLY lists, and the cipher
// choice that consumes them.
#include "control/ovpn/config.hpp"
#include "control/ovpn/ncp.hpp"
#include "control/ovpn/options.hpp"
#include "control/ovpn/push.hpp"

#include <string_view>

using namespace vp;
using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto options = parse_options_string(text);
    auto peer = parse_peer_info(text);
    (void)peer.iv_proto();
    (void)peer.iv_ncp();
    (void)peer.ciphers();
    (void)choose_cipher(default_ciphers(), peer, options, crypto::Cipher::Aes128Cbc);
    (void)parse_push_reply(text);
    MessageSplitter splitter;
    if (splitter.feed({data, size}))
        while (auto m = splitter.next())
            (void)parse_push_reply(*m);
    return 0;
}
