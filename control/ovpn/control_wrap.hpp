// The control-channel wrapping of one session (or of the stateless first exchange): none,
// tls-auth or tls-crypt (tls-crypt-v2 is tls-crypt keyed by the client's Kc), with the sender's
// packet-id counter and the receiver's replay window that go with it.
#pragma once

#include "control/ovpn/replay.hpp"
#include "control/ovpn/tls_auth.hpp"
#include "control/ovpn/tls_crypt.hpp"

#include <memory>

namespace vp::ovpn {

class ControlWrap {
public:
    enum class Mode : uint8_t { None, Auth, Crypt };

    ControlWrap() = default; // Mode::None
    explicit ControlWrap(std::shared_ptr<const TlsAuth> auth) : auth_(std::move(auth)) {}
    explicit ControlWrap(std::shared_ptr<const TlsCrypt> crypt) : crypt_(std::move(crypt)) {}

    Mode mode() const { return auth_ ? Mode::Auth : crypt_ ? Mode::Crypt : Mode::None; }
    size_t overhead() const;

    // Authenticates (and decrypts) without touching the replay window.
    Expected<Unwrapped, WrapError> open(ByteSpan wire) const;
    // open() plus the replay check; accepted ids are recorded.
    Expected<Bytes, WrapError> unwrap(ByteSpan wire);

    // Records an id that was authenticated with open() (the packet that created a session).
    bool record(PacketId pid) { return mode() == Mode::None || replay_.check_and_accept(pid); }

    // Wraps with the next packet id of this sender. The first id is 1; `time_s` stamps the
    // counter's epoch the first time it is used.
    Bytes wrap(ByteSpan plain, uint32_t time_s);
    // Continue after ids already used elsewhere (the stateless reset used id 1).
    void set_next_send_id(uint32_t next_id, uint32_t time_s) {
        next_id_ = next_id;
        send_time_ = time_s;
    }

private:
    std::shared_ptr<const TlsAuth> auth_;
    std::shared_ptr<const TlsCrypt> crypt_;
    ReplayWindow replay_;
    uint32_t next_id_ = 1;
    uint32_t send_time_ = 0;
};

} // namespace vp::ovpn
