// Sliding-window replay check over (time, id).
#include "control/ovpn/replay.hpp"

namespace vp::ovpn {

bool ReplayWindow::check(PacketId pid) const {
    if (pid.id == 0) return false;
    if (!started_ || pid.time > time_) return true;
    if (pid.time < time_) return false;
    if (pid.id > highest_) return true;
    uint32_t age = highest_ - pid.id;
    if (age >= window_) return false;
    return (seen_ >> age & 1) == 0;
}

void ReplayWindow::accept(PacketId pid) {
    if (!started_ || pid.time > time_) {
        started_ = true;
        time_ = pid.time;
        highest_ = pid.id;
        seen_ = 1;
        return;
    }
    if (pid.id > highest_) {
        uint32_t shift = pid.id - highest_;
        seen_ = shift >= 64 ? 0 : seen_ << shift;
        seen_ |= 1;
        highest_ = pid.id;
        return;
    }
    seen_ |= uint64_t{1} << (highest_ - pid.id);
}

} // namespace vp::ovpn
