// An OpenVPN session as the workers see it: the client's (floating) UDP endpoint or its TCP stream,
// the data channel's key slots, and the owner worker's per-key state (transmit packet-id, replay
// window).
//
// Key slots: the control plane installs at most two keys per peer at a time (current and
// next/lame duck). A slot is an immutable KeySlot published with a release store; the control
// plane retires it through RCU. `tx_slot` names the slot to encrypt with. The mutable parts of a
// KeySlot (packet-id counter, replay window, counters) are touched only by the owner worker.
//
// Layout: a key slot's first cache line (key id, keys) is read-only after publishing, its second
// is the owner's; an OpenVPN session adds one read-mostly line (endpoint, addresses, slots) to
// the Session's two.
#pragma once

#include "crypto/data_key.hpp"
#include "crypto/replay_window.hpp"
#include "dataplane/session/session.hpp"

#include <atomic>
#include <cstdint>
#include <memory>

namespace vp::dp {

enum class OvpnCompression : uint8_t {
    None,    // no framing byte (no compression configured, or "compress stub-v2")
    NoneLzo, // a 0xFA "not compressed" byte before every payload ("comp-lzo no", migrate)
};

struct alignas(RTE_CACHE_LINE_SIZE) OvpnKeySlot {
    OvpnKeySlot(uint8_t id, std::unique_ptr<crypto::DataKey> rx_key,
                std::unique_ptr<crypto::DataKey> tx_key, uint32_t replay_bits)
        : key_id(id), rx(std::move(rx_key)), tx(std::move(tx_key)), replay(replay_bits) {}

    const uint8_t key_id;
    const std::unique_ptr<crypto::DataKey> rx; // client -> server: what we open with
    const std::unique_ptr<crypto::DataKey> tx; // server -> client: what we seal with

    // ---- owner worker only ----
    alignas(RTE_CACHE_LINE_SIZE) crypto::ReplayWindow replay;
    std::atomic<uint32_t> tx_packet_id{0}; // last packet-id sent (read by the control plane)
    Counter rx_packets, rx_bytes, tx_packets, tx_bytes;
};
static_assert(sizeof(OvpnKeySlot) == 2 * RTE_CACHE_LINE_SIZE);

struct OvpnSession final : Session {
    OvpnSession(SessionId session_id, WorkerId owner_worker)
        : Session(session_id, SessionKind::Ovpn, owner_worker) {}
    ~OvpnSession() override;

    // The client's endpoint: address (network order) << 16 | port (network order). Changes
    // only when an authenticated packet arrives from a new endpoint (the client floated).
    std::atomic<uint64_t> endpoint{0};
    static uint64_t pack_endpoint(uint32_t ip_be, uint16_t port_be) {
        return uint64_t{ip_be} << 16 | port_be;
    }
    uint32_t endpoint_ip_be() const { return static_cast<uint32_t>(endpoint.load() >> 16); }
    uint16_t endpoint_port_be() const { return static_cast<uint16_t>(endpoint.load()); }

    uint32_t local_ip_be = 0;   // the appliance's address the client talks to
    uint16_t local_port_be = 0; // the OpenVPN UDP port
    bool data_v2 = true;        // send DATA_V2 (with our peer-id) or DATA_V1
    // OpenVPN over TCP: packets come from and go onto this stream of the owner worker's TCP
    // engine (tcp::ConnHandle::pack()), with the 2-byte length prefix, instead of UDP.
    bool stream = false;
    uint64_t stream_conn = 0;
    bool replay_protection = true; // false only for perf-mode sessions (replayed pcaps)
    OvpnCompression compression = OvpnCompression::None;

    // Two key slots, looked up by key id; tx_slot: 0, 1, or no_tx_slot.
    static constexpr uint8_t no_tx_slot = 0xff;
    std::atomic<OvpnKeySlot*> slots[2] = {nullptr, nullptr};
    std::atomic<uint8_t> tx_slot{no_tx_slot};

    OvpnKeySlot* slot_for_key(uint8_t key_id) const {
        for (auto& s : slots) {
            OvpnKeySlot* k = s.load(std::memory_order_acquire);
            if (k && k->key_id == key_id) return k;
        }
        return nullptr;
    }
    OvpnKeySlot* tx_key() const {
        uint8_t i = tx_slot.load(std::memory_order_acquire);
        return i < 2 ? slots[i].load(std::memory_order_acquire) : nullptr;
    }
};
static_assert(sizeof(OvpnSession) == 3 * RTE_CACHE_LINE_SIZE);

} // namespace vp::dp
