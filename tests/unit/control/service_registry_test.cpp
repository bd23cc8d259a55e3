// ServiceRegistry: routing punt targets to the service that claimed the port or session kind,
// binding conflicts, and ownership order. The services here only record what reached them: the
// registry is what is under test, and it never looks inside a service.
#include "control/service_registry.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

using namespace vp;
using namespace vp::ctl;

namespace {

class RecordingService final : public Service {
public:
    RecordingService(std::string name, ServiceBindings bindings, std::vector<std::string>* log)
        : name_(std::move(name)), bindings_(std::move(bindings)), log_(log) {}
    ~RecordingService() override {
        if (log_) log_->push_back("destroyed " + name_);
    }
    std::string_view name() const override { return name_; }
    ServiceBindings bindings() const override { return bindings_; }
    void on_punt(const dp::PuntEntry& e, uint64_t now_ms) override {
        (void)now_ms;
        punts.push_back(e);
    }
    std::vector<dp::PuntEntry> punts;

private:
    std::string name_;
    ServiceBindings bindings_;
    std::vector<std::string>* log_;
};

PuntTarget udp(uint16_t port) {
    return {PuntTarget::Via::Udp, port, dp::SessionKind::Ovpn, true};
}
PuntTarget tcp(uint16_t port) {
    return {PuntTarget::Via::Tcp, port, dp::SessionKind::Ovpn, false};
}
PuntTarget session(dp::SessionKind kind) {
    return {PuntTarget::Via::Session, 0, kind, false};
}

} // namespace

TEST(ServiceRegistry, APortWithNoServiceFindsNothing) {
    ServiceRegistry r;
    r.add(std::make_unique<RecordingService>("ovpn", ServiceBindings{{1194}, {}, {}}, nullptr));
    ASSERT_TRUE(r.bind().ok());
    EXPECT_EQ(r.find(udp(1195)), nullptr);
    EXPECT_EQ(r.find(tcp(1194)), nullptr) << "a UDP claim says nothing about TCP";
    EXPECT_EQ(r.find(session(dp::SessionKind::Sstp)), nullptr);
    EXPECT_EQ(r.find(PuntTarget{}), nullptr) << "Via::None is never routed";
}

TEST(ServiceRegistry, NothingIsRoutedBeforeBind) {
    ServiceRegistry r;
    r.add(std::make_unique<RecordingService>("ovpn", ServiceBindings{{1194}, {}, {}}, nullptr));
    EXPECT_EQ(r.find(udp(1194)), nullptr);
    ASSERT_TRUE(r.bind().ok());
    EXPECT_NE(r.find(udp(1194)), nullptr);
}

TEST(ServiceRegistry, TwoServicesOnDifferentPortsEachGetTheirOwn) {
    ServiceRegistry r;
    auto& a =
        r.add(std::make_unique<RecordingService>("a", ServiceBindings{{1194}, {}, {}}, nullptr));
    auto& b =
        r.add(std::make_unique<RecordingService>("b", ServiceBindings{{1195}, {443}, {}}, nullptr));
    ASSERT_TRUE(r.bind().ok());
    EXPECT_EQ(r.find(udp(1194)), &a);
    EXPECT_EQ(r.find(udp(1195)), &b);
    EXPECT_EQ(r.find(tcp(443)), &b);
    EXPECT_EQ(r.udp(1194), &a);
    EXPECT_EQ(r.tcp(443), &b);
    ASSERT_EQ(r.services().size(), 2u);
    EXPECT_EQ(r.services()[0].get(), &a) << "registration order is kept";
}

TEST(ServiceRegistry, ASessionEventIsRoutedByTheSessionsKind) {
    ServiceRegistry r;
    auto& ovpn = r.add(std::make_unique<RecordingService>(
        "ovpn", ServiceBindings{{1194}, {}, {dp::SessionKind::Ovpn}}, nullptr));
    auto& sstp = r.add(std::make_unique<RecordingService>(
        "sstp", ServiceBindings{{}, {443}, {dp::SessionKind::Sstp}}, nullptr));
    ASSERT_TRUE(r.bind().ok());
    EXPECT_EQ(r.find(session(dp::SessionKind::Ovpn)), &ovpn);
    EXPECT_EQ(r.find(session(dp::SessionKind::Sstp)), &sstp);

    dp::PuntEntry e{nullptr, dp::PuntReason::SessionEvent, 0, 0, 0, 7, 1};
    r.find(session(dp::SessionKind::Sstp))->on_punt(e, 0);
    ASSERT_EQ(sstp.punts.size(), 1u);
    EXPECT_EQ(sstp.punts[0].aux, 7u);
    EXPECT_TRUE(ovpn.punts.empty());
}

TEST(ServiceRegistry, TwoServicesClaimingOnePortIsAnErrorAndKeepsTheOldRoutes) {
    ServiceRegistry r;
    auto& a =
        r.add(std::make_unique<RecordingService>("a", ServiceBindings{{1194}, {}, {}}, nullptr));
    ASSERT_TRUE(r.bind().ok());
    r.add(std::make_unique<RecordingService>("b", ServiceBindings{{53, 1194}, {}, {}}, nullptr));
    auto st = r.bind();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("UDP port 1194"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("a and b"), std::string::npos) << st.message();
    EXPECT_EQ(r.find(udp(1194)), &a);
    EXPECT_EQ(r.find(udp(53)), nullptr) << "a failed bind changes nothing";
}

TEST(ServiceRegistry, TheSameNumberOnUdpAndTcpBelongsToDifferentServices) {
    ServiceRegistry r;
    auto& a =
        r.add(std::make_unique<RecordingService>("a", ServiceBindings{{443}, {}, {}}, nullptr));
    auto& b =
        r.add(std::make_unique<RecordingService>("b", ServiceBindings{{}, {443}, {}}, nullptr));
    ASSERT_TRUE(r.bind().ok());
    EXPECT_EQ(r.find(udp(443)), &a);
    EXPECT_EQ(r.find(tcp(443)), &b);
}

TEST(ServiceRegistry, ServicesAreDestroyedLastRegisteredFirst) {
    std::vector<std::string> log;
    {
        ServiceRegistry r;
        r.add(std::make_unique<RecordingService>("first", ServiceBindings{}, &log));
        r.add(std::make_unique<RecordingService>("second", ServiceBindings{}, &log));
        ASSERT_TRUE(r.bind().ok());
    }
    EXPECT_EQ(log, (std::vector<std::string>{"destroyed second", "destroyed first"}));
}

TEST(ServiceRegistry, GetFindsAServiceByType) {
    ServiceRegistry r;
    EXPECT_EQ(r.get<RecordingService>(), nullptr);
    auto& a = r.add(std::make_unique<RecordingService>("a", ServiceBindings{}, nullptr));
    EXPECT_EQ(r.get<RecordingService>(), &a);
}
