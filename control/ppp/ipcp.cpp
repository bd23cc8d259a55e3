// IPCP option policy (see ipcp.hpp).
#include "control/ppp/ipcp.hpp"

namespace vp::ppp {

namespace {
constexpr uint8_t kOptAddress = 3;
constexpr uint8_t kOptDns1 = 129;
constexpr uint8_t kOptDns2 = 131;
constexpr uint8_t kOptNbns1 = 130;
constexpr uint8_t kOptNbns2 = 132;

int dns_index(uint8_t type) {
    return type == kOptDns1 ? 0 : type == kOptDns2 ? 1 : -1;
}

int nbns_index(uint8_t type) {
    return type == kOptNbns1 ? 0 : type == kOptNbns2 ? 1 : -1;
}
} // namespace

IpcpPolicy::IpcpPolicy(IpcpConfig config, Counters& counters)
    : config_(std::move(config)), counters_(counters) {
    if (config_.role == Role::Server) local_address_ = config_.local_address;
    send_dns_[0] = send_dns_[1] = config_.role == Role::Client && config_.request_dns;
    send_nbns_[0] = send_nbns_[1] = config_.role == Role::Client && config_.request_nbns;
    send_address_ = config_.role == Role::Client || local_address_ != 0;
}

void IpcpPolicy::set_local(net::Ipv4 address, std::vector<net::Ipv4> dns,
                           std::vector<net::Ipv4> nbns) {
    if (address != 0) {
        config_.local_address = address;
        local_address_ = address;
        send_address_ = true;
    }
    if (!dns.empty()) config_.dns = std::move(dns);
    if (!nbns.empty()) config_.nbns = std::move(nbns);
}

std::vector<net::Ipv4> IpcpPolicy::dns() const {
    if (config_.role == Role::Server) return config_.dns;
    std::vector<net::Ipv4> out;
    for (net::Ipv4 d : dns_)
        if (d != 0) out.push_back(d);
    return out;
}

std::vector<net::Ipv4> IpcpPolicy::nbns() const {
    if (config_.role == Role::Server) return config_.nbns;
    std::vector<net::Ipv4> out;
    for (int i = 0; i < 2; ++i)
        if (send_nbns_[i] && nbns_[i] != 0) out.push_back(nbns_[i]);
    return out;
}

void IpcpPolicy::build_request(Bytes& options) {
    if (send_address_) append_option_u32(options, kOptAddress, local_address_);
    // In option-number order (129, 130, 131, 132), as Windows sends them.
    for (int i = 0; i < 2; ++i) {
        if (send_dns_[i]) append_option_u32(options, i == 0 ? kOptDns1 : kOptDns2, dns_[i]);
        if (send_nbns_[i]) append_option_u32(options, i == 0 ? kOptNbns1 : kOptNbns2, nbns_[i]);
    }
}

void IpcpPolicy::check_request(std::span<const Option> options, RequestVerdict& verdict) {
    auto reject = [&](const Option& o) {
        verdict.reject.insert(verdict.reject.end(), o.raw.begin(), o.raw.end());
    };
    auto nak = [&](const Option& o, net::Ipv4 value) {
        append_option_u32(verdict.nak, o.type, value);
        verdict.nak_originals.insert(verdict.nak_originals.end(), o.raw.begin(), o.raw.end());
    };
    bool saw_address = false;
    for (const Option& o : options) {
        uint32_t value;
        if (o.type == kOptAddress && option_u32(o, value)) {
            saw_address = true;
            if (config_.role == Role::Client) {
                if (value == 0)
                    reject(o); // the server has to know its own address
                else
                    peer_address_ = value;
            } else if (peer_address_ == 0) {
                reject(o); // no address to give: the session is torn down by its owner
            } else if (value != peer_address_) {
                nak(o, peer_address_); // 0.0.0.0 ("give me one") or a wrong guess
            }
            continue;
        }
        // The server's DNS (129/131) and WINS (130/132) servers, where it has them.
        int dns = dns_index(o.type), nbns = nbns_index(o.type);
        const std::vector<net::Ipv4>* offered = dns >= 0    ? &config_.dns
                                                : nbns >= 0 ? &config_.nbns
                                                            : nullptr;
        size_t index = static_cast<size_t>(dns >= 0 ? dns : nbns);
        if (offered && config_.role == Role::Server && option_u32(o, value) &&
            index < offered->size()) {
            if (value != (*offered)[index]) nak(o, (*offered)[index]);
            continue;
        }
        reject(o); // VJ (2), NBNS/DNS without servers, IP-Addresses (1), bad lengths, unknown
    }
    // RFC 1332 3.3: a Nak may suggest an option the peer did not include; a server does so for
    // the address once, if the peer asked for none and nothing else was wrong.
    if (config_.role == Role::Server && !saw_address && peer_address_ != 0 &&
        verdict.reject.empty() && verdict.nak.empty()) {
        append_option_u32(verdict.nak, kOptAddress, peer_address_);
    }
}

void IpcpPolicy::on_nak(std::span<const Option> options) {
    for (const Option& o : options) {
        uint32_t value;
        if (!option_u32(o, value)) {
            ++counters_.malformed_options;
            continue;
        }
        if (config_.role == Role::Server) continue; // our own address is not negotiable
        if (o.type == kOptAddress) local_address_ = value;
        int dns = dns_index(o.type), nbns = nbns_index(o.type);
        if (dns >= 0) dns_[dns] = value;
        if (nbns >= 0) nbns_[nbns] = value;
    }
}

void IpcpPolicy::on_reject(std::span<const Option> options) {
    for (const Option& o : options) {
        if (o.type == kOptAddress) send_address_ = false;
        int dns = dns_index(o.type), nbns = nbns_index(o.type);
        if (dns >= 0) send_dns_[dns] = false;
        if (nbns >= 0) send_nbns_[nbns] = false;
    }
}

} // namespace vp::ppp
