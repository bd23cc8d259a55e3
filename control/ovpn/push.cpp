// PUSH_REPLY building.
#include "control/ovpn/push.hpp"

namespace vp::ovpn {

std::vector<std::string> build_push_options(const PushContext& c) {
    using net::to_string;
    std::vector<std::string> o;
    if (c.redirect_gateway)
        o.push_back(c.redirect_gateway_ipv6 ? "redirect-gateway def1 ipv6"
                                            : "redirect-gateway def1");
    for (auto dns : c.dns_servers)
        o.push_back("dhcp-option DNS " + to_string(dns));
    for (auto wins : c.wins_servers)
        o.push_back("dhcp-option WINS " + to_string(wins));
    for (auto& r : c.routes) {
        net::Ipv4Prefix p{r.network(), r.length};
        o.push_back("route " + to_string(p.network()) + " " + to_string(p.mask()));
    }
    o.push_back("route-gateway " + to_string(c.local_address));
    if (c.prefix_length < 32) {
        net::Ipv4Prefix subnet{c.remote_address, c.prefix_length};
        o.push_back("topology subnet");
        if (c.ping_s) o.push_back("ping " + std::to_string(c.ping_s));
        if (c.ping_restart_s) o.push_back("ping-restart " + std::to_string(c.ping_restart_s));
        o.push_back("ifconfig " + to_string(c.remote_address) + " " + to_string(subnet.mask()));
    } else {
        o.push_back("topology p2p");
        if (c.ping_s) o.push_back("ping " + std::to_string(c.ping_s));
        if (c.ping_restart_s) o.push_back("ping-restart " + std::to_string(c.ping_restart_s));
        o.push_back("ifconfig " + to_string(c.remote_address) + " " + to_string(c.local_address));
    }
    if (c.peer_id) o.push_back("peer-id " + std::to_string(*c.peer_id));
    if (c.cipher) o.push_back("cipher " + std::string(crypto::openvpn_name(*c.cipher)));
    if (c.cc_exit)
        o.push_back(c.tls_ekm ? "protocol-flags cc-exit tls-ekm" : "protocol-flags cc-exit");
    else if (c.tls_ekm)
        o.push_back("key-derivation tls-ekm");
    if (c.tun_mtu) o.push_back("tun-mtu " + std::to_string(*c.tun_mtu));
    return o;
}

std::vector<std::string> build_push_replies(const std::vector<std::string>& options,
                                            size_t max_bytes) {
    const std::string head = "PUSH_REPLY";
    // Room kept in every message for ",push-continuation N".
    const size_t tail = std::string(",push-continuation 2").size();
    std::vector<std::string> messages;
    std::string current = head;
    for (auto& opt : options) {
        if (current.size() > head.size() && current.size() + 1 + opt.size() + tail > max_bytes) {
            messages.push_back(current);
            current = head;
        }
        current += ',';
        current += opt;
    }
    messages.push_back(current);
    if (messages.size() > 1) {
        for (size_t i = 0; i < messages.size(); ++i)
            messages[i] +=
                i + 1 < messages.size() ? ",push-continuation 2" : ",push-continuation 1";
    }
    return messages;
}

} // namespace vp::ovpn
