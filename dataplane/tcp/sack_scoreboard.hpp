// The sender's SACK scoreboard (RFC 2018, used as in RFC 6675): which bytes above SND.UNA the
// peer has reported holding. Ranges are kept sorted and merged; when more arrive than fit, the
// highest are forgotten, which can only cause a needless retransmission, never a lost byte,
// because data leaves the send buffer only when cumulatively acknowledged.
#pragma once

#include "dataplane/tcp/segment.hpp"

#include <cstdint>

namespace vp::tcp {

class SackScoreboard {
public:
    static constexpr uint8_t kMaxRanges = 8;

    // Applies the blocks of one ACK. Blocks that do not lie within (snd_una, snd_max] are
    // ignored. Returns the number of blocks applied.
    uint8_t update(const SackBlock* blocks, uint8_t n, uint32_t snd_una, uint32_t snd_max);
    // Forgets everything at or below the new SND.UNA.
    void advance(uint32_t snd_una);
    void clear() { n_ = 0; }

    bool empty() const { return n_ == 0; }
    uint32_t sacked_bytes() const;
    // One past the highest SACKed byte, or snd_una when nothing is SACKed.
    uint32_t high(uint32_t snd_una) const;
    // Bytes of [a, b) that are not SACKed.
    uint32_t unsacked_between(uint32_t a, uint32_t b) const;
    // The first byte at or after `from` that is not SACKed and lies below high(); the hole's
    // end (the next SACKed byte) in `hole_end`. False when there is none.
    bool next_hole(uint32_t from, uint32_t& hole_start, uint32_t& hole_end) const;
    // Number of SACKed bytes above `seq`.
    uint32_t sacked_above(uint32_t seq) const;

private:
    SackBlock r_[kMaxRanges];
    uint8_t n_ = 0;
};

} // namespace vp::tcp
