// Test doubles for control/ppp's caller-implemented interfaces (a map of secrets, a one-address
// pool) and a pump that runs two PppSessions against each other.
#pragma once

#include "control/ppp/session.hpp"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace vp::ppp::test {

struct Secrets : Credentials {
    std::map<std::string, std::string, std::less<>> passwords;
    std::vector<std::string> asked;
    std::optional<std::string> password(std::string_view user) override {
        asked.emplace_back(user);
        auto it = passwords.find(user);
        if (it == passwords.end()) return std::nullopt;
        return it->second;
    }
};

struct Pool : AddressAllocator {
    net::Ipv4 address = 0;
    std::vector<std::string> assigned_to;
    std::vector<net::Ipv4> released;
    std::optional<net::Ipv4> assign(std::string_view user) override {
        assigned_to.emplace_back(user);
        if (address == 0) return std::nullopt;
        return address;
    }
    void release(net::Ipv4 a) override { released.push_back(a); }
    std::vector<net::Ipv4> wins; // the grant's WINS servers (a profile's wins-server)
    std::vector<net::Ipv4> nbns() const override { return wins; }
};

template <class T>
const T* find_event(const std::vector<Event>& events) {
    for (const Event& e : events)
        if (auto* p = std::get_if<T>(&e)) return p;
    return nullptr;
}

// Delivers every frame each side sends to the other until both are quiet.
inline void pump(PppSession& server, PppSession& client, Output from_server, Output from_client,
                 std::vector<Event>& server_events, std::vector<Event>& client_events, Millis now) {
    std::deque<Bytes> to_client, to_server;
    auto take = [](Output& o, std::deque<Bytes>& q, std::vector<Event>& events) {
        for (auto& f : o.frames)
            q.push_back(std::move(f));
        for (auto& e : o.events)
            events.push_back(std::move(e));
    };
    take(from_server, to_client, server_events);
    take(from_client, to_server, client_events);
    for (int i = 0; i < 1000 && (!to_client.empty() || !to_server.empty()); ++i) {
        if (!to_server.empty()) {
            Bytes f = std::move(to_server.front());
            to_server.pop_front();
            Output o = server.input(f, now);
            take(o, to_client, server_events);
        }
        if (!to_client.empty()) {
            Bytes f = std::move(to_client.front());
            to_client.pop_front();
            Output o = client.input(f, now);
            take(o, to_server, client_events);
        }
    }
}

} // namespace vp::ppp::test
