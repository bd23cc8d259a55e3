// Length16Reader and frame_length16: the OpenVPN-TCP packet framing.
#include "control/ovpn/stream_framing.hpp"

namespace vp::ovpn {

std::optional<ByteSpan> Length16Reader::next() {
    // Compact once the consumed prefix dominates, so the buffer stays one packet long.
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(pos_));
        pos_ = 0;
    }
    size_t have = buf_.size() - pos_;
    if (have < 2) return std::nullopt;
    size_t len = size_t{buf_[pos_]} << 8 | buf_[pos_ + 1];
    if (have < 2 + len) return std::nullopt;
    ByteSpan packet(buf_.data() + pos_ + 2, len);
    pos_ += 2 + len;
    return packet;
}

bool frame_length16(ByteSpan packet, Bytes& out) {
    if (packet.size() > 0xffff) return false;
    out.push_back(static_cast<uint8_t>(packet.size() >> 8));
    out.push_back(static_cast<uint8_t>(packet.size()));
    out.insert(out.end(), packet.begin(), packet.end());
    return true;
}

} // namespace vp::ovpn
