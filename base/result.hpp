// Result<T>: an error-as-value type for control-path code (C++20 has no std::expected).
// Errors carry a message an operator can act on; hot-path code never uses this.
#pragma once

#include "base/expected.hpp"

#include <cassert>
#include <string>
#include <utility>

namespace vp {

struct Error {
    std::string message;
};

inline Error make_error(std::string message) {
    return Error{std::move(message)};
}

template <class T>
class [[nodiscard]] Result : public Expected<T, Error> {
public:
    Result(T value) : Expected<T, Error>(std::move(value)) {}
    Result(Error error) : Expected<T, Error>(Unexpected<Error>{std::move(error)}) {}

    const std::string& message() const { return this->error().message; }
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        assert(!ok_);
        return error_;
    }
    const std::string& message() const { return error().message; }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

} // namespace vp
