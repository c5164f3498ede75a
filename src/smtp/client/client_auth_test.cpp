// The SMTP client's AUTH (RFC 4954) against a scripted server on loopback, for what Harbor's own
// server cannot show: LOGIN when PLAIN is not offered, mechanisms the client does not know, a
// challenge after the last response (cancelled with "*"), an initial response too long for the
// AUTH line (RFC 4954 §4), a 454, and credentials PLAIN cannot carry. The scripted server is
// plaintext, so these tests turn ClientCredentials::only_over_tls off.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <thread>

#include "core/base64.hpp"
#include "smtp/client/client_session.hpp"
#include "smtp/client/smtp_sink_for_test.hpp"

namespace harbor::smtp::client {
namespace {

using namespace std::chrono_literals;
using test::deliver_here;
using test::make_message;

// One connection on 127.0.0.1: "220" first, then `answer` gives the reply (with its CRLFs) to
// each line the client sends. After a 354 the message is read up to "." and answered 250. The
// lines are recorded (the message's lines are not).
class ScriptedPeer {
public:
    using Answer = std::function<std::string(const std::string& line)>;

    explicit ScriptedPeer(Answer answer) : answer_(std::move(answer))
    {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        EXPECT_EQ(::listen(listen_fd_, 1), 0);
        socklen_t length = sizeof address;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedPeer()
    {
        ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept() if the client never came
        thread_.join();
        ::close(listen_fd_);
    }

    boost::asio::ip::tcp::endpoint endpoint() const
    {
        return {boost::asio::ip::make_address("127.0.0.1"), port_};
    }
    std::vector<std::string> lines() const
    {
        std::lock_guard lock(mutex_);
        return lines_;
    }

private:
    void serve()
    {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        timeval timeout{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        send_all(fd, "220 scripted.test ESMTP\r\n");
        std::string buffer;
        bool in_data = false;
        for (;;) {
            const std::size_t end = buffer.find("\r\n");
            if (end == std::string::npos) {
                char chunk[4096];
                const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
                if (got <= 0) {
                    break;
                }
                buffer.append(chunk, static_cast<std::size_t>(got));
                continue;
            }
            const std::string line = buffer.substr(0, end);
            buffer.erase(0, end + 2);
            if (in_data) {
                if (line == ".") {
                    in_data = false;
                    send_all(fd, "250 2.0.0 queued\r\n");
                }
                continue;
            }
            {
                std::lock_guard lock(mutex_);
                lines_.push_back(line);
            }
            const std::string reply = answer_(line);
            send_all(fd, reply);
            in_data = reply.rfind("354", 0) == 0;
            if (reply.rfind("221", 0) == 0) {
                break;
            }
        }
        ::close(fd);
    }
    static void send_all(int fd, std::string_view bytes)
    {
        while (!bytes.empty()) {
            const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (sent <= 0) {
                return;
            }
            bytes.remove_prefix(static_cast<std::size_t>(sent));
        }
    }

    Answer answer_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
    std::thread thread_;
};

// A server that offers `auth` ("AUTH LOGIN", or empty for none) and answers AUTH and its
// continuation lines with `auth_replies` in turn; the rest of a transaction as usual.
ScriptedPeer::Answer server(std::string auth, std::vector<std::string> auth_replies)
{
    auto replies = std::make_shared<std::vector<std::string>>(std::move(auth_replies));
    auto in_auth = std::make_shared<bool>(false);
    return [auth, replies, in_auth](const std::string& line) -> std::string {
        if (line.rfind("EHLO ", 0) == 0) {
            return auth.empty() ? "250-scripted.test\r\n250 8BITMIME\r\n"
                                : "250-scripted.test\r\n250-" + auth + "\r\n250 8BITMIME\r\n";
        }
        if (line.rfind("AUTH", 0) == 0 || *in_auth) {
            *in_auth = true;
            if (replies->empty()) {
                return "503 5.5.1 no more\r\n";
            }
            std::string reply = replies->front();
            replies->erase(replies->begin());
            *in_auth = reply.rfind("334", 0) == 0;
            return reply;
        }
        if (line.rfind("MAIL", 0) == 0 || line.rfind("RCPT", 0) == 0) {
            return "250 2.0.0 ok\r\n";
        }
        if (line == "DATA") {
            return "354 go ahead\r\n";
        }
        if (line == "QUIT") {
            return "221 2.0.0 bye\r\n";
        }
        return "502 5.5.2 not here\r\n";
    };
}

ClientSettings plaintext_auth(std::string username, std::string password)
{
    ClientSettings settings = test::test_settings();
    settings.auth = ClientCredentials{std::move(username), std::move(password), false};
    return settings;
}

DeliveryReport deliver_one(const ScriptedPeer& peer, ClientSettings settings)
{
    return test::run(deliver_here(
        peer.endpoint(), std::move(settings),
        {make_message("relay@example.net", {"rcpt@example.com"}, "Subject: x\r\n\r\nbody\r\n")}));
}

const Verdict& first_verdict(const DeliveryReport& report)
{
    return report.messages.at(0).recipients.at(0).verdict;
}

TEST(SmtpClientAuth, LoginWhenPlainIsNotOffered)
{
    ScriptedPeer peer(server("AUTH CRAM-MD5 LOGIN", {"334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n",
                                                     "235 2.7.0 Authentication successful\r\n"}));
    DeliveryReport report = deliver_one(peer, plaintext_auth("relay", "s3cret"));
    EXPECT_EQ(first_verdict(report).outcome, Outcome::Delivered)
        << first_verdict(report).reply.text;
    EXPECT_EQ(report.record.auth_mechanism, "LOGIN");
    const std::vector<std::string> lines = peer.lines();
    ASSERT_GE(lines.size(), 5u);
    EXPECT_EQ(lines[1], "AUTH LOGIN");
    EXPECT_EQ(lines[2], encode_base64("relay"));
    EXPECT_EQ(lines[3], encode_base64("s3cret"));
    EXPECT_EQ(lines[4], "MAIL FROM:<relay@example.net>");
}

TEST(SmtpClientAuth, OnlyUnknownMechanismsIsATemporaryFailure)
{
    ScriptedPeer peer(server("AUTH CRAM-MD5 GSSAPI", {"235 2.7.0 ok\r\n"}));
    DeliveryReport report = deliver_one(peer, plaintext_auth("relay", "s3cret"));
    const Verdict& verdict = first_verdict(report);
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.code, 451);
    EXPECT_EQ(verdict.reply.enhanced, "4.7.4");
    EXPECT_NE(verdict.reply.text.find("PLAIN, LOGIN"), std::string::npos) << verdict.reply.text;
    for (const std::string& line : peer.lines()) {
        EXPECT_NE(line.rfind("AUTH", 0), 0u) << line;
        EXPECT_NE(line.rfind("MAIL", 0), 0u) << line;
    }
}

TEST(SmtpClientAuth, AChallengeAfterTheLastResponseIsCancelled)
{
    ScriptedPeer peer(server("AUTH PLAIN", {"334 bW9yZT8=\r\n", "501 5.0.0 cancelled\r\n"}));
    DeliveryReport report = deliver_one(peer, plaintext_auth("relay", "s3cret"));
    const Verdict& verdict = first_verdict(report);
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.code, 451);
    EXPECT_NE(verdict.reply.text.find("unexpected SASL challenge"), std::string::npos)
        << verdict.reply.text;
    const std::vector<std::string> lines = peer.lines();
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[1], "AUTH PLAIN " + encode_base64(std::string("\0relay\0s3cret", 13)));
    EXPECT_EQ(lines[2], "*") << "RFC 4954 §4: the client cancels";
    for (const std::string& line : lines) {
        EXPECT_NE(line.rfind("MAIL", 0), 0u) << line;
    }
}

TEST(SmtpClientAuth, AnInitialResponseTooLongForTheAuthLineFollowsAnEmptyChallenge)
{
    const std::string password(400, 'p');  // base64 of 1 + 5 + 1 + 400 octets: 544 characters
    ScriptedPeer peer(server("AUTH PLAIN LOGIN", {"334 \r\n", "235 2.7.0 ok\r\n"}));
    DeliveryReport report = deliver_one(peer, plaintext_auth("relay", password));
    EXPECT_EQ(first_verdict(report).outcome, Outcome::Delivered)
        << first_verdict(report).reply.text;
    EXPECT_EQ(report.record.auth_mechanism, "PLAIN");
    const std::vector<std::string> lines = peer.lines();
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[1], "AUTH PLAIN");
    EXPECT_EQ(lines[2], encode_base64(std::string("\0relay\0", 7) + password));
}

TEST(SmtpClientAuth, A454IsTemporaryWithTheServersReply)
{
    ScriptedPeer peer(server("AUTH PLAIN", {"454 4.7.0 Temporary authentication failure\r\n"}));
    DeliveryReport report = deliver_one(peer, plaintext_auth("relay", "s3cret"));
    const Verdict& verdict = first_verdict(report);
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.code, 454);
    EXPECT_EQ(verdict.reply.text, "Temporary authentication failure");
}

TEST(SmtpClientAuth, ANulInTheCredentialsSendsNothing)
{
    ScriptedPeer peer(server("AUTH PLAIN", {"235 2.7.0 ok\r\n"}));
    DeliveryReport report = deliver_one(peer, plaintext_auth("relay", std::string("a\0b", 3)));
    const Verdict& verdict = first_verdict(report);
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.code, 451);
    for (const std::string& line : peer.lines()) {
        EXPECT_NE(line.rfind("AUTH", 0), 0u) << line;
    }
}

}  // namespace
}  // namespace harbor::smtp::client
