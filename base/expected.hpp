// Expected<T, E>: a value or a typed error (C++20 has no std::expected). Parsers of untrusted
// bytes use it with an enum E, so a rejection allocates nothing and can be counted by reason;
// control-path code uses Result<T> (base/result.hpp), an Expected whose error is a
// message an operator can act on.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace vp {

template <class E>
struct Unexpected {
    E error;
};
template <class E>
Unexpected<E> unexpected(E e) {
    return {std::move(e)};
}

template <class T, class E>
class [[nodiscard]] Expected {
public:
    Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Expected(Unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, E> v_;
};

} // namespace vp
