// A test whose prerequisite is missing (a tool, worker lcores) skips on a developer's machine but
// fails under CI=true: there every prerequisite is installed, and a skip would let the test pass
// without checking anything.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace vp::test {

inline bool under_ci() {
    const char* v = std::getenv("CI");
    return v && std::string_view(v) == "true";
}

} // namespace vp::test

// Use as a statement in a TEST body: VP_SKIP_UNLESS_CI("openvpn is not installed");
#define VP_SKIP_UNLESS_CI(why)                                                                     \
    do {                                                                                           \
        if (::vp::test::under_ci())                                                                \
            GTEST_FAIL() << why << " (CI=true: a missing prerequisite fails)";                     \
        GTEST_SKIP() << why;                                                                       \
    } while (0)
