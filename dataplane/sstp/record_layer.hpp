// The TLS record layer of one SSTP session on its owner worker, after the control plane handed
// it over (docs/sstp.md "Record layer hand-over", docs/tls-record.md): the open key
// (client_write) and seal key (server_write) with their sequence numbers, a reassembly buffer
// for records split over TCP segments, the SSTP packets inside the opened records (a packet may
// span records), and the framing of outbound IPv4 packets as SSTP data packet + PPP header in
// one TLS record. DPDK-free: the worker's stage (dataplane/sstp/stage.cpp) moves mbufs, the unit
// tests and the fuzz target drive this class with bytes. Only the owner worker touches it, except
// the KeySlots (TLS 1.3 KeyUpdate), which the control plane fills through atomics.
#pragma once

#include "base/bytes.hpp"
#include "crypto/engine.hpp"
#include "crypto/tls_record.hpp"
#include "dataplane/sstp/wire.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace vp::dp::sstp {

// Why the record layer stopped (the stream cannot go on: TLS has no resynchronisation). Each is
// a named drop on the worker (dataplane/worker/counters.hpp) and ends the call.
enum class RecordError : uint8_t {
    None,
    BadHeader,   // record header: type, version, length (TlsHeaderError)
    BadLength,   // a length the suite cannot have (TlsRecordStatus::BadLength)
    BadTag,      // authentication failed (tag; TlsRecordStatus::AuthFailed)
    KeyUpdate,   // TLS 1.3 KeyUpdate that cannot be applied: malformed, or no next key yet
    Alert,       // the client sent an alert other than close_notify: the call ends
    CloseNotify, // the client ended TLS (close_notify): not an error, but the layer stops
    BadContent,  // a content type other than application data (handshake, CCS) after hand-over
    BadPacket,   // the SSTP framing inside the records does not parse
    EngineError, // the crypto engine refused an operation (a bug, never record contents)
};
const char* to_string(RecordError e);

// Receives what opened records carry.
class RecordSink {
public:
    virtual ~RecordSink() = default;
    // The IPv4 packet of an SSTP data packet whose PPP protocol is IPv4 (0x0021).
    virtual void ip_packet(ByteSpan ipv4) = 0;
    // Any other whole SSTP packet (control packets, PPP control and non-IPv4 frames): the
    // control plane's (punted as opened plaintext).
    virtual void control_packet(ByteSpan sstp_packet) = 0;
};

// The PPP payload of an SSTP data packet if its protocol is IPv4 (with or without FF 03 and
// protocol-field compression); empty otherwise.
ByteSpan ppp_ipv4_payload(ByteSpan sstp_packet);

// TLS 1.3 KeyUpdate (RFC 8446 §7.2; docs/sstp.md "KeyUpdate"): one direction's next record key,
// derived ahead by the control plane, which holds the traffic secrets (the worker never calls
// OpenSSL and never allocates): the worker takes `next` when a KeyUpdate switches the direction
// and leaves the key it stopped using in `spent`; the control plane frees `spent` and supplies
// the following `next`. Ownership passes through the atomics (acquire/release).
class KeySlot {
public:
    KeySlot() = default;
    KeySlot(const KeySlot&) = delete;
    KeySlot& operator=(const KeySlot&) = delete;
    ~KeySlot();
    // Control plane: the key the worker stopped using (nullptr: none).
    std::unique_ptr<crypto::TlsRecordKey> take_spent();
    // Control plane: installs the next key; false (key kept by the caller) if one is there.
    bool supply(std::unique_ptr<crypto::TlsRecordKey>& key);
    // Worker.
    bool has_next() const { return next_.load(std::memory_order_acquire) != nullptr; }
    crypto::TlsRecordKey* take_next() { return next_.exchange(nullptr, std::memory_order_acq_rel); }
    void give_spent(crypto::TlsRecordKey* key) { spent_.store(key, std::memory_order_release); }

private:
    std::atomic<crypto::TlsRecordKey*> next_{nullptr};
    std::atomic<crypto::TlsRecordKey*> spent_{nullptr};
};

// The body of a TLS 1.3 KeyUpdate handshake message: type 24, length 1, request_update.
inline constexpr uint8_t kKeyUpdateBytes = 5;

class RecordLayer {
public:
    // A TLS 1.3 record whose body is at most this long may be a KeyUpdate (5 bytes, inner type,
    // tag, up to 22 bytes of padding) and ends an engine batch of the session: the records after
    // it are opened only once its key change is known. Every SSTP data record carrying IPv4 is
    // longer (SSTP 4 + PPP 4 + IPv4 20 + type 1 + tag 16 = 45), so data batches are not cut.
    static constexpr uint32_t kKeyUpdateMaxBody = 44;
    // Bytes before the IPv4 packet inside a sealed plaintext: SSTP data header + FF 03 00 21.
    static constexpr uint32_t kDataPrefix = vp::sstp::kPacketHeaderBytes + 4;
    // The reassembly buffer: one whole record of the largest size plus the next one's start.
    static constexpr uint32_t kBufferBytes =
        crypto::kTlsHeaderBytes + crypto::kTls12MaxCiphertext + 1024;

    RecordLayer(std::unique_ptr<crypto::TlsRecordKey> open_key, uint64_t open_seq,
                std::unique_ptr<crypto::TlsRecordKey> seal_key, uint64_t seal_seq);

    bool tls13() const { return tls13_; }
    const crypto::TlsRecordKey& seal_key() const { return *seal_key_; }
    uint64_t open_seq() const { return open_seq_; }
    uint64_t seal_seq() const { return seal_seq_; }
    // The layer stopped (first error); everything after is dropped.
    RecordError error() const { return error_; }
    bool failed() const { return error_ != RecordError::None; }

    // Bytes the buffer can take now.
    uint32_t room() const { return kBufferBytes - len_; }
    // Appends stream bytes (any cut). Checks each record header as soon as it is complete.
    // Fails (and stops the layer) on a bad header or when the bytes do not fit: call open()
    // first when room() is short.
    RecordError append(ByteSpan bytes);
    // Opens every complete record in the buffer in one batch on `engine`, hands their SSTP
    // packets to `sink`, keeps a partial record for later. Returns the records opened.
    uint32_t open(crypto::CryptoEngine& engine, RecordSink& sink);

    // In-place open (the worker's fast path, no copy): a stream unit that is exactly one whole
    // record, while nothing is buffered, is opened where it lies. prepare_open() checks the
    // header, takes the next sequence number and fills `op` (false: not one whole record here
    // or the layer holds bytes — use append()); the caller runs the ops of any number of records
    // and sessions in one engine batch, in the order prepared per session, then calls
    // finish_open() for each: the IPv4 packet when the record is exactly one SSTP data packet
    // with PPP IPv4 and no packet is split across records (the caller forwards it in place);
    // otherwise empty, with whatever the record carried handed to `sink` as open() does (and an
    // error stopping the layer as there).
    bool prepare_open(uint8_t* record, uint32_t len, crypto::TlsRecordOp& op);
    ByteSpan finish_open(const crypto::TlsRecordOp& op, RecordSink& sink);

    // Seal: prepares `op` for the record at `record` (which must have room for
    // seal_key().seal_offset() + kDataPrefix + ip_len + seal_key().seal_tail() bytes) holding the
    // IPv4 packet already written at record + ip_offset(); writes the SSTP and PPP headers and
    // takes the next sequence number. False (no sequence number taken) if the packet is too big
    // for one SSTP packet.
    uint32_t ip_offset() const { return seal_key_->seal_offset() + kDataPrefix; }
    bool prepare_seal_ip(uint8_t* record, uint32_t ip_len, crypto::TlsRecordOp& op);
    // The same for a whole SSTP packet already written at record + seal_key().seal_offset().
    bool prepare_seal_packet(uint8_t* record, uint32_t packet_len, crypto::TlsRecordOp& op);

    // TLS 1.3 KeyUpdate. The control plane fills the slots (next_open: the client's next
    // key, next_seal: ours). A KeyUpdate record from the client switches the open key to the
    // slot's (sequence 0); with update_requested the layer owes the client our own KeyUpdate:
    // the stage seals it with prepare_seal_key_update() under the current seal key, runs that
    // seal (and every one queued before it), then calls switch_seal_key(). Without a next key
    // (a second KeyUpdate before the control plane supplied one) the layer stops (KeyUpdate).
    KeySlot& next_open() { return next_open_; }
    KeySlot& next_seal() { return next_seal_; }
    bool key_update_reply_owed() const { return reply_owed_; }
    // The record at `record` (room: seal_offset() + kKeyUpdateBytes + seal_tail()).
    void prepare_seal_key_update(uint8_t* record, crypto::TlsRecordOp& op);
    void switch_seal_key();
    // The stage could not send our KeyUpdate (no mbuf): the layer stops (KeyUpdate).
    void key_update_reply_failed() {
        reply_owed_ = false;
        fail(RecordError::KeyUpdate);
    }
    // Which keys were switched since the last call (1: open, 2: seal), for the stage to ask the
    // control plane for the following ones; clears them.
    uint16_t take_switched() { return std::exchange(switched_, uint16_t{0}); }
    uint64_t key_updates() const { return key_updates_; }

private:
    RecordError fail(RecordError e);
    void deliver(ByteSpan plaintext, RecordSink& sink);
    void deliver_packets(ByteSpan bytes, RecordSink& sink);
    // An opened record's status and content type: delivers application data to `sink`, or
    // stops the layer. False when nothing was opened.
    bool opened(const crypto::TlsRecordOp& op, RecordSink& sink);
    // An opened TLS 1.3 handshake record: a KeyUpdate, applied, or the layer stops.
    void key_update(ByteSpan body);

    std::unique_ptr<crypto::TlsRecordKey> open_key_, seal_key_;
    uint64_t open_seq_ = 0, seal_seq_ = 0;
    bool tls13_ = false;
    RecordError error_ = RecordError::None;
    std::unique_ptr<uint8_t[]> buf_; // reassembly buffer (kBufferBytes)
    uint32_t len_ = 0;               // bytes in buf_
    uint32_t checked_ = 0;           // bytes of buf_ whose record headers were checked
    // An SSTP packet split over records (at most one packet's bytes).
    uint8_t partial_[vp::sstp::kMaxPacketBytes];
    uint32_t partial_len_ = 0;
    std::vector<crypto::TlsRecordOp> ops_; // reused per open()
    KeySlot next_open_, next_seal_;
    bool reply_owed_ = false;  // update_requested: our KeyUpdate not sent yet
    bool barrier_ = false;     // an in-place open of a possible KeyUpdate not finished yet
    uint16_t switched_ = 0;    // keys switched, not yet reported (1 open, 2 seal)
    uint64_t key_updates_ = 0; // KeyUpdates applied
};

} // namespace vp::dp::sstp
