// Sink and source over punted TCP streams, with one chain in flight per connection so that
// bytes stay in order: a chain goes to the owner worker, which answers Sent or returns it
// (SendRefused); a returned chain is offered again once the engine reports the connection
// writable.
#include "control/tcp_test_services.hpp"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vp::ctl {

namespace {
constexpr size_t pattern_bytes = 65521;   // the pattern tcp_e2e.py checks against
constexpr size_t chain_bytes = 64 * 1024; // one chain in flight per connection
} // namespace

std::vector<dp::TcpSettings::Listener> TcpTestServices::listeners() {
    return {{7, tcp::ConsumerKind::Echo},
            {9, tcp::ConsumerKind::Discard},
            {sink_port, tcp::ConsumerKind::Punt},
            {source_port, tcp::ConsumerKind::Punt}};
}

TcpTestServices::TcpTestServices(dp::Dataplane& dataplane)
    : dp_(dataplane), pattern_(pattern_bytes) {
    uint32_t x = 2463534242u; // xorshift32, top byte: the same pattern as the test client
    for (auto& b : pattern_) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<uint8_t>(x >> 24);
    }
}

TcpTestServices::~TcpTestServices() {
    for (auto& [h, app] : apps_) {
        EVP_MD_CTX_free(app.sha);
        rte_pktmbuf_free(app.refused);
    }
}

void TcpTestServices::inject(uint64_t handle, App& app, dp::InjectAction action, rte_mbuf* m) {
    dp::InjectEntry e{m, action, app.port, static_cast<uint32_t>(handle),
                      static_cast<uint32_t>(handle >> 32)};
    if (!dp_.inject(e, app.worker) && action == dp::InjectAction::TcpSend) app.closed = true;
}

// The next chain to send: the digest line (sink) or up to chain_bytes of the pattern (source).
rte_mbuf* TcpTestServices::next_chain(App& app) {
    std::string_view reply = app.reply;
    size_t want = app.sink ? reply.size() : std::min<uint64_t>(app.to_send, chain_bytes);
    if (want == 0) return nullptr;
    rte_mbuf* head = nullptr;
    size_t done = 0;
    while (done < want) {
        rte_mbuf* m = rte_pktmbuf_alloc(dp_.pool());
        if (!m) break;
        size_t room = std::min<size_t>(rte_pktmbuf_tailroom(m), want - done);
        auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(room)));
        for (size_t i = 0; i < room; ++i)
            p[i] = app.sink ? static_cast<uint8_t>(reply[done + i])
                            : pattern_[(app.offset + done + i) % pattern_bytes];
        done += room;
        if (!head)
            head = m;
        else if (rte_pktmbuf_chain(head, m) != 0) {
            rte_pktmbuf_free(m);
            done -= room;
            break;
        }
    }
    if (!head) return nullptr;
    if (app.sink)
        app.reply.clear();
    else {
        app.to_send -= done;
        app.offset += done;
    }
    return head;
}

void TcpTestServices::pump(uint64_t handle, App& app) {
    if (app.closed || app.in_flight || app.waiting_writable) return;
    rte_mbuf* m = app.refused ? app.refused : next_chain(app);
    app.refused = nullptr;
    if (m) {
        app.in_flight = true;
        inject(handle, app, dp::InjectAction::TcpSend, m);
        return;
    }
    if (app.close_when_done || (!app.sink && app.request.find('\n') != std::string::npos)) {
        inject(handle, app, dp::InjectAction::TcpClose, nullptr);
        app.closed = true;
    }
}

void TcpTestServices::on_punt(const dp::PuntEntry& e, uint64_t now_ms) {
    (void)now_ms;
    // The one place that reads a stream event's fields: the connection handle in aux (low) and
    // aux2 (high), the TcpEvent in `reserved`, the listening port in `port`.
    uint64_t handle = uint64_t{e.aux2} << 32 | e.aux;
    auto event = static_cast<dp::TcpEvent>(e.reserved);
    if (event == dp::TcpEvent::Opened) {
        App app;
        app.sink = e.port == sink_port;
        app.worker = e.worker;
        app.port = e.port;
        if (app.sink) {
            app.sha = EVP_MD_CTX_new();
            EVP_DigestInit_ex(app.sha, EVP_sha256(), nullptr);
        }
        apps_[handle] = std::move(app);
        return;
    }
    auto it = apps_.find(handle);
    if (it == apps_.end()) {
        rte_pktmbuf_free(e.mbuf);
        return;
    }
    App& app = it->second;
    switch (event) {
    case dp::TcpEvent::Data:
        for (rte_mbuf* s = e.mbuf; s; s = s->next) {
            const auto* p = rte_pktmbuf_mtod(s, const char*);
            if (app.sink) {
                EVP_DigestUpdate(app.sha, p, s->data_len);
            } else if (app.request.find('\n') == std::string::npos && app.request.size() < 64) {
                app.request.append(p, s->data_len);
                if (auto nl = app.request.find('\n'); nl != std::string::npos)
                    app.to_send = std::strtoull(app.request.c_str(), nullptr, 10);
            }
        }
        rte_pktmbuf_free(e.mbuf);
        break;
    case dp::TcpEvent::PeerClosed:
        if (app.sink) {
            uint8_t md[32];
            unsigned len = 0;
            EVP_DigestFinal_ex(app.sha, md, &len);
            char hex[65];
            for (int i = 0; i < 32; ++i)
                std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
            app.reply = std::string(hex, 64) + "\n";
        }
        app.close_when_done = true;
        break;
    case dp::TcpEvent::Sent:
        app.in_flight = false;
        break;
    case dp::TcpEvent::SendRefused:
        app.in_flight = false;
        app.refused = e.mbuf;
        app.waiting_writable = true;
        break;
    case dp::TcpEvent::Writable:
        app.waiting_writable = false;
        break;
    case dp::TcpEvent::Closed:
        EVP_MD_CTX_free(app.sha);
        rte_pktmbuf_free(app.refused);
        apps_.erase(it);
        return;
    default:
        break;
    }
    pump(handle, app);
}

} // namespace vp::ctl
