// One OpenVPN client link at run time (an `ovpn_clients` entry): its connection attempts
// (a fresh ovpn::Client each, with exponential backoff 1 s -> 60 s between failures), and, while
// connected, the session it publishes into the dataplane like a server session — keyed by the
// peer-id the server pushed, sending from the link's own UDP port (61000 + index) to the server,
// with the routes that name the link (ip.routes gateway) and the routes the server pushed
// (unless route_nopull), and with add_default_route (or a pushed redirect-gateway, unless
// route_nopull) the default as 0.0.0.0/1 + 128.0.0.0/1 beside a /32 pinning the server to its
// WAN route. The session is withdrawn, with its routes, when
// the link drops (ping-restart: no packet from the server for the keepalive timeout; the server's
// RESTART; a renegotiation failure). With protocol = "tcp" each attempt first dials the server
// through a worker's TCP engine (client_link_tcp.cpp) from the same local port; the OpenVPN packets
// are Length16-framed on that stream and the session is bound to it on the worker that holds it. A
// connect_to DNS name is resolved at the start of every attempt on a helper thread (HostResolver);
// the link stays "connecting (resolving)" meanwhile, and a failed lookup is a failed attempt
// (reason logged, backoff).
#pragma once

#include "control/ovpn/client.hpp"
#include "control/ovpn/client_config.hpp"
#include "control/ovpn/default_route.hpp"
#include "control/ovpn/host_resolver.hpp"
#include "control/ovpn/worker_dataplane.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

enum class LinkState : uint8_t { Disabled, Connecting, Connected, Waiting };
std::string_view to_string(LinkState s);

// What `vpnctl interfaces` shows of a link (RouterOS's ovpn-client print detail / monitor).
struct LinkInfo {
    std::string name;
    std::string state;
    std::string server; // a.b.c.d:port
    uint16_t local_port = 0;
    net::Ipv4 local_address = 0, remote_address = 0;
    uint64_t uptime_s = 0;
    std::string encoding;
    std::optional<uint32_t> peer_id;
    std::vector<net::Ipv4Prefix> routes; // installed through the link
    std::string last_error;
    uint32_t attempts = 0;    // failed attempts since the last success
    uint64_t retry_in_ms = 0; // Waiting: until the next attempt
    uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
};

class ClientLink {
public:
    static constexpr uint64_t backoff_min_ms = 1000;
    static constexpr uint64_t backoff_max_ms = 60000;

    // `routes`: the ip.routes destinations that name this link as their gateway.
    ClientLink(ClientLinkConfig config, uint16_t local_port, dp::Dataplane& dataplane,
               std::shared_ptr<const tls::Context> tls, std::vector<net::Ipv4Prefix> routes,
               uint64_t now_ms);
    ~ClientLink();
    ClientLink(const ClientLink&) = delete;
    ClientLink& operator=(const ClientLink&) = delete;

    const ClientLinkConfig& config() const { return config_; }
    uint16_t local_port() const { return local_port_; }
    LinkState state() const { return state_; }

    // A datagram punted for the link's port (the dataplane knew no session for it).
    void on_datagram(const Endpoint& from, WorkerId worker, uint32_t local_ip_be, dp::PortId port,
                     ByteSpan datagram, uint64_t now_ms);
    void on_timer(uint64_t now_ms);
    // An event of the link's TCP stream (PuntReason::TcpStream tagged with the link's port).
    void on_stream(const dp::PuntEntry& e, uint64_t now_ms);
    // Tells the server (EXIT) and withdraws the session: for a reload or shutdown.
    void stop(uint64_t now_ms);

    LinkInfo info(uint64_t now_ms) const;

private:
    void start_attempt(uint64_t now_ms);
    // The attempt once the server's address is known: dial (TCP) or the first packets (UDP).
    void connect_attempt(uint64_t now_ms);
    // Connecting with a DNS name: the lookup's answer, when it has come.
    void poll_resolver(uint64_t now_ms);
    void new_client(uint64_t now_ms);
    void send_all(uint64_t now_ms);
    void publish(uint64_t now_ms);
    void install_keys();
    void drop(std::string reason, uint64_t now_ms);
    void withdraw();
    // TCP (client_link_tcp.cpp): dial, the stream's end, a Length16 packet from the server.
    void dial(uint64_t now_ms);
    void stream_opened(uint64_t now_ms);
    void end_stream(bool graceful);
    static constexpr uint64_t dial_timeout_ms = 30000;

    ClientLinkConfig config_;
    uint16_t local_port_;
    dp::Dataplane& dp_;
    std::shared_ptr<const tls::Context> tls_;
    std::vector<net::Ipv4Prefix> static_routes_;
    WorkerDataplane wdp_;
    Endpoint server_;
    WorkerId owner_ = 0;
    std::unique_ptr<HostResolver> resolver_; // connect_to is a name: this attempt's lookup

    LinkState state_ = LinkState::Disabled;
    std::unique_ptr<Client> client_;
    std::optional<uint32_t> session_id_;  // published
    std::vector<uint8_t> installed_keys_; // oldest first
    std::vector<net::Ipv4Prefix> routes_;
    std::optional<PinnedRoute> server_route_; // add_default_route: the server's /32 via the WAN
    uint64_t connected_ms_ = 0;
    uint64_t retry_at_ms_ = 0;
    uint64_t backoff_ms_ = backoff_min_ms;
    uint32_t attempts_ = 0;
    std::string last_error_;
    // TCP: the connection being dialled or open (tcp::ConnHandle::pack()).
    std::optional<uint64_t> conn_;
    bool stream_open_ = false;
    uint64_t dial_started_ms_ = 0;
    uint32_t local_ip_ = 0; // host order, the address we dial from
};

} // namespace vp::ovpn
