// TEST HARNESS ONLY: EVP-based data channel.
#include "tests/ovpn_harness/data_channel.hpp"

#include "base/bytes.hpp"
#include "control/tls/ossl.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>

namespace vp::test {

using crypto::Cipher;

namespace {

uint16_t checksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += uint32_t{p[i]} << 8 | p[i + 1];
    if (n & 1) sum += uint32_t{p[n - 1]} << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

} // namespace

std::optional<Decrypted> decrypt_data(const ovpn::DataKeys& k, ByteSpan pkt, bool v2) {
    const size_t hdr = v2 ? 4 : 1;
    const EVP_CIPHER* cipher = evp_cipher(k.cipher);
    if (!cipher) return std::nullopt;
    tls::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    Decrypted out;
    int len = 0, fin = 0;
    if (crypto::is_aead(k.cipher)) {
        if (pkt.size() < hdr + 4 + 16) return std::nullopt;
        const uint8_t* pid = pkt.data() + hdr;
        const uint8_t* tag = pid + 4;
        ByteSpan ct = pkt.subspan(hdr + 20);
        uint8_t nonce[12];
        std::memcpy(nonce, pid, 4);
        std::memcpy(nonce + 4, k.client_to_server.implicit_iv.data(), 8);
        out.payload.resize(ct.size() + 16);
        if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) != 1 ||
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, k.client_to_server.cipher_key.data(),
                               nonce) != 1)
            return std::nullopt;
        const uint8_t* ad = v2 ? pkt.data() : pid;
        int ad_len = v2 ? 8 : 4;
        if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, ad, ad_len) != 1 ||
            EVP_DecryptUpdate(ctx.get(), out.payload.data(), &len, ct.data(),
                              static_cast<int>(ct.size())) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, 16, const_cast<uint8_t*>(tag)) !=
                1 ||
            EVP_DecryptFinal_ex(ctx.get(), out.payload.data() + len, &fin) != 1)
            return std::nullopt;
        out.payload.resize(static_cast<size_t>(len + fin));
        out.packet_id = load_be32(pid);
        return out;
    }
    size_t hmac_len = crypto::digest_bytes(k.digest);
    if (pkt.size() < hdr + hmac_len + 16 + 16) return std::nullopt;
    const uint8_t* mac = pkt.data() + hdr;
    ByteSpan signed_part = pkt.subspan(hdr + hmac_len);
    if (hmac_len) {
        uint8_t check[64];
        unsigned int check_len = 0;
        HMAC(evp_md(k.digest), k.client_to_server.hmac_key.data(), static_cast<int>(hmac_len),
             signed_part.data(), signed_part.size(), check, &check_len);
        if (check_len != hmac_len || CRYPTO_memcmp(check, mac, hmac_len) != 0) return std::nullopt;
    }
    const uint8_t* iv = signed_part.data();
    ByteSpan ct = signed_part.subspan(16);
    Bytes plain(ct.size() + 16);
    if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, k.client_to_server.cipher_key.data(), iv) !=
            1 ||
        EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ct.data(), static_cast<int>(ct.size())) !=
            1 ||
        EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &fin) != 1)
        return std::nullopt;
    plain.resize(static_cast<size_t>(len + fin));
    if (plain.size() < 4) return std::nullopt;
    out.packet_id = load_be32(plain.data());
    out.payload.assign(plain.begin() + 4, plain.end());
    return out;
}

Bytes encrypt_data(const ovpn::DataKeys& k, std::optional<uint32_t> peer_id, uint32_t packet_id,
                   ByteSpan payload) {
    Bytes out;
    const EVP_CIPHER* cipher = evp_cipher(k.cipher);
    if (!cipher) return out;
    tls::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    uint8_t op = static_cast<uint8_t>((peer_id ? 9 : 6) << 3 | k.key_id);
    out.push_back(op);
    if (peer_id) {
        out.push_back(static_cast<uint8_t>(*peer_id >> 16));
        out.push_back(static_cast<uint8_t>(*peer_id >> 8));
        out.push_back(static_cast<uint8_t>(*peer_id));
    }
    const size_t hdr = out.size();
    int len = 0, fin = 0;
    if (crypto::is_aead(k.cipher)) {
        out.resize(hdr + 4 + 16 + payload.size() + 16);
        uint8_t* pid = out.data() + hdr;
        store_be32(pid, packet_id);
        uint8_t nonce[12];
        std::memcpy(nonce, pid, 4);
        std::memcpy(nonce + 4, k.server_to_client.implicit_iv.data(), 8);
        uint8_t* ct = pid + 20;
        const uint8_t* ad = peer_id ? out.data() : pid;
        int ad_len = peer_id ? 8 : 4;
        EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr);
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr);
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, k.server_to_client.cipher_key.data(),
                           nonce);
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, ad, ad_len);
        EVP_EncryptUpdate(ctx.get(), ct, &len, payload.data(), static_cast<int>(payload.size()));
        EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin);
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, pid + 4);
        out.resize(hdr + 20 + static_cast<size_t>(len + fin));
        return out;
    }
    size_t hmac_len = crypto::digest_bytes(k.digest);
    Bytes plain(4 + payload.size());
    store_be32(plain.data(), packet_id);
    std::memcpy(plain.data() + 4, payload.data(), payload.size());
    out.resize(hdr + hmac_len + 16 + plain.size() + 16);
    uint8_t* iv = out.data() + hdr + hmac_len;
    RAND_bytes(iv, 16);
    EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, k.server_to_client.cipher_key.data(), iv);
    EVP_EncryptUpdate(ctx.get(), iv + 16, &len, plain.data(), static_cast<int>(plain.size()));
    EVP_EncryptFinal_ex(ctx.get(), iv + 16 + len, &fin);
    size_t signed_len = 16 + static_cast<size_t>(len + fin);
    out.resize(hdr + hmac_len + signed_len);
    if (hmac_len) {
        unsigned int mac_len = 0;
        HMAC(evp_md(k.digest), k.server_to_client.hmac_key.data(), static_cast<int>(hmac_len),
             out.data() + hdr + hmac_len, signed_len, out.data() + hdr, &mac_len);
    }
    return out;
}

std::optional<Bytes> answer_icmp_echo(ByteSpan ip, uint32_t local) {
    if (ip.size() < 20 || (ip[0] >> 4) != 4) return std::nullopt;
    size_t ihl = size_t{ip[0] & 0x0fu} * 4;
    size_t total = size_t{ip[2]} << 8 | ip[3];
    if (ihl < 20 || total > ip.size() || total < ihl + 8 || ip[9] != 1) return std::nullopt;
    if (load_be32(ip.data() + 16) != local || ip[ihl] != 8) return std::nullopt;
    Bytes r(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(total));
    std::memcpy(r.data() + 12, ip.data() + 16, 4);
    std::memcpy(r.data() + 16, ip.data() + 12, 4);
    r[8] = 64;
    r[10] = r[11] = 0;
    uint16_t c = checksum(r.data(), ihl);
    r[10] = static_cast<uint8_t>(c >> 8);
    r[11] = static_cast<uint8_t>(c);
    r[ihl] = 0; // echo reply
    r[ihl + 2] = r[ihl + 3] = 0;
    c = checksum(r.data() + ihl, total - ihl);
    r[ihl + 2] = static_cast<uint8_t>(c >> 8);
    r[ihl + 3] = static_cast<uint8_t>(c);
    return r;
}

} // namespace vp::test
