// Key-log capture (per SSL, in ex_data), TLS 1.2 key block and TLS 1.3 traffic-key derivation
// through crypto/kdf (OpenSSL's EVP_KDF "TLS1-PRF" and "TLS13-KDF"), and the hand-over checks.
#include "control/tls/key_export.hpp"

#include "crypto/kdf.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include <array>
#include <cstring>

namespace vp::tls {

namespace {

constexpr size_t kRandomBytes = 32;
constexpr size_t kMaxSecret = 64;

struct Secret {
    std::array<uint8_t, kMaxSecret> b{};
    size_t len = 0;
};

// What the key-log callback saw for one SSL. Freed (and wiped) with the SSL.
struct Captured {
    std::array<uint8_t, kRandomBytes> client_random{};
    Secret master;         // TLS 1.2: CLIENT_RANDOM
    Secret client_traffic; // TLS 1.3: CLIENT_TRAFFIC_SECRET_0
    Secret server_traffic; // TLS 1.3: SERVER_TRAFFIC_SECRET_0
    bool random_mismatch = false;
    bool have_random = false;
};

void free_captured(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
    if (ptr == nullptr) return;
    OPENSSL_cleanse(ptr, sizeof(Captured));
    delete static_cast<Captured*>(ptr);
}

int captured_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_captured);
    return index;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes hex into out (at most cap bytes); false on odd length, bad digit or overflow.
bool unhex(std::string_view hex, uint8_t* out, size_t cap, size_t& len) {
    if (hex.size() % 2 != 0 || hex.size() / 2 > cap) return false;
    for (size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
    }
    len = hex.size() / 2;
    return true;
}

// NSS key-log line: "<LABEL> <client random hex> <secret hex>".
void on_keylog_line(const SSL* ssl, const char* line) {
    std::string_view l(line);
    const size_t sp1 = l.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : l.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return;
    const std::string_view label = l.substr(0, sp1);
    Secret* target = nullptr;
    auto* cap = static_cast<Captured*>(SSL_get_ex_data(ssl, captured_index()));
    if (cap == nullptr) {
        cap = new (std::nothrow) Captured();
        if (cap == nullptr || SSL_set_ex_data(const_cast<SSL*>(ssl), captured_index(), cap) != 1) {
            delete cap;
            return;
        }
    }
    if (label == "CLIENT_RANDOM")
        target = &cap->master;
    else if (label == "CLIENT_TRAFFIC_SECRET_0")
        target = &cap->client_traffic;
    else if (label == "SERVER_TRAFFIC_SECRET_0")
        target = &cap->server_traffic;
    else
        return; // handshake and exporter secrets: not needed
    std::array<uint8_t, kRandomBytes> random{};
    size_t random_len = 0;
    if (!unhex(l.substr(sp1 + 1, sp2 - sp1 - 1), random.data(), random.size(), random_len) ||
        random_len != kRandomBytes)
        return;
    if (cap->have_random && random != cap->client_random) cap->random_mismatch = true;
    cap->client_random = random;
    cap->have_random = true;
    Secret s;
    if (unhex(l.substr(sp2 + 1), s.b.data(), s.b.size(), s.len)) *target = s;
    OPENSSL_cleanse(s.b.data(), s.b.size());
}

ByteSpan span_of(const Secret& s) {
    return ByteSpan(s.b.data(), s.len);
}

struct SuiteInfo {
    crypto::TlsSuite suite;
    const EVP_MD* handshake_md;
};

Result<SuiteInfo> suite_of(const SSL_CIPHER* c, bool tls13) {
    if (c == nullptr) return make_error("TLS offload: no cipher suite negotiated");
    const int cipher = SSL_CIPHER_get_cipher_nid(c);
    const int digest = SSL_CIPHER_get_digest_nid(c);
    const EVP_MD* md = SSL_CIPHER_get_handshake_digest(c);
    using S = crypto::TlsSuite;
    auto unsupported = [&] {
        return make_error(fmt::format("TLS offload: suite {} is not supported by the worker "
                                      "record layer",
                                      SSL_CIPHER_get_name(c)));
    };
    if (md == nullptr) return unsupported();
    if (tls13) {
        if (cipher == NID_aes_128_gcm) return SuiteInfo{S::Tls13Aes128Gcm, md};
        if (cipher == NID_aes_256_gcm) return SuiteInfo{S::Tls13Aes256Gcm, md};
        if (cipher == NID_chacha20_poly1305) return SuiteInfo{S::Tls13ChaCha20Poly1305, md};
        return unsupported();
    }
    if (cipher == NID_aes_128_gcm) return SuiteInfo{S::Tls12Aes128Gcm, md};
    if (cipher == NID_aes_256_gcm) return SuiteInfo{S::Tls12Aes256Gcm, md};
    if (cipher == NID_aes_128_cbc && digest == NID_sha1)
        return SuiteInfo{S::Tls12Aes128CbcSha1, md};
    if (cipher == NID_aes_256_cbc && digest == NID_sha1)
        return SuiteInfo{S::Tls12Aes256CbcSha1, md};
    if (cipher == NID_aes_128_cbc && digest == NID_sha256)
        return SuiteInfo{S::Tls12Aes128CbcSha256, md};
    if (cipher == NID_aes_256_cbc && digest == NID_sha256)
        return SuiteInfo{S::Tls12Aes256CbcSha256, md};
    return unsupported();
}

void wipe(Bytes& b) {
    if (!b.empty()) OPENSSL_cleanse(b.data(), b.size());
}

Bytes take(ByteSpan block, size_t& at, size_t n) {
    Bytes out(block.begin() + static_cast<ptrdiff_t>(at),
              block.begin() + static_cast<ptrdiff_t>(at + n));
    at += n;
    return out;
}

} // namespace

RecordDirectionKeys::~RecordDirectionKeys() {
    wipe(enc_key);
    wipe(iv);
    wipe(mac_key);
}

RecordKeys::~RecordKeys() {
    wipe(client_traffic_secret);
    wipe(server_traffic_secret);
}

Status configure_for_offload(SSL_CTX* ctx) {
    if (ctx == nullptr) return make_error("TLS offload: no context");
    if (captured_index() < 0) return make_error("TLS offload: no SSL ex_data index");
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
        return make_error("TLS offload: cannot turn TLS 1.3 tickets off");
    SSL_CTX_set_keylog_callback(ctx, on_keylog_line);
    return {};
}

Result<RecordDirectionKeys> tls13_traffic_keys(crypto::TlsSuite suite, std::string_view digest,
                                               ByteSpan secret) {
    const crypto::TlsSuiteSizes sz = crypto::tls_suite_sizes(suite);
    auto key = crypto::hkdf_expand_label(digest, secret, "key", {}, sz.enc_key);
    if (!key) return key.error();
    auto iv = crypto::hkdf_expand_label(digest, secret, "iv", {}, sz.iv);
    if (!iv) return iv.error();
    RecordDirectionKeys k;
    k.enc_key = std::move(*key);
    k.iv = std::move(*iv);
    return k;
}

Result<Bytes> tls13_next_traffic_secret(std::string_view digest, ByteSpan secret) {
    return crypto::hkdf_expand_label(digest, secret, "traffic upd", {}, secret.size());
}

Result<std::unique_ptr<crypto::TlsRecordKey>> make_record_key(crypto::TlsSuite suite,
                                                              const RecordDirectionKeys& keys) {
    return crypto::TlsRecordKey::create(suite, keys.enc_key, keys.iv, keys.mac_key);
}

KeyUpdateSecrets::~KeyUpdateSecrets() {
    wipe(client_secret);
    wipe(server_secret);
}

Result<std::unique_ptr<crypto::TlsRecordKey>>
tls13_update_key(crypto::TlsSuite suite, std::string_view digest, Bytes& secret) {
    auto next = tls13_next_traffic_secret(digest, secret);
    if (!next.ok()) return next.error();
    wipe(secret);
    secret = std::move(*next);
    auto keys = tls13_traffic_keys(suite, digest, secret);
    if (!keys.ok()) return keys.error();
    return make_record_key(suite, *keys);
}

Result<RecordKeys> export_record_keys(SSL* ssl) {
    if (ssl == nullptr || SSL_is_init_finished(ssl) != 1)
        return make_error("TLS offload: the handshake has not finished");
    if (SSL_CTX_get_keylog_callback(SSL_get_SSL_CTX(ssl)) != on_keylog_line)
        return make_error("TLS offload: the context was not set up by configure_for_offload");
    const auto* cap = static_cast<const Captured*>(SSL_get_ex_data(ssl, captured_index()));
    if (cap == nullptr) return make_error("TLS offload: OpenSSL logged no secrets");
    std::array<uint8_t, kRandomBytes> client_random{}, server_random{};
    if (SSL_get_client_random(ssl, client_random.data(), kRandomBytes) != kRandomBytes ||
        SSL_get_server_random(ssl, server_random.data(), kRandomBytes) != kRandomBytes)
        return make_error("TLS offload: no handshake randoms");
    if (cap->random_mismatch || !cap->have_random || cap->client_random != client_random)
        return make_error("TLS offload: logged secrets belong to another handshake");
    const uint64_t opts = SSL_get_options(ssl);
    if ((opts & SSL_OP_NO_RENEGOTIATION) == 0)
        return make_error("TLS offload: renegotiation is not disabled");

    const bool tls13 = SSL_version(ssl) == TLS1_3_VERSION;
    if (!tls13 && SSL_version(ssl) != TLS1_2_VERSION)
        return make_error(fmt::format("TLS offload: {} is not supported", SSL_get_version(ssl)));
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    auto info = suite_of(cipher, tls13);
    if (!info) return info.error();

    RecordKeys out;
    out.version = tls13 ? Version::Tls13 : Version::Tls12;
    out.suite = info->suite;
    out.suite_name = SSL_CIPHER_get_name(cipher);
    out.digest = OBJ_nid2sn(EVP_MD_get_type(info->handshake_md));

    if (tls13) {
        if (SSL_get_num_tickets(ssl) != 0)
            return make_error("TLS offload: TLS 1.3 tickets would be sent after the handshake");
        if (cap->client_traffic.len == 0 || cap->server_traffic.len == 0)
            return make_error("TLS offload: OpenSSL logged no TLS 1.3 traffic secrets");
        auto c = tls13_traffic_keys(out.suite, out.digest, span_of(cap->client_traffic));
        if (!c) return c.error();
        auto s = tls13_traffic_keys(out.suite, out.digest, span_of(cap->server_traffic));
        if (!s) return s.error();
        out.client_write = std::move(*c);
        out.server_write = std::move(*s);
        out.client_write.seq = 0;
        out.server_write.seq = 0;
        ByteSpan cs = span_of(cap->client_traffic), ss = span_of(cap->server_traffic);
        out.client_traffic_secret.assign(cs.begin(), cs.end());
        out.server_traffic_secret.assign(ss.begin(), ss.end());
        return out;
    }

    if (crypto::is_tls12_cbc(out.suite) && (opts & SSL_OP_NO_ENCRYPT_THEN_MAC) == 0)
        return make_error("TLS offload: encrypt-then-MAC may have been negotiated");
    if (cap->master.len == 0) return make_error("TLS offload: OpenSSL logged no master secret");
    // TLS 1.2's PRF hash is SHA-256 unless the suite names SHA-384; OpenSSL reports MD5-SHA1
    // for suites older than TLS 1.2 (AES256-SHA), whose TLS 1.2 PRF is still SHA-256.
    const int md = EVP_MD_get_type(info->handshake_md) == NID_sha384 ? NID_sha384 : NID_sha256;
    out.digest = OBJ_nid2sn(md);
    const crypto::TlsSuiteSizes sz = crypto::tls_suite_sizes(out.suite);
    // Key block (RFC 5246 §6.3): client MAC, server MAC, client key, server key, client IV,
    // server IV; seed = server_random || client_random.
    std::array<uint8_t, 2 * kRandomBytes> seed{};
    std::memcpy(seed.data(), server_random.data(), kRandomBytes);
    std::memcpy(seed.data() + kRandomBytes, client_random.data(), kRandomBytes);
    auto block = crypto::tls_prf(
        md == NID_sha256 ? crypto::PrfHash::Sha256 : crypto::PrfHash::Sha384, span_of(cap->master),
        "key expansion", seed, 2 * (sz.mac_key + sz.enc_key + sz.iv));
    if (!block) return block.error();
    size_t at = 0;
    out.client_write.mac_key = take(*block, at, sz.mac_key);
    out.server_write.mac_key = take(*block, at, sz.mac_key);
    out.client_write.enc_key = take(*block, at, sz.enc_key);
    out.server_write.enc_key = take(*block, at, sz.enc_key);
    out.client_write.iv = take(*block, at, sz.iv);
    out.server_write.iv = take(*block, at, sz.iv);
    wipe(*block);
    // Each side's Finished was record 0 under these keys.
    out.client_write.seq = 1;
    out.server_write.seq = 1;
    return out;
}

} // namespace vp::tls
