// CryptoEngine behaviour beyond the happy path: tampering (ciphertext, tag, HMAC, IV, AAD),
// PKCS#7 padding errors under a valid HMAC, short and misaligned inputs, caller errors, the CBC
// IV generator, bursts longer than one chunk, agreement between the submission modes, and opens
// that read their ciphertext from a gather list (out of place).
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "crypto/imb_mgr.hpp"
#include "crypto/iv_generator.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace vp::crypto {
namespace {

using namespace test;

std::unique_ptr<CryptoEngine> engine(SubmitMode mode = CryptoEngine::kDefaultSubmitMode) {
    auto e = CryptoEngine::create(mode);
    EXPECT_TRUE(e.ok()) << e.message();
    return std::move(e).value();
}

OpStatus open_one(CryptoEngine& eng, const DataKey& key, Bytes& pkt, DataOp* out = nullptr) {
    DataOp op = prepare_open(pkt, key);
    eng.process({&op, 1});
    if (out) *out = op;
    return op.status;
}

bool all_zero(const uint8_t* p, size_t n) {
    return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

// The combinations that authenticate their packets.
std::vector<std::pair<Cipher, Digest>> authenticated_combos() {
    return {{Cipher::Aes128Gcm, Digest::None}, {Cipher::Aes192Gcm, Digest::None},
            {Cipher::Aes256Gcm, Digest::None}, {Cipher::ChaCha20Poly1305, Digest::None},
            {Cipher::Aes128Cbc, Digest::Sha1}, {Cipher::Aes256Cbc, Digest::Sha256},
            {Cipher::Aes192Cbc, Digest::Md5},  {Cipher::Aes256Cbc, Digest::Sha512},
            {Cipher::None, Digest::Sha1},      {Cipher::None, Digest::Sha512}};
}

TEST(CryptoEngine, ReportsItsIpsecMbArch) {
    auto eng = engine();
    EXPECT_FALSE(eng->arch_name().empty());
    EXPECT_NE(eng->arch_name(), "unknown");
}

TEST(CryptoEngine, EveryFlippedBitInTheAuthenticatedPartIsRejectedAndTheBodyWiped) {
    auto eng = engine();
    const Bytes payload = bytes_of("an inner IPv4 packet, more or less 45 bytes..");
    const Bytes iv(16, 0x5a);
    for (auto [cipher, digest] : authenticated_combos()) {
        SCOPED_TRACE(std::string(openvpn_name(cipher)) + "/" + std::string(openvpn_name(digest)));
        RefKey ref = make_ref_key(cipher, digest, 7);
        auto key = make_data_key(ref);
        const Bytes good = evp_seal_packet(ref, 77, 0, 1000, payload, iv);
        {
            Bytes pkt = good;
            ASSERT_EQ(open_one(*eng, *key, pkt), OpStatus::Ok);
        }
        // AEAD: bytes 0..7 are the AAD (header + packet-id), everything after is tag and
        // ciphertext. Others: the header (bytes 0..3) is not authenticated by OpenVPN's CBC
        // format, everything after it is (HMAC, IV, ciphertext).
        const size_t first = is_aead(cipher) ? 0 : kDataV2HeaderBytes;
        for (size_t byte = first; byte < good.size(); ++byte) {
            for (int bit : {0, 7}) {
                Bytes pkt = good;
                pkt[byte] ^= static_cast<uint8_t>(1u << bit);
                DataOp op;
                ASSERT_EQ(open_one(*eng, *key, pkt, &op), OpStatus::AuthFailed)
                    << "byte " << byte << " bit " << bit;
                EXPECT_EQ(op.out_len, 0u);
                const size_t body_at =
                    static_cast<size_t>(op.data - pkt.data()) + key->header_bytes();
                EXPECT_TRUE(all_zero(pkt.data() + body_at, pkt.size() - body_at));
            }
        }
    }
}

TEST(CryptoEngine, AeadRejectsAWrongPacketIdOrImplicitIv) {
    auto eng = engine();
    RefKey ref = make_ref_key(Cipher::Aes256Gcm, Digest::None, 3);
    auto key = make_data_key(ref);
    Bytes pkt = evp_seal_packet(ref, 1, 0, 5, bytes_of("hello"), {});
    // Same packet, nonce from a different implicit IV.
    RefKey other = ref;
    other.implicit_iv[7] ^= 1;
    auto other_key = make_data_key(other);
    Bytes copy = pkt;
    EXPECT_EQ(open_one(*eng, *other_key, copy), OpStatus::AuthFailed);
    // Same packet, but the caller points packet_id somewhere else (nonce differs, AAD doesn't).
    copy = pkt;
    DataOp op = prepare_open(copy, *key);
    const uint8_t wrong_pid[4] = {0, 0, 0, 6};
    op.packet_id = wrong_pid;
    eng->process({&op, 1});
    EXPECT_EQ(op.status, OpStatus::AuthFailed);
}

// Builds a CBC+HMAC packet whose last block decrypts to `tail` (valid HMAC, chosen padding).
TEST(CryptoEngine, CbcPaddingIsCheckedAfterTheHmac) {
    auto eng = engine();
    RefKey ref = make_ref_key(Cipher::Aes128Cbc, Digest::Sha256, 11);
    auto key = make_data_key(ref);
    const Bytes iv(16, 0x11);
    const Bytes payload(12, 0xab); // packet-id 4 + 12 = one block, then the crafted tail block
    struct Case {
        const char* name;
        Bytes tail;
        OpStatus expect;
        size_t payload_len; // when Ok
    } const cases[] = {
        {"zero pad byte", Bytes(16, 0x00), OpStatus::BadPadding, 0},
        {"pad 17", Bytes(16, 0x11), OpStatus::BadPadding, 0},
        {"pad 0xff", Bytes(16, 0xff), OpStatus::BadPadding, 0},
        {"pad 16 with one wrong byte",
         [] {
             Bytes b(16, 0x10);
             b[0] = 0x0f;
             return b;
         }(),
         OpStatus::BadPadding, 0},
        {"pad 2 over 1",
         [] {
             Bytes b(16, 0x61);
             b[14] = 0x01;
             b[15] = 0x02;
             return b;
         }(),
         OpStatus::BadPadding, 0},
        {"pad 16 ok", Bytes(16, 0x10), OpStatus::Ok, 12},
        {"pad 1 ok",
         [] {
             Bytes b(16, 0x61);
             b[15] = 0x01;
             return b;
         }(),
         OpStatus::Ok, 12 + 15},
        {"pad 3 ok",
         [] {
             Bytes b(16, 0x61);
             b[13] = b[14] = b[15] = 0x03;
             return b;
         }(),
         OpStatus::Ok, 12 + 13},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Bytes pkt = evp_seal_packet_raw_cbc(ref, 9, payload, c.tail, iv);
        DataOp op;
        ASSERT_EQ(open_one(*eng, *key, pkt, &op), c.expect);
        if (c.expect == OpStatus::Ok) {
            OpenedPacket p = opened_packet(pkt, op);
            EXPECT_EQ(p.packet_id, 9u);
            EXPECT_EQ(p.payload.size(), c.payload_len);
        } else {
            EXPECT_EQ(op.out_len, 0u);
            EXPECT_TRUE(all_zero(op.data + key->header_bytes(), 32));
        }
    }
    // Valid padding that leaves less than a packet-id: packet-id 0x0d0d0d0d then 12 bytes of
    // 0x0d read as 13 bytes of padding.
    {
        Bytes tail(12, 0x0d);
        Bytes pkt = evp_seal_packet_raw_cbc(ref, 0x0d0d0d0d, {}, tail, iv);
        EXPECT_EQ(open_one(*eng, *key, pkt), OpStatus::BadLength);
    }
    // A flipped HMAC on a badly padded packet reports the HMAC, not the padding.
    Bytes pkt = evp_seal_packet_raw_cbc(ref, 9, payload, Bytes(16, 0x00), iv);
    pkt[kDataV2HeaderBytes] ^= 1;
    EXPECT_EQ(open_one(*eng, *key, pkt), OpStatus::AuthFailed);
}

TEST(CryptoEngine, CbcWithoutAuthStillChecksPadding) {
    auto eng = engine();
    RefKey ref = make_ref_key(Cipher::Aes256Cbc, Digest::None, 12);
    auto key = make_data_key(ref);
    Bytes bad = evp_seal_packet_raw_cbc(ref, 1, Bytes(12, 1), Bytes(16, 0x20), Bytes(16, 0));
    EXPECT_EQ(open_one(*eng, *key, bad), OpStatus::BadPadding);
    Bytes good = evp_seal_packet(ref, 1, 0, 1, Bytes(12, 1), Bytes(16, 0));
    EXPECT_EQ(open_one(*eng, *key, good), OpStatus::Ok);
}

TEST(CryptoEngine, ShortAndMisalignedRegionsAreBadLength) {
    auto eng = engine();
    struct Case {
        Cipher cipher;
        Digest digest;
        uint32_t len;
        OpStatus expect;
    } const cases[] = {
        {Cipher::Aes128Gcm, Digest::None, 0, OpStatus::BadLength},
        {Cipher::Aes128Gcm, Digest::None, 15, OpStatus::BadLength},
        {Cipher::ChaCha20Poly1305, Digest::None, 15, OpStatus::BadLength},
        {Cipher::Aes128Gcm, Digest::None, 16, OpStatus::AuthFailed}, // empty body: tag checked
        {Cipher::Aes128Cbc, Digest::Sha1, 20 + 16 + 15, OpStatus::BadLength},
        {Cipher::Aes128Cbc, Digest::Sha1, 20 + 16, OpStatus::BadLength}, // IV, no block
        {Cipher::Aes128Cbc, Digest::Sha1, 20 + 16 + 17, OpStatus::BadLength},
        {Cipher::Aes128Cbc, Digest::Sha1, 19, OpStatus::BadLength},
        {Cipher::Aes128Cbc, Digest::Sha1, 20 + 16 + 16, OpStatus::AuthFailed},
        {Cipher::Aes256Cbc, Digest::None, 16 + 8, OpStatus::BadLength},
        {Cipher::None, Digest::Sha256, 31, OpStatus::BadLength},
        {Cipher::None, Digest::Sha256, 32 + 3, OpStatus::BadLength}, // no room for a packet-id
        {Cipher::None, Digest::Sha256, 32 + 4, OpStatus::AuthFailed},
        {Cipher::None, Digest::None, 3, OpStatus::BadLength},
        {Cipher::None, Digest::None, 4, OpStatus::Ok},
        {Cipher::Aes128Gcm, Digest::None, CryptoEngine::kMaxDataBytes + 1, OpStatus::BadLength},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(openvpn_name(c.cipher)) + "/" +
                     std::string(openvpn_name(c.digest)) + " len " + std::to_string(c.len));
        auto key = make_data_key(make_ref_key(c.cipher, c.digest, 5));
        Bytes region(c.len + 8, 0x33);
        const uint8_t pid[4] = {0, 0, 0, 1};
        DataOp op;
        op.key = key.get();
        op.direction = Direction::Open;
        op.data = region.data();
        op.len = c.len;
        op.packet_id = pid;
        eng->process({&op, 1});
        EXPECT_EQ(op.status, c.expect) << to_string(op.status);
    }
    // Seal of a non-AEAD body without room for its packet-id.
    for (auto [c, d] :
         {std::pair{Cipher::Aes128Cbc, Digest::Sha1}, std::pair{Cipher::None, Digest::Sha1},
          std::pair{Cipher::None, Digest::None}}) {
        auto k = make_data_key(make_ref_key(c, d, 5));
        Bytes region(128);
        DataOp op;
        op.key = k.get();
        op.data = region.data();
        op.len = 3;
        eng->process({&op, 1});
        EXPECT_EQ(op.status, OpStatus::BadLength);
    }
    // Seal of an oversized body.
    auto key = make_data_key(make_ref_key(Cipher::Aes128Cbc, Digest::Sha1, 5));
    Bytes big(CryptoEngine::kMaxDataBytes + 64);
    DataOp op;
    op.key = key.get();
    op.data = big.data();
    op.len = CryptoEngine::kMaxDataBytes + 1;
    eng->process({&op, 1});
    EXPECT_EQ(op.status, OpStatus::BadLength);
}

TEST(CryptoEngine, CallerErrorsAreInvalidOpAndDoNotDisturbTheRestOfTheBurst) {
    auto eng = engine();
    RefKey ref = make_ref_key(Cipher::Aes128Gcm, Digest::None, 1);
    auto key = make_data_key(ref);
    Bytes buf0, buf1, buf2, buf3;
    std::vector<DataOp> ops(4);
    ops[0] = prepare_seal(buf0, *key, 1, 1, bytes_of("fine"));
    ops[1] = prepare_seal(buf1, *key, 1, 2, bytes_of("no key"));
    ops[1].key = nullptr;
    ops[2] = prepare_seal(buf2, *key, 1, 3, bytes_of("no packet id"));
    ops[2].packet_id = nullptr;
    ops[3] = prepare_seal(buf3, *key, 1, 4, bytes_of("aad_len without aad"));
    ops[3].aad = nullptr;
    eng->process(ops);
    EXPECT_EQ(ops[0].status, OpStatus::Ok);
    EXPECT_EQ(ops[1].status, OpStatus::InvalidOp);
    EXPECT_EQ(ops[2].status, OpStatus::InvalidOp);
    EXPECT_EQ(ops[3].status, OpStatus::InvalidOp);
    auto opened = evp_open_packet(ref, sealed_packet(buf0, ops[0]));
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->payload, bytes_of("fine"));
}

TEST(CryptoEngine, AeadWithoutAadWorks) {
    // DATA_V1 uses the 4-byte packet-id as AAD; the engine also accepts no AAD at all.
    auto eng = engine();
    auto key = make_data_key(make_ref_key(Cipher::ChaCha20Poly1305, Digest::None, 2));
    Bytes region(16 + 10, 0x42);
    const uint8_t pid[4] = {0, 0, 0, 9};
    DataOp op;
    op.key = key.get();
    op.data = region.data();
    op.len = 10;
    op.packet_id = pid;
    eng->process({&op, 1});
    ASSERT_EQ(op.status, OpStatus::Ok);
    op.direction = Direction::Open;
    op.len = op.out_len;
    eng->process({&op, 1});
    ASSERT_EQ(op.status, OpStatus::Ok);
    EXPECT_EQ(Bytes(region.begin() + 16, region.end()), Bytes(10, 0x42));
}

TEST(CryptoEngine, GeneratedCbcIvsAreFreshPerPacketAndPerEngine) {
    auto eng1 = engine();
    auto eng2 = engine();
    RefKey ref = make_ref_key(Cipher::Aes128Cbc, Digest::Sha1, 4);
    auto key = make_data_key(ref);
    const Bytes payload = bytes_of("identical payload");
    std::set<Bytes> ivs;
    std::set<Bytes> cts;
    size_t total = 0;
    for (CryptoEngine* eng : {eng1.get(), eng2.get()}) {
        for (int round = 0; round < 3; ++round) {
            std::vector<Bytes> bufs(100);
            std::vector<DataOp> ops(100); // spans two chunks
            for (size_t i = 0; i < ops.size(); ++i)
                ops[i] = prepare_seal(bufs[i], *key, 1, 1, payload);
            eng->process(ops);
            for (size_t i = 0; i < ops.size(); ++i) {
                ASSERT_EQ(ops[i].status, OpStatus::Ok);
                Bytes pkt = sealed_packet(bufs[i], ops[i]);
                const size_t iv_at = kDataV2HeaderBytes + 20;
                Bytes iv(pkt.begin() + iv_at, pkt.begin() + iv_at + 16);
                EXPECT_NE(iv, Bytes(16, 0));
                ivs.insert(iv);
                cts.insert(Bytes(pkt.begin() + iv_at + 16, pkt.end()));
                auto opened = evp_open_packet(ref, pkt);
                ASSERT_TRUE(opened);
                EXPECT_EQ(opened->payload, payload);
                ++total;
            }
        }
    }
    EXPECT_EQ(ivs.size(), total);
    EXPECT_EQ(cts.size(), total);
}

TEST(CryptoEngine, IvGeneratorFillsEverySlot) {
    ImbMgrPtr mgr = make_imb_mgr();
    ASSERT_TRUE(mgr);
    IvGenerator gen;
    ASSERT_TRUE(gen.init(*mgr).ok());
    std::vector<Bytes> slots(IvGenerator::kMaxPerCall, Bytes(16, 0));
    std::vector<uint8_t*> ptrs;
    for (auto& s : slots)
        ptrs.push_back(s.data());
    ASSERT_TRUE(gen.fill(*mgr, ptrs.data(), ptrs.size()));
    std::set<Bytes> distinct(slots.begin(), slots.end());
    EXPECT_EQ(distinct.size(), slots.size());
    EXPECT_FALSE(gen.fill(*mgr, ptrs.data(), IvGenerator::kMaxPerCall + 1));
    EXPECT_TRUE(gen.fill(*mgr, ptrs.data(), 0));
}

TEST(CryptoEngine, BurstJobAndDirectModesProduceIdenticalPackets) {
    // Direct (the default) takes AES-GCM ops through ipsec-mb's direct GCM API and the rest as
    // Burst; all three modes must write the same bytes and open each other's packets.
    auto burst = engine(SubmitMode::Burst);
    auto jobs = engine(SubmitMode::Jobs);
    auto direct = engine(SubmitMode::Direct);
    EXPECT_EQ(burst->submit_mode(), SubmitMode::Burst);
    EXPECT_EQ(jobs->submit_mode(), SubmitMode::Jobs);
    EXPECT_EQ(direct->submit_mode(), SubmitMode::Direct);
    EXPECT_EQ(CryptoEngine::kDefaultSubmitMode, SubmitMode::Direct);
    std::vector<std::unique_ptr<DataKey>> keys;
    for (auto [c, d] : authenticated_combos())
        keys.push_back(make_data_key(make_ref_key(c, d, 21)));
    const size_t n = 150; // three chunks
    CryptoEngine* engines[3] = {burst.get(), jobs.get(), direct.get()};
    std::vector<Bytes> pkts[3];
    std::vector<DataOp> ops[3];
    for (int e = 0; e < 3; ++e) {
        pkts[e].resize(n);
        ops[e].resize(n);
        for (size_t i = 0; i < n; ++i) {
            const DataKey& k = *keys[i % keys.size()];
            Bytes payload(i * 7 % 1400, static_cast<uint8_t>(i));
            ops[e][i] = prepare_seal(pkts[e][i], k, 3, static_cast<uint32_t>(i + 1), payload);
            ops[e][i].caller_iv = true; // IV slots hold the same bytes
        }
        engines[e]->process(ops[e]);
    }
    for (size_t i = 0; i < n; ++i) {
        for (int e = 0; e < 3; ++e)
            ASSERT_EQ(ops[e][i].status, OpStatus::Ok) << e << " " << i;
        EXPECT_EQ(sealed_packet(pkts[0][i], ops[0][i]), sealed_packet(pkts[1][i], ops[1][i])) << i;
        EXPECT_EQ(sealed_packet(pkts[0][i], ops[0][i]), sealed_packet(pkts[2][i], ops[2][i])) << i;
    }
    // And each opens the next one's output; every seventh packet (all keys) is tampered with (its
    // last byte) and must fail authentication with the body wiped, in every mode.
    for (int e = 0; e < 3; ++e)
        for (size_t i = 0; i < n; ++i)
            pkts[e][i] = sealed_packet(pkts[e][i], ops[e][i]);
    for (int e = 0; e < 3; ++e) {
        std::vector<Bytes>& in = pkts[(e + 1) % 3];
        for (size_t i = 0; i < n; ++i) {
            if (i % 7 == 0) in[i].back() ^= 0x01;
            ops[e][i] = prepare_open(in[i], *keys[i % keys.size()]);
        }
        engines[e]->process(ops[e]);
        for (size_t i = 0; i < n; ++i) {
            if (i % 7 == 0) {
                EXPECT_EQ(ops[e][i].status, OpStatus::AuthFailed) << e << " " << i;
                EXPECT_EQ(ops[e][i].out_len, 0u);
            } else {
                EXPECT_EQ(ops[e][i].status, OpStatus::Ok) << e << " " << i;
            }
        }
    }
}

// Opens a sealed packet whose region bytes from `offset` on lie in `src` (cut into segments at
// `cuts`), with garbage where they would be in the region.
struct GatherCase {
    Bytes region_buf; // header + region with the first `offset` bytes, the rest garbage
    Bytes src;
    GatherSrc g;
    DataOp op;
};

void prepare_gather(GatherCase& c, const Bytes& packet, const DataKey& key, uint32_t offset,
                    const std::vector<uint32_t>& cuts) {
    c.region_buf = packet;
    c.op = prepare_open(c.region_buf, key);
    const size_t at = static_cast<size_t>(c.op.data - c.region_buf.data()) + offset;
    c.src.assign(packet.begin() + static_cast<std::ptrdiff_t>(at), packet.end());
    std::fill(c.region_buf.begin() + static_cast<std::ptrdiff_t>(at), c.region_buf.end(), 0xee);
    c.g = GatherSrc{};
    c.g.offset = offset;
    uint32_t from = 0;
    for (uint32_t cut : cuts) {
        if (cut <= from || cut >= c.src.size()) continue;
        c.g.segs[c.g.n++] = {c.src.data() + from, cut - from};
        from = cut;
    }
    c.g.segs[c.g.n++] = {c.src.data() + from, static_cast<uint32_t>(c.src.size() - from)};
    c.op.src = &c.g;
}

TEST(CryptoEngine, GatherOpenDecryptsOutOfPlaceInEveryMode) {
    // Every suite, in Direct (AES-GCM straight from the segments when the offset covers the tag,
    // else through a copy) and Burst (always a copy): the plaintext as an in-place open gives
    // it, the segments left as they were; a flipped ciphertext bit in a segment fails
    // authentication with the written body wiped.
    const Bytes iv(16, 0x33);
    for (SubmitMode mode : {SubmitMode::Direct, SubmitMode::Burst}) {
        auto eng = engine(mode);
        for (auto [cipher, digest] : authenticated_combos()) {
            SCOPED_TRACE(std::string(openvpn_name(cipher)) + "/" +
                         std::string(openvpn_name(digest)));
            RefKey ref = make_ref_key(cipher, digest, 9);
            auto key = make_data_key(ref);
            for (size_t len : {0u, 1u, 17u, 100u, 1400u}) {
                Bytes payload(len);
                for (size_t i = 0; i < len; ++i)
                    payload[i] = static_cast<uint8_t>(i * 13 + 1);
                const Bytes packet = evp_seal_packet(ref, 5, 0, 4242, payload, iv);
                const uint32_t region = static_cast<uint32_t>(packet.size()) -
                                        (is_aead(cipher) ? 8u : kDataV2HeaderBytes);
                for (uint32_t offset : {0u, 16u, 56u, region}) {
                    if (offset > region) continue;
                    for (const std::vector<uint32_t>& cuts : {std::vector<uint32_t>{},
                                                              {7},
                                                              {1, 2, 700},
                                                              {16, 32, 48, 64, 80, 96, 112}}) {
                        SCOPED_TRACE("len " + std::to_string(len) + " offset " +
                                     std::to_string(offset) + " segs " +
                                     std::to_string(cuts.size()));
                        GatherCase c;
                        prepare_gather(c, packet, *key, offset, cuts);
                        const Bytes src_before = c.src;
                        eng->process({&c.op, 1});
                        ASSERT_EQ(c.op.status, OpStatus::Ok);
                        OpenedPacket p = opened_packet(c.region_buf, c.op);
                        EXPECT_EQ(p.packet_id, 4242u);
                        EXPECT_EQ(p.payload, payload);
                        EXPECT_EQ(c.src, src_before);
                        if (c.src.empty()) continue;
                        prepare_gather(c, packet, *key, offset, cuts);
                        c.src.back() ^= 0x80;
                        eng->process({&c.op, 1});
                        EXPECT_EQ(c.op.status, OpStatus::AuthFailed);
                        EXPECT_EQ(c.op.out_len, 0u);
                        const size_t body_at =
                            static_cast<size_t>(c.op.data - c.region_buf.data()) +
                            key->header_bytes();
                        EXPECT_TRUE(
                            all_zero(c.region_buf.data() + body_at, c.region_buf.size() - body_at));
                    }
                }
            }
        }
    }
}

TEST(CryptoEngine, GatherListThatDoesNotFitIsAnInvalidOp) {
    // Lengths that do not add up, too many segments, a null segment, an offset past the region,
    // a seal with a gather list: refused before any crypto, the region left as it was.
    auto eng = engine();
    RefKey ref = make_ref_key(Cipher::Aes256Gcm, Digest::None, 3);
    auto key = make_data_key(ref);
    const Bytes packet = evp_seal_packet(ref, 5, 0, 1, Bytes(200, 7), Bytes(16, 0));
    for (int variant = 0; variant < 5; ++variant) {
        SCOPED_TRACE(variant);
        GatherCase c;
        prepare_gather(c, packet, *key, 24, {10});
        switch (variant) {
        case 0:
            c.g.segs[1].len -= 1;
            break;
        case 1:
            c.g.n = GatherSrc::kMaxSegs + 1;
            break;
        case 2:
            c.g.segs[0].p = nullptr;
            break;
        case 3:
            c.g.offset = c.op.len + 1;
            break;
        default:
            c.op.direction = Direction::Seal;
            break;
        }
        const Bytes before = c.region_buf;
        eng->process({&c.op, 1});
        EXPECT_EQ(c.op.status, OpStatus::InvalidOp);
        EXPECT_EQ(c.region_buf, before);
    }
}

TEST(CryptoEngine, EmptyBurstIsANoOp) {
    // An empty span, even one over a real op, touches no op and no buffer; the engine works
    // normally afterwards.
    auto eng = engine();
    RefKey ref = make_ref_key(Cipher::Aes256Gcm, Digest::None, 4);
    auto key = make_data_key(ref);
    Bytes buf;
    DataOp op = prepare_seal(buf, *key, 1, 42, bytes_of("plain"));
    op.status = OpStatus::EngineError; // sentinels: process() sets both for every op it runs
    op.out_len = 12345;
    const Bytes buf_before = buf;
    eng->process({&op, 0});
    eng->process({});
    EXPECT_EQ(op.status, OpStatus::EngineError);
    EXPECT_EQ(op.out_len, 12345u);
    EXPECT_EQ(buf, buf_before);
    eng->process({&op, 1});
    ASSERT_EQ(op.status, OpStatus::Ok);
    auto opened = evp_open_packet(ref, sealed_packet(buf, op));
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->packet_id, 42u);
    EXPECT_EQ(opened->payload, bytes_of("plain"));
}

TEST(CryptoEngine, NoneNoneCopiesNothingAndReportsTheBody) {
    auto eng = engine();
    auto key = make_data_key(make_ref_key(Cipher::None, Digest::None, 1));
    Bytes buf;
    DataOp op = prepare_seal(buf, *key, 1, 42, bytes_of("plain"));
    eng->process({&op, 1});
    ASSERT_EQ(op.status, OpStatus::Ok);
    EXPECT_EQ(op.out_len, 4u + 5u);
    Bytes pkt = sealed_packet(buf, op);
    DataOp open = prepare_open(pkt, *key);
    eng->process({&open, 1});
    ASSERT_EQ(open.status, OpStatus::Ok);
    OpenedPacket p = opened_packet(pkt, open);
    EXPECT_EQ(p.packet_id, 42u);
    EXPECT_EQ(p.payload, bytes_of("plain"));
}

} // namespace
} // namespace vp::crypto
