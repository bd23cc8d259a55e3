// The worker's SSTP record layer (dataplane/sstp/record_layer): records sealed by a "client"
// record layer (the keys swapped) are opened by the server's on the real crypto engine, whole,
// split over appends at every byte and with SSTP packets split over records; IPv4 goes to the
// sink as IP, everything else as a control packet; a flipped tag, a bad header and an alert
// stop the layer with their reason; a TLS 1.3 KeyUpdate switches to the key the control plane
// supplied (and answers update_requested), and stops the layer when none is there.
#include "dataplane/sstp/record_layer.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace vp::dp::sstp {
namespace {

using crypto::TlsRecordKey;
using crypto::TlsSuite;
namespace wire = vp::sstp;

struct Collect final : RecordSink {
    std::vector<Bytes> ip, control;
    void ip_packet(ByteSpan p) override { ip.emplace_back(p.begin(), p.end()); }
    void control_packet(ByteSpan p) override { control.emplace_back(p.begin(), p.end()); }
};

std::unique_ptr<TlsRecordKey> key(TlsSuite suite, uint8_t fill) {
    auto sizes = crypto::tls_suite_sizes(suite);
    Bytes k(sizes.enc_key, fill), iv(sizes.iv, static_cast<uint8_t>(fill + 1));
    auto r = TlsRecordKey::create(suite, k, iv, {});
    EXPECT_TRUE(r.ok()) << r.message();
    return std::move(*r);
}

struct Pair {
    std::unique_ptr<crypto::CryptoEngine> engine;
    std::unique_ptr<RecordLayer> server, client;
    explicit Pair(TlsSuite suite, uint64_t seq = 1) {
        auto e = crypto::CryptoEngine::create();
        EXPECT_TRUE(e.ok());
        engine = std::move(*e);
        // client_write = 0x11.., server_write = 0x22..
        server = std::make_unique<RecordLayer>(key(suite, 0x11), seq, key(suite, 0x22), seq);
        client = std::make_unique<RecordLayer>(key(suite, 0x22), seq, key(suite, 0x11), seq);
    }
    // The client seals an IPv4 packet as the worker would.
    Bytes seal_ip(const Bytes& ip) {
        const auto& k = client->seal_key();
        Bytes rec(client->ip_offset() + ip.size() + k.seal_tail());
        std::memcpy(rec.data() + client->ip_offset(), ip.data(), ip.size());
        crypto::TlsRecordOp op;
        EXPECT_TRUE(client->prepare_seal_ip(rec.data(), static_cast<uint32_t>(ip.size()), op));
        engine->process_records({&op, 1});
        EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
        rec.resize(op.out_len);
        return rec;
    }
    // The client seals arbitrary plaintext (SSTP bytes) of content type `type`.
    Bytes seal_bytes(const Bytes& plain, uint8_t type = 23) {
        const auto& k = client->seal_key();
        Bytes rec(k.seal_offset() + plain.size() + k.seal_tail() + 16);
        std::memcpy(rec.data() + k.seal_offset(), plain.data(), plain.size());
        crypto::TlsRecordOp op;
        op.key = &k;
        op.record = rec.data();
        op.seq = seq_out_++;
        op.len = static_cast<uint32_t>(plain.size());
        op.type = type;
        engine->process_records({&op, 1});
        EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
        rec.resize(op.out_len);
        return rec;
    }
    uint64_t seq_out_ = 1;
};

Bytes ipv4(size_t len, uint8_t fill) {
    Bytes p(len, fill);
    p[0] = 0x45;
    return p;
}

Bytes data_packet(const Bytes& ppp) {
    return *wire::build_data_packet(ppp);
}

Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

class RecordLayerSuites : public ::testing::TestWithParam<TlsSuite> {};

TEST_P(RecordLayerSuites, SealThenOpenRoundTrip) {
    Pair p(GetParam());
    Collect sink;
    std::vector<Bytes> sent;
    for (size_t len : {20u, 64u, 1400u, 4087u}) {
        sent.push_back(ipv4(len, static_cast<uint8_t>(len)));
        Bytes rec = p.seal_ip(sent.back());
        ASSERT_EQ(p.server->append(rec), RecordError::None);
    }
    EXPECT_EQ(p.server->open(*p.engine, sink), 4u);
    EXPECT_EQ(sink.ip, sent);
    EXPECT_TRUE(sink.control.empty());
    EXPECT_EQ(p.server->open_seq(), 5u);
    EXPECT_EQ(p.client->seal_seq(), 5u);
    // Too big for one SSTP packet: refused, no sequence number taken.
    Bytes big(4095);
    crypto::TlsRecordOp op;
    EXPECT_FALSE(p.client->prepare_seal_ip(big.data(), 4088, op));
    EXPECT_EQ(p.client->seal_seq(), 5u);
}

INSTANTIATE_TEST_SUITE_P(Aead, RecordLayerSuites,
                         ::testing::Values(TlsSuite::Tls12Aes128Gcm, TlsSuite::Tls12Aes256Gcm,
                                           TlsSuite::Tls13Aes128Gcm, TlsSuite::Tls13Aes256Gcm,
                                           TlsSuite::Tls13ChaCha20Poly1305));

TEST(RecordLayer, RecordsSplitAtEveryByteAreReassembled) {
    for (TlsSuite suite : {TlsSuite::Tls12Aes256Gcm, TlsSuite::Tls13Aes256Gcm}) {
        Pair p(suite);
        Bytes stream;
        std::vector<Bytes> sent;
        for (size_t i = 0; i < 3; ++i) {
            sent.push_back(ipv4(100 + i * 300, static_cast<uint8_t>(i)));
            Bytes rec = p.seal_ip(sent.back());
            stream.insert(stream.end(), rec.begin(), rec.end());
        }
        Collect sink;
        uint32_t opened = 0;
        // One byte at a time, opening after each: a record opens once its last byte is in.
        for (uint8_t b : stream) {
            ASSERT_EQ(p.server->append({&b, 1}), RecordError::None);
            opened += p.server->open(*p.engine, sink);
        }
        EXPECT_EQ(opened, 3u);
        EXPECT_EQ(sink.ip, sent);
    }
}

TEST(RecordLayer, SstpPacketsSplitOverRecordsAndNonIpGoToTheControlPlane) {
    Pair p(TlsSuite::Tls13Aes256Gcm);
    Bytes lcp = data_packet({0xFF, 0x03, 0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 1, 2, 3, 4});
    Bytes echo = wire::build_echo_request();
    Bytes ip = ipv4(600, 7);
    Bytes ip_frame = {0x00, 0x21}; // address/control compressed
    ip_frame.insert(ip_frame.end(), ip.begin(), ip.end());
    Bytes ip_packet = data_packet(ip_frame);
    Bytes plain;
    for (const Bytes* b : {&lcp, &echo, &ip_packet})
        plain.insert(plain.end(), b->begin(), b->end());
    // Three records cut inside the echo's header and inside the IP packet.
    size_t cuts[] = {lcp.size() + 2, lcp.size() + echo.size() + 100, plain.size()};
    size_t from = 0;
    for (size_t c : cuts) {
        Bytes rec = p.seal_bytes(Bytes(plain.begin() + from, plain.begin() + c));
        ASSERT_EQ(p.server->append(rec), RecordError::None);
        from = c;
    }
    Collect sink;
    EXPECT_EQ(p.server->open(*p.engine, sink), 3u);
    ASSERT_EQ(sink.control.size(), 2u);
    EXPECT_EQ(sink.control[0], lcp);
    EXPECT_EQ(sink.control[1], echo);
    ASSERT_EQ(sink.ip.size(), 1u);
    EXPECT_EQ(sink.ip[0], ip);
}

TEST(RecordLayer, BadTagStopsTheLayer) {
    Pair p(TlsSuite::Tls12Aes256Gcm);
    Bytes good = p.seal_ip(ipv4(100, 1));
    Bytes bad = p.seal_ip(ipv4(100, 2));
    bad[bad.size() - 3] ^= 0x40;
    Collect sink;
    ASSERT_EQ(p.server->append(good), RecordError::None);
    ASSERT_EQ(p.server->append(bad), RecordError::None);
    EXPECT_EQ(p.server->open(*p.engine, sink), 1u);
    EXPECT_EQ(sink.ip.size(), 1u);
    EXPECT_EQ(p.server->error(), RecordError::BadTag);
    // Nothing after it is taken.
    Bytes next = p.seal_ip(ipv4(100, 3));
    EXPECT_EQ(p.server->append(next), RecordError::BadTag);
    EXPECT_EQ(p.server->open(*p.engine, sink), 0u);
    EXPECT_EQ(sink.ip.size(), 1u);
}

TEST(RecordLayer, WrongSequenceNumberFailsAuthentication) {
    Pair p(TlsSuite::Tls13Aes128Gcm);
    (void)p.seal_ip(ipv4(50, 1)); // the client skips a record
    Bytes rec = p.seal_ip(ipv4(50, 2));
    Collect sink;
    ASSERT_EQ(p.server->append(rec), RecordError::None);
    EXPECT_EQ(p.server->open(*p.engine, sink), 0u);
    EXPECT_EQ(p.server->error(), RecordError::BadTag);
}

TEST(RecordLayer, BadHeaderIsRefusedOnAppend) {
    Pair p(TlsSuite::Tls12Aes256Gcm);
    Bytes rec = p.seal_ip(ipv4(100, 1));
    rec[0] = 99;
    EXPECT_EQ(p.server->append(rec), RecordError::BadHeader);
    Pair q(TlsSuite::Tls13Aes256Gcm);
    Bytes too_long = {23, 3, 3, 0xFF, 0xFF};
    EXPECT_EQ(q.server->append(too_long), RecordError::BadHeader);
}

TEST(RecordLayer, AlertAndKeyUpdateWithoutANextKeyEndTheLayer) {
    {
        Pair p(TlsSuite::Tls12Aes256Gcm);
        Collect sink;
        ASSERT_EQ(p.server->append(p.seal_bytes({2, 40}, 21)), RecordError::None);
        p.server->open(*p.engine, sink);
        EXPECT_EQ(p.server->error(), RecordError::Alert);
    }
    {
        Pair p(TlsSuite::Tls13Aes128Gcm);
        Collect sink;
        ASSERT_EQ(p.server->append(p.seal_bytes({1, 0}, 21)), RecordError::None);
        p.server->open(*p.engine, sink);
        EXPECT_EQ(p.server->error(), RecordError::CloseNotify);
    }
    {
        Pair p(TlsSuite::Tls13Aes256Gcm);
        Collect sink;
        ASSERT_EQ(p.server->append(p.seal_bytes({24, 0, 0, 1, 0}, 22)), RecordError::None);
        p.server->open(*p.engine, sink);
        EXPECT_EQ(p.server->error(), RecordError::KeyUpdate);
    }
}

// ---- TLS 1.3 KeyUpdate --------------------------------------------------------------------

// Seals `plain` of content `type` under `k` at sequence `seq`, as the client would.
Bytes seal_with(crypto::CryptoEngine& engine, const TlsRecordKey& k, uint64_t seq,
                const Bytes& plain, uint8_t type) {
    Bytes rec(k.seal_offset() + plain.size() + k.seal_tail() + 16);
    std::memcpy(rec.data() + k.seal_offset(), plain.data(), plain.size());
    crypto::TlsRecordOp op;
    op.key = &k;
    op.record = rec.data();
    op.seq = seq;
    op.len = static_cast<uint32_t>(plain.size());
    op.type = type;
    engine.process_records({&op, 1});
    EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
    rec.resize(op.out_len);
    return rec;
}

// Opens one record under `k` at `seq`; returns {type, plaintext}.
std::pair<uint8_t, Bytes> open_with(crypto::CryptoEngine& engine, const TlsRecordKey& k,
                                    uint64_t seq, Bytes rec) {
    crypto::TlsRecordOp op;
    op.key = &k;
    op.record = rec.data();
    op.seq = seq;
    op.len = static_cast<uint32_t>(rec.size());
    op.open = true;
    engine.process_records({&op, 1});
    EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
    if (op.status != crypto::TlsRecordStatus::Ok) return {0, {}};
    return {op.type, Bytes(op.record + op.out_offset, op.record + op.out_offset + op.out_len)};
}

const Bytes kKeyUpdateNotRequested = {24, 0, 0, 1, 0};
const Bytes kKeyUpdateRequested = {24, 0, 0, 1, 1};

void supply(KeySlot& slot, TlsSuite suite, uint8_t fill) {
    auto k = key(suite, fill);
    ASSERT_TRUE(slot.supply(k));
}

TEST(RecordLayerKeyUpdate, NotRequestedSwitchesTheOpenKeyForTheRecordsAfterIt) {
    for (TlsSuite suite :
         {TlsSuite::Tls13Aes128Gcm, TlsSuite::Tls13Aes256Gcm, TlsSuite::Tls13ChaCha20Poly1305}) {
        Pair p(suite, 0);
        supply(p.server->next_open(), suite, 0x33);
        auto old_key = key(suite, 0x11), new_key = key(suite, 0x33);
        Bytes ip1 = ipv4(100, 1), ip2 = ipv4(200, 2), ip3 = ipv4(60, 3);
        // One append: the batch must stop at the KeyUpdate and open the rest under the new key.
        Bytes stream = seal_with(*p.engine, *old_key, 0, data_packet(Bytes{0x00, 0x21} + ip1), 23);
        auto add = [&](const Bytes& r) { stream.insert(stream.end(), r.begin(), r.end()); };
        add(seal_with(*p.engine, *old_key, 1, kKeyUpdateNotRequested, 22));
        add(seal_with(*p.engine, *new_key, 0, data_packet(Bytes{0x00, 0x21} + ip2), 23));
        add(seal_with(*p.engine, *new_key, 1, data_packet(Bytes{0x00, 0x21} + ip3), 23));
        ASSERT_EQ(p.server->append(stream), RecordError::None);
        Collect sink;
        EXPECT_EQ(p.server->open(*p.engine, sink), 4u);
        EXPECT_FALSE(p.server->failed()) << to_string(p.server->error());
        EXPECT_EQ(sink.ip, (std::vector<Bytes>{ip1, ip2, ip3}));
        EXPECT_EQ(p.server->open_seq(), 2u);
        EXPECT_EQ(p.server->key_updates(), 1u);
        EXPECT_FALSE(p.server->key_update_reply_owed());
        EXPECT_EQ(p.server->take_switched(), 1u);
        EXPECT_EQ(p.server->take_switched(), 0u);
        // The old key is left for the control plane to free; the slot is empty.
        EXPECT_NE(p.server->next_open().take_spent(), nullptr);
        EXPECT_FALSE(p.server->next_open().has_next());
        // A second KeyUpdate before the control plane supplied the next key ends the layer.
        ASSERT_EQ(p.server->append(seal_with(*p.engine, *new_key, 2, kKeyUpdateNotRequested, 22)),
                  RecordError::None);
        p.server->open(*p.engine, sink);
        EXPECT_EQ(p.server->error(), RecordError::KeyUpdate);
    }
}

TEST(RecordLayerKeyUpdate, RequestedIsAnsweredUnderTheOldSealKeyThenTheSealKeySwitches) {
    const TlsSuite suite = TlsSuite::Tls13Aes256Gcm;
    Pair p(suite, 0);
    supply(p.server->next_open(), suite, 0x33);
    supply(p.server->next_seal(), suite, 0x44);
    auto c_old = key(suite, 0x11), c_new = key(suite, 0x33);
    auto s_old = key(suite, 0x22), s_new = key(suite, 0x44);
    // The server has sealed 3 records before.
    crypto::TlsRecordOp op;
    Bytes scratch(p.server->ip_offset() + 40 + p.server->seal_key().seal_tail());
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(p.server->prepare_seal_ip(scratch.data(), 20, op));
    Collect sink;
    ASSERT_EQ(p.server->append(seal_with(*p.engine, *c_old, 0, kKeyUpdateRequested, 22)),
              RecordError::None);
    EXPECT_EQ(p.server->open(*p.engine, sink), 1u);
    EXPECT_FALSE(p.server->failed());
    ASSERT_TRUE(p.server->key_update_reply_owed());
    // Our KeyUpdate (update_not_requested) under the old seal key at the next sequence number.
    const TlsRecordKey& k = p.server->seal_key();
    Bytes reply(k.seal_offset() + kKeyUpdateBytes + k.seal_tail());
    p.server->prepare_seal_key_update(reply.data(), op);
    EXPECT_EQ(op.seq, 3u);
    p.engine->process_records({&op, 1});
    ASSERT_EQ(op.status, crypto::TlsRecordStatus::Ok);
    reply.resize(op.out_len);
    auto [type, body] = open_with(*p.engine, *s_old, 3, reply);
    EXPECT_EQ(type, 22);
    EXPECT_EQ(body, kKeyUpdateNotRequested);
    p.server->switch_seal_key();
    EXPECT_FALSE(p.server->key_update_reply_owed());
    EXPECT_EQ(p.server->seal_seq(), 0u);
    EXPECT_EQ(p.server->take_switched(), 3u);
    EXPECT_NE(p.server->next_seal().take_spent(), nullptr);
    // Data after it: sealed under the new key from sequence 0, opened under the new client key.
    Bytes ip = ipv4(80, 9);
    Bytes rec(p.server->ip_offset() + ip.size() + p.server->seal_key().seal_tail());
    std::memcpy(rec.data() + p.server->ip_offset(), ip.data(), ip.size());
    ASSERT_TRUE(p.server->prepare_seal_ip(rec.data(), static_cast<uint32_t>(ip.size()), op));
    EXPECT_EQ(op.seq, 0u);
    p.engine->process_records({&op, 1});
    rec.resize(op.out_len);
    auto [t2, plain] = open_with(*p.engine, *s_new, 0, rec);
    EXPECT_EQ(t2, 23);
    EXPECT_EQ(Bytes(plain.begin() + RecordLayer::kDataPrefix, plain.end()), ip);
    ASSERT_EQ(
        p.server->append(seal_with(*p.engine, *c_new, 0, data_packet(Bytes{0x00, 0x21} + ip), 23)),
        RecordError::None);
    EXPECT_EQ(p.server->open(*p.engine, sink), 1u);
    ASSERT_EQ(sink.ip.size(), 1u);
    EXPECT_EQ(sink.ip[0], ip);
}

TEST(RecordLayerKeyUpdate, RequestedWithoutANextSealKeyEndsTheLayer) {
    const TlsSuite suite = TlsSuite::Tls13Aes128Gcm;
    Pair p(suite, 0);
    supply(p.server->next_open(), suite, 0x33);
    auto c_old = key(suite, 0x11);
    Collect sink;
    ASSERT_EQ(p.server->append(seal_with(*p.engine, *c_old, 0, kKeyUpdateRequested, 22)),
              RecordError::None);
    p.server->open(*p.engine, sink);
    EXPECT_EQ(p.server->error(), RecordError::KeyUpdate);
    EXPECT_TRUE(p.server->next_open().has_next()); // nothing taken
}

TEST(RecordLayerKeyUpdate, MalformedKeyUpdatesAndOtherHandshakesEndTheLayer) {
    const TlsSuite suite = TlsSuite::Tls13Aes256Gcm;
    const std::pair<Bytes, RecordError> cases[] = {
        {{24, 0, 0, 1, 2}, RecordError::KeyUpdate},                 // request_update out of range
        {{24, 0, 0, 2, 0, 0}, RecordError::KeyUpdate},              // wrong length
        {{24, 0, 0, 1}, RecordError::KeyUpdate},                    // truncated
        {{24, 0, 0, 1, 0, 24, 0, 0, 1, 0}, RecordError::KeyUpdate}, // two in one record
        {{4, 0, 0, 1, 0}, RecordError::BadContent}, // NewSessionTicket from a client
    };
    for (const auto& [body, want] : cases) {
        Pair p(suite, 0);
        supply(p.server->next_open(), suite, 0x33);
        auto c_old = key(suite, 0x11);
        Collect sink;
        ASSERT_EQ(p.server->append(seal_with(*p.engine, *c_old, 0, body, 22)), RecordError::None);
        p.server->open(*p.engine, sink);
        EXPECT_EQ(p.server->error(), want);
        EXPECT_EQ(p.server->key_updates(), 0u);
    }
}

TEST(RecordLayerKeyUpdate, AnInPlaceOpenOfAShortRecordHoldsTheSessionsNextRecord) {
    const TlsSuite suite = TlsSuite::Tls13Aes256Gcm;
    Pair p(suite, 0);
    supply(p.server->next_open(), suite, 0x33);
    auto c_old = key(suite, 0x11), c_new = key(suite, 0x33);
    Bytes ku = seal_with(*p.engine, *c_old, 0, kKeyUpdateNotRequested, 22);
    Bytes ip = ipv4(64, 5);
    Bytes data = seal_with(*p.engine, *c_new, 0, data_packet(Bytes{0x00, 0x21} + ip), 23);
    crypto::TlsRecordOp op1, op2;
    ASSERT_TRUE(p.server->prepare_open(ku.data(), static_cast<uint32_t>(ku.size()), op1));
    // Not in the same batch: the key it is opened with depends on the KeyUpdate.
    EXPECT_FALSE(p.server->prepare_open(data.data(), static_cast<uint32_t>(data.size()), op2));
    p.engine->process_records({&op1, 1});
    Collect sink;
    EXPECT_TRUE(p.server->finish_open(op1, sink).empty());
    EXPECT_EQ(p.server->key_updates(), 1u);
    ASSERT_TRUE(p.server->prepare_open(data.data(), static_cast<uint32_t>(data.size()), op2));
    EXPECT_EQ(op2.seq, 0u);
    p.engine->process_records({&op2, 1});
    ByteSpan got = p.server->finish_open(op2, sink);
    EXPECT_EQ(Bytes(got.begin(), got.end()), ip);
    // A long data record does not hold the next one.
    ASSERT_TRUE(p.server->prepare_open(data.data(), static_cast<uint32_t>(data.size()), op1));
    Bytes data2 = data;
    EXPECT_TRUE(p.server->prepare_open(data2.data(), static_cast<uint32_t>(data2.size()), op2));
}

TEST(RecordLayerKeyUpdate, TwelveHasNoKeyUpdateAHandshakeRecordIsBadContent) {
    Pair p(TlsSuite::Tls12Aes256Gcm);
    supply(p.server->next_open(), TlsSuite::Tls12Aes256Gcm, 0x33);
    Collect sink;
    ASSERT_EQ(p.server->append(p.seal_bytes(kKeyUpdateNotRequested, 22)), RecordError::None);
    p.server->open(*p.engine, sink);
    EXPECT_EQ(p.server->error(), RecordError::BadContent);
}

TEST(RecordLayer, BrokenSstpFramingStopsTheLayer) {
    Pair p(TlsSuite::Tls13Aes256Gcm);
    Collect sink;
    ASSERT_EQ(p.server->append(p.seal_bytes({0x20, 0, 0, 8, 0, 0, 0, 0})), RecordError::None);
    EXPECT_EQ(p.server->open(*p.engine, sink), 1u);
    EXPECT_EQ(p.server->error(), RecordError::BadPacket);
}

TEST(RecordLayer, PppIpv4Payload) {
    Bytes ip = ipv4(30, 1);
    for (Bytes prefix : {Bytes{0xFF, 0x03, 0x00, 0x21}, Bytes{0x00, 0x21}, Bytes{0x21}}) {
        Bytes f = prefix;
        f.insert(f.end(), ip.begin(), ip.end());
        Bytes pk = data_packet(f);
        ByteSpan got = ppp_ipv4_payload(pk);
        EXPECT_EQ(Bytes(got.begin(), got.end()), ip);
    }
    EXPECT_TRUE(ppp_ipv4_payload(data_packet({0xFF, 0x03, 0x57, 0x00})).empty()); // IPv6, PFC
    EXPECT_TRUE(ppp_ipv4_payload(wire::build_echo_request()).empty());
}

} // namespace
} // namespace vp::dp::sstp

namespace vp::dp::sstp {
namespace {

// The worker's in-place path (prepare_open / finish_open): records opened where they lie, in one
// batch, in the order prepared; a record that is exactly one IPv4 data packet comes back as that
// packet (inside the record's bytes); anything else (a packet split over records, an echo) goes
// to the sink as open() would hand it; a bad tag stops the layer; bytes already buffered, a cut
// record or a bad header refuse the fast path without taking a sequence number.
TEST(RecordLayerInPlace, OpensInOrderAndFallsBackToTheSink) {
    for (TlsSuite suite : {TlsSuite::Tls12Aes256Gcm, TlsSuite::Tls13Aes256Gcm}) {
        Pair p(suite);
        auto frame = [](const Bytes& ip) {
            Bytes f = {0xFF, 0x03, 0x00, 0x21};
            f.insert(f.end(), ip.begin(), ip.end());
            return data_packet(f);
        };
        auto as_bytes = [](ByteSpan b) { return Bytes(b.begin(), b.end()); };
        Bytes ip1 = ipv4(64, 1), ip2 = ipv4(1400, 2), ip3 = ipv4(300, 3);
        Bytes split = frame(ip3); // over records 3 and 4
        std::vector<Bytes> recs = {p.seal_bytes(frame(ip1)), p.seal_bytes(frame(ip2)),
                                   p.seal_bytes(Bytes(split.begin(), split.begin() + 100)),
                                   p.seal_bytes(Bytes(split.begin() + 100, split.end())),
                                   p.seal_bytes(wire::build_echo_request())};
        std::vector<crypto::TlsRecordOp> ops(recs.size());
        for (size_t i = 0; i < recs.size(); ++i)
            ASSERT_TRUE(p.server->prepare_open(recs[i].data(),
                                               static_cast<uint32_t>(recs[i].size()), ops[i]));
        EXPECT_EQ(p.server->open_seq(), 6u);
        p.engine->process_records(ops);
        Collect sink;
        EXPECT_EQ(as_bytes(p.server->finish_open(ops[0], sink)), ip1);
        ByteSpan second = p.server->finish_open(ops[1], sink);
        EXPECT_EQ(as_bytes(second), ip2);
        EXPECT_TRUE(second.data() > recs[1].data() &&
                    second.data() < recs[1].data() + recs[1].size())
            << "inside the record: no copy";
        EXPECT_TRUE(p.server->finish_open(ops[2], sink).empty()) << "half a packet";
        EXPECT_TRUE(p.server->finish_open(ops[3], sink).empty()) << "completed through the sink";
        EXPECT_TRUE(p.server->finish_open(ops[4], sink).empty());
        ASSERT_EQ(sink.ip.size(), 1u);
        EXPECT_EQ(sink.ip[0], ip3);
        EXPECT_EQ(sink.control.size(), 1u);
        EXPECT_FALSE(p.server->failed());

        // Not one whole record, or a bad header: refused, no sequence number taken.
        Bytes next = p.seal_bytes(frame(ipv4(80, 4)));
        crypto::TlsRecordOp op;
        EXPECT_FALSE(
            p.server->prepare_open(next.data(), static_cast<uint32_t>(next.size() - 1), op));
        Bytes bad = next;
        bad[0] = 99;
        EXPECT_FALSE(p.server->prepare_open(bad.data(), static_cast<uint32_t>(bad.size()), op));
        // Bytes buffered by append(): the in-place path waits for them.
        ASSERT_EQ(p.server->append({next.data(), 3}), RecordError::None);
        EXPECT_FALSE(p.server->prepare_open(next.data(), static_cast<uint32_t>(next.size()), op));
        EXPECT_EQ(p.server->open_seq(), 6u);
        ASSERT_EQ(p.server->append({next.data() + 3, next.size() - 3}), RecordError::None);
        EXPECT_EQ(p.server->open(*p.engine, sink), 1u);
        EXPECT_EQ(sink.ip.size(), 2u);

        // A flipped tag stops the layer; what follows is not handed out.
        Bytes tampered = p.seal_bytes(frame(ipv4(90, 5)));
        Bytes after = p.seal_bytes(frame(ipv4(90, 6)));
        tampered.back() ^= 1;
        crypto::TlsRecordOp both[2];
        ASSERT_TRUE(p.server->prepare_open(tampered.data(), static_cast<uint32_t>(tampered.size()),
                                           both[0]));
        ASSERT_TRUE(
            p.server->prepare_open(after.data(), static_cast<uint32_t>(after.size()), both[1]));
        p.engine->process_records(both);
        EXPECT_TRUE(p.server->finish_open(both[0], sink).empty());
        EXPECT_EQ(p.server->error(), RecordError::BadTag);
        EXPECT_TRUE(p.server->finish_open(both[1], sink).empty());
        EXPECT_EQ(sink.ip.size(), 2u);
    }
}

} // namespace
} // namespace vp::dp::sstp
