// GoogleTest main for the TCP tests: initialises DPDK's EAL without hugepages, PCI or shared
// files. (tests/common/eal_main.cpp passes --no-huge with --in-memory, which DPDK 22.11 refuses
// as "--legacy-mem is not compatible with --in-memory"; --no-shconf with a per-process file
// prefix gives the same isolation.)
#include <gtest/gtest.h>
#include <rte_eal.h>

#include <string>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    std::vector<std::string> eal_args = {argv[0],
                                         "--no-huge",
                                         "-m",
                                         "1024",
                                         "--no-pci",
                                         "--no-shconf",
                                         "--file-prefix=tcpt" + std::to_string(getpid()),
                                         "--no-telemetry",
                                         "--log-level",
                                         "lib.*:warning",
                                         "-l",
                                         "0"};
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
