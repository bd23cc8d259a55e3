// TEST HARNESS ONLY: vp::ovpn::Dataplane over one kernel UDP socket, with the EVP data channel
// of data_channel.hpp. It answers ICMP echo requests addressed to a peer's local (server-side)
// tunnel address, sends keepalive pings, absorbs the client's, and reports OCC EXIT.
#pragma once

#include "control/ovpn/dataplane.hpp"

#include <map>
#include <optional>

namespace vp::test {

class UdpDataplane final : public ovpn::Dataplane {
public:
    explicit UdpDataplane(int fd) : fd_(fd) {}

    void send(ovpn::WorkerId worker, const ovpn::Endpoint& to, ByteSpan datagram) override;
    Status add_peer(const ovpn::PeerSpec& peer) override;
    Status add_key(uint32_t peer_id, const ovpn::DataKeys& keys) override;
    void set_tx_key(uint32_t peer_id, uint8_t key_id) override;
    void remove_key(uint32_t peer_id, uint8_t key_id) override;
    void remove_peer(uint32_t peer_id) override;
    std::optional<ovpn::PeerActivity> activity(uint32_t peer_id) const override;

    struct DataResult {
        bool handled = false;              // a data packet of a known peer
        std::optional<uint32_t> exit_peer; // the packet was an OCC EXIT
    };
    DataResult handle_data(const ovpn::Endpoint& from, ByteSpan datagram, uint64_t now_ms);
    void send_keepalives(uint64_t now_ms);

private:
    struct Peer {
        ovpn::PeerSpec spec;
        std::map<uint8_t, ovpn::DataKeys> keys;
        std::optional<uint8_t> tx_key;
        std::map<uint8_t, uint32_t> tx_packet_id;
        std::map<uint8_t, ovpn::KeyActivity> counters;
        uint64_t last_rx_ms = 0;
        uint64_t last_tx_ms = 0;
    };
    void transmit(Peer& peer, ByteSpan payload, uint64_t now_ms);

    int fd_;
    std::map<uint32_t, Peer> peers_;
};

} // namespace vp::test
