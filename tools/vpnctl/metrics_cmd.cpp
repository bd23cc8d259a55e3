// `vpnctl metrics [--sessions]`: the daemon's Prometheus exposition (format 0.0.4) from the
// telemetry's paged /vpnplane/metrics, printed for node_exporter's textfile collector.
#include "control/config/appliance_config.hpp"
#include "tools/vpnctl/command.hpp"
#include "tools/vpnctl/telemetry_client.hpp"

#include <cstdio>
#include <string>

namespace vp::tools {

namespace {

// One snapshot, page by page; Result's error when the daemon answers one.
Result<std::string> read_snapshot(TelemetryClient& client, bool sessions) {
    auto first = client.call(sessions ? "/vpnplane/metrics,sessions" : "/vpnplane/metrics");
    std::string text;
    nlohmann::ordered_json page = first.ok() ? *first : nlohmann::ordered_json();
    if (!first.ok()) return first.error();
    for (;;) {
        if (!page.is_object()) return make_error("unexpected reply to /vpnplane/metrics");
        if (page.contains("error")) return make_error(page["error"].get<std::string>());
        for (size_t i = 0; page.contains(std::to_string(i)); ++i)
            text += page[std::to_string(i)].get<std::string>();
        if (!page.contains("next")) break;
        auto next =
            client.call("/vpnplane/metrics," + std::to_string(page["generation"].get<uint64_t>()) +
                        "," + std::to_string(page["next"].get<uint64_t>()));
        if (!next.ok()) return next.error();
        page = *next;
    }
    if (page.contains("size") && text.size() != page["size"].get<uint64_t>())
        return make_error("the exposition arrived incomplete");
    return text;
}

} // namespace

int run_metrics_command(const std::vector<std::string>& args, const GlobalOptions& options) {
    bool sessions = false;
    for (auto& a : args) {
        if (a == "--sessions") {
            sessions = true;
        } else {
            std::fprintf(stderr, "vpnctl: usage: vpnctl metrics [--sessions]\n");
            return 2;
        }
    }
    std::string socket = options.socket_path;
    if (socket.empty()) {
        std::string prefix = "vpnplane";
        if (auto c = config::load_config_file(options.config_path); c.ok())
            prefix = c->dpdk.file_prefix;
        socket = telemetry_socket_path(prefix);
    }
    auto client = TelemetryClient::connect(socket);
    if (!client.ok()) {
        std::fprintf(stderr, "vpnctl: %s\n", client.message().c_str());
        return 1;
    }
    // Another reader may replace the snapshot between pages: start again a few times.
    for (int attempt = 0;; ++attempt) {
        auto text = read_snapshot(*client, sessions);
        if (text.ok()) {
            std::fwrite(text->data(), 1, text->size(), stdout);
            return 0;
        }
        if (attempt == 4 || text.message().find("replaced") == std::string::npos) {
            std::fprintf(stderr, "vpnctl: %s\n", text.message().c_str());
            return 1;
        }
    }
}

} // namespace vp::tools
