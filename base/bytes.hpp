// Bounds-checked big-endian readers and writers over byte spans, for parsers of untrusted bytes.
// A ByteReader never reads past its span: every read reports failure instead, and the parser
// turns that into a typed error. The load_be/store_be functions are for fixed offsets into a
// header whose length the caller has already checked (packet headers, test builders).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vp {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

class ByteReader {
public:
    explicit ByteReader(ByteSpan data) : data_(data) {}

    size_t remaining() const { return data_.size() - pos_; }
    size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }
    ByteSpan rest() const { return data_.subspan(pos_); }

    bool u8(uint8_t& out) {
        if (remaining() < 1) return false;
        out = data_[pos_++];
        return true;
    }
    bool be16(uint16_t& out) {
        if (remaining() < 2) return false;
        out = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
        pos_ += 2;
        return true;
    }
    bool be32(uint32_t& out) {
        if (remaining() < 4) return false;
        out = static_cast<uint32_t>(data_[pos_]) << 24 |
              static_cast<uint32_t>(data_[pos_ + 1]) << 16 |
              static_cast<uint32_t>(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
        pos_ += 4;
        return true;
    }
    bool be64(uint64_t& out) {
        uint32_t hi, lo;
        if (remaining() < 8 || !be32(hi) || !be32(lo)) return false;
        out = static_cast<uint64_t>(hi) << 32 | lo;
        return true;
    }
    // A view of the next n bytes; the reader advances past them.
    bool bytes(size_t n, ByteSpan& out) {
        if (remaining() < n) return false;
        out = data_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    bool copy(void* out, size_t n) {
        if (remaining() < n) return false;
        std::memcpy(out, data_.data() + pos_, n);
        pos_ += n;
        return true;
    }
    bool skip(size_t n) {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }

private:
    ByteSpan data_;
    size_t pos_ = 0;
};

class ByteWriter {
public:
    explicit ByteWriter(Bytes& out) : out_(out) {}

    void u8(uint8_t v) { out_.push_back(v); }
    void be16(uint16_t v) {
        out_.push_back(static_cast<uint8_t>(v >> 8));
        out_.push_back(static_cast<uint8_t>(v));
    }
    void be32(uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out_.push_back(static_cast<uint8_t>(v >> shift));
    }
    void be64(uint64_t v) {
        be32(static_cast<uint32_t>(v >> 32));
        be32(static_cast<uint32_t>(v));
    }
    void bytes(ByteSpan data) { out_.insert(out_.end(), data.begin(), data.end()); }
    void bytes(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
    size_t size() const { return out_.size(); }

private:
    Bytes& out_;
};

// Network byte order at a raw pointer; the caller guarantees the bytes exist.
inline uint16_t load_be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline uint32_t load_be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint64_t load_be64(const uint8_t* p) {
    return uint64_t{load_be32(p)} << 32 | load_be32(p + 4);
}
inline void store_be16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
    store_be32(p, static_cast<uint32_t>(v >> 32));
    store_be32(p + 4, static_cast<uint32_t>(v));
}

inline ByteSpan as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string to_hex(ByteSpan data);

} // namespace vp
