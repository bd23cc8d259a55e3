// Small helpers shared by the crypto benchmarks (crypto_bench.cpp, tls_record_bench.cpp):
// thread CPU time for manual timing (time the shared machine gives to other processes does not
// count) and a fatal setup error.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace vp::perf {

inline double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class F>
double timed(F&& f) {
    const double t0 = thread_cpu_seconds();
    f();
    return thread_cpu_seconds() - t0;
}

[[noreturn]] inline void bench_die(const char* who, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", who, what.c_str());
    std::exit(1);
}

} // namespace vp::perf
