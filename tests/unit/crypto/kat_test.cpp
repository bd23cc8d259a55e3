// Known-answer tests of the engine's primitives against published vectors: AES-GCM (McGrew &
// Viega, "The Galois/Counter Mode of Operation", test cases 2-4, 10, 13, 14, 16),
// ChaCha20-Poly1305 (RFC 8439 §2.8.2), AES-CBC (NIST SP 800-38A F.2.1/F.2.3/F.2.5) and HMAC
// (RFC 2202 for MD5/SHA-1, RFC 4231 for SHA-256/SHA-512). Each runs through CryptoEngine in the
// OpenVPN layouts: a 12-byte AEAD nonce splits into packet-id (first 4) and implicit IV (last 8).
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace vp::crypto {
namespace {

using test::bytes_of;
using test::from_hex;

std::unique_ptr<CryptoEngine> engine() {
    auto e = CryptoEngine::create();
    EXPECT_TRUE(e.ok()) << e.message();
    return std::move(e).value();
}

struct AeadVector {
    const char* name;
    Cipher cipher;
    const char* key;
    const char* nonce;
    const char* aad;
    const char* plaintext;
    const char* ciphertext;
    const char* tag;
};

constexpr const char* kGcmP64 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
    "b525b16aedf5aa0de657ba637b391aafd255";
constexpr const char* kGcmP60 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
    "b525b16aedf5aa0de657ba637b39";
constexpr const char* kGcmAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
constexpr const char* kGcmIv = "cafebabefacedbaddecaf888";

const AeadVector kAeadVectors[] = {
    {"gcm-tc2", Cipher::Aes128Gcm, "00000000000000000000000000000000", "000000000000000000000000",
     "", "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"gcm-tc3", Cipher::Aes128Gcm, "feffe9928665731c6d6a8f9467308308", kGcmIv, "", kGcmP64,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84"
     "aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"gcm-tc4", Cipher::Aes128Gcm, "feffe9928665731c6d6a8f9467308308", kGcmIv, kGcmAad, kGcmP60,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84"
     "aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"gcm-tc10", Cipher::Aes192Gcm, "feffe9928665731c6d6a8f9467308308feffe9928665731c", kGcmIv,
     kGcmAad, kGcmP60,
     "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a"
     "3f4718e2448b2fe324d9ccda2710",
     "2519498e80f1478f37ba55bd6d27618c"},
    {"gcm-tc13", Cipher::Aes256Gcm,
     "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"gcm-tc14", Cipher::Aes256Gcm,
     "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"gcm-tc16", Cipher::Aes256Gcm,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", kGcmIv, kGcmAad, kGcmP60,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10568"
     "28838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    // RFC 8439 §2.8.2: key 80..9f, nonce 07000000 || 4041424344454647.
    {"rfc8439-2.8.2", Cipher::ChaCha20Poly1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "070000004041424344454647",
     "50515253c0c1c2c3c4c5c6c7",
     "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a20496620"
     "4920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c"
     "2073756e73637265656e20776f756c642062652069742e",
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92"
     "728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b"
     "4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
     "1ae10b594f09e26a7e902ecbd0600691"},
};

TEST(CryptoKat, AeadSealAndOpenMatchPublishedVectors) {
    auto eng = engine();
    for (const auto& v : kAeadVectors) {
        SCOPED_TRACE(v.name);
        Bytes nonce = from_hex(v.nonce), aad = from_hex(v.aad), pt = from_hex(v.plaintext);
        Bytes ct = from_hex(v.ciphertext), tag = from_hex(v.tag);
        auto key = DataKey::create(v.cipher, Digest::None, from_hex(v.key), {},
                                   ByteSpan(nonce).subspan(4));
        ASSERT_TRUE(key.ok()) << key.message();

        Bytes region(16 + pt.size());
        std::copy(pt.begin(), pt.end(), region.begin() + 16);
        DataOp op;
        op.key = key->get();
        op.data = region.data();
        op.len = static_cast<uint32_t>(pt.size());
        op.aad = aad.data();
        op.aad_len = static_cast<uint16_t>(aad.size());
        op.packet_id = nonce.data();
        eng->process({&op, 1});
        ASSERT_EQ(op.status, OpStatus::Ok);
        ASSERT_EQ(op.out_len, 16 + pt.size());
        EXPECT_EQ(to_hex(ByteSpan(region).first(16)), to_hex(tag));
        EXPECT_EQ(to_hex(ByteSpan(region).subspan(16)), to_hex(ct));

        op.direction = Direction::Open;
        op.len = static_cast<uint32_t>(region.size());
        eng->process({&op, 1});
        ASSERT_EQ(op.status, OpStatus::Ok);
        EXPECT_EQ(op.out_offset, 16u);
        EXPECT_EQ(to_hex(ByteSpan(region).subspan(op.out_offset, op.out_len)), to_hex(pt));
    }
}

// SP 800-38A F.2: four blocks under IV 000102..0f. The engine always appends PKCS#7 padding, so
// the sealed body is the four published blocks plus one block of padding.
TEST(CryptoKat, AesCbcMatchesSp80038a) {
    struct V {
        Cipher cipher;
        const char* key;
        const char* ciphertext;
    } const vectors[] = {
        {Cipher::Aes128Cbc, "2b7e151628aed2a6abf7158809cf4f3c",
         "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e"
         "222295163ff1caa1681fac09120eca307586e1a7"},
        {Cipher::Aes192Cbc, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
         "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac"
         "3df102e008b0e27988598881d920a9e64f5615cd"},
        {Cipher::Aes256Cbc, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
         "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e263"
         "04231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
    };
    const Bytes pt = from_hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                              "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    const Bytes iv = from_hex("000102030405060708090a0b0c0d0e0f");
    auto eng = engine();
    for (const auto& v : vectors) {
        SCOPED_TRACE(openvpn_name(v.cipher));
        auto key = DataKey::create(v.cipher, Digest::None, from_hex(v.key), {}, {});
        ASSERT_TRUE(key.ok()) << key.message();
        Bytes region(16 + pt.size() + 16);
        std::copy(iv.begin(), iv.end(), region.begin());
        std::copy(pt.begin(), pt.end(), region.begin() + 16);
        DataOp op;
        op.key = key->get();
        op.data = region.data();
        op.len = static_cast<uint32_t>(pt.size());
        op.caller_iv = true;
        eng->process({&op, 1});
        ASSERT_EQ(op.status, OpStatus::Ok);
        ASSERT_EQ(op.out_len, 16 + pt.size() + 16);
        EXPECT_EQ(to_hex(ByteSpan(region).first(16)), to_hex(iv));
        EXPECT_EQ(to_hex(ByteSpan(region).subspan(16, pt.size())), v.ciphertext);

        op.direction = Direction::Open;
        op.len = op.out_len;
        eng->process({&op, 1});
        ASSERT_EQ(op.status, OpStatus::Ok);
        EXPECT_EQ(to_hex(ByteSpan(region).subspan(op.out_offset, op.out_len)), to_hex(pt));
    }
}

// HMAC through the "cipher none + auth" layout [HMAC][body].
TEST(CryptoKat, HmacMatchesRfc2202AndRfc4231) {
    const std::string long_key_data = "Test Using Larger Than Block-Size Key - Hash Key First";
    struct V {
        Digest digest;
        Bytes key;
        Bytes data;
        const char* mac;
    } const vectors[] = {
        // RFC 2202 §2 (HMAC-MD5) test cases 1, 2, 3, 6.
        {Digest::Md5, Bytes(16, 0x0b), bytes_of("Hi There"), "9294727a3638bb1c13f48ef8158bfc9d"},
        {Digest::Md5, bytes_of("Jefe"), bytes_of("what do ya want for nothing?"),
         "750c783e6ab0b503eaa86e310a5db738"},
        {Digest::Md5, Bytes(16, 0xaa), Bytes(50, 0xdd), "56be34521d144c88dbb8c733f0e8b3f6"},
        {Digest::Md5, Bytes(80, 0xaa), bytes_of(long_key_data), "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
        // RFC 2202 §3 (HMAC-SHA-1) test cases 1, 2, 3, 6.
        {Digest::Sha1, Bytes(20, 0x0b), bytes_of("Hi There"),
         "b617318655057264e28bc0b6fb378c8ef146be00"},
        {Digest::Sha1, bytes_of("Jefe"), bytes_of("what do ya want for nothing?"),
         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {Digest::Sha1, Bytes(20, 0xaa), Bytes(50, 0xdd),
         "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
        {Digest::Sha1, Bytes(80, 0xaa), bytes_of(long_key_data),
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
        // RFC 4231 test cases 1, 2, 6 (SHA-256 and SHA-512).
        {Digest::Sha256, Bytes(20, 0x0b), bytes_of("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {Digest::Sha256, bytes_of("Jefe"), bytes_of("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {Digest::Sha256, Bytes(131, 0xaa), bytes_of(long_key_data),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {Digest::Sha512, Bytes(20, 0x0b), bytes_of("Hi There"),
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274e"
         "aea3f4e4be9d914eeb61f1702e696c203a126854"},
        {Digest::Sha512, bytes_of("Jefe"), bytes_of("what do ya want for nothing?"),
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65"
         "f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
        {Digest::Sha512, Bytes(131, 0xaa), bytes_of(long_key_data),
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd221"
         "5d6a1e5295e64f73f63f0aec8b915a985d786598"},
    };
    auto eng = engine();
    for (const auto& v : vectors) {
        SCOPED_TRACE(std::string(openvpn_name(v.digest)) + " key " + std::to_string(v.key.size()));
        auto key = DataKey::create(Cipher::None, v.digest, {}, v.key, {});
        ASSERT_TRUE(key.ok()) << key.message();
        const uint32_t mac_len = digest_bytes(v.digest);
        Bytes region(mac_len + v.data.size());
        std::copy(v.data.begin(), v.data.end(), region.begin() + mac_len);
        DataOp op;
        op.key = key->get();
        op.data = region.data();
        op.len = static_cast<uint32_t>(v.data.size());
        eng->process({&op, 1});
        ASSERT_EQ(op.status, OpStatus::Ok);
        EXPECT_EQ(op.out_len, region.size());
        EXPECT_EQ(to_hex(ByteSpan(region).first(mac_len)), v.mac);

        op.direction = Direction::Open;
        op.len = op.out_len;
        eng->process({&op, 1});
        EXPECT_EQ(op.status, OpStatus::Ok);
        EXPECT_EQ(op.out_offset, mac_len);
        EXPECT_EQ(op.out_len, v.data.size());
    }
}

} // namespace
} // namespace vp::crypto
