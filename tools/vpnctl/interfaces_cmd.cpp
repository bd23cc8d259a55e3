// Printing /vpnplane/interfaces.
#include "tools/vpnctl/interfaces_cmd.hpp"

#include "tools/vpnctl/table.hpp"

#include <cstdio>
#include <map>
#include <string>

namespace vp::tools {

namespace {
using json = nlohmann::ordered_json;

std::string value(const json& obj, const char* key) {
    if (!obj.contains(key)) return "";
    const json& j = obj[key];
    if (j.is_string()) return j.get<std::string>();
    if (j.is_number()) return std::to_string(j.get<unsigned long long>());
    return j.dump();
}
unsigned long long number(const json& obj, const char* key) {
    return obj.contains(key) && obj[key].is_number() ? obj[key].get<unsigned long long>() : 0;
}
} // namespace

int show_interfaces(const json& reply) {
    std::map<long, json> ordered;
    for (auto& [k, v] : reply.items())
        ordered[std::strtol(k.c_str(), nullptr, 10)] = v;
    if (ordered.empty()) {
        std::printf("no client links (ovpn_clients)\n");
        return 0;
    }
    Table t({"NAME", "TYPE", "STATE", "SERVER", "LOCAL", "REMOTE", "UPTIME", "ENCODING", "RX-BYTES",
             "TX-BYTES", "LAST-ERROR"});
    for (auto& [row, l] : ordered) {
        (void)row;
        std::string state = value(l, "state");
        if (state == "disconnected" && number(l, "retry_in_ms") > 0)
            state += " (retry in " + std::to_string((number(l, "retry_in_ms") + 999) / 1000) + "s)";
        bool up = value(l, "state") == "connected";
        t.add({value(l, "name"), value(l, "type"), state, value(l, "server"),
               value(l, "local_address"), value(l, "remote_address"),
               up ? format_duration(number(l, "uptime_s")) : "", value(l, "encoding"),
               group_digits(number(l, "rx_bytes")), group_digits(number(l, "tx_bytes")),
               value(l, "last_error")});
    }
    t.print();
    for (auto& [row, l] : ordered) {
        (void)row;
        if (!value(l, "routes").empty())
            std::printf("%s routes: %s\n", value(l, "name").c_str(), value(l, "routes").c_str());
    }
    return 0;
}

} // namespace vp::tools
