// Fuzz target: the worker's SSTP record layer (dataplane/sstp/record_layer). The first byte picks
// the suite and the mode:
//  - raw: the rest is a TCP byte stream cut into appends at fuzz-chosen points; nothing forged
//    may open (no key is known to the input), and header errors must stop the layer cleanly;
//  - sealed: the rest is plaintext (arbitrary SSTP bytes) that a client record layer seals into
//    records of fuzz-chosen sizes; the server opens them, cut at fuzz-chosen points, and every
//    packet it hands out must be a whole SSTP packet that parses (or the layer stops with
//    BadPacket). This reaches the SSTP reassembly across records.
#include "dataplane/sstp/record_layer.hpp"

#include <cstdlib>
#include <cstring>

namespace {

using namespace vp;
using namespace vp::dp::sstp;
using crypto::TlsSuite;

struct Check final : RecordSink {
    size_t packets = 0;
    void ip_packet(ByteSpan p) override {
        if (p.size() > vp::sstp::kMaxPacketBytes) std::abort();
        ++packets;
    }
    void control_packet(ByteSpan p) override {
        auto parsed = vp::sstp::parse_packet(p);
        if (!parsed || parsed->size != p.size()) std::abort();
        ++packets;
    }
};

std::unique_ptr<crypto::TlsRecordKey> key(TlsSuite suite, uint8_t fill) {
    auto sizes = crypto::tls_suite_sizes(suite);
    Bytes k(sizes.enc_key, fill), iv(sizes.iv, fill);
    auto r = crypto::TlsRecordKey::create(suite, k, iv, {});
    if (!r.ok()) std::abort();
    return std::move(*r);
}

crypto::CryptoEngine& engine() {
    static auto e = crypto::CryptoEngine::create();
    if (!e.ok()) std::abort();
    return **e;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    static constexpr TlsSuite suites[] = {TlsSuite::Tls12Aes128Gcm, TlsSuite::Tls12Aes256Gcm,
                                          TlsSuite::Tls13Aes128Gcm, TlsSuite::Tls13Aes256Gcm,
                                          TlsSuite::Tls13ChaCha20Poly1305};
    TlsSuite suite = suites[(data[0] & 0x7F) % 5];
    bool sealed = data[0] & 0x80;
    uint8_t cut = data[1] | 1;
    ByteSpan in(data + 2, size - 2);
    RecordLayer server(key(suite, 1), 7, key(suite, 2), 7);
    Check sink;
    if (!sealed) {
        for (size_t off = 0; off < in.size() && !server.failed();) {
            size_t n = std::min<size_t>(in.size() - off, cut + off % 97);
            if (server.room() < n && server.open(engine(), sink) != 0) std::abort();
            if (server.room() < n) break;
            server.append(in.subspan(off, n));
            off += n;
        }
        if (server.open(engine(), sink) != 0 || sink.packets != 0) std::abort();
        return 0;
    }
    RecordLayer client(key(suite, 2), 7, key(suite, 1), 7);
    Bytes stream;
    // Records of 4..303 plaintext bytes (what prepare_seal_packet takes); a shorter tail is left.
    for (size_t off = 0; in.size() - off >= vp::sstp::kPacketHeaderBytes;) {
        size_t n = std::min<size_t>(in.size() - off, 4 + (cut * (off + 1)) % 300);
        const auto& k = client.seal_key();
        Bytes rec(k.seal_offset() + n + k.seal_tail());
        std::memcpy(rec.data() + k.seal_offset(), in.data() + off, n);
        crypto::TlsRecordOp op;
        if (!client.prepare_seal_packet(rec.data(), static_cast<uint32_t>(n), op)) std::abort();
        engine().process_records({&op, 1});
        if (op.status != crypto::TlsRecordStatus::Ok) std::abort();
        stream.insert(stream.end(), rec.begin(), rec.begin() + op.out_len);
        off += n;
    }
    size_t records = 0;
    for (size_t off = 0; off < stream.size() && !server.failed();) {
        size_t n = std::min<size_t>(stream.size() - off, cut * 7);
        if (server.room() < n) records += server.open(engine(), sink);
        if (server.append(ByteSpan(stream).subspan(off, n)) != RecordError::None) break;
        off += n;
    }
    records += server.open(engine(), sink);
    if (!server.failed() && server.open_seq() != client.seal_seq()) std::abort();
    (void)records;
    return 0;
}
