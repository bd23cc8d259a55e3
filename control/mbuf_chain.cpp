// copy_to_chain: see mbuf_chain.hpp.
#include "control/mbuf_chain.hpp"

#include <rte_mbuf.h>

#include <algorithm>

namespace vp::ctl {

rte_mbuf* copy_to_chain(rte_mempool* pool, ByteSpan bytes, size_t max_bytes, size_t& taken) {
    rte_mbuf* head = nullptr;
    taken = 0;
    size_t want = std::min(bytes.size(), max_bytes);
    while (taken < want) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool);
        if (!m) break;
        size_t room = std::min<size_t>(rte_pktmbuf_tailroom(m), want - taken);
        auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(room)));
        std::copy_n(bytes.data() + taken, room, p);
        if (!head) {
            head = m;
        } else if (rte_pktmbuf_chain(head, m) != 0) {
            rte_pktmbuf_free(m);
            break;
        }
        taken += room;
    }
    return head;
}

} // namespace vp::ctl
