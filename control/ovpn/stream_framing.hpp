// OpenVPN over TCP framing (untrusted bytes): each packet on the stream is preceded by its length
// as a 16-bit big-endian number. Length16Reader takes the stream's bytes in whatever pieces they
// arrive and yields whole packets; frame_length16() writes one packet with its prefix.
#pragma once

#include "base/bytes.hpp"

#include <cstdint>
#include <optional>

namespace vp::ovpn {

class Length16Reader {
public:
    // Appends bytes of the stream (never more than one partial packet is kept).
    void feed(ByteSpan bytes) { buf_.insert(buf_.end(), bytes.begin(), bytes.end()); }
    // The next whole packet (valid until the next feed() or next()), or nothing yet. A zero
    // length prefix yields an empty packet, which the caller ignores like OpenVPN does.
    std::optional<ByteSpan> next();
    size_t buffered() const { return buf_.size() - pos_; }

private:
    Bytes buf_;
    size_t pos_ = 0;
};

// Appends [len BE16][packet] to `out`; false (nothing appended) for packets over 65535 bytes.
bool frame_length16(ByteSpan packet, Bytes& out);

} // namespace vp::ovpn
