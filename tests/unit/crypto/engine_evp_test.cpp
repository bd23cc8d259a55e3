// Cross-check of CryptoEngine against OpenSSL EVP on whole OpenVPN DATA_V2 packets: every
// cipher × digest combination OpenVPN accepts (AEAD ciphers with no --auth; CBC and cipher none
// with every digest including none), every payload size 0..1500, in both directions (engine seal
// → EVP open, EVP seal → engine open), with all combinations mixed in each batch.
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace vp::crypto {
namespace {

using namespace test;

struct Combo {
    RefKey ref;
    std::unique_ptr<DataKey> key;
};

std::vector<Combo> all_combos() {
    const Cipher ciphers[] = {Cipher::None,      Cipher::Aes128Cbc,       Cipher::Aes192Cbc,
                              Cipher::Aes256Cbc, Cipher::Aes128Gcm,       Cipher::Aes192Gcm,
                              Cipher::Aes256Gcm, Cipher::ChaCha20Poly1305};
    const Digest digests[] = {Digest::None, Digest::Md5, Digest::Sha1, Digest::Sha256,
                              Digest::Sha512};
    std::vector<Combo> out;
    uint32_t seed = 1;
    for (Cipher c : ciphers) {
        for (Digest d : digests) {
            if (is_aead(c) && d != Digest::None) continue; // OpenVPN ignores --auth with AEAD
            Combo combo;
            combo.ref = make_ref_key(c, d, seed++);
            combo.key = make_data_key(combo.ref);
            out.push_back(std::move(combo));
        }
    }
    return out;
}

std::string combo_name(const Combo& c) {
    return std::string(openvpn_name(c.ref.cipher)) + "/" + std::string(openvpn_name(c.ref.digest));
}

Bytes payload_of(size_t size, uint32_t seed) {
    std::mt19937 rng(seed);
    Bytes p(size);
    for (auto& b : p)
        b = static_cast<uint8_t>(rng());
    return p;
}

class EngineVsEvp : public ::testing::TestWithParam<SubmitMode> {};

TEST_P(EngineVsEvp, EveryComboEverySizeBothDirections) {
    auto eng_r = CryptoEngine::create(GetParam());
    ASSERT_TRUE(eng_r.ok()) << eng_r.message();
    auto& eng = *eng_r;
    auto combos = all_combos();
    ASSERT_EQ(combos.size(), 24u);
    std::mt19937 rng(42);

    std::vector<Bytes> bufs(combos.size());
    std::vector<DataOp> ops(combos.size());
    for (size_t size = 0; size <= 1500; ++size) {
        SCOPED_TRACE("payload " + std::to_string(size));
        const Bytes payload = payload_of(size, static_cast<uint32_t>(size));

        // Engine seal → EVP open. The order of combos in the batch is shuffled per size.
        std::vector<size_t> order(combos.size());
        for (size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::shuffle(order.begin(), order.end(), rng);
        for (size_t j = 0; j < order.size(); ++j) {
            const Combo& c = combos[order[j]];
            ops[j] =
                prepare_seal(bufs[j], *c.key, 0x123456, static_cast<uint32_t>(size + 1), payload);
        }
        eng->process(ops);
        for (size_t j = 0; j < order.size(); ++j) {
            const Combo& c = combos[order[j]];
            SCOPED_TRACE(combo_name(c));
            ASSERT_EQ(ops[j].status, OpStatus::Ok);
            auto opened = evp_open_packet(c.ref, sealed_packet(bufs[j], ops[j]));
            ASSERT_TRUE(opened.has_value()) << "EVP rejected the engine's packet";
            EXPECT_EQ(opened->packet_id, size + 1);
            EXPECT_EQ(opened->payload, payload);
        }

        // EVP seal → engine open.
        for (size_t j = 0; j < order.size(); ++j) {
            const Combo& c = combos[order[j]];
            Bytes iv = payload_of(16, static_cast<uint32_t>(size * 31 + j));
            bufs[j] =
                evp_seal_packet(c.ref, 0x123456, 0, static_cast<uint32_t>(size + 7), payload, iv);
            ops[j] = prepare_open(bufs[j], *c.key);
        }
        eng->process(ops);
        for (size_t j = 0; j < order.size(); ++j) {
            const Combo& c = combos[order[j]];
            SCOPED_TRACE(combo_name(c));
            ASSERT_EQ(ops[j].status, OpStatus::Ok) << to_string(ops[j].status);
            OpenedPacket p = opened_packet(bufs[j], ops[j]);
            EXPECT_EQ(p.packet_id, size + 7);
            EXPECT_EQ(p.payload, payload);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(SubmitModes, EngineVsEvp,
                         ::testing::Values(SubmitMode::Burst, SubmitMode::Jobs),
                         [](const auto& param_info) {
                             return param_info.param == SubmitMode::Burst ? "Burst" : "Jobs";
                         });

} // namespace
} // namespace vp::crypto
