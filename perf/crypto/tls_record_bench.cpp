// TLS record protection throughput: CryptoEngine's TLS record path (crypto/tls_record.hpp)
// against raw AES-256-GCM jobs on the same ipsec-mb code path, record sizes 64, 1400, 16384.
//
// Run:   ninja -C build perf/bench_dataplane
//        build/perf/bench_dataplane --benchmark_filter='^tls/' --benchmark_repetitions=5
//            --benchmark_report_aggregates_only=true   (one command line)
// Names: tls/<path>/<seal|open>/<plaintext bytes>/manual_time, where path is
//   raw-gcm256     hand-built AES-256-GCM jobs (burst API): 12-byte nonce, 13-byte AAD, tag
//                  written (seal) or computed into scratch (open, not compared) — the crypto
//                  a TLS 1.2 GCM record needs and nothing else
//   tls12-gcm256   CryptoEngine::process_records(TlsRecordOp) for TLS 1.2 AES-256-GCM (header,
//   explicit
//                  nonce, AAD built per record, tag compared on open)
//   tls13-gcm256   the same for TLS 1.3 AES-256-GCM (nonce = IV xor seq, inner content type,
//                  its strip on open)
//   tls12-cbc-sha1 TLS 1.2 AES-256-CBC + HMAC-SHA1 (RouterOS's aes256-sha), for reference: open
//                  runs two batches and the constant-time padding/MAC work
// Read: every iteration processes 4 bursts of 32 records in place, one crypto call per burst,
// timed in thread CPU time; restoring the sealed records before an open is not timed. Ratio of
// interest: tls12-gcm256 or tls13-gcm256 items_per_second over raw-gcm256's, same size and
// direction, same run. Machine-dependent measurements; nothing asserts on time.
#include "crypto/engine.hpp"
#include "crypto/tls_record.hpp"
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

using vp::crypto::CryptoEngine;
using vp::crypto::TlsRecordKey;
using vp::crypto::TlsRecordOp;
using vp::crypto::TlsRecordStatus;
using vp::crypto::TlsSuite;

constexpr size_t kBurst = 32;
constexpr size_t kBursts = 4;
constexpr size_t kRecords = kBurst * kBursts;
constexpr size_t kStride = 16384 + 128; // a full record with its tail, on its own lines

using vp::perf::thread_cpu_seconds;

void die(const std::string& what) {
    vp::perf::bench_die("tls_record_bench", what);
}

struct Records {
    std::unique_ptr<uint8_t[]> storage;
    uint8_t* base = nullptr;
    Records() : storage(new uint8_t[kRecords * kStride + 64]()) {
        base = storage.get() + (64 - reinterpret_cast<uintptr_t>(storage.get()) % 64);
        for (size_t i = 0; i < kRecords; ++i)
            std::memset(record(i), static_cast<int>(i), kStride);
    }
    uint8_t* record(size_t i) const { return base + i * kStride; }
    size_t bytes() const { return kRecords * kStride; }
};

void set_counters(benchmark::State& state, uint32_t size) {
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRecords * size));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRecords));
}

void bm_raw_gcm(benchmark::State& state, uint32_t size, bool seal) {
    struct MgrFree {
        void operator()(IMB_MGR* m) const { free_mb_mgr(m); }
    };
    std::unique_ptr<IMB_MGR, MgrFree> mgr(alloc_mb_mgr(0));
    if (!mgr) die("alloc_mb_mgr failed");
    init_mb_mgr_auto(mgr.get(), nullptr);
    auto gcm = std::make_unique<gcm_key_data>();
    uint8_t key[32];
    for (int i = 0; i < 32; ++i)
        key[i] = static_cast<uint8_t>(i * 7);
    IMB_AES256_GCM_PRE(mgr.get(), key, gcm.get());
    alignas(64) static uint8_t nonce[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    alignas(64) static uint8_t aad[13] = {};
    alignas(64) static uint8_t tags[kBurst][16];
    Records r;
    IMB_JOB* jobs[kBurst];
    uint64_t errors = 0;
    auto fill = [&](IMB_JOB* job, uint8_t* rec, size_t j) {
        uint8_t* body = rec + 13;
        job->cipher_mode = IMB_CIPHER_GCM;
        job->hash_alg = IMB_AUTH_AES_GMAC;
        job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
        job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
        job->enc_keys = gcm.get();
        job->dec_keys = gcm.get();
        job->key_len_in_bytes = 32;
        job->src = body;
        job->dst = body;
        job->cipher_start_src_offset_in_bytes = 0;
        job->msg_len_to_cipher_in_bytes = size;
        job->hash_start_src_offset_in_bytes = 0;
        job->msg_len_to_hash_in_bytes = size;
        job->iv = nonce;
        job->iv_len_in_bytes = 12;
        job->auth_tag_output = seal ? body + size : tags[j];
        job->auth_tag_output_len_in_bytes = 16;
        job->u.GCM.aad = aad;
        job->u.GCM.aad_len_in_bytes = 13;
        job->u.GCM.ctx = nullptr;
        job->user_data = nullptr;
    };
    for (auto _ : state) {
        const double t0 = thread_cpu_seconds();
        for (size_t first = 0; first < kRecords; first += kBurst) {
            IMB_GET_NEXT_BURST(mgr.get(), kBurst, jobs);
            for (size_t j = 0; j < kBurst; ++j)
                fill(jobs[j], r.record(first + j), j);
            const uint32_t done = IMB_SUBMIT_BURST(mgr.get(), kBurst, jobs);
            for (uint32_t j = 0; j < done; ++j)
                errors += jobs[j]->status != IMB_STATUS_COMPLETED;
            if (done < kBurst) {
                const uint32_t f = IMB_FLUSH_BURST(mgr.get(), kBurst - done, jobs);
                for (uint32_t j = 0; j < f; ++j)
                    errors += jobs[j]->status != IMB_STATUS_COMPLETED;
            }
        }
        state.SetIterationTime(thread_cpu_seconds() - t0);
    }
    if (errors != 0) state.SkipWithError("ipsec-mb rejected jobs");
    set_counters(state, size);
}

std::unique_ptr<TlsRecordKey> bench_key(TlsSuite suite) {
    uint8_t material[64];
    for (int i = 0; i < 64; ++i)
        material[i] = static_cast<uint8_t>(i * 7);
    const auto sz = vp::crypto::tls_suite_sizes(suite);
    auto k = TlsRecordKey::create(suite, {material, sz.enc_key}, {material + 32, sz.iv},
                                  {material + 16, sz.mac_key});
    if (!k) die(k.message());
    return std::move(*k);
}

void bm_tls(benchmark::State& state, TlsSuite suite, uint32_t size, bool seal) {
    auto eng = CryptoEngine::create();
    if (!eng) die(eng.message());
    auto key = bench_key(suite);
    Records r;
    TlsRecordOp ops[kRecords];
    uint32_t sealed_len[kRecords] = {};
    auto seal_op = [&](size_t i) {
        TlsRecordOp op;
        op.key = key.get();
        op.record = r.record(i);
        op.len = size;
        op.seq = i;
        return op;
    };
    std::vector<uint8_t> pristine;
    if (!seal) {
        for (size_t i = 0; i < kRecords; ++i)
            ops[i] = seal_op(i);
        (*eng)->process_records(std::span<TlsRecordOp>(ops, kRecords));
        for (size_t i = 0; i < kRecords; ++i) {
            if (ops[i].status != TlsRecordStatus::Ok) die("setup seal failed");
            sealed_len[i] = ops[i].out_len;
        }
        pristine.assign(r.base, r.base + r.bytes());
    }
    uint64_t errors = 0;
    for (auto _ : state) {
        for (size_t i = 0; i < kRecords; ++i) {
            ops[i] = seal_op(i);
            if (!seal) {
                ops[i].open = true;
                ops[i].len = sealed_len[i];
            }
        }
        if (!seal) std::memcpy(r.base, pristine.data(), pristine.size());
        const double t0 = thread_cpu_seconds();
        for (size_t first = 0; first < kRecords; first += kBurst)
            (*eng)->process_records(std::span<TlsRecordOp>(ops + first, kBurst));
        state.SetIterationTime(thread_cpu_seconds() - t0);
        for (const auto& op : ops)
            errors += op.status != TlsRecordStatus::Ok;
    }
    if (errors != 0) state.SkipWithError("engine reported failures");
    set_counters(state, size);
}

} // namespace

// Registers tls/... (called by register_crypto_benchmarks in crypto_bench.cpp).
void register_tls_record_benchmarks() {
    struct Path {
        const char* name;
        bool raw;
        TlsSuite suite;
    };
    const Path paths[] = {
        {"raw-gcm256", true, TlsSuite::Tls12Aes256Gcm},
        {"tls12-gcm256", false, TlsSuite::Tls12Aes256Gcm},
        {"tls13-gcm256", false, TlsSuite::Tls13Aes256Gcm},
        {"tls12-cbc-sha1", false, TlsSuite::Tls12Aes256CbcSha1},
    };
    for (bool seal : {true, false}) {
        for (uint32_t size : {64u, 1400u, 16384u}) {
            for (const Path& p : paths) {
                const std::string name = std::string("tls/") + p.name +
                                         (seal ? "/seal/" : "/open/") + std::to_string(size);
                benchmark::internal::Benchmark* bm =
                    p.raw ? benchmark::RegisterBenchmark(name.c_str(), bm_raw_gcm, size, seal)
                          : benchmark::RegisterBenchmark(name.c_str(), bm_tls, p.suite, size, seal);
                bm->UseManualTime();
            }
        }
    }
}
