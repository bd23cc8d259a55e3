// EAL argument construction.
#include "control/eal_args.hpp"

#include "base/pci.hpp"

namespace vp::ctl {

std::vector<std::string> eal_arguments(const config::ApplianceConfig& c, const std::string& argv0) {
    std::vector<std::string> args = {argv0};
    std::string lcores;
    for (unsigned l : c.dpdk.lcores)
        lcores += (lcores.empty() ? "" : ",") + std::to_string(l);
    args.insert(args.end(), {"-l", lcores, "--main-lcore", std::to_string(c.dpdk.main_lcore)});
    args.insert(args.end(), {"--file-prefix", c.dpdk.file_prefix});
    if (c.dpdk.no_huge) args.push_back("--no-huge");
    if (c.dpdk.memory_mb) args.insert(args.end(), {"-m", std::to_string(c.dpdk.memory_mb)});
    args.push_back("--log-level=" + c.dpdk.log_level);
    bool any_pci = false;
    for (auto& i : c.interfaces)
        if (vp::is_pci_address(i.device)) {
            args.insert(args.end(), {"-a", i.device});
            any_pci = true;
        }
    if (!any_pci) args.push_back("--no-pci");
    args.insert(args.end(), c.dpdk.extra_args.begin(), c.dpdk.extra_args.end());
    return args;
}

} // namespace vp::ctl
