// What every client link section (ovpn_clients, sstp_clients) starts with: a name unique among
// the links of its kind, and the server's IPv4 address — or, for a caller that passes `host`
// (ovpn_clients), a DNS name left for that caller to check and resolve at each attempt.
#pragma once

#include "base/ipv4.hpp"
#include "control/config/reader.hpp"

#include <set>
#include <string>

namespace vp::config {

inline void parse_link_target(Section& s, std::set<std::string>& names, std::string& name,
                              net::Ipv4& connect_to, std::string* host = nullptr) {
    name = s.req_string("name");
    if (!name.empty() && !names.insert(name).second)
        s.error("name", "'" + name + "' names two client links");
    auto text = s.opt_string("connect_to");
    if (!text) {
        s.error("connect_to", "is required (the server's IPv4 address)");
    } else if (auto ip = net::parse_ipv4(*text)) {
        connect_to = *ip;
    } else if (host) {
        *host = *text;
    } else {
        s.error("connect_to", "'" + *text +
                                  "' is not an IPv4 address (DNS names are not supported yet; "
                                  "give the server's address)");
    }
}

} // namespace vp::config
