// TLS record keys (control path: validation and ipsec-mb precomputation through DataKey), the
// record header parser and the names of suites, errors and statuses.
#include "crypto/tls_record.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <cstring>

namespace vp::crypto {

namespace {

Cipher cipher_of(TlsSuite s) {
    switch (s) {
    case TlsSuite::Tls12Aes128Gcm:
    case TlsSuite::Tls13Aes128Gcm:
        return Cipher::Aes128Gcm;
    case TlsSuite::Tls12Aes256Gcm:
    case TlsSuite::Tls13Aes256Gcm:
        return Cipher::Aes256Gcm;
    case TlsSuite::Tls12Aes128CbcSha1:
    case TlsSuite::Tls12Aes128CbcSha256:
        return Cipher::Aes128Cbc;
    case TlsSuite::Tls12Aes256CbcSha1:
    case TlsSuite::Tls12Aes256CbcSha256:
        return Cipher::Aes256Cbc;
    case TlsSuite::Tls13ChaCha20Poly1305:
        return Cipher::ChaCha20Poly1305;
    }
    return Cipher::None;
}

Digest digest_of(TlsSuite s) {
    switch (s) {
    case TlsSuite::Tls12Aes128CbcSha1:
    case TlsSuite::Tls12Aes256CbcSha1:
        return Digest::Sha1;
    case TlsSuite::Tls12Aes128CbcSha256:
    case TlsSuite::Tls12Aes256CbcSha256:
        return Digest::Sha256;
    default:
        return Digest::None;
    }
}

} // namespace

std::string_view to_string(TlsSuite s) {
    switch (s) {
    case TlsSuite::Tls12Aes128Gcm:
        return "TLS1.2 AES-128-GCM";
    case TlsSuite::Tls12Aes256Gcm:
        return "TLS1.2 AES-256-GCM";
    case TlsSuite::Tls12Aes128CbcSha1:
        return "TLS1.2 AES-128-CBC HMAC-SHA1";
    case TlsSuite::Tls12Aes256CbcSha1:
        return "TLS1.2 AES-256-CBC HMAC-SHA1";
    case TlsSuite::Tls12Aes128CbcSha256:
        return "TLS1.2 AES-128-CBC HMAC-SHA256";
    case TlsSuite::Tls12Aes256CbcSha256:
        return "TLS1.2 AES-256-CBC HMAC-SHA256";
    case TlsSuite::Tls13Aes128Gcm:
        return "TLS1.3 AES-128-GCM";
    case TlsSuite::Tls13Aes256Gcm:
        return "TLS1.3 AES-256-GCM";
    case TlsSuite::Tls13ChaCha20Poly1305:
        return "TLS1.3 CHACHA20-POLY1305";
    }
    return "?";
}

TlsSuiteSizes tls_suite_sizes(TlsSuite s) {
    const Cipher c = cipher_of(s);
    if (is_tls13(s)) return {key_bytes(c), 12, 0};
    if (is_tls12_cbc(s)) return {key_bytes(c), 16, digest_bytes(digest_of(s))};
    return {key_bytes(c), 4, 0};
}

std::string_view to_string(TlsHeaderError e) {
    switch (e) {
    case TlsHeaderError::None:
        return "ok";
    case TlsHeaderError::Truncated:
        return "truncated";
    case TlsHeaderError::BadType:
        return "bad_type";
    case TlsHeaderError::BadVersion:
        return "bad_version";
    case TlsHeaderError::TooLong:
        return "too_long";
    case TlsHeaderError::Empty:
        return "empty";
    }
    return "?";
}

std::string_view to_string(TlsRecordStatus s) {
    switch (s) {
    case TlsRecordStatus::Ok:
        return "ok";
    case TlsRecordStatus::AuthFailed:
        return "auth_failed";
    case TlsRecordStatus::BadHeader:
        return "bad_header";
    case TlsRecordStatus::BadLength:
        return "bad_length";
    case TlsRecordStatus::NoContentType:
        return "no_content_type";
    case TlsRecordStatus::InvalidOp:
        return "invalid_op";
    case TlsRecordStatus::EngineError:
        return "engine_error";
    }
    return "?";
}

TlsHeaderParse parse_tls_record_header(ByteSpan bytes, bool tls13) noexcept {
    TlsHeaderParse r;
    if (bytes.size() < kTlsHeaderBytes) {
        r.error = TlsHeaderError::Truncated;
        return r;
    }
    r.header.type = bytes[0];
    r.header.version = static_cast<uint16_t>(bytes[1] << 8 | bytes[2]);
    r.header.length = static_cast<uint16_t>(bytes[3] << 8 | bytes[4]);
    const uint8_t t = r.header.type;
    if (tls13 ? t != static_cast<uint8_t>(TlsContentType::ApplicationData)
              : (t < static_cast<uint8_t>(TlsContentType::ChangeCipherSpec) ||
                 t > static_cast<uint8_t>(TlsContentType::ApplicationData)))
        r.error = TlsHeaderError::BadType;
    else if (r.header.version != kTlsVersion12)
        r.error = TlsHeaderError::BadVersion;
    else if (r.header.length > (tls13 ? kTls13MaxCiphertext : kTls12MaxCiphertext))
        r.error = TlsHeaderError::TooLong;
    else if (r.header.length == 0)
        r.error = TlsHeaderError::Empty;
    return r;
}

TlsRecordKey::~TlsRecordKey() {
    OPENSSL_cleanse(iv_, sizeof iv_);
}

Result<std::unique_ptr<TlsRecordKey>> TlsRecordKey::create(TlsSuite suite, ByteSpan enc_key,
                                                           ByteSpan iv, ByteSpan mac_key) {
    const TlsSuiteSizes sz = tls_suite_sizes(suite);
    if (enc_key.size() != sz.enc_key || iv.size() != sz.iv || mac_key.size() != sz.mac_key)
        return make_error(fmt::format("TLS record key: {} needs key/iv/mac {}/{}/{} bytes, got "
                                      "{}/{}/{}",
                                      to_string(suite), sz.enc_key, sz.iv, sz.mac_key,
                                      enc_key.size(), iv.size(), mac_key.size()));
    std::unique_ptr<TlsRecordKey> k(new TlsRecordKey());
    k->suite_ = suite;
    const Cipher c = cipher_of(suite);
    // DataKey's AEAD form wants OpenVPN's 8-byte implicit IV; TLS nonces are built from iv_
    // instead, so it gets zeros.
    static constexpr uint8_t kUnusedImplicitIv[DataKey::kImplicitIvBytes] = {};
    auto dk = is_tls12_cbc(suite)
                  ? DataKey::create(c, digest_of(suite), enc_key, mac_key, {})
                  : DataKey::create(c, Digest::None, enc_key, {}, ByteSpan(kUnusedImplicitIv));
    if (!dk) return dk.error();
    k->key_ = std::move(*dk);
    if (is_tls12_cbc(suite)) {
        k->mac_bytes_ = static_cast<uint8_t>(sz.mac_key);
        k->seal_offset_ = kTlsHeaderBytes + 16;
        k->seal_tail_ = static_cast<uint8_t>(sz.mac_key + 16);
    } else if (is_tls13(suite)) {
        std::memcpy(k->iv_, iv.data(), 12);
        k->seal_offset_ = kTlsHeaderBytes;
        k->seal_tail_ = 1 + 16;
    } else {
        std::memcpy(k->iv_, iv.data(), 4);
        k->seal_offset_ = kTlsHeaderBytes + 8;
        k->seal_tail_ = 16;
    }
    return k;
}

uint32_t TlsRecordKey::sealed_bytes(uint32_t plaintext_len) const {
    if (is_tls12_cbc(suite_)) return seal_offset_ + (plaintext_len + mac_bytes_ + 16) / 16 * 16;
    return seal_offset_ + plaintext_len + seal_tail_;
}

} // namespace vp::crypto
