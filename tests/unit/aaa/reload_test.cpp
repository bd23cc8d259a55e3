// LocalAaa::reload(): live grants keep their addresses, new authentications use the new
// configuration, addresses of removed pools are still released correctly, and no new pool ever
// hands out an address a live session holds.
#include "aaa_test_util.hpp"

namespace vp::aaa {
namespace {

using namespace vp::aaa::testing;

const char* kBefore = R"(
ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.5"; });
ppp_profiles = ({ name = "default"; local_address = "10.10.10.1"; remote_address = "vpn";
                  only_one = "yes"; dns_server = "1.1.1.1"; });
ppp_secrets = ({ name = "alice"; password = "a"; }, { name = "bob"; password = "b"; });
)";

TEST(LocalAaaReload, LiveGrantsKeepTheirAddressesAndNewOnesUseTheNewConfig) {
    LocalAaa aaa(config(kBefore));
    auto alice = grant_of(aaa.authenticate(request("alice", "a")));
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->remote_address, ip("10.10.10.2"));
    // Same pool name and ranges, new DNS, bob's password changed, carol added.
    auto summary = aaa.reload(config(R"(
      ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.5"; });
      ppp_profiles = ({ name = "default"; local_address = "10.10.10.1"; remote_address = "vpn";
                        only_one = "yes"; dns_server = "9.9.9.9"; });
      ppp_secrets = ({ name = "alice"; password = "a"; }, { name = "bob"; password = "b2"; },
                     { name = "carol"; password = "c"; });)"));
    EXPECT_EQ(summary.grants_kept, 1u);
    EXPECT_EQ(summary.leases_moved, 1u);
    EXPECT_EQ(summary.leases_retired, 0u);
    EXPECT_TRUE(summary.orphaned_grants.empty());
    EXPECT_EQ(usage_of(aaa, "vpn").used, 1u); // alice's lease is accounted in the new pool
    EXPECT_EQ(reason_of(aaa.authenticate(request("bob", "b"))), RejectReason::WrongPassword);
    auto bob = grant_of(aaa.authenticate(request("bob", "b2")));
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->remote_address, ip("10.10.10.3")); // not alice's
    EXPECT_EQ(bob->dns_servers, std::vector{ip("9.9.9.9")});
    EXPECT_EQ(alice->dns_servers, std::vector{ip("1.1.1.1")}); // a grant is never rewritten
    // only-one still counts alice's session from before the reload.
    EXPECT_EQ(reason_of(aaa.authenticate(request("alice", "a"))), RejectReason::AlreadyConnected);
    aaa.release(*alice);
    EXPECT_EQ(usage_of(aaa, "vpn").used, 1u);
    EXPECT_TRUE(grant_of(aaa.authenticate(request("alice", "a"))));
}

TEST(LocalAaaReload, AddressesOfRemovedPoolsAreReleasedToTheRetiredPool) {
    LocalAaa aaa(config(kBefore));
    auto alice = grant_of(aaa.authenticate(request("alice", "a")));
    ASSERT_TRUE(alice);
    auto summary = aaa.reload(config(R"(
      ip_pools = ({ name = "new"; ranges = "10.20.0.2-10.20.0.9"; });
      ppp_profiles = ({ name = "default"; remote_address = "new"; });
      ppp_secrets = ({ name = "alice"; password = "a"; }, { name = "bob"; password = "b"; });)"));
    EXPECT_EQ(summary.leases_retired, 1u);
    auto pools = aaa.pool_usage();
    ASSERT_EQ(pools.size(), 2u);
    EXPECT_EQ(pools[0].name, "new");
    EXPECT_FALSE(pools[0].retired);
    EXPECT_EQ(pools[1].name, "vpn");
    EXPECT_TRUE(pools[1].retired);
    EXPECT_EQ(pools[1].used, 1u);
    auto bob = grant_of(aaa.authenticate(request("bob", "b")));
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->remote_address, ip("10.20.0.2"));
    ::testing::internal::CaptureStderr();
    aaa.release(*alice);
    auto log_text = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(log_text.find("error"), std::string::npos) << log_text;
    // The retired pool goes away with its last lease.
    pools = aaa.pool_usage();
    ASSERT_EQ(pools.size(), 1u);
    EXPECT_EQ(pools[0].name, "new");
    EXPECT_EQ(pools[0].used, 1u);
}

TEST(LocalAaaReload, ANewPoolCoveringALiveAddressNeverHandsItOut) {
    LocalAaa aaa(config(kBefore));
    auto alice = grant_of(aaa.authenticate(request("alice", "a"))); // 10.10.10.2
    ASSERT_TRUE(alice);
    // The old pool is renamed and grown: alice's address now belongs to "big".
    aaa.reload(config(R"(
      ip_pools = ({ name = "big"; ranges = "10.10.10.2-10.10.10.3"; });
      ppp_profiles = ({ name = "default"; remote_address = "big"; });
      ppp_secrets = ({ name = "alice"; password = "a"; }, { name = "bob"; password = "b"; });)"));
    EXPECT_EQ(usage_of(aaa, "big").used, 1u);
    EXPECT_EQ(aaa.pool_usage().size(), 1u); // nothing retired: the lease moved
    auto bob = grant_of(aaa.authenticate(request("bob", "b")));
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->remote_address, ip("10.10.10.3"));
    EXPECT_EQ(reason_of(aaa.authenticate(request("bob", "b"))), RejectReason::NoAddress);
    aaa.release(*alice); // returns 10.10.10.2 to "big"
    auto again = grant_of(aaa.authenticate(request("bob", "b")));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->remote_address, ip("10.10.10.2"));
}

TEST(LocalAaaReload, RemovedOrDisabledSecretsAreReportedNotDisconnected) {
    LocalAaa aaa(config(kBefore));
    auto alice = grant_of(aaa.authenticate(request("alice", "a")));
    auto bob = grant_of(aaa.authenticate(request("bob", "b")));
    ASSERT_TRUE(alice && bob);
    auto summary = aaa.reload(config(R"(
      ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.5"; });
      ppp_profiles = ({ name = "default"; remote_address = "vpn"; });
      ppp_secrets = ({ name = "bob"; password = "b"; disabled = true; });)"));
    EXPECT_EQ(summary.grants_kept, 2u);
    EXPECT_EQ(summary.orphaned_grants, (std::vector<uint64_t>{alice->id, bob->id}));
    EXPECT_EQ(aaa.active_count(), 2u);
    EXPECT_EQ(reason_of(aaa.authenticate(request("alice", "a"))), RejectReason::UnknownUser);
    aaa.release(*alice);
    aaa.release(*bob);
    EXPECT_EQ(aaa.active_count(), 0u);
    EXPECT_EQ(usage_of(aaa, "vpn").used, 0u);
    EXPECT_EQ(usage_of(aaa, "vpn").available, 4u);
}

TEST(LocalAaaReload, ALiveDynamicAddressThatBecomesStaticIsHandedOverOnRelease) {
    LocalAaa aaa(config(kBefore));
    auto alice = grant_of(aaa.authenticate(request("alice", "a"))); // 10.10.10.2, dynamic
    ASSERT_TRUE(alice);
    aaa.reload(config(R"(
      ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.5"; });
      ppp_profiles = ({ name = "default"; remote_address = "vpn"; });
      ppp_secrets = ({ name = "alice"; password = "a"; },
                     { name = "bob"; password = "b"; remote_address = "10.10.10.2"; });)"));
    auto busy = aaa.authenticate(request("bob", "b"));
    ASSERT_EQ(reason_of(busy), RejectReason::NoAddress);
    EXPECT_EQ(std::get<Reject>(busy).detail, "remote address 10.10.10.2 is in use");
    aaa.release(*alice);
    auto u = usage_of(aaa, "vpn");
    EXPECT_EQ(u.used, 0u);
    EXPECT_EQ(u.reserved, 1u); // back in the pool, but kept for bob
    EXPECT_EQ(u.available, 3u);
    auto bob = grant_of(aaa.authenticate(request("bob", "b")));
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->remote_address, ip("10.10.10.2"));
    auto alice2 = grant_of(aaa.authenticate(request("alice", "a")));
    ASSERT_TRUE(alice2);
    EXPECT_EQ(alice2->remote_address, ip("10.10.10.3"));
}

TEST(LocalAaaReload, ASharedLocalAddressOfLiveSessionsStaysOutOfNewPools) {
    LocalAaa aaa(config(kBefore)); // local-address 10.10.10.1, outside the old pool
    auto alice = grant_of(aaa.authenticate(request("alice", "a")));
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->local_address, ip("10.10.10.1"));
    // The new pool covers .1 and no longer names it as a local address.
    aaa.reload(config(R"(
      ip_pools = ({ name = "vpn"; ranges = "10.10.10.1-10.10.10.2"; });
      ppp_profiles = ({ name = "default"; remote_address = "vpn"; });
      ppp_secrets = ({ name = "alice"; password = "a"; }, { name = "bob"; password = "b"; });)"));
    EXPECT_EQ(usage_of(aaa, "vpn").reserved, 1u);
    EXPECT_EQ(usage_of(aaa, "vpn").used, 1u); // alice's .2
    EXPECT_EQ(reason_of(aaa.authenticate(request("bob", "b"))), RejectReason::NoAddress);
}

TEST(LocalAaaReload, SeveralReloadsWithLiveGrantsLeakNothing) {
    LocalAaa aaa(config(kBefore));
    std::vector<Grant> live;
    const char* configs[] = {
        R"(ip_pools = ({ name = "a"; ranges = "10.1.0.1-10.1.0.9"; });
           ppp_profiles = ({ name = "default"; remote_address = "a"; });
           ppp_secrets = ({ name = "u"; password = "x"; });)",
        R"(ip_pools = ({ name = "b"; ranges = "10.1.0.5-10.1.0.20"; });
           ppp_profiles = ({ name = "default"; remote_address = "b"; });
           ppp_secrets = ({ name = "u"; password = "x"; });)",
        R"(ip_pools = ({ name = "c"; ranges = "10.2.0.1-10.2.0.9"; });
           ppp_profiles = ({ name = "default"; remote_address = "c"; });
           ppp_secrets = ({ name = "u"; password = "x"; });)",
        R"(ip_pools = ({ name = "a"; ranges = "10.1.0.1-10.1.0.9"; });
           ppp_profiles = ({ name = "default"; remote_address = "a"; });
           ppp_secrets = ({ name = "u"; password = "x"; });)",
    };
    std::set<net::Ipv4> held;
    for (auto* text : configs) {
        aaa.reload(config(text));
        for (int i = 0; i < 4; ++i) {
            auto g = grant_of(aaa.authenticate(request("u", "x")));
            ASSERT_TRUE(g);
            ASSERT_TRUE(held.insert(g->remote_address).second)
                << net::to_string(g->remote_address) << " granted twice";
            live.push_back(*g);
        }
        // Release every other grant, old and new, between reloads.
        for (size_t i = 0; i < live.size(); i += 2) {
            held.erase(live[i].remote_address);
            aaa.release(live[i]);
        }
        std::erase_if(live, [&](const Grant& g) { return !held.count(g.remote_address); });
    }
    for (auto& g : live)
        aaa.release(g);
    auto pools = aaa.pool_usage();
    ASSERT_EQ(pools.size(), 1u); // every retired pool went away
    EXPECT_EQ(pools[0].name, "a");
    EXPECT_EQ(pools[0].used, 0u);
    EXPECT_EQ(pools[0].available, 9u);
    EXPECT_EQ(aaa.active_count(), 0u);
}

// The rate-limit is the one setting live grants follow: the summary carries each kept grant's
// limit under the new configuration (the secret's, else its profile's), none when unlimited.
TEST(LocalAaaReload, SummaryCarriesEachLiveGrantsNewRateLimit) {
    LocalAaa aaa(config(R"(
      ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.5"; });
      ppp_profiles = ({ name = "default"; local_address = "10.10.10.1"; remote_address = "vpn";
                        rate_limit = "1M/1M"; });
      ppp_secrets = ({ name = "alice"; password = "a"; }, { name = "bob"; password = "b"; });)"));
    auto alice = grant_of(aaa.authenticate(request("alice", "a")));
    auto bob = grant_of(aaa.authenticate(request("bob", "b")));
    ASSERT_TRUE(alice && bob);
    auto summary = aaa.reload(config(R"(
      ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.5"; });
      ppp_profiles = ({ name = "default"; local_address = "10.10.10.1"; remote_address = "vpn";
                        rate_limit = "3M/2M"; });
      ppp_secrets = ({ name = "alice"; password = "a"; rate_limit = "5M"; },
                     { name = "bob"; password = "b"; });)"));
    ASSERT_EQ(summary.rate_limits.size(), 2u);
    for (auto& l : summary.rate_limits) {
        ASSERT_TRUE(l.rate_limit);
        if (l.grant == alice->id) {
            EXPECT_EQ(l.remote_address, alice->remote_address);
            EXPECT_EQ(l.rate_limit->rx_bps, 5000000u); // the secret's wins
            EXPECT_EQ(l.rate_limit->tx_bps, 5000000u);
        } else {
            EXPECT_EQ(l.grant, bob->id);
            EXPECT_EQ(l.rate_limit->rx_bps, 3000000u); // the profile's
            EXPECT_EQ(l.rate_limit->tx_bps, 2000000u);
        }
    }
    // No rate-limit anywhere: unlimited.
    summary = aaa.reload(config(R"(
      ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.5"; });
      ppp_profiles = ({ name = "default"; local_address = "10.10.10.1"; remote_address = "vpn"; });
      ppp_secrets = ({ name = "alice"; password = "a"; }, { name = "bob"; password = "b"; });)"));
    ASSERT_EQ(summary.rate_limits.size(), 2u);
    EXPECT_FALSE(summary.rate_limits[0].rate_limit);
    EXPECT_FALSE(summary.rate_limits[1].rate_limit);
    aaa.release(*alice);
    aaa.release(*bob);
}

} // namespace
} // namespace vp::aaa
