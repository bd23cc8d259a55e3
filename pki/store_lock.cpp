// flock()-based store lock (see store_lock.hpp).
#include "pki/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vp::pki {

Result<StoreLock> StoreLock::acquire(const std::string& store_dir) {
    std::string path = store_dir + "/.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error("cannot open " + path + ": " + std::strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        std::string message = "cannot lock " + path + ": " + std::strerror(errno);
        ::close(fd);
        return make_error(message);
    }
    return StoreLock(fd);
}

StoreLock::~StoreLock() {
    if (fd_ >= 0) ::close(fd_); // closing releases the flock
}

} // namespace vp::pki
