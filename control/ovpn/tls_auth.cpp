// tls-auth wrap/unwrap.
#include "control/ovpn/tls_auth.hpp"

#include "control/ovpn/packet.hpp"
#include "control/ovpn/wrap_crypto.hpp"

#include <algorithm>

namespace vp::ovpn {

namespace {

constexpr size_t header_bytes = 1 + session_id_bytes;

void copy_hmac_part(const StaticKey& key, int k, SecretBytes<64>& out) {
    auto part = key.hmac(k);
    std::copy(part.begin(), part.end(), out.bytes.begin());
}

} // namespace

TlsAuth::TlsAuth(const StaticKey& key, KeyDirection direction, crypto::Digest digest)
    : digest_(digest) {
    int send = direction == KeyDirection::Inverse ? 1 : 0;
    int recv = direction == KeyDirection::Normal ? 1 : 0;
    copy_hmac_part(key, send, send_key_);
    copy_hmac_part(key, recv, recv_key_);
}

bool TlsAuth::sign(const SecretBytes<64>& key, ByteSpan pid_time, ByteSpan plain,
                   uint8_t* out) const {
    return hmac(crypto::openssl_name(digest_), key.span(0, hmac_bytes()), {pid_time, plain}, out);
}

Bytes TlsAuth::wrap(ByteSpan plain, PacketId pid) const {
    Bytes out;
    if (plain.size() < header_bytes) return out;
    auto pid_time = pid.encode();
    uint8_t mac[64];
    if (!sign(send_key_, ByteSpan(pid_time), plain, mac)) return out;
    out.reserve(plain.size() + overhead());
    out.insert(out.end(), plain.begin(), plain.begin() + header_bytes);
    out.insert(out.end(), mac, mac + hmac_bytes());
    out.insert(out.end(), pid_time.begin(), pid_time.end());
    out.insert(out.end(), plain.begin() + header_bytes, plain.end());
    return out;
}

Expected<Unwrapped, WrapError> TlsAuth::unwrap(ByteSpan wire) const {
    size_t hlen = hmac_bytes();
    if (wire.size() < header_bytes + hlen + 8) return unexpected(WrapError::Truncated);
    ByteSpan received = wire.subspan(header_bytes, hlen);
    ByteSpan pid_time = wire.subspan(header_bytes + hlen, 8);
    Unwrapped u;
    u.plain.reserve(wire.size() - hlen - 8);
    u.plain.insert(u.plain.end(), wire.begin(), wire.begin() + header_bytes);
    u.plain.insert(u.plain.end(), wire.begin() + header_bytes + hlen + 8, wire.end());
    uint8_t mac[64];
    if (!sign(recv_key_, pid_time, u.plain, mac)) return unexpected(WrapError::CryptoFailure);
    if (!equal_secret(mac, received.data(), hlen)) return unexpected(WrapError::AuthFailed);
    u.packet_id = PacketId::decode(pid_time.data());
    return u;
}

} // namespace vp::ovpn
