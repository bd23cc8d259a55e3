// Crash-safe file writes for the certificate store and exports: data goes to a temporary file
// in the target's directory, is fsync'ed, and then either linked into place (never replacing an
// existing file: link() fails atomically on EEXIST) or renamed over the old file. A reader sees
// the old file or the new one, never half of either.
#pragma once

#include "base/result.hpp"

#include <sys/types.h>

#include <string>
#include <string_view>

namespace vp::pki {

enum class WriteMode {
    CreateNew, // fail with "... already exists" when the path exists
    Replace,   // atomically replace an existing file
};

// `mode` is applied exactly (umask does not narrow or widen it): 0600 for private keys.
Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                         WriteMode write_mode);

// The whole file; files larger than max_bytes are refused (store files are small).
Result<std::string> read_whole_file(const std::string& path, size_t max_bytes = 16u << 20);

bool path_exists(const std::string& path);
// Creates the directory (not its parents) with `mode` if missing.
Status ensure_directory(const std::string& path, mode_t mode);
// Removes a file; a missing file is not an error.
Status remove_file(const std::string& path);

} // namespace vp::pki
