// IPCP (RFC 1332) with the Microsoft DNS/NBNS extensions (RFC 1877), in both roles. Server:
// asks for its own address (option 3), gives the peer the address the allocator chose, Naks
// 3/129/131 (and NBNS 130/132 when WINS servers are configured) with the right values, rejects VJ
// compression (2), NBNS without WINS servers and anything else.
// Client: asks for 0.0.0.0 and, when configured, DNS (and NBNS), and takes the server's Naks.
#pragma once

#include "control/ppp/fsm.hpp"

#include <vector>

namespace vp::ppp {

struct IpcpConfig {
    Role role = Role::Server;
    net::Ipv4 local_address = 0; // server: its side of the link (0: do not ask)
    std::vector<net::Ipv4> dns;  // server: up to two, offered as 129 and 131
    std::vector<net::Ipv4> nbns; // server: up to two WINS servers, offered as 130 and 132
    bool request_dns = true;     // client: ask for 129/131
    bool request_nbns = false;   // client: ask for 130/132 too (Windows does)
};

class IpcpPolicy : public OptionPolicy {
public:
    IpcpPolicy(IpcpConfig config, Counters& counters);

    void build_request(Bytes& options) override;
    void check_request(std::span<const Option> options, RequestVerdict& verdict) override;
    void on_nak(std::span<const Option> options) override;
    void on_reject(std::span<const Option> options) override;

    // Server: the address the peer gets (from the AddressAllocator).
    void set_peer_address(net::Ipv4 address) { peer_address_ = address; }
    // Server: its own address, DNS and WINS servers when they come with the grant (0 / empty:
    // keep the configured ones). Called before IPCP starts.
    void set_local(net::Ipv4 address, std::vector<net::Ipv4> dns, std::vector<net::Ipv4> nbns);

    net::Ipv4 local_address() const { return local_address_; }
    net::Ipv4 peer_address() const { return peer_address_; }
    std::vector<net::Ipv4> dns() const;
    // Server: the WINS servers offered; client: those the server gave (a rejected one is absent).
    std::vector<net::Ipv4> nbns() const;

private:
    IpcpConfig config_;
    Counters& counters_;
    net::Ipv4 local_address_ = 0;
    net::Ipv4 peer_address_ = 0;
    net::Ipv4 dns_[2] = {0, 0}; // client: learnt from Naks
    bool send_address_ = true;
    bool send_dns_[2] = {true, true};
    net::Ipv4 nbns_[2] = {0, 0}; // client: learnt from Naks
    bool send_nbns_[2] = {false, false};
};

} // namespace vp::ppp
