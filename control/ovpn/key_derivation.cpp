// Key block derivation and slicing.
#include "control/ovpn/key_derivation.hpp"

#include "crypto/kdf.hpp"

#include <algorithm>

namespace vp::ovpn {

Result<KeyBlock> derive_key_block_prf(const KeyMethod2& client, const KeyMethod2& server,
                                      const SessionId& client_sid, const SessionId& server_sid) {
    if (!client.pre_master) return make_error("the client's key method 2 message has no secret");
    Bytes seed;
    seed.insert(seed.end(), client.random1.bytes.begin(), client.random1.bytes.end());
    seed.insert(seed.end(), server.random1.bytes.begin(), server.random1.bytes.end());
    auto master = crypto::tls_prf(crypto::PrfHash::Md5Sha1, ByteSpan(client.pre_master->bytes),
                                  "OpenVPN master secret", seed, 48);
    if (!master) return master.error();

    seed.clear();
    seed.insert(seed.end(), client.random2.bytes.begin(), client.random2.bytes.end());
    seed.insert(seed.end(), server.random2.bytes.begin(), server.random2.bytes.end());
    seed.insert(seed.end(), client_sid.begin(), client_sid.end());
    seed.insert(seed.end(), server_sid.begin(), server_sid.end());
    auto expansion =
        crypto::tls_prf(crypto::PrfHash::Md5Sha1, *master, "OpenVPN key expansion", seed, 256);
    OPENSSL_cleanse(master->data(), master->size());
    if (!expansion) return expansion.error();
    KeyBlock block;
    std::copy(expansion->begin(), expansion->end(), block.bytes.begin());
    OPENSSL_cleanse(expansion->data(), expansion->size());
    return block;
}

Result<KeyBlock> derive_key_block_ekm(const tls::Session& tls) {
    auto material = tls.export_keying_material(ekm_label, 256);
    if (!material) return material.error();
    KeyBlock block;
    std::copy(material->begin(), material->end(), block.bytes.begin());
    OPENSSL_cleanse(material->data(), material->size());
    return block;
}

namespace {

void fill(DirectionKeys& out, const KeyBlock& block, int k, crypto::Cipher cipher,
          crypto::Digest digest) {
    ByteSpan cipher_part = block.span(static_cast<size_t>(k) * 128, 64);
    ByteSpan hmac_part = block.span(static_cast<size_t>(k) * 128 + 64, 64);
    std::copy_n(cipher_part.begin(), crypto::key_bytes(cipher), out.cipher_key.begin());
    if (crypto::is_aead(cipher))
        std::copy_n(hmac_part.begin(), out.implicit_iv.size(), out.implicit_iv.begin());
    else
        std::copy_n(hmac_part.begin(), crypto::digest_bytes(digest), out.hmac_key.begin());
}

} // namespace

DataKeys make_data_keys(const KeyBlock& block, crypto::Cipher cipher, crypto::Digest digest,
                        uint8_t key_id) {
    DataKeys keys;
    keys.key_id = key_id;
    keys.cipher = cipher;
    keys.digest = crypto::is_aead(cipher) ? crypto::Digest::None : digest;
    fill(keys.client_to_server, block, 0, cipher, keys.digest);
    fill(keys.server_to_client, block, 1, cipher, keys.digest);
    return keys;
}

} // namespace vp::ovpn
