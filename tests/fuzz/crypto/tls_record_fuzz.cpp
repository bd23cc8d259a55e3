// Fuzz target: the TLS record header parser and CryptoEngine's record open on arbitrary bytes,
// with fixed keys for every suite. Input byte 0 picks the suite (low nibble) and the mode:
//   bit 7 clear: bytes 1.. are a record stream; each record the header parser accepts is opened
//                (forged records must fail authentication, never crash or read past the span);
//   bit 7 set:   bytes 2.. are a plaintext; it is sealed, byte 1 picks a position to flip (0:
//                none), and the record is opened again: it must round-trip, or fail if flipped.
// Sequence numbers come from the input too (byte 1 in stream mode).
#include "crypto/engine.hpp"
#include "crypto/tls_record.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

using namespace vp::crypto;

namespace {

constexpr TlsSuite kSuites[] = {
    TlsSuite::Tls12Aes128Gcm,     TlsSuite::Tls12Aes256Gcm,       TlsSuite::Tls12Aes128CbcSha1,
    TlsSuite::Tls12Aes256CbcSha1, TlsSuite::Tls12Aes128CbcSha256, TlsSuite::Tls12Aes256CbcSha256,
    TlsSuite::Tls13Aes128Gcm,     TlsSuite::Tls13Aes256Gcm,       TlsSuite::Tls13ChaCha20Poly1305,
};
constexpr size_t kNumSuites = sizeof kSuites / sizeof kSuites[0];

struct Fixture {
    std::unique_ptr<CryptoEngine> engine;
    std::unique_ptr<TlsRecordKey> keys[kNumSuites];
    Fixture() {
        auto e = CryptoEngine::create();
        if (!e) abort();
        engine = std::move(*e);
        uint8_t material[64];
        for (size_t i = 0; i < sizeof material; ++i)
            material[i] = static_cast<uint8_t>(0xa5 ^ (i * 29));
        for (size_t s = 0; s < kNumSuites; ++s) {
            const TlsSuiteSizes sz = tls_suite_sizes(kSuites[s]);
            auto k = TlsRecordKey::create(kSuites[s], {material, sz.enc_key},
                                          {material + 32, sz.iv}, {material + 16, sz.mac_key});
            if (!k) abort();
            keys[s] = std::move(*k);
        }
    }
};

void check_open(const TlsRecordOp& op) {
    if (op.status == TlsRecordStatus::Ok) {
        if (op.out_offset + op.out_len > op.len || op.out_len > kTlsMaxPlaintext) abort();
    } else if (op.out_len != 0) {
        abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Fixture f;
    if (size < 2) return 0;
    const size_t s = (data[0] & 0x0f) % kNumSuites;
    const TlsRecordKey& key = *f.keys[s];
    const bool tls13 = is_tls13(kSuites[s]);
    std::vector<uint8_t> buf;

    if ((data[0] & 0x80) == 0) {
        std::span<const uint8_t> stream(data + 2, size - 2);
        uint64_t seq = data[1];
        while (!stream.empty()) {
            const TlsHeaderParse h = parse_tls_record_header(stream, tls13);
            if (!h.ok()) break;
            // The record as far as the input goes (a truncated one must be refused).
            const size_t len = std::min<size_t>(stream.size(), kTlsHeaderBytes + h.header.length);
            buf.assign(stream.begin(), stream.begin() + static_cast<ptrdiff_t>(len));
            TlsRecordOp op;
            op.key = &key;
            op.record = buf.data();
            op.len = static_cast<uint32_t>(len);
            op.seq = seq++;
            op.open = true;
            f.engine->process_records(std::span<TlsRecordOp>(&op, 1));
            check_open(op);
            if (op.status == TlsRecordStatus::Ok) abort(); // nobody can forge a record
            stream = stream.subspan(len);
        }
        return 0;
    }

    const size_t n = std::min<size_t>(size - 2, kTlsMaxPlaintext);
    buf.assign(key.seal_offset() + n + key.seal_tail(), 0);
    std::memcpy(buf.data() + key.seal_offset(), data + 2, n);
    TlsRecordOp op;
    op.key = &key;
    op.record = buf.data();
    op.len = static_cast<uint32_t>(n);
    op.seq = data[1];
    op.type = 23;
    f.engine->process_records(std::span<TlsRecordOp>(&op, 1));
    if (op.status != TlsRecordStatus::Ok || op.out_len != key.sealed_bytes(op.len)) abort();
    const uint32_t rec_len = op.out_len;
    const size_t flip = data[1] == 0 ? 0 : 5 + data[1] * 131u % (rec_len - 5);
    if (flip != 0) buf[flip] ^= 0x01;
    TlsRecordOp back;
    back.key = &key;
    back.record = buf.data();
    back.len = rec_len;
    back.seq = data[1];
    back.open = true;
    f.engine->process_records(std::span<TlsRecordOp>(&back, 1));
    check_open(back);
    if (flip == 0) {
        if (back.status != TlsRecordStatus::Ok || back.out_len != n || back.type != 23 ||
            std::memcmp(buf.data() + back.out_offset, data + 2, n) != 0)
            abort();
    } else if (back.status == TlsRecordStatus::Ok) {
        abort();
    }
    return 0;
}
