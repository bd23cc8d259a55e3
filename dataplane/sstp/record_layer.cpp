// The worker's SSTP record layer (see record_layer.hpp): reassembly, batched opens, the SSTP
// packets inside, and the framing of sealed records.
#include "dataplane/sstp/record_layer.hpp"

#include <algorithm>
#include <cstring>

namespace vp::dp::sstp {

namespace wire = vp::sstp;

const char* to_string(RecordError e) {
    switch (e) {
    case RecordError::None:
        return "none";
    case RecordError::BadHeader:
        return "bad record header";
    case RecordError::BadLength:
        return "bad record length";
    case RecordError::BadTag:
        return "record authentication failed";
    case RecordError::KeyUpdate:
        return "TLS 1.3 KeyUpdate not applied (malformed, or before the next key was ready)";
    case RecordError::Alert:
        return "TLS alert from the client";
    case RecordError::CloseNotify:
        return "the client ended TLS (close_notify)";
    case RecordError::BadContent:
        return "unexpected TLS content type";
    case RecordError::BadPacket:
        return "SSTP framing broken";
    case RecordError::EngineError:
        return "crypto engine error";
    }
    return "?";
}

ByteSpan ppp_ipv4_payload(ByteSpan packet) {
    auto p = wire::parse_packet(packet);
    if (!p || p->control) return {};
    ByteSpan f = p->body;
    if (f.size() >= 2 && f[0] == 0xFF && f[1] == 0x03) f = f.subspan(2);
    if (f.empty()) return {};
    if (f[0] & 0x01) { // protocol-field compression: one odd byte
        return f[0] == 0x21 ? f.subspan(1) : ByteSpan{};
    }
    if (f.size() >= 2 && f[0] == 0x00 && f[1] == 0x21) return f.subspan(2);
    return {};
}

KeySlot::~KeySlot() {
    delete next_.load(std::memory_order_acquire);
    delete spent_.load(std::memory_order_acquire);
}

std::unique_ptr<crypto::TlsRecordKey> KeySlot::take_spent() {
    return std::unique_ptr<crypto::TlsRecordKey>(
        spent_.exchange(nullptr, std::memory_order_acq_rel));
}

bool KeySlot::supply(std::unique_ptr<crypto::TlsRecordKey>& key) {
    crypto::TlsRecordKey* expected = nullptr;
    if (!next_.compare_exchange_strong(expected, key.get(), std::memory_order_acq_rel))
        return false;
    key.release();
    return true;
}

RecordLayer::RecordLayer(std::unique_ptr<crypto::TlsRecordKey> open_key, uint64_t open_seq,
                         std::unique_ptr<crypto::TlsRecordKey> seal_key, uint64_t seal_seq)
    : open_key_(std::move(open_key)), seal_key_(std::move(seal_key)), open_seq_(open_seq),
      seal_seq_(seal_seq), tls13_(crypto::is_tls13(seal_key_->suite())),
      buf_(new uint8_t[kBufferBytes]) {
    ops_.reserve(8);
}

RecordError RecordLayer::fail(RecordError e) {
    if (error_ == RecordError::None) error_ = e;
    return e;
}

RecordError RecordLayer::append(ByteSpan bytes) {
    if (failed()) return error_;
    if (bytes.empty()) return RecordError::None;
    if (bytes.size() > room()) return fail(RecordError::BadLength);
    std::memcpy(buf_.get() + len_, bytes.data(), bytes.size());
    len_ += static_cast<uint32_t>(bytes.size());
    // Check every header as soon as it is complete: a bad length must not make us wait for
    // bytes that never come (or more than the buffer holds).
    while (len_ - checked_ >= crypto::kTlsHeaderBytes) {
        auto h = crypto::parse_tls_record_header({buf_.get() + checked_, crypto::kTlsHeaderBytes},
                                                 tls13_);
        if (!h.ok()) return fail(RecordError::BadHeader);
        uint32_t record = crypto::kTlsHeaderBytes + h.header.length;
        if (len_ - checked_ < record) break;
        checked_ += record;
    }
    return RecordError::None;
}

uint32_t RecordLayer::open(crypto::CryptoEngine& engine, RecordSink& sink) {
    if (failed()) return 0;
    uint32_t n = 0;
    uint32_t off = 0;
    // One engine batch per run of records up to one that may be a KeyUpdate (TLS 1.3): the
    // records after it need the key it switches to.
    while (off < checked_ && !failed()) {
        ops_.clear();
        while (off < checked_) {
            uint32_t body = uint32_t{buf_[off + 3]} << 8 | buf_[off + 4];
            uint32_t record = crypto::kTlsHeaderBytes + body;
            crypto::TlsRecordOp op;
            op.key = open_key_.get();
            op.record = buf_.get() + off;
            op.seq = open_seq_++;
            op.len = record;
            op.open = true;
            ops_.push_back(op);
            off += record;
            if (tls13_ && body <= kKeyUpdateMaxBody) break;
        }
        engine.process_records(ops_);
        for (const crypto::TlsRecordOp& op : ops_) {
            if (failed()) break;
            if (opened(op, sink)) ++n;
        }
    }
    // Keep the partial record (if any) at the front.
    uint32_t rest = len_ - checked_;
    if (rest && checked_) std::memmove(buf_.get(), buf_.get() + checked_, rest);
    len_ = rest;
    checked_ = 0;
    return n;
}

bool RecordLayer::opened(const crypto::TlsRecordOp& op, RecordSink& sink) {
    switch (op.status) {
    case crypto::TlsRecordStatus::Ok:
        break;
    case crypto::TlsRecordStatus::AuthFailed:
    case crypto::TlsRecordStatus::NoContentType:
        fail(RecordError::BadTag);
        return false;
    case crypto::TlsRecordStatus::BadHeader:
        fail(RecordError::BadHeader);
        return false;
    case crypto::TlsRecordStatus::BadLength:
        fail(RecordError::BadLength);
        return false;
    default:
        fail(RecordError::EngineError);
        return false;
    }
    switch (static_cast<crypto::TlsContentType>(op.type)) {
    case crypto::TlsContentType::ApplicationData:
        deliver({op.record + op.out_offset, op.out_len}, sink);
        break;
    case crypto::TlsContentType::Alert:
        // level, description; close_notify is description 0.
        fail(op.out_len == 2 && op.record[op.out_offset + 1] == 0 ? RecordError::CloseNotify
                                                                  : RecordError::Alert);
        break;
    case crypto::TlsContentType::Handshake:
        // TLS 1.3: KeyUpdate (a client sends no other post-handshake message: no tickets,
        // no post-handshake auth); TLS 1.2: renegotiation, which the context refuses.
        if (tls13_)
            key_update({op.record + op.out_offset, op.out_len});
        else
            fail(RecordError::BadContent);
        break;
    default:
        fail(RecordError::BadContent);
        break;
    }
    return true;
}

void RecordLayer::key_update(ByteSpan body) {
    // One handshake message per record (RFC 8446 §5.1 lets a message span records or share
    // one; no client does that with KeyUpdate, and the layer refuses it rather than guess).
    if (body.size() != kKeyUpdateBytes || body[0] != 24 || body[1] != 0 || body[2] != 0 ||
        body[3] != 1 || body[4] > 1) {
        fail(body.size() >= 1 && body[0] == 24 ? RecordError::KeyUpdate : RecordError::BadContent);
        return;
    }
    bool requested = body[4] == 1;
    // A second request while our reply is still owed needs no second reply (§7.2 allows one).
    bool need_seal = requested && !reply_owed_;
    if (!next_open_.has_next() || (need_seal && !next_seal_.has_next())) {
        fail(RecordError::KeyUpdate);
        return;
    }
    crypto::TlsRecordKey* next = next_open_.take_next();
    // No op refers to the old key any more: records after this one in the stream were not
    // prepared yet (kKeyUpdateMaxBody ends batches here).
    next_open_.give_spent(open_key_.release());
    open_key_.reset(next);
    open_seq_ = 0;
    switched_ |= 1;
    ++key_updates_;
    if (need_seal) reply_owed_ = true;
}

void RecordLayer::prepare_seal_key_update(uint8_t* record, crypto::TlsRecordOp& op) {
    uint8_t* p = record + seal_key_->seal_offset();
    p[0] = 24; // key_update
    p[1] = 0;
    p[2] = 0;
    p[3] = 1;
    p[4] = 0; // update_not_requested
    op = {};
    op.key = seal_key_.get();
    op.record = record;
    op.seq = seal_seq_++;
    op.len = kKeyUpdateBytes;
    op.type = static_cast<uint8_t>(crypto::TlsContentType::Handshake);
    op.open = false;
}

void RecordLayer::switch_seal_key() {
    if (!reply_owed_) return;
    reply_owed_ = false;
    crypto::TlsRecordKey* next = next_seal_.take_next(); // checked when the request came
    if (!next) {
        fail(RecordError::KeyUpdate);
        return;
    }
    next_seal_.give_spent(seal_key_.release());
    seal_key_.reset(next);
    seal_seq_ = 0;
    switched_ |= 2;
}

bool RecordLayer::prepare_open(uint8_t* record, uint32_t len, crypto::TlsRecordOp& op) {
    if (failed() || barrier_ || len_ != 0 || len < crypto::kTlsHeaderBytes) return false;
    auto h = crypto::parse_tls_record_header({record, crypto::kTlsHeaderBytes}, tls13_);
    if (!h.ok() || crypto::kTlsHeaderBytes + h.header.length != len) return false;
    // A possible KeyUpdate: this session's next record waits for its outcome (the stage's
    // slow path runs the queued opens first).
    barrier_ = tls13_ && h.header.length <= kKeyUpdateMaxBody;
    op = {};
    op.key = open_key_.get();
    op.record = record;
    op.seq = open_seq_++;
    op.len = len;
    op.open = true;
    return true;
}

ByteSpan RecordLayer::finish_open(const crypto::TlsRecordOp& op, RecordSink& sink) {
    barrier_ = false;
    if (failed()) return {};
    bool data =
        op.status == crypto::TlsRecordStatus::Ok &&
        static_cast<crypto::TlsContentType>(op.type) == crypto::TlsContentType::ApplicationData;
    if (data && partial_len_ == 0) {
        ByteSpan plain{op.record + op.out_offset, op.out_len};
        auto h = wire::parse_header(plain);
        if (h && h->length == plain.size()) {
            ByteSpan ip = ppp_ipv4_payload(plain);
            if (!ip.empty()) return ip;
        }
    }
    opened(op, sink);
    return {};
}

void RecordLayer::deliver_packets(ByteSpan bytes, RecordSink& sink) {
    auto split = wire::split_stream(bytes);
    size_t off = 0;
    for (size_t i = 0; i < split.packets; ++i) {
        auto h = wire::parse_header(bytes.subspan(off));
        ByteSpan packet = bytes.subspan(off, h->length);
        ByteSpan ip = ppp_ipv4_payload(packet);
        if (!ip.empty())
            sink.ip_packet(ip);
        else
            sink.control_packet(packet);
        off += h->length;
    }
    if (split.error) {
        fail(RecordError::BadPacket);
        return;
    }
    ByteSpan rest = bytes.subspan(split.consumed);
    if (!rest.empty()) std::memcpy(partial_, rest.data(), rest.size()); // < one packet
    partial_len_ = static_cast<uint32_t>(rest.size());
}

void RecordLayer::deliver(ByteSpan plaintext, RecordSink& sink) {
    // First complete a packet split over records (at most one), then go on in the record.
    while (partial_len_ > 0 && !plaintext.empty() && !failed()) {
        uint32_t need = static_cast<uint32_t>(wire::kPacketHeaderBytes);
        if (partial_len_ >= wire::kPacketHeaderBytes) {
            auto h = wire::parse_header({partial_, partial_len_});
            if (!h) {
                fail(RecordError::BadPacket);
                return;
            }
            need = h->length;
        }
        uint32_t take =
            std::min<uint32_t>(need - partial_len_, static_cast<uint32_t>(plaintext.size()));
        std::memcpy(partial_ + partial_len_, plaintext.data(), take);
        partial_len_ += take;
        plaintext = plaintext.subspan(take);
        if (partial_len_ < wire::kPacketHeaderBytes) return;
        auto h = wire::parse_header({partial_, partial_len_});
        if (!h) {
            fail(RecordError::BadPacket);
            return;
        }
        if (partial_len_ == h->length) {
            ByteSpan whole{partial_, partial_len_};
            ByteSpan ip = ppp_ipv4_payload(whole);
            if (!ip.empty())
                sink.ip_packet(ip);
            else
                sink.control_packet(whole);
            partial_len_ = 0;
        }
    }
    if (partial_len_ == 0 && !plaintext.empty() && !failed()) deliver_packets(plaintext, sink);
}

bool RecordLayer::prepare_seal_packet(uint8_t* record, uint32_t packet_len,
                                      crypto::TlsRecordOp& op) {
    if (packet_len > wire::kMaxPacketBytes || packet_len < wire::kPacketHeaderBytes) return false;
    op = {};
    op.key = seal_key_.get();
    op.record = record;
    op.seq = seal_seq_++;
    op.len = packet_len;
    op.type = static_cast<uint8_t>(crypto::TlsContentType::ApplicationData);
    op.open = false;
    return true;
}

bool RecordLayer::prepare_seal_ip(uint8_t* record, uint32_t ip_len, crypto::TlsRecordOp& op) {
    uint32_t packet_len = kDataPrefix + ip_len;
    if (packet_len > wire::kMaxPacketBytes) return false;
    uint8_t* p = record + seal_key_->seal_offset();
    wire::write_header(p, false, static_cast<uint16_t>(packet_len));
    p[4] = 0xFF;
    p[5] = 0x03;
    p[6] = 0x00;
    p[7] = 0x21;
    return prepare_seal_packet(record, packet_len, op);
}

} // namespace vp::dp::sstp
