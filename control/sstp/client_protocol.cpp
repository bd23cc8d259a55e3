// The SSTP client above TLS: HTTP response, Connect Ack/Nak, client-role PPP, Call Connected.
// Every byte from the server is bounded and parsed here; a malformed packet ends the call with
// the reason, never a crash.
#include "control/sstp/client_protocol.hpp"

#include "base/http_syntax.hpp"
#include "control/ppp/frame.hpp"
#include "control/sstp/http.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace vp::sstp {

namespace {

std::string_view as_text(ByteSpan b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string status_text(ByteSpan value) {
    auto s = parse_status_info(value);
    if (!s) return "status unreadable";
    return "status " + std::to_string(s->status) + " about attribute " +
           std::to_string(s->attribute_id);
}

} // namespace

const char* to_string(ClientPhase p) {
    switch (p) {
    case ClientPhase::Http:
        return "http";
    case ClientPhase::ConnectAck:
        return "connect-request";
    case ClientPhase::Ppp:
        return "ppp";
    case ClientPhase::Connected:
        return "connected";
    case ClientPhase::Disconnecting:
        return "disconnecting";
    case ClientPhase::Closed:
        return "closed";
    }
    return "?";
}

HttpResponseState parse_http_response(ByteSpan received, HttpResponse& out, std::string& error) {
    std::string_view text = as_text(received.first(std::min(received.size(), kMaxResponseBytes)));
    auto end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (received.size() >= kMaxResponseBytes) {
            error = "the HTTP response head is longer than 8192 bytes";
            return HttpResponseState::Error;
        }
        return HttpResponseState::NeedMore;
    }
    std::string_view head = text.substr(0, end);
    std::string_view line = head.substr(0, head.find("\r\n"));
    if (line.size() < 12 ||
        (line.substr(0, 9) != "HTTP/1.1 " && line.substr(0, 9) != "HTTP/1.0 ") ||
        (line.size() > 12 && line[12] != ' ')) {
        error = "the server's reply is not an HTTP/1.x status line";
        return HttpResponseState::Error;
    }
    int status = 0;
    for (size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') {
            error = "the server's HTTP status is not three digits";
            return HttpResponseState::Error;
        }
        status = status * 10 + (line[i] - '0');
    }
    std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view{};
    if (http::has_ctl(reason)) {
        error = "control characters in the server's HTTP status line";
        return HttpResponseState::Error;
    }
    // The headers are not used (Content-Length is SSTP's 2^64-1), but must be header lines.
    for (std::string_view rest = head.substr(line.size()); !rest.empty();) {
        rest.remove_prefix(2); // "\r\n"
        std::string_view h = rest.substr(0, rest.find("\r\n"));
        rest.remove_prefix(h.size());
        if (h.find(':') == std::string_view::npos || http::has_ctl(h)) {
            error = "a malformed header line in the server's HTTP response";
            return HttpResponseState::Error;
        }
    }
    out.status = status;
    out.reason = std::string(reason.substr(0, 64));
    out.bytes_used = end + 4;
    return HttpResponseState::Complete;
}

std::string build_http_request(std::string_view host, std::string_view correlation_id) {
    std::string r;
    r += kSstpMethod;
    r += ' ';
    r += kSstpPath;
    r += " HTTP/1.1\r\nHost: ";
    r += host;
    r += "\r\nSSTPCORRELATIONID: ";
    r += correlation_id;
    r += "\r\nContent-Length: 18446744073709551615\r\n\r\n";
    return r;
}

ClientProtocol::ClientProtocol(ClientProtocolConfig config, uint64_t now_ms)
    : config_(std::move(config)), deadline_ms_(now_ms + config_.negotiation_ms),
      last_rx_ms_(now_ms) {
    config_.ppp.role = ppp::Role::Client;
    ppp_ = std::make_unique<ppp::PppSession>(config_.ppp, nullptr, nullptr);
    std::string req = build_http_request(config_.host, config_.correlation_id);
    out_.assign(req.begin(), req.end());
}

void ClientProtocol::fail(std::string why) {
    if (phase_ == ClientPhase::Closed) return;
    if (failure_.empty()) failure_ = std::move(why);
    phase_ = ClientPhase::Closed;
}

void ClientProtocol::on_plaintext(ByteSpan bytes, uint64_t now_ms) {
    if (phase_ == ClientPhase::Closed) return;
    last_rx_ms_ = now_ms;
    echo_outstanding_ = false;
    in_.insert(in_.end(), bytes.begin(), bytes.end());
    if (phase_ == ClientPhase::Http) {
        HttpResponse r;
        std::string error;
        switch (parse_http_response(in_, r, error)) {
        case HttpResponseState::NeedMore:
            return;
        case HttpResponseState::Error:
            fail(error);
            return;
        case HttpResponseState::Complete:
            break;
        }
        if (r.status != 200) {
            fail("the server answered the SSTP request with HTTP " + std::to_string(r.status) +
                 (r.reason.empty() ? "" : " " + r.reason));
            return;
        }
        in_.erase(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(r.bytes_used));
        phase_ = ClientPhase::ConnectAck;
        send(build_connect_request());
    }
    StreamSplit s = split_stream(in_);
    size_t offset = 0;
    for (size_t i = 0; i < s.packets && phase_ != ClientPhase::Closed; ++i) {
        auto p = parse_packet(ByteSpan(in_).subspan(offset));
        offset += p->size;
        handle_packet(ByteSpan(in_).subspan(offset - p->size, p->size), now_ms);
    }
    if (s.error && phase_ != ClientPhase::Closed) {
        ++counters_.malformed;
        fail(std::string("the server's SSTP stream cannot be parsed: ") + to_string(*s.error));
    }
    if (phase_ == ClientPhase::Closed)
        in_.clear();
    else
        in_.erase(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(s.consumed));
}

void ClientProtocol::on_packet(ByteSpan packet, uint64_t now_ms) {
    if (phase_ == ClientPhase::Closed || phase_ == ClientPhase::Http) return;
    last_rx_ms_ = now_ms;
    echo_outstanding_ = false;
    auto p = parse_packet(packet);
    if (!p || p->size != packet.size()) {
        ++counters_.malformed;
        fail("a malformed SSTP packet from the server");
        return;
    }
    handle_packet(packet, now_ms);
}

void ClientProtocol::handle_packet(ByteSpan packet, uint64_t now_ms) {
    auto p = parse_packet(packet);
    if (!p) return;
    if (p->control) {
        handle_control(packet, now_ms);
        return;
    }
    if (phase_ != ClientPhase::Ppp && phase_ != ClientPhase::Connected) {
        ++counters_.unexpected_messages;
        return;
    }
    auto f = ppp::parse_frame(p->body);
    if (f && f->protocol == ppp::kProtoIpv4) {
        if (phase_ != ClientPhase::Connected) {
            ++counters_.ip_frames_before_connected;
            return;
        }
        ip_in_.emplace_back(f->information.begin(), f->information.end());
        return;
    }
    if (f && f->protocol == ppp::kProtoIpv6) {
        ++counters_.ipv6_frames_dropped;
        return;
    }
    run_ppp(ppp_->input(p->body, now_ms), now_ms);
}

void ClientProtocol::handle_control(ByteSpan packet, uint64_t now_ms) {
    auto m = parse_control(packet);
    if (!m) {
        ++counters_.malformed;
        fail(std::string("a malformed SSTP control packet from the server: ") +
             to_string(m.error()));
        return;
    }
    auto type = static_cast<MessageType>(m->type);
    switch (type) {
    case MessageType::CallConnectAck: {
        if (phase_ != ClientPhase::ConnectAck) {
            ++counters_.unexpected_messages;
            return;
        }
        if (m->attribute_count != 1 ||
            m->attributes[0].id != static_cast<uint8_t>(AttributeId::CryptoBindingRequest) ||
            m->attributes[0].value.size() != kCryptoBindingRequestValueBytes) {
            ++counters_.malformed;
            fail("the server's Connect Ack has no Crypto Binding Request");
            return;
        }
        ByteSpan v = m->attributes[0].value;
        uint8_t bitmask = v[3] & config_.hash_bitmask;
        if (bitmask & kHashBitmaskSha256)
            hash_ = HashProtocol::Sha256;
        else if (bitmask & kHashBitmaskSha1)
            hash_ = HashProtocol::Sha1;
        else {
            fail("the server's Connect Ack offers no crypto binding hash this client implements");
            return;
        }
        std::memcpy(nonce_.data(), v.data() + 4, kNonceBytes);
        phase_ = ClientPhase::Ppp;
        run_ppp(ppp_->start(now_ms), now_ms);
        return;
    }
    case MessageType::CallConnectNak: {
        if (phase_ != ClientPhase::ConnectAck) {
            ++counters_.unexpected_messages;
            return;
        }
        std::string why = "the server refused the Connect Request (Connect Nak";
        for (auto& a : m->attrs())
            if (a.id == static_cast<uint8_t>(AttributeId::StatusInfo))
                why += ", " + status_text(a.value);
        fail(why + ")");
        return;
    }
    case MessageType::EchoRequest:
        if (phase_ == ClientPhase::Http || phase_ == ClientPhase::ConnectAck) {
            ++counters_.unexpected_messages;
            return;
        }
        send(build_echo_response());
        ++counters_.echo_responses_sent;
        return;
    case MessageType::EchoResponse:
        return; // on_plaintext already restarted the hello timer
    case MessageType::CallAbort: {
        std::string why = "the server sent SSTP Call Abort";
        for (auto& a : m->attrs())
            if (a.id == static_cast<uint8_t>(AttributeId::StatusInfo))
                why += " (" + status_text(a.value) + ")";
        fail(why);
        return;
    }
    case MessageType::CallDisconnect:
        send(build_disconnect_ack());
        if (phase_ == ClientPhase::Disconnecting) {
            phase_ = ClientPhase::Closed;
            return;
        }
        fail("the server sent SSTP Call Disconnect");
        return;
    case MessageType::CallDisconnectAck:
        if (phase_ == ClientPhase::Disconnecting)
            phase_ = ClientPhase::Closed;
        else
            ++counters_.unexpected_messages;
        return;
    case MessageType::CallConnectRequest:
    case MessageType::CallConnected:
        ++counters_.unexpected_messages; // a client's messages, not a server's
        return;
    }
    ++counters_.unexpected_messages; // unknown types are ignored
}

void ClientProtocol::run_ppp(ppp::Output out, uint64_t now_ms) {
    (void)now_ms;
    for (auto& e : out.events) {
        if (std::holds_alternative<ppp::event::Authenticated>(e)) {
            authenticated_ = true;
        } else if (auto* f = std::get_if<ppp::event::AuthFailed>(&e)) {
            // Frames first (the server may want to see our last word), then the end.
            for (auto& fr : out.frames)
                if (auto d = build_data_packet(fr)) send(std::move(*d));
            send(build_abort(
                StatusAttribute{AttributeId::NoAttribute, StatusCode::NegotiationTimeout}));
            fail("PPP authentication failed: " + f->reason);
            return;
        } else if (auto* up = std::get_if<ppp::event::IpUp>(&e)) {
            ip_up_ = true;
            local_ = up->local;
            remote_ = up->peer;
        } else if (auto* t = std::get_if<ppp::event::Terminated>(&e)) {
            for (auto& fr : out.frames)
                if (auto d = build_data_packet(fr)) send(std::move(*d));
            fail("PPP ended: " + t->reason);
            return;
        }
    }
    for (auto& f : out.frames)
        if (auto d = build_data_packet(f)) send(std::move(*d));
    if (authenticated_ && !call_connected_sent_) send_call_connected();
    if (phase_ == ClientPhase::Ppp && call_connected_sent_ && ip_up_) {
        phase_ = ClientPhase::Connected;
        deadline_ms_ = 0;
    }
}

void ClientProtocol::send_call_connected() {
    HashProtocol h = hash_.value_or(HashProtocol::Sha256);
    Bytes cc = build_call_connected_unsigned(h, nonce_, config_.server_cert.for_protocol(h));
    if (auto st = sign_call_connected(cc, ppp_->hlak()); !st.ok()) {
        fail("signing Call Connected: " + st.message());
        return;
    }
    send(std::move(cc));
    call_connected_sent_ = true;
}

void ClientProtocol::on_timer(uint64_t now_ms) {
    if (phase_ == ClientPhase::Closed) return;
    if (phase_ == ClientPhase::Disconnecting) {
        if (now_ms >= deadline_ms_) phase_ = ClientPhase::Closed;
        return;
    }
    if (deadline_ms_ && now_ms >= deadline_ms_) {
        fail(std::string("the call was not connected within ") +
             std::to_string(config_.negotiation_ms / 1000) + " s (stuck in " + to_string(phase_) +
             ")");
        return;
    }
    if (phase_ == ClientPhase::Ppp || phase_ == ClientPhase::Connected)
        if (auto d = ppp_->next_deadline(); d && *d <= now_ms)
            run_ppp(ppp_->on_timer(now_ms), now_ms);
    if (phase_ == ClientPhase::Connected && config_.hello_ms &&
        now_ms - last_rx_ms_ >= config_.hello_ms) {
        if (echo_outstanding_) {
            fail("the server stopped answering SSTP echo requests (keepalive " +
                 std::to_string(config_.hello_ms / 1000) + " s)");
            return;
        }
        send(build_echo_request());
        ++counters_.echo_requests_sent;
        echo_outstanding_ = true;
        last_rx_ms_ = now_ms;
    }
}

std::optional<uint64_t> ClientProtocol::next_deadline() const {
    if (phase_ == ClientPhase::Closed) return std::nullopt;
    std::optional<uint64_t> d;
    auto take = [&](uint64_t t) { d = d ? std::min(*d, t) : t; };
    if (deadline_ms_) take(deadline_ms_);
    if (auto p = ppp_->next_deadline()) take(*p);
    if (phase_ == ClientPhase::Connected && config_.hello_ms) take(last_rx_ms_ + config_.hello_ms);
    return d;
}

void ClientProtocol::disconnect(uint64_t now_ms) {
    if (phase_ == ClientPhase::Closed || phase_ == ClientPhase::Disconnecting) return;
    if (phase_ == ClientPhase::Http) {
        phase_ = ClientPhase::Closed;
        return;
    }
    send(build_disconnect());
    phase_ = ClientPhase::Disconnecting;
    deadline_ms_ = now_ms + config_.disconnect_ms;
}

bool ClientProtocol::send_ip(ByteSpan packet) {
    if (phase_ != ClientPhase::Connected) return false;
    auto d = build_data_packet(ppp::build_frame(ppp::kProtoIpv4, packet));
    if (!d) return false;
    send(std::move(*d));
    return true;
}

} // namespace vp::sstp
