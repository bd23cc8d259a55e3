// GoogleTest main for tests that need DPDK: initialises the EAL once per process, without
// hugepages, PCI or shared files, so that tests need no system set-up. Extra EAL arguments can be
// given after `--eal` on the command line (e.g. `--eal --vdev net_null0`).
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include <string>
#include <vector>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    std::vector<std::string> eal_args = {
        argv[0],       "--no-huge",      "-m",          "512",          "--no-pci",
        "--in-memory", "--no-telemetry", "--log-level", "lib.*:warning"};
    bool lcores_given = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--eal") {
            for (int j = i + 1; j < argc; ++j) {
                eal_args.emplace_back(argv[j]);
                if (std::string(argv[j]) == "-l") lcores_given = true;
            }
            break;
        }
    }
    if (!lcores_given) {
        eal_args.emplace_back("-l");
        eal_args.emplace_back("0");
    }
    std::vector<char*> eal_argv;
    for (auto& a : eal_args)
        eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        fprintf(stderr, "rte_eal_init failed\n");
        return 1;
    }
    int rc = RUN_ALL_TESTS();
    rte_eal_cleanup();
    return rc;
}
