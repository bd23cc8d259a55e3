// DataKey: input validation with actionable messages, OpenVPN key-block slicing, layout sizes,
// alignment.
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace vp::crypto {
namespace {

using namespace test;

Bytes filled(size_t n, uint8_t v) {
    return Bytes(n, v);
}

TEST(DataKey, RejectsWrongLengthsWithAMessageNamingTheProblem) {
    struct Case {
        Cipher c;
        Digest d;
        Bytes ck, hk, iv;
        const char* message_part;
    } const cases[] = {
        {Cipher::Aes128Gcm, Digest::None, filled(15, 1), {}, filled(8, 1), "needs a 16-byte key"},
        {Cipher::Aes256Cbc, Digest::Sha1, filled(16, 1), filled(20, 1), {}, "needs a 32-byte key"},
        {Cipher::ChaCha20Poly1305,
         Digest::None,
         filled(32, 1),
         {},
         filled(12, 1),
         "8-byte implicit IV"},
        {Cipher::Aes128Gcm, Digest::None, filled(16, 1), {}, {}, "8-byte implicit IV"},
        {Cipher::Aes128Gcm, Digest::Sha256, filled(16, 1), filled(32, 1), filled(8, 1),
         "takes no HMAC digest"},
        {Cipher::Aes128Cbc, Digest::Sha1, filled(16, 1), filled(20, 1), filled(8, 1),
         "takes no implicit IV"},
        {Cipher::Aes128Cbc, Digest::Sha1, filled(16, 1), {}, {}, "non-empty HMAC key"},
        {Cipher::Aes128Cbc, Digest::None, filled(16, 1), filled(20, 1), {}, "takes no HMAC key"},
        {Cipher::None, Digest::Md5, filled(1, 1), filled(16, 1), {}, "needs a 0-byte key"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.message_part);
        auto r = DataKey::create(c.c, c.d, c.ck, c.hk, c.iv);
        ASSERT_FALSE(r.ok());
        EXPECT_NE(r.message().find(c.message_part), std::string::npos) << r.message();
    }
}

TEST(DataKey, LayoutSizesFollowTheCipherAndDigest) {
    struct Case {
        Cipher c;
        Digest d;
        uint32_t auth, iv, tail;
    } const cases[] = {
        {Cipher::Aes256Gcm, Digest::None, 16, 0, 0},
        {Cipher::ChaCha20Poly1305, Digest::None, 16, 0, 0},
        {Cipher::Aes128Cbc, Digest::Sha1, 20, 16, 16},
        {Cipher::Aes256Cbc, Digest::Sha512, 64, 16, 16},
        {Cipher::Aes192Cbc, Digest::None, 0, 16, 16},
        {Cipher::None, Digest::Md5, 16, 0, 0},
        {Cipher::None, Digest::Sha256, 32, 0, 0},
        {Cipher::None, Digest::None, 0, 0, 0},
    };
    for (const auto& c : cases) {
        auto key = make_data_key(make_ref_key(c.c, c.d, 1));
        EXPECT_EQ(key->cipher(), c.c);
        EXPECT_EQ(key->digest(), c.d);
        EXPECT_EQ(key->auth_bytes(), c.auth);
        EXPECT_EQ(key->iv_bytes(), c.iv);
        EXPECT_EQ(key->header_bytes(), c.auth + c.iv);
        EXPECT_EQ(key->tail_bytes(), c.tail);
    }
}

TEST(DataKey, IsCacheLineAligned) {
    static_assert(alignof(DataKey) == 64);
    for (int i = 0; i < 8; ++i) {
        auto key = make_data_key(make_ref_key(Cipher::Aes128Gcm, Digest::None, 1));
        EXPECT_EQ(reinterpret_cast<uintptr_t>(key.get()) % 64, 0u);
    }
}

// from_openvpn_key takes key[i].cipher[0..N) and key[i].hmac[0..M) (or the implicit IV from
// hmac[0..8) for AEAD): a packet sealed with it opens with the explicitly sliced key.
TEST(DataKey, FromOpenVpnKeySlicesTheKeyBlockHalves) {
    Bytes cipher_half(64), hmac_half(64);
    for (size_t i = 0; i < 64; ++i) {
        cipher_half[i] = static_cast<uint8_t>(i);
        hmac_half[i] = static_cast<uint8_t>(0x80 + i);
    }
    auto eng = CryptoEngine::create();
    ASSERT_TRUE(eng.ok());
    struct Case {
        Cipher c;
        Digest d;
    } const cases[] = {{Cipher::Aes256Gcm, Digest::Sha1},
                       {Cipher::ChaCha20Poly1305, Digest::None},
                       {Cipher::Aes128Cbc, Digest::Sha1},
                       {Cipher::Aes256Cbc, Digest::Sha512},
                       {Cipher::None, Digest::Sha256}};
    for (const auto& c : cases) {
        SCOPED_TRACE(openvpn_name(c.c));
        auto k = DataKey::from_openvpn_key(c.c, c.d, cipher_half, hmac_half);
        ASSERT_TRUE(k.ok()) << k.message();
        RefKey ref;
        ref.cipher = c.c;
        ref.digest = is_aead(c.c) ? Digest::None : c.d;
        ref.cipher_key.assign(cipher_half.begin(), cipher_half.begin() + key_bytes(c.c));
        if (is_aead(c.c))
            ref.implicit_iv.assign(hmac_half.begin(), hmac_half.begin() + 8);
        else
            ref.hmac_key.assign(hmac_half.begin(), hmac_half.begin() + digest_bytes(ref.digest));
        EXPECT_EQ((*k)->digest(), ref.digest);
        Bytes buf;
        DataOp op = prepare_seal(buf, **k, 5, 77, bytes_of("key block"));
        (*eng)->process({&op, 1});
        ASSERT_EQ(op.status, OpStatus::Ok);
        auto opened = evp_open_packet(ref, sealed_packet(buf, op));
        ASSERT_TRUE(opened);
        EXPECT_EQ(opened->packet_id, 77u);
    }
    auto bad = DataKey::from_openvpn_key(Cipher::Aes128Gcm, Digest::None, Bytes(32), hmac_half);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("64-byte halves"), std::string::npos) << bad.message();
}

// Keys are built concurrently by control threads (the factory shares only an immutable ipsec-mb
// manager) and one key is read concurrently by every worker's engine.
TEST(DataKey, ConcurrentCreationAndSharedUseAcrossThreads) {
    RefKey shared_ref = make_ref_key(Cipher::Aes256Gcm, Digest::None, 99);
    auto shared_key = make_data_key(shared_ref);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto eng = CryptoEngine::create();
            if (!eng.ok()) {
                ++failures;
                return;
            }
            for (int i = 0; i < 200; ++i) {
                const auto seed = static_cast<uint32_t>(t * 1000 + i);
                RefKey ref = make_ref_key(i % 2 ? Cipher::Aes128Cbc : Cipher::Aes128Gcm,
                                          Digest::Sha256, seed);
                auto own = DataKey::create(ref.cipher, ref.digest, ref.cipher_key, ref.hmac_key,
                                           ref.implicit_iv);
                if (!own.ok()) {
                    ++failures;
                    continue;
                }
                for (auto [key, r] :
                     {std::pair{own->get(), &ref}, std::pair{shared_key.get(), &shared_ref}}) {
                    Bytes buf;
                    DataOp op = prepare_seal(buf, *key, 1, seed + 1, bytes_of("concurrent"));
                    (*eng)->process({&op, 1});
                    auto opened = evp_open_packet(*r, sealed_packet(buf, op));
                    if (op.status != OpStatus::Ok || !opened || opened->packet_id != seed + 1)
                        ++failures;
                }
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(failures.load(), 0);
}

} // namespace
} // namespace vp::crypto
