// SSTP crypto binding with OpenSSL: EVP_Digest for the certificate hashes, EVP_MAC (HMAC) for
// the CMK and the Compound MAC, CRYPTO_memcmp for every comparison.
#include "control/sstp/crypto_binding.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <string_view>

namespace vp::sstp {
namespace {

struct MacFree {
    void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
    void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};

const char* digest_name(HashProtocol h) {
    return h == HashProtocol::Sha1 ? "SHA1" : "SHA256";
}

Result<HashField> hmac(HashProtocol h, ByteSpan key, std::span<const ByteSpan> parts) {
    std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) return make_error("SSTP crypto binding: HMAC unavailable");
    std::unique_ptr<EVP_MAC_CTX, MacFree> ctx(EVP_MAC_CTX_new(mac.get()));
    if (!ctx) return make_error("SSTP crypto binding: out of memory");
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                            const_cast<char*>(digest_name(h)), 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
        ERR_clear_error();
        return make_error(std::string("SSTP crypto binding: HMAC-") + digest_name(h) +
                          " init failed");
    }
    for (ByteSpan p : parts)
        if (EVP_MAC_update(ctx.get(), p.data(), p.size()) != 1)
            return make_error("SSTP crypto binding: HMAC update failed");
    HashField out{};
    size_t len = 0;
    if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != hash_bytes(h))
        return make_error("SSTP crypto binding: HMAC final failed");
    return out;
}

bool equal_ct(const uint8_t* a, const uint8_t* b, size_t n) {
    return CRYPTO_memcmp(a, b, n) == 0;
}

} // namespace

Result<CertHashes> cert_hashes(ByteSpan leaf_der) {
    CertHashes out;
    unsigned int len = 0;
    if (EVP_Digest(leaf_der.data(), leaf_der.size(), out.sha1.data(), &len, EVP_sha1(), nullptr) !=
            1 ||
        len != 20)
        return make_error("SSTP crypto binding: SHA1 of the certificate failed");
    if (EVP_Digest(leaf_der.data(), leaf_der.size(), out.sha256.data(), &len, EVP_sha256(),
                   nullptr) != 1 ||
        len != 32)
        return make_error("SSTP crypto binding: SHA256 of the certificate failed");
    return out;
}

Result<HashField> derive_cmk(HashProtocol h, std::span<const uint8_t, kHlakBytes> hlak) {
    static constexpr std::string_view kSeed = "SSTP inner method derived CMK";
    const auto n = static_cast<uint16_t>(hash_bytes(h));
    const uint8_t tail[3] = {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8), 0x01};
    const ByteSpan parts[] = {
        ByteSpan(reinterpret_cast<const uint8_t*>(kSeed.data()), kSeed.size()), ByteSpan(tail)};
    return hmac(h, hlak, parts);
}

Result<HashField> compound_mac(HashProtocol h, const HashField& cmk, ByteSpan call_connected) {
    if (call_connected.size() != kCallConnectedBytes)
        return make_error("SSTP crypto binding: Call Connected is not 112 bytes");
    static constexpr uint8_t kZeroMac[kHashFieldBytes] = {};
    const ByteSpan parts[] = {call_connected.first(kCallConnectedMacOffset), ByteSpan(kZeroMac)};
    return hmac(h, ByteSpan(cmk.data(), hash_bytes(h)), parts);
}

Status sign_call_connected(MutableByteSpan call_connected,
                           std::span<const uint8_t, kHlakBytes> hlak) {
    auto msg = parse_control(call_connected);
    if (!msg || msg->type != static_cast<uint16_t>(MessageType::CallConnected))
        return make_error("SSTP crypto binding: not a Call Connected message");
    auto binding = call_connected_binding(*msg);
    if (!binding) return make_error("SSTP crypto binding: malformed Crypto Binding attribute");
    auto cmk = derive_cmk(binding->hash, hlak);
    if (!cmk) return cmk.error();
    auto mac = compound_mac(binding->hash, *cmk, call_connected);
    if (!mac) return mac.error();
    std::memcpy(call_connected.data() + kCallConnectedMacOffset, mac->data(), mac->size());
    return {};
}

const char* to_string(BindingCheck c) {
    switch (c) {
    case BindingCheck::Ok:
        return "ok";
    case BindingCheck::Malformed:
        return "malformed Call Connected";
    case BindingCheck::HashNotOffered:
        return "hash protocol not offered";
    case BindingCheck::NonceMismatch:
        return "nonce mismatch";
    case BindingCheck::CertHashMismatch:
        return "certificate hash mismatch";
    case BindingCheck::MacMismatch:
        return "compound MAC mismatch";
    case BindingCheck::CryptoError:
        return "crypto error";
    }
    return "?";
}

BindingCheck verify_call_connected(ByteSpan call_connected, const BindingExpectation& expect,
                                   std::span<const uint8_t, kHlakBytes> hlak) {
    if (call_connected.size() != kCallConnectedBytes) return BindingCheck::Malformed;
    auto msg = parse_control(call_connected);
    if (!msg || msg->type != static_cast<uint16_t>(MessageType::CallConnected))
        return BindingCheck::Malformed;
    auto b = call_connected_binding(*msg);
    if (!b) return BindingCheck::Malformed;
    const uint8_t bit = b->hash == HashProtocol::Sha1 ? kHashBitmaskSha1 : kHashBitmaskSha256;
    if ((expect.hash_bitmask & bit) == 0) return BindingCheck::HashNotOffered;
    if (!equal_ct(b->nonce.data(), expect.nonce.data(), kNonceBytes))
        return BindingCheck::NonceMismatch;
    // Only the hash's own length is compared: clients differ in what they put in the padding.
    const size_t n = hash_bytes(b->hash);
    if (!equal_ct(b->cert_hash.data(), expect.cert.for_protocol(b->hash).data(), n))
        return BindingCheck::CertHashMismatch;
    auto cmk = derive_cmk(b->hash, hlak);
    if (!cmk) return BindingCheck::CryptoError;
    auto mac = compound_mac(b->hash, *cmk, call_connected);
    if (!mac) return BindingCheck::CryptoError;
    if (!equal_ct(b->compound_mac.data(), mac->data(), n)) return BindingCheck::MacMismatch;
    return BindingCheck::Ok;
}

} // namespace vp::sstp
