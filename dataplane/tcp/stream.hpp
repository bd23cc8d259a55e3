// Stream: what a consumer sees of one connection while the engine calls it (and what the owner
// worker uses between calls). A thin view: the engine and a slot index. Consumer callbacks run
// at the end of an engine call, never in the middle of segment processing, so every operation
// here is safe from inside one; what they send goes out in the same flush.
#pragma once

#include "dataplane/tcp/connection.hpp"
#include "dataplane/tcp/stream_types.hpp"

#include <rte_mbuf.h>

#include <cstdint>
#include <span>

namespace vp::tcp {

class Engine;

class Stream {
public:
    Stream(Engine& engine, uint32_t index) : engine_(&engine), index_(index) {}

    bool valid() const;
    ConnHandle handle() const;
    const FlowKey& flow() const;
    TcpState state() const;
    uint64_t user_data() const;
    void set_user_data(uint64_t v);
    // The context registered for this connection's consumer kind (Engine::set_consumer_context).
    void* context() const;

    // Receiving. Bytes stay queued (and shrink the advertised window) until taken or consumed.
    uint32_t rx_bytes() const;
    uint32_t rx_copy(uint32_t offset, uint8_t* dst, uint32_t len) const;
    // Detaches up to max_bytes as an mbuf chain the caller owns; nullptr if none (or no mbuf for
    // a split).
    rte_mbuf* rx_take(uint32_t max_bytes);
    void rx_consume(uint32_t n);
    // The peer has sent FIN and nothing of the stream is left unread.
    bool rx_finished() const;
    bool peer_closed() const;

    // Sending. send() takes the whole chain or nothing; tx_space() says how much fits.
    uint32_t tx_space() const;
    bool send(rte_mbuf* chain);
    uint32_t send_copy(std::span<const uint8_t> bytes);
    // Ask for a Writable event when room opens (send() refusals ask implicitly).
    void want_writable();
    void close();
    void abort();
    bool set_consumer(ConsumerKind kind, uint64_t user_data, PuntMode punt = {});

    // For the punt consumer: record events for Engine::punt_poll().
    void note_punt(uint8_t event_bits);

private:
    Engine* engine_;
    uint32_t index_;
};

} // namespace vp::tcp
