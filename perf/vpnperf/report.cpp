// Report formatting (see report.hpp).
#include "perf/vpnperf/report.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

namespace vp::perf {

namespace {

double per_second(double n, double seconds) {
    return seconds > 0 ? n / seconds : 0;
}

double us(uint64_t ns) {
    return static_cast<double>(ns) / 1000.0;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// CSV/JSON columns of one direction, in order.
struct Column {
    const char* name;
    double value;
    bool integer;
};

std::vector<Column> columns(const DirectionResult& d) {
    auto u = [](uint64_t v) { return static_cast<double>(v); };
    return {
        {"seconds", d.seconds, false},
        {"tx_packets", u(d.tx_packets), true},
        {"rx_packets", u(d.rx_packets), true},
        {"tx_mpps", d.tx_mpps(), false},
        {"rx_mpps", d.rx_mpps(), false},
        {"tx_frame_gbps", d.tx_frame_gbps(), false},
        {"rx_frame_gbps", d.rx_frame_gbps(), false},
        {"tx_inner_gbps", d.tx_inner_gbps(), false},
        {"rx_inner_gbps", d.rx_inner_gbps(), false},
        {"loss_percent", d.loss_percent(), false},
        {"tx_rejected", u(d.tx_rejected), true},
        {"rx_unmatched", u(d.rx_unmatched), true},
        {"verified", u(d.verified), true},
        {"verify_failed", u(d.verify_failed), true},
        {"probes_sent", u(d.probes_sent), true},
        {"probes_received", u(d.probes_received), true},
        {"latency_samples", u(d.latency.count()), true},
        {"latency_p50_us", us(d.latency.percentile_ns(0.50)), false},
        {"latency_p90_us", us(d.latency.percentile_ns(0.90)), false},
        {"latency_p99_us", us(d.latency.percentile_ns(0.99)), false},
        {"latency_p99_9_us", us(d.latency.percentile_ns(0.999)), false},
        {"latency_max_us", us(d.latency.max_ns()), false},
    };
}

std::string number(const Column& c) {
    char buf[64];
    if (c.integer)
        std::snprintf(buf, sizeof buf, "%.0f", c.value);
    else
        std::snprintf(buf, sizeof buf, "%.6g", c.value);
    return buf;
}

} // namespace

double DirectionResult::tx_mpps() const {
    return per_second(static_cast<double>(tx_packets), seconds) / 1e6;
}
double DirectionResult::rx_mpps() const {
    return per_second(static_cast<double>(rx_packets), seconds) / 1e6;
}
double DirectionResult::tx_frame_gbps() const {
    return per_second(static_cast<double>(tx_frame_bytes) * 8, seconds) / 1e9;
}
double DirectionResult::rx_frame_gbps() const {
    return per_second(static_cast<double>(rx_frame_bytes) * 8, seconds) / 1e9;
}
double DirectionResult::tx_inner_gbps() const {
    return per_second(static_cast<double>(tx_inner_bytes) * 8, seconds) / 1e9;
}
double DirectionResult::rx_inner_gbps() const {
    return per_second(static_cast<double>(rx_inner_bytes) * 8, seconds) / 1e9;
}
double DirectionResult::loss_percent() const {
    if (tx_packets == 0) return 0;
    return 100.0 * (static_cast<double>(tx_packets) - static_cast<double>(rx_packets)) /
           static_cast<double>(tx_packets);
}

std::string to_json(const RunReport& r) {
    nlohmann::ordered_json root;
    root["tool"] = "vpnperf";
    root["format_version"] = 1;
    root["cipher"] = r.info.cipher;
    root["auth"] = r.info.auth;
    root["sessions"] = r.info.sessions;
    root["size"] = r.info.size;
    root["probe_inner_bytes"] = r.info.probe_bytes;
    root["rate_pps"] = r.info.rate;
    root["duration_s"] = r.info.duration_s;
    root["wan"] = r.info.wan;
    root["lan"] = r.info.lan;
    root["loopback"] = r.info.loopback;
    root["worker_lcores"] = r.info.worker_lcores;
    root["port_other_packets"] = r.info.port_other_packets;
    root["arp_replies"] = r.info.arp_replies;
    root["bits"] = "frame = Ethernet frames without FCS/preamble/IFG; inner = tunnelled IPv4 "
                   "packets. decap: tx = encrypted on WAN, rx = decrypted on LAN; encap: tx = "
                   "plaintext on LAN, rx = encrypted on WAN";
    auto dirs = nlohmann::ordered_json::array();
    for (const DirectionResult& d : r.directions) {
        nlohmann::ordered_json o;
        o["direction"] = to_string(d.direction);
        for (const Column& c : columns(d)) {
            if (c.integer)
                o[c.name] = static_cast<uint64_t>(c.value);
            else
                o[c.name] = c.value;
        }
        dirs.push_back(std::move(o));
    }
    root["directions"] = std::move(dirs);
    return root.dump(2) + "\n";
}

std::string to_csv(const RunReport& r) {
    std::string out = "direction,cipher,auth,sessions,size,rate_pps,loopback";
    if (r.directions.empty()) return out + "\n";
    for (const Column& c : columns(r.directions.front()))
        out += std::string(",") + c.name;
    out += "\n";
    for (const DirectionResult& d : r.directions) {
        out += std::string(to_string(d.direction)) + "," + r.info.cipher + "," + r.info.auth + "," +
               std::to_string(r.info.sessions) + "," + r.info.size + "," + r.info.rate + "," +
               (r.info.loopback ? "true" : "false");
        for (const Column& c : columns(d))
            out += "," + number(c);
        out += "\n";
    }
    return out;
}

std::string to_text(const RunReport& r) {
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "vpnperf: %zu sessions, %s%s%s, size %s, rate %s%s\n",
                  r.info.sessions, r.info.cipher.c_str(), r.info.auth == "none" ? "" : "/",
                  r.info.auth == "none" ? "" : r.info.auth.c_str(), r.info.size.c_str(),
                  r.info.rate.c_str(), r.info.loopback ? " (loopback)" : "");
    out += line;
    for (const DirectionResult& d : r.directions) {
        std::snprintf(line, sizeof line,
                      "  %-5s tx %llu pkts %.3f Mpps %.3f Gbps frame %.3f Gbps inner | "
                      "rx %llu pkts %.3f Mpps %.3f Gbps frame %.3f Gbps inner | loss %.4f%%\n",
                      std::string(to_string(d.direction)).c_str(),
                      static_cast<unsigned long long>(d.tx_packets), d.tx_mpps(), d.tx_frame_gbps(),
                      d.tx_inner_gbps(), static_cast<unsigned long long>(d.rx_packets), d.rx_mpps(),
                      d.rx_frame_gbps(), d.rx_inner_gbps(), d.loss_percent());
        out += line;
        std::snprintf(line, sizeof line,
                      "        latency us (%llu probes): p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f "
                      "max %.1f | verified %llu failed %llu unmatched %llu tx-rejected %llu\n",
                      static_cast<unsigned long long>(d.latency.count()),
                      us(d.latency.percentile_ns(0.5)), us(d.latency.percentile_ns(0.9)),
                      us(d.latency.percentile_ns(0.99)), us(d.latency.percentile_ns(0.999)),
                      us(d.latency.max_ns()), static_cast<unsigned long long>(d.verified),
                      static_cast<unsigned long long>(d.verify_failed),
                      static_cast<unsigned long long>(d.rx_unmatched),
                      static_cast<unsigned long long>(d.tx_rejected));
        out += line;
    }
    return out;
}

Status write_report(const std::string& path, const RunReport& report) {
    std::string text;
    if (ends_with(path, ".json"))
        text = to_json(report);
    else if (ends_with(path, ".csv"))
        text = to_csv(report);
    else
        return make_error(path + ": the results file must end in .json or .csv");
    std::ofstream out(path, std::ios::trunc);
    if (!out) return make_error(path + ": cannot open for writing");
    out << text;
    out.flush();
    if (!out) return make_error(path + ": write error");
    return {};
}

} // namespace vp::perf
