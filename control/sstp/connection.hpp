// One SSTP connection on the control plane, from the first TLS byte to the close: the TLS
// server handshake on the stream's bytes (memory BIOs), the HTTP request and its one-record 200,
// then SSTP packets into the control FSM and PPP frames into a server-role ppp::PppSession whose
// credentials and address come from AAA. Bytes in, ciphertext out, no sockets and no DPDK: the
// service (sstp_service.cpp) moves the bytes, tests drive it directly.
//
// First stage of the data path: the control plane stays the TLS record layer for the whole
// connection. Once the service has published the session to the workers (set_forwarding), the
// client's IPv4 frames are queued for it (take_ip_packets) and the workers' packets for the
// client go out through send_ip; before that, and for IPv6, IP frames are counted and dropped.
//
// Record layer hand-over (docs/sstp.md): the connection counts the records OpenSSL opened and
// sealed since the handshake, so that handover_keys() gives the worker both directions' keys
// with the right next sequence numbers; after set_offloaded() OpenSSL is out of the stream: the
// SSTP packets the worker opened come in through on_opened_packet() and everything the
// connection sends is queued as plaintext SSTP packets (take_control_packets) for the worker to
// seal.
#pragma once

#include "base/bytes.hpp"
#include "control/aaa/aaa.hpp"
#include "control/aaa/session_limits.hpp"
#include "control/ppp/session.hpp"
#include "control/sstp/aaa_link.hpp"
#include "control/sstp/control_fsm.hpp"
#include "control/sstp/http.hpp"
#include "control/sstp/record_counter.hpp"
#include "control/tls/key_export.hpp"
#include "control/tls/session.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::sstp {

// What every connection of a server shares (rebuilt on reload; live connections keep theirs).
struct ConnectionSetup {
    std::shared_ptr<const tls::Context> tls;
    CertHashes cert;      // of the server's leaf certificate, for the crypto binding
    ppp::PppConfig ppp;   // server role, methods, MRU
    ControlTimers timers; // negotiation, hello (keepalive_timeout)
    std::string default_profile = "default";
};

struct ConnectionCounters {
    uint64_t ip_frames_not_forwarded = 0;     // IPv4 frames while the session is not published
    uint64_t ipv6_frames_dropped = 0;         // IPv6 frames (IPv6CP is rejected; never forwarded)
    uint64_t ip_frames_from_client = 0;       // IPv4 frames queued for the workers
    uint64_t ip_frames_to_client = 0;         // IPv4 packets from the workers sealed and sent
    uint64_t ip_frames_to_client_dropped = 0; // from the workers while the call is not up
    uint64_t tls_close_notify = 0; // the client ended TLS with close_notify (answered, closed)
    uint64_t tls_errors = 0;       // handshake failures, bad records, alerts: closed
    uint64_t worker_record_failures = 0; // the worker's record layer stopped (bad tag, ...)
};

class Connection {
public:
    enum class Stage : uint8_t { Tls, Http, Sstp, Closed };

    Connection(std::shared_ptr<const ConnectionSetup> setup, aaa::Aaa& aaa, std::string caller,
               uint64_t now_ms);

    // Ciphertext from the peer.
    void on_data(ByteSpan ciphertext, uint64_t now_ms);
    void on_timer(uint64_t now_ms);
    std::optional<uint64_t> next_deadline() const;
    // An operator's `vpnctl disconnect`: SSTP Call Disconnect (or a close before SSTP runs).
    void disconnect(uint64_t now_ms);
    // The peer closed its side of the stream: nothing more will come.
    void peer_closed();
    // The grant's session-timeout, idle-timeout and limit-bytes-in/-out (control/aaa/
    // session_limits.hpp) on the session's traffic as the workers count it: the service calls
    // this regularly once IP is up; a limit reached ends the call with SSTP Call Disconnect,
    // as `vpnctl disconnect` does, and becomes the end reason.
    void check_limits(const aaa::SessionUsage& usage, uint64_t now_ms);

    // Ciphertext to send; the connection is over once done() and the output is sent.
    Bytes take_output() {
        Bytes out;
        out.swap(out_);
        return out;
    }
    bool done() const { return stage_ == Stage::Closed; }

    Stage stage() const { return stage_; }
    bool ip_up() const { return ip_up_; }
    // IPCP is up and the crypto binding of Call Connected verified: the session may carry IP.
    bool ready_for_data() const;
    // The service published (true) or retired (false) the session on the workers.
    void set_forwarding(bool on) { forwarding_ = on; }
    // IPv4 packets (no PPP header) from the client since the last call.
    std::vector<Bytes> take_ip_packets() {
        std::vector<Bytes> out;
        out.swap(ip_in_);
        return out;
    }
    // An IPv4 packet for the client: framed (PPP, SSTP) and sealed into a record.
    void send_ip(ByteSpan packet);

    // ---- record layer hand-over ----
    // Both directions' keys for the worker, with the sequence numbers the next records use
    // (export base + the records OpenSSL opened / sealed since the handshake).
    Result<tls::RecordKeys> handover_keys() const;
    // From now on the worker is the record layer: the OpenSSL session and the TLS-stage
    // buffers are freed (an idle handed-over session's memory, docs/sstp.md).
    void set_offloaded();
    bool offloaded() const { return offloaded_; }
    // A whole SSTP packet the worker opened (control packets, PPP control frames).
    void on_opened_packet(ByteSpan packet, uint64_t now_ms);
    // The worker's record layer stopped: the call ends (`close_notify`: the client ended TLS).
    void record_failed(const std::string& why, bool close_notify = false);
    // Plaintext SSTP packets for the worker to seal, since the last call.
    std::vector<Bytes> take_control_packets() {
        std::vector<Bytes> out;
        out.swap(control_out_);
        return out;
    }
    uint64_t records_in_after_handshake() const { return records_in_; }
    uint64_t records_out_after_handshake() const { return records_out_; }
    net::Ipv4 local_address() const { return local_address_; }
    uint16_t mtu() const;
    const std::string& user() const { return user_; }
    const std::string& caller() const { return caller_; }
    net::Ipv4 address() const { return address_; }
    uint64_t up_since_ms() const { return up_since_ms_; }
    std::string encoding() const; // "TLS1.3 TLS_AES_256_GCM_SHA384"
    const char* state() const;
    const ConnectionCounters& counters() const { return counters_; }
    // The AAA grant while the session holds one (its rate-limit goes to the workers).
    const aaa::Grant* grant() const { return aaa_.grant() ? &*aaa_.grant() : nullptr; }
    // The grant's rate-limit in RouterOS notation as of IP up ("": none), kept for the history.
    const std::string& rate_limit() const { return rate_limit_; }
    const aaa::SessionLimits& limits() const { return limits_; }
    // The traffic of the last check_limits().
    const aaa::SessionUsage& usage() const { return usage_; }
    // Why the call ended ("" while it runs): "session-timeout 60 s", "disconnected by the
    // operator", "the client sent SSTP Call Disconnect", ...
    const std::string& end_reason() const { return end_reason_; }
    const ControlFsm* control() const { return fsm_ ? &*fsm_ : nullptr; }
    const ppp::PppSession* ppp() const { return ppp_.get(); }

private:
    void on_plaintext(uint64_t now_ms);
    void start_sstp(uint64_t now_ms);
    void run(ControlFsm::Actions actions, uint64_t now_ms);
    void run_ppp(ppp::Output out, uint64_t now_ms);
    void deliver_ppp(ByteSpan frame, uint64_t now_ms);
    void send_plain(ByteSpan plaintext);
    void flush_tls();
    void close(std::string why);
    // SSTP Call Disconnect (or a close before SSTP runs), `why` kept as the end reason.
    void end_call(const std::string& why, uint64_t now_ms);
    std::string who() const;

    std::shared_ptr<const ConnectionSetup> setup_;
    std::string caller_;
    AaaLink aaa_;
    tls::Session tls_;
    Stage stage_ = Stage::Tls;
    Bytes plain_; // decrypted bytes not consumed yet (HTTP request, partial SSTP packets)
    Bytes out_;   // ciphertext to send
    HttpRequestParser http_;
    std::optional<ControlFsm> fsm_;
    std::unique_ptr<ppp::PppSession> ppp_;
    bool ppp_started_ = false;
    uint64_t setup_deadline_ms_ = 0; // TLS + HTTP must finish by then
    bool ip_up_ = false;
    std::string user_;
    net::Ipv4 address_ = 0;
    net::Ipv4 local_address_ = 0;
    uint64_t up_since_ms_ = 0;
    bool forwarding_ = false;
    std::vector<Bytes> ip_in_;  // IPv4 packets for the service to inject
    aaa::SessionLimits limits_; // started at IP up from the grant
    aaa::SessionUsage usage_;
    std::string rate_limit_;
    std::string end_reason_;
    ConnectionCounters counters_;

    // Record counting for the hand-over.
    RecordCounter in_counter_, out_counter_;
    uint64_t records_in_ = 0;  // client records OpenSSL opened after the handshake
    uint64_t records_out_ = 0; // data/alert records OpenSSL sealed after the handshake
    bool offloaded_ = false;
    std::string encoding_;           // kept at the hand-over, when the OpenSSL session goes
    std::vector<Bytes> control_out_; // offloaded: SSTP packets for the worker to seal
};

} // namespace vp::sstp
