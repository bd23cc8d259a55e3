// `/vpnplane/metrics` on the telemetry socket (what `vpnctl metrics` reads): the Prometheus
// exposition in pages. Telemetry strings hold at most 127 bytes and a reply 16 KiB, so the text
// is a snapshot kept here, cut into chunks of whole UTF-8 sequences, and read page by page.
#pragma once

#include <rte_telemetry.h>

namespace vp::ctl {

class Appliance;

// Parameters: none or "sessions" take a new snapshot (with per-session series) and answer its
// first page; "GENERATION,OFFSET" answers the page at OFFSET of that snapshot (an error once a
// newer snapshot replaced it). The reply: "generation", "size", the chunks under "0", "1", ...
// and "next" (the following page's OFFSET) while text remains. Call with the appliance locked.
int metrics_page(Appliance& a, const char* params, rte_tel_data* d);

} // namespace vp::ctl
