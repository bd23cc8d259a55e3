// The worker's TLS record layer against OpenSSL's own: a real OpenSSL client and server over
// memory BIOs complete a handshake, the server's record keys are exported
// (control/tls/key_export), and then records the OpenSSL client writes are opened by
// CryptoEngine, records CryptoEngine seals are read by the OpenSSL client, for every suite the
// worker supports. Also: tampering, wrong sequence numbers, hand-crafted CBC records with long
// and broken padding, header bounds, and a TLS 1.3 KeyUpdate applied by the worker.
#include "control/tls/context.hpp"
#include "control/tls/key_export.hpp"
#include "crypto/engine.hpp"
#include "crypto/tls_record.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstring>
#include <string>
#include <vector>

using namespace vp;
using crypto::TlsRecordOp;
using crypto::TlsRecordStatus;
using crypto::TlsSuite;

namespace {

// A self-signed RSA certificate: the ECDHE-RSA and RSA key-exchange suites need an RSA key.
struct RsaIdentity {
    tls::X509Ptr cert;
    tls::EvpPkeyPtr key;
    // Server credentials holding their own references.
    tls::Credentials credentials() const {
        tls::Credentials c;
        X509_up_ref(cert.get());
        c.certificate.reset(cert.get());
        EVP_PKEY_up_ref(key.get());
        c.private_key.reset(key.get());
        return c;
    }
    static const RsaIdentity& get() {
        static const RsaIdentity id = [] {
            RsaIdentity r;
            r.key.reset(EVP_RSA_gen(2048));
            r.cert.reset(X509_new());
            X509_set_version(r.cert.get(), 2);
            ASN1_INTEGER_set(X509_get_serialNumber(r.cert.get()), 1);
            X509_gmtime_adj(X509_getm_notBefore(r.cert.get()), -3600);
            X509_gmtime_adj(X509_getm_notAfter(r.cert.get()), 86400);
            X509_set_pubkey(r.cert.get(), r.key.get());
            X509_NAME* name = X509_get_subject_name(r.cert.get());
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("sstp.test"), -1, -1,
                                       0);
            X509_set_issuer_name(r.cert.get(), name);
            X509_sign(r.cert.get(), r.key.get(), EVP_sha256());
            return r;
        }();
        return id;
    }
};

struct Case {
    const char* name;
    bool tls13;
    const char* openssl_suite;
    TlsSuite suite;
};

const Case kCases[] = {
    {"ECDHE_RSA_AES256_GCM_SHA384", false, "ECDHE-RSA-AES256-GCM-SHA384", TlsSuite::Tls12Aes256Gcm},
    {"ECDHE_RSA_AES128_GCM_SHA256", false, "ECDHE-RSA-AES128-GCM-SHA256", TlsSuite::Tls12Aes128Gcm},
    {"AES256_SHA", false, "AES256-SHA", TlsSuite::Tls12Aes256CbcSha1},
    {"AES256_SHA256", false, "AES256-SHA256", TlsSuite::Tls12Aes256CbcSha256},
    {"ECDHE_RSA_AES128_SHA", false, "ECDHE-RSA-AES128-SHA", TlsSuite::Tls12Aes128CbcSha1},
    {"TLS_AES_256_GCM_SHA384", true, "TLS_AES_256_GCM_SHA384", TlsSuite::Tls13Aes256Gcm},
    {"TLS_AES_128_GCM_SHA256", true, "TLS_AES_128_GCM_SHA256", TlsSuite::Tls13Aes128Gcm},
    {"TLS_CHACHA20_POLY1305_SHA256", true, "TLS_CHACHA20_POLY1305_SHA256",
     TlsSuite::Tls13ChaCha20Poly1305},
};

Bytes drain(BIO* bio) {
    Bytes out(BIO_ctrl_pending(bio));
    if (!out.empty())
        out.resize(static_cast<size_t>(BIO_read(bio, out.data(), static_cast<int>(out.size()))));
    return out;
}

void put(BIO* bio, ByteSpan b) {
    if (b.empty()) return;
    ASSERT_EQ(BIO_write(bio, b.data(), static_cast<int>(b.size())), static_cast<int>(b.size()));
}

// Splits a byte stream into whole records.
std::vector<Bytes> split_records(ByteSpan stream, bool tls13) {
    std::vector<Bytes> out;
    while (!stream.empty()) {
        const auto h = crypto::parse_tls_record_header(stream, tls13);
        EXPECT_TRUE(h.ok()) << to_string(h.error);
        if (!h.ok() || stream.size() < 5u + h.header.length) break;
        out.emplace_back(stream.begin(), stream.begin() + 5 + h.header.length);
        stream = stream.subspan(5 + h.header.length);
    }
    return out;
}

Bytes pattern(size_t n, uint8_t salt) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(i * 7 + salt);
    return b;
}

// An OpenSSL client and server, handshake done, server keys exported.
class Pair {
public:
    explicit Pair(const Case& c) : case_(c) {
        tls::Policy policy;
        policy.min_version = c.tls13 ? tls::Version::Tls13 : tls::Version::Tls12;
        policy.max_version = policy.min_version;
        (c.tls13 ? policy.ciphersuites : policy.cipher_list) = c.openssl_suite;
        policy.verify_peer = false;
        auto sctx = tls::Context::server(RsaIdentity::get().credentials(), policy);
        auto cctx = tls::Context::client(tls::Credentials{}, policy);
        if (!sctx || !cctx) {
            ADD_FAILURE() << "context: " << (!sctx ? sctx.message() : cctx.message());
            return;
        }
        server_ctx_ = *sctx;
        client_ctx_ = *cctx;
        EXPECT_TRUE(tls::configure_for_offload(server_ctx_->native()).ok());
        server_.reset(SSL_new(server_ctx_->native()));
        client_.reset(SSL_new(client_ctx_->native()));
        for (SSL* s : {server_.get(), client_.get()}) {
            BIO* r = BIO_new(BIO_s_mem());
            BIO* w = BIO_new(BIO_s_mem());
            BIO_set_mem_eof_return(r, -1);
            SSL_set_bio(s, r, w);
        }
        SSL_set_accept_state(server_.get());
        SSL_set_connect_state(client_.get());
        bool cdone = false, sdone = false;
        for (int round = 0; round < 20 && !(cdone && sdone); ++round) {
            if (!cdone) cdone = SSL_do_handshake(client_.get()) == 1;
            put(SSL_get_rbio(server_.get()), drain(SSL_get_wbio(client_.get())));
            if (!sdone) sdone = SSL_do_handshake(server_.get()) == 1;
            put(SSL_get_rbio(client_.get()), drain(SSL_get_wbio(server_.get())));
        }
        if (!cdone) cdone = SSL_do_handshake(client_.get()) == 1;
        EXPECT_TRUE(cdone && sdone) << c.name;
        // The hand-over point: the server has nothing left to say or to read.
        EXPECT_EQ(BIO_ctrl_pending(SSL_get_wbio(server_.get())), 0u);
        EXPECT_EQ(BIO_ctrl_pending(SSL_get_rbio(server_.get())), 0u);
        auto keys = tls::export_record_keys(server_.get());
        if (!keys) {
            ADD_FAILURE() << keys.message();
            return;
        }
        keys_ = std::make_unique<tls::RecordKeys>(std::move(*keys));
        EXPECT_EQ(keys_->suite, c.suite);
        auto open = tls::make_record_key(c.suite, keys_->client_write);
        auto seal = tls::make_record_key(c.suite, keys_->server_write);
        EXPECT_TRUE(open && seal);
        if (open) open_key_ = std::move(*open);
        if (seal) seal_key_ = std::move(*seal);
        open_seq_ = keys_->client_write.seq;
        seal_seq_ = keys_->server_write.seq;
        auto e = crypto::CryptoEngine::create();
        EXPECT_TRUE(e.ok());
        if (e) engine_ = std::move(*e);
    }

    bool ready() const { return open_key_ && seal_key_ && engine_; }

    // The OpenSSL client writes each payload; returns the records it produced.
    std::vector<Bytes> client_writes(const std::vector<Bytes>& payloads) {
        for (const Bytes& p : payloads) {
            size_t written = 0;
            EXPECT_EQ(SSL_write_ex(client_.get(), p.data(), p.size(), &written), 1);
        }
        return split_records(drain(SSL_get_wbio(client_.get())), case_.tls13);
    }

    // Opens records with the worker's layer in one batch; returns the concatenated plaintext.
    Bytes worker_open(std::vector<Bytes>& records, TlsRecordStatus expect = TlsRecordStatus::Ok) {
        std::vector<TlsRecordOp> ops(records.size());
        for (size_t i = 0; i < records.size(); ++i) {
            ops[i].key = open_key_.get();
            ops[i].record = records[i].data();
            ops[i].len = static_cast<uint32_t>(records[i].size());
            ops[i].seq = open_seq_++;
            ops[i].open = true;
        }
        engine_->process_records(std::span<TlsRecordOp>(ops));
        Bytes out;
        for (const TlsRecordOp& op : ops) {
            EXPECT_EQ(op.status, expect) << to_string(op.status);
            if (op.status != TlsRecordStatus::Ok) continue;
            EXPECT_EQ(op.type, 23);
            out.insert(out.end(), op.record + op.out_offset,
                       op.record + op.out_offset + op.out_len);
        }
        return out;
    }

    // Seals payloads with the worker's layer in one batch; returns the records.
    std::vector<Bytes> worker_seal(const std::vector<Bytes>& payloads, uint8_t type = 23) {
        std::vector<Bytes> records(payloads.size());
        std::vector<TlsRecordOp> ops(payloads.size());
        for (size_t i = 0; i < payloads.size(); ++i) {
            records[i].resize(seal_key_->seal_offset() + payloads[i].size() +
                              seal_key_->seal_tail());
            std::memcpy(records[i].data() + seal_key_->seal_offset(), payloads[i].data(),
                        payloads[i].size());
            ops[i].key = seal_key_.get();
            ops[i].record = records[i].data();
            ops[i].len = static_cast<uint32_t>(payloads[i].size());
            ops[i].seq = seal_seq_++;
            ops[i].type = type;
        }
        engine_->process_records(std::span<TlsRecordOp>(ops));
        for (size_t i = 0; i < ops.size(); ++i) {
            EXPECT_EQ(ops[i].status, TlsRecordStatus::Ok) << to_string(ops[i].status);
            EXPECT_EQ(ops[i].out_len, seal_key_->sealed_bytes(ops[i].len));
            records[i].resize(ops[i].out_len);
        }
        return records;
    }

    // Feeds records to the OpenSSL client and reads everything it decrypts.
    Bytes client_reads(const std::vector<Bytes>& records) {
        for (const Bytes& r : records)
            put(SSL_get_rbio(client_.get()), r);
        Bytes out;
        uint8_t buf[20000];
        size_t got = 0;
        while (SSL_read_ex(client_.get(), buf, sizeof buf, &got) == 1)
            out.insert(out.end(), buf, buf + got);
        return out;
    }

    const Case& case_;
    std::shared_ptr<const tls::Context> server_ctx_, client_ctx_;
    tls::SslPtr server_, client_;
    std::unique_ptr<tls::RecordKeys> keys_;
    std::unique_ptr<crypto::TlsRecordKey> open_key_, seal_key_;
    std::unique_ptr<crypto::CryptoEngine> engine_;
    uint64_t open_seq_ = 0, seal_seq_ = 0;
};

const std::vector<size_t> kSizes = {1, 1400, 16384, 0, 63, 64, 4095};

class TlsRecordInterop : public ::testing::TestWithParam<Case> {};

TEST_P(TlsRecordInterop, OpensWhatOpenSslWrites) {
    Pair p(GetParam());
    ASSERT_TRUE(p.ready());
    EXPECT_EQ(p.open_seq_, GetParam().tls13 ? 0u : 1u);
    std::vector<Bytes> payloads;
    Bytes expect;
    for (size_t i = 0; i < kSizes.size(); ++i) {
        if (kSizes[i] == 0) continue; // SSL_write of nothing writes no record
        payloads.push_back(pattern(kSizes[i], static_cast<uint8_t>(i)));
        expect.insert(expect.end(), payloads.back().begin(), payloads.back().end());
    }
    auto records = p.client_writes(payloads);
    ASSERT_EQ(records.size(), payloads.size());
    EXPECT_EQ(p.worker_open(records), expect);
    // And again, so that sequence numbers past the first batch are right too.
    records = p.client_writes(payloads);
    EXPECT_EQ(p.worker_open(records), expect);
}

TEST_P(TlsRecordInterop, OpenSslReadsWhatTheWorkerSeals) {
    Pair p(GetParam());
    ASSERT_TRUE(p.ready());
    std::vector<Bytes> payloads;
    Bytes expect;
    for (size_t i = 0; i < kSizes.size(); ++i) {
        if (kSizes[i] == 0) continue; // OpenSSL reads an empty record as "nothing yet"
        payloads.push_back(pattern(kSizes[i], static_cast<uint8_t>(40 + i)));
        expect.insert(expect.end(), payloads.back().begin(), payloads.back().end());
    }
    EXPECT_EQ(p.client_reads(p.worker_seal(payloads)), expect);
    EXPECT_EQ(p.client_reads(p.worker_seal(payloads)), expect);
    // A worker record followed by the client's reply: both directions stay in step.
    auto records = p.client_writes({pattern(100, 9)});
    EXPECT_EQ(p.worker_open(records), pattern(100, 9));
}

TEST_P(TlsRecordInterop, FlippedBitsAndWrongSequenceNumbersFail) {
    Pair p(GetParam());
    ASSERT_TRUE(p.ready());
    auto records = p.client_writes({pattern(1400, 1), pattern(1400, 2)});
    ASSERT_EQ(records.size(), 2u);
    // Every byte position after the header, one at a time (header bits: BadHeader or auth).
    const Bytes original = records[0];
    const uint64_t seq = p.open_seq_;
    for (size_t at = 5; at < original.size(); at += 97) {
        std::vector<Bytes> one = {original};
        one[0][at] ^= 0x10;
        p.open_seq_ = seq;
        p.worker_open(one, TlsRecordStatus::AuthFailed);
    }
    // The untouched record with a wrong sequence number.
    std::vector<Bytes> one = {original};
    p.open_seq_ = seq + 1;
    p.worker_open(one, TlsRecordStatus::AuthFailed);
    // The right one still opens (a failed open leaves the caller's sequence to the caller).
    one = {original};
    p.open_seq_ = seq;
    EXPECT_EQ(p.worker_open(one), pattern(1400, 1));
    // Header type changed: authenticated data for both versions.
    one = {records[1]};
    one[0][0] = 22;
    p.worker_open(one, GetParam().tls13 ? TlsRecordStatus::BadHeader : TlsRecordStatus::AuthFailed);
}

INSTANTIATE_TEST_SUITE_P(Suites, TlsRecordInterop, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// Builds a CBC record by hand (OpenSSL EVP for AES-CBC, HMAC) with `pad` + 1 bytes of padding;
// `bad_pad` corrupts one padding byte, `bad_mac` one MAC byte.
Bytes craft_cbc(const tls::RecordDirectionKeys& k, const EVP_MD* md, uint64_t seq,
                const Bytes& plain, uint32_t pad, bool bad_pad, bool bad_mac) {
    uint8_t hdr13[13];
    for (int i = 0; i < 8; ++i)
        hdr13[i] = static_cast<uint8_t>(seq >> (56 - 8 * i));
    hdr13[8] = 23;
    hdr13[9] = 3;
    hdr13[10] = 3;
    hdr13[11] = static_cast<uint8_t>(plain.size() >> 8);
    hdr13[12] = static_cast<uint8_t>(plain.size());
    Bytes macin(hdr13, hdr13 + 13);
    macin.insert(macin.end(), plain.begin(), plain.end());
    uint8_t mac[64];
    unsigned mac_len = 0;
    HMAC(md, k.mac_key.data(), static_cast<int>(k.mac_key.size()), macin.data(), macin.size(), mac,
         &mac_len);
    if (bad_mac) mac[3] ^= 1;
    Bytes body = plain;
    body.insert(body.end(), mac, mac + mac_len);
    for (uint32_t i = 0; i <= pad; ++i)
        body.push_back(static_cast<uint8_t>(pad));
    if (bad_pad) body[body.size() - 2 - pad / 2] ^= 0x40; // a padding byte, not the length
    EXPECT_EQ(body.size() % 16, 0u);
    Bytes rec(5 + 16 + body.size());
    RAND_bytes(rec.data() + 5, 16);
    const EVP_CIPHER* cipher = k.enc_key.size() == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int outl = 0;
    EVP_EncryptInit_ex(ctx, cipher, nullptr, k.enc_key.data(), rec.data() + 5);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    EVP_EncryptUpdate(ctx, rec.data() + 21, &outl, body.data(), static_cast<int>(body.size()));
    EVP_CIPHER_CTX_free(ctx);
    rec[0] = 23;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = static_cast<uint8_t>((rec.size() - 5) >> 8);
    rec[4] = static_cast<uint8_t>(rec.size() - 5);
    return rec;
}

TEST(TlsRecordCbc, LongPaddingOpensAndBadPaddingLooksLikeBadMac) {
    for (const Case& c : kCases) {
        if (!crypto::is_tls12_cbc(c.suite)) continue;
        SCOPED_TRACE(c.name);
        Pair p(c);
        ASSERT_TRUE(p.ready());
        const tls::RecordDirectionKeys& k = p.keys_->client_write;
        const EVP_MD* md = k.mac_key.size() == 20 ? EVP_sha1() : EVP_sha256();
        const uint32_t mac = static_cast<uint32_t>(k.mac_key.size());
        for (size_t n : {0u, 1u, 100u, 1400u}) {
            // Every padding length that makes whole blocks, up to 255.
            for (uint32_t pad = 0; pad < 256; ++pad) {
                if ((n + mac + pad + 1) % 16 != 0) continue;
                const Bytes plain = pattern(n, static_cast<uint8_t>(pad));
                std::vector<Bytes> good = {craft_cbc(k, md, 5, plain, pad, false, false)};
                p.open_seq_ = 5;
                EXPECT_EQ(p.worker_open(good), plain) << n << " pad " << pad;
                for (int which = 0; which < 2; ++which) {
                    const bool bad_pad = which == 0;
                    if (bad_pad && pad == 0) continue; // a lone length byte cannot be corrupted
                    std::vector<Bytes> bad = {craft_cbc(k, md, 5, plain, pad, bad_pad, !bad_pad)};
                    p.open_seq_ = 5;
                    p.worker_open(bad, TlsRecordStatus::AuthFailed);
                }
            }
        }
    }
}

TEST(TlsRecordTls13, KeyUpdateFromTheClientIsAppliedByTheWorker) {
    Pair p(kCases[5]); // TLS_AES_256_GCM_SHA384
    ASSERT_TRUE(p.ready());
    ASSERT_EQ(SSL_key_update(p.client_.get(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
    auto records = p.client_writes({pattern(300, 3)});
    ASSERT_EQ(records.size(), 2u); // KeyUpdate (inner type 22) under the old key, then data
    std::vector<Bytes> ku = {records[0]};
    TlsRecordOp op;
    op.key = p.open_key_.get();
    op.record = ku[0].data();
    op.len = static_cast<uint32_t>(ku[0].size());
    op.seq = p.open_seq_++;
    op.open = true;
    p.engine_->process_records(std::span<TlsRecordOp>(&op, 1));
    ASSERT_EQ(op.status, TlsRecordStatus::Ok);
    EXPECT_EQ(op.type, 22);
    ASSERT_EQ(op.out_len, 5u);
    EXPECT_EQ(op.record[op.out_offset], 24); // key_update
    auto next = tls::tls13_next_traffic_secret(p.keys_->digest, p.keys_->client_traffic_secret);
    ASSERT_TRUE(next.ok());
    auto keys = tls::tls13_traffic_keys(p.case_.suite, p.keys_->digest, *next);
    ASSERT_TRUE(keys.ok());
    auto key = tls::make_record_key(p.case_.suite, *keys);
    ASSERT_TRUE(key.ok());
    p.open_key_ = std::move(*key);
    p.open_seq_ = keys->seq;
    std::vector<Bytes> data = {records[1]};
    EXPECT_EQ(p.worker_open(data), pattern(300, 3));
}

TEST(TlsRecordHeader, Bounds) {
    auto parse = [](std::initializer_list<uint8_t> b, bool tls13) {
        Bytes v(b);
        return crypto::parse_tls_record_header(v, tls13).error;
    };
    using E = crypto::TlsHeaderError;
    EXPECT_EQ(parse({23, 3, 3, 0}, false), E::Truncated);
    EXPECT_EQ(parse({23, 3, 3, 0x40, 0x00}, false), E::None);
    EXPECT_EQ(parse({23, 3, 3, 0x48, 0x00}, false), E::None); // 2^14 + 2048
    EXPECT_EQ(parse({23, 3, 3, 0x48, 0x01}, false), E::TooLong);
    EXPECT_EQ(parse({23, 3, 3, 0x41, 0x00}, true), E::None); // 2^14 + 256
    EXPECT_EQ(parse({23, 3, 3, 0x41, 0x01}, true), E::TooLong);
    EXPECT_EQ(parse({22, 3, 3, 0, 10}, true), E::BadType);
    EXPECT_EQ(parse({22, 3, 3, 0, 10}, false), E::None);
    EXPECT_EQ(parse({24, 3, 3, 0, 10}, false), E::BadType);
    EXPECT_EQ(parse({19, 3, 3, 0, 10}, false), E::BadType);
    EXPECT_EQ(parse({23, 3, 1, 0, 10}, false), E::BadVersion);
    EXPECT_EQ(parse({23, 3, 3, 0, 0}, false), E::Empty);
}

TEST(TlsRecordHeader, OpenRejectsShortAndMismatchedRecords) {
    for (const Case& c : kCases) {
        SCOPED_TRACE(c.name);
        Pair p(c);
        ASSERT_TRUE(p.ready());
        auto records = p.client_writes({pattern(10, 0)});
        ASSERT_EQ(records.size(), 1u);
        std::vector<Bytes> cut = {Bytes(records[0].begin(), records[0].end() - 1)};
        p.worker_open(cut, TlsRecordStatus::BadHeader); // header length says one more byte
        // Shortest bodies a suite cannot have: header says so consistently.
        for (uint32_t body : {1u, 16u, 23u, 31u}) {
            Bytes r(5 + body, 0);
            r[0] = 23;
            r[1] = r[2] = 3;
            r[4] = static_cast<uint8_t>(body);
            std::vector<Bytes> one = {r};
            const bool short_for_suite = crypto::is_tls12_cbc(c.suite) ? true
                                         : c.tls13                     ? body < 17
                                                                       : body < 24;
            if (short_for_suite) p.worker_open(one, TlsRecordStatus::BadLength);
        }
        TlsRecordOp op; // no key
        p.engine_->process_records(std::span<TlsRecordOp>(&op, 1));
        EXPECT_EQ(op.status, TlsRecordStatus::InvalidOp);
    }
}

TEST(TlsRecordExport, RefusesAContextNotSetUpForOffload) {
    tls::Policy policy;
    policy.verify_peer = false;
    auto sctx = tls::Context::server(RsaIdentity::get().credentials(), policy);
    ASSERT_TRUE(sctx.ok());
    tls::SslPtr ssl(SSL_new((*sctx)->native()));
    EXPECT_FALSE(tls::export_record_keys(ssl.get()).ok());
}

} // namespace
