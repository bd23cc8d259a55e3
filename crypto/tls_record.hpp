// TLS record protection for a worker that owns a TLS session's record layer after the handshake
// (SSTP; docs/tls-record.md): the record header parser, one direction's record key
// (TlsRecordKey), and the per-record operation (TlsRecordOp) that CryptoEngine::process_records
// seals or opens in batches on the engine's own ipsec-mb manager (crypto/tls_record_engine.cpp).
//
// Record layouts (everything in place, `record` points at the 5-byte header):
//
//   TLS 1.2 AES-GCM (RFC 5288)   hdr | explicit nonce 8 (= seq) | ciphertext | tag 16
//   TLS 1.2 AES-CBC + HMAC       hdr | IV 16 | CBC(plaintext | MAC | padding)   (MAC-then-encrypt)
//   TLS 1.3 AEAD (RFC 8446)      hdr | AEAD(plaintext | inner type | zero padding) | tag 16
//
// Seal: the caller writes the plaintext at record + key.seal_offset() and sets len to its byte
// count and type to its content type; it leaves key.seal_tail() writable bytes after it. The
// engine writes the header, the nonce/IV, encrypts and authenticates; out_len = record bytes
// (header included). TLS 1.3 seals add no padding (the inner type byte only).
// Open: len = whole record bytes as received (header included). On Ok the plaintext is
// record[out_offset, out_offset + out_len) and type is its content type (TLS 1.3: the inner
// type). On any authentication failure the decrypted bytes are zeroed and out_len is 0.
// For CBC a bad MAC and bad padding are the same status (AuthFailed), reached after the same
// work: RFC 5246 §6.2.3.2 and the Lucky 13 attack (crypto/tls_record_engine.cpp explains how).
//
// Sequence numbers belong to the caller (one per record and direction, starting where the
// hand-over left them: control/tls/key_export.hpp); the engine never increments them.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/data_key.hpp"

#include <cstdint>
#include <memory>
#include <string_view>

namespace vp::crypto {

enum class TlsSuite : uint8_t {
    Tls12Aes128Gcm,
    Tls12Aes256Gcm,
    Tls12Aes128CbcSha1,
    Tls12Aes256CbcSha1,
    Tls12Aes128CbcSha256,
    Tls12Aes256CbcSha256,
    Tls13Aes128Gcm,
    Tls13Aes256Gcm,
    Tls13ChaCha20Poly1305,
};

constexpr bool is_tls13(TlsSuite s) {
    return s == TlsSuite::Tls13Aes128Gcm || s == TlsSuite::Tls13Aes256Gcm ||
           s == TlsSuite::Tls13ChaCha20Poly1305;
}
constexpr bool is_tls12_cbc(TlsSuite s) {
    return s == TlsSuite::Tls12Aes128CbcSha1 || s == TlsSuite::Tls12Aes256CbcSha1 ||
           s == TlsSuite::Tls12Aes128CbcSha256 || s == TlsSuite::Tls12Aes256CbcSha256;
}
std::string_view to_string(TlsSuite s);

// Key material sizes of a suite, as the key block / traffic-secret expansion produces them.
struct TlsSuiteSizes {
    uint32_t enc_key; // 16 or 32
    uint32_t iv;      // TLS 1.2 GCM: 4 (salt); CBC: 16 (in the key block, unused: explicit IVs);
                      // TLS 1.3: 12
    uint32_t mac_key; // CBC: 20 (SHA-1) or 32 (SHA-256); AEAD: 0
};
TlsSuiteSizes tls_suite_sizes(TlsSuite s);

// --- record header -------------------------------------------------------------------------

inline constexpr uint32_t kTlsHeaderBytes = 5;
inline constexpr uint32_t kTlsMaxPlaintext = 1u << 14;
inline constexpr uint32_t kTls12MaxCiphertext = kTlsMaxPlaintext + 2048;
inline constexpr uint32_t kTls13MaxCiphertext = kTlsMaxPlaintext + 256;
inline constexpr uint16_t kTlsVersion12 = 0x0303;

enum class TlsContentType : uint8_t {
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
};

struct TlsRecordHeader {
    uint8_t type = 0;
    uint16_t version = 0;
    uint16_t length = 0; // bytes after the header
};

enum class TlsHeaderError : uint8_t {
    None,
    Truncated,  // fewer than 5 bytes
    BadType,    // not 20..23 (TLS 1.3: not 23, the only type a protected record has)
    BadVersion, // not 0x0303
    TooLong,    // over 2^14 + 2048 (TLS 1.2) or 2^14 + 256 (TLS 1.3)
    Empty,      // length 0: no protected record is empty
};
std::string_view to_string(TlsHeaderError e);

struct TlsHeaderParse {
    TlsHeaderError error = TlsHeaderError::None;
    TlsRecordHeader header;
    bool ok() const { return error == TlsHeaderError::None; }
};

// Parses the 5-byte header at the start of `bytes` (a stream may hold more after it). Reads no
// more than 5 bytes. `tls13`: the session negotiated TLS 1.3 (tighter type and length rules).
TlsHeaderParse parse_tls_record_header(ByteSpan bytes, bool tls13) noexcept;

// --- keys -----------------------------------------------------------------------------------

// One direction's record protection key. Immutable once built; workers only read it.
class TlsRecordKey {
public:
    // enc_key, iv and mac_key must have exactly the sizes tls_suite_sizes(suite) gives.
    static Result<std::unique_ptr<TlsRecordKey>> create(TlsSuite suite, ByteSpan enc_key,
                                                        ByteSpan iv, ByteSpan mac_key);
    ~TlsRecordKey();
    TlsRecordKey(const TlsRecordKey&) = delete;
    TlsRecordKey& operator=(const TlsRecordKey&) = delete;

    TlsSuite suite() const { return suite_; }
    // Where a seal's plaintext starts (header + explicit nonce / IV).
    uint32_t seal_offset() const { return seal_offset_; }
    // Writable bytes a seal needs after the plaintext (tag; CBC: MAC + up to 16 of padding;
    // TLS 1.3: inner type + tag).
    uint32_t seal_tail() const { return seal_tail_; }
    // Record bytes (header included) that sealing `plaintext_len` bytes produces.
    uint32_t sealed_bytes(uint32_t plaintext_len) const;

private:
    TlsRecordKey() = default;
    friend class CryptoEngine;

    TlsSuite suite_ = TlsSuite::Tls12Aes128Gcm;
    uint8_t mac_bytes_ = 0;   // CBC: HMAC output bytes
    uint8_t seal_offset_ = 0; // 5 + 8 (1.2 GCM), 5 + 16 (CBC), 5 (1.3)
    uint8_t seal_tail_ = 0;
    uint8_t iv_[12] = {};          // 1.2 GCM: salt in the first 4; 1.3: the 12-byte IV
    std::unique_ptr<DataKey> key_; // cipher schedule and HMAC states
};

// --- per-record operation --------------------------------------------------------------------

enum class TlsRecordStatus : uint8_t {
    Ok,
    AuthFailed,    // open: tag, MAC or (CBC) padding wrong; one status so it is no oracle
    BadHeader,     // open: header does not parse (type, version, length) or disagrees with len
    BadLength,     // too short for its suite, over the plaintext limit, or (CBC) not whole blocks
    NoContentType, // TLS 1.3 open: authenticated but the inner plaintext is all zero
    InvalidOp,     // caller bug: no key or record
    EngineError,   // ipsec-mb refused a job: a bug, never caused by record contents
};
std::string_view to_string(TlsRecordStatus s);

struct TlsRecordOp {
    // --- inputs ---
    const TlsRecordKey* key = nullptr;
    uint8_t* record = nullptr;
    uint64_t seq = 0;
    uint32_t len = 0;  // seal: plaintext bytes; open: record bytes including the header
    uint8_t type = 23; // seal: content type; open: set to the (inner) content type
    bool open = false; // false: seal
    // --- outputs ---
    TlsRecordStatus status = TlsRecordStatus::Ok;
    uint32_t out_offset = 0; // open: plaintext starts at record + out_offset
    uint32_t out_len = 0;    // seal: record bytes; open: plaintext bytes
};

static_assert(sizeof(TlsRecordOp) <= 48);

} // namespace vp::crypto
