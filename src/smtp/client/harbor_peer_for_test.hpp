// Harbor's own SMTP server in-process on loopback, as a peer for the SMTP client's and the
// queue runner's tests: the real smtp::server::SmtpHandler over a real store, with STARTTLS or
// without, as an MX or a submission listener. Test-only.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "directory/directory.hpp"
#include "net/connection.hpp"
#include "net/self_signed.hpp"
#include "net/session.hpp"
#include "net/tls_context.hpp"
#include "smtp/client/smtp_sink_for_test.hpp"
#include "smtp/server/session.hpp"
#include "store/store.hpp"

namespace harbor::smtp::client::test {

using asio::ip::tcp;

inline constexpr std::string_view dave_password = "correct horse battery";

// Which kind of listener HarborPeer plays: MX (no AUTH) or submission (AUTH PLAIN, LOGIN and
// SCRAM-SHA-256 over TLS, or in plaintext too when trusted_plaintext).
struct PeerListener {
    Protocol protocol = Protocol::Smtp;
    bool trusted_plaintext = false;
    // The chain (leaf first) and key to show; empty: a self-signed certificate for "mx.test".
    std::filesystem::path certificate;
    std::filesystem::path key;
    // Empty: 127.0.0.1 on a free port.
    tcp::endpoint at;
    // The local domain, with the account dave@<domain>.
    std::string domain = "example.org";
};

inline constexpr std::uint64_t peer_max_message_size = 10 * 1024 * 1024;

// Harbor's SMTP server on loopback, one io thread, one local domain (example.org unless the
// PeerListener says otherwise) with the account dave. STARTTLS offered or not.
class HarborPeer {
public:
    explicit HarborPeer(TlsMode tls, std::uint64_t max_message_size = peer_max_message_size)
        : HarborPeer(tls, PeerListener{}, max_message_size)
    {
    }
    HarborPeer(TlsMode tls, PeerListener listener,
               std::uint64_t max_message_size = peer_max_message_size)
        : listener_(listener)
    {
        if (listener_.certificate.empty()) {
            cert_ = dir_.path() / "cert.pem";
            key_ = dir_.path() / "key.pem";
            Result<void> generated = net::generate_self_signed("mx.test", cert_, key_);
            EXPECT_TRUE(generated.has_value()) << generated.error().to_string();
        } else {
            cert_ = listener_.certificate;
            key_ = listener_.key;
        }
        auto tls_context = net::TlsContext::load(cert_, key_);
        EXPECT_TRUE(tls_context.has_value()) << tls_context.error().to_string();
        tls_ = tls_context ? *tls_context : nullptr;
        auto store = store::open_store(store::StoreOptions{dir_.path() / "store"});
        if (!store) {
            ADD_FAILURE() << store.error().to_string();
            std::abort();
        }
        store_ = std::move(*store);
        directory::Directory directory(*store_);
        EXPECT_TRUE(directory.add_domain(listener_.domain).has_value());
        EXPECT_TRUE(directory.add_user("dave@" + listener_.domain, dave_password).has_value());

        server::SmtpSettings settings;
        settings.hostname = "mx.test";
        settings.max_message_size = max_message_size;
        settings.sasl.mock_secret = "a stable secret for made-up SCRAM salts";
        handler_ = std::make_unique<server::SmtpHandler>(*store_, settings);
        tls_mode_ = tls;
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(listener_.at.port() != 0
                           ? listener_.at
                           : tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        acceptor_.listen();
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~HarborPeer()
    {
        io_.stop();
        thread_.join();
    }

    tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
    const std::filesystem::path& certificate() const { return cert_; }

    // The messages in dave's INBOX, as stored (our Received field first).
    std::vector<std::string> inbox()
    {
        std::vector<std::string> out;
        auto account = store_->find_account("dave", listener_.domain);
        if (!account) {
            return out;
        }
        auto mailboxes = store_->list_mailboxes(account->id);
        if (!mailboxes) {
            return out;
        }
        for (const store::Mailbox& mailbox : *mailboxes) {
            if (mailbox.name != "INBOX") {
                continue;
            }
            auto messages = store_->list_messages(mailbox.id);
            for (const store::MessageRecord& record :
                 messages ? *messages : std::vector<store::MessageRecord>{}) {
                auto blob = store_->read_blob(record.blob);
                if (blob) {
                    out.push_back(*blob);
                }
            }
        }
        return out;
    }

private:
    net::Awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(net::use_tuple);
            if (ec) {
                co_return;
            }
            asio::co_spawn(io_, session(std::move(socket)), asio::detached);
        }
    }
    net::Awaitable<void> session(tcp::socket socket)
    {
        net::Connection connection(std::move(socket), tls_);
        net::SessionContext context;
        context.cid = "test";
        context.listener = listener_.protocol == Protocol::Submission ? "submission" : "smtp";
        context.protocol = listener_.protocol;
        context.trusted_plaintext = listener_.trusted_plaintext;
        context.tls_mode = tls_mode_;
        context.hostname = "mx.test";
        context.peer = connection.peer_string();
        co_await handler_->run(connection, context);
    }

    PeerListener listener_;
    TempDir dir_;
    std::filesystem::path cert_;
    std::filesystem::path key_;
    std::shared_ptr<net::TlsContext> tls_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<server::SmtpHandler> handler_;
    TlsMode tls_mode_ = TlsMode::None;
    // Declared last, destroyed first: pending sessions go before the handler and store they use.
    asio::io_context io_;
    tcp::acceptor acceptor_{io_};
    std::thread thread_;
};

}  // namespace harbor::smtp::client::test
