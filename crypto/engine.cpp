// CryptoEngine: validation, ipsec-mb job construction, batch submission and result checks.
#include "crypto/engine.hpp"

#include "crypto/imb_mgr.hpp"
#include "crypto/padding.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

namespace vp::crypto {

namespace {

constexpr uint32_t kAeadTagBytes = 16;
constexpr uint32_t kAeadNonceBytes = 12;
constexpr uint32_t kPacketIdBytes = 4;
constexpr uint32_t kCbcBlockBytes = 16;

static_assert(sizeof(gcm_context_data) <= 256, "CryptoEngine::gcm_ctx_ holds one");

constexpr bool is_gcm(Cipher c) {
    return c == Cipher::Aes128Gcm || c == Cipher::Aes192Gcm || c == Cipher::Aes256Gcm;
}

// An open's gather list fits its region: within bounds, lengths adding up to the bytes it
// covers, every non-empty segment with a pointer.
bool gather_valid(const DataOp& op) {
    const GatherSrc& g = *op.src;
    if (op.direction != Direction::Open || g.n > GatherSrc::kMaxSegs || g.offset > op.len)
        return false;
    uint64_t total = 0;
    for (uint8_t i = 0; i < g.n; ++i) {
        if (g.segs[i].len != 0 && g.segs[i].p == nullptr) return false;
        total += g.segs[i].len;
    }
    return total == op.len - g.offset;
}

void gather_copy(const DataOp& op) {
    uint8_t* dst = op.data + op.src->offset;
    for (uint8_t i = 0; i < op.src->n; ++i) {
        if (op.src->segs[i].len == 0) continue; // an empty segment may have no pointer
        std::memcpy(dst, op.src->segs[i].p, op.src->segs[i].len);
        dst += op.src->segs[i].len;
    }
}

void wipe_body(DataOp& op, uint32_t offset, uint32_t len) {
    std::memset(op.data + offset, 0, len);
    op.out_len = 0;
}

} // namespace

Result<std::unique_ptr<CryptoEngine>> CryptoEngine::create(SubmitMode mode) {
    std::unique_ptr<CryptoEngine> e(new CryptoEngine());
    ImbMgrPtr mgr = make_imb_mgr();
    if (!mgr) return make_error("crypto engine: cannot allocate an ipsec-mb manager");
    if (int err = imb_get_errno(mgr.get()); err != 0)
        return make_error(std::string("crypto engine: ipsec-mb initialisation failed: ") +
                          imb_get_strerror(err));
    const IMB_MGR* keys_mgr = control_imb_mgr();
    if (keys_mgr == nullptr || mgr->used_arch != keys_mgr->used_arch)
        return make_error("crypto engine: ipsec-mb chose a different code path than the one "
                          "data keys are built for");
    if (Status st = e->ivgen_.init(*mgr); !st.ok()) return st.error();
    e->arch_ = static_cast<uint8_t>(mgr->used_arch);
    e->mode_ = mode;
    e->mgr_ = mgr.release();
    return e;
}

CryptoEngine::~CryptoEngine() {
    if (mgr_ != nullptr) free_mb_mgr(mgr_);
    OPENSSL_cleanse(slots_, sizeof slots_);
    OPENSSL_cleanse(gcm_ctx_, sizeof gcm_ctx_);
}

std::string_view CryptoEngine::arch_name() const noexcept {
    return imb_arch_name(*mgr_);
}

void CryptoEngine::process(std::span<DataOp> ops) noexcept {
    for (size_t i = 0; i < ops.size(); i += kMaxChunk)
        process_chunk(ops.data() + i, std::min(kMaxChunk, ops.size() - i));
}

// Validates every op, applies CBC padding, draws the chunk's IVs, then submits the ops that need
// ipsec-mb as one batch.
void CryptoEngine::process_chunk(DataOp* ops, size_t n) noexcept {
    uint16_t todo[kMaxChunk];
    size_t ntodo = 0;
    uint8_t* iv_slots[kMaxChunk];
    uint16_t iv_ops[kMaxChunk];
    size_t niv = 0;

    for (size_t i = 0; i < n; ++i) {
        DataOp& op = ops[i];
        op.status = OpStatus::Ok;
        op.out_offset = 0;
        op.out_len = 0;
        const DataKey* k = op.key;
        if (k == nullptr || op.data == nullptr || (op.aad_len != 0 && op.aad == nullptr)) {
            op.status = OpStatus::InvalidOp;
            continue;
        }
        const bool aead = is_aead(k->cipher_);
        if (aead && (op.packet_id == nullptr || k->imb_arch_ != arch_)) {
            op.status = OpStatus::InvalidOp;
            continue;
        }
        if (op.len > kMaxDataBytes) {
            op.status = OpStatus::BadLength;
            continue;
        }
        const uint32_t hdr = k->header_bytes();
        const bool cbc = is_cbc(k->cipher_);
        if (op.src != nullptr && !gather_valid(op)) {
            op.status = OpStatus::InvalidOp;
            continue;
        }
        if (op.direction == Direction::Seal) {
            if (!aead && op.len < kPacketIdBytes) {
                op.status = OpStatus::BadLength;
                continue;
            }
            uint32_t body_len = op.len;
            if (cbc) {
                const uint32_t pad = kCbcBlockBytes - op.len % kCbcBlockBytes;
                std::memset(op.data + hdr + op.len, static_cast<int>(pad), pad);
                body_len += pad;
                if (!op.caller_iv) {
                    iv_slots[niv] = op.data + k->auth_bytes_;
                    iv_ops[niv++] = static_cast<uint16_t>(i);
                }
            }
            op.out_len = hdr + body_len;
        } else {
            if (op.len < hdr) {
                op.status = OpStatus::BadLength;
                continue;
            }
            const uint32_t body_len = op.len - hdr;
            if ((cbc && (body_len == 0 || body_len % kCbcBlockBytes != 0)) ||
                (!aead && body_len < kPacketIdBytes)) {
                op.status = OpStatus::BadLength;
                continue;
            }
            op.out_offset = hdr;
            op.out_len = body_len;
        }
        // A gather list goes straight into the cipher only for AES-GCM on the direct API with
        // the tag in the region; every other op takes its bytes in first and runs in place.
        if (op.src != nullptr &&
            !(mode_ == SubmitMode::Direct && is_gcm(k->cipher_) && op.src->offset >= hdr))
            gather_copy(op);
        if (k->cipher_ == Cipher::None && k->digest_ == Digest::None) continue; // nothing to do
        todo[ntodo++] = static_cast<uint16_t>(i);
    }

    if (niv != 0 && !ivgen_.fill(*mgr_, iv_slots, niv)) {
        // Never seal with an IV we did not draw: fail those ops and drop them from the batch.
        for (size_t j = 0; j < niv; ++j) {
            DataOp& op = ops[iv_ops[j]];
            op.status = OpStatus::EngineError;
            wipe_body(op, op.key->header_bytes(), op.len);
        }
        ntodo = static_cast<size_t>(
            std::remove_if(todo, todo + ntodo,
                           [&](uint16_t i) { return ops[i].status != OpStatus::Ok; }) -
            todo);
    }
    if (ntodo == 0) return;
    if (mode_ == SubmitMode::Direct) {
        // AES-GCM ops straight to the cipher; the rest (ChaCha20-Poly1305, CBC, HMAC) as Burst.
        size_t nrest = 0;
        for (size_t j = 0; j < ntodo; ++j) {
            DataOp& op = ops[todo[j]];
            if (is_gcm(op.key->cipher_))
                gcm_direct(op, todo[j]);
            else
                todo[nrest++] = todo[j];
        }
        if (nrest != 0) submit_burst(ops, todo, nrest);
        return;
    }
    if (mode_ == SubmitMode::Burst)
        submit_burst(ops, todo, ntodo);
    else
        submit_jobs(ops, todo, ntodo);
}

void CryptoEngine::gcm_direct(DataOp& op, uint16_t index) noexcept {
    const DataKey& k = *op.key;
    const bool seal = op.direction == Direction::Seal;
    uint8_t* nonce = slots_[index].nonce;
    std::memcpy(nonce, op.packet_id, kPacketIdBytes);
    std::memcpy(nonce + kPacketIdBytes, k.implicit_iv_, DataKey::kImplicitIvBytes);
    uint8_t* body = op.data + kAeadTagBytes;
    const uint64_t body_len = op.out_len - (seal ? kAeadTagBytes : 0);
    const uint8_t* aad = op.aad_len != 0 ? op.aad : nonce; // a valid pointer even when empty
    const auto* key = reinterpret_cast<const gcm_key_data*>(k.schedule_);
    auto* ctx = reinterpret_cast<gcm_context_data*>(gcm_ctx_);
    uint8_t* tag = seal ? op.data : slots_[index].tag;
    if (op.src != nullptr && op.src->offset >= kAeadTagBytes) { // else process_chunk copied it
        gcm_direct_gather(op, nonce, tag);
        return;
    }
    switch (k.cipher_) {
    case Cipher::Aes128Gcm:
        if (seal)
            IMB_AES128_GCM_ENC(mgr_, key, ctx, body, body, body_len, nonce, aad, op.aad_len, tag,
                               kAeadTagBytes);
        else
            IMB_AES128_GCM_DEC(mgr_, key, ctx, body, body, body_len, nonce, aad, op.aad_len, tag,
                               kAeadTagBytes);
        break;
    case Cipher::Aes192Gcm:
        if (seal)
            IMB_AES192_GCM_ENC(mgr_, key, ctx, body, body, body_len, nonce, aad, op.aad_len, tag,
                               kAeadTagBytes);
        else
            IMB_AES192_GCM_DEC(mgr_, key, ctx, body, body, body_len, nonce, aad, op.aad_len, tag,
                               kAeadTagBytes);
        break;
    default: // Aes256Gcm
        if (seal)
            IMB_AES256_GCM_ENC(mgr_, key, ctx, body, body, body_len, nonce, aad, op.aad_len, tag,
                               kAeadTagBytes);
        else
            IMB_AES256_GCM_DEC(mgr_, key, ctx, body, body, body_len, nonce, aad, op.aad_len, tag,
                               kAeadTagBytes);
        break;
    }
    if (!seal && !equal_ct(tag, op.data, kAeadTagBytes)) {
        op.status = OpStatus::AuthFailed;
        wipe_body(op, kAeadTagBytes, op.out_len);
    }
}

void CryptoEngine::gcm_direct_gather(DataOp& op, uint8_t* nonce, uint8_t* tag) noexcept {
    const GatherSrc& g = *op.src;
    const auto* key = reinterpret_cast<const gcm_key_data*>(op.key->schedule_);
    auto* ctx = reinterpret_cast<gcm_context_data*>(gcm_ctx_);
    aes_gcm_init_t init = mgr_->gcm256_init;
    aes_gcm_enc_dec_update_t update = mgr_->gcm256_dec_update;
    aes_gcm_enc_dec_finalize_t finalize = mgr_->gcm256_dec_finalize;
    if (op.key->cipher_ == Cipher::Aes128Gcm) {
        init = mgr_->gcm128_init;
        update = mgr_->gcm128_dec_update;
        finalize = mgr_->gcm128_dec_finalize;
    } else if (op.key->cipher_ == Cipher::Aes192Gcm) {
        init = mgr_->gcm192_init;
        update = mgr_->gcm192_dec_update;
        finalize = mgr_->gcm192_dec_finalize;
    }
    init(key, ctx, nonce, op.aad_len != 0 ? op.aad : nonce, op.aad_len);
    uint8_t* dst = op.data + kAeadTagBytes;
    if (g.offset > kAeadTagBytes) { // body bytes the caller already put in the region
        update(key, ctx, dst, dst, g.offset - kAeadTagBytes);
        dst = op.data + g.offset;
    }
    for (uint8_t i = 0; i < g.n; ++i) {
        if (g.segs[i].len == 0) continue;
        update(key, ctx, dst, g.segs[i].p, g.segs[i].len);
        dst += g.segs[i].len;
    }
    finalize(key, ctx, tag, kAeadTagBytes);
    if (!equal_ct(tag, op.data, kAeadTagBytes)) {
        op.status = OpStatus::AuthFailed;
        wipe_body(op, kAeadTagBytes, op.out_len);
    }
}

// Fills every field of the job that ipsec-mb reads for these modes (a queue slot holds whatever
// the previous job left there).
void CryptoEngine::fill_job(void* job_ptr, const DataOp& op, uint16_t index) noexcept {
    auto* job = static_cast<IMB_JOB*>(job_ptr);
    const DataKey& k = *op.key;
    const Cipher cipher = k.cipher_;
    const uint32_t auth_bytes = k.auth_bytes_;
    const uint8_t* schedule = k.schedule_;
    uint8_t* nonce = slots_[index].nonce;
    uint8_t* computed_tag = slots_[index].tag;
    const bool seal = op.direction == Direction::Seal;
    job->cipher_mode = static_cast<IMB_CIPHER_MODE>(k.imb_cipher_mode_);
    job->hash_alg = static_cast<IMB_HASH_ALG>(k.imb_hash_alg_);
    job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    // Seal: encrypt, then MAC the ciphertext. Open: MAC the ciphertext, then decrypt.
    job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    job->key_len_in_bytes = k.imb_key_len_;
    job->user_data = reinterpret_cast<void*>(static_cast<uintptr_t>(index));
    uint8_t* d = op.data;

    if (is_aead(cipher)) {
        uint8_t* body = d + kAeadTagBytes;
        const uint32_t body_len = op.out_len - (seal ? kAeadTagBytes : 0);
        std::memcpy(nonce, op.packet_id, kPacketIdBytes);
        std::memcpy(nonce + kPacketIdBytes, k.implicit_iv_, DataKey::kImplicitIvBytes);
        job->enc_keys = schedule;
        job->dec_keys = schedule;
        job->src = body;
        job->dst = body;
        job->cipher_start_src_offset_in_bytes = 0;
        job->msg_len_to_cipher_in_bytes = body_len;
        job->hash_start_src_offset_in_bytes = 0;
        job->msg_len_to_hash_in_bytes = body_len;
        job->iv = nonce;
        job->iv_len_in_bytes = kAeadNonceBytes;
        job->auth_tag_output = seal ? d : computed_tag;
        job->auth_tag_output_len_in_bytes = kAeadTagBytes;
        // ipsec-mb wants a valid pointer even for empty AAD.
        const uint8_t* aad = op.aad_len != 0 ? op.aad : nonce;
        if (cipher == Cipher::ChaCha20Poly1305) {
            job->u.CHACHA20_POLY1305.aad = aad;
            job->u.CHACHA20_POLY1305.aad_len_in_bytes = op.aad_len;
            job->u.CHACHA20_POLY1305.ctx = nullptr;
        } else {
            job->u.GCM.aad = aad;
            job->u.GCM.aad_len_in_bytes = op.aad_len;
            job->u.GCM.ctx = nullptr;
        }
        return;
    }

    // CBC or cipher none; region = [HMAC][IV][body], the HMAC covering IV||body.
    const bool cbc = is_cbc(cipher);
    const uint32_t iv_len = cbc ? kCbcBlockBytes : 0;
    uint8_t* covered = d + auth_bytes;
    const uint32_t body_len = seal ? op.out_len - auth_bytes - iv_len : op.out_len;
    job->enc_keys = schedule;
    job->dec_keys = schedule + DataKey::kDecKeysOffset;
    job->src = covered;
    job->dst = covered + iv_len;
    job->cipher_start_src_offset_in_bytes = iv_len;
    job->msg_len_to_cipher_in_bytes = cbc ? body_len : 0;
    job->iv = cbc ? covered : nullptr;
    job->iv_len_in_bytes = iv_len;
    job->hash_start_src_offset_in_bytes = 0;
    if (auth_bytes != 0) {
        job->msg_len_to_hash_in_bytes = iv_len + body_len;
        job->auth_tag_output = seal ? d : computed_tag;
        job->auth_tag_output_len_in_bytes = auth_bytes;
        job->u.HMAC._hashed_auth_key_xor_ipad = k.ipad_state_;
        job->u.HMAC._hashed_auth_key_xor_opad = k.opad_state_;
    } else {
        job->msg_len_to_hash_in_bytes = 0;
        job->auth_tag_output = nullptr;
        job->auth_tag_output_len_in_bytes = 0;
    }
}

void CryptoEngine::submit_burst(DataOp* ops, const uint16_t* todo, size_t n) noexcept {
    IMB_JOB* jobs[kMaxChunk];
    // The queue is empty between calls (every call flushes), so all n slots are available.
    if (IMB_GET_NEXT_BURST(mgr_, static_cast<uint32_t>(n), jobs) != n) {
        submit_jobs(ops, todo, n);
        return;
    }
    for (size_t j = 0; j < n; ++j) {
        const uint16_t i = todo[j];
        fill_job(jobs[j], ops[i], i);
    }
    uint32_t done = IMB_SUBMIT_BURST(mgr_, static_cast<uint32_t>(n), jobs);
    if (done == 0 && imb_get_errno(mgr_) != 0) {
        // Validation refused the burst before submitting anything. Our own checks should make
        // this impossible; run the ops one by one so that only the offending op fails.
        submit_jobs(ops, todo, n);
        return;
    }
    for (uint32_t j = 0; j < done; ++j)
        complete(ops, jobs[j]);
    if (done < n) {
        const uint32_t flushed = IMB_FLUSH_BURST(mgr_, static_cast<uint32_t>(n - done), jobs);
        for (uint32_t j = 0; j < flushed; ++j)
            complete(ops, jobs[j]);
    }
}

void CryptoEngine::submit_jobs(DataOp* ops, const uint16_t* todo, size_t n) noexcept {
    for (size_t j = 0; j < n; ++j) {
        const uint16_t i = todo[j];
        IMB_JOB* job = IMB_GET_NEXT_JOB(mgr_);
        fill_job(job, ops[i], i);
        job = IMB_SUBMIT_JOB(mgr_);
        while (job != nullptr) {
            complete(ops, job);
            job = IMB_GET_COMPLETED_JOB(mgr_);
        }
    }
    while (IMB_JOB* job = IMB_FLUSH_JOB(mgr_))
        complete(ops, job);
}

// Checks one finished job: status, then (open) the tag/HMAC in constant time, then (CBC open)
// the padding. Failures zero the body.
void CryptoEngine::complete(DataOp* ops, const void* job_ptr) noexcept {
    const auto* job = static_cast<const IMB_JOB*>(job_ptr);
    const auto i = static_cast<uint16_t>(reinterpret_cast<uintptr_t>(job->user_data));
    DataOp& op = ops[i];
    const DataKey& k = *op.key;
    const uint32_t hdr = k.header_bytes();
    if (job->status != IMB_STATUS_COMPLETED) {
        op.status = OpStatus::EngineError;
        wipe_body(op, hdr, op.direction == Direction::Seal ? op.len : op.out_len);
        return;
    }
    if (op.direction == Direction::Seal) return;

    const uint32_t auth = k.auth_bytes_;
    if (auth != 0 && !equal_ct(slots_[i].tag, op.data, auth)) {
        op.status = OpStatus::AuthFailed;
        wipe_body(op, hdr, op.out_len);
        return;
    }
    if (is_cbc(k.cipher_)) {
        const uint32_t pad = pkcs7_pad_length(op.data + hdr, op.out_len);
        if (pad == 0) {
            op.status = OpStatus::BadPadding;
            wipe_body(op, hdr, op.out_len);
            return;
        }
        op.out_len -= pad;
        if (op.out_len < kPacketIdBytes) {
            op.status = OpStatus::BadLength;
            wipe_body(op, hdr, op.out_len + pad);
        }
    }
}

} // namespace vp::crypto
