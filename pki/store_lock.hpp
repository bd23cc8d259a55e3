// An exclusive flock() on DIR/.lock for the duration of a store change, so that two vpnctl runs
// never interleave (serial index, CRL numbers, name checks). Readers take no lock: every file is
// replaced atomically.
#pragma once

#include "base/result.hpp"

#include <string>

namespace vp::pki {

class StoreLock {
public:
    static Result<StoreLock> acquire(const std::string& store_dir);
    StoreLock(StoreLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    StoreLock& operator=(StoreLock&&) = delete;
    StoreLock(const StoreLock&) = delete;
    ~StoreLock();

private:
    explicit StoreLock(int fd) : fd_(fd) {}
    int fd_;
};

} // namespace vp::pki
