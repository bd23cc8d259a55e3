// The OpenVPN server's control plane for one UDP port. The lead's control thread feeds it every
// datagram of the port that is not a DATA packet of a known peer, calls on_timer() regularly
// (every 100-250 ms is plenty), and forwards data-channel events (OCC exit). Everything the
// server does to the outside goes through Dataplane (datagrams, peers, keys) and aaa::Aaa.
//
// New clients are handled statelessly (HMAC session-id cookie, replies within InitialBudget) until
// they echo the cookie from the same address; only then does a Session exist. Sessions are found by
// the client's endpoint; a packet whose session id differs from the session's is treated as a
// new client (a restarted client at the same address and port replaces its old session).
#pragma once

#include "control/aaa/aaa.hpp"
#include "control/ovpn/cookie.hpp"
#include "control/ovpn/dataplane.hpp"
#include "control/ovpn/initial_budget.hpp"
#include "control/ovpn/session.hpp"
#include "control/ovpn/setup.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace vp::ovpn {

class Server final : private SessionHost {
public:
    Server(std::shared_ptr<const ServerSetup> setup, Dataplane& dataplane, aaa::Aaa& aaa);
    // With a fixed cookie secret (tests and fuzzing only: cookies become predictable).
    Server(std::shared_ptr<const ServerSetup> setup, Dataplane& dataplane, aaa::Aaa& aaa,
           const std::array<uint8_t, 32>& cookie_secret);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // A datagram that arrived on the OpenVPN port from `from` on worker `worker`. `over_tcp`: a
    // packet from an OpenVPN/TCP stream, whose source completed a TCP handshake, so replies to
    // it cannot be reflected: its resets spend no reply budget (the reflection limit).
    void on_datagram(const Endpoint& from, WorkerId worker, ByteSpan datagram, uint64_t now_ms,
                     bool over_tcp = false);
    // The client's transport ended (its TCP stream closed): its session goes without a word.
    bool transport_closed(const Endpoint& from, uint64_t now_ms);
    // The client at `from` has a session whose keys are installed (authenticated or active).
    bool handshake_complete(const Endpoint& from) const;
    // Retransmissions, handshake deadlines, keepalive expiry, renegotiation, lame-duck expiry.
    void on_timer(uint64_t now_ms);
    // The dataplane decoded an OCC EXIT from this peer (explicit-exit-notify on the data
    // channel, clients that do not speak protocol-flags cc-exit).
    void on_explicit_exit(uint32_t peer_id, uint64_t now_ms);

    // Management (vpnctl, like RouterOS /ppp active).
    std::vector<SessionInfo> sessions(uint64_t now_ms) const;
    // Tells the client to reconnect (RESTART) or to stop (HALT) and removes the session.
    bool disconnect(uint32_t peer_id, uint64_t now_ms, bool halt = false);
    // Starts a server-initiated renegotiation.
    bool renegotiate(uint32_t peer_id, uint64_t now_ms);
    // New clients use the new setup; existing sessions keep theirs. Disabling the server
    // disconnects everyone.
    void reload(std::shared_ptr<const ServerSetup> setup, uint64_t now_ms);

    // Sessions that ended (newest last, at most kEndedKept), with why: `vpnctl sessions`.
    static constexpr size_t kEndedKept = 64;
    const std::deque<SessionInfo>& ended() const { return ended_; }

    const Counters& counters() const { return counters_; }
    size_t session_count() const { return sessions_.size(); }

private:
    // SessionHost
    Dataplane& dataplane() override { return dataplane_; }
    aaa::Aaa& aaa() override { return aaa_; }
    Counters& mutable_counters() override { return counters_; }
    bool replace_sessions(const Session& session, const std::string& user,
                          uint64_t now_ms) override;
    void session_moved(Session& session, const Endpoint& to) override;
    void session_closed(Session& session) override { closed_.push_back(&session); }

    void handle_new(const Endpoint& from, WorkerId worker, ByteSpan datagram, uint64_t now_ms,
                    bool over_tcp);
    Session* create_session(const Endpoint& from, WorkerId worker, SessionStart start,
                            uint64_t now_ms);
    std::optional<uint32_t> allocate_peer_id();
    void erase_closed();
    void apply_moves();
    uint32_t time_s(uint64_t now_ms) const { return static_cast<uint32_t>(now_ms / 1000) + 1; }

    std::shared_ptr<const ServerSetup> setup_;
    Dataplane& dataplane_;
    aaa::Aaa& aaa_;
    CookieJar cookies_;
    InitialBudget initial_budget_;
    std::unordered_map<Endpoint, std::unique_ptr<Session>, EndpointHash> sessions_;
    std::unordered_map<uint32_t, Session*> by_peer_id_;
    uint32_t next_peer_id_ = 0;
    std::vector<Session*> closed_;                     // closed, not yet erased
    std::vector<std::pair<Session*, Endpoint>> moves_; // floats seen during on_timer
    Counters counters_;
    std::deque<SessionInfo> ended_;
};

} // namespace vp::ovpn
