// One OpenVPN client, from the moment it proved its address until teardown: its control-channel
// wrapping, the key states of the current key, a renegotiation and the lame-duck key,
// authentication, the PUSH_REPLY, what is installed in the dataplane, keepalive expiry and
// renegotiation triggers. Time is always passed in (steady clock, ms).
#pragma once

#include "control/aaa/aaa.hpp"
#include "control/aaa/session_limits.hpp"
#include "control/ovpn/control_wrap.hpp"
#include "control/ovpn/dataplane.hpp"
#include "control/ovpn/key_derivation.hpp"
#include "control/ovpn/key_state.hpp"
#include "control/ovpn/options.hpp"
#include "control/ovpn/setup.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

class Session;

// Drop and event counters, by reason (server-wide).
struct Counters {
    uint64_t datagrams = 0;
    uint64_t unknown_opcode = 0;
    uint64_t data_unknown_peer = 0;
    uint64_t wrap_rejected = 0;
    uint64_t replayed = 0;
    uint64_t malformed = 0;
    uint64_t wrong_session_id = 0;
    uint64_t unknown_key_id = 0;
    uint64_t no_session = 0;
    uint64_t rate_limited = 0;        // resets unanswered: the global ceiling was spent
    uint64_t rate_limited_prefix = 0; // resets unanswered: their source /24 had its budget
    uint64_t resets_known_source = 0; // answered from the remembered sources' pool
    uint64_t resets_reserve = 0;      // answered beyond the ceiling: the /24's first this period
    uint64_t bad_cookie = 0;
    uint64_t session_limit = 0;
    uint64_t resets_answered = 0;
    uint64_t sessions_created = 0;
    uint64_t sessions_closed = 0;
    uint64_t tls_failures = 0;
    uint64_t auth_failures = 0;
    uint64_t renegotiations = 0;
    uint64_t keepalive_expiries = 0;
    uint64_t explicit_exits = 0;
};

// What a session needs from the server that owns it.
class SessionHost {
public:
    virtual Dataplane& dataplane() = 0;
    virtual aaa::Aaa& aaa() = 0;
    virtual Counters& mutable_counters() = 0;
    // `user` proved its password on `session` but AAA refused it as already connected
    // (only-one): end the user's sessions from the same client address, which this one
    // replaces. Returns whether any was ended.
    virtual bool replace_sessions(const Session& session, const std::string& user,
                                  uint64_t now_ms) = 0;
    // The dataplane saw the client's data arrive from a new address (float).
    virtual void session_moved(Session& session, const Endpoint& to) = 0;
    // The session reached SessionState::Closed; the host erases it when it is safe to.
    virtual void session_closed(Session& session) = 0;

protected:
    ~SessionHost() = default;
};

enum class SessionState : uint8_t {
    Handshake,     // TLS and key method 2 of the first key
    Authenticated, // keys installed; PUSH_REPLY not sent yet
    AuthFailed,    // rejected; AUTH_FAILED goes out on PUSH_REQUEST
    Active,        // PUSH_REPLY sent
    Closing,       // a final message (AUTH_FAILED, RESTART, HALT) is being delivered
    Closed,        // gone; the server erases it
};
std::string_view to_string(SessionState s);

struct SessionStart {
    uint32_t peer_id = 0;
    WorkerId worker = 0;
    Endpoint endpoint;
    SessionId local_sid{};
    SessionId remote_sid{};
    ControlWrap wrap;
    // true: the resets were exchanged statelessly (HMAC cookie), message ids continue at 1;
    // false: this session answers the client's reset itself (pre-2.6 tls-crypt-v2 clients).
    bool after_cookie = true;
    std::string wrap_description; // "tls-crypt-v2 (timestamp ...)" for logs
};

struct SessionInfo {
    uint32_t peer_id = 0;
    std::string user;
    std::string service = "ovpn";
    Endpoint caller;
    net::Ipv4 tunnel_address = 0;
    uint64_t uptime_s = 0;
    std::string encoding; // "AES-256-GCM" / "AES-128-CBC SHA1", as RouterOS prints it
    std::string state;
    std::string client_version;
    uint8_t key_id = 0;
    // Limits (control/aaa/session_limits.hpp) and the traffic they are measured on, as of the
    // last timer tick; the rate-limit in RouterOS notation ("": none).
    std::string rate_limit;
    aaa::SessionUsage usage;
    std::optional<uint64_t> bytes_in_left, bytes_out_left;
    uint64_t rate_dropped_rx = 0, rate_dropped_tx = 0; // packets over the rate-limit
    std::string end_reason; // ended sessions: why ("session-timeout 60 s", "client exit")
};

class Session {
public:
    Session(std::shared_ptr<const ServerSetup> setup, SessionHost& host, SessionStart start,
            uint64_t now_ms);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // A datagram from the client's endpoint, still wrapped.
    void on_datagram(ByteSpan datagram, uint64_t now_ms);
    // An unwrapped, parsed packet (the server hands over the packet that created the session).
    void on_packet(const ControlPacketView& p, uint64_t now_ms);
    void on_timer(uint64_t now_ms);

    // The client said goodbye on the data channel (OCC exit).
    void on_explicit_exit(uint64_t now_ms);
    // Ask the client to reconnect (RESTART) or to stop (HALT), then go.
    void disconnect(bool halt, uint64_t now_ms);
    // Start a renegotiation now (server-initiated).
    bool renegotiate(uint64_t now_ms);
    // End at once, without telling the client.
    void close(const std::string& reason);

    SessionState state() const { return state_; }
    bool closed() const { return state_ == SessionState::Closed; }
    uint32_t peer_id() const { return peer_id_; }
    const Endpoint& endpoint() const { return endpoint_; }
    void set_endpoint(const Endpoint& e) { endpoint_ = e; }
    const SessionId& remote_sid() const { return remote_sid_; }
    const std::string& user() const { return user_; }
    SessionInfo info(uint64_t now_ms) const;
    // For an ended session that was granted an address: what it was and why it ended.
    const std::optional<SessionInfo>& final_info() const { return final_info_; }

private:
    struct Slot;

    Slot* find_slot(uint8_t key_id);
    Slot* primary();
    Slot& add_slot(uint8_t key_id, uint32_t receive_next, uint32_t send_first, uint64_t now_ms);
    void process(Slot& slot, uint64_t now_ms);
    void on_key_method2(Slot& slot, KeyMethod2 client, uint64_t now_ms);
    void authenticate(Slot& slot, const KeyMethod2& client, uint64_t now_ms);
    bool verify_renegotiation(const KeyMethod2& client);
    bool password_matches(const std::string& password);
    Status install_keys(Slot& slot, const KeyMethod2& client);
    void on_message(const std::string& message, uint64_t now_ms);
    void send_message(std::string_view text);
    void send_push_reply(uint64_t now_ms);
    void finish_with(std::string_view message, uint64_t now_ms);
    // Withdraws the data-channel peer and returns the address grant (idempotent).
    void release_resources();
    void switch_tx_keys(uint64_t now_ms);
    void check_active(uint64_t now_ms);
    void start_renegotiation(uint64_t now_ms, const char* why);
    void schedule_renegotiation(uint64_t now_ms);
    void retire(Slot& slot);
    void flush(uint64_t now_ms);
    void mark_closed();
    // Notes why the session ends (the first reason wins), while its grant is still there.
    void record_end(const std::string& reason);
    uint32_t wrap_time_s(uint64_t now_ms) const { return static_cast<uint32_t>(now_ms / 1000) + 1; }
    std::string who() const;

    std::shared_ptr<const ServerSetup> setup_;
    SessionHost& host_;
    uint32_t peer_id_;
    WorkerId worker_;
    Endpoint endpoint_;
    SessionId local_sid_;
    SessionId remote_sid_;
    ControlWrap wrap_;
    std::string wrap_description_;
    uint64_t created_ms_;

    SessionState state_ = SessionState::Handshake;
    std::vector<std::unique_ptr<Slot>> slots_;
    uint8_t primary_key_id_ = 0;
    bool have_primary_ = false;

    // Negotiated at the first key method 2 exchange; kept for renegotiations.
    std::string user_;
    PeerInfo peer_info_;
    crypto::Cipher cipher_ = crypto::Cipher::None;
    crypto::Digest digest_ = crypto::Digest::None;
    bool push_cipher_ = false;
    KeyDerivation derivation_ = KeyDerivation::LegacyPrf;
    std::optional<aaa::Grant> grant_;
    std::string auth_failed_message_ = "AUTH_FAILED";
    bool peer_installed_ = false;
    bool push_sent_ = false;

    uint64_t active_since_ms_ = 0;
    uint64_t deadline_ms_ = 0;   // handshake / closing deadline
    uint64_t next_reneg_ms_ = 0; // 0: none scheduled
    uint64_t last_activity_check_ms_ = 0;
    aaa::SessionLimits limits_;
    aaa::SessionUsage usage_;
    uint64_t rate_dropped_rx_ = 0, rate_dropped_tx_ = 0;
    uint64_t now_ms_ = 0; // the last time the server called in (for the history's uptime)
    std::optional<SessionInfo> final_info_;
};

} // namespace vp::ovpn
