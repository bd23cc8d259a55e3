// Record counting for the TLS record hand-over (docs/sstp.md): a tracker of TLS record
// boundaries in one direction's ciphertext, so that the connection (server or client role) knows
// how many records OpenSSL opened or sealed after the handshake, which sets the sequence numbers
// the worker starts from.
#pragma once

#include "base/bytes.hpp"

#include <algorithm>
#include <cstdint>

namespace vp::sstp {

struct RecordCounter {
    uint8_t header[5] = {};
    uint32_t header_len = 0;
    uint32_t left = 0; // body bytes of the current record still to come
    // Calls f(type) for every record whose header completes in `bytes`.
    template <class F>
    void scan(ByteSpan bytes, F&& f) {
        size_t i = 0;
        while (i < bytes.size()) {
            if (left) {
                size_t n = std::min<size_t>(left, bytes.size() - i);
                left -= static_cast<uint32_t>(n);
                i += n;
                continue;
            }
            header[header_len++] = bytes[i++];
            if (header_len == 5) {
                header_len = 0;
                left = uint32_t{header[3]} << 8 | header[4];
                f(header[0]);
            }
        }
    }
};

} // namespace vp::sstp
