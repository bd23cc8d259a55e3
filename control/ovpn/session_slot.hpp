// Private to session*.cpp: the per-key-id state a session keeps around its KeyState.
#pragma once

#include "control/ovpn/key_state.hpp"
#include "control/ovpn/options.hpp"
#include "control/ovpn/session.hpp"

namespace vp::ovpn {

struct Session::Slot {
    enum class Role : uint8_t {
        Negotiating, // TLS / key method 2 running, or waiting for the switch to it
        Primary,     // the key data is sent with
        LameDuck,    // the previous key, still accepted until it is retired
    };

    std::unique_ptr<KeyState> keys;
    Role role = Role::Negotiating;
    bool key_method2_done = false;
    Bytes inbox; // plaintext until the key method 2 message is complete
    MessageSplitter messages;
    bool key_installed = false;
    bool tx_pending = false; // switch transmission to this key once our key method 2 is acked
    bool tls_logged = false;
    uint64_t retire_at_ms = 0;
};

} // namespace vp::ovpn
