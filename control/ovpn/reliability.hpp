// OpenVPN's reliability layer for control packets over UDP, one instance per key id: message
// ids from 0 (the reset), a send window of 6 unacknowledged packets, retransmission after
// tls-timeout (2 s) doubling each time, fast retransmission once three later packets have been
// acknowledged, a receive window of 12 that reorders and deduplicates, and acknowledgements that
// ride on outgoing control packets or in P_ACK_V1.
#pragma once

#include "base/bytes.hpp"
#include "control/ovpn/packet.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace vp::ovpn {

struct ReliabilityParams {
    uint32_t send_window = 6;
    uint32_t receive_window = 12;
    uint32_t initial_timeout_ms = 2000; // --tls-timeout
    uint32_t max_timeout_ms = 16000;
    uint32_t fast_retransmit_acks = 3;
};

class ReliableSend {
public:
    explicit ReliableSend(uint32_t first_id = 0, ReliabilityParams params = {})
        : params_(params), next_id_(first_id) {}

    // Queues a message; returns its message id.
    uint32_t enqueue(Opcode opcode, Bytes payload);
    // The peer acknowledged `id`. Returns whether it was outstanding.
    bool ack(uint32_t id);

    struct Outgoing {
        uint32_t id;
        Opcode opcode;
        const Bytes* payload; // valid until the next call that changes this object
        bool retransmission;
    };
    // First transmissions inside the window and retransmissions whose timer ran out.
    std::vector<Outgoing> due(uint64_t now_ms);

    bool idle() const { return entries_.empty(); }
    size_t outstanding() const { return entries_.size(); }
    uint32_t next_id() const { return next_id_; }
    std::optional<uint64_t> next_deadline() const;
    uint64_t retransmissions() const { return retransmissions_; }

private:
    struct Entry {
        uint32_t id;
        Opcode opcode;
        Bytes payload;
        bool sent = false;
        uint64_t deadline_ms = 0;
        uint32_t timeout_ms = 0;
        uint32_t later_acks = 0;
    };

    ReliabilityParams params_;
    uint32_t next_id_;
    std::deque<Entry> entries_; // ordered by id; only unacknowledged ones
    uint64_t retransmissions_ = 0;
};

class ReliableReceive {
public:
    explicit ReliableReceive(uint32_t next_expected = 0, ReliabilityParams params = {})
        : window_(params.receive_window), next_(next_expected) {}

    enum class Verdict : uint8_t {
        Accepted,    // new, buffered for in-order delivery; acknowledge it
        Duplicate,   // seen before; acknowledge it again (our ack was lost)
        OutOfWindow, // too far ahead; drop silently, the peer will resend
    };
    Verdict receive(uint32_t id, Opcode opcode, ByteSpan payload);

    struct Message {
        Opcode opcode;
        Bytes payload;
    };
    // The next message in order, if it has arrived.
    std::optional<Message> pop();

    uint32_t next_expected() const { return next_; }

private:
    uint32_t window_;
    uint32_t next_;
    std::map<uint32_t, Message> buffered_;
};

// Message ids we owe the peer an acknowledgement for. Like OpenVPN 2.6, ids already acknowledged
// recently ride again on packets that have room: if the packet that carried an ack was lost,
// the peer still learns of it (and a new client's retransmitted first CONTROL packet still
// carries the acknowledgement of the server's reset that proves its address).
class AckQueue {
public:
    static constexpr size_t recent_kept = 8;

    void add(uint32_t id);
    bool empty() const { return pending_.empty(); }
    size_t size() const { return pending_.size(); }
    // Up to `max` ids: the pending ones, oldest first (removed from the queue), then recently
    // sent ones, newest first.
    size_t take(uint32_t* out, size_t max);

private:
    std::deque<uint32_t> pending_;
    std::deque<uint32_t> recent_; // newest at the front
};

} // namespace vp::ovpn
