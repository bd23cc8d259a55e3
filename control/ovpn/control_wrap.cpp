// Per-session wrapping state.
#include "control/ovpn/control_wrap.hpp"

namespace vp::ovpn {

size_t ControlWrap::overhead() const {
    if (auth_) return auth_->overhead();
    if (crypt_) return tls_crypt_overhead;
    return 0;
}

Expected<Unwrapped, WrapError> ControlWrap::open(ByteSpan wire) const {
    if (auth_) return auth_->unwrap(wire);
    if (crypt_) return crypt_->unwrap(wire);
    return Unwrapped{Bytes(wire.begin(), wire.end()), {}};
}

Expected<Bytes, WrapError> ControlWrap::unwrap(ByteSpan wire) {
    auto u = open(wire);
    if (!u) return unexpected(u.error());
    if (mode() != Mode::None && !replay_.check_and_accept(u->packet_id))
        return unexpected(WrapError::Replay);
    return std::move(u->plain);
}

Bytes ControlWrap::wrap(ByteSpan plain, uint32_t time_s) {
    if (mode() == Mode::None) return Bytes(plain.begin(), plain.end());
    if (send_time_ == 0) send_time_ = time_s;
    PacketId pid{next_id_++, send_time_};
    if (next_id_ == 0) { // the 32-bit counter wrapped: start a new epoch
        next_id_ = 1;
        send_time_ = time_s > send_time_ ? time_s : send_time_ + 1;
    }
    return auth_ ? auth_->wrap(plain, pid) : crypt_->wrap(plain, pid);
}

} // namespace vp::ovpn
