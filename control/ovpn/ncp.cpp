// NCP cipher choice.
#include "control/ovpn/ncp.hpp"

#include <algorithm>

namespace vp::ovpn {

namespace {

bool allowed(const std::vector<crypto::Cipher>& list, crypto::Cipher c) {
    return std::find(list.begin(), list.end(), c) != list.end();
}

} // namespace

Result<NcpChoice> choose_cipher(const std::vector<crypto::Cipher>& server_ciphers,
                                const PeerInfo& peer, const OptionsString& client_options,
                                std::optional<crypto::Cipher> fallback) {
    std::optional<crypto::Cipher> occ;
    if (auto name = client_options.get("cipher")) occ = crypto::cipher_from_openvpn_name(*name);

    if (auto listed = peer.ciphers()) {
        std::vector<crypto::Cipher> client;
        for (auto& name : *listed)
            if (auto c = crypto::cipher_from_openvpn_name(name)) client.push_back(*c);
        for (auto c : server_ciphers)
            if (allowed(client, c)) return NcpChoice{c, true, "IV_CIPHERS"};
        return make_error(std::string(ncp_failure_reason));
    }
    if (peer.iv_ncp() >= 2) {
        std::vector<crypto::Cipher> client = {crypto::Cipher::Aes256Gcm, crypto::Cipher::Aes128Gcm};
        if (occ) client.push_back(*occ);
        for (auto c : server_ciphers)
            if (allowed(client, c)) return NcpChoice{c, true, "IV_NCP=2"};
        return make_error(std::string(ncp_failure_reason));
    }
    if (occ && allowed(server_ciphers, *occ)) return NcpChoice{*occ, false, "client options"};
    if (fallback) return NcpChoice{*fallback, false, "data-ciphers-fallback"};
    return make_error(std::string(ncp_failure_reason));
}

} // namespace vp::ovpn
