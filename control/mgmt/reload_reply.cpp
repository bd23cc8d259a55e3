// `/vpnplane/reload`'s reply (see reload_reply.hpp).
#include "control/mgmt/reload_reply.hpp"

#include "control/config/config_diff.hpp"

#include <algorithm>
#include <vector>

namespace vp::ctl {

void reload_reply(const std::string& report, bool ok, rte_tel_data* d) {
    std::vector<std::string> lines;
    for (size_t at = 0; at <= report.size();) {
        size_t nl = std::min(report.find('\n', at), report.size());
        std::string line = report.substr(at, nl - at);
        if (line.size() >= RTE_TEL_MAX_STRING_LEN)
            line = line.substr(0, RTE_TEL_MAX_STRING_LEN - 4) + "...";
        lines.push_back(line);
        at = nl + 1;
    }
    rte_tel_data_add_dict_string(d, ok ? "result" : "error", lines[0].c_str());
    uint64_t restart = 0;
    rte_tel_data* changes = rte_tel_data_alloc();
    rte_tel_data_start_dict(changes);
    for (size_t i = 1; i < lines.size() && i < RTE_TEL_MAX_DICT_ENTRIES; ++i) {
        restart += lines[i].ends_with(config::kNeedsRestart) ? 1 : 0;
        rte_tel_data_add_dict_string(changes, std::to_string(i - 1).c_str(), lines[i].c_str());
    }
    rte_tel_data_add_dict_container(d, ok ? "changes" : "details", changes, 0);
    if (ok) rte_tel_data_add_dict_u64(d, "restart_needed", restart);
}

} // namespace vp::ctl
