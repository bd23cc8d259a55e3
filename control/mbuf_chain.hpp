// Copying control-plane bytes into an mbuf chain for a punted TCP stream (the inject ring's
// TcpSend): shared by the services that write onto streams (OpenVPN over TCP, SSTP).
#pragma once

#include "base/bytes.hpp"

#include <cstddef>

struct rte_mbuf;
struct rte_mempool;

namespace vp::ctl {

// Up to max_bytes of `bytes` as an mbuf chain from `pool`; `taken` says how many went in
// (fewer when the pool runs dry). nullptr when none did.
rte_mbuf* copy_to_chain(rte_mempool* pool, ByteSpan bytes, size_t max_bytes, size_t& taken);

} // namespace vp::ctl
