// Fixed keys for the fuzz targets: the tests/unit/ovpn/data key files, so that the corpus (which
// holds datagrams openvpn 2.6.14 made with them) authenticates.
#pragma once

#include "control/ovpn/static_key.hpp"

#include <string>

namespace vp::fuzz {

inline ovpn::StaticKey ta_key() {
    return *ovpn::parse_static_key(ovpn::read_key_file(OVPN_TEST_DATA "/ta.key").value());
}

inline ovpn::TlsCryptV2ServerKey v2_server_key() {
    return *ovpn::parse_tls_crypt_v2_server_key(
        ovpn::read_key_file(OVPN_TEST_DATA "/v2-server.key").value());
}

} // namespace vp::fuzz
