// IpPool: O(1) FIFO free list over index arrays; see ip_pool.hpp for why FIFO.
#include "control/aaa/ip_pool.hpp"

#include <algorithm>
#include <cassert>

namespace vp::aaa {

IpPool::IpPool(std::string name, std::vector<net::Ipv4Range> ranges)
    : name_(std::move(name)), ranges_(std::move(ranges)) {
    std::sort(ranges_.begin(), ranges_.end(),
              [](const net::Ipv4Range& a, const net::Ipv4Range& b) { return a.first < b.first; });
    for (auto& r : ranges_) {
        offsets_.push_back(static_cast<uint32_t>(size_));
        size_ += r.size();
    }
    assert(size_ <= kMaxAddresses);
    auto n = static_cast<uint32_t>(size_);
    next_.resize(n);
    prev_.resize(n);
    state_.assign(n, 0);
    for (uint32_t i = 0; i < n; ++i) {
        prev_[i] = i == 0 ? kNil : i - 1;
        next_[i] = i + 1 == n ? kNil : i + 1;
    }
    if (n > 0) {
        head_ = 0;
        tail_ = n - 1;
    }
    free_ = n;
}

std::optional<uint32_t> IpPool::index_of(net::Ipv4 address) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                               [](net::Ipv4 a, const net::Ipv4Range& r) { return a < r.first; });
    if (it == ranges_.begin()) return std::nullopt;
    --it;
    if (address > it->last) return std::nullopt;
    auto range = static_cast<size_t>(it - ranges_.begin());
    return offsets_[range] + (address - it->first);
}

net::Ipv4 IpPool::address_of(uint32_t index) const {
    auto it = std::upper_bound(offsets_.begin(), offsets_.end(), index);
    auto range = static_cast<size_t>(it - offsets_.begin()) - 1;
    return ranges_[range].first + (index - offsets_[range]);
}

void IpPool::unlink(uint32_t i) {
    if (prev_[i] == kNil)
        head_ = next_[i];
    else
        next_[prev_[i]] = next_[i];
    if (next_[i] == kNil)
        tail_ = prev_[i];
    else
        prev_[next_[i]] = prev_[i];
    prev_[i] = next_[i] = kNil;
    --free_;
}

void IpPool::push_back(uint32_t i) {
    prev_[i] = tail_;
    next_[i] = kNil;
    if (tail_ == kNil)
        head_ = i;
    else
        next_[tail_] = i;
    tail_ = i;
    ++free_;
}

std::optional<net::Ipv4> IpPool::allocate() {
    if (head_ == kNil) return std::nullopt;
    uint32_t i = head_;
    unlink(i);
    state_[i] = kLeased;
    ++leased_;
    return address_of(i);
}

bool IpPool::release(net::Ipv4 address) {
    auto i = index_of(address);
    if (!i || !(state_[*i] & kLeased)) return false;
    state_[*i] &= static_cast<uint8_t>(~kLeased);
    --leased_;
    if (state_[*i] == 0) push_back(*i);
    return true;
}

bool IpPool::take(net::Ipv4 address) {
    auto i = index_of(address);
    if (!i || (state_[*i] & kLeased)) return false;
    if (state_[*i] == 0) unlink(*i);
    state_[*i] |= kLeased;
    ++leased_;
    return true;
}

bool IpPool::reserve(net::Ipv4 address) {
    auto i = index_of(address);
    if (!i) return false;
    if (state_[*i] & kReserved) return true;
    if (state_[*i] == 0) unlink(*i);
    state_[*i] |= kReserved;
    ++reserved_;
    return true;
}

bool IpPool::is_leased(net::Ipv4 address) const {
    auto i = index_of(address);
    return i && (state_[*i] & kLeased);
}

bool IpPool::is_reserved(net::Ipv4 address) const {
    auto i = index_of(address);
    return i && (state_[*i] & kReserved);
}

} // namespace vp::aaa
