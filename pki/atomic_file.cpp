// Temp-file + fsync + link/rename writes (see atomic_file.hpp).
#include "pki/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vp::pki {

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

void sync_directory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

} // namespace

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                         WriteMode write_mode) {
    if (write_mode == WriteMode::CreateNew && path_exists(path))
        return make_error(path + " already exists; remove it first or choose another name");
    const std::string dir = directory_of(path);
    std::string tmp = dir + "/." + base_of(path) + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data()); // created 0600, so a key is never readable in between
    if (fd < 0) return make_error("cannot write in " + dir + ": " + errno_text());
    auto fail = [&](const std::string& what) {
        std::string message = what + " " + path + ": " + errno_text();
        ::close(fd);
        ::unlink(tmp.c_str());
        return make_error(message);
    };
    if (::fchmod(fd, mode) != 0) return fail("cannot set the mode of");
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail("cannot write");
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) return fail("cannot sync");
    if (::close(fd) != 0) {
        std::string message = "cannot write " + path + ": " + errno_text();
        ::unlink(tmp.c_str());
        return make_error(message);
    }
    if (write_mode == WriteMode::CreateNew) {
        int r = ::link(tmp.c_str(), path.c_str());
        int err = errno;
        ::unlink(tmp.c_str());
        if (r != 0) {
            if (err == EEXIST)
                return make_error(path + " already exists; remove it first or choose another name");
            return make_error("cannot create " + path + ": " + std::strerror(err));
        }
    } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string message = "cannot replace " + path + ": " + errno_text();
        ::unlink(tmp.c_str());
        return make_error(message);
    }
    sync_directory(dir);
    return {};
}

Result<std::string> read_whole_file(const std::string& path, size_t max_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error("cannot read " + path + ": " + errno_text());
    std::string out;
    char buf[8192];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            std::string message = "cannot read " + path + ": " + errno_text();
            ::close(fd);
            return make_error(message);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max_bytes) {
            ::close(fd);
            return make_error(path + " is too large (over " + std::to_string(max_bytes) +
                              " bytes)");
        }
    }
    ::close(fd);
    return out;
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

Status ensure_directory(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0) {
        ::chmod(path.c_str(), mode); // mkdir's mode is narrowed by umask
        return {};
    }
    if (errno != EEXIST) return make_error("cannot create directory " + path + ": " + errno_text());
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(path + " exists but is not a directory");
    return {};
}

Status remove_file(const std::string& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return make_error("cannot remove " + path + ": " + errno_text());
    return {};
}

} // namespace vp::pki
