// Placeholder protocol sessions: greet, answer QUIT/LOGOUT and STARTTLS, refuse the rest.
// REPLACED LATER: issue 4 brings the SMTP session (RFC 5321), issue 5 IMAP4rev2 (RFC 9051);
// HTTP (RFC 9112) is http::HttpHandler in a running server; this one serves only the runtime
// tests. POP3 has no placeholder: its listeners always get pop3::Pop3Handler
// (protocol_handlers.cpp). Do not grow these.
// SECURITY: lines are untrusted and capped; no command here touches any data.
#include "server/greeting_sessions.hpp"

#include <cctype>

#include "core/log.hpp"
#include "net/connection.hpp"
#include "net/session.hpp"

namespace harbor::server {
namespace {

using namespace std::chrono_literals;
using net::Awaitable;
using net::Connection;
using net::deadline_after;
using net::SessionContext;

constexpr auto goodbye_timeout = 2s;  // a last reply to a client that may not read
constexpr auto handshake_timeout = 30s;

std::string upper(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

// "VERB rest" -> {"VERB", "rest"}
std::pair<std::string_view, std::string_view> split_word(std::string_view text)
{
    std::size_t space = text.find(' ');
    if (space == std::string_view::npos) {
        return {text, {}};
    }
    return {text.substr(0, space), text.substr(space + 1)};
}

Awaitable<void> say(Connection& connection, std::string_view text)
{
    (void)co_await connection.write(text, deadline_after(goodbye_timeout));
}

// STARTTLS after the protocol's "go ahead" was sent; false ends the session.
Awaitable<bool> upgrade(Connection& connection, const SessionContext& context)
{
    auto result = co_await connection.start_tls(deadline_after(handshake_timeout));
    if (!result) {
        log::info("net.starttls.failed",
                  {{"cid", context.cid}, {"error", result.error().to_string()}});
        co_return false;
    }
    log::debug("net.starttls", {{"cid", context.cid}, {"tls", connection.tls_description()}});
    co_return true;
}

bool starttls_offered(const Connection& connection, const SessionContext& context)
{
    return context.tls_mode == TlsMode::StartTls && connection.can_start_tls();
}

// SMTP and submission: RFC 5321 §4.2 replies, RFC 3207 STARTTLS.
class SmtpGreeting final : public net::SessionHandler {
public:
    static constexpr std::size_t max_line = 512;  // RFC 5321 §4.5.3.1.4
    static constexpr auto idle_timeout = 5min;    // RFC 5321 §4.5.3.2.7

    Awaitable<void> run(Connection& connection, SessionContext& context) override
    {
        const std::string& host = context.hostname;
        if (!co_await connection.write("220 " + host + " ESMTP Harbor\r\n")) {
            co_return;
        }
        for (;;) {
            auto line = co_await connection.read_line(max_line, deadline_after(idle_timeout));
            if (!line) {
                if (line.error().code == Errc::Limit) {
                    if (!co_await connection.write("500 5.5.2 Line too long\r\n")) {
                        co_return;
                    }
                    continue;
                }
                if (connection.shutting_down()) {
                    co_await say(connection, "421 4.3.2 " + host + " Service shutting down\r\n");
                } else if (line.error().code == Errc::Timeout) {
                    co_await say(connection, "421 4.4.2 " + host + " Timeout, closing\r\n");
                }
                co_return;
            }
            std::string verb = upper(split_word(line->text).first);
            std::string reply;
            if (verb == "QUIT") {
                co_await say(connection, "221 2.0.0 Bye\r\n");
                co_return;
            }
            if (verb == "STARTTLS" && starttls_offered(connection, context)) {
                if (!co_await connection.write("220 2.0.0 Ready to start TLS\r\n")) {
                    co_return;
                }
                if (!co_await upgrade(connection, context)) {
                    co_return;
                }
                continue;
            }
            if (verb == "EHLO") {
                reply = starttls_offered(connection, context)
                            ? "250-" + host + "\r\n250 STARTTLS\r\n"
                            : "250 " + host + "\r\n";
            } else if (verb == "HELO") {
                reply = "250 " + host + "\r\n";
            } else if (verb == "NOOP" || verb == "RSET") {
                reply = "250 2.0.0 OK\r\n";
            } else {
                reply = "502 5.5.1 Command not implemented\r\n";
            }
            if (!co_await connection.write(reply)) {
                co_return;
            }
        }
    }

    Awaitable<void> refuse(Connection& connection, SessionContext& context) override
    {
        co_await say(connection, "421 4.7.0 " + context.hostname +
                                     " Too many connections, try again later\r\n");
    }
};

// IMAP: RFC 9051 §7.1.1 greeting, §6.1.3 LOGOUT, §6.2.1 STARTTLS.
class ImapGreeting final : public net::SessionHandler {
public:
    static constexpr std::size_t max_line = 8192;  // RFC 7162 §4 recommends >= 8192
    static constexpr auto idle_timeout = 30min;    // RFC 9051 §5.4 autologout

    Awaitable<void> run(Connection& connection, SessionContext& context) override
    {
        if (!co_await connection.write("* OK [CAPABILITY IMAP4rev2] Harbor ready\r\n")) {
            co_return;
        }
        for (;;) {
            auto line = co_await connection.read_line(max_line, deadline_after(idle_timeout));
            if (!line) {
                if (line.error().code == Errc::Limit) {
                    if (!co_await connection.write("* BAD line too long\r\n")) {
                        co_return;
                    }
                    continue;
                }
                if (connection.shutting_down()) {
                    co_await say(connection, "* BYE Harbor shutting down\r\n");
                } else if (line.error().code == Errc::Timeout) {
                    co_await say(connection, "* BYE autologout, idle for too long\r\n");
                }
                co_return;
            }
            auto [tag, rest] = split_word(line->text);
            std::string command = upper(split_word(rest).first);
            std::string t(tag);
            std::string reply;
            if (tag.empty() || command.empty()) {
                reply = "* BAD missing tag or command\r\n";
            } else if (command == "LOGOUT") {
                co_await say(connection,
                             "* BYE Harbor logging out\r\n" + t + " OK LOGOUT completed\r\n");
                co_return;
            } else if (command == "STARTTLS" && starttls_offered(connection, context)) {
                if (!co_await connection.write(t + " OK Begin TLS negotiation now\r\n")) {
                    co_return;
                }
                if (!co_await upgrade(connection, context)) {
                    co_return;
                }
                continue;
            } else if (command == "CAPABILITY") {
                // IMAP4rev1 too: clients such as Python's imaplib insist on seeing it.
                reply = std::string("* CAPABILITY IMAP4rev2 IMAP4rev1") +
                        (starttls_offered(connection, context) ? " STARTTLS" : "") + "\r\n" + t +
                        " OK CAPABILITY completed\r\n";
            } else if (command == "NOOP") {
                reply = t + " OK NOOP completed\r\n";
            } else {
                reply = t + " BAD not implemented yet\r\n";
            }
            if (!co_await connection.write(reply)) {
                co_return;
            }
        }
    }

    Awaitable<void> refuse(Connection& connection, SessionContext& /*context*/) override
    {
        co_await say(connection, "* BYE Too many connections, try again later\r\n");
    }
};

// HTTP/1.1 (RFC 9112): one request, one response, then close. Headers are read and ignored.
class HttpGreeting final : public net::SessionHandler {
public:
    static constexpr std::size_t max_line = 8192;
    static constexpr int max_header_lines = 100;
    static constexpr auto request_timeout = 30s;

    Awaitable<void> run(Connection& connection, SessionContext& /*context*/) override
    {
        const auto deadline = deadline_after(request_timeout);
        auto request_line = co_await connection.read_line(max_line, deadline);
        if (!request_line) {
            if (request_line.error().code == Errc::Limit) {
                co_await say(connection, response(414, "URI Too Long", "request line too long\n"));
            }
            co_return;
        }
        for (int i = 0;; ++i) {
            auto header = co_await connection.read_line(max_line, deadline);
            if (!header || i == max_header_lines) {
                if (header || header.error().code == Errc::Limit) {
                    co_await say(connection, response(431, "Request Header Fields Too Large",
                                                      "headers too large\n"));
                }
                co_return;
            }
            if (header->text.empty()) {
                break;
            }
        }
        auto [method, rest] = split_word(request_line->text);
        auto [target, version] = split_word(rest);
        if (method.empty() || target.empty() || !version.starts_with("HTTP/1.")) {
            co_await say(connection, response(400, "Bad Request", "bad request\n"));
        } else if (method != "GET" && method != "HEAD") {
            co_await say(connection, response(405, "Method Not Allowed", "method not allowed\n"));
        } else if (target != "/") {
            co_await say(connection, response(404, "Not Found", "not found\n"));
        } else {
            std::string full = response(200, "OK", "Harbor is running.\n");
            if (method == "HEAD") {
                full.erase(full.find("\r\n\r\n") + 4);
            }
            co_await say(connection, full);
        }
    }

    Awaitable<void> refuse(Connection& connection, SessionContext& /*context*/) override
    {
        co_await say(connection, response(503, "Service Unavailable", "too many connections\n"));
    }

private:
    static std::string response(int status, std::string_view reason, std::string_view body)
    {
        std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                          "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                          std::to_string(body.size()) +
                          "\r\nCache-Control: no-store\r\nConnection: close\r\n";
        if (status == 405) {
            out += "Allow: GET, HEAD\r\n";
        }
        out += "\r\n";
        out += body;
        return out;
    }
};

}  // namespace

HandlerMap greeting_handlers()
{
    auto smtp = std::make_shared<SmtpGreeting>();
    return HandlerMap{{Protocol::Smtp, smtp},
                      {Protocol::Submission, smtp},
                      {Protocol::Imap, std::make_shared<ImapGreeting>()},
                      {Protocol::Http, std::make_shared<HttpGreeting>()}};
}

}  // namespace harbor::server
