// Resolving a client link's connect_to DNS name without blocking the control loop: each attempt
// starts one getaddrinfo (IPv4 only) on a detached helper thread; the control loop polls for the
// answer on its timer. The thread owns its shared state, so a link that is reloaded or dropped
// while a lookup is still running simply abandons it.
#pragma once

#include "base/ipv4.hpp"
#include "base/result.hpp"

#include <memory>
#include <optional>
#include <string>

namespace vp::ovpn {

struct Resolution {
    std::optional<net::Ipv4> address; // the first IPv4 address; nullopt: failed
    std::string error;                // why it failed (getaddrinfo's message)
};

class HostResolver {
public:
    // Starts resolving `host` (a DNS name or a dotted IPv4 address). `error` is set (and the
    // resolver unusable) when no helper thread could be started.
    explicit HostResolver(std::string host);
    ~HostResolver();
    HostResolver(const HostResolver&) = delete;
    HostResolver& operator=(const HostResolver&) = delete;

    const std::string& host() const { return host_; }
    // The answer once the lookup finished; nullopt while it is still running.
    std::optional<Resolution> poll() const;
    // The same as a link's attempt takes it: the address, or the attempt's failure reason
    // ("DNS: cannot resolve <host>: <why>"); nullopt while the lookup runs.
    std::optional<Result<net::Ipv4>> outcome() const;

    struct State;

private:
    std::string host_;
    std::shared_ptr<State> state_;
};

} // namespace vp::ovpn
