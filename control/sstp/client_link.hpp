// One SSTP client link at run time (an `sstp_clients` entry, RouterOS's /interface sstp-client):
// each attempt (after resolving connect_to on a helper thread when it is a DNS name: a name that
// does not resolve is a failed attempt) dials the server through a worker's TCP engine
// (InjectAction::TcpConnect from the WAN address and the link's local port 61300 + index, whole TLS
// records punted), runs a fresh ClientConnection (TLS client, HTTP, Connect Request, client-role
// PPP, crypto-bound Call Connected) over the stream, and once the call is up publishes an
// SstpSession bound to the stream on the worker that holds it: the server's tunnel address as the
// session's address, ours as the tunnel-local address, and the ip.routes destinations that name the
// link as gateway. The stream is punted one TLS record at a time (TcpPuntResume after each) while
// OpenSSL runs the handshake and the call; at the record that connects the call, once everything
// OpenSSL wrote is on the stream, the link hands the TLS record layer to the owner worker as the
// SSTP server does (record_handover.hpp, roles flipped: the server's write key opens, ours seals),
// publishes the session with it and releases the stream (TcpPuntRelease): data records never
// reach this thread again; the worker punts the control packets it opens (SstpEvent::Control)
// and seals ours (InjectAction::SessionControl). CBC suites stay here (the session's records
// nullptr): the server's IPv4 packets are opened here and injected (SessionInput), packets for
// the server come back as SstpEvent::Outbound and are sealed here.
// The session and its routes are withdrawn when the call ends (the server's close or reset,
// Call Disconnect/Abort, no answer to our echo, an authentication or certificate failure) and
// the next attempt follows after a backoff of 1 s doubling to 60 s; each failure is logged and
// kept as the link's last error.
#pragma once

#include "control/ovpn/client_link.hpp" // LinkInfo, LinkState: `vpnctl interfaces` rows
#include "control/ovpn/host_resolver.hpp"
#include "control/sstp/client_config.hpp"
#include "control/sstp/client_connection.hpp"
#include "control/sstp/record_handover.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/session/publish.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::sstp {

// A link's counters, with what each counts (telemetry lists them, summed, as client_link_*).
#define VP_SSTP_LINK_COUNTERS(X)                                                                   \
    X(injected, "server packets opened on the control thread (not handed over: CBC)")              \
    X(inject_failed, "server packets opened here and lost: no mbuf, or the inject ring was full")  \
    X(sealed, "packets for the server sealed on the control thread (not handed over: CBC)")        \
    X(backlog_full, "packets for the server dropped: the stream's backlog is full")                \
    X(bad, "packets for the server shorter than their Ethernet room")                              \
    X(handovers, "calls whose TLS record layer the link's worker took")                            \
    X(handover_refused, "calls whose record layer stayed here (CBC, or no worker keys)")           \
    X(control_to_worker, "SSTP packets sent for the worker to seal")                               \
    X(control_to_worker_failed, "SSTP packets lost: no mbuf, or the inject ring was full")         \
    X(control_from_worker, "SSTP packets the worker opened for the link")                          \
    X(worker_record_failures, "calls ended because the worker's record layer stopped")             \
    X(key_updates, "TLS 1.3 KeyUpdates of the server the worker applied")                          \
    X(key_update_failed, "next keys after a KeyUpdate not derived: the next one ends the call")

class ClientLink {
public:
    static constexpr uint64_t backoff_min_ms = 1000;
    static constexpr uint64_t backoff_max_ms = 60000;
    static constexpr uint64_t dial_timeout_ms = 30000;

    // `routes`: the ip.routes destinations that name this link as their gateway.
    ClientLink(ClientLinkConfig config, uint16_t local_port, dp::Dataplane& dataplane,
               dp::SessionPublisher& publisher, std::shared_ptr<const tls::Context> tls,
               std::vector<net::Ipv4Prefix> routes, uint64_t now_ms);
    ~ClientLink();
    ClientLink(const ClientLink&) = delete;
    ClientLink& operator=(const ClientLink&) = delete;

    const ClientLinkConfig& config() const { return config_; }
    uint16_t local_port() const { return local_port_; }
    dp::SessionId session() const { return session_; }
    ovpn::LinkState state() const { return state_; }

    // An event of the link's TCP stream (PuntReason::TcpStream tagged with the link's port).
    void on_stream(const dp::PuntEntry& e, uint64_t now_ms);
    // A packet the owner worker routed into the link's session (Ethernet room first); freed.
    void on_outbound(rte_mbuf* m, uint64_t now_ms);
    // Another event of the session's worker (SstpEvent::Control, RecordFailed, KeyUpdated).
    void on_session_event(const dp::PuntEntry& e, uint64_t now_ms);
    void on_timer(uint64_t now_ms);
    // Call Disconnect to the server and the session withdrawn: for a reload or shutdown.
    void stop(uint64_t now_ms);

    ovpn::LinkInfo info(uint64_t now_ms) const;

    struct Counters {
#define VP_SSTP_LINK_FIELD(name, help) uint64_t name = 0;
        VP_SSTP_LINK_COUNTERS(VP_SSTP_LINK_FIELD)
#undef VP_SSTP_LINK_FIELD
    };
    const Counters& counters() const {
        return counters_;
    }

private:
    // Starts an attempt: resolves connect_to if it is a name, then dials.
    void start_attempt(uint64_t now_ms);
    void poll_resolver(uint64_t now_ms);
    void dial(uint64_t now_ms);
    void drop(std::string reason, uint64_t now_ms);
    void pump(uint64_t now_ms);
    // With `records`: handed over. False if refused (the attempt was dropped).
    bool publish(uint64_t now_ms, std::unique_ptr<dp::sstp::RecordLayer> records);
    // At the record that connected the call, with nothing of OpenSSL's left to send.
    void hand_over(uint64_t now_ms);
    void send_control();
    void withdraw();
    void end_stream(bool graceful);
    void inject_tcp(dp::InjectAction action, rte_mbuf* m);
    void take_traffic();

    ClientLinkConfig config_;
    uint16_t local_port_;
    dp::Dataplane& dp_;
    dp::SessionPublisher& publisher_;
    std::shared_ptr<const tls::Context> tls_;
    std::vector<net::Ipv4Prefix> routes_;
    dp::WorkerId owner_ = 0;
    dp::PortId wan_port_ = 0;
    uint32_t local_ip_ = 0;   // host order, the address we dial from
    net::Ipv4 server_ip_ = 0; // connect_to, or what its name resolved to at this attempt
    std::unique_ptr<ovpn::HostResolver> resolver_; // connect_to is a name: this attempt's lookup

    ovpn::LinkState state_ = ovpn::LinkState::Disabled;
    std::unique_ptr<ClientConnection> client_;
    // The stream: the connection being dialled or open (tcp::ConnHandle::pack()).
    std::optional<uint64_t> conn_;
    bool stream_open_ = false;
    Bytes pending_;          // ciphertext not yet handed to the engine
    bool in_flight_ = false; // one chain at a time, so bytes stay in order
    rte_mbuf* refused_ = nullptr;
    bool waiting_writable_ = false;
    bool close_sent_ = false;
    // Stepwise: one record at a time to OpenSSL; Released: all records to OpenSSL (CBC);
    // HandedOver: the worker is the record layer.
    enum class Records : uint8_t { Stepwise, Released, HandedOver } records_ = Records::Stepwise;
    bool resume_owed_ = false; // a record was taken; TcpPuntResume not sent yet
    bool resumed_ = false;     // TcpPuntResume sent, the next record not here yet
    // TLS 1.3, handed over: the worker's layer (alive while the session is published) and the
    // traffic secrets of its next keys.
    dp::sstp::RecordLayer* worker_records_ = nullptr;
    std::unique_ptr<tls::KeyUpdateSecrets> key_update_;

    dp::SessionId session_ = dp::no_session;
    net::Ipv4 local_address_ = 0, remote_address_ = 0;
    std::string encoding_;
    uint64_t dial_started_ms_ = 0;
    uint64_t connected_ms_ = 0;
    uint64_t retry_at_ms_ = 0;
    uint64_t backoff_ms_ = backoff_min_ms;
    uint32_t attempts_ = 0;
    std::string last_error_;
    uint32_t correlation_ = 0; // a new correlation id per attempt
    // Of the current call: rx counted as injected, tx the session's (kept when withdrawn).
    uint64_t rx_packets_ = 0, rx_bytes_ = 0, tx_packets_ = 0, tx_bytes_ = 0;
    Counters counters_;
};

} // namespace vp::sstp
