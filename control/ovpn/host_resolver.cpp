// Asynchronous IPv4 lookups of client link servers (getaddrinfo on a helper thread).
#include "control/ovpn/host_resolver.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <mutex>
#include <system_error>
#include <thread>

namespace vp::ovpn {

struct HostResolver::State {
    mutable std::mutex mu;
    std::optional<Resolution> done;
};

namespace {

Resolution resolve(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    Resolution r;
    if (rc != 0) {
        r.error = rc == EAI_SYSTEM ? std::system_category().message(errno) : gai_strerror(rc);
        return r;
    }
    for (addrinfo* a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET && a->ai_addrlen >= sizeof(sockaddr_in)) {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
            r.address = ntohl(sin->sin_addr.s_addr);
            break;
        }
    freeaddrinfo(res);
    if (!r.address) r.error = "no IPv4 address";
    return r;
}

} // namespace

HostResolver::HostResolver(std::string host)
    : host_(std::move(host)), state_(std::make_shared<State>()) {
    try {
        std::thread([state = state_, host = host_] {
            Resolution r = resolve(host);
            std::lock_guard lock(state->mu);
            state->done = std::move(r);
        }).detach();
    } catch (const std::system_error& e) {
        std::lock_guard lock(state_->mu);
        state_->done = Resolution{std::nullopt, std::string("no resolver thread: ") + e.what()};
    }
}

HostResolver::~HostResolver() = default;

std::optional<Resolution> HostResolver::poll() const {
    std::lock_guard lock(state_->mu);
    return state_->done;
}

std::optional<Result<net::Ipv4>> HostResolver::outcome() const {
    auto r = poll();
    if (!r) return std::nullopt;
    if (!r->address)
        return Result<net::Ipv4>(make_error("DNS: cannot resolve " + host_ + ": " + r->error));
    return Result<net::Ipv4>(*r->address);
}

} // namespace vp::ovpn
