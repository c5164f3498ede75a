// The POP3 session loop: greeting (RFC 1939 §4), command framing with the 255-octet line limit
// (RFC 2449 §4), response batching for PIPELINING (RFC 2449 §6.6), timeouts (RFC 1939 §3), the
// state table, CAPA (RFC 2449 §5), STLS (RFC 2595 §4) and QUIT in the AUTHORIZATION state.
// SECURITY: see session.hpp. An over-long line is answered with -ERR and skipped up to its LF;
// a timeout or a dropped connection ends the session without the UPDATE state (RFC 1939 §6:
// nothing is removed).
#include "pop3/session.hpp"

#include "core/log.hpp"
#include "pop3/session_state.hpp"

namespace harbor::pop3 {
namespace {

using namespace std::chrono_literals;
using net::Awaitable;
using net::deadline_after;

constexpr auto goodbye_timeout = 2s;     // a last response to a client that may not read it
constexpr auto handshake_timeout = 30s;  // STLS
constexpr std::size_t flush_threshold = 64 * 1024;
// The AUTH command line carries an initial response (RFC 5034 §4), which can be longer than
// 255 octets: base64 of the largest response the SASL exchange accepts, plus CRLF. Every
// other command is held to max_command_line once read.
constexpr std::size_t max_auth_line = 5 + 20 + 1 + (sasl::max_client_response + 2) / 3 * 4 + 2;

bool is_auth_line(std::string_view line)
{
    return line.size() >= 4 && (line[0] == 'A' || line[0] == 'a') &&
           (line[1] == 'U' || line[1] == 'u') && (line[2] == 'T' || line[2] == 't') &&
           (line[3] == 'H' || line[3] == 'h') && (line.size() == 4 || line[4] == ' ');
}

}  // namespace

// Password checks take tens of milliseconds each; lookups and message reads get threads of
// their own so that a burst of logins does not hold up RETR.
Pop3Handler::Blocking::Blocking() : passwords(2, "pop3-password"), lookups(2, "pop3-lookup"),
      messages(4, "pop3-read") {}

Pop3Handler::Pop3Handler(store::Store& store, Pop3Settings settings,
                         std::shared_ptr<net::LoginThrottle> throttle)
    : store_(store),
      directory_(store, settings.sasl.verified_passwords),  // before settings is moved
      settings_(std::move(settings)),
      throttle_(std::move(throttle))
{
}

Awaitable<void> Pop3Handler::run(net::Connection& connection, net::SessionContext& context)
{
    Session session(*this, connection, context);
    co_await session.run();
}

Awaitable<void> Pop3Handler::refuse(net::Connection& connection, net::SessionContext&)
{
    // RFC 2449 §8.1.2: SYS/TEMP, a temporary problem; the client may try again later.
    (void)co_await connection.write("-ERR [SYS/TEMP] Too many connections, try again later\r\n",
                                    deadline_after(goodbye_timeout));
}

std::optional<std::uint64_t> SizeCache::find(const std::string& sha256) const
{
    const std::lock_guard lock(mutex_);
    auto found = sizes_.find(sha256);
    if (found == sizes_.end()) {
        return std::nullopt;
    }
    return found->second;
}

void SizeCache::remember(const std::string& sha256, std::uint64_t size)
{
    const std::lock_guard lock(mutex_);
    if (sizes_.size() >= max_entries) {
        sizes_.clear();  // crude but bounded; the sizes are recomputed on demand
    }
    sizes_[sha256] = size;
}

Session::Session(Pop3Handler& handler, net::Connection& connection, net::SessionContext& context)
    : handler_(handler), connection_(connection), context_(context), settings_(handler.settings())
{
}

void Session::ok(std::string_view text)
{
    out_ += "+OK";
    if (!text.empty()) {
        out_ += ' ';
        out_ += text;
    }
    out_ += "\r\n";
}

void Session::err(std::string_view text)
{
    out_ += "-ERR ";
    out_ += text;
    out_ += "\r\n";
}

void Session::refuse(std::string_view text)
{
    if (++errors_ >= settings_.max_errors) {
        closing_ = true;
        err(std::string(text) + " (too many errors, closing)");
        return;
    }
    err(text);
}

Awaitable<bool> Session::flush()
{
    if (out_.empty()) {
        co_return true;
    }
    std::string bytes = std::move(out_);
    out_.clear();
    auto written = co_await connection_.write(bytes);
    co_return written.has_value();
}

Awaitable<void> Session::say_last(std::string_view text)
{
    out_ += text;
    std::string bytes = std::move(out_);
    out_.clear();
    (void)co_await connection_.write(bytes, deadline_after(goodbye_timeout));
}

bool Session::auth_offered() const
{
    // RFC 2595 §2 and RFC 8314 §3: no plaintext password over a plaintext connection, unless
    // the listener is trusted (the loopback demo), as IMAP decides LOGINDISABLED.
    return connection_.is_tls() || context_.trusted_plaintext;
}

Awaitable<void> Session::run()
{
    ok(context_.hostname + " Harbor POP3 ready");
    for (;;) {
        std::optional<std::string> line = co_await read_command_line();
        if (!line) {
            co_return;
        }
        Result<Command> command = parse_command(*line);
        if (!command) {
            user_.clear();
            refuse(command.error().code == Errc::Unsupported
                       ? "Unknown command"
                       : "Syntax error: " + command.error().detail);
        } else if (!co_await on_command(*command)) {
            co_return;
        }
        if (closing_) {
            log::info("pop3.too_many_errors", {{"cid", context_.cid}});
            co_await say_last("");
            co_return;
        }
        if (out_.size() > flush_threshold) {
            const bool written = co_await flush();  // not inside &&: GCC 12
            if (!written) {
                co_return;
            }
        }
    }
}

Awaitable<std::optional<std::string>> Session::read_command_line()
{
    for (;;) {
        if (connection_.buffered_bytes() == 0) {
            // Nothing more pipelined: the client now waits for the answers (RFC 2449 §6.6).
            const bool written = co_await flush();
            if (!written) {
                co_return std::nullopt;
            }
        }
        const auto idle =
            state_ == State::Authorization ? settings_.pre_auth_timeout : settings_.idle_timeout;
        auto line = co_await connection_.read_line(max_auth_line, deadline_after(idle));
        if (!line) {
            if (line.error().code == Errc::Limit) {
                refuse("Line too long");  // the rest of it is skipped by the next read
                if (closing_) {
                    co_await say_last("");
                    co_return std::nullopt;
                }
                continue;
            }
            if (connection_.shutting_down()) {
                co_await say_last("-ERR [SYS/TEMP] Server shutting down\r\n");
            } else if (line.error().code == Errc::Timeout) {
                // RFC 1939 §3: the autologout closes without a response and without UPDATE.
                log::info("pop3.timeout", {{"cid", context_.cid}});
            }
            co_return std::nullopt;
        }
        // RFC 2449 §4: 255 octets with the CRLF; only AUTH may carry more (its initial
        // response), up to max_auth_line.
        if (line->text.size() + 2 > max_command_line && !is_auth_line(line->text)) {
            refuse("Line too long");
            if (closing_) {
                co_await say_last("");
                co_return std::nullopt;
            }
            continue;
        }
        co_return std::move(line->text);
    }
}

bool Session::allowed_in_state(Verb verb) const
{
    switch (verb) {
        case Verb::Capa:
        case Verb::Quit:
            return true;
        case Verb::User:
        case Verb::Pass:
        case Verb::Auth:
        case Verb::Stls:
            return state_ == State::Authorization;
        default:
            return state_ == State::Transaction;
    }
}

Awaitable<bool> Session::on_command(const Command& command)
{
    const Verb verb = command.verb;
    if (verb != Verb::Pass) {
        user_.clear();  // RFC 1939 §7: PASS must come right after a successful USER
    }
    if (!allowed_in_state(verb)) {
        const bool authorized = state_ == State::Transaction;
        refuse(std::string(verb_name(verb)) +
               (authorized ? " not allowed now" : " needs authentication first"));
        co_return true;
    }
    // An if-chain, not a switch: GCC 12 mishandles the temporaries of a co_await inside
    // switch cases.
    if (verb == Verb::Capa) {
        on_capa();
    } else if (verb == Verb::Quit) {
        if (state_ == State::Transaction) {
            co_await on_quit_update();
        } else {
            co_await say_last("+OK Bye\r\n");
        }
        co_return false;
    } else if (verb == Verb::Stls) {
        const bool more = co_await on_stls();
        co_return more;
    } else if (verb == Verb::User) {
        on_user(command);
    } else if (verb == Verb::Pass) {
        co_await on_pass(command);
    } else if (verb == Verb::Auth) {
        const bool more = co_await on_auth(command);
        co_return more;
    } else if (verb == Verb::Stat) {
        co_await on_stat();
    } else if (verb == Verb::List) {
        co_await on_list(command);
    } else if (verb == Verb::Retr || verb == Verb::Top) {
        co_await on_retr(command);
    } else if (verb == Verb::Dele) {
        on_dele(command);
    } else if (verb == Verb::Noop) {
        ok("");
    } else if (verb == Verb::Rset) {
        on_rset();
    } else if (verb == Verb::Uidl) {
        on_uidl(command);
    }
    co_return true;
}

void Session::on_capa()
{
    // RFC 2449 §5: the capabilities of the current state; USER and SASL only where a password
    // may be sent (RFC 2595 §2), STLS only before TLS and authentication (RFC 2595 §4).
    std::string list =
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
        "AUTH-RESP-CODE\r\nPIPELINING\r\n";
    if (state_ == State::Authorization) {
        if (context_.tls_mode == TlsMode::StartTls && connection_.can_start_tls()) {
            list += "STLS\r\n";
        }
        if (auth_offered()) {
            list += "USER\r\nSASL";
            for (const std::string_view name : sasl::mechanism_names()) {
                list += ' ';
                list += name;
            }
            list += "\r\n";
        }
    }
    list += "IMPLEMENTATION Harbor\r\n.\r\n";
    out_ += list;
}

Awaitable<bool> Session::on_stls()
{
    if (context_.tls_mode != TlsMode::StartTls || !connection_.can_start_tls()) {
        refuse(connection_.is_tls() ? "TLS is already active" : "STLS not available");
        co_return true;
    }
    ok("Begin TLS negotiation");
    if (!co_await flush()) {
        co_return false;
    }
    // start_tls() drops every octet pipelined after STLS (RFC 2595 §4; SECURITY-CASES 17):
    // none of it may be read as if it came over TLS.
    auto result = co_await connection_.start_tls(deadline_after(handshake_timeout));
    if (!result) {
        log::info("pop3.stls.failed",
                  {{"cid", context_.cid}, {"error", result.error().to_string()}});
        co_return false;
    }
    user_.clear();
    co_return true;
}

}  // namespace harbor::pop3
