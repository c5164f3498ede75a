// The client session around the transactions: connect, greeting (RFC 5321 §3.1, §4.3.2), EHLO
// with HELO fallback (§3.2, §4.1.1.1), STARTTLS (RFC 3207 §4, §4.2), AUTH (RFC 4954 §4 with
// PLAIN, RFC 4616, or LOGIN), QUIT (§4.1.1.10), the reply reader (§4.2) and the timeouts of
// §4.5.3.2.
// SECURITY: replies are read with the 512-octet line bound (§4.5.3.1.5) and the reply_parser
// limits, each under a deadline; a 421 or a broken connection ends the session for good. The
// AUTH password is sent only over TLS (unless ClientCredentials::only_over_tls is off) and
// appears in no log and in no Verdict; the debug log of replies carries only their codes.
#include "smtp/client/client_session.hpp"

#include <algorithm>

#include "core/base64.hpp"
#include "core/log.hpp"
#include "net/connection.hpp"
#include "smtp/protocol/command.hpp"

namespace harbor::smtp::client {
namespace {

using net::deadline_after;

std::string endpoint_string(const asio::ip::tcp::endpoint& endpoint)
{
    const std::string address = endpoint.address().to_string();
    const std::string port = std::to_string(endpoint.port());
    return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace

std::string_view outcome_name(Outcome outcome)
{
    switch (outcome) {
        case Outcome::Delivered:
            return "delivered";
        case Outcome::Temporary:
            return "temporary";
        case Outcome::Permanent:
            return "permanent";
    }
    return "temporary";
}

Outcome outcome_of(const Reply& reply)
{
    if (is_positive(reply)) {
        return Outcome::Delivered;
    }
    if (reply.code >= 500 && reply.code <= 599) {
        return Outcome::Permanent;
    }
    return Outcome::Temporary;  // 4xx; an unexpected 3xx is a protocol error, not a refusal
}

ClientSession::ClientSession(asio::any_io_executor executor, ClientSettings settings)
    : executor_(std::move(executor)), settings_(std::move(settings))
{
}

ClientSession::~ClientSession() = default;

void ClientSession::fail(Verdict verdict)
{
    if (!failed_) {
        failed_ = true;
        failure_ = std::move(verdict);
        log::info("smtp.client.session_failed", {{"peer", record_.remote},
                                                 {"outcome", outcome_name(failure_.outcome)},
                                                 {"reply", reply_line(failure_.reply)}});
    }
    if (connection_) {
        connection_->close();
    }
}

void ClientSession::fail_io(const Error& error, std::string_view what)
{
    // RFC 3463 §3.5: X.4.2 "bad connection" for a lost or stalled conversation; X.5.0 for a
    // reply that is not SMTP. Both are worth another try later (Postfix defers them too).
    std::string text;
    std::string enhanced = "4.4.2";
    if (error.code == Errc::Timeout) {
        text = "timeout waiting for " + std::string(what) + " from " + record_.remote;
    } else if (error.code == Errc::Invalid || error.code == Errc::Limit) {
        text = "malformed " + std::string(what) + " from " + record_.remote + ": " + error.detail;
        enhanced = "4.5.0";
    } else {
        text = "lost connection with " + record_.remote + " while waiting for " +
               std::string(what) + ": " + error.detail;
    }
    fail(Verdict{Outcome::Temporary, Reply{451, enhanced, std::move(text)}});
}

net::Awaitable<Result<void>> ClientSession::write(std::string_view bytes,
                                                  std::chrono::seconds timeout)
{
    if (!ready()) {
        co_return unexpected(Errc::Closed, "session ended");
    }
    co_return co_await connection_->write(bytes, deadline_after(timeout));
}

net::Awaitable<Result<Reply>> ClientSession::read_reply(std::chrono::seconds timeout,
                                                        std::string_view what)
{
    if (!connection_) {
        co_return unexpected(Errc::Closed, "session ended");
    }
    // One deadline for the whole reply: the §4.5.3.2 timeouts are per reply, not per line.
    const net::Deadline deadline = deadline_after(timeout);
    parser_.reset();
    for (;;) {
        Result<net::Line> line = co_await connection_->read_line(max_reply_line, deadline);
        if (!line) {
            co_return unexpected(std::move(line).error());
        }
        Result<ReplyParser::Status> status = parser_.add_line(line->text);
        if (!status) {
            co_return unexpected(std::move(status).error());
        }
        if (*status == ReplyParser::Status::Complete) {
            break;
        }
    }
    record_.last_reply = parser_.reply();
    if (record_.last_reply.code == 421) {
        // §3.8: 421 means the server is closing the channel; nothing more can be sent.
        fail(Verdict{Outcome::Temporary, record_.last_reply});
    }
    log::debug("smtp.client.reply",
               {{"peer", record_.remote}, {"to", what}, {"code", record_.last_reply.code}});
    co_return record_.last_reply;
}

net::Awaitable<Result<Reply>> ClientSession::command(std::string line, std::chrono::seconds timeout,
                                                     std::string_view what)
{
    line += "\r\n";
    Result<void> written = co_await write(line, timeout);
    if (!written) {
        co_return unexpected(std::move(written).error());
    }
    co_return co_await read_reply(timeout, what);
}

std::shared_ptr<net::ClientTlsContext> ClientSession::tls_context()
{
    if (!settings_.tls_context) {
        Result<std::shared_ptr<net::ClientTlsContext>> made =
            net::ClientTlsContext::create(net::ClientTlsOptions{});
        if (!made) {
            log::warn("smtp.client.tls_context_failed", {{"error", made.error().to_string()}});
            return nullptr;
        }
        settings_.tls_context = std::move(*made);
    }
    return settings_.tls_context;
}

net::Awaitable<bool> ClientSession::open(asio::ip::tcp::endpoint remote)
{
    record_ = SessionRecord{};
    record_.remote = endpoint_string(remote);
    Step step = co_await attempt(remote, true);
    if (step == Step::RetryPlain) {
        record_.tls_fell_back = true;
        step = co_await attempt(remote, false);
    }
    co_return step == Step::Ready;
}

net::Awaitable<ClientSession::Step> ClientSession::attempt(asio::ip::tcp::endpoint remote,
                                                           bool starttls_allowed)
{
    connection_.reset();
    failed_ = false;
    failure_ = Verdict{};
    Result<asio::ip::tcp::socket> socket =
        co_await net::connect_tcp(executor_, remote, deadline_after(settings_.connect_timeout));
    if (!socket) {
        // RFC 3463 §3.5 X.4.1 "No answer from host".
        fail(Verdict{Outcome::Temporary, Reply{451, "4.4.1", socket.error().detail}});
        co_return Step::Failed;
    }
    connection_ = std::make_unique<net::Connection>(std::move(*socket), nullptr);

    // §3.1: wait for the greeting before saying anything.
    Result<Reply> greeting = co_await read_reply(settings_.greeting_timeout, "the greeting");
    if (!greeting) {
        fail_io(greeting.error(), "the greeting");
        co_return Step::Failed;
    }
    record_.greeting = *greeting;
    if (greeting->code != 220) {
        // §3.1, §4.3.2: 554 (or a 4xx) means no service here. The refusal is the host's, not
        // the recipients': Temporary, so the queue tries again or another MX (as Postfix's
        // smtp_skip_5xx_greeting does). The client "SHOULD" still say QUIT (§3.1).
        if (ready()) {
            (void)co_await write("QUIT\r\n", settings_.quit_timeout);
        }
        fail(Verdict{Outcome::Temporary, *greeting});
        co_return Step::Failed;
    }
    if (!co_await hello()) {
        co_return Step::Failed;
    }
    if (record_.extensions.starttls && starttls_allowed) {
        const Step step = co_await start_tls();
        if (step != Step::Ready) {
            co_return step;
        }
    } else if (settings_.tls != TlsPolicy::Opportunistic) {
        // RFC 3463 §3.8 X.7.4 "security features not supported" (Postfix's wording).
        fail(Verdict{Outcome::Temporary,
                     Reply{451, "4.7.4",
                           std::string(settings_.tls == TlsPolicy::Dane ? "DANE: " : "") +
                               "TLS is required, but was not offered by host " + record_.remote}});
        co_return Step::Failed;
    }
    if (settings_.auth) {
        if (!co_await authenticate()) {
            co_return Step::Failed;
        }
    }
    co_return Step::Ready;
}

net::Awaitable<bool> ClientSession::hello()
{
    Result<Reply> ehlo =
        co_await command("EHLO " + settings_.helo_name, settings_.command_timeout, "EHLO");
    if (!ehlo) {
        fail_io(ehlo.error(), "the reply to EHLO");
        co_return false;
    }
    if (is_positive(*ehlo)) {
        record_.esmtp = true;
        record_.extensions = parse_ehlo_keywords(*ehlo);
        co_return true;
    }
    if (ehlo->code < 500 || !ready()) {
        fail(Verdict{Outcome::Temporary, *ehlo});
        co_return false;
    }
    // §3.2: a server that does not know EHLO answers 5xx; HELO then, with no extensions.
    Result<Reply> helo =
        co_await command("HELO " + settings_.helo_name, settings_.command_timeout, "HELO");
    if (!helo) {
        fail_io(helo.error(), "the reply to HELO");
        co_return false;
    }
    if (!is_positive(*helo)) {
        fail(Verdict{Outcome::Temporary, *helo});
        co_return false;
    }
    record_.esmtp = false;
    record_.extensions = ServerExtensions{};
    co_return true;
}

net::Awaitable<ClientSession::Step> ClientSession::start_tls()
{
    const bool required = settings_.tls != TlsPolicy::Opportunistic;
    const bool dane = settings_.tls == TlsPolicy::Dane;
    // The context first: once the server said 220 to STARTTLS there is no way back.
    std::shared_ptr<net::ClientTlsContext> context = tls_context();
    if (!context) {
        if (required) {
            fail(Verdict{Outcome::Temporary, Reply{451, "4.7.5", "TLS is not available here"}});
            co_return Step::Failed;
        }
        co_return Step::Ready;
    }
    Result<Reply> reply =
        co_await command("STARTTLS", settings_.command_timeout, "the reply to STARTTLS");
    if (!reply) {
        fail_io(reply.error(), "the reply to STARTTLS");
        co_return Step::Failed;
    }
    if (reply->code != 220) {
        // RFC 3207 §4: "454 TLS not available due to temporary reason"; an opportunistic client
        // carries on in plaintext, one that requires TLS stops.
        if (required || !ready()) {
            fail(Verdict{Outcome::Temporary, *reply});
            co_return Step::Failed;
        }
        co_return Step::Ready;
    }
    const std::string name = settings_.server_name.empty()
                                 ? connection_->peer().address().to_string()
                                 : settings_.server_name;
    std::vector<net::DaneRecord> records;  // not a ?: in the co_await (GCC 12 miscompiles it)
    if (dane) {
        records = settings_.dane;
    }
    Result<void> handshake = co_await connection_->start_tls_client(
        context->context(), name, deadline_after(settings_.tls_handshake_timeout),
        std::move(records));
    if (!handshake) {
        log::info("smtp.client.tls_failed",
                  {{"peer", record_.remote}, {"error", handshake.error().to_string()}});
        if (!required) {
            connection_.reset();
            co_return Step::RetryPlain;
        }
        // RFC 3463 §3.8 X.7.5 "cryptographic failure".
        fail(Verdict{Outcome::Temporary, Reply{451, "4.7.5",
                                               "TLS handshake with " + record_.remote +
                                                   " failed: " + handshake.error().detail}});
        co_return Step::Failed;
    }
    const std::string description = connection_->tls_description();
    const std::size_t space = description.find(' ');
    record_.tls = description;
    record_.tls_version = description.substr(0, space);
    record_.tls_cipher = space == std::string::npos ? "" : description.substr(space + 1);
    record_.dane = dane && connection_->tls_dane_verified();
    record_.tls_verified = dane ? record_.dane : connection_->tls_peer_verified();
    log::debug("smtp.client.tls", {{"peer", record_.remote},
                                   {"tls", record_.tls},
                                   {"verified", record_.tls_verified ? "yes" : "no"}});
    if (dane && !record_.dane) {
        // RFC 7672 §2.2: no delivery to this host unless its certificate matches; the queue
        // tries the next one (Postfix: "Server certificate not trusted").
        fail(Verdict{Outcome::Temporary, Reply{451, "4.7.5",
                                               "DANE: the certificate of " + record_.remote + " (" +
                                                   name + ") matches none of its TLSA records"}});
        co_return Step::Failed;
    }
    // RFC 3207 §4.2: the client MUST discard what it learned before TLS and send EHLO again.
    record_.extensions = ServerExtensions{};
    record_.esmtp = false;
    if (!co_await hello()) {
        co_return Step::Failed;
    }
    co_return Step::Ready;
}

net::Awaitable<bool> ClientSession::authenticate()
{
    const ClientCredentials& credentials = *settings_.auth;
    // RFC 4954 §14 (Security Considerations): PLAIN and LOGIN disclose the password to anyone
    // on the path; without TLS nothing is sent at all.
    if (credentials.only_over_tls && !connection_->is_tls()) {
        fail(Verdict{Outcome::Temporary,
                     Reply{451, "4.7.0",
                           "SMTP AUTH to " + record_.remote +
                               " needs TLS, but the session is not encrypted; the password "
                               "was not sent"}});
        co_return false;
    }
    const std::vector<std::string>& offered = record_.extensions.auth_mechanisms;
    const auto offers = [&offered](std::string_view name) {
        return std::find(offered.begin(), offered.end(), name) != offered.end();
    };
    std::string_view mechanism;
    if (offers("PLAIN")) {
        mechanism = "PLAIN";
    } else if (offers("LOGIN")) {
        mechanism = "LOGIN";
    } else {
        // RFC 3463 §3.8 X.7.4 "security features not supported".
        fail(Verdict{
            Outcome::Temporary,
            Reply{451, "4.7.4",
                  offered.empty() ? "host " + record_.remote + " does not offer SMTP AUTH"
                                  : "host " + record_.remote +
                                        " offers no SMTP AUTH mechanism Harbor supports (PLAIN, "
                                        "LOGIN)"}});
        co_return false;
    }
    if (credentials.username.find('\0') != std::string::npos ||
        credentials.password.find('\0') != std::string::npos) {
        // RFC 4616 §2: NUL separates the fields of PLAIN and may appear in none of them.
        fail(Verdict{Outcome::Temporary,
                     Reply{451, "4.7.0", "the SMTP AUTH user name or password contains NUL"}});
        co_return false;
    }

    // The exchange: the initial response on the AUTH line when it fits (RFC 4954 §4), else one
    // base64 line for each 334 challenge. `responses` are sent in turn; a 334 after the last is
    // answered "*" (cancel). None of these lines is logged.
    std::vector<std::string> responses;
    std::string line = "AUTH " + std::string(mechanism);
    if (mechanism == "PLAIN") {
        // RFC 4616 §2: [authzid] NUL authcid NUL passwd; no authzid, the server derives it.
        std::string message;
        message += '\0';
        message += credentials.username;
        message += '\0';
        message += credentials.password;
        std::string initial = encode_base64(message);
        // RFC 4954 §4: an initial response that would make the AUTH line longer than the
        // 512-octet command limit goes after an empty 334 challenge instead.
        if (line.size() + 1 + initial.size() + 2 <= max_command_line) {
            line += " " + initial;
        } else {
            responses.push_back(std::move(initial));
        }
    } else {
        // LOGIN (draft-murchison-sasl-login): "Username:", then "Password:".
        responses.push_back(encode_base64(credentials.username));
        responses.push_back(encode_base64(credentials.password));
    }
    Result<Reply> reply =
        co_await command(std::move(line), settings_.command_timeout, "the reply to AUTH");
    std::size_t sent = 0;
    while (reply && reply->code == 334 && sent < responses.size()) {
        reply = co_await command(std::move(responses[sent]), settings_.command_timeout,
                                 "the reply to AUTH");
        ++sent;
    }
    if (!reply) {
        fail_io(reply.error(), "the reply to AUTH");
        co_return false;
    }
    if (reply->code == 334) {
        // More challenges than the mechanism has: cancel (RFC 4954 §4), then give up.
        Result<Reply> cancelled =
            co_await command("*", settings_.command_timeout, "the reply to the AUTH cancel");
        (void)cancelled;
        fail(Verdict{Outcome::Temporary, Reply{451, "4.7.0",
                                               "unexpected SASL challenge from " + record_.remote +
                                                   " to AUTH " + std::string(mechanism)}});
        co_return false;
    }
    if (reply->code != 235) {
        // 535 5.7.8, 534 5.7.9, 454 4.7.0, 504 ...: all Temporary, with the server's reply, as
        // Postfix defers with "SASL authentication failed". The session can do nothing else.
        log::warn("smtp.client.auth_failed", {{"peer", record_.remote},
                                              {"user", credentials.username},
                                              {"mechanism", mechanism},
                                              {"code", reply->code}});
        if (ready()) {
            (void)co_await write("QUIT\r\n", settings_.quit_timeout);
        }
        fail(Verdict{Outcome::Temporary, *reply});
        co_return false;
    }
    record_.auth_mechanism = std::string(mechanism);
    log::info("smtp.client.authenticated",
              {{"peer", record_.remote}, {"user", credentials.username}, {"mechanism", mechanism}});
    co_return true;
}

net::Awaitable<void> ClientSession::quit()
{
    if (ready()) {
        (void)co_await command("QUIT", settings_.quit_timeout, "the reply to QUIT");
    }
    if (!failed_) {
        failed_ = true;
        failure_ = Verdict{Outcome::Temporary, Reply{451, "4.4.2", "the session has ended"}};
    }
    connection_.reset();
}

net::Awaitable<DeliveryReport> deliver(asio::any_io_executor executor,
                                       asio::ip::tcp::endpoint remote, ClientSettings settings,
                                       std::span<const OutboundMessage> messages)
{
    ClientSession session(std::move(executor), std::move(settings));
    DeliveryReport report;
    (void)co_await session.open(remote);
    for (const OutboundMessage& message : messages) {
        MessageResult result = co_await session.send(message);
        report.messages.push_back(std::move(result));
    }
    co_await session.quit();
    report.record = session.record();
    co_return report;
}

}  // namespace harbor::smtp::client
