// The queue runner's test fixture, shared by queue_runner_test.cpp and queue_routes_test.cpp:
// a private unbound with the test zones, Postfix's smtp-sink as the remote MTA, a store with a
// local sender, and the runner. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "directory/directory.hpp"
#include "dns/unbound_server_for_test.hpp"
#include "smtp/client/smtp_sink_for_test.hpp"
#include "smtp/queue/queue_runner.hpp"
#include "store/store.hpp"

namespace harbor::smtp::queue::runner_test {

using namespace std::chrono_literals;
using client::test::eventually;
using client::test::SinkDump;
using client::test::SmtpSink;

inline constexpr std::string_view zones = R"(
    local-zone: "remote.example." static
    local-data: "remote.example. 300 IN MX 10 mx.remote.example."
    local-data: "mx.remote.example. 300 IN A SINK_IP"
    local-zone: "backup.example." static
    local-data: "backup.example. 300 IN MX 10 mx1.backup.example."
    local-data: "backup.example. 300 IN MX 20 mx2.backup.example."
    local-data: "mx1.backup.example. 300 IN A DEAD_IP"
    local-data: "mx2.backup.example. 300 IN A SINK_IP"
    local-zone: "down.example." static
    local-data: "down.example. 300 IN MX 10 mx.down.example."
    local-data: "mx.down.example. 300 IN A DEAD_IP"
    local-zone: "nullmx.example." static
    local-data: "nullmx.example. 300 IN MX 0 ."
    local-zone: "servfail.example." refuse
    local-zone: "loop.example." static
    local-data: "loop.example. 300 IN MX 10 mx.local.test."
)";

inline const std::string sink_ip = client::test::process_loopback(2);
inline const std::string dead_ip = client::test::process_loopback(3);

// The zones with this process's addresses in place of SINK_IP and DEAD_IP.
inline std::string zones_here()
{
    std::string text(zones);
    for (const auto& [name, address] :
         {std::pair{std::string("SINK_IP"), sink_ip}, std::pair{std::string("DEAD_IP"), dead_ip}}) {
        for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name)) {
            text.replace(at, name.size(), address);
        }
    }
    return text;
}

inline const std::string message_text =
    "From: Sender <sender@local.test>\r\nTo: someone@remote.example\r\n"
    "Subject: outbound\r\nMessage-ID: <q1@local.test>\r\n\r\nHello over there.\r\n";

class QueueRunnerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto dns = dns::test::UnboundServer::start(dns_dir_.path(), zones_here());
        ASSERT_TRUE(dns.has_value()) << dns.error().detail;
        dns_ = std::move(*dns);
        auto store = store::open_store(store::StoreOptions{dir_.path() / "store"});
        ASSERT_TRUE(store.has_value()) << store.error().detail;
        store_ = std::move(*store);
        directory_ = std::make_unique<directory::Directory>(*store_);
        ASSERT_TRUE(directory_->add_domain("local.test").has_value());
        auto sender = directory_->add_user("sender@local.test", "correct horse battery");
        ASSERT_TRUE(sender.has_value());
        sender_ = *sender;
        port_ = client::test::free_port();
        ASSERT_NE(port_, 0);
    }

    void TearDown() override
    {
        if (runner_) {
            runner_->stop();
        }
    }

    // A sink on sink_ip at the port every destination is reached on.
    void start_sink(std::vector<std::string> options = {})
    {
        sink_.reset();
        auto sink = SmtpSink::start(sink_dir_.path(), std::move(options), sink_ip, port_);
        ASSERT_TRUE(sink.has_value()) << sink.error().detail;
        sink_ = std::move(*sink);
    }

    QueueSettings settings()
    {
        QueueSettings s;
        s.hostname = "mx.local.test";
        s.port = port_;
        s.poll_interval = 200ms;
        s.client.connect_timeout = 2s;
        s.client.command_timeout = 5s;
        s.client.greeting_timeout = 5s;
        return s;
    }

    void start_runner(QueueSettings s)
    {
        dns::ResolverSettings resolver;
        resolver.forwarders = {dns_->forwarder()};
        resolver.query_timeout = 2s;
        runner_ = std::make_unique<QueueRunner>(*store_, *directory_, resolver, std::move(s));
        ASSERT_TRUE(runner_->start().has_value());
    }

    std::int64_t enqueue(std::vector<std::string> recipients, std::string params = "{}",
                         std::string recipient_params = "{}", std::string prefix = "")
    {
        store::DeliverRequest request;
        request.bytes = message_text;
        request.internal_date = static_cast<std::int64_t>(std::time(nullptr));
        store::OutboundCopy outbound;
        outbound.envelope_from = "sender@local.test";
        outbound.params = std::move(params);
        for (std::string& address : recipients) {
            outbound.recipients.push_back(
                store::QueuedRecipient{std::move(address), recipient_params});
        }
        outbound.prefix = std::move(prefix);
        request.outbound = std::move(outbound);
        auto delivered = store_->deliver(std::move(request));
        EXPECT_TRUE(delivered.has_value());
        EXPECT_TRUE(delivered && delivered->queue_id.has_value());
        if (runner_) {
            runner_->wake();
        }
        return delivered && delivered->queue_id ? *delivered->queue_id : 0;
    }

    std::optional<store::QueuedMessage> entry(std::int64_t id)
    {
        auto found = store_->find_queue_entry(id);
        if (!found) {
            return std::nullopt;
        }
        return *found;
    }

    bool gone(std::int64_t id) { return !entry(id).has_value(); }

    // The messages in the sender's INBOX (the bounces), oldest first.
    std::vector<std::string> inbox()
    {
        std::vector<std::string> out;
        auto mailbox = store_->find_mailbox(sender_.id, "INBOX");
        if (!mailbox) {
            return out;
        }
        auto messages = store_->list_messages(mailbox->id);
        if (!messages) {
            return out;
        }
        for (const store::MessageRecord& record : *messages) {
            auto text = store_->read_message(record);
            if (text) {
                out.push_back(std::move(*text));
            }
        }
        return out;
    }

    client::test::TempDir dir_;
    client::test::TempDir sink_dir_;
    dns::test::TempDir dns_dir_;
    std::unique_ptr<dns::test::UnboundServer> dns_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<directory::Directory> directory_;
    store::Account sender_;
    std::uint16_t port_ = 0;
    std::unique_ptr<SmtpSink> sink_;
    std::unique_ptr<QueueRunner> runner_;
};

}  // namespace harbor::smtp::queue::runner_test
