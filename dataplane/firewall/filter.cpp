// Compiles filter rules into rte_acl contexts (one per chain) and extracts the classified tuple
// from packets. Port lists, connection states and address lists expand into one ACL rule per
// combination, all carrying the same rule index; the first rule in configuration order wins, which
// rte_acl expresses as the highest priority. Rules that do not decide (add-to-address-list) each
// get a category of their own, so that they are found beside the deciding rule.
#include "dataplane/firewall/filter.hpp"

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace vp::dp::fw {

namespace {

// Sub-word BITMASK fields sharing an input word misclassify when rules mix wildcards and exact
// values (seen with DPDK 22.11), so the one-byte matchers are packed into whole 32-bit BITMASK
// words: each rule sets the value and mask of the bytes it looks at.
enum Field : uint8_t {
    f_proto,
    f_meta, // tcp_flags, in_if, out_if, icmp_type
    f_src,
    f_dst,
    f_src_port,
    f_dst_port,
    f_lists, // in_lists, out_lists
    f_code,  // icmp_code
    field_count
};

RTE_ACL_RULE_DEF(AclRule, field_count);

rte_acl_config acl_config(unsigned categories) {
    rte_acl_config c{};
    c.num_categories = categories;
    c.num_fields = field_count;
    auto def = [&](Field f, uint8_t type, uint8_t size, uint8_t input, size_t offset) {
        c.defs[f] = {type, size, f, input, static_cast<uint32_t>(offset)};
    };
    def(f_proto, RTE_ACL_FIELD_TYPE_BITMASK, 1, 0, offsetof(Tuple, proto));
    def(f_meta, RTE_ACL_FIELD_TYPE_BITMASK, 4, 1, offsetof(Tuple, tcp_flags));
    def(f_src, RTE_ACL_FIELD_TYPE_RANGE, 4, 2, offsetof(Tuple, src));
    def(f_dst, RTE_ACL_FIELD_TYPE_RANGE, 4, 3, offsetof(Tuple, dst));
    def(f_src_port, RTE_ACL_FIELD_TYPE_RANGE, 2, 4, offsetof(Tuple, src_port));
    def(f_dst_port, RTE_ACL_FIELD_TYPE_RANGE, 2, 4, offsetof(Tuple, dst_port));
    def(f_lists, RTE_ACL_FIELD_TYPE_BITMASK, 4, 5, offsetof(Tuple, in_lists));
    def(f_code, RTE_ACL_FIELD_TYPE_BITMASK, 4, 6, offsetof(Tuple, icmp_code));
    return c;
}

// Adds one byte (`shift`: its bit position in the big-endian word) to a BITMASK word.
void byte_match(uint32_t& value, uint32_t& mask, unsigned shift, int v, uint8_t m = 0xff) {
    if (v < 0) return;
    value |= static_cast<uint32_t>(v & m) << shift;
    mask |= static_cast<uint32_t>(m) << shift;
}

// The ACL rules of one filter rule: the cartesian product of its port ranges.
std::vector<AclRule> expand(const FilterRule& rule, uint32_t index, uint32_t priority,
                            unsigned category) {
    AclRule base{};
    base.data.category_mask = 1u << category;
    base.data.priority = static_cast<int32_t>(priority);
    base.data.userdata = index + 1;
    base.field[f_proto].value.u8 = rule.protocol < 0 ? 0 : static_cast<uint8_t>(rule.protocol);
    base.field[f_proto].mask_range.u8 = rule.protocol < 0 ? 0 : 0xff;
    uint32_t value = 0, mask = 0;
    byte_match(value, mask, 24, rule.tcp_flags, rule.tcp_flags_mask);
    byte_match(value, mask, 16, rule.in_interface == any_interface ? -1 : rule.in_interface);
    byte_match(value, mask, 8, rule.out_interface == any_interface ? -1 : rule.out_interface);
    byte_match(value, mask, 0, rule.icmp_type);
    base.field[f_meta].value.u32 = value;
    base.field[f_meta].mask_range.u32 = mask;
    base.field[f_src].value.u32 = rule.src_address.lo;
    base.field[f_src].mask_range.u32 = rule.src_address.hi;
    base.field[f_dst].value.u32 = rule.dst_address.lo;
    base.field[f_dst].mask_range.u32 = rule.dst_address.hi;
    base.field[f_lists].value.u32 = static_cast<uint32_t>(rule.in_lists) << 16 | rule.out_lists;
    base.field[f_lists].mask_range.u32 = base.field[f_lists].value.u32;
    value = mask = 0;
    byte_match(value, mask, 24, rule.icmp_code);
    base.field[f_code].value.u32 = value;
    base.field[f_code].mask_range.u32 = mask;
    // connection_state: one ACL rule per state (the packet carries exactly one state bit).
    std::vector<int> states;
    for (unsigned b = 0; b < 8; ++b)
        if (rule.conn_state & (1u << b)) states.push_back(1 << b);
    if (states.empty()) states.push_back(-1);
    std::vector<Range16> any{Range16{}};
    const auto& sports = rule.src_ports.empty() ? any : rule.src_ports;
    const auto& dports = rule.dst_ports.empty() ? any : rule.dst_ports;
    // Address lists: one ACL entry per list range (within src/dst_address), so a list costs
    // the fast path nothing beyond the size of the ACL tries.
    auto srcs = intersect(rule.src_list, rule.src_address);
    auto dsts = intersect(rule.dst_list, rule.dst_address);
    std::vector<AclRule> out;
    for (int st : states)
        for (auto& s : sports)
            for (auto& d : dports)
                for (auto& sa : srcs)
                    for (auto& da : dsts) {
                        AclRule r = base;
                        r.field[f_src].value.u32 = sa.lo;
                        r.field[f_src].mask_range.u32 = sa.hi;
                        r.field[f_dst].value.u32 = da.lo;
                        r.field[f_dst].mask_range.u32 = da.hi;
                        if (st >= 0) {
                            r.field[f_code].value.u32 |= static_cast<uint32_t>(st) << 16;
                            r.field[f_code].mask_range.u32 |= 0xffu << 16;
                        }
                        r.field[f_src_port].value.u16 = s.lo;
                        r.field[f_src_port].mask_range.u16 = s.hi;
                        r.field[f_dst_port].value.u16 = d.lo;
                        r.field[f_dst_port].mask_range.u16 = d.hi;
                        out.push_back(r);
                    }
    return out;
}

} // namespace

void fill_tuple(const rte_ipv4_hdr* ip, uint8_t in_if, uint16_t in_lists, uint8_t out_if,
                uint16_t out_lists, Tuple& t) {
    t = Tuple{};
    t.proto = ip->next_proto_id;
    t.in_if = in_if;
    t.out_if = out_if;
    t.src = ip->src_addr;
    t.dst = ip->dst_addr;
    t.in_lists = rte_cpu_to_be_16(in_lists);
    t.out_lists = rte_cpu_to_be_16(out_lists);
    if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) return;
    size_t header_len = rte_ipv4_hdr_len(ip);
    size_t total = rte_be_to_cpu_16(ip->total_length);
    size_t l4_len = total > header_len ? total - header_len : 0;
    const uint8_t* l4 = reinterpret_cast<const uint8_t*>(ip) + header_len;
    switch (t.proto) {
    case IPPROTO_TCP:
        if (l4_len >= sizeof(rte_tcp_hdr)) {
            auto* tcp = reinterpret_cast<const rte_tcp_hdr*>(l4);
            t.src_port = tcp->src_port;
            t.dst_port = tcp->dst_port;
            t.tcp_flags = tcp->tcp_flags;
        }
        break;
    case IPPROTO_UDP:
        if (l4_len >= sizeof(rte_udp_hdr)) {
            auto* udp = reinterpret_cast<const rte_udp_hdr*>(l4);
            t.src_port = udp->src_port;
            t.dst_port = udp->dst_port;
        }
        break;
    case IPPROTO_ICMP:
        if (l4_len >= 2) {
            t.icmp_type = l4[0];
            t.icmp_code = l4[1];
        }
        break;
    default:
        break;
    }
}

Result<std::unique_ptr<FilterSet>>
FilterSet::build(std::vector<FilterRule> rules, const std::array<uint16_t, max_ports>& port_lists,
                 unsigned workers, int socket) {
    static std::atomic<uint32_t> generation{0};
    std::unique_ptr<FilterSet> set(new FilterSet());
    set->rules_ = std::move(rules);
    set->port_lists_ = port_lists;
    set->workers_ = workers;
    constexpr size_t per_line = 64 / sizeof(Slot);
    set->stride_ = (set->rules_.size() + per_line - 1) / per_line * per_line;
    set->counters_ = std::shared_ptr<Slot[]>(new Slot[set->stride_ * workers + 1]());
    if (set->rules_.size() >= RTE_ACL_MAX_PRIORITY) return make_error("firewall: too many rules");
    uint32_t gen = generation.fetch_add(1);
    set->generation_ = gen;
    for (unsigned c = 0; c < chain_count; ++c) {
        std::vector<AclRule> acl;
        unsigned adders = 0; // add-to-address-list rules: categories 1, 2, ...
        for (uint32_t i = 0; i < set->rules_.size(); ++i) {
            auto& r = set->rules_[i];
            if (r.disabled || static_cast<unsigned>(r.chain) != c) continue;
            if (acl.size() + acl_entries(r) > max_acl_rules)
                return make_error("firewall: the rules expand to more than " +
                                  std::to_string(max_acl_rules) +
                                  " ACL entries (port lists, states and address lists multiply)");
            unsigned category = decides(r.action) ? 0 : ++adders;
            if (category >= max_categories)
                return make_error("firewall: more than " + std::to_string(max_categories - 1) +
                                  " add-to-address-list rules in one chain");
            auto more = expand(r, i, RTE_ACL_MAX_PRIORITY - i, category);
            acl.insert(acl.end(), more.begin(), more.end());
        }
        set->categories_[c] = adders == 0
                                  ? 1
                                  : (adders + 1 + RTE_ACL_RESULTS_MULTIPLIER - 1) /
                                        RTE_ACL_RESULTS_MULTIPLIER * RTE_ACL_RESULTS_MULTIPLIER;
        if (acl.empty()) continue; // an empty chain is not classified at all
        std::string name = "fw" + std::to_string(gen) + "_" + std::to_string(c);
        rte_acl_param param{};
        param.name = name.c_str();
        param.socket_id = socket;
        param.rule_size = RTE_ACL_RULE_SZ(field_count);
        param.max_rule_num = static_cast<uint32_t>(acl.size());
        rte_acl_ctx* ctx = rte_acl_create(&param);
        if (!ctx) return make_error("firewall: rte_acl_create failed for " + name);
        set->ctx_[c] = ctx;
        if (int rc = rte_acl_add_rules(ctx, reinterpret_cast<const rte_acl_rule*>(acl.data()),
                                       static_cast<uint32_t>(acl.size()));
            rc != 0)
            return make_error("firewall: rte_acl_add_rules failed (" + std::to_string(rc) + ")");
        rte_acl_config cfg = acl_config(set->categories_[c]);
        if (int rc = rte_acl_build(ctx, &cfg); rc != 0)
            return make_error("firewall: rte_acl_build failed (" + std::to_string(rc) + ")");
    }
    return set;
}

FilterSet::~FilterSet() {
    for (auto* c : ctx_)
        if (c) rte_acl_free(c);
}

void FilterSet::classify(Chain c, const Tuple** tuples, uint32_t* results, uint32_t n) const {
    rte_acl_classify(ctx_[static_cast<unsigned>(c)], reinterpret_cast<const uint8_t**>(tuples),
                     results, n, categories_[static_cast<unsigned>(c)]);
}

void FilterSet::set_nat(std::vector<NatRule> rules, bool tracking) {
    nat_ = std::move(rules);
    tracking_ = tracking;
    constexpr size_t per_line = 64 / sizeof(Slot);
    nat_stride_ = (nat_.size() + per_line - 1) / per_line * per_line;
    nat_counters_ = std::shared_ptr<Slot[]>(new Slot[nat_stride_ * workers_ + 1]());
}

bool FilterSet::share_counters(const FilterSet& previous) {
    if (previous.rules_.size() != rules_.size() || previous.nat_.size() != nat_.size() ||
        previous.workers_ != workers_)
        return false;
    counters_ = previous.counters_;
    nat_counters_ = previous.nat_counters_;
    return true;
}

RuleCounters FilterSet::nat_total(uint32_t rule) const {
    RuleCounters t;
    if (rule >= nat_.size()) return t;
    for (unsigned w = 0; w < workers_; ++w) {
        const Slot& s = nat_counters_[w * nat_stride_ + rule];
        t.packets += s.packets.get();
        t.bytes += s.bytes.get();
    }
    return t;
}

RuleCounters FilterSet::total(uint32_t rule) const {
    RuleCounters t;
    for (unsigned w = 0; w < workers_; ++w) {
        const Slot& s = counters_[w * stride_ + rule];
        t.packets += s.packets.get();
        t.bytes += s.bytes.get();
    }
    return t;
}

} // namespace vp::dp::fw
