// Data-channel crypto throughput: raw ipsec-mb (the "raw crypto" baseline the worker path is
// compared with) versus the same work through CryptoEngine (the wrapper's overhead).
//
// Run:   ninja -C build perf/bench_dataplane
//        build/perf/bench_dataplane --benchmark_filter='^(raw|engine)/.*GCM/seal/1400/'
//        (add --benchmark_repetitions=5 --benchmark_report_aggregates_only=true for spread)
// Names: <path>/<cipher>/<seal|open>/<payload bytes or imix>/manual_time, where path is
//   raw          hand-built ipsec-mb jobs, burst API (GET_NEXT_BURST/SUBMIT_BURST/FLUSH_BURST)
//   raw-jobs     hand-built ipsec-mb jobs, job API (GET_NEXT_JOB/SUBMIT_JOB per job, FLUSH_JOB)
//   engine       CryptoEngine::process with SubmitMode::Burst
//   engine-jobs  CryptoEngine::process with SubmitMode::Jobs
//   engine-direct  CryptoEngine::process with SubmitMode::Direct (the default: AES-GCM through
//                ipsec-mb's direct GCM API, the rest as Burst)
// Read: every iteration processes 8 bursts of 32 OpenVPN DATA_V2 packets in place (8 separate
// buffers, ~400 KB at 1400 B: L2-resident, as mbufs just received would be), one crypto call
// per burst. Only those calls are timed, in thread CPU time (manual timing), so restoring
// ciphertext before an open is not counted and neither is time the shared machine gives to
// other processes.
// bytes_per_second counts payload bytes (what the tunnel carries; Google Benchmark prints it in
// binary units, e.g. "1.5Gi/s"), items_per_second counts packets. The jobs are the ones OpenVPN
// needs: AEAD = payload encrypted, 8-byte AAD, 16-byte tag, nonce = packet-id || implicit IV;
// CBC = packet-id || payload || PKCS#7 padding encrypted, HMAC over IV || ciphertext. "raw"
// skips what the engine adds: validation, padding, IV generation, tag comparison.
// IMIX: each burst of 32 cycles through 7 x 64 B, 4 x 576 B, 1 x 1400 B (the classic 7:4:1
// mix, 346 B on average).
// The numbers are machine-dependent measurements, not targets: nothing here asserts on time.
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "perf/bench_matrix.hpp"
#include "perf/crypto/bench_util.hpp"

#include <benchmark/benchmark.h>
#include <intel-ipsec-mb.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace {

using vp::crypto::Cipher;
using vp::crypto::CryptoEngine;
using vp::crypto::DataKey;
using vp::crypto::DataOp;
using vp::crypto::Digest;
using vp::crypto::Direction;
using vp::crypto::OpStatus;
using vp::crypto::SubmitMode;
using vp::perf::kSizes;
using vp::perf::kSuites;
using vp::perf::Suite;

constexpr size_t kBurst = 32;
constexpr size_t kBurstsPerIteration = 8;
constexpr size_t kPackets = kBurst * kBurstsPerIteration;

void die(const std::string& what) {
    vp::perf::bench_die("bench_crypto", what);
}

// One iteration's packet buffers (kBurstsPerIteration bursts of kBurst) laid out as on the wire
// (DATA_V2 header, packet-id, auth, IV, payload, tail room), each packet on its own lines.
struct Packets {
    static constexpr size_t kStride = 2048;
    std::unique_ptr<uint8_t[]> storage;
    uint8_t* base = nullptr;
    uint32_t sizes[kPackets] = {};
    uint64_t payload_bytes = 0;

    explicit Packets(uint32_t size_arg) : storage(new uint8_t[kPackets * kStride + 64]()) {
        base = storage.get() + (64 - reinterpret_cast<uintptr_t>(storage.get()) % 64);
        for (size_t i = 0; i < kPackets; ++i) {
            sizes[i] = vp::perf::packet_size(size_arg, i % kBurst);
            payload_bytes += sizes[i];
            std::memset(packet(i), static_cast<int>(i), kStride);
        }
    }
    uint8_t* packet(size_t i) const { return base + i * kStride; }
    size_t bytes() const { return kPackets * kStride; }
};

void set_counters(benchmark::State& state, const Packets& b) {
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * b.payload_bytes));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kPackets));
}

using vp::perf::timed;

// ---------------------------------------------------------------- raw ipsec-mb baseline

struct RawKey {
    alignas(64) gcm_key_data gcm;
    alignas(16) uint8_t enc[16 * 15];
    alignas(16) uint8_t dec[16 * 15];
    alignas(16) uint8_t chacha[32];
    alignas(16) uint8_t ipad[64];
    alignas(16) uint8_t opad[64];
    uint8_t nonce[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    alignas(64) uint8_t tags[kPackets][64];
};

void raw_key_setup(IMB_MGR* mgr, const Suite& s, RawKey& k) {
    uint8_t key[32], hkey[128] = {}, pad[128];
    for (int i = 0; i < 32; ++i)
        key[i] = static_cast<uint8_t>(i * 7);
    for (int i = 0; i < 32; ++i)
        hkey[i] = static_cast<uint8_t>(i * 13);
    switch (s.cipher) {
    case Cipher::Aes128Gcm:
        IMB_AES128_GCM_PRE(mgr, key, &k.gcm);
        break;
    case Cipher::Aes256Gcm:
        IMB_AES256_GCM_PRE(mgr, key, &k.gcm);
        break;
    case Cipher::ChaCha20Poly1305:
        std::memcpy(k.chacha, key, 32);
        break;
    case Cipher::Aes128Cbc:
        IMB_AES_KEYEXP_128(mgr, key, k.enc, k.dec);
        break;
    case Cipher::Aes256Cbc:
        IMB_AES_KEYEXP_256(mgr, key, k.enc, k.dec);
        break;
    default:
        die("unsupported raw cipher");
    }
    if (s.digest != Digest::None) {
        for (int i = 0; i < 64; ++i)
            pad[i] = hkey[i] ^ 0x36;
        if (s.digest == Digest::Sha1)
            IMB_SHA1_ONE_BLOCK(mgr, pad, k.ipad);
        else
            IMB_SHA256_ONE_BLOCK(mgr, pad, k.ipad);
        for (int i = 0; i < 64; ++i)
            pad[i] = hkey[i] ^ 0x5c;
        if (s.digest == Digest::Sha1)
            IMB_SHA1_ONE_BLOCK(mgr, pad, k.opad);
        else
            IMB_SHA256_ONE_BLOCK(mgr, pad, k.opad);
    }
}

// The job OpenVPN needs for packet i of the burst (same offsets as the engine's layout).
void raw_fill(IMB_JOB* job, const Suite& s, RawKey& k, const Packets& b, size_t i, bool seal) {
    uint8_t* p = b.packet(i);
    const uint32_t size = b.sizes[i];
    job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    job->user_data = nullptr;
    if (vp::crypto::is_aead(s.cipher)) {
        uint8_t* body = p + 8 + 16;
        job->src = body;
        job->dst = body;
        job->cipher_start_src_offset_in_bytes = 0;
        job->msg_len_to_cipher_in_bytes = size;
        job->hash_start_src_offset_in_bytes = 0;
        job->msg_len_to_hash_in_bytes = size;
        job->iv = k.nonce;
        job->iv_len_in_bytes = 12;
        job->auth_tag_output = seal ? p + 8 : k.tags[i];
        job->auth_tag_output_len_in_bytes = 16;
        if (s.cipher == Cipher::ChaCha20Poly1305) {
            job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
            job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
            job->enc_keys = k.chacha;
            job->dec_keys = k.chacha;
            job->key_len_in_bytes = 32;
            job->u.CHACHA20_POLY1305.aad = p;
            job->u.CHACHA20_POLY1305.aad_len_in_bytes = 8;
            job->u.CHACHA20_POLY1305.ctx = nullptr;
        } else {
            job->cipher_mode = IMB_CIPHER_GCM;
            job->hash_alg = IMB_AUTH_AES_GMAC;
            job->enc_keys = &k.gcm;
            job->dec_keys = &k.gcm;
            job->key_len_in_bytes = vp::crypto::key_bytes(s.cipher);
            job->u.GCM.aad = p;
            job->u.GCM.aad_len_in_bytes = 8;
            job->u.GCM.ctx = nullptr;
        }
        return;
    }
    const uint32_t mac = vp::crypto::digest_bytes(s.digest);
    const uint32_t ct_len = (4 + size + 16) / 16 * 16; // packet-id + payload + PKCS#7
    uint8_t* iv = p + 4 + mac;
    job->cipher_mode = IMB_CIPHER_CBC;
    job->enc_keys = k.enc;
    job->dec_keys = k.dec;
    job->key_len_in_bytes = vp::crypto::key_bytes(s.cipher);
    job->src = iv;
    job->dst = iv + 16;
    job->cipher_start_src_offset_in_bytes = 16;
    job->msg_len_to_cipher_in_bytes = ct_len;
    job->iv = iv;
    job->iv_len_in_bytes = 16;
    job->hash_alg = s.digest == Digest::Sha1 ? IMB_AUTH_HMAC_SHA_1 : IMB_AUTH_HMAC_SHA_256;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = 16 + ct_len;
    job->auth_tag_output = seal ? p + 4 : k.tags[i];
    job->auth_tag_output_len_in_bytes = mac;
    job->u.HMAC._hashed_auth_key_xor_ipad = k.ipad;
    job->u.HMAC._hashed_auth_key_xor_opad = k.opad;
}

void bm_raw(benchmark::State& state, Suite s, uint32_t size_arg, bool seal, bool burst_api) {
    struct MgrFree {
        void operator()(IMB_MGR* m) const { free_mb_mgr(m); }
    };
    std::unique_ptr<IMB_MGR, MgrFree> mgr(alloc_mb_mgr(0));
    if (!mgr) die("alloc_mb_mgr failed");
    init_mb_mgr_auto(mgr.get(), nullptr);
    auto key = std::make_unique<RawKey>();
    raw_key_setup(mgr.get(), s, *key);
    Packets b(size_arg);
    std::vector<uint8_t> pristine(b.base, b.base + b.bytes());
    IMB_JOB* jobs[kBurst];
    uint64_t errors = 0;
    auto run_burst = [&](size_t first) {
        if (burst_api) {
            IMB_GET_NEXT_BURST(mgr.get(), kBurst, jobs);
            for (size_t i = 0; i < kBurst; ++i)
                raw_fill(jobs[i], s, *key, b, first + i, seal);
            uint32_t done = IMB_SUBMIT_BURST(mgr.get(), kBurst, jobs);
            for (uint32_t j = 0; j < done; ++j)
                errors += jobs[j]->status != IMB_STATUS_COMPLETED;
            if (done < kBurst) {
                uint32_t f = IMB_FLUSH_BURST(mgr.get(), kBurst - done, jobs);
                for (uint32_t j = 0; j < f; ++j)
                    errors += jobs[j]->status != IMB_STATUS_COMPLETED;
            }
        } else {
            for (size_t i = 0; i < kBurst; ++i) {
                IMB_JOB* job = IMB_GET_NEXT_JOB(mgr.get());
                raw_fill(job, s, *key, b, first + i, seal);
                job = IMB_SUBMIT_JOB(mgr.get());
                while (job) {
                    errors += job->status != IMB_STATUS_COMPLETED;
                    job = IMB_GET_COMPLETED_JOB(mgr.get());
                }
            }
            while (IMB_JOB* job = IMB_FLUSH_JOB(mgr.get()))
                errors += job->status != IMB_STATUS_COMPLETED;
        }
    };
    for (auto _ : state) {
        // Same memory traffic as the engine's runs (which must restore before opening).
        if (!seal) std::memcpy(b.base, pristine.data(), pristine.size());
        const double secs = timed([&] {
            for (size_t first = 0; first < kPackets; first += kBurst)
                run_burst(first);
        });
        state.SetIterationTime(secs);
    }
    if (errors != 0) state.SkipWithError("ipsec-mb rejected jobs");
    set_counters(state, b);
}

// ---------------------------------------------------------------- through CryptoEngine

std::unique_ptr<DataKey> bench_key(const Suite& s) {
    uint8_t key[32], hkey[64], iv[8];
    for (int i = 0; i < 32; ++i)
        key[i] = static_cast<uint8_t>(i * 7);
    for (int i = 0; i < 64; ++i)
        hkey[i] = static_cast<uint8_t>(i * 13);
    for (int i = 0; i < 8; ++i)
        iv[i] = static_cast<uint8_t>(i);
    const bool aead = vp::crypto::is_aead(s.cipher);
    auto k = DataKey::create(s.cipher, s.digest, vp::ByteSpan(key, vp::crypto::key_bytes(s.cipher)),
                             vp::ByteSpan(hkey, vp::crypto::digest_bytes(s.digest)),
                             vp::ByteSpan(iv, aead ? 8 : 0));
    if (!k.ok()) die(k.message());
    return std::move(k).value();
}

// The op for packet i, laid out as in raw_fill: AEAD region at p+8 (after header and
// packet-id), others at p+4 (after the header), body = packet-id || payload. `region_len` is
// the sealed region's length (open only).
DataOp engine_op(const DataKey& key, const Packets& b, size_t i, Direction dir,
                 uint32_t region_len) {
    uint8_t* p = b.packet(i);
    DataOp op;
    op.key = &key;
    op.direction = dir;
    const bool aead = vp::crypto::is_aead(key.cipher());
    op.data = p + (aead ? 8 : 4);
    op.len = dir == Direction::Open ? region_len : (aead ? 0 : 4) + b.sizes[i];
    if (aead) {
        op.aad = p;
        op.aad_len = 8;
        op.packet_id = p + 4;
    }
    return op;
}

void bm_engine(benchmark::State& state, Suite s, uint32_t size_arg, bool seal, SubmitMode mode) {
    auto eng = CryptoEngine::create(mode);
    if (!eng.ok()) die(eng.message());
    auto key = bench_key(s);
    Packets b(size_arg);
    DataOp ops[kPackets];
    uint32_t region_len[kPackets] = {};
    // Open needs genuine packets: seal once, keep a pristine copy, restore it (untimed) before
    // every open.
    std::vector<uint8_t> pristine;
    if (!seal) {
        for (size_t i = 0; i < kPackets; ++i)
            ops[i] = engine_op(*key, b, i, Direction::Seal, 0);
        (*eng)->process(ops);
        for (size_t i = 0; i < kPackets; ++i) {
            if (ops[i].status != OpStatus::Ok) die("setup seal failed");
            region_len[i] = ops[i].out_len;
        }
        pristine.assign(b.base, b.base + b.bytes());
    }
    const Direction dir = seal ? Direction::Seal : Direction::Open;
    uint64_t errors = 0;
    for (auto _ : state) {
        for (size_t i = 0; i < kPackets; ++i)
            ops[i] = engine_op(*key, b, i, dir, region_len[i]);
        if (!seal) std::memcpy(b.base, pristine.data(), pristine.size());
        const double secs = timed([&] {
            for (size_t first = 0; first < kPackets; first += kBurst)
                (*eng)->process(std::span<DataOp>(ops + first, kBurst));
        });
        state.SetIterationTime(secs);
        for (const auto& op : ops)
            errors += op.status != OpStatus::Ok;
    }
    if (errors != 0) state.SkipWithError("engine reported failures");
    set_counters(state, b);
}

void register_all() {
    for (const Suite& s : kSuites) {
        for (bool seal : {true, false}) {
            for (uint32_t size : kSizes) {
                const std::string tail = "/" + vp::perf::suite_name(s) +
                                         (seal ? "/seal/" : "/open/") + vp::perf::size_name(size);
                auto reg = [](benchmark::internal::Benchmark* bm) { bm->UseManualTime(); };
                reg(benchmark::RegisterBenchmark(("raw" + tail).c_str(), bm_raw, s, size, seal,
                                                 true));
                reg(benchmark::RegisterBenchmark(("raw-jobs" + tail).c_str(), bm_raw, s, size, seal,
                                                 false));
                reg(benchmark::RegisterBenchmark(("engine" + tail).c_str(), bm_engine, s, size,
                                                 seal, SubmitMode::Burst));
                reg(benchmark::RegisterBenchmark(("engine-jobs" + tail).c_str(), bm_engine, s, size,
                                                 seal, SubmitMode::Jobs));
                reg(benchmark::RegisterBenchmark(("engine-direct" + tail).c_str(), bm_engine, s,
                                                 size, seal, SubmitMode::Direct));
            }
        }
    }
}

} // namespace

void register_tls_record_benchmarks(); // perf/crypto/tls_record_bench.cpp

// Registers raw/..., raw-jobs/..., engine/... and engine-jobs/... (perf/bench_main.cpp runs them),
// and tls/... (TLS records).
void register_crypto_benchmarks() {
    register_all();
    register_tls_record_benchmarks();
}

std::string crypto_bench_arch() {
    auto eng = CryptoEngine::create();
    return eng.ok() ? std::string((*eng)->arch_name()) : "unknown";
}
