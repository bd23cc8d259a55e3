// The value syntaxes of RouterOS firewall matchers, as operators write them in the `firewall`
// section: protocols ("tcp", "6"), port lists ("80,443,8000-8100"), TCP flags ("syn,!ack"),
// ICMP options ("8:0", "3"), addresses ("10.0.0.0/24", "10.0.0.1-10.0.0.9"). Each parser takes
// the text and returns the value or a sentence saying what is wrong (fuzzed: fuzz_firewall_values).
#pragma once

#include "base/result.hpp"
#include "dataplane/firewall/rules.hpp"

#include <string_view>
#include <vector>

namespace vp::config::fw {

Result<uint8_t> parse_protocol(std::string_view text);
Result<std::vector<dp::fw::Range16>> parse_ports(std::string_view text);
struct TcpFlags {
    uint8_t set = 0;
    uint8_t mask = 0;
};
Result<TcpFlags> parse_tcp_flags(std::string_view text);
struct IcmpOptions {
    int16_t type = -1;
    int16_t code = -1;
};
Result<IcmpOptions> parse_icmp_options(std::string_view text);
Result<dp::fw::Range32> parse_address(std::string_view text);
// RouterOS's reject-with names; the value is the ICMP destination-unreachable code.
Result<uint8_t> parse_reject_with(std::string_view text);
// An address list's entries as sorted, disjoint ranges with adjacent ones joined.
std::vector<dp::fw::Range32> merge_ranges(std::vector<dp::fw::Range32> ranges);
// The addresses not in `ranges` (merged): what `!list` matches.
std::vector<dp::fw::Range32> complement_ranges(const std::vector<dp::fw::Range32>& ranges);
// "established,related": conntrack StateBits.
Result<uint8_t> parse_connection_state(std::string_view text);

} // namespace vp::config::fw
