// Command-line parsing for vpnperf's sub-commands (see options.hpp).
#include "perf/vpnperf/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

namespace vp::perf {

namespace {

// An option's handler returns an error text, empty when the value was accepted.
struct Option {
    bool takes_value = true;
    std::function<std::string(std::string_view)> apply;
    bool required = false;
};

Status parse(std::span<const std::string> args, std::map<std::string, Option>& options,
             std::vector<std::string>* after_dashes = nullptr) {
    std::map<std::string, bool> seen;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--" && after_dashes != nullptr) {
            after_dashes->assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        }
        std::string name = a, value;
        bool inline_value = false;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = true;
        }
        auto it = options.find(name);
        if (it == options.end()) return make_error("unknown option '" + a + "'");
        if (it->second.takes_value && !inline_value) {
            if (i + 1 >= args.size()) return make_error(name + ": needs a value");
            value = args[++i];
        } else if (!it->second.takes_value && inline_value) {
            return make_error(name + ": takes no value");
        }
        if (std::string e = it->second.apply(value); !e.empty()) return make_error(name + ": " + e);
        seen[name] = true;
    }
    for (auto& [name, o] : options)
        if (o.required && !seen[name]) return make_error(name + " is required");
    return {};
}

template <class T>
bool parse_number(std::string_view text, T& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size() && !text.empty();
}

bool parse_double(std::string_view text, double& out) {
    std::string s(text);
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size() && std::isfinite(out);
}

Option string_option(std::string& target, bool required = false) {
    return {true,
            [&target](std::string_view v) -> std::string {
                if (v.empty()) return "must not be empty";
                target = std::string(v);
                return {};
            },
            required};
}

Option seconds_option(double& target) {
    return {true, [&target](std::string_view v) -> std::string {
                double d = 0;
                if (!parse_double(v, d) || d <= 0 || d > 86400)
                    return "expected seconds (0 < S <= 86400), got '" + std::string(v) + "'";
                target = d;
                return {};
            }};
}

Option size_option(SizeMix& target) {
    return {true, [&target](std::string_view v) -> std::string {
                auto m = SizeMix::parse(v);
                if (!m)
                    return "expected an inner IPv4 packet size " + std::to_string(kMinInnerBytes) +
                           ".." + std::to_string(kMaxInnerBytes) + " or 'imix', got '" +
                           std::string(v) + "'";
                target = *m;
                return {};
            }};
}

Option address_option(net::Ipv4& target) {
    return {true, [&target](std::string_view v) -> std::string {
                auto a = net::parse_ipv4(v);
                if (!a) return "'" + std::string(v) + "' is not an IPv4 address";
                target = *a;
                return {};
            }};
}

Option mac_option(Mac& target) {
    return {true, [&target](std::string_view v) -> std::string {
                auto m = parse_mac(v);
                if (!m) return "'" + std::string(v) + "' is not a MAC address (02:00:00:00:00:01)";
                target = *m;
                return {};
            }};
}

template <class T>
Option uint_option(T& target, uint64_t min, uint64_t max, bool required = false) {
    return {true,
            [&target, min, max](std::string_view v) -> std::string {
                uint64_t n = 0;
                if (!parse_number(v, n) || n < min || n > max)
                    return "expected an integer " + std::to_string(min) + ".." +
                           std::to_string(max) + ", got '" + std::string(v) + "'";
                target = static_cast<T>(n);
                return {};
            },
            required};
}

Option prefix_option(net::Ipv4Prefix& target) {
    return {true,
            [&target](std::string_view v) -> std::string {
                auto p = net::parse_prefix(v);
                if (!p || v.find('/') == std::string_view::npos)
                    return "'" + std::string(v) + "' is not a prefix (10.1.0.0/24)";
                target = *p;
                return {};
            },
            true};
}

Option sessions_file_option(std::string& target) {
    return string_option(target, true);
}

} // namespace

std::optional<Mac> parse_mac(std::string_view text) {
    Mac m{};
    if (text.size() != 17) return std::nullopt;
    for (int i = 0; i < 6; ++i) {
        if (i > 0 && text[static_cast<size_t>(i * 3 - 1)] != ':' &&
            text[static_cast<size_t>(i * 3 - 1)] != '-')
            return std::nullopt;
        unsigned v = 0;
        auto part = text.substr(static_cast<size_t>(i * 3), 2);
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
        if (ec != std::errc{} || ptr != part.data() + 2) return std::nullopt;
        m[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
    }
    return m;
}

std::string to_string(const Mac& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                  m[5]);
    return buf;
}

std::optional<UdpEndpoint> parse_endpoint(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto a = net::parse_ipv4(text.substr(0, colon));
    uint32_t port = 0;
    if (!a || !parse_number(text.substr(colon + 1), port) || port == 0 || port > 65535)
        return std::nullopt;
    return UdpEndpoint{*a, static_cast<uint16_t>(port)};
}

std::optional<uint64_t> parse_rate(std::string_view text) {
    if (text == "max") return 0;
    double scale = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 'k':
        case 'K':
            scale = 1e3;
            break;
        case 'm':
        case 'M':
            scale = 1e6;
            break;
        case 'g':
        case 'G':
            scale = 1e9;
            break;
        default:
            break;
        }
        if (scale != 1) text.remove_suffix(1);
    }
    double v = 0;
    if (!parse_double(text, v) || v <= 0) return std::nullopt;
    double pps = v * scale;
    if (pps < 1 || pps > 1e10) return std::nullopt;
    return static_cast<uint64_t>(std::llround(pps));
}

Result<GenSessionsOptions> parse_gen_sessions_options(std::span<const std::string> args) {
    GenSessionsOptions o;
    std::map<std::string, Option> options;
    options["--count"] = uint_option(o.count, 1, 1000000, true);
    options["--cipher"] = {true, [&](std::string_view v) -> std::string {
                               auto c = crypto::cipher_from_openvpn_name(v);
                               if (!c) return "unknown cipher '" + std::string(v) + "'";
                               o.cipher = *c;
                               return {};
                           }};
    options["--auth"] = {true, [&](std::string_view v) -> std::string {
                             auto d = crypto::digest_from_name(v);
                             if (!d) return "unknown digest '" + std::string(v) + "'";
                             o.auth = *d;
                             return {};
                         }};
    options["--server"] = {true,
                           [&](std::string_view v) -> std::string {
                               auto e = parse_endpoint(v);
                               if (!e) return "expected ADDRESS:PORT, got '" + std::string(v) + "'";
                               o.server = *e;
                               return {};
                           },
                           true};
    options["--client-net"] = prefix_option(o.client_net);
    options["--tunnel-net"] = prefix_option(o.tunnel_net);
    options["--client-port"] = uint_option(o.client_port, 1, 65535);
    options["--first-peer-id"] = uint_option(o.first_peer_id, 0, kMaxPeerId);
    options["--key-id"] = uint_option(o.key_id, 0, kMaxKeyId);
    options["--replay-protection"] = {false, [&](std::string_view) -> std::string {
                                          o.replay_protection = true;
                                          return {};
                                      }};
    options["--out"] = string_option(o.out, true);
    if (auto st = parse(args, options); !st.ok()) return st.error();
    return o;
}

Result<RunOptions> parse_run_options(std::span<const std::string> args) {
    RunOptions o;
    std::map<std::string, Option> options;
    options["--sessions"] = sessions_file_option(o.sessions);
    options["--wan"] = string_option(o.wan, true);
    options["--lan"] = string_option(o.lan, true);
    options["--direction"] = {true, [&](std::string_view v) -> std::string {
                                  if (v == "decap")
                                      o.direction = TrafficDirection::Decap;
                                  else if (v == "encap")
                                      o.direction = TrafficDirection::Encap;
                                  else if (v == "both")
                                      o.direction = TrafficDirection::Both;
                                  else
                                      return "expected decap, encap or both";
                                  return {};
                              }};
    options["--size"] = size_option(o.size);
    options["--rate"] = {true, [&](std::string_view v) -> std::string {
                             auto r = parse_rate(v);
                             if (!r)
                                 return "expected packets per second (250000, 250k, 1.5M) or "
                                        "'max', got '" +
                                        std::string(v) + "'";
                             o.rate_pps = *r;
                             return {};
                         }};
    options["--duration"] = seconds_option(o.duration_s);
    options["--count"] = uint_option(o.count, 1, uint64_t{1} << 48);
    options["--lan-host"] = address_option(o.lan_host);
    options["--lan-gateway"] = {true, [&](std::string_view v) -> std::string {
                                    auto a = net::parse_ipv4(v);
                                    if (!a) return "'" + std::string(v) + "' is not an address";
                                    o.lan_gateway = *a;
                                    return {};
                                }};
    options["--wan-peer-mac"] = {true, [&](std::string_view v) -> std::string {
                                     auto m = parse_mac(v);
                                     if (!m) return "'" + std::string(v) + "' is not a MAC";
                                     o.wan_peer_mac = *m;
                                     return {};
                                 }};
    options["--lan-peer-mac"] = {true, [&](std::string_view v) -> std::string {
                                     auto m = parse_mac(v);
                                     if (!m) return "'" + std::string(v) + "' is not a MAC";
                                     o.lan_peer_mac = *m;
                                     return {};
                                 }};
    options["--loopback"] = {false, [&](std::string_view) -> std::string {
                                 o.loopback = true;
                                 return {};
                             }};
    options["--probe-every"] = uint_option(o.probe_every, 0, 1u << 30);
    options["--verify-every"] = uint_option(o.verify_every, 1, 1u << 30);
    options["--packets"] = uint_option(o.template_budget, 1, 1u << 20);
    options["--link-timeout"] = seconds_option(o.link_timeout_s);
    options["--arp-timeout"] = seconds_option(o.arp_timeout_s);
    options["--out"] = {true, [&](std::string_view v) -> std::string {
                            std::string p(v);
                            auto ends = [&](std::string_view s) {
                                return p.size() >= s.size() &&
                                       p.compare(p.size() - s.size(), s.size(), s) == 0;
                            };
                            if (!ends(".json") && !ends(".csv")) return "must end in .json or .csv";
                            o.out = p;
                            return {};
                        }};
    options["--lcores"] = string_option(o.eal.lcores);
    options["--file-prefix"] = string_option(o.eal.file_prefix);
    options["--no-huge"] = {false, [&](std::string_view) -> std::string {
                                o.eal.no_huge = true;
                                return {};
                            }};
    options["-m"] = uint_option(o.eal.memory_mb, 64, 1u << 20);
    options["--memory"] = uint_option(o.eal.memory_mb, 64, 1u << 20);
    if (auto st = parse(args, options, &o.eal.extra); !st.ok()) return st.error();
    const bool wan_wire = o.wan == "wire", lan_wire = o.lan == "wire";
    if (wan_wire != lan_wire)
        return make_error("--wan wire and --lan wire go together (the two ports wired to each "
                          "other inside vpnperf)");
    if (wan_wire) o.loopback = true;
    if (o.lan_gateway && *o.lan_gateway == o.lan_host)
        return make_error("--lan-gateway: must differ from --lan-host");
    return o;
}

Result<PcapOptions> parse_pcap_options(std::span<const std::string> args) {
    PcapOptions o;
    std::map<std::string, Option> options;
    options["--sessions"] = sessions_file_option(o.sessions);
    options["--size"] = size_option(o.size);
    options["--count"] = uint_option(o.count, 1, 10000000, true);
    options["--out"] = string_option(o.out, true);
    options["--lua"] = string_option(o.lua);
    options["--src-mac"] = mac_option(o.src_mac);
    options["--dst-mac"] = mac_option(o.dst_mac);
    options["--lan-host"] = address_option(o.lan_host);
    options["--rate-percent"] = {true, [&](std::string_view v) -> std::string {
                                     double d = 0;
                                     if (!parse_double(v, d) || d <= 0 || d > 100)
                                         return "expected 0 < PERCENT <= 100";
                                     o.rate_percent = d;
                                     return {};
                                 }};
    options["--duration"] = seconds_option(o.duration_s);
    if (auto st = parse(args, options); !st.ok()) return st.error();
    return o;
}

std::string usage() {
    return R"(usage:
  vpnperf gen-sessions --count N --server ADDR:PORT --client-net PREFIX --tunnel-net PREFIX
                       --out FILE [--cipher AES-256-GCM] [--auth SHA256] [--client-port 40000]
                       [--first-peer-id 1] [--key-id 0] [--replay-protection]
  vpnperf run --sessions FILE --wan DEVARGS --lan DEVARGS [--direction decap|encap|both]
              [--size 52..1500|imix] [--rate PPS|max] [--duration S] [--count N]
              [--lan-host 10.2.0.2]
              [--lan-gateway ADDR] [--wan-peer-mac MAC] [--lan-peer-mac MAC] [--loopback]
              [--probe-every N] [--verify-every N] [--packets N] [--link-timeout S]
              [--arp-timeout S] [--out results.json|results.csv]
              [--lcores LIST] [--no-huge] [-m MB] [--file-prefix P] [-- more EAL options]
  vpnperf pcap --sessions FILE --count N --out traffic.pcap [--lua traffic.lua]
               [--size 52..1500|imix] [--src-mac MAC] [--dst-mac MAC] [--lan-host ADDR]
               [--rate-percent P] [--duration S]
DEVARGS: a PCI address, a DPDK vdev ("net_memif0,role=client,socket=/run/vpnperf-wan.sock",
"net_af_packet0,iface=veth0"), or "wire" for both ports: the two ports connected to each other
inside vpnperf (a self-test without an appliance; implies --loopback).
--size is the inner IPv4 packet's size; --rate is per direction. See perf/README.md.
)";
}

} // namespace vp::perf
