// The daemon's parts that need no running server: the instance lock, the privilege plan and
// the control API's routing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "server/control_api.hpp"
#include "server/instance_lock.hpp"
#include "server/privileges.hpp"

namespace harbor::server {
namespace {

struct ScratchDir {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("harbor-daemon-test-" + std::to_string(std::random_device{}()));
    ScratchDir() { std::filesystem::create_directories(path); }
    ~ScratchDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

TEST(InstanceLock, ASecondHolderIsRefusedWithTheFirstOnesPid)
{
    ScratchDir dir;
    {
        auto first = InstanceLock::acquire(dir.path);
        ASSERT_TRUE(first) << first.error().detail;
        auto second = InstanceLock::acquire(dir.path);
        ASSERT_FALSE(second);
        EXPECT_EQ(second.error().code, Errc::Exists);
        EXPECT_NE(second.error().detail.find("(pid " + std::to_string(::getpid()) + ")"),
                  std::string::npos)
            << second.error().detail;
    }
    // Released with its holder.
    EXPECT_TRUE(InstanceLock::acquire(dir.path));
}

TEST(Privileges, RootNeedsAUserOrPermission)
{
    ServerConfig config;
    auto as_user = plan_privileges(config, 1000);
    ASSERT_TRUE(as_user);
    EXPECT_FALSE(as_user->has_value());  // not root: nothing to drop

    auto refused = plan_privileges(config, 0);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().detail.find("refusing to run as root"), std::string::npos);

    config.run_as_root = true;
    auto allowed = plan_privileges(config, 0);
    ASSERT_TRUE(allowed);
    EXPECT_FALSE(allowed->has_value());
}

TEST(Privileges, TheUserAndGroupAreLookedUp)
{
    ServerConfig config;
    config.user = "nobody";
    config.group = "nogroup";
    auto plan = plan_privileges(config, 0);
    ASSERT_TRUE(plan) << plan.error().detail;
    ASSERT_TRUE(plan->has_value());
    EXPECT_EQ((*plan)->user, "nobody");
    EXPECT_NE((*plan)->uid, 0u);

    config.user = "root";
    config.group.clear();
    auto root = plan_privileges(config, 0);
    ASSERT_FALSE(root);
    EXPECT_NE(root.error().detail.find("is root"), std::string::npos);

    config.user = "no-such-user-harbor-test";
    auto missing = plan_privileges(config, 0);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::NotFound);
}

TEST(ControlApi, RoutesAnswerTheirMethodsOnly)
{
    Config config;
    Server server(config, {});
    ControlTargets targets;
    targets.server = &server;
    targets.hostname = "mx.example.test";
    ControlHandler api = make_control_api(targets);

    ControlResponse status = api({"GET", "/v1/status", ""});
    EXPECT_EQ(status.status, 200u);
    auto body = nlohmann::json::parse(status.body);
    EXPECT_EQ(body["pid"], ::getpid());
    EXPECT_EQ(body["hostname"], "mx.example.test");

    ControlResponse ports = api({"GET", "/v1/ports", ""});
    EXPECT_EQ(ports.status, 200u);
    EXPECT_TRUE(nlohmann::json::parse(ports.body)["connections"].empty());

    EXPECT_EQ(api({"POST", "/v1/ports", ""}).status, 405u);
    EXPECT_EQ(api({"GET", "/v1/reload", ""}).status, 405u);
    EXPECT_EQ(api({"GET", "/v1/nothing", ""}).status, 404u);
    // No runner: the wake is refused, not silently dropped.
    EXPECT_EQ(api({"POST", "/v1/queue/wake", ""}).status, 409u);
    ControlResponse metrics = api({"GET", "/metrics", ""});
    EXPECT_EQ(metrics.status, 200u);
    EXPECT_EQ(metrics.content_type.rfind("text/plain", 0), 0u);
}

}  // namespace
}  // namespace harbor::server
