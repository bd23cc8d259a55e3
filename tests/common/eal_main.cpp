// GoogleTest main for tests that need DPDK: initialises the EAL once per process, without
// hugepages or PCI, so that tests need no system set-up. Each process gets its own file prefix
// (parallel test processes never share state) and its runtime directory is removed on exit.
// Extra EAL arguments can be given after `--eal` (e.g. `--eal --lcores 0@0,1@1,2@1`).
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    std::string prefix = "vptest" + std::to_string(getpid());
    std::vector<std::string> eal_args = {argv[0],       "--no-huge",     "-m",   "512",
                                         "--no-pci",    "--file-prefix", prefix, "--no-telemetry",
                                         "--log-level", "lib.*:warning"};
    bool lcores_given = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--eal") {
            for (int j = i + 1; j < argc; ++j) {
                eal_args.emplace_back(argv[j]);
                std::string a = argv[j];
                if (a == "-l" || a == "--lcores") lcores_given = true;
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
    std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    std::error_code ec;
    std::filesystem::remove_all(runtime_dir, ec);
    return rc;
}
