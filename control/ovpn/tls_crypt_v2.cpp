// tls-crypt-v2 client-key wrapping.
#include "control/ovpn/tls_crypt_v2.hpp"

#include "control/ovpn/wrap_crypto.hpp"

#include <openssl/crypto.h>

namespace vp::ovpn {

namespace {
constexpr size_t tag_bytes = 32;
}

Result<Bytes> wrap_client_key(const TlsCryptV2ServerKey& server, const StaticKey& client_key,
                              ByteSpan metadata) {
    if (metadata.size() > max_metadata_bytes)
        return make_error("tls-crypt-v2 metadata is longer than " +
                          std::to_string(max_metadata_bytes) + " bytes");
    size_t total = min_wkc_bytes + metadata.size();
    uint8_t len[2] = {static_cast<uint8_t>(total >> 8), static_cast<uint8_t>(total)};
    Bytes wkc(total);
    if (!hmac("SHA256", server.hmac().first(32),
              {ByteSpan(len, 2), ByteSpan(client_key.bytes), metadata}, wkc.data()))
        return make_error("HMAC-SHA256 unavailable");
    Bytes plain(client_key.bytes.begin(), client_key.bytes.end());
    plain.insert(plain.end(), metadata.begin(), metadata.end());
    bool ok = aes256_ctr(server.cipher().first(32), wkc.data(), plain, wkc.data() + tag_bytes);
    OPENSSL_cleanse(plain.data(), plain.size());
    if (!ok) return make_error("AES-256-CTR unavailable");
    wkc[total - 2] = len[0];
    wkc[total - 1] = len[1];
    return wkc;
}

Expected<UnwrappedClientKey, WrapError> unwrap_client_key(const TlsCryptV2ServerKey& server,
                                                          ByteSpan wkc) {
    if (wkc.size() < min_wkc_bytes || wkc.size() > max_wkc_bytes)
        return unexpected(WrapError::WkcInvalid);
    size_t declared = size_t{wkc[wkc.size() - 2]} << 8 | wkc[wkc.size() - 1];
    if (declared != wkc.size()) return unexpected(WrapError::WkcInvalid);
    ByteSpan tag = wkc.first(tag_bytes);
    ByteSpan ciphertext = wkc.subspan(tag_bytes, wkc.size() - tag_bytes - 2);
    Bytes plain(ciphertext.size());
    if (!aes256_ctr(server.cipher().first(32), tag.data(), ciphertext, plain.data()))
        return unexpected(WrapError::CryptoFailure);
    uint8_t check[tag_bytes];
    bool ok = hmac("SHA256", server.hmac().first(32), {wkc.last(2), ByteSpan(plain)}, check);
    if (!ok || !equal_secret(check, tag.data(), tag_bytes)) {
        OPENSSL_cleanse(plain.data(), plain.size());
        return unexpected(WrapError::WkcInvalid);
    }
    UnwrappedClientKey out;
    std::copy(plain.begin(), plain.begin() + 256, out.key.bytes.begin());
    out.metadata.assign(plain.begin() + 256, plain.end());
    OPENSSL_cleanse(plain.data(), plain.size());
    return out;
}

Expected<WkcSplit, WrapError> split_wkc(ByteSpan datagram) {
    // At least an opcode byte before WKc, and WKc's own length field.
    if (datagram.size() < 1 + 2) return unexpected(WrapError::WkcMissing);
    size_t wkc_len = size_t{datagram[datagram.size() - 2]} << 8 | datagram[datagram.size() - 1];
    if (wkc_len < min_wkc_bytes || wkc_len > max_wkc_bytes || wkc_len > datagram.size() - 1)
        return unexpected(WrapError::WkcMissing);
    return WkcSplit{datagram.first(datagram.size() - wkc_len), datagram.last(wkc_len)};
}

std::string describe_metadata(ByteSpan metadata) {
    if (metadata.empty()) return "empty";
    if (metadata[0] == metadata_type_timestamp && metadata.size() == 9) {
        uint64_t t = 0;
        for (size_t i = 1; i < 9; ++i)
            t = t << 8 | metadata[i];
        return "timestamp " + std::to_string(t);
    }
    if (metadata[0] == metadata_type_user)
        return "user data (" + std::to_string(metadata.size() - 1) + " bytes)";
    return "type " + std::to_string(metadata[0]) + " (" + std::to_string(metadata.size() - 1) +
           " bytes)";
}

} // namespace vp::ovpn
