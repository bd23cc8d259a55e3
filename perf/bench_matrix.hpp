// The matrix both halves of bench_dataplane run over — the raw/engine crypto benchmarks
// (perf/crypto/) and the whole-worker benchmarks (perf/worker/) — so that their ratios compare
// the same cipher suites and packet-size sequences.
#pragma once

#include "crypto/cipher.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace vp::perf {

struct Suite {
    crypto::Cipher cipher;
    crypto::Digest digest;
};

inline constexpr Suite kSuites[] = {
    {crypto::Cipher::Aes128Gcm, crypto::Digest::None},
    {crypto::Cipher::Aes256Gcm, crypto::Digest::None},
    {crypto::Cipher::ChaCha20Poly1305, crypto::Digest::None},
    {crypto::Cipher::Aes128Cbc, crypto::Digest::Sha1},
    {crypto::Cipher::Aes128Cbc, crypto::Digest::Sha256},
    {crypto::Cipher::Aes256Cbc, crypto::Digest::Sha1},
    {crypto::Cipher::Aes256Cbc, crypto::Digest::Sha256},
};

inline constexpr uint32_t kImix = 0; // the size argument that means IMIX
inline constexpr uint32_t kSizes[] = {64, 128, 256, 512, 1024, 1400, kImix};

// The payload size of the i-th packet for a size argument: IMIX cycles 7 x 64, 4 x 576, 1 x 1400.
inline uint32_t packet_size(uint32_t size_arg, size_t i) {
    if (size_arg != kImix) return size_arg;
    size_t k = i % 12;
    return k < 7 ? 64 : k < 11 ? 576 : 1400;
}

// "AES-256-GCM", "AES-128-CBC-HMAC-SHA1": the benchmark-name component for a suite.
inline std::string suite_name(const Suite& s) {
    std::string n(crypto::openvpn_name(s.cipher));
    if (s.digest != crypto::Digest::None)
        n += "-HMAC-" + std::string(crypto::openvpn_name(s.digest));
    return n;
}

// "64", "1400", "imix": the benchmark-name component for a size argument.
inline std::string size_name(uint32_t size_arg) {
    return size_arg == kImix ? "imix" : std::to_string(size_arg);
}

} // namespace vp::perf
