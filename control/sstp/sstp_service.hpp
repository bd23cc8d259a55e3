// The SSTP server as a control-plane service: claims `sstp_server.port` as a punted TCP stream
// port and runs one sstp::Connection per stream (TLS, HTTP, SSTP control, PPP, AAA), moving its
// ciphertext between the workers' TCP engine (Data/Sent/SendRefused/Writable events, TcpSend/
// TcpClose injects) and the connection, one chain in flight per stream so bytes stay in order.
// Sessions appear in `vpnctl sessions` once PPP's IPCP is up; `vpnctl disconnect` sends SSTP
// Call Disconnect. Registered always: a reload may enable it (the listener needs a restart).
//
// Data (first stage, docs/sstp.md): once IPCP is up and Call Connected verified, the session is
// published to the workers (an SstpSession owned by the stream's worker, the /32 route and
// proxy-ARP entry for the client's address); the client's IPv4 packets, opened here, go to the
// owner as InjectAction::SessionInput, and the owner punts packets routed into the session
// (SstpEvent::Outbound) for the connection to seal.
//
// Record layer hand-over (docs/sstp.md): the stream is punted one TLS record at a time
// (TcpPuntResume after each); at the record that makes the call ready, once everything OpenSSL
// wrote is on the stream, the connection's keys go to the owner worker with the session
// (SstpSession::records) and TcpPuntRelease hands it the stream: from then on the worker opens
// and seals the records, punts the SSTP control packets it opens (SstpEvent::Control) and seals
// the connection's own (InjectAction::SessionControl). Suites the worker does not run (CBC)
// stay with OpenSSL, the first stage's path above.
//
// The grant's limits: its rate-limit is the published session's meter; session-timeout,
// idle-timeout and limit-bytes-in/-out are checked on the timer against the session's worker
// counters and end the call with Call Disconnect; ended calls stay listed with their reason.
#pragma once

#include "control/aaa/aaa.hpp"
#include "control/service.hpp"
#include "control/services.hpp"
#include "control/sstp/client_link.hpp"
#include "control/sstp/connection.hpp"
#include "control/tls/key_export.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/session/publish.hpp"
#include "dataplane/sstp/record_layer.hpp"

#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace vp::ctl {

// The service's own counters, with what each counts (telemetry and Prometheus list them from here).
#define VP_SSTP_SERVICE_COUNTERS(X)                                                                \
    X(published, "sessions handed to the workers")                                                 \
    X(publish_failed, "sessions the tables refused (route in use): disconnected")                  \
    X(injected, "client packets handed to the owner worker")                                       \
    X(inject_failed, "client packets lost: no mbuf, or the inject ring was full")                  \
    X(outbound_sealed, "worker packets handed to the connection")                                  \
    X(outbound_no_session, "worker packets for a session already gone")                            \
    X(outbound_bad_packet, "worker packets shorter than their Ethernet room")                      \
    X(outbound_backlog_full, "worker packets while the stream's backlog is full")                  \
    X(handovers, "sessions whose TLS record layer a worker took")                                  \
    X(handover_refused_cbc, "CBC suites: the record layer stays in the control plane")             \
    X(handover_refused_suite, "no worker keys for the suite (export failed)")                      \
    X(control_to_worker, "SSTP packets sent for the worker to seal")                               \
    X(control_to_worker_failed, "SSTP packets lost: no mbuf, or the inject ring was full")         \
    X(control_from_worker, "SSTP packets the worker opened for the control plane")                 \
    X(worker_record_failures, "calls ended because the worker's record layer stopped")             \
    X(key_updates, "TLS 1.3 KeyUpdates a worker applied: next keys derived here and supplied")     \
    X(key_update_failed,                                                                           \
      "next keys after a KeyUpdate not derived: the next KeyUpdate ends the call")                 \
    X(handshakes_started, "connections accepted into negotiation")                                 \
    X(handshakes_refused, "connections closed at once: max_handshakes were negotiating")           \
    X(handshakes_refused_source, "connections closed at once: max_handshakes_per_source")

class SstpService final : public Service {
public:
    // The TCP listener the dataplane opens for the server (none when it is disabled); read from
    // the raw configuration because it is needed before the services exist.
    static std::vector<dp::TcpSettings::Listener> listeners(const config::ApplianceConfig& config);

    SstpService(dp::Dataplane& dataplane, aaa::Aaa& aaa)
        : dp_(dataplane), aaa_(aaa), publisher_(dataplane) {}
    ~SstpService() override;
    SstpService(const SstpService&) = delete;
    SstpService& operator=(const SstpService&) = delete;

    // Builds the shared connection setup (TLS context with the store's certificate, PPP and
    // timer settings) when the server is enabled.
    Status configure(const ServicesConfig& services, uint64_t now_ms);

    std::string_view name() const override { return "sstp"; }
    ServiceBindings bindings() const override;
    void on_punt(const dp::PuntEntry& e, uint64_t now_ms) override;
    void on_timer(uint64_t now_ms) override;
    void add_policy(dp::WorkerPolicy& policy) const override;
    std::vector<ActiveSession> sessions(uint64_t now_ms) const override;
    std::vector<ActiveSession> ended_sessions() const override;
    size_t disconnect(const std::string& id_or_user, uint64_t now_ms) override;
    Status check_reload(const ServicesConfig& next,
                        std::vector<std::string>& restart) const override;
    Status reload(const ServicesConfig& next, uint64_t now_ms) override;

    size_t connections() const { return streams_.size(); }

    // The SSTP client links (sstp_clients, client_link.hpp), for `vpnctl interfaces`. They live
    // here because their sessions are SSTP sessions: the workers' events for them
    // (SstpEvent::Outbound) come to the service that claims SessionKind::Sstp.
    std::vector<ovpn::LinkInfo> client_links(uint64_t now_ms) const;
    // The client links' counters, summed (since the links were last configured).
    sstp::ClientLink::Counters client_link_counters() const;
    // Connections still negotiating (what max_handshakes bounds).
    size_t handshakes() const { return handshaking_; }

    // Why packets of the data path were dropped in the control plane (vpnctl counters).
    struct DataCounters {
#define VP_SSTP_FIELD(name, help) uint64_t name = 0;
        VP_SSTP_SERVICE_COUNTERS(VP_SSTP_FIELD)
#undef VP_SSTP_FIELD
    };
    const DataCounters& data_counters() const {
        return data_;
    }
    // The connections' counters, closed ones included.
    sstp::ConnectionCounters connection_counters() const;

    // Calls that ended after IP was up (newest last, at most kEndedKept), with why.
    static constexpr size_t kEndedKept = 64;

private:
    // The session's counters on the workers (inner packets), kept when it is retired.
    struct Traffic {
        uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
        uint64_t rate_dropped_rx = 0, rate_dropped_tx = 0;
    };
    struct Stream {
        uint32_t id = 0; // the session id `vpnctl` shows
        dp::WorkerId worker = 0;
        uint16_t port = 0; // the listening TCP port
        std::unique_ptr<sstp::Connection> conn;
        Bytes pending;               // ciphertext not yet handed to the engine
        bool in_flight = false;      // a chain is on its way to the worker
        rte_mbuf* refused = nullptr; // a chain the engine had no room for, to offer again
        bool waiting_writable = false;
        bool close_sent = false;
        dp::PortId wan_port = 0;                // where the stream arrived
        dp::SessionId session = dp::no_session; // published on the workers
        // Stepwise: one record at a time to OpenSSL; Released: all records to OpenSSL (a
        // suite the worker does not run); HandedOver: the worker is the record layer.
        enum class Records : uint8_t { Stepwise, Released, HandedOver } records = Records::Stepwise;
        bool resume_owed = false; // a record was taken; TcpPuntResume not sent yet
        bool resumed = false;     // TcpPuntResume sent, the next record not here yet
        Traffic last;             // of the session last published
        uint32_t source = 0;      // the client's address (network order)
        bool negotiating = true;  // counted in handshaking_ until the call is up or gone
        // TLS 1.3, handed over: the record layer on the worker (alive until retire(), which
        // clears this) and the traffic secrets of the next keys in its KeySlots.
        dp::sstp::RecordLayer* worker_records = nullptr;
        std::unique_ptr<tls::KeyUpdateSecrets> key_update;
    };
    // TLS 1.3: derives the next keys of the directions in `which` (1: client's, 2: ours) and
    // puts them in the worker's KeySlots, freeing the keys it stopped using; false on failure.
    bool supply_next_keys(Stream& s, uint16_t which);
    // The stream's negotiation is over (the call is up, or the stream went).
    void negotiated(Stream& s);

    void pump(uint64_t handle, Stream& s);
    // Publishes or retires the stream's session as the connection's state says, and injects
    // the client's IPv4 packets.
    void sync_data(uint64_t handle, Stream& s);
    void retire(Stream& s);
    // Publishes the stream's session (with `records`: handed over); false if refused.
    bool publish(uint64_t handle, Stream& s, std::unique_ptr<dp::sstp::RecordLayer> records);
    // At the record that made the call ready, with nothing of OpenSSL's left to send.
    void hand_over(uint64_t handle, Stream& s);
    void on_worker_event(const dp::PuntEntry& e);
    void on_outbound(const dp::PuntEntry& e);
    void inject(uint64_t handle, Stream& s, dp::InjectAction action, rte_mbuf* m);
    // The published session's counters (live), else those it had when retired.
    Traffic traffic(const Stream& s) const;
    ActiveSession listed(const Stream& s, uint64_t now_ms) const;
    void check_limits(uint64_t now_ms);
    // The client links (sstp_service_links.cpp).
    Status configure_links(const ServicesConfig& services, uint64_t now_ms);
    sstp::ClientLink* link_of_port(uint16_t port);
    sstp::ClientLink* link_of_session(dp::SessionId id);

    dp::Dataplane& dp_;
    aaa::Aaa& aaa_;
    sstp::ServerConfig config_;
    std::shared_ptr<const sstp::ConnectionSetup> setup_;
    std::map<uint64_t, Stream> streams_; // by connection handle
    dp::SessionPublisher publisher_;
    std::map<dp::SessionId, uint64_t> by_session_; // published sessions -> connection handle
    DataCounters data_;
    sstp::ConnectionCounters closed_; // of the connections already gone
    uint64_t now_ms_ = 0;             // of the last punt or timer, for what pump() starts
    uint64_t next_limits_ms_ = 0;     // the next check of the grants' limits
    std::deque<ActiveSession> ended_;
    size_t handshaking_ = 0;                           // streams negotiating, in all
    std::unordered_map<uint32_t, uint32_t> by_source_; // of those, per client address
    // Above the OpenVPN server's ids, so that `vpnctl disconnect <id>` names one session and
    // the listing (OpenVPN first) stays in ascending id order for its paging.
    uint32_t next_id_ = 1'000'000;
    // The client links (after publisher_: destroyed first, withdrawing their sessions).
    std::vector<sstp::ClientLinkConfig> link_configs_;
    std::vector<ServicesConfig::LinkRoute> link_routes_;
    std::vector<std::unique_ptr<sstp::ClientLink>> links_;
    uint64_t next_link_timer_ms_ = 0;
};

} // namespace vp::ctl
