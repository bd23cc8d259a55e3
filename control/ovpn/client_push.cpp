// Interpreting PUSH_REPLY options on the client side.
#include "control/ovpn/client_push.hpp"

#include <charconv>
#include <string_view>

namespace vp::ovpn {

namespace {

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size() && out.size() < 16) {
        while (i < s.size() && s[i] == ' ')
            ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ')
            ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<uint32_t> number(std::string_view s) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<uint8_t> mask_length(net::Ipv4 mask) {
    uint8_t n = 0;
    while (n < 32 && (mask >> (31 - n) & 1))
        ++n;
    net::Ipv4 expect = n == 0 ? 0 : ~net::Ipv4{0} << (32 - n);
    if (mask != expect) return std::nullopt;
    return n;
}

} // namespace

bool PushAccumulator::add(const std::vector<std::string>& options) {
    if (complete_) reset();
    bool more = false;
    for (auto& o : options) {
        if (o == "push-continuation 2") {
            more = true;
            continue;
        }
        if (o == "push-continuation 1") continue;
        if (options_.size() >= max_options) return false;
        options_.push_back(o);
    }
    complete_ = !more;
    return true;
}

Result<PushedConfig> interpret_push_options(const std::vector<std::string>& options) {
    PushedConfig c;
    std::string topology = "net30";
    std::optional<net::Ipv4> ifconfig_a, ifconfig_b, route_gateway;
    auto bad = [](std::string_view option) {
        return make_error("PUSH_REPLY: bad option '" + std::string(option.substr(0, 80)) + "'");
    };
    for (auto& option : options) {
        auto w = words(option);
        if (w.empty()) continue;
        std::string_view name = w[0];
        if (name == "ifconfig") {
            if (w.size() < 3) return bad(option);
            ifconfig_a = net::parse_ipv4(w[1]);
            ifconfig_b = net::parse_ipv4(w[2]);
            if (!ifconfig_a || !ifconfig_b) return bad(option);
        } else if (name == "topology") {
            if (w.size() < 2) return bad(option);
            topology = std::string(w[1]);
        } else if (name == "route-gateway") {
            if (w.size() < 2 || !(route_gateway = net::parse_ipv4(w[1]))) return bad(option);
        } else if (name == "route") {
            if (w.size() < 2) return bad(option);
            auto net_address = net::parse_ipv4(w[1]);
            net::Ipv4 mask = 0xFFFFFFFF;
            if (w.size() >= 3) {
                auto m = net::parse_ipv4(w[2]);
                if (!m) return bad(option);
                mask = *m;
            }
            auto length = mask_length(mask);
            if (!net_address || !length) return bad(option);
            if (c.routes.size() < 256) c.routes.push_back({*net_address & mask, *length});
        } else if (name == "peer-id") {
            auto id = w.size() >= 2 ? number(w[1]) : std::nullopt;
            if (!id || *id > 0xFFFFFF) return bad(option);
            c.peer_id = *id;
        } else if (name == "cipher") {
            auto cipher = w.size() >= 2 ? crypto::cipher_from_openvpn_name(w[1]) : std::nullopt;
            if (!cipher) return bad(option);
            c.cipher = *cipher;
        } else if (name == "ping" || name == "ping-restart") {
            auto s = w.size() >= 2 ? number(w[1]) : std::nullopt;
            if (!s) return bad(option);
            (name == "ping" ? c.ping_s : c.ping_restart_s) = *s;
        } else if (name == "key-derivation") {
            c.tls_ekm = w.size() >= 2 && w[1] == "tls-ekm";
        } else if (name == "protocol-flags") {
            for (size_t i = 1; i < w.size(); ++i)
                if (w[i] == "tls-ekm") c.tls_ekm = true;
        } else if (name == "tun-mtu") {
            auto m = w.size() >= 2 ? number(w[1]) : std::nullopt;
            if (!m || *m < 576 || *m > 9000) return bad(option);
            c.tun_mtu = *m;
        } else if (name == "redirect-gateway") {
            c.redirect_gateway = true;
        } else if (c.ignored.size() < 64) {
            c.ignored.emplace_back(name.substr(0, 40));
        }
    }
    if (!ifconfig_a) return make_error("PUSH_REPLY: no ifconfig (no tunnel address pushed)");
    c.local_address = *ifconfig_a;
    if (topology == "subnet") {
        auto length = mask_length(*ifconfig_b);
        if (!length || !route_gateway)
            return make_error("PUSH_REPLY: topology subnet needs ifconfig ADDRESS NETMASK and "
                              "route-gateway");
        c.prefix_length = *length;
        c.remote_address = *route_gateway;
    } else if (topology == "p2p" || topology == "net30") {
        c.remote_address = *ifconfig_b;
    } else {
        return make_error("PUSH_REPLY: unknown topology '" + topology.substr(0, 40) + "'");
    }
    return c;
}

} // namespace vp::ovpn
