// SackScoreboard. See sack_scoreboard.hpp.
#include "dataplane/tcp/sack_scoreboard.hpp"

#include "dataplane/tcp/seq.hpp"

namespace vp::tcp {

uint8_t SackScoreboard::update(const SackBlock* blocks, uint8_t n, uint32_t snd_una,
                               uint32_t snd_max) {
    uint8_t applied = 0;
    for (uint8_t b = 0; b < n; ++b) {
        uint32_t l = blocks[b].left;
        uint32_t r = blocks[b].right;
        if (!seq_lt(l, r) || !seq_lt(snd_una, r) || seq_gt(r, snd_max) || r - l > snd_max - snd_una)
            continue; // empty, stale (or D-SACK) or beyond what we sent
        if (seq_lt(l, snd_una)) l = snd_una;
        ++applied;
        // Merge [l, r) into the sorted list.
        SackBlock merged[kMaxRanges + 1];
        uint8_t m = 0;
        bool placed = false;
        for (uint8_t i = 0; i < n_; ++i) {
            if (seq_lt(r_[i].right, l)) {
                merged[m++] = r_[i];
            } else if (seq_lt(r, r_[i].left)) {
                if (!placed) merged[m++] = {l, r};
                placed = true;
                merged[m++] = r_[i];
            } else { // overlapping or adjacent: widen the new block
                l = seq_min(l, r_[i].left);
                r = seq_max(r, r_[i].right);
            }
        }
        if (!placed) merged[m++] = {l, r};
        if (m > kMaxRanges) m = kMaxRanges; // forget the highest
        for (uint8_t i = 0; i < m; ++i)
            r_[i] = merged[i];
        n_ = m;
    }
    return applied;
}

void SackScoreboard::advance(uint32_t snd_una) {
    uint8_t k = 0;
    for (uint8_t i = 0; i < n_; ++i) {
        if (seq_leq(r_[i].right, snd_una)) continue;
        r_[k] = r_[i];
        if (seq_lt(r_[k].left, snd_una)) r_[k].left = snd_una;
        ++k;
    }
    n_ = k;
}

uint32_t SackScoreboard::sacked_bytes() const {
    uint32_t s = 0;
    for (uint8_t i = 0; i < n_; ++i)
        s += r_[i].right - r_[i].left;
    return s;
}

uint32_t SackScoreboard::high(uint32_t snd_una) const {
    return n_ ? r_[n_ - 1].right : snd_una;
}

uint32_t SackScoreboard::unsacked_between(uint32_t a, uint32_t b) const {
    if (!seq_lt(a, b)) return 0;
    uint32_t total = b - a;
    for (uint8_t i = 0; i < n_; ++i) {
        uint32_t l = seq_max(a, r_[i].left);
        uint32_t r = seq_min(b, r_[i].right);
        if (seq_lt(l, r)) total -= r - l;
    }
    return total;
}

bool SackScoreboard::next_hole(uint32_t from, uint32_t& hole_start, uint32_t& hole_end) const {
    uint32_t at = from;
    for (uint8_t i = 0; i < n_; ++i) {
        if (seq_leq(r_[i].right, at)) continue;
        if (seq_lt(at, r_[i].left)) {
            hole_start = at;
            hole_end = r_[i].left;
            return true;
        }
        at = r_[i].right; // `at` is inside this block: skip past it
    }
    return false;
}

uint32_t SackScoreboard::sacked_above(uint32_t seq) const {
    uint32_t s = 0;
    for (uint8_t i = 0; i < n_; ++i) {
        uint32_t l = seq_max(seq, r_[i].left);
        if (seq_lt(l, r_[i].right)) s += r_[i].right - l;
    }
    return s;
}

} // namespace vp::tcp
