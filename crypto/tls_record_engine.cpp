// CryptoEngine's TLS record path: validation, nonce/AAD construction, ipsec-mb job filling and
// the checks after each batch, on the engine's own manager (one manager per worker).
//
// CBC (MAC-then-encrypt) open is the delicate part. The MAC covers the plaintext, whose length
// is only known after decryption and after reading the padding, which an attacker controls and
// must not learn about (Lucky 13: the time the MAC takes reveals how much padding was removed).
// What this code does, in order:
//  1. decrypt the whole body (phase 1, batched with every other record of the chunk);
//  2. read the padding in constant time: always the last min(256, L) bytes, masks instead of
//     branches (tls_cbc_padding below). A bad padding is treated as zero bytes of padding
//     (RFC 5246 §6.2.3.2), so the MAC is still computed, over the longest possible plaintext;
//  3. run the HMAC (phase 2, batched) over seq||header||plaintext *plus* a dummy HMAC job over
//     64 * d + 1 bytes of zeros (d + 1 blocks), where d is the number of SHA compression blocks
//     the real job saved against the longest possible plaintext: every record of a given length
//     costs the same number of compression-function calls whatever its padding said ("a fixed
//     amount of work independent of padding"). Residual: ipsec-mb's multi-buffer lanes run jobs of
//     different lengths side by side, so the batch time tracks the lanes' total blocks, which this
//     keeps constant, not each job's own latency (docs/tls-record.md);
//  4. compare the received MAC, whose position depends on the padding, without a secret-
//     dependent branch or cache line: every byte of the last mac+256 bytes is visited, and the
//     computed MAC is read through an index masked into one 64-byte aligned line;
//  5. one status (AuthFailed) for bad padding and bad MAC, decided by one combined mask.
#include "crypto/engine.hpp"
#include "crypto/imb_mgr.hpp"
#include "crypto/padding.hpp"
#include "crypto/tls_cbc.hpp"
#include "crypto/tls_record.hpp"

#include <algorithm>
#include <cstring>

namespace vp::crypto {

namespace {

constexpr uint32_t kTagBytes = 16;
constexpr uint32_t kCbcBlock = 16;
constexpr uint32_t kExplicitNonce = 8;
// Where CBC records keep their 13-byte MAC pseudo-header: the last 13 bytes of the IV slot
// (record[8, 21)), so that it sits right before the plaintext and one HMAC job covers both.
constexpr uint32_t kCbcPseudoHdrAt = kTlsHeaderBytes + kCbcBlock - 13;
constexpr uint32_t kCbcBodyAt = kTlsHeaderBytes + kCbcBlock;
// user_data flag of phase-2 dummy HMAC jobs (they only burn the equalising blocks).
constexpr uintptr_t kDummyJob = 0x10000;
// Scratch in Slot::tag: [0, 32) computed tag/MAC, [32, 45) TLS 1.2 GCM AAD, [32, 64) dummy MAC.
constexpr uint32_t kAadAt = 32;

// Zeros the dummy HMAC jobs hash: at most 5 blocks are ever equalised (padding <= 256 bytes).
alignas(64) constexpr uint8_t kZeros[6 * 64] = {};

void put_be64(uint8_t* p, uint64_t v) {
    for (int i = 7; i >= 0; --i, v >>= 8)
        p[i] = static_cast<uint8_t>(v);
}

void put_be16(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

// seq || type || version || length: the AAD of TLS 1.2 AEAD and the MAC's pseudo-header.
void pseudo_header(uint8_t* p, uint64_t seq, uint8_t type, uint32_t len) {
    put_be64(p, seq);
    p[8] = type;
    put_be16(p + 9, kTlsVersion12);
    put_be16(p + 11, len);
}

void write_header(uint8_t* r, uint8_t type, uint32_t len) {
    r[0] = type;
    put_be16(r + 1, kTlsVersion12);
    put_be16(r + 3, len);
}

// Runs n jobs as one batch (burst API, or the job API when asked or when the burst is
// refused); fill(job, j) prepares the j-th, done(job) sees each finished one.
template <class Fill, class Done>
void run_batch(IMB_MGR* mgr, bool burst, size_t n, Fill&& fill, Done&& done) {
    if (burst) {
        IMB_JOB* jobs[IMB_MAX_BURST_SIZE];
        if (IMB_GET_NEXT_BURST(mgr, static_cast<uint32_t>(n), jobs) == n) {
            for (size_t j = 0; j < n; ++j)
                fill(jobs[j], j);
            const uint32_t got = IMB_SUBMIT_BURST(mgr, static_cast<uint32_t>(n), jobs);
            if (got != 0 || imb_get_errno(mgr) == 0) {
                for (uint32_t j = 0; j < got; ++j)
                    done(jobs[j]);
                if (got < n) {
                    const uint32_t f = IMB_FLUSH_BURST(mgr, static_cast<uint32_t>(n - got), jobs);
                    for (uint32_t j = 0; j < f; ++j)
                        done(jobs[j]);
                }
                return;
            }
        }
    }
    for (size_t j = 0; j < n; ++j) {
        IMB_JOB* job = IMB_GET_NEXT_JOB(mgr);
        fill(job, j);
        job = IMB_SUBMIT_JOB(mgr);
        while (job != nullptr) {
            done(job);
            job = IMB_GET_COMPLETED_JOB(mgr);
        }
    }
    while (IMB_JOB* job = IMB_FLUSH_JOB(mgr))
        done(job);
}

void fail(TlsRecordOp& op, TlsRecordStatus s, uint32_t wipe_from = 0, uint32_t wipe_len = 0) {
    op.status = s;
    if (wipe_len != 0) std::memset(op.record + wipe_from, 0, wipe_len);
    op.out_len = 0;
}

} // namespace

void CryptoEngine::process_records(std::span<TlsRecordOp> ops) noexcept {
    for (size_t i = 0; i < ops.size(); i += kMaxChunk)
        tls_chunk(ops.data() + i, std::min(kMaxChunk, ops.size() - i));
}

void CryptoEngine::tls_chunk(TlsRecordOp* ops, size_t n) noexcept {
    uint16_t todo[kMaxChunk];
    size_t ntodo = 0;
    uint8_t* iv_slots[kMaxChunk];
    size_t niv = 0;

    for (size_t i = 0; i < n; ++i) {
        TlsRecordOp& op = ops[i];
        op.status = TlsRecordStatus::Ok;
        op.out_offset = 0;
        op.out_len = 0;
        const TlsRecordKey* k = op.key;
        if (k == nullptr || op.record == nullptr || !k->key_ ||
            (!is_tls12_cbc(k->suite_) && k->key_->imb_arch_ != arch_)) {
            op.status = TlsRecordStatus::InvalidOp;
            continue;
        }
        const TlsSuite suite = k->suite_;
        uint8_t* r = op.record;
        if (!op.open) {
            if (op.len > kTlsMaxPlaintext) {
                op.status = TlsRecordStatus::BadLength;
                continue;
            }
            op.out_len = k->sealed_bytes(op.len);
            if (is_tls13(suite)) {
                r[kTlsHeaderBytes + op.len] = op.type;
                write_header(r, static_cast<uint8_t>(TlsContentType::ApplicationData),
                             op.out_len - kTlsHeaderBytes);
            } else {
                write_header(r, op.type, op.out_len - kTlsHeaderBytes);
            }
            if (is_tls12_cbc(suite)) {
                // Padding after the MAC; the MAC's pseudo-header in the IV slot until the
                // job has run (the IV itself is drawn into the op's Slot).
                const uint32_t mac_end = op.len + k->mac_bytes_;
                const uint32_t total = kCbcBlock - mac_end % kCbcBlock;
                std::memset(r + kCbcBodyAt + mac_end, static_cast<int>(total - 1), total);
                pseudo_header(r + kCbcPseudoHdrAt, op.seq, op.type, op.len);
                iv_slots[niv++] = slots_[i].nonce;
            } else if (!is_tls13(suite)) {
                put_be64(r + kTlsHeaderBytes, op.seq);
            }
        } else {
            const TlsHeaderParse h = parse_tls_record_header(
                ByteSpan(r, std::min<uint32_t>(op.len, 5)), is_tls13(suite));
            if (!h.ok() || h.header.length != op.len - kTlsHeaderBytes) {
                op.status = TlsRecordStatus::BadHeader;
                continue;
            }
            const uint32_t body = h.header.length;
            if (is_tls12_cbc(suite)) {
                const uint32_t min =
                    kCbcBlock + (k->mac_bytes_ + kCbcBlock) / kCbcBlock * kCbcBlock;
                if (body < min || body % kCbcBlock != 0) {
                    op.status = TlsRecordStatus::BadLength;
                    continue;
                }
                op.out_offset = kCbcBodyAt;
                op.out_len = body - kCbcBlock; // the decrypted bytes, until phase 2
            } else if (is_tls13(suite)) {
                if (body < kTagBytes + 1 || body - kTagBytes > kTlsMaxPlaintext + 1) {
                    op.status = TlsRecordStatus::BadLength;
                    continue;
                }
                op.out_offset = kTlsHeaderBytes;
                op.out_len = body - kTagBytes;
            } else {
                if (body < kExplicitNonce + kTagBytes ||
                    body - kExplicitNonce - kTagBytes > kTlsMaxPlaintext) {
                    op.status = TlsRecordStatus::BadLength;
                    continue;
                }
                op.out_offset = kTlsHeaderBytes + kExplicitNonce;
                op.out_len = body - kExplicitNonce - kTagBytes;
            }
            op.type = h.header.type;
        }
        todo[ntodo++] = static_cast<uint16_t>(i);
    }

    if (niv != 0 && !ivgen_.fill(*mgr_, iv_slots, niv)) {
        // Never seal with an IV we did not draw.
        for (size_t j = 0; j < ntodo; ++j) {
            TlsRecordOp& op = ops[todo[j]];
            if (!op.open && is_tls12_cbc(op.key->suite_))
                fail(op, TlsRecordStatus::EngineError, kTlsHeaderBytes,
                     op.out_len - kTlsHeaderBytes);
        }
        ntodo = static_cast<size_t>(
            std::remove_if(todo, todo + ntodo,
                           [&](uint16_t i) { return ops[i].status != TlsRecordStatus::Ok; }) -
            todo);
    }
    if (ntodo == 0) return;

    run_batch(
        mgr_, mode_ != SubmitMode::Jobs, ntodo,
        [&](IMB_JOB* job, size_t j) { tls_fill_job(job, ops[todo[j]], todo[j]); },
        [&](IMB_JOB* job) { tls_complete(ops, job); });

    // Phase 2: the MAC of every CBC record opened (decrypted) successfully.
    uint16_t macs[kMaxChunk];
    size_t nmacs = 0;
    for (size_t j = 0; j < ntodo; ++j) {
        const TlsRecordOp& op = ops[todo[j]];
        if (op.open && op.status == TlsRecordStatus::Ok && is_tls12_cbc(op.key->suite_))
            macs[nmacs++] = todo[j];
    }
    if (nmacs != 0) tls_cbc_mac(ops, macs, nmacs);
}

void CryptoEngine::tls_fill_job(void* job_ptr, TlsRecordOp& op, uint16_t index) noexcept {
    auto* job = static_cast<IMB_JOB*>(job_ptr);
    const TlsRecordKey& tk = *op.key;
    const DataKey& k = *tk.key_;
    uint8_t* r = op.record;
    uint8_t* nonce = slots_[index].nonce;
    uint8_t* scratch = slots_[index].tag;
    const bool seal = !op.open;
    job->cipher_mode = static_cast<IMB_CIPHER_MODE>(k.imb_cipher_mode_);
    job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    job->key_len_in_bytes = k.imb_key_len_;
    job->user_data = reinterpret_cast<void*>(static_cast<uintptr_t>(index));

    if (is_tls12_cbc(tk.suite_)) {
        job->enc_keys = k.schedule_;
        job->dec_keys = k.schedule_ + DataKey::kDecKeysOffset;
        job->iv_len_in_bytes = kCbcBlock;
        job->dst = r + kCbcBodyAt;
        if (seal) {
            // MAC(pseudo-header || plaintext) into the bytes after the plaintext, then encrypt
            // plaintext || MAC || padding: one chained job.
            const uint32_t cipher_len = op.out_len - kCbcBodyAt;
            job->chain_order = IMB_ORDER_HASH_CIPHER;
            job->hash_alg = static_cast<IMB_HASH_ALG>(k.imb_hash_alg_);
            job->src = r + kCbcPseudoHdrAt;
            job->cipher_start_src_offset_in_bytes = 13;
            job->msg_len_to_cipher_in_bytes = cipher_len;
            job->iv = nonce;
            job->hash_start_src_offset_in_bytes = 0;
            job->msg_len_to_hash_in_bytes = 13 + op.len;
            job->auth_tag_output = r + kCbcBodyAt + op.len;
            job->auth_tag_output_len_in_bytes = tk.mac_bytes_;
            job->u.HMAC._hashed_auth_key_xor_ipad = k.ipad_state_;
            job->u.HMAC._hashed_auth_key_xor_opad = k.opad_state_;
        } else {
            job->chain_order = IMB_ORDER_CIPHER_HASH;
            job->hash_alg = IMB_AUTH_NULL;
            job->src = r + kCbcBodyAt;
            job->cipher_start_src_offset_in_bytes = 0;
            job->msg_len_to_cipher_in_bytes = op.out_len;
            job->iv = r + kTlsHeaderBytes;
            job->hash_start_src_offset_in_bytes = 0;
            job->msg_len_to_hash_in_bytes = 0;
            job->auth_tag_output = nullptr;
            job->auth_tag_output_len_in_bytes = 0;
        }
        return;
    }

    // AEAD.
    uint8_t* body;
    uint32_t body_len;
    const uint8_t* aad;
    uint64_t aad_len;
    if (is_tls13(tk.suite_)) {
        // nonce = IV xor seq (left-padded to 12 bytes); AAD = the record header.
        std::memcpy(nonce, tk.iv_, 12);
        uint8_t seq[8];
        put_be64(seq, op.seq);
        for (int b = 0; b < 8; ++b)
            nonce[4 + b] ^= seq[b];
        body = r + kTlsHeaderBytes;
        body_len = seal ? op.len + 1 : op.out_len;
        aad = r;
        aad_len = kTlsHeaderBytes;
    } else {
        // nonce = salt || explicit nonce from the record; AAD = seq || type || version || len.
        std::memcpy(nonce, tk.iv_, 4);
        std::memcpy(nonce + 4, r + kTlsHeaderBytes, kExplicitNonce);
        body = r + kTlsHeaderBytes + kExplicitNonce;
        body_len = seal ? op.len : op.out_len;
        pseudo_header(scratch + kAadAt, op.seq, op.type, body_len);
        aad = scratch + kAadAt;
        aad_len = 13;
    }
    job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    job->hash_alg = static_cast<IMB_HASH_ALG>(k.imb_hash_alg_);
    job->enc_keys = k.schedule_;
    job->dec_keys = k.schedule_;
    job->src = body;
    job->dst = body;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = body_len;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = body_len;
    job->iv = nonce;
    job->iv_len_in_bytes = 12;
    job->auth_tag_output = seal ? body + body_len : scratch;
    job->auth_tag_output_len_in_bytes = kTagBytes;
    if (k.cipher_ == Cipher::ChaCha20Poly1305) {
        job->u.CHACHA20_POLY1305.aad = aad;
        job->u.CHACHA20_POLY1305.aad_len_in_bytes = aad_len;
        job->u.CHACHA20_POLY1305.ctx = nullptr;
    } else {
        job->u.GCM.aad = aad;
        job->u.GCM.aad_len_in_bytes = aad_len;
        job->u.GCM.ctx = nullptr;
    }
}

void CryptoEngine::tls_complete(TlsRecordOp* ops, const void* job_ptr) noexcept {
    const auto* job = static_cast<const IMB_JOB*>(job_ptr);
    const auto i = static_cast<uint16_t>(reinterpret_cast<uintptr_t>(job->user_data));
    TlsRecordOp& op = ops[i];
    const TlsRecordKey& tk = *op.key;
    if (job->status != IMB_STATUS_COMPLETED) {
        fail(op, TlsRecordStatus::EngineError, kTlsHeaderBytes,
             (op.open ? op.len : op.out_len) - kTlsHeaderBytes);
        return;
    }
    if (!op.open) {
        if (is_tls12_cbc(tk.suite_))
            std::memcpy(op.record + kTlsHeaderBytes, slots_[i].nonce, kCbcBlock);
        return;
    }
    if (is_tls12_cbc(tk.suite_)) return; // phase 2 decides
    const uint8_t* tag = op.record + op.out_offset + op.out_len;
    if (!equal_ct(slots_[i].tag, tag, kTagBytes)) {
        fail(op, TlsRecordStatus::AuthFailed, op.out_offset, op.out_len);
        return;
    }
    if (is_tls13(tk.suite_)) {
        // Inner plaintext = content || type || zeros: the type is the last non-zero byte.
        const uint8_t* p = op.record + op.out_offset;
        uint32_t n = op.out_len;
        while (n != 0 && p[n - 1] == 0)
            --n;
        if (n == 0) {
            fail(op, TlsRecordStatus::NoContentType, op.out_offset, op.out_len);
            return;
        }
        op.type = p[n - 1];
        op.out_len = n - 1;
        if (op.out_len > kTlsMaxPlaintext)
            fail(op, TlsRecordStatus::BadLength, op.out_offset, op.out_len + 1);
    }
}

// Phase 2 of CBC open (see the top of this file): padding, then one real and one dummy HMAC
// job per record in one batch, then the MAC comparison.
void CryptoEngine::tls_cbc_mac(TlsRecordOp* ops, const uint16_t* which, size_t n) noexcept {
    uint32_t good[kMaxChunk];
    uint32_t dummy_len[kMaxChunk];
    for (size_t j = 0; j < n; ++j) {
        TlsRecordOp& op = ops[which[j]];
        const uint32_t mac = op.key->mac_bytes_;
        const uint8_t* body = op.record + kCbcBodyAt;
        const uint32_t len = op.out_len;
        const CbcPadding p = tls_cbc_padding(body, len, mac);
        good[j] = p.good;
        dummy_len[j] = tls_cbc_dummy_hash_bytes(len, mac, p.plain_len);
        pseudo_header(op.record + kCbcPseudoHdrAt, op.seq, op.type, p.plain_len);
        op.out_len = p.plain_len; // keeps `len` recoverable: len = plain_len + mac + pad
        op.out_offset = len;      // stash the decrypted length until the comparison
    }
    run_batch(
        mgr_, mode_ != SubmitMode::Jobs, 2 * n,
        [&](IMB_JOB* job, size_t jj) {
            const size_t j = jj / 2;
            const bool dummy = (jj & 1) != 0;
            const uint16_t i = which[j];
            const TlsRecordOp& op = ops[i];
            const DataKey& k = *op.key->key_;
            job->cipher_mode = IMB_CIPHER_NULL;
            job->cipher_direction = IMB_DIR_ENCRYPT;
            job->chain_order = IMB_ORDER_HASH_CIPHER;
            job->hash_alg = static_cast<IMB_HASH_ALG>(k.imb_hash_alg_);
            job->src = dummy ? kZeros : op.record + kCbcPseudoHdrAt;
            job->dst = op.record + kCbcPseudoHdrAt; // NULL cipher: nothing is written
            job->cipher_start_src_offset_in_bytes = 0;
            job->msg_len_to_cipher_in_bytes = 0;
            job->iv = nullptr;
            job->iv_len_in_bytes = 0;
            job->key_len_in_bytes = 0;
            job->hash_start_src_offset_in_bytes = 0;
            job->msg_len_to_hash_in_bytes = dummy ? dummy_len[j] : 13 + op.out_len;
            job->auth_tag_output = slots_[i].tag + (dummy ? kAadAt : 0);
            job->auth_tag_output_len_in_bytes = op.key->mac_bytes_;
            job->u.HMAC._hashed_auth_key_xor_ipad = k.ipad_state_;
            job->u.HMAC._hashed_auth_key_xor_opad = k.opad_state_;
            job->user_data =
                reinterpret_cast<void*>(static_cast<uintptr_t>(i) | (dummy ? kDummyJob : 0));
        },
        [&](IMB_JOB* job) {
            const auto u = reinterpret_cast<uintptr_t>(job->user_data);
            if (job->status != IMB_STATUS_COMPLETED && (u & kDummyJob) == 0)
                ops[u].status = TlsRecordStatus::EngineError;
        });

    for (size_t j = 0; j < n; ++j) {
        const uint16_t i = which[j];
        TlsRecordOp& op = ops[i];
        const uint32_t len = op.out_offset;
        op.out_offset = kCbcBodyAt;
        if (op.status != TlsRecordStatus::Ok) {
            fail(op, op.status, kCbcBodyAt, len);
            continue;
        }
        const uint8_t* body = op.record + kCbcBodyAt;
        const uint32_t ok =
            good[j] & tls_cbc_mac_equal(body, len, op.out_len, op.key->mac_bytes_, slots_[i].tag);
        if (ok == 0) {
            fail(op, TlsRecordStatus::AuthFailed, kCbcBodyAt, len);
            continue;
        }
        if (op.out_len > kTlsMaxPlaintext) fail(op, TlsRecordStatus::BadLength, kCbcBodyAt, len);
    }
}

} // namespace vp::crypto
