// The client side of an SSTP connection above TLS (MS-SSTP 3.2, the role sstpc plays): the
// HTTP SSTP_DUPLEX_POST request and the server's response, Connect Request and the server's
// Ack or Nak, client-role PPP (control/ppp: LCP, authentication as the peer, IPCP taking the
// address the server gives), the crypto-bound Call Connected (the hash the server offered,
// SHA256 preferred; the HLAK from the PPP keys, zeros for PAP/CHAP), echo keepalive and the
// disconnect exchange. Plaintext in, plaintext out, time as an input: no TLS, no sockets, so
// the fuzz target reaches everything it parses of the server's bytes.
#pragma once

#include "base/bytes.hpp"
#include "control/ppp/session.hpp"
#include "control/sstp/crypto_binding.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vp::sstp {

inline constexpr size_t kMaxResponseBytes = 8192;

// The server's HTTP response head: the status code, once the blank line has arrived.
struct HttpResponse {
    int status = 0;
    std::string reason;
    size_t bytes_used = 0; // status line to blank line, inclusive
};
enum class HttpResponseState { NeedMore, Complete, Error };
// Parses the head at the start of `received` (bounded by kMaxResponseBytes); on Error,
// `error` says why.
HttpResponseState parse_http_response(ByteSpan received, HttpResponse& out, std::string& error);

// The request sstpc and Windows send: SSTP_DUPLEX_POST with Content-Length 2^64-1.
std::string build_http_request(std::string_view host, std::string_view correlation_id);

struct ClientProtocolConfig {
    std::string host;                 // the Host header
    std::string correlation_id;       // "{GUID}"
    ppp::PppConfig ppp;               // client role: methods accepted, user, password, MRU/MTU
    CertHashes server_cert;           // of the server's leaf certificate, for the crypto binding
    uint64_t negotiation_ms = 60'000; // request sent -> connected
    uint64_t hello_ms = 60'000;       // silent this long: Echo Request; again: the link is dead
    uint64_t disconnect_ms = 5'000;   // our Call Disconnect waits this long for the Ack
    // The binding hashes this client implements; the strongest the server offers of them is
    // taken (a RouterOS-like test peer implements SHA1 only).
    uint8_t hash_bitmask = kHashBitmaskSha1 | kHashBitmaskSha256;
};

enum class ClientPhase : uint8_t {
    Http,       // request sent, waiting for the 200
    ConnectAck, // Connect Request sent
    Ppp,        // LCP, authentication, IPCP; Call Connected once authenticated
    Connected,  // Call Connected sent and IPCP up: IP flows
    Disconnecting,
    Closed, // ended (failure() says why when it was not our own disconnect)
};
const char* to_string(ClientPhase p);

struct ClientCounters {
    uint64_t malformed = 0;           // server packets the parser refused (ends the call)
    uint64_t unexpected_messages = 0; // known control types in the wrong phase, ignored
    uint64_t echo_requests_sent = 0;
    uint64_t echo_responses_sent = 0;
    uint64_t ip_frames_before_connected = 0; // dropped
    uint64_t ipv6_frames_dropped = 0;
};

class ClientProtocol {
public:
    ClientProtocol(ClientProtocolConfig config, uint64_t now_ms);
    ClientProtocol(const ClientProtocol&) = delete;
    ClientProtocol& operator=(const ClientProtocol&) = delete;

    // Plaintext from the server (after TLS).
    void on_plaintext(ByteSpan bytes, uint64_t now_ms);
    // A whole SSTP packet (a worker opened it after the record-layer hand-over).
    void on_packet(ByteSpan packet, uint64_t now_ms);
    void on_timer(uint64_t now_ms);
    std::optional<uint64_t> next_deadline() const;
    // The worker saw data from the server: the hello timer restarts.
    void note_rx(uint64_t now_ms) { last_rx_ms_ = now_ms; }
    // Our Call Disconnect (a reload, a shutdown).
    void disconnect(uint64_t now_ms);
    // An IPv4 packet (no PPP header) for the server; dropped unless connected.
    bool send_ip(ByteSpan packet);

    // Plaintext for TLS since the last call.
    Bytes take_output() {
        Bytes out;
        out.swap(out_);
        return out;
    }
    // IPv4 packets (no PPP header) the server sent since the last call.
    std::vector<Bytes> take_ip_packets() {
        std::vector<Bytes> out;
        out.swap(ip_in_);
        return out;
    }

    ClientPhase phase() const { return phase_; }
    bool connected() const { return phase_ == ClientPhase::Connected; }
    bool closed() const { return phase_ == ClientPhase::Closed; }
    // Why the call ended or failed ("" while it runs, and after our own disconnect).
    const std::string& failure() const { return failure_; }
    net::Ipv4 local_address() const { return local_; }
    net::Ipv4 remote_address() const { return remote_; }
    std::optional<HashProtocol> binding_hash() const { return hash_; }
    const ppp::PppSession& ppp() const { return *ppp_; }
    uint16_t mtu() const { return ppp_->mtu(); }
    const ClientCounters& counters() const { return counters_; }

private:
    void handle_packet(ByteSpan packet, uint64_t now_ms);
    void handle_control(ByteSpan packet, uint64_t now_ms);
    void run_ppp(ppp::Output out, uint64_t now_ms);
    void send_call_connected();
    void fail(std::string why);
    void send(Bytes packet) { out_.insert(out_.end(), packet.begin(), packet.end()); }

    ClientProtocolConfig config_;
    std::unique_ptr<ppp::PppSession> ppp_;
    ClientPhase phase_ = ClientPhase::Http;
    Bytes in_; // bytes not consumed yet (the HTTP head, partial SSTP packets)
    Bytes out_;
    std::vector<Bytes> ip_in_;
    std::array<uint8_t, kNonceBytes> nonce_{};
    std::optional<HashProtocol> hash_;
    bool authenticated_ = false;
    bool call_connected_sent_ = false;
    bool ip_up_ = false;
    net::Ipv4 local_ = 0, remote_ = 0;
    uint64_t deadline_ms_ = 0; // negotiation, or the disconnect wait
    uint64_t last_rx_ms_ = 0;  // hello
    bool echo_outstanding_ = false;
    std::string failure_;
    ClientCounters counters_;
};

} // namespace vp::sstp
