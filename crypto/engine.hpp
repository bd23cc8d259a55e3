// CryptoEngine: a worker core's per-packet crypto for OpenVPN data-channel packets. One per
// worker (it owns an ipsec-mb manager, which is single-threaded); it seals or opens a whole burst
// of DataOps with one batch submission to ipsec-mb (by default AES-GCM ops instead go one call
// each to ipsec-mb's direct GCM API: SubmitMode::Direct). No heap, locks, exceptions or virtual
// calls per packet; everything works in place on contiguous buffers (pointers into mbuf data),
// except opens given a gather list (DataOp::src), which decrypt out of place.
//
// Region layout. An op protects one region of a packet: everything after the OpenVPN
// opcode/peer-id (and, for AEAD, after the packet-id). Its shape is fixed by the key:
//
//     [auth: DataKey::auth_bytes()][iv: DataKey::iv_bytes()][body]
//
//   AEAD (AES-GCM, ChaCha20-Poly1305)   [tag 16][ciphertext]          body = payload
//   CBC + HMAC                          [HMAC][IV 16][E(body||pad)]   body = packet-id||payload
//   CBC, auth none                      [IV 16][E(body||pad)]
//   cipher none + HMAC                  [HMAC][body]                  body = packet-id||payload
//   none/none                           [body]
//
// which is exactly OpenVPN's data channel (openvpn.md "Data channel"): the AEAD tag follows the
// packet-id; for CBC the HMAC covers IV||ciphertext and the packet-id is encrypted.
//
// Seal: the caller writes the body at data + header_bytes() and sets len = body bytes. For CBC
// it must leave DataKey::tail_bytes() (16) writable bytes after the body for PKCS#7 padding.
// The engine fills the IV slot from its IV generator unless caller_iv is set, encrypts, and
// writes the tag/HMAC into the auth slot. out_len = bytes of the region to transmit.
// Open: len = region bytes as received. The tag/HMAC is verified in constant time; the body is
// decrypted in place; for CBC the PKCS#7 padding is then checked and stripped. The plaintext is
// data[out_offset, out_offset + out_len). When a tag, HMAC or padding check fails (or ipsec-mb
// fails) the body bytes are zeroed and out_len is 0: nothing decrypted from an unauthenticated
// packet is left to be trusted by mistake. Ops rejected before any crypto (BadLength, InvalidOp)
// leave the buffer as it was.
//
// AEAD nonce (12 bytes) = the 4-byte packet-id as on the wire (op.packet_id) || the DataKey's
// 8-byte implicit IV. AAD = op.aad/op.aad_len: for DATA_V2 the 8 bytes opcode/peer-id/packet-id,
// for DATA_V1 the 4-byte packet-id. Both are ignored by non-AEAD ops (for them the packet-id is
// in the body).
//
// CBC open runs as one chained ipsec-mb job (HMAC over IV||ciphertext, then decrypt) so that a
// burst stays one submission; the HMAC comparison happens before anything looks at the
// decrypted bytes, so the padding check can't become an oracle (encrypt-then-MAC as OpenVPN).
#pragma once

#include "base/result.hpp"
#include "crypto/data_key.hpp"
#include "crypto/iv_generator.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

struct IMB_MGR;

namespace vp::crypto {

struct TlsRecordOp;

enum class Direction : uint8_t { Seal, Open };

enum class OpStatus : uint8_t {
    Ok,
    AuthFailed,  // open: tag or HMAC mismatch
    BadPadding,  // open, CBC: authenticated (or auth none) but PKCS#7 padding invalid
    BadLength,   // region shorter than its header, not whole CBC blocks, over kMaxDataBytes,
                 // or (non-AEAD) a body shorter than its 4-byte packet-id
    InvalidOp,   // caller bug: no key or data, AEAD without packet_id, aad_len without aad,
                 // or a key whose GCM tables were built for another ipsec-mb arch
    EngineError, // ipsec-mb refused the job: a bug, never caused by packet contents
};

constexpr std::string_view to_string(OpStatus s) {
    switch (s) {
    case OpStatus::Ok:
        return "ok";
    case OpStatus::AuthFailed:
        return "auth_failed";
    case OpStatus::BadPadding:
        return "bad_padding";
    case OpStatus::BadLength:
        return "bad_length";
    case OpStatus::InvalidOp:
        return "invalid_op";
    case OpStatus::EngineError:
        return "engine_error";
    }
    return "?";
}

// Where an open's ciphertext lies when it is not (all) in the region itself: a packet whose bytes
// are spread over buffers shared with other packets (an OpenVPN/TCP unit cut from MSS-sized
// segments). Region bytes [offset, len) are read from segs, in order (their lengths add up to
// len - offset), and the plaintext is written to data + offset: one pass, no copy first. The
// caller puts the region's first `offset` bytes at data (with the tag/HMAC, when offset covers
// it) and leaves room for the rest.
struct GatherSeg {
    const uint8_t* p = nullptr;
    uint32_t len = 0;
};
struct GatherSrc {
    static constexpr uint8_t kMaxSegs = 8;
    uint32_t offset = 0;
    uint8_t n = 0;
    GatherSeg segs[kMaxSegs];
};

// One packet's crypto operation. Plain data: fill the inputs, pass a span of them to
// CryptoEngine::process, read the outputs.
struct DataOp {
    // --- inputs ---
    const DataKey* key = nullptr;
    uint8_t* data = nullptr; // start of the region (layout above)
    // Open only, optional: the ciphertext's gather list (GatherSrc above). AES-GCM ops whose
    // offset covers the tag are decrypted straight from the segments (SubmitMode::Direct); any
    // other op copies them into the region first and proceeds in place.
    const GatherSrc* src = nullptr;
    const uint8_t* aad = nullptr;       // AEAD only
    const uint8_t* packet_id = nullptr; // AEAD only: 4 bytes, the nonce's first part
    uint32_t len = 0;                   // seal: body bytes; open: region bytes
    uint16_t aad_len = 0;               // AEAD only
    Direction direction = Direction::Seal;
    bool caller_iv = false; // CBC seal: use the 16 bytes already in the IV slot (tests, KATs)
    // --- outputs ---
    OpStatus status = OpStatus::Ok;
    uint32_t out_offset = 0; // open: plaintext body starts at data + out_offset; seal: 0
    uint32_t out_len = 0;    // seal: region bytes to send; open: plaintext body bytes
};

static_assert(sizeof(DataOp) <= 64, "a burst of ops should stay a few cache lines");

enum class SubmitMode : uint8_t {
    Burst,  // IMB_GET_NEXT_BURST / IMB_SUBMIT_BURST / IMB_FLUSH_BURST
    Jobs,   // IMB_GET_NEXT_JOB + IMB_SUBMIT_JOB per op, then IMB_FLUSH_JOB
    Direct, // AES-GCM ops through ipsec-mb's direct GCM API (one call per op with the key's
            // precomputed tables: no job manager), every other op as Burst
};

class CryptoEngine {
public:
    // Ops per ipsec-mb submission; process() splits longer spans.
    static constexpr size_t kMaxChunk = 64;
    // Largest body or region accepted (covers jumbo frames and 16 KiB TLS records).
    static constexpr uint32_t kMaxDataBytes = 65535;
    // Burst was faster than Jobs in 89 of 98 raw ipsec-mb runs (median +5%) and in 64 of 98
    // engine runs (median +2%) of perf/crypto/crypto_bench.cpp on an AMD EPYC (avx512-vaes).
    // Direct spares AES-GCM the job manager (its per-job validation and dispatch, about a third
    // of ipsec-mb's time for a 64-byte packet there): see perf/README.md, issue 15.
    static constexpr SubmitMode kDefaultSubmitMode = SubmitMode::Direct;

    // Control path: allocates the manager (best code path for this CPU) and seeds the IV
    // generator. Create it on (or for) the worker core that will use it.
    static Result<std::unique_ptr<CryptoEngine>> create(SubmitMode mode = kDefaultSubmitMode);
    ~CryptoEngine();
    CryptoEngine(const CryptoEngine&) = delete;
    CryptoEngine& operator=(const CryptoEngine&) = delete;

    // Seals/opens every op (in any mix of keys, ciphers and directions) and sets each op's
    // status and outputs. Never fails as a whole.
    void process(std::span<DataOp> ops) noexcept;

    // The same for TLS records (crypto/tls_record.hpp; crypto/tls_record_engine.cpp): one batch
    // submission per chunk of up to kMaxChunk records, a second one only for the MAC of CBC
    // records being opened (MAC-then-encrypt: the MAC's length comes from the decrypted
    // padding).
    void process_records(std::span<TlsRecordOp> ops) noexcept;

    // The ipsec-mb code path chosen for this CPU, e.g. "avx512-vaes".
    std::string_view arch_name() const noexcept;
    SubmitMode submit_mode() const noexcept { return mode_; }

private:
    // Per-op scratch, indexed by the op's position in its chunk.
    struct alignas(64) Slot {
        uint8_t nonce[16]; // AEAD: packet-id || implicit IV
        uint8_t tag[64];   // open: the tag/HMAC ipsec-mb computed, compared with the packet's
    };

    CryptoEngine() = default;
    void process_chunk(DataOp* ops, size_t n) noexcept;
    void submit_burst(DataOp* ops, const uint16_t* todo, size_t n) noexcept;
    void submit_jobs(DataOp* ops, const uint16_t* todo, size_t n) noexcept;
    void fill_job(void* job, const DataOp& op, uint16_t index) noexcept;
    void complete(DataOp* ops, const void* job) noexcept;
    // SubmitMode::Direct: one AES-GCM op through the direct API, tag checked (open).
    void gcm_direct(DataOp& op, uint16_t index) noexcept;
    // The same for an open with a gather list: init, one update per segment, finalize, the tag
    // checked.
    void gcm_direct_gather(DataOp& op, uint8_t* nonce, uint8_t* tag) noexcept;
    // TLS records (tls_record_engine.cpp).
    void tls_chunk(TlsRecordOp* ops, size_t n) noexcept;
    void tls_fill_job(void* job, TlsRecordOp& op, uint16_t index) noexcept;
    void tls_complete(TlsRecordOp* ops, const void* job) noexcept;
    void tls_cbc_mac(TlsRecordOp* ops, const uint16_t* which, size_t n) noexcept;

    IMB_MGR* mgr_ = nullptr;
    SubmitMode mode_ = kDefaultSubmitMode;
    uint8_t arch_ = 0;
    IvGenerator ivgen_;
    Slot slots_[kMaxChunk];
    // The direct GCM API's per-call context (struct gcm_context_data; scratch, never reused
    // across calls).
    alignas(64) uint8_t gcm_ctx_[256] = {};
};

} // namespace vp::crypto
