// Key-derivation functions the control plane needs, all computed by OpenSSL's EVP_KDF:
// the TLS PRF (TLS 1.0/1.1's MD5+SHA1 split, which OpenVPN's legacy key method 2 derivation
// uses, and TLS 1.2's single-hash PRF, for SSTP's record-layer key block) and HKDF-Expand-Label
// (TLS 1.3 traffic keys).
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"

#include <string_view>

namespace vp::crypto {

enum class PrfHash { Md5Sha1, Sha256, Sha384 };

// PRF(secret, label, seed) truncated to out_len bytes (RFC 2246 §5, RFC 5246 §5).
Result<Bytes> tls_prf(PrfHash hash, ByteSpan secret, std::string_view label, ByteSpan seed,
                      size_t out_len);

// HKDF-Expand-Label(secret, label, context, length) of RFC 8446 §7.1 ("tls13 " is prepended).
Result<Bytes> hkdf_expand_label(std::string_view digest, ByteSpan secret, std::string_view label,
                                ByteSpan context, size_t out_len);

} // namespace vp::crypto
