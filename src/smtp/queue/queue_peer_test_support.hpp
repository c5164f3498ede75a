// A base for queue runner tests whose MX is Harbor's own SMTP server (client::test::HarborPeer
// on 127.0.0.1 at one port, with a certificate from a private CA) and whose DNS is a private
// unbound the test starts: the store, the runner's settings, queueing one message and reading
// what became of it. Used by the DANE and MTA-STS tests. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <string>

#include "directory/directory.hpp"
#include "dns/unbound_server_for_test.hpp"
#include "smtp/client/dane_certs_for_test.hpp"
#include "smtp/client/harbor_peer_for_test.hpp"
#include "smtp/queue/queue_runner.hpp"
#include "store/store.hpp"

namespace harbor::smtp::queue::test {

class QueuePeerTest : public ::testing::Test {
protected:
    // A free port for every destination and certificates for `hosts`; call first in SetUp.
    void make_certs(const std::vector<std::string>& hosts)
    {
        port_ = client::test::free_port();
        ASSERT_NE(port_, 0);
        auto certs = client::test::make_dane_certs(certs_dir_.path(), hosts);
        ASSERT_TRUE(certs.has_value()) << certs.error().to_string();
        certs_ = *certs;
    }

    // The private unbound, then the store with the local domain of the sender.
    void start_dns_and_store(const std::string& server_config, const std::string& extra_config)
    {
        auto dns = dns::test::UnboundServer::start(dns_dir_.path(), server_config, extra_config);
        ASSERT_TRUE(dns.has_value()) << dns.error().to_string();
        dns_ = std::move(*dns);
        auto store = store::open_store(store::StoreOptions{dir_.path() / "store"});
        ASSERT_TRUE(store.has_value()) << store.error().detail;
        store_ = std::move(*store);
        directory_ = std::make_unique<directory::Directory>(*store_);
        ASSERT_TRUE(directory_->add_domain("local.test").has_value());
    }

    void TearDown() override
    {
        if (runner_) {
            runner_->stop();
        }
    }

    // The MX of `domain` (the account dave@domain) at 127.0.0.1 and the test's port.
    void start_peer(const std::string& domain)
    {
        client::test::PeerListener listener;
        listener.certificate = certs_.chain;
        listener.key = certs_.key;
        listener.at = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_);
        listener.domain = domain;
        peer_ = std::make_unique<client::test::HarborPeer>(TlsMode::StartTls, listener);
    }

    QueueSettings runner_settings() const
    {
        using namespace std::chrono_literals;
        QueueSettings s;
        s.hostname = "mx.local.test";
        s.port = port_;
        s.poll_interval = 200ms;
        s.client.connect_timeout = 2s;
        s.client.command_timeout = 5s;
        s.client.greeting_timeout = 5s;
        s.client.tls_handshake_timeout = 5s;
        s.client.data_end_timeout = 20s;  // the peer fsyncs before its reply
        return s;
    }

    dns::ResolverSettings resolver_settings() const
    {
        dns::ResolverSettings resolver;
        resolver.forwarders = {dns_->forwarder()};
        resolver.query_timeout = std::chrono::seconds(5);
        return resolver;
    }

    void start_runner(QueueSettings settings, dns::ResolverSettings resolver)
    {
        runner_ = std::make_unique<QueueRunner>(*store_, *directory_, std::move(resolver),
                                                std::move(settings));
        ASSERT_TRUE(runner_->start().has_value());
    }

    std::int64_t enqueue(const std::string& recipient)
    {
        store::DeliverRequest request;
        request.bytes = "From: <sender@local.test>\r\nSubject: outbound\r\n\r\nhello\r\n";
        request.internal_date = static_cast<std::int64_t>(std::time(nullptr));
        store::OutboundCopy outbound;
        outbound.envelope_from = "sender@local.test";
        outbound.params = "{}";
        outbound.recipients.push_back(store::QueuedRecipient{recipient, "{}"});
        request.outbound = std::move(outbound);
        auto delivered = store_->deliver(std::move(request));
        EXPECT_TRUE(delivered && delivered->queue_id.has_value());
        runner_->wake();
        return delivered && delivered->queue_id ? *delivered->queue_id : 0;
    }

    bool gone(std::int64_t id) { return !store_->find_queue_entry(id).has_value(); }

    // The recipient's last reply once the first attempt is recorded.
    std::string deferred_reply(std::int64_t id)
    {
        std::string reply;
        EXPECT_TRUE(client::test::eventually([&] {
            auto entry = store_->find_queue_entry(id);
            if (entry && entry->attempts >= 1) {
                reply = entry->recipients.at(0).last_reply;
                return true;
            }
            return false;
        }));
        return reply;
    }

    client::test::TempDir dir_;
    client::test::TempDir certs_dir_;
    dns::test::TempDir dns_dir_;
    client::test::DaneCerts certs_;
    std::uint16_t port_ = 0;
    std::unique_ptr<dns::test::UnboundServer> dns_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<directory::Directory> directory_;
    std::unique_ptr<client::test::HarborPeer> peer_;
    std::unique_ptr<QueueRunner> runner_;
};

}  // namespace harbor::smtp::queue::test
