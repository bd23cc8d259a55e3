// The closed set of stream consumers and the dispatch over it. A consumer is a struct of static
// callbacks (on_opened, on_readable, on_peer_closed, on_writable, on_closed) with a `kind`;
// dispatch is a compile-time chain of comparisons, so a callback costs a branch and a direct
// (usually inlined) call - no virtual call, no std::function.
//
// To add a consumer (OpenVPN-TCP, SSTP): write consumers/<name>.hpp, add its ConsumerKind in
// stream_types.hpp, and list it below.
#pragma once

#include "dataplane/tcp/consumers/discard.hpp"
#include "dataplane/tcp/consumers/echo.hpp"
#include "dataplane/tcp/consumers/punt.hpp"

namespace vp::tcp {

template <class... C>
struct ConsumerSet {
    static_assert(sizeof...(C) == static_cast<size_t>(ConsumerKind::Count),
                  "every ConsumerKind needs its consumer in the list");
    // Calls f.template operator()<Consumer>() for the consumer of kind k.
    template <class F>
    static void visit(ConsumerKind k, F&& f) {
        (void)((C::kind == k ? (f.template operator()<C>(), true) : false) || ...);
    }
};

using Consumers = ConsumerSet<DiscardConsumer, EchoConsumer, PuntConsumer>;

} // namespace vp::tcp
