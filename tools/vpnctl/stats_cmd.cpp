// vpnctl's statistics and management commands over the telemetry socket: info, ports, workers,
// drops, stages, counters, routes, arp, proxy-arp, control, sessions, pools, profiles, secrets,
// reload, log, raw.
#include "tools/vpnctl/command.hpp"
#include "tools/vpnctl/interfaces_cmd.hpp"
#include "tools/vpnctl/table.hpp"
#include "tools/vpnctl/telemetry_client.hpp"

#include "control/config/appliance_config.hpp"

#include <cstdio>
#include <map>

namespace vp::tools {

namespace {

using json = nlohmann::ordered_json;

std::string text(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_number_unsigned()) return std::to_string(j.get<unsigned long long>());
    if (j.is_number_integer()) return std::to_string(j.get<long long>());
    if (j.is_null()) return "";
    return j.dump();
}

unsigned long long num(const json& obj, const char* key) {
    return obj.contains(key) && obj[key].is_number() ? obj[key].get<unsigned long long>() : 0;
}

std::string field(const json& obj, const char* key) {
    return obj.contains(key) ? text(obj[key]) : "";
}

// Rows of a table reply come keyed "0", "1", ... (telemetry keys cannot hold configured names,
// which are values, under "name"): keep their numeric order.
std::vector<json> rows(const json& reply) {
    std::map<long, json> ordered;
    for (auto& [k, v] : reply.items())
        ordered[std::strtol(k.c_str(), nullptr, 10)] = v;
    std::vector<json> out;
    for (auto& [k, v] : ordered)
        out.push_back(v);
    return out;
}

int print_error_reply(const json& reply) {
    if (reply.is_object() && reply.contains("error")) {
        std::fprintf(stderr, "vpnctl: %s\n", text(reply["error"]).c_str());
        return 1;
    }
    return -1;
}

int show_info(const json& r) {
    for (auto& [k, v] : r.items())
        std::printf("%12s: %s\n", k.c_str(), text(v).c_str());
    return 0;
}

int show_ports(const json& r) {
    Table t({"NAME", "ROLE", "ADDRESS", "MAC-ADDRESS", "MTU", "LINK", "RX-PACKETS", "TX-PACKETS",
             "RX-BYTES", "TX-BYTES", "RX-MISSED", "ERRORS"});
    for (auto& p : rows(r))
        t.add({field(p, "name"), field(p, "role"), field(p, "address"), field(p, "mac"),
               field(p, "mtu"), field(p, "link"), group_digits(num(p, "rx_packets")),
               group_digits(num(p, "tx_packets")), group_digits(num(p, "rx_bytes")),
               group_digits(num(p, "tx_bytes")), group_digits(num(p, "rx_missed")),
               group_digits(num(p, "rx_errors") + num(p, "tx_errors"))});
    t.print();
    return 0;
}

int show_workers(const json& r) {
    Table t({"WORKER", "LCORE", "RX-PACKETS", "TX-PACKETS", "FORWARDED", "PUNTED", "HANDED-OFF",
             "DROPPED", "BUSY", "CYCLES/PKT"});
    for (auto& [name, w] : r.items()) {
        unsigned long long busy = num(w, "busy_cycles"), idle = num(w, "idle_cycles");
        unsigned long long rx = num(w, "rx_packets");
        char busy_pct[16];
        std::snprintf(busy_pct, sizeof busy_pct, "%.1f%%",
                      busy + idle
                          ? 100.0 * static_cast<double>(busy) / static_cast<double>(busy + idle)
                          : 0.0);
        t.add({name, field(w, "lcore"), group_digits(rx), group_digits(num(w, "tx_packets")),
               group_digits(num(w, "forwarded")), group_digits(num(w, "punted")),
               group_digits(num(w, "handed_off")), group_digits(num(w, "dropped")), busy_pct,
               rx ? std::to_string(busy / rx) : "-"});
    }
    t.print();
    return 0;
}

int show_drops(const json& r, const json& descriptions, bool all) {
    Table t({"REASON", "PACKETS", "DESCRIPTION"});
    for (auto& [reason, count] : r.items()) {
        unsigned long long n = count.get<unsigned long long>();
        if (n == 0 && !all) continue;
        t.add({reason, group_digits(n), field(descriptions, ("drop_" + reason).c_str())});
    }
    if (t.empty())
        std::printf("no drops\n");
    else
        t.print();
    return 0;
}

int show_stages(const json& r) {
    Table t({"STAGE", "PACKETS", "CYCLES", "CYCLES/PKT"});
    for (auto& [stage, s] : r.items())
        t.add({stage, group_digits(num(s, "packets")), group_digits(num(s, "cycles")),
               std::to_string(num(s, "cycles_per_packet"))});
    t.print();
    return 0;
}

int show_counters(const json& r) {
    Table t({"COUNTER", "DESCRIPTION"});
    for (auto& [name, d] : r.items())
        t.add({name, text(d)});
    t.print();
    return 0;
}

int show_routes(const json& r) {
    Table t({"#", "DST-ADDRESS", "TYPE", "GATEWAY", "INTERFACE"});
    size_t i = 0;
    for (auto& route : rows(r))
        t.add({std::to_string(i++), field(route, "dst_address"), field(route, "type"),
               field(route, "gateway"),
               route.contains("session") ? "session " + field(route, "session")
                                         : field(route, "interface")});
    t.print();
    return 0;
}

int show_arp(const json& r) {
    Table t({"#", "ADDRESS", "MAC-ADDRESS", "INTERFACE", "STATE", "AGE"});
    size_t i = 0;
    for (auto& n : rows(r))
        t.add({std::to_string(i++), field(n, "address"), field(n, "mac_address"),
               field(n, "interface"), field(n, "state"), format_duration(num(n, "age_s"))});
    t.print();
    return 0;
}

int show_proxy_arp(const json& r) {
    Table t({"#", "ADDRESS", "SESSION"});
    size_t i = 0;
    for (auto& n : rows(r))
        t.add({std::to_string(i++), field(n, "address"), field(n, "session")});
    t.print();
    return 0;
}

int show_flat(const json& r) {
    Table t({"COUNTER", "VALUE"});
    for (auto& [k, v] : r.items())
        t.add({k, v.is_number() ? group_digits(v.get<unsigned long long>()) : text(v)});
    t.print();
    return 0;
}

int show_pools(const json& r) {
    Table t({"NAME", "TOTAL", "USED", "RESERVED", "AVAILABLE", "RETIRED"});
    for (auto& p : rows(r))
        t.add({field(p, "name"), group_digits(num(p, "total")), group_digits(num(p, "used")),
               group_digits(num(p, "reserved")), group_digits(num(p, "available")),
               field(p, "retired")});
    t.print();
    return 0;
}

// A paged table (sessions, profiles, secrets), page by page: each telemetry reply holds a
// bounded number of rows and `next`, the parameter that asks for the following page.
Result<json> all_pages(TelemetryClient& client, const std::string& command) {
    json all = json::object();
    std::string from = "0";
    for (int pages = 0; pages < 100000; ++pages) {
        auto reply = client.call(command + "," + from);
        if (!reply.ok()) return reply.error();
        if (reply->contains("error")) return *reply;
        std::string next;
        for (auto& [k, v] : reply->items()) {
            if (k == "next")
                next = text(v);
            else
                all[k] = v;
        }
        if (next.empty()) break;
        from = next;
    }
    return all;
}

// Like RouterOS's `/ppp profile print`.
int show_profiles(const json& r) {
    Table t({"#", "NAME", "LOCAL-ADDRESS", "REMOTE-ADDRESS", "USE-ENCRYPTION", "ONLY-ONE",
             "CHANGE-TCP-MSS"});
    size_t i = 0;
    for (auto& p : rows(r))
        t.add({std::to_string(i++) + (field(p, "builtin") == "yes" ? " *" : ""), field(p, "name"),
               field(p, "local_address"), field(p, "remote_address"), field(p, "use_encryption"),
               field(p, "only_one"), field(p, "change_tcp_mss")});
    t.print();
    return 0;
}

// Like RouterOS's `/ppp secret print`, without the passwords (they never leave the daemon).
int show_secrets(const json& r) {
    Table t({"#", "NAME", "SERVICE", "CALLER-ID", "PROFILE", "LOCAL-ADDRESS", "REMOTE-ADDRESS"});
    size_t i = 0;
    for (auto& s : rows(r))
        t.add({std::to_string(i++) + (field(s, "disabled") == "yes" ? " X" : ""), field(s, "name"),
               field(s, "service"), field(s, "caller_id"), field(s, "profile"),
               field(s, "local_address"), field(s, "remote_address")});
    if (t.empty())
        std::printf("no secrets\n");
    else
        t.print();
    return 0;
}

// Like RouterOS's `/ip firewall filter|mangle print stats`, with each rule's text.
int show_firewall_filter(const json& r) {
    if (rows(r).empty()) {
        std::printf("no rules\n");
        return 0;
    }
    std::printf("Flags: X - disabled\n");
    Table t({"#", "CHAIN", "ACTION", "BYTES", "PACKETS", "RULE"});
    size_t i = 0;
    for (auto& f : rows(r)) {
        std::string number = std::to_string(i++) + (field(f, "disabled") == "yes" ? " X" : "");
        if (!field(f, "comment").empty()) {
            t.add({number, ";;; " + field(f, "comment")});
            number.clear();
        }
        t.add({number, field(f, "chain"), field(f, "action"),
               group_digits(std::stoull("0" + field(f, "bytes"))),
               group_digits(std::stoull("0" + field(f, "packets"))), field(f, "rule")});
    }
    t.print();
    return 0;
}

// Like RouterOS's `/ip firewall nat print stats`: a NAT rule counts the first packet of each
// connection it translated.
int show_firewall_nat(const json& r) {
    return show_firewall_filter(r);
}

// Like RouterOS's `/ip firewall connection print`: original and reply tuples.
int show_firewall_connections(const json& r) {
    Table t({"#", "PROTOCOL", "SRC", "DST", "REPLY-SRC", "REPLY-DST", "NAT", "REPLIED", "IDLE"});
    size_t i = 0;
    for (auto& c : rows(r))
        t.add({std::to_string(i++), field(c, "protocol"), field(c, "src"), field(c, "dst"),
               field(c, "reply_src"), field(c, "reply_dst"), field(c, "nat"), field(c, "replied"),
               field(c, "idle_s") + "s"});
    if (i == 0)
        std::printf("no connections\n");
    else
        t.print();
    return 0;
}

// Like RouterOS's `/ip firewall address-list print`: D marks a dynamic entry (a session's, one
// with a timeout, one a rule added); TIMEOUT is what its timeout leaves.
int show_firewall_address_list(const json& r) {
    std::printf("Flags: D - dynamic\n");
    Table t({"#", "", "LIST", "ADDRESS", "TIMEOUT", "SESSION"});
    size_t i = 0;
    for (auto& e : rows(r)) {
        std::string timeout = e.contains("timeout_s") ? format_duration(num(e, "timeout_s")) : "";
        std::string who = field(e, "session");
        if (who.empty() && e.contains("origin")) who = field(e, "origin");
        t.add({std::to_string(i++), field(e, "flags"), field(e, "list"), field(e, "address"),
               timeout, who});
    }
    if (i == 0)
        std::printf("no entries\n");
    else
        t.print();
    return 0;
}

// What limit-bytes-in/-out leave ("-": no limit).
std::string bytes_left(const json& s, const char* key) {
    return s.contains(key) ? group_digits(num(s, key)) : "-";
}

// Like RouterOS's `/ppp active print`, with the traffic of each session, its rate-limit, what
// its byte limits leave and the packets its rate-limit dropped (rx/tx).
int show_sessions(const json& r) {
    if (r.contains("error")) return print_error_reply(r);
    Table t({"ID", "NAME", "SERVICE", "CALLER-ID", "ADDRESS", "UPTIME", "ENCODING", "RX-BYTES",
             "TX-BYTES", "RX-PACKETS", "TX-PACKETS", "RATE-LIMIT", "IN-LEFT", "OUT-LEFT",
             "LIMITED"});
    for (auto& [id, s] : r.items()) {
        std::string limit = field(s, "rate_limit");
        t.add({id, field(s, "name"), field(s, "service"), field(s, "caller_id"),
               field(s, "address"), format_duration(num(s, "uptime_s")), field(s, "encoding"),
               group_digits(num(s, "rx_bytes")), group_digits(num(s, "tx_bytes")),
               group_digits(num(s, "rx_packets")), group_digits(num(s, "tx_packets")),
               limit.empty() ? "-" : limit, bytes_left(s, "bytes_in_left"),
               bytes_left(s, "bytes_out_left"),
               group_digits(num(s, "rate_limit_dropped_rx")) + "/" +
                   group_digits(num(s, "rate_limit_dropped_tx"))});
    }
    if (t.empty())
        std::printf("no active sessions\n");
    else
        t.print();
    return 0;
}

// The sessions that ended recently, and why (after the active ones in `vpnctl sessions`).
int show_ended_sessions(const json& r) {
    if (r.contains("error")) return print_error_reply(r);
    Table t({"ID", "NAME", "SERVICE", "CALLER-ID", "ADDRESS", "UPTIME", "RX-BYTES", "TX-BYTES",
             "ENDED-BECAUSE"});
    for (auto& [row, s] : r.items())
        t.add({field(s, "id"), field(s, "name"), field(s, "service"), field(s, "caller_id"),
               field(s, "address"), format_duration(num(s, "uptime_s")),
               group_digits(num(s, "rx_bytes")), group_digits(num(s, "tx_bytes")),
               field(s, "end_reason")});
    if (t.empty()) return 0;
    std::printf("\nended sessions (most recent last):\n");
    t.print();
    return 0;
}

// The reload's summary and one line per changed setting; exit 1 when refused, 3 when some
// changes need a restart (applied: the rest), 0 when everything was applied.
int show_reload(const json& r) {
    bool refused = r.contains("error");
    std::fprintf(refused ? stderr : stdout, "%s%s\n", refused ? "vpnctl: " : "",
                 field(r, refused ? "error" : "result").c_str());
    if (const char* key = refused ? "details" : "changes"; r.contains(key))
        for (auto& line : rows(r[key]))
            std::fprintf(refused ? stderr : stdout, "  %s\n", text(line).c_str());
    if (refused) return 1;
    return r.contains("restart_needed") && num(r, "restart_needed") > 0 ? 3 : 0;
}

std::string socket_for(const GlobalOptions& o) {
    if (!o.socket_path.empty()) return o.socket_path;
    std::string prefix = "vpnplane";
    if (auto c = config::load_config_file(o.config_path); c.ok()) prefix = c->dpdk.file_prefix;
    return telemetry_socket_path(prefix);
}

} // namespace

bool is_stats_command(const std::string& command) {
    static const char* commands[] = {
        "info",     "ports",   "workers",   "drops",      "stages", "counters",
        "routes",   "arp",     "proxy-arp", "control",    "reload", "port-xstats",
        "log",      "raw",     "sessions",  "disconnect", "pools",  "ovpn",
        "profiles", "secrets", "firewall",  "interfaces"};
    for (const char* c : commands)
        if (command == c) return true;
    return false;
}

int run_stats_command(const std::string& command, const std::vector<std::string>& args,
                      const GlobalOptions& options) {
    struct Entry {
        const char* telemetry;
        int (*show)(const json&);
    };
    static const std::map<std::string, Entry> simple = {
        {"info", {"/vpnplane/info", show_info}},
        {"ports", {"/vpnplane/ports", show_ports}},
        {"workers", {"/vpnplane/workers", show_workers}},
        {"stages", {"/vpnplane/stages", show_stages}},
        {"counters", {"/vpnplane/counters", show_counters}},
        {"routes", {"/vpnplane/routes", show_routes}},
        {"arp", {"/vpnplane/neighbors", show_arp}},
        {"proxy-arp", {"/vpnplane/proxy_arp", show_proxy_arp}},
        {"control", {"/vpnplane/control", show_flat}},
        {"pools", {"/vpnplane/pools", show_pools}},
        {"ovpn", {"/vpnplane/ovpn", show_flat}},
        {"interfaces", {"/vpnplane/interfaces", show_interfaces}},
    };
    auto client = TelemetryClient::connect(socket_for(options));
    if (!client.ok()) {
        std::fprintf(stderr, "vpnctl: %s\n", client.message().c_str());
        return 1;
    }
    auto call = [&](const std::string& cmd) { return client->call(cmd); };
    static const std::map<std::string, Entry> paged = {
        {"sessions", {"/vpnplane/sessions", show_sessions}},
        {"profiles", {"/vpnplane/profiles", show_profiles}},
        {"secrets", {"/vpnplane/secrets", show_secrets}},
        {"firewall-filter", {"/vpnplane/firewall_filter", show_firewall_filter}},
        {"firewall-mangle", {"/vpnplane/firewall_mangle", show_firewall_filter}},
        {"firewall-nat", {"/vpnplane/firewall_nat", show_firewall_nat}},
        {"firewall-connections", {"/vpnplane/firewall_connections", show_firewall_connections}},
        {"firewall-address-list", {"/vpnplane/firewall_address_list", show_firewall_address_list}},
    };
    std::string paged_command = command;
    if (command == "firewall") {
        if (args.size() != 1 || (args[0] != "filter" && args[0] != "mangle" && args[0] != "nat" &&
                                 args[0] != "connections" && args[0] != "address-list")) {
            std::fprintf(stderr, "vpnctl: usage: vpnctl firewall "
                                 "filter|mangle|nat|connections|address-list\n");
            return 2;
        }
        paged_command = "firewall-" + args[0];
    }
    if (auto it = paged.find(paged_command); it != paged.end()) {
        auto all = all_pages(*client, it->second.telemetry);
        if (!all.ok()) {
            std::fprintf(stderr, "vpnctl: %s\n", all.message().c_str());
            return 1;
        }
        if (options.json) {
            std::printf("%s\n", all->dump(2).c_str());
            return all->contains("error") ? 1 : 0;
        }
        if (int rc = print_error_reply(*all); rc >= 0) return rc;
        int rc = it->second.show(*all);
        if (command == "sessions" && rc == 0) {
            // The history: a daemon without it (older) answers with an error; show nothing.
            auto ended = all_pages(*client, "/vpnplane/sessions_ended");
            if (ended.ok() && !ended->contains("error")) rc = show_ended_sessions(*ended);
        }
        return rc;
    }
    std::string telemetry_cmd;
    if (auto it = simple.find(command); it != simple.end())
        telemetry_cmd = it->second.telemetry;
    else if (command == "drops")
        telemetry_cmd = "/vpnplane/drops";
    else if (command == "reload")
        telemetry_cmd = "/vpnplane/reload";
    else if (command == "port-xstats" && args.size() == 1)
        telemetry_cmd = "/vpnplane/port_xstats," + args[0];
    else if (command == "log" && args.size() == 2)
        telemetry_cmd = "/vpnplane/log," + args[0] + "," + args[1];
    else if (command == "disconnect" && args.size() == 1)
        telemetry_cmd = "/vpnplane/disconnect," + args[0];
    else if (command == "raw" && args.size() == 1)
        telemetry_cmd = args[0];
    else {
        std::fprintf(stderr, "vpnctl: bad arguments for '%s'\n", command.c_str());
        return 2;
    }
    auto reply = call(telemetry_cmd);
    if (!reply.ok()) {
        std::fprintf(stderr, "vpnctl: %s\n", reply.message().c_str());
        return 1;
    }
    if (options.json || command == "raw") {
        std::printf("%s\n", reply->dump(2).c_str());
        return reply->is_object() && reply->contains("error") ? 1 : 0;
    }
    if (command == "reload") return show_reload(*reply);
    if (int rc = print_error_reply(*reply); rc >= 0) return rc;
    if (auto it = simple.find(command); it != simple.end()) return it->second.show(*reply);
    if (command == "drops") {
        auto descriptions = call("/vpnplane/counters");
        bool all = !args.empty() && args[0] == "--all";
        return show_drops(*reply, descriptions.ok() ? *descriptions : json::object(), all);
    }
    if (command == "reload" || command == "log") {
        std::printf("%s\n", field(*reply, "result").c_str());
        return 0;
    }
    if (command == "disconnect") {
        std::printf("%s session(s) disconnected\n", field(*reply, "disconnected").c_str());
        return 0;
    }
    return show_flat(*reply);
}

} // namespace vp::tools
