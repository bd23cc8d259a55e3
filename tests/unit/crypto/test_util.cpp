// OpenVPN data-channel packets computed with OpenSSL EVP, the reference the engine is checked
// against.
#include "test_util.hpp"

#include "base/bytes.hpp"
#include "base/ossl_ptr.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

namespace vp::crypto::test {

namespace {

using CtxPtr = OsslPtr<EVP_CIPHER_CTX>;

void check(int rc, const char* what) {
    if (rc != 1) throw std::runtime_error(std::string("EVP failure: ") + what);
}

Bytes hmac(const RefKey& k, ByteSpan data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    if (HMAC(evp_md(k.digest), k.hmac_key.data(), static_cast<int>(k.hmac_key.size()), data.data(),
             data.size(), out.data(), &len) == nullptr)
        throw std::runtime_error("HMAC failed");
    out.resize(len);
    return out;
}

std::optional<Bytes> cbc_crypt(const RefKey& k, ByteSpan iv, ByteSpan in, bool encrypt,
                               bool padding) {
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    check(EVP_CipherInit_ex(ctx.get(), evp_cipher(k.cipher), nullptr, k.cipher_key.data(),
                            iv.data(), encrypt ? 1 : 0),
          "cbc init");
    EVP_CIPHER_CTX_set_padding(ctx.get(), padding ? 1 : 0);
    Bytes out(in.size() + 32);
    int len = 0, fin = 0;
    if (EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) !=
            1 ||
        EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin) != 1)
        return std::nullopt;
    out.resize(static_cast<size_t>(len + fin));
    return out;
}

Bytes header(uint32_t peer_id, uint8_t key_id) {
    Bytes out;
    ByteWriter(out).be32((uint32_t{9} << 3 | key_id) << 24 | (peer_id & 0xFFFFFF));
    return out;
}

Bytes seal_non_aead(const RefKey& k, ByteSpan plain, ByteSpan cbc_iv, bool pad) {
    Bytes covered; // IV || ciphertext, or the plaintext for cipher none
    if (is_cbc(k.cipher)) {
        covered.assign(cbc_iv.begin(), cbc_iv.end());
        std::optional<Bytes> ct = cbc_crypt(k, cbc_iv, plain, true, pad);
        if (!ct) throw std::runtime_error("CBC encrypt failed");
        covered.insert(covered.end(), ct->begin(), ct->end());
    } else {
        covered.assign(plain.begin(), plain.end());
    }
    Bytes out;
    if (k.digest != Digest::None) out = hmac(k, covered);
    out.insert(out.end(), covered.begin(), covered.end());
    return out;
}

} // namespace

Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

Bytes bytes_of(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

RefKey make_ref_key(Cipher c, Digest d, uint32_t seed) {
    std::mt19937 rng(seed);
    auto random_bytes = [&](size_t n) {
        Bytes b(n);
        for (auto& x : b)
            x = static_cast<uint8_t>(rng());
        return b;
    };
    RefKey k;
    k.cipher = c;
    k.digest = is_aead(c) ? Digest::None : d;
    k.cipher_key = random_bytes(key_bytes(c));
    k.hmac_key = random_bytes(digest_bytes(k.digest));
    if (is_aead(c)) k.implicit_iv = random_bytes(8);
    return k;
}

Bytes evp_seal_packet(const RefKey& k, uint32_t peer_id, uint8_t key_id, uint32_t packet_id,
                      ByteSpan payload, ByteSpan cbc_iv) {
    Bytes pkt = header(peer_id, key_id);
    if (is_aead(k.cipher)) {
        ByteWriter(pkt).be32(packet_id);
        uint8_t nonce[12];
        std::memcpy(nonce, pkt.data() + 4, 4);
        std::memcpy(nonce + 4, k.implicit_iv.data(), 8);
        CtxPtr ctx(EVP_CIPHER_CTX_new());
        check(EVP_EncryptInit_ex(ctx.get(), evp_cipher(k.cipher), nullptr, k.cipher_key.data(),
                                 nonce),
              "aead init");
        int len = 0;
        check(EVP_EncryptUpdate(ctx.get(), nullptr, &len, pkt.data(), 8), "aad");
        Bytes ct(payload.size() + 16);
        check(EVP_EncryptUpdate(ctx.get(), ct.data(), &len, payload.data(),
                                static_cast<int>(payload.size())),
              "encrypt");
        int fin = 0;
        check(EVP_EncryptFinal_ex(ctx.get(), ct.data() + len, &fin), "final");
        ct.resize(static_cast<size_t>(len + fin));
        uint8_t tag[16];
        check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, tag), "get tag");
        pkt.insert(pkt.end(), tag, tag + 16);
        pkt.insert(pkt.end(), ct.begin(), ct.end());
        return pkt;
    }
    Bytes plain;
    ByteWriter(plain).be32(packet_id);
    plain.insert(plain.end(), payload.begin(), payload.end());
    Bytes region = seal_non_aead(k, plain, cbc_iv, true);
    pkt.insert(pkt.end(), region.begin(), region.end());
    return pkt;
}

Bytes evp_seal_packet_raw_cbc(const RefKey& k, uint32_t packet_id, ByteSpan payload,
                              ByteSpan raw_tail, ByteSpan cbc_iv) {
    Bytes pkt = header(1, 0);
    Bytes plain;
    ByteWriter(plain).be32(packet_id);
    plain.insert(plain.end(), payload.begin(), payload.end());
    plain.insert(plain.end(), raw_tail.begin(), raw_tail.end());
    if (plain.size() % 16 != 0) throw std::runtime_error("raw CBC plaintext not block-aligned");
    Bytes region = seal_non_aead(k, plain, cbc_iv, false);
    pkt.insert(pkt.end(), region.begin(), region.end());
    return pkt;
}

std::optional<OpenedPacket> evp_open_packet(const RefKey& k, ByteSpan packet) {
    if (packet.size() < kDataV2HeaderBytes) return std::nullopt;
    if (is_aead(k.cipher)) {
        if (packet.size() < 8 + 16) return std::nullopt;
        uint8_t nonce[12];
        std::memcpy(nonce, packet.data() + 4, 4);
        std::memcpy(nonce + 4, k.implicit_iv.data(), 8);
        CtxPtr ctx(EVP_CIPHER_CTX_new());
        check(EVP_DecryptInit_ex(ctx.get(), evp_cipher(k.cipher), nullptr, k.cipher_key.data(),
                                 nonce),
              "aead init");
        int len = 0;
        check(EVP_DecryptUpdate(ctx.get(), nullptr, &len, packet.data(), 8), "aad");
        ByteSpan ct = packet.subspan(24);
        Bytes pt(ct.size() + 16);
        check(EVP_DecryptUpdate(ctx.get(), pt.data(), &len, ct.data(), static_cast<int>(ct.size())),
              "decrypt");
        uint8_t tag[16];
        std::memcpy(tag, packet.data() + 8, 16);
        check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, 16, tag), "set tag");
        int fin = 0;
        if (EVP_DecryptFinal_ex(ctx.get(), pt.data() + len, &fin) != 1) return std::nullopt;
        pt.resize(static_cast<size_t>(len + fin));
        return OpenedPacket{load_be32(packet.data() + 4), std::move(pt)};
    }
    ByteSpan region = packet.subspan(kDataV2HeaderBytes);
    const size_t hlen = digest_bytes(k.digest);
    if (region.size() < hlen) return std::nullopt;
    ByteSpan covered = region.subspan(hlen);
    if (hlen != 0) {
        Bytes mac = hmac(k, covered);
        if (std::memcmp(mac.data(), region.data(), hlen) != 0) return std::nullopt;
    }
    Bytes plain;
    if (is_cbc(k.cipher)) {
        if (covered.size() < 32) return std::nullopt;
        std::optional<Bytes> p = cbc_crypt(k, covered.first(16), covered.subspan(16), false, true);
        if (!p) return std::nullopt;
        plain = std::move(*p);
    } else {
        plain.assign(covered.begin(), covered.end());
    }
    if (plain.size() < 4) return std::nullopt;
    return OpenedPacket{load_be32(plain.data()), Bytes(plain.begin() + 4, plain.end())};
}

std::unique_ptr<DataKey> make_data_key(const RefKey& k) {
    auto r = DataKey::create(k.cipher, k.digest, k.cipher_key, k.hmac_key, k.implicit_iv);
    if (!r.ok()) throw std::runtime_error(r.message());
    return std::move(r).value();
}

DataOp prepare_seal(Bytes& buf, const DataKey& key, uint32_t peer_id, uint32_t packet_id,
                    ByteSpan payload) {
    buf = header(peer_id, 0);
    DataOp op;
    op.key = &key;
    op.direction = Direction::Seal;
    if (is_aead(key.cipher())) {
        ByteWriter(buf).be32(packet_id);
        buf.resize(buf.size() + key.header_bytes());
        buf.insert(buf.end(), payload.begin(), payload.end());
        op.data = buf.data() + 8;
        op.len = static_cast<uint32_t>(payload.size());
        op.aad = buf.data();
        op.aad_len = 8;
        op.packet_id = buf.data() + 4;
        return op;
    }
    buf.resize(buf.size() + key.header_bytes());
    ByteWriter(buf).be32(packet_id);
    buf.insert(buf.end(), payload.begin(), payload.end());
    buf.resize(buf.size() + key.tail_bytes(), 0xEE);
    op.data = buf.data() + kDataV2HeaderBytes;
    op.len = static_cast<uint32_t>(4 + payload.size());
    return op;
}

Bytes sealed_packet(const Bytes& buf, const DataOp& op) {
    const size_t start = static_cast<size_t>(op.data - buf.data());
    return Bytes(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(start + op.out_len));
}

DataOp prepare_open(Bytes& buf, const DataKey& key) {
    DataOp op;
    op.key = &key;
    op.direction = Direction::Open;
    const size_t hdr = is_aead(key.cipher()) ? 8 : kDataV2HeaderBytes;
    if (buf.size() < hdr) buf.resize(hdr); // callers test short regions via op.len
    op.data = buf.data() + hdr;
    op.len = static_cast<uint32_t>(buf.size() - hdr);
    if (is_aead(key.cipher())) {
        op.aad = buf.data();
        op.aad_len = 8;
        op.packet_id = buf.data() + 4;
    }
    return op;
}

OpenedPacket opened_packet(const Bytes& buf, const DataOp& op) {
    const uint8_t* body = op.data + op.out_offset;
    if (is_aead(op.key->cipher()))
        return {load_be32(buf.data() + 4), Bytes(body, body + op.out_len)};
    if (op.out_len < 4) throw std::runtime_error("opened body shorter than a packet-id");
    return {load_be32(body), Bytes(body + 4, body + op.out_len)};
}

} // namespace vp::crypto::test
