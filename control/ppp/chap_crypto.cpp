// MD4/MD5/SHA1/DES through an owned OpenSSL library context, and the CHAP/MS-CHAP/MPPE
// formulas built on them (see chap_crypto.hpp).
#include "control/ppp/chap_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <memory>

namespace vp::ppp {

namespace {

// One library context for the process's life with the default and legacy providers. A private
// context (not OSSL_PROVIDER_load(nullptr, ...)) keeps the legacy algorithms away from
// everything else that uses OpenSSL's default context.
struct LegacyContext {
    OSSL_LIB_CTX* ctx = nullptr;
    OSSL_PROVIDER* default_provider = nullptr;
    OSSL_PROVIDER* legacy_provider = nullptr;
    EVP_MD* md4 = nullptr;
    EVP_MD* md5 = nullptr;
    EVP_MD* sha1 = nullptr;
    EVP_CIPHER* des = nullptr;
    std::string error;

    LegacyContext() {
        ctx = OSSL_LIB_CTX_new();
        if (!ctx) {
            error = "OpenSSL: cannot create a library context";
            return;
        }
        default_provider = OSSL_PROVIDER_load(ctx, "default");
        legacy_provider = OSSL_PROVIDER_load(ctx, "legacy");
        if (!legacy_provider) {
            error = "OpenSSL's legacy provider (legacy.so) cannot be loaded: MS-CHAP needs its "
                    "MD4 and DES; install it or set OPENSSL_MODULES to its folder";
        }
        md4 = EVP_MD_fetch(ctx, "MD4", nullptr);
        md5 = EVP_MD_fetch(ctx, "MD5", nullptr);
        sha1 = EVP_MD_fetch(ctx, "SHA1", nullptr);
        des = EVP_CIPHER_fetch(ctx, "DES-ECB", nullptr);
        if (error.empty() && (!md4 || !des))
            error = "OpenSSL's legacy provider is loaded but offers no MD4 or DES-ECB";
        if (error.empty() && (!md5 || !sha1)) error = "OpenSSL offers no MD5 or SHA1";
        ERR_clear_error();
    }
    ~LegacyContext() {
        EVP_CIPHER_free(des);
        EVP_MD_free(sha1);
        EVP_MD_free(md5);
        EVP_MD_free(md4);
        if (legacy_provider) OSSL_PROVIDER_unload(legacy_provider);
        if (default_provider) OSSL_PROVIDER_unload(default_provider);
        OSSL_LIB_CTX_free(ctx);
    }
    LegacyContext(const LegacyContext&) = delete;
    LegacyContext& operator=(const LegacyContext&) = delete;
};

LegacyContext& legacy() {
    static LegacyContext context; // thread-safe one-time initialisation
    return context;
}

struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

template <size_t N>
std::optional<std::array<uint8_t, N>> digest(const EVP_MD* md,
                                             std::initializer_list<ByteSpan> parts) {
    if (!md || static_cast<size_t>(EVP_MD_get_size(md)) != N) return std::nullopt;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> c(EVP_MD_CTX_new());
    if (!c || EVP_DigestInit_ex(c.get(), md, nullptr) != 1) return std::nullopt;
    for (ByteSpan part : parts)
        if (EVP_DigestUpdate(c.get(), part.data(), part.size()) != 1) return std::nullopt;
    std::array<uint8_t, N> out{};
    unsigned len = 0;
    if (EVP_DigestFinal_ex(c.get(), out.data(), &len) != 1 || len != N) return std::nullopt;
    return out;
}

// RFC 2759 section 8.6: a 7-byte key spread over 8 bytes (the low bit of each is parity, which
// DES ignores).
std::array<uint8_t, 8> des_key(const uint8_t* k) {
    return {k[0],
            static_cast<uint8_t>(k[0] << 7 | k[1] >> 1),
            static_cast<uint8_t>(k[1] << 6 | k[2] >> 2),
            static_cast<uint8_t>(k[2] << 5 | k[3] >> 3),
            static_cast<uint8_t>(k[3] << 4 | k[4] >> 4),
            static_cast<uint8_t>(k[4] << 3 | k[5] >> 5),
            static_cast<uint8_t>(k[5] << 2 | k[6] >> 6),
            static_cast<uint8_t>(k[6] << 1)};
}

bool des_encrypt(const uint8_t* key7, const Challenge8& clear, uint8_t* out) {
    const EVP_CIPHER* des = legacy().des;
    if (!des) return false;
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> c(EVP_CIPHER_CTX_new());
    auto key = des_key(key7);
    int len = 0, tail = 0;
    return c && EVP_EncryptInit_ex2(c.get(), des, key.data(), nullptr, nullptr) == 1 &&
           EVP_CIPHER_CTX_set_padding(c.get(), 0) == 1 &&
           EVP_EncryptUpdate(c.get(), out, &len, clear.data(), 8) == 1 && len == 8 &&
           EVP_EncryptFinal_ex(c.get(), out + len, &tail) == 1 && tail == 0;
}

ByteSpan text(std::string_view s) {
    return as_bytes(s);
}

constexpr std::string_view kMagicServerSigning = "Magic server to client signing constant";
constexpr std::string_view kMagicPad = "Pad to make it do more than one iteration";
constexpr std::string_view kMagicMasterKey = "This is the MPPE Master Key";
constexpr std::string_view kMagicClientSend =
    "On the client side, this is the send key; on the server side, it is the receive key.";
constexpr std::string_view kMagicClientReceive =
    "On the client side, this is the receive key; on the server side, it is the send key.";

std::optional<Digest16> password_hash_hash(std::string_view password) {
    auto hash = nt_password_hash(password);
    if (!hash) return std::nullopt;
    return md4(*hash);
}

} // namespace

Status legacy_crypto_status() {
    const auto& l = legacy();
    if (!l.error.empty()) return make_error(l.error);
    return {};
}

std::optional<Digest16> md4(ByteSpan data) {
    return digest<16>(legacy().md4, {data});
}
std::optional<Digest16> md5(std::initializer_list<ByteSpan> parts) {
    return digest<16>(legacy().md5, parts);
}
std::optional<Digest20> sha1(std::initializer_list<ByteSpan> parts) {
    return digest<20>(legacy().sha1, parts);
}

bool random_bytes(MutableByteSpan out) {
    return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

std::optional<Digest16> chap_md5_response(uint8_t id, std::string_view secret, ByteSpan challenge) {
    const uint8_t ident[1] = {id};
    return md5({ident, text(secret), challenge});
}

std::optional<Digest16> nt_password_hash(std::string_view password) {
    // UTF-16LE of the password as Windows stores it. Passwords are taken as Latin-1/ASCII bytes
    // (RouterOS secrets are ASCII in practice); a UTF-8 password would need a real transcoder.
    Bytes unicode;
    unicode.reserve(password.size() * 2);
    for (char ch : password) {
        unicode.push_back(static_cast<uint8_t>(ch));
        unicode.push_back(0);
    }
    return md4(unicode);
}

std::string_view strip_domain(std::string_view user) {
    auto slash = user.rfind('\\');
    return slash == std::string_view::npos ? user : user.substr(slash + 1);
}

std::optional<Challenge8> challenge_hash(const Challenge16& peer_challenge,
                                         const Challenge16& authenticator_challenge,
                                         std::string_view user) {
    auto d = sha1({peer_challenge, authenticator_challenge, text(strip_domain(user))});
    if (!d) return std::nullopt;
    Challenge8 out;
    std::copy_n(d->begin(), 8, out.begin());
    return out;
}

std::optional<Response24> challenge_response(const Challenge8& challenge,
                                             const Digest16& password_hash) {
    uint8_t z[21] = {};
    std::copy(password_hash.begin(), password_hash.end(), z);
    Response24 out;
    for (int i = 0; i < 3; ++i)
        if (!des_encrypt(z + 7 * i, challenge, out.data() + 8 * i)) return std::nullopt;
    return out;
}

std::optional<Response24> mschapv2_nt_response(const Challenge16& authenticator_challenge,
                                               const Challenge16& peer_challenge,
                                               std::string_view user, std::string_view password) {
    auto chal = challenge_hash(peer_challenge, authenticator_challenge, user);
    auto hash = nt_password_hash(password);
    if (!chal || !hash) return std::nullopt;
    return challenge_response(*chal, *hash);
}

std::optional<std::string>
mschapv2_authenticator_response(std::string_view password, const Response24& nt_response,
                                const Challenge16& peer_challenge,
                                const Challenge16& authenticator_challenge, std::string_view user) {
    auto phh = password_hash_hash(password);
    if (!phh) return std::nullopt;
    auto digest1 = sha1({*phh, nt_response, text(kMagicServerSigning)});
    auto chal = challenge_hash(peer_challenge, authenticator_challenge, user);
    if (!digest1 || !chal) return std::nullopt;
    auto digest2 = sha1({*digest1, *chal, text(kMagicPad)});
    if (!digest2) return std::nullopt;
    return "S=" + hex_upper(*digest2);
}

std::optional<Response24> mschapv1_nt_response(const Challenge8& challenge,
                                               std::string_view password) {
    auto hash = nt_password_hash(password);
    if (!hash) return std::nullopt;
    return challenge_response(challenge, *hash);
}

std::optional<Digest16> mppe_master_key(std::string_view password, const Response24& nt_response) {
    auto phh = password_hash_hash(password);
    if (!phh) return std::nullopt;
    auto d = sha1({*phh, nt_response, text(kMagicMasterKey)});
    if (!d) return std::nullopt;
    Digest16 out;
    std::copy_n(d->begin(), 16, out.begin());
    return out;
}

std::optional<Digest16> mppe_asymmetric_key(const Digest16& master_key, bool is_send,
                                            bool is_server) {
    // The client's send key is the server's receive key: one magic string for each direction.
    std::string_view magic = is_send == is_server ? kMagicClientReceive : kMagicClientSend;
    static constexpr uint8_t kPad1[40] = {};
    uint8_t pad2[40];
    std::fill(std::begin(pad2), std::end(pad2), 0xF2);
    auto d = sha1({master_key, kPad1, text(magic), pad2});
    if (!d) return std::nullopt;
    Digest16 out;
    std::copy_n(d->begin(), 16, out.begin());
    return out;
}

std::optional<Hlak> mschapv2_hlak(std::string_view password, const Response24& nt_response) {
    auto master = mppe_master_key(password, nt_response);
    if (!master) return std::nullopt;
    auto receive = mppe_asymmetric_key(*master, false, true);
    auto send = mppe_asymmetric_key(*master, true, true);
    if (!receive || !send) return std::nullopt;
    Hlak out;
    std::copy(receive->begin(), receive->end(), out.begin());
    std::copy(send->begin(), send->end(), out.begin() + 16);
    return out;
}

std::optional<Hlak> mschapv1_hlak(std::string_view password, const Challenge8& challenge) {
    auto phh = password_hash_hash(password);
    if (!phh) return std::nullopt;
    auto d = sha1({*phh, *phh, challenge});
    if (!d) return std::nullopt;
    Hlak out;
    std::copy_n(d->begin(), 16, out.begin());
    std::copy_n(d->begin(), 16, out.begin() + 16);
    return out;
}

bool equal_secret(ByteSpan a, ByteSpan b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hex_upper(ByteSpan data) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(data.size() * 2);
    for (uint8_t b : data) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 15]);
    }
    return out;
}

} // namespace vp::ppp
