// Capability drop after start-up, on every thread. Each thread reduces its own sets in a signal
// handler (the kernel only lets a thread change its own capabilities), the way libcap's psx
// does it; the handler makes raw system calls only, which are async-signal-safe.
#include "control/privileges.hpp"

#include <dirent.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace vp::ctl {

namespace {

struct NamedCapability {
    int number;
    const char* name;
};

// What the drivers may still need once the ports are up: NET_ADMIN for link changes (MTU,
// promiscuous mode) on af_packet/af_xdp interfaces, NET_RAW for the raw sockets, IPC_LOCK and
// SYS_RAWIO for hugepage and vfio DMA mappings made when DPDK's heap grows.
constexpr std::array<NamedCapability, 4> kept_always = {{{CAP_NET_ADMIN, "CAP_NET_ADMIN"},
                                                         {CAP_NET_RAW, "CAP_NET_RAW"},
                                                         {CAP_IPC_LOCK, "CAP_IPC_LOCK"},
                                                         {CAP_SYS_RAWIO, "CAP_SYS_RAWIO"}}};

// Prepared before any signal is sent; the handler only reads them.
uint64_t g_keep = 0;
int g_last_cap = 63;
std::atomic<int> g_reduced{0};
std::atomic<int> g_failed{0};

// Reduces the calling thread's capabilities to g_keep; 0 on success, an errno value otherwise.
int reduce_this_thread() {
    // The bounding set first: dropping from it needs CAP_SETPCAP, which capset removes next.
    // Without CAP_SETPCAP (a unit that already bounds it away) the bounding set stays as given.
    for (int c = 0; c <= g_last_cap; ++c)
        if (!(g_keep & (uint64_t{1} << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 &&
            errno != EINVAL && errno != EPERM)
            return errno;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return errno;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    for (int i = 0; i < 2; ++i) {
        auto word = static_cast<uint32_t>(g_keep >> (32 * i));
        data[i].effective = word;
        data[i].permitted = word;
        data[i].inheritable = 0;
    }
    if (syscall(SYS_capset, &header, data) != 0) return errno;
    // No exec is expected; should one happen, it gains nothing from file capabilities or setuid.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    return 0;
}

void on_reduce_signal(int) {
    int saved = errno;
    if (reduce_this_thread() == 0)
        g_reduced.fetch_add(1);
    else
        g_failed.fetch_add(1);
    errno = saved;
}

std::vector<pid_t> thread_ids() {
    std::vector<pid_t> ids;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
        closedir(d);
    }
    return ids;
}

// The capability masks of a thread as /proc shows them: CapPrm, CapEff, CapBnd.
struct ThreadCaps {
    uint64_t permitted = ~uint64_t{0}, effective = ~uint64_t{0}, bounding = ~uint64_t{0};
};

ThreadCaps read_thread_caps(pid_t tid) {
    ThreadCaps caps;
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        auto value = [&line] { return std::strtoull(line.c_str() + 7, nullptr, 16); };
        if (line.rfind("CapPrm:", 0) == 0) caps.permitted = value();
        if (line.rfind("CapEff:", 0) == 0) caps.effective = value();
        if (line.rfind("CapBnd:", 0) == 0) caps.bounding = value();
    }
    return caps;
}

bool reduced(const ThreadCaps& c, bool bounding_too) {
    return (c.permitted & ~g_keep) == 0 && (c.effective & ~g_keep) == 0 &&
           (!bounding_too || (c.bounding & ~g_keep) == 0);
}

} // namespace

KeptCapabilities capabilities_to_keep(bool hugepages_with_physical_addresses) {
    KeptCapabilities k;
    for (const auto& c : kept_always) {
        k.mask |= uint64_t{1} << c.number;
        k.names += k.names.empty() ? c.name : std::string(",") + c.name;
    }
    if (hugepages_with_physical_addresses) {
        k.mask |= uint64_t{1} << CAP_SYS_ADMIN;
        k.names += ",CAP_SYS_ADMIN";
    }
    return k;
}

Result<int> drop_capabilities(const KeptCapabilities& keep) {
    g_keep = keep.mask;
    if (std::ifstream f("/proc/sys/kernel/cap_last_cap"); f) f >> g_last_cap;
    // Whether this process may narrow its bounding set: if not, only the other sets are checked.
    bool can_bound = prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) == 1 &&
                     (read_thread_caps(static_cast<pid_t>(syscall(SYS_gettid))).effective &
                      (uint64_t{1} << CAP_SETPCAP)) != 0;

    const int sig = SIGRTMIN + 4;
    struct sigaction action = {};
    action.sa_handler = on_reduce_signal;
    action.sa_flags = SA_RESTART; // the other threads' blocking calls resume after the handler
    sigemptyset(&action.sa_mask);
    if (sigaction(sig, &action, nullptr) != 0)
        return make_error("sigaction: " + std::string(std::strerror(errno)));

    const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
    const pid_t pid = getpid();
    int done = 0;
    std::string failure;
    // A thread started while the signals go out inherits its creator's sets: it is found on
    // the next round, so repeat until every thread shows the reduced sets.
    for (int round = 0; round < 3; ++round) {
        int sent = 0;
        g_reduced = 0;
        g_failed = 0;
        for (pid_t tid : thread_ids())
            if (tid != self && !reduced(read_thread_caps(tid), can_bound) &&
                syscall(SYS_tgkill, pid, tid, sig) == 0)
                ++sent;
        for (int waited = 0; g_reduced + g_failed < sent && waited < 2000; ++waited) {
            timespec ts{0, 1000000};
            nanosleep(&ts, nullptr);
        }
        done += g_reduced;
        if (g_failed > 0) failure = std::to_string(g_failed.load()) + " thread(s) refused the drop";
        if (sent == 0) break;
    }
    // Not the previous action: a signal still pending for a thread that had it blocked would
    // then end the process (the default for real-time signals). Ignoring discards it.
    action.sa_handler = SIG_IGN;
    sigaction(sig, &action, nullptr);
    if (int err = reduce_this_thread(); err != 0)
        return make_error("capset on the main thread: " + std::string(std::strerror(err)));
    ++done;

    for (pid_t tid : thread_ids())
        if (!reduced(read_thread_caps(tid), can_bound))
            return make_error("thread " + std::to_string(tid) + " still holds capabilities" +
                              (failure.empty() ? " (it blocks the signal?)" : ": " + failure));
    return done;
}

} // namespace vp::ctl
