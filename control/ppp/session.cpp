// PppSession: phase sequencing over the LCP and IPCP automata and the authentication roles
// (see session.hpp).
#include "control/ppp/session.hpp"

#include <algorithm>

namespace vp::ppp {

namespace {
constexpr uint8_t kLcpProtocolReject = 8;
} // namespace

const char* to_string(AuthMethod method) {
    switch (method) {
    case AuthMethod::None:
        return "none";
    case AuthMethod::Pap:
        return "pap";
    case AuthMethod::ChapMd5:
        return "chap";
    case AuthMethod::MsChapV1:
        return "mschap1";
    case AuthMethod::MsChapV2:
        return "mschap2";
    }
    return "?";
}

const char* to_string(Phase phase) {
    switch (phase) {
    case Phase::Establish:
        return "establish";
    case Phase::Authenticate:
        return "authenticate";
    case Phase::Network:
        return "network";
    case Phase::Terminate:
        return "terminate";
    case Phase::Dead:
        return "dead";
    }
    return "?";
}

PppSession::PppSession(PppConfig config, Credentials* credentials, AddressAllocator* addresses)
    : config_(std::move(config)), credentials_(credentials), addresses_(addresses),
      lcp_policy_(LcpConfig{config_.role, config_.mru, config_.auth_methods, config_.mtu,
                            config_.lcp_extra_options},
                  counters_),
      lcp_(kProtoLcp, lcp_policy_, config_.timers, counters_),
      ipcp_policy_(IpcpConfig{config_.role, config_.local_address, config_.dns, config_.nbns,
                              config_.request_dns, config_.request_nbns},
                   counters_),
      ipcp_(kProtoIpcp, ipcp_policy_, config_.timers, counters_) {}

PppSession::~PppSession() {
    release_address();
}

void PppSession::release_address() {
    if (assigned_ != 0 && addresses_) addresses_->release(assigned_);
    assigned_ = 0;
}

Output PppSession::start(Millis now) {
    Output out;
    FsmOutput f;
    lcp_.up(now, f);
    lcp_.open(now, f);
    apply_lcp(f, now, out);
    FsmOutput n;
    ipcp_.open(now, n); // Starting: IPCP waits for the network phase
    return out;
}

std::optional<Millis> PppSession::next_deadline() const {
    std::optional<Millis> best;
    auto consider = [&](std::optional<Millis> d) {
        if (d && (!best || *d < *best)) best = d;
    };
    consider(lcp_.deadline());
    consider(ipcp_.deadline());
    if (auth_server_) consider(auth_server_->deadline());
    if (auth_client_) consider(auth_client_->deadline());
    return best;
}

Output PppSession::input(ByteSpan bytes, Millis now) {
    Output out;
    if (phase_ == Phase::Dead) {
        ++counters_.unexpected_packets;
        return out;
    }
    auto frame = parse_frame(bytes);
    if (!frame) {
        ++counters_.malformed_frames;
        return out;
    }
    if (frame->information.size() > config_.mru) {
        ++counters_.oversized_frames;
        return out;
    }
    switch (frame->protocol) {
    case kProtoLcp: {
        FsmOutput f;
        lcp_.input(frame->information, now, f);
        apply_lcp(f, now, out);
        return out;
    }
    case kProtoPap:
    case kProtoChap: {
        AuthOutput a;
        if (auth_server_)
            auth_server_->input(frame->protocol, frame->information, now, a);
        else if (auth_client_ && phase_ == Phase::Authenticate)
            auth_client_->input(frame->protocol, frame->information, now, a);
        else
            ++counters_.unexpected_packets;
        apply_auth(a, now, out);
        return out;
    }
    case kProtoIpcp: {
        if (phase_ != Phase::Network) { // RFC 1661 3.5: NCPs wait for the network phase
            ++counters_.unexpected_packets;
            return out;
        }
        FsmOutput f;
        ipcp_.input(frame->information, now, f);
        apply_ipcp(f, now, out);
        return out;
    }
    case kProtoIpv4:
        ++counters_.unexpected_packets; // data belongs to the dataplane, never here
        return out;
    default:
        protocol_reject(*frame, bytes, out);
        return out;
    }
}

void PppSession::protocol_reject(const Frame& frame, ByteSpan, Output& out) {
    ++counters_.unknown_protocols;
    if (lcp_.state() != FsmState::Opened) return; // RFC 1661 5.7: only in Opened
    Bytes data;
    ByteWriter w(data);
    w.be16(frame.protocol);
    w.bytes(frame.information);
    // The whole LCP packet must fit what we send (the peer's MRU, capped by max-mtu).
    size_t room = lcp_policy_.mtu() > 4 ? lcp_policy_.mtu() - 4u : 0;
    if (data.size() > room) data.resize(room);
    out.frames.push_back(build_control_frame(kProtoLcp, kLcpProtocolReject, lcp_.next_id(), data));
}

Output PppSession::on_timer(Millis now) {
    Output out;
    FsmOutput f;
    lcp_.on_timer(now, f);
    apply_lcp(f, now, out);
    AuthOutput a;
    if (auth_server_) auth_server_->on_timer(now, a);
    if (auth_client_) auth_client_->on_timer(now, a);
    apply_auth(a, now, out);
    FsmOutput n;
    ipcp_.on_timer(now, n);
    apply_ipcp(n, now, out);
    return out;
}

Output PppSession::close(std::string reason, Millis now) {
    Output out;
    terminate(std::move(reason), now, out);
    return out;
}

void PppSession::terminate(std::string reason, Millis now, Output& out) {
    if (reason_.empty()) reason_ = std::move(reason);
    if (phase_ == Phase::Dead) return;
    phase_ = Phase::Terminate;
    FsmOutput f;
    lcp_.close(now, f);
    apply_lcp(f, now, out);
}

void PppSession::finished(Output& out) {
    phase_ = Phase::Dead;
    release_address();
    if (!terminated_reported_) {
        terminated_reported_ = true;
        out.events.push_back(
            event::Terminated{reason_.empty() ? "LCP negotiation failed" : reason_});
    }
}

void PppSession::apply_lcp(FsmOutput& f, Millis now, Output& out) {
    for (auto& frame : f.frames)
        out.frames.push_back(std::move(frame));
    if (auto rejected = lcp_policy_.take_rejected_protocol()) {
        if (*rejected == kProtoIpcp && phase_ == Phase::Network) {
            FsmOutput n;
            ipcp_.reject_fatal(now, n);
            apply_ipcp(n, now, out);
        }
    }
    if (f.down) {
        FsmOutput n;
        ipcp_.down(n);
        apply_ipcp(n, now, out);
        auth_server_.reset();
        auth_client_.reset();
        bool leaving = lcp_.state() == FsmState::Stopping || lcp_.state() == FsmState::Closing;
        if (leaving) {
            if (reason_.empty()) reason_ = "the peer terminated the link";
            phase_ = Phase::Terminate;
            if (!terminated_reported_) {
                terminated_reported_ = true;
                out.events.push_back(event::Terminated{reason_});
            }
        } else if (phase_ != Phase::Terminate) {
            phase_ = Phase::Establish; // the peer renegotiates LCP: authenticate again
            FsmOutput o;
            ipcp_.open(now, o);
        }
    }
    if (f.up) {
        lcp_.set_peer_mru(lcp_policy_.mtu());
        ipcp_.set_peer_mru(lcp_policy_.mtu());
        begin_auth(now, out);
    }
    if (f.finished) finished(out);
}

void PppSession::begin_auth(Millis now, Output& out) {
    phase_ = Phase::Authenticate;
    AuthMethod method = lcp_policy_.auth_method();
    if (config_.role == Role::Server && lcp_policy_.auth_refused()) {
        terminate("the peer refused every authentication protocol offered", now, out);
        return;
    }
    if (method == AuthMethod::None) {
        if (config_.role == Role::Server && !config_.auth_methods.empty()) {
            terminate("authentication was not negotiated", now, out);
            return;
        }
        out.events.push_back(event::Authenticated{config_.user, AuthMethod::None});
        begin_network(config_.user, now, out);
        return;
    }
    AuthOutput a;
    if (config_.role == Role::Server) {
        if (!credentials_) {
            terminate("no credential source for the server role", now, out);
            return;
        }
        auth_server_ = std::make_unique<AuthServer>(method, config_.name, *credentials_,
                                                    config_.timers, counters_);
        auth_server_->start(now, a);
    } else {
        auth_client_ = std::make_unique<AuthClient>(method, config_.user, config_.password,
                                                    config_.timers, counters_);
        auth_client_->start(now, a);
    }
    apply_auth(a, now, out);
}

void PppSession::apply_auth(AuthOutput& a, Millis now, Output& out) {
    for (auto& frame : a.frames)
        out.frames.push_back(std::move(frame));
    if (!a.result || phase_ != Phase::Authenticate) return;
    if (!a.result->success) {
        out.events.push_back(event::AuthFailed{a.result->user, a.result->reason});
        terminate("authentication failed: " + a.result->reason, now, out);
        return;
    }
    hlak_ = a.result->hlak;
    out.events.push_back(event::Authenticated{a.result->user, lcp_policy_.auth_method()});
    begin_network(a.result->user, now, out);
}

void PppSession::begin_network(const std::string& user, Millis now, Output& out) {
    phase_ = Phase::Network;
    if (config_.role == Role::Server) {
        release_address(); // LCP renegotiated: the first grant goes back before a second
        std::optional<net::Ipv4> address =
            addresses_ ? addresses_->assign(user) : std::optional<net::Ipv4>{};
        if (!address || *address == 0) {
            terminate("no address for " + user, now, out);
            return;
        }
        assigned_ = *address;
        ipcp_policy_.set_peer_address(*address);
        ipcp_policy_.set_local(addresses_->local_address(), addresses_->dns(), addresses_->nbns());
    }
    FsmOutput f;
    ipcp_.up(now, f);
    apply_ipcp(f, now, out);
}

void PppSession::apply_ipcp(FsmOutput& f, Millis now, Output& out) {
    for (auto& frame : f.frames)
        out.frames.push_back(std::move(frame));
    if (f.up) {
        out.events.push_back(event::IpUp{ipcp_policy_.local_address(), ipcp_policy_.peer_address(),
                                         ipcp_policy_.dns()});
    }
    if (f.finished && phase_ == Phase::Network) terminate("IPCP negotiation failed", now, out);
}

} // namespace vp::ppp
