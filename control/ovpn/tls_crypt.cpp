// tls-crypt wrap/unwrap.
#include "control/ovpn/tls_crypt.hpp"

#include "control/ovpn/packet.hpp"
#include "control/ovpn/wrap_crypto.hpp"

#include <algorithm>

namespace vp::ovpn {

namespace {

constexpr size_t header_bytes = 1 + session_id_bytes;

template <size_t N>
void take(ByteSpan from, SecretBytes<N>& to) {
    std::copy(from.begin(), from.begin() + N, to.bytes.begin());
}

} // namespace

TlsCrypt::TlsCrypt(const StaticKey& key, Role role) {
    int send = role == Role::Server ? 0 : 1;
    take(key.cipher(send), send_.cipher);
    take(key.hmac(send), send_.hmac);
    take(key.cipher(1 - send), recv_.cipher);
    take(key.hmac(1 - send), recv_.hmac);
}

Bytes TlsCrypt::wrap(ByteSpan plain, PacketId pid) const {
    Bytes out;
    if (plain.size() < header_bytes) return out;
    auto pid_time = pid.encode();
    ByteSpan header = plain.first(header_bytes);
    ByteSpan body = plain.subspan(header_bytes);
    uint8_t tag[tls_crypt_tag_bytes];
    if (!hmac("SHA256", ByteSpan(send_.hmac.bytes), {header, ByteSpan(pid_time), body}, tag))
        return out;
    out.resize(plain.size() + tls_crypt_overhead);
    std::copy(header.begin(), header.end(), out.begin());
    std::copy(pid_time.begin(), pid_time.end(), out.begin() + header_bytes);
    std::copy(tag, tag + tls_crypt_tag_bytes, out.begin() + header_bytes + 8);
    if (!aes256_ctr(ByteSpan(send_.cipher.bytes), tag, body,
                    out.data() + header_bytes + tls_crypt_overhead))
        out.clear();
    return out;
}

Expected<Unwrapped, WrapError> TlsCrypt::unwrap(ByteSpan wire) const {
    if (wire.size() < header_bytes + tls_crypt_overhead) return unexpected(WrapError::Truncated);
    ByteSpan header = wire.first(header_bytes);
    ByteSpan pid_time = wire.subspan(header_bytes, 8);
    const uint8_t* tag = wire.data() + header_bytes + 8;
    ByteSpan ciphertext = wire.subspan(header_bytes + tls_crypt_overhead);
    Unwrapped u;
    u.plain.resize(header_bytes + ciphertext.size());
    std::copy(header.begin(), header.end(), u.plain.begin());
    if (!aes256_ctr(ByteSpan(recv_.cipher.bytes), tag, ciphertext, u.plain.data() + header_bytes))
        return unexpected(WrapError::CryptoFailure);
    uint8_t check[tls_crypt_tag_bytes];
    if (!hmac("SHA256", ByteSpan(recv_.hmac.bytes),
              {header, pid_time, ByteSpan(u.plain).subspan(header_bytes)}, check))
        return unexpected(WrapError::CryptoFailure);
    if (!equal_secret(check, tag, tls_crypt_tag_bytes)) return unexpected(WrapError::AuthFailed);
    u.packet_id = PacketId::decode(pid_time.data());
    return u;
}

} // namespace vp::ovpn
