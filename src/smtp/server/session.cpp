// The SMTP session loop (RFC 5321 §4.1, §4.3.2 sequencing): the greeting with the pregreet test,
// command reading and dispatch, EHLO/HELO, the simple commands and STARTTLS (RFC 3207).
#include "smtp/server/session.hpp"

#include <boost/asio/steady_timer.hpp>

#include "core/log.hpp"
#include "smtp/server/session_state.hpp"
#include "smtp/server/smtp_metrics.hpp"

namespace harbor::smtp::server {
namespace {

using namespace std::chrono_literals;
using net::Awaitable;
using net::deadline_after;

constexpr auto goodbye_timeout = 2s;    // a last reply to a client that may not read it
constexpr auto handshake_timeout = 30s;  // STARTTLS
// Addresses the RCPT cache holds: a few KiB each at most, so a bound on its memory.
constexpr std::size_t recipient_cache_entries = 10000;
// A key made or activated with `harbor dkim` signs within a minute.
constexpr std::chrono::seconds signing_key_ttl{60};
constexpr std::size_t signing_key_domains = 10000;

Reply ok_reply(std::string text = "Ok")
{
    return Reply{250, "2.0.0", std::move(text)};
}

}  // namespace

const ListenerPolicy& SmtpSettings::policy(std::string_view listener) const
{
    auto found = listeners.find(listener);
    return found != listeners.end() ? found->second : default_policy;
}

SmtpHandler::SmtpHandler(store::Store& store, SmtpSettings settings,
                         std::shared_ptr<net::LoginThrottle> throttle)
    : store_(store),
      directory_(store, settings.sasl.verified_passwords),  // before settings is moved
      settings_(std::move(settings)),
      throttle_(throttle ? std::move(throttle)
                         : std::make_shared<net::LoginThrottle>(settings_.login_throttle)),
      recipients_(settings_.recipient_cache_ttl, recipient_cache_entries),
      signing_keys_(store, signing_key_ttl, signing_key_domains)
{
    register_smtp_metrics();
}

Awaitable<void> SmtpHandler::run(net::Connection& connection, net::SessionContext& context)
{
    Session session(*this, connection, context);
    co_await session.run();
}

Awaitable<void> SmtpHandler::refuse(net::Connection& connection, net::SessionContext& context)
{
    (void)co_await connection.write(
        format_reply(Reply{421, "4.7.0", context.hostname + " Too many connections, try later"}),
        deadline_after(goodbye_timeout));
}

Session::Session(SmtpHandler& handler, net::Connection& connection, net::SessionContext& context)
    : handler_(handler),
      connection_(connection),
      context_(context),
      policy_(handler.settings().policy(context.listener))
{
}

bool Session::submission() const
{
    return context_.protocol == Protocol::Submission;
}

bool Session::auth_offered() const
{
    return submission() && (connection_.is_tls() || context_.trusted_plaintext);
}

Extensions Session::extensions() const
{
    Extensions ext;
    if (!esmtp_) {
        return ext;  // after HELO no service extension applies (RFC 5321 §4.1.1.1)
    }
    ext.size = true;
    ext.max_message_size = handler_.settings().max_message_size;
    ext.eightbitmime = true;
    ext.chunking = true;
    ext.binarymime = true;
    ext.smtputf8 = true;
    ext.dsn = true;
    ext.auth = auth_offered();
    ext.requiretls = connection_.is_tls();  // RFC 8689 §4: only offered over TLS
    return ext;
}

void Session::reply(const Reply& reply)
{
    out_ += format_reply(reply);
}

Awaitable<bool> Session::flush()
{
    if (out_.empty()) {
        co_return true;
    }
    std::string bytes = std::move(out_);
    out_.clear();
    co_return static_cast<bool>(co_await connection_.write(bytes));
}

Awaitable<void> Session::close_pending()
{
    std::string bytes = std::move(out_);
    out_.clear();
    (void)co_await connection_.write(bytes, deadline_after(goodbye_timeout));
}

bool Session::count_error()
{
    return ++errors_ < handler_.settings().max_errors;
}

bool Session::too_many_errors() const
{
    return errors_ >= handler_.settings().max_errors;
}

Awaitable<void> Session::run()
{
    if (policy_.greet_pause.count() > 0 && !connection_.is_tls()) {
        boost::asio::steady_timer pause(connection_.executor(), policy_.greet_pause);
        (void)co_await pause.async_wait(net::use_tuple);
        if (connection_.has_pending_input()) {
            log::info("smtp.pregreet", {{"cid", context_.cid}, {"peer", context_.peer}});
            reply(Reply{554, "5.7.0", "Protocol error: talking before the greeting"});
            co_await close_pending();
            co_return;
        }
    }
    reply(Reply{220, "", context_.hostname + " ESMTP Harbor"});
    for (;;) {
        if (connection_.buffered_bytes() == 0 && !co_await flush()) {
            co_return;
        }
        // Between commands (replies written): where a draining server may end the session.
        context_.status->set_state(chunking_        ? net::SessionState::InData
                                   : authenticated_ ? net::SessionState::Authenticated
                                                    : net::SessionState::Established);
        auto line = co_await connection_.read_line(max_auth_command_line,
                                                    deadline_after(policy_.command_timeout));
        if (!line) {
            if (line.error().code == Errc::Limit) {
                reply(Reply{500, "5.5.2", "Error: line too long"});
                if (!count_error()) {
                    reply(Reply{421, "4.7.0", "Too many errors"});
                    co_await close_pending();
                    co_return;
                }
                continue;
            }
            if (connection_.shutting_down()) {
                reply(Reply{421, "4.3.2", context_.hostname + " Shutting down"});
                co_await close_pending();
            } else if (line.error().code == Errc::Timeout) {
                reply(Reply{421, "4.4.2", context_.hostname + " Timeout"});
                co_await close_pending();
            }
            co_return;
        }
        if (line->bare_lf) {
            // Only CRLF ends a line (RFC 5321 §2.3.8): what follows a bare LF is the same line,
            // up to the next CRLF. Reading it as a new command is how smuggling starts.
            bad_line_ = true;
            continue;
        }
        if (line->bare_cr || bad_line_) {
            // A bare CR or LF in the line (SECURITY-CASES A.4): refused as a whole, not run.
            bad_line_ = false;
            reply(Reply{500, "5.5.2", "Error: bare CR or LF in command"});
            if (!count_error()) {
                reply(Reply{421, "4.7.0", "Too many errors"});
                co_await close_pending();
                co_return;
            }
            continue;
        }
        Parsed<Command> command = parse_command(line->text, extensions());
        if (!command) {
            reply(command.error());
            if (!count_error()) {
                reply(Reply{421, "4.7.0", "Too many errors"});
                co_await close_pending();
                co_return;
            }
            continue;
        }
        if (!co_await on_command(*command)) {
            co_return;
        }
        if (too_many_errors()) {
            // Refused commands of any kind count, rejected recipients too (address harvesting).
            reply(Reply{421, "4.7.0", "Too many errors"});
            co_await close_pending();
            co_return;
        }
    }
}

Awaitable<bool> Session::on_command(const Command& command)
{
    // An if-chain, not a switch: GCC 12 mishandles the temporaries of a co_await inside switch
    // cases (a Reply destroyed twice under QUIT).
    const Verb verb = command.verb;
    if (verb == Verb::Ehlo || verb == Verb::Helo) {
        on_ehlo(command, verb == Verb::Ehlo);
    } else if (verb == Verb::Mail) {
        co_await on_mail(command);
    } else if (verb == Verb::Rcpt) {
        co_await on_rcpt(command);
    } else if (verb == Verb::Data) {
        const bool more = co_await on_data();
        co_return more;
    } else if (verb == Verb::Bdat) {
        const bool more = co_await on_bdat(command);
        co_return more;
    } else if (verb == Verb::Rset) {
        reset_transaction();
        reply(ok_reply());
    } else if (verb == Verb::Noop) {
        reply(ok_reply());
    } else if (verb == Verb::Help) {
        reply(Reply{214, "2.0.0", "See https://www.rfc-editor.org/rfc/rfc5321"});
    } else if (verb == Verb::Vrfy) {
        // Never tells whether an account exists (RFC 5321 §3.5.3 allows 252).
        reply(Reply{252, "2.0.0", "Cannot verify the user, but will accept the message"});
    } else if (verb == Verb::Expn) {
        reply(Reply{502, "5.5.1", "EXPN is not available"});
    } else if (verb == Verb::Quit) {
        reply(Reply{221, "2.0.0", "Bye"});
        co_await close_pending();
        co_return false;
    } else if (verb == Verb::Starttls) {
        const bool more = co_await on_starttls();
        co_return more;
    } else if (verb == Verb::Auth) {
        const bool more = co_await on_auth(command);
        co_return more;
    } else if (verb == Verb::Forbidden) {
        log::info("smtp.forbidden_command", {{"cid", context_.cid}, {"peer", context_.peer}});
        reply(forbidden_command_reply());
        co_await close_pending();
        co_return false;
    }
    co_return true;
}

void Session::on_ehlo(const Command& command, bool extended)
{
    Parsed<Helo> helo = parse_helo(command.argument);
    if (!helo) {
        reply(helo.error());
        (void)count_error();
        return;
    }
    // RFC 5321 §4.1.4: EHLO in a transaction resets it, as RSET would.
    reset_transaction();
    helo_ = std::move(*helo);
    esmtp_ = extended;
    if (!extended) {
        reply(Reply{250, "", context_.hostname});
        return;
    }
    const Extensions ext = extensions();
    std::string text = context_.hostname;
    text += "\nPIPELINING";
    text += "\nSIZE " + std::to_string(ext.max_message_size);
    text += "\n8BITMIME\nENHANCEDSTATUSCODES\nSMTPUTF8\nDSN\nCHUNKING\nBINARYMIME";
    if (context_.tls_mode == TlsMode::StartTls && connection_.can_start_tls()) {
        text += "\nSTARTTLS";
    }
    if (ext.requiretls) {
        text += "\nREQUIRETLS";
    }
    if (ext.auth) {
        text += "\nAUTH";
        for (const std::string_view name : sasl::mechanism_names()) {
            text += " " + std::string(name);
        }
    }
    reply(Reply{250, "", std::move(text)});
}

Awaitable<bool> Session::on_starttls()
{
    if (context_.tls_mode != TlsMode::StartTls || !connection_.can_start_tls()) {
        reply(sequence_error("STARTTLS not available"));
        co_return count_error();
    }
    reply(Reply{220, "2.0.0", "Ready to start TLS"});
    if (!co_await flush()) {
        co_return false;
    }
    // start_tls() drops whatever the client pipelined after STARTTLS (RFC 3207 §6).
    auto result = co_await connection_.start_tls(deadline_after(handshake_timeout));
    if (!result) {
        log::info("smtp.starttls.failed",
                  {{"cid", context_.cid}, {"error", result.error().to_string()}});
        co_return false;
    }
    // RFC 3207 §4.2: the client starts over; nothing learned before TLS is kept.
    helo_.reset();
    esmtp_ = false;
    authenticated_.reset();
    reset_transaction();
    co_return true;
}

void Session::reset_transaction()
{
    transaction_.reset();
    chunking_.reset();
}

}  // namespace harbor::smtp::server
