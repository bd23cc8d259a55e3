// Dispatch by endpoint and session id, the stateless front door, the session table and timers.
#include "control/ovpn/server.hpp"

#include "base/log.hpp"
#include "control/ovpn/first_packet.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace vp::ovpn {

using vp::log::Topic;

namespace {

InitialBudgetConfig budget_config(const ServerConfig& c) {
    return {c.initial_packet_limit, c.initial_packet_period_s, c.initial_packet_prefix_limit};
}

} // namespace

Server::Server(std::shared_ptr<const ServerSetup> setup, Dataplane& dataplane, aaa::Aaa& aaa)
    : setup_(std::move(setup)), dataplane_(dataplane), aaa_(aaa),
      cookies_(setup_->config.handshake_window_s), initial_budget_(budget_config(setup_->config)) {}

Server::Server(std::shared_ptr<const ServerSetup> setup, Dataplane& dataplane, aaa::Aaa& aaa,
               const std::array<uint8_t, 32>& cookie_secret)
    : Server(std::move(setup), dataplane, aaa) {
    cookies_ = CookieJar(setup_->config.handshake_window_s, cookie_secret);
}

Server::~Server() {
    sessions_.clear(); // each session removes its peer and releases its grant
}

void Server::on_datagram(const Endpoint& from, WorkerId worker, ByteSpan datagram, uint64_t now_ms,
                         bool over_tcp) {
    ++counters_.datagrams;
    auto op = peek_opcode(datagram);
    if (!op) {
        ++counters_.unknown_opcode;
        return;
    }
    if (is_data(op->opcode)) {
        ++counters_.data_unknown_peer; // known peers' data never reaches the control plane
        return;
    }
    auto it = sessions_.find(from);
    if (it != sessions_.end() && !it->second->closed() && datagram.size() >= 1 + session_id_bytes &&
        std::equal(datagram.begin() + 1, datagram.begin() + 1 + session_id_bytes,
                   it->second->remote_sid().begin())) {
        it->second->on_datagram(datagram, now_ms);
        erase_closed();
        return;
    }
    // A disabled server still finishes its conversations but takes no new clients.
    if (setup_->config.enabled) handle_new(from, worker, datagram, now_ms, over_tcp);
}

void Server::handle_new(const Endpoint& from, WorkerId worker, ByteSpan datagram, uint64_t now_ms,
                        bool over_tcp) {
    auto fp = inspect_first_packet(*setup_, datagram);
    if (!fp) {
        switch (fp.error()) {
        case FirstPacketError::NotInitial:
            ++counters_.no_session;
            break;
        case FirstPacketError::Malformed:
            ++counters_.malformed;
            break;
        default:
            ++counters_.wrap_rejected;
            break;
        }
        return;
    }
    auto p = parse_control_packet(fp->plain);
    if (!p) {
        ++counters_.malformed;
        return;
    }

    if (fp->kind == FirstPacket::Kind::Reset || fp->kind == FirstPacket::Kind::ResetLegacy) {
        // Only resets that authenticated get this far (tls-auth, tls-crypt, tls-crypt-v2):
        // with a wrapping key, a spoofed flood is dropped above and spends no budget. Over TCP
        // the source is verified by the TCP handshake: no reflection, no budget.
        switch (over_tcp ? InitialBudget::Verdict::Answer
                         : initial_budget_.admit(from.address, now_ms)) {
        case InitialBudget::Verdict::DropPrefix:
            ++counters_.rate_limited_prefix;
            return;
        case InitialBudget::Verdict::DropGlobal:
            ++counters_.rate_limited;
            return;
        case InitialBudget::Verdict::Known:
            ++counters_.resets_known_source;
            break;
        case InitialBudget::Verdict::Reserve:
            ++counters_.resets_reserve;
            break;
        case InitialBudget::Verdict::Answer:
            break;
        }
        if (fp->kind == FirstPacket::Kind::Reset) {
            SessionId server_sid = cookies_.make(p->session_id, from, now_ms);
            Bytes reply = build_server_reset(fp->wrap, server_sid, p->session_id, fp->tls_crypt_v2,
                                             time_s(now_ms));
            ++counters_.resets_answered;
            dataplane_.send(worker, from, reply);
            return;
        }
        if (setup_->config.tls_crypt_v2_force_cookie) {
            ++counters_.bad_cookie;
            return;
        }
        // A pre-2.6 tls-crypt-v2 client cannot resend its key: the session starts here.
        SessionStart start;
        RAND_bytes(start.local_sid.data(), static_cast<int>(start.local_sid.size()));
        start.remote_sid = p->session_id;
        start.wrap = std::move(fp->wrap);
        start.wrap.record(fp->packet_id);
        start.after_cookie = false;
        start.wrap_description = std::move(fp->wrap_description);
        if (Session* s = create_session(from, worker, std::move(start), now_ms))
            s->on_packet(*p, now_ms);
        erase_closed();
        return;
    }

    // The third packet: it must acknowledge our reset and carry our HMAC session id back.
    bool plausible = p->ack_count > 0 && (!p->message_id || *p->message_id <= 1);
    for (uint8_t i = 0; i < p->ack_count; ++i)
        plausible = plausible && p->acks[i] <= 1;
    if (!plausible || !cookies_.verify(p->peer_session_id, p->session_id, from, now_ms)) {
        ++counters_.bad_cookie;
        return;
    }
    if (!over_tcp) initial_budget_.completed(from.address, now_ms); // refund what it paid
    SessionStart start;
    start.local_sid = p->peer_session_id;
    start.remote_sid = p->session_id;
    start.wrap = std::move(fp->wrap);
    start.wrap.set_next_send_id(2, time_s(now_ms)); // id 1 went out with our reset
    start.wrap.record(fp->packet_id);
    start.after_cookie = true;
    start.wrap_description = std::move(fp->wrap_description);
    if (Session* s = create_session(from, worker, std::move(start), now_ms))
        s->on_packet(*p, now_ms);
    erase_closed();
}

Session* Server::create_session(const Endpoint& from, WorkerId worker, SessionStart start,
                                uint64_t now_ms) {
    if (auto old = sessions_.find(from); old != sessions_.end()) {
        log::info(Topic::Ovpn, "peer {} {}: replaced by a new connection from the same address",
                  old->second->peer_id(), from.to_string());
        old->second->close("replaced by a new connection");
        erase_closed();
    }
    if (sessions_.size() >= setup_->config.max_sessions ||
        by_peer_id_.size() >= std::min(dataplane_.peer_id_limit(), undefined_peer_id)) {
        ++counters_.session_limit;
        return nullptr;
    }
    auto peer_id = allocate_peer_id();
    if (!peer_id) { // the other services hold the rest of the session table
        ++counters_.session_limit;
        return nullptr;
    }
    start.peer_id = *peer_id;
    start.worker = worker;
    start.endpoint = from;
    SessionHost& host = *this;
    auto session = std::make_unique<Session>(setup_, host, std::move(start), now_ms);
    Session* raw = session.get();
    by_peer_id_[raw->peer_id()] = raw;
    sessions_[from] = std::move(session);
    return raw;
}

std::optional<uint32_t> Server::allocate_peer_id() {
    // Cycle through the 24-bit space so that a freed id is not reused at once (late packets of
    // the old session then fail authentication instead of reaching a new one). The id is
    // reserved in the dataplane's session table, which other services (SSTP) share.
    uint32_t limit = std::min(dataplane_.peer_id_limit(), undefined_peer_id);
    for (uint32_t tries = 0; tries < limit; ++tries) {
        uint32_t id = next_peer_id_;
        next_peer_id_ = (next_peer_id_ + 1) % limit;
        if (!by_peer_id_.count(id) && dataplane_.reserve_peer_id(id)) return id;
    }
    return std::nullopt;
}

void Server::erase_closed() {
    // Erasing destroys sessions; only done here, never inside a session's own call.
    auto closed = std::move(closed_);
    closed_.clear();
    for (Session* s : closed) {
        auto it = sessions_.find(s->endpoint());
        if (it == sessions_.end() || it->second.get() != s) continue;
        by_peer_id_.erase(s->peer_id());
        uint32_t peer_id = s->peer_id();
        ++counters_.sessions_closed;
        if (s->final_info()) {
            ended_.push_back(*s->final_info());
            if (ended_.size() > kEndedKept) ended_.pop_front();
        }
        sessions_.erase(it);
        // After the session removed its peer: a published id is freed by the table after its
        // grace period, an id that was never published is freed here.
        dataplane_.release_peer_id(peer_id);
    }
}

void Server::on_timer(uint64_t now_ms) {
    std::vector<Session*> all;
    all.reserve(sessions_.size());
    for (auto& [endpoint, session] : sessions_)
        all.push_back(session.get());
    for (Session* s : all)
        s->on_timer(now_ms);
    apply_moves();
    erase_closed();
}

void Server::on_explicit_exit(uint32_t peer_id, uint64_t now_ms) {
    auto it = by_peer_id_.find(peer_id);
    if (it == by_peer_id_.end()) return;
    it->second->on_explicit_exit(now_ms);
    erase_closed();
}

std::vector<SessionInfo> Server::sessions(uint64_t now_ms) const {
    std::vector<SessionInfo> out;
    for (auto& [endpoint, session] : sessions_)
        out.push_back(session->info(now_ms));
    std::sort(out.begin(), out.end(),
              [](const SessionInfo& a, const SessionInfo& b) { return a.peer_id < b.peer_id; });
    return out;
}

bool Server::disconnect(uint32_t peer_id, uint64_t now_ms, bool halt) {
    auto it = by_peer_id_.find(peer_id);
    if (it == by_peer_id_.end()) return false;
    it->second->disconnect(halt, now_ms);
    erase_closed();
    return true;
}

bool Server::transport_closed(const Endpoint& from, uint64_t now_ms) {
    auto it = sessions_.find(from);
    if (it == sessions_.end()) return false;
    (void)now_ms;
    // Nobody is left to tell: the session ends without a RESTART.
    it->second->close("the client's TCP stream ended");
    erase_closed();
    return true;
}

bool Server::handshake_complete(const Endpoint& from) const {
    auto it = sessions_.find(from);
    if (it == sessions_.end()) return false;
    SessionState st = it->second->state();
    return st == SessionState::Authenticated || st == SessionState::Active;
}

bool Server::renegotiate(uint32_t peer_id, uint64_t now_ms) {
    auto it = by_peer_id_.find(peer_id);
    return it != by_peer_id_.end() && it->second->renegotiate(now_ms);
}

void Server::reload(std::shared_ptr<const ServerSetup> setup, uint64_t now_ms) {
    bool window_changed = setup->config.handshake_window_s != setup_->config.handshake_window_s;
    setup_ = std::move(setup);
    if (window_changed) cookies_ = CookieJar(setup_->config.handshake_window_s);
    if (budget_config(setup_->config) != initial_budget_.config())
        initial_budget_ = InitialBudget(budget_config(setup_->config));
    if (!setup_->config.enabled) {
        for (auto& [endpoint, session] : sessions_)
            session->disconnect(false, now_ms);
    }
    erase_closed();
}

bool Server::replace_sessions(const Session& session, const std::string& user, uint64_t now_ms) {
    (void)now_ms;
    // A client that reconnects from the same address before its old session expired (killed,
    // crashed, network change behind the same NAT) replaces that session, so that only-one does
    // not lock it out until the keepalive timeout. Other addresses are left to AAA's only-one.
    bool replaced = false;
    for (auto& [endpoint, other] : sessions_) {
        if (other.get() == &session || other->closed() || other->user() != user) continue;
        if (other->endpoint().address != session.endpoint().address) continue;
        log::info(Topic::Ovpn, "peer {} {}: replaced by a new connection of user '{}'",
                  other->peer_id(), other->endpoint().to_string(), user);
        other->close("replaced by a new connection");
        replaced = true;
    }
    return replaced;
}

void Server::session_moved(Session& session, const Endpoint& to) {
    moves_.emplace_back(&session, to);
}

void Server::apply_moves() {
    auto moves = std::move(moves_);
    moves_.clear();
    for (auto& [session, to] : moves) {
        if (session->closed()) continue;
        auto it = sessions_.find(session->endpoint());
        if (it == sessions_.end() || it->second.get() != session) continue;
        if (auto clash = sessions_.find(to); clash != sessions_.end()) {
            clash->second->close("another session floated to this address");
            erase_closed();
            it = sessions_.find(session->endpoint());
        }
        log::info(Topic::Ovpn, "peer {}: client floated from {} to {}", session->peer_id(),
                  session->endpoint().to_string(), to.to_string());
        auto node = sessions_.extract(it);
        node.key() = to;
        session->set_endpoint(to);
        sessions_.insert(std::move(node));
    }
}

} // namespace vp::ovpn
