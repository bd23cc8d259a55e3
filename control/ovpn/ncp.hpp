// Data-channel cipher choice (NCP), following OpenVPN 2.6's server rules plus a fallback for
// clients that negotiate nothing (RouterOS, OpenVPN < 2.4):
// 1. The client lists IV_CIPHERS: the first server cipher (configuration order) that the client
//    lists; pushed with "cipher".
// 2. No IV_CIPHERS but IV_NCP >= 2 (OpenVPN 2.4): the first server cipher among AES-256-GCM,
//    AES-128-GCM and the client's own OCC cipher; pushed.
// 3. Neither (RouterOS 7's client sends only IV_PROTO=2): the cipher of the client's OCC options
//    string if the server allows it, else `data_ciphers_fallback`; not pushed, since such
//    clients ignore a pushed cipher and use their configured one.
// Anything else fails with OpenVPN's AUTH_FAILED reason text.
#pragma once

#include "base/result.hpp"
#include "control/ovpn/options.hpp"
#include "crypto/cipher.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

struct NcpChoice {
    crypto::Cipher cipher;
    bool push;       // send "cipher X" in PUSH_REPLY
    std::string how; // for logs: "IV_CIPHERS", "IV_NCP=2", "client options", "fallback"
};

constexpr std::string_view ncp_failure_reason =
    "Data channel cipher negotiation failed (no shared cipher)";

Result<NcpChoice> choose_cipher(const std::vector<crypto::Cipher>& server_ciphers,
                                const PeerInfo& peer, const OptionsString& client_options,
                                std::optional<crypto::Cipher> fallback);

} // namespace vp::ovpn
