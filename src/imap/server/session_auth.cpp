// LOGIN (RFC 9051 §6.2.3) and AUTHENTICATE (§6.2.2) with SASL-IR (RFC 4959) through
// sasl::ServerExchange: PLAIN, LOGIN and SCRAM-SHA-256. Password checks run off the io thread,
// failures count towards the per-network login throttle, and the account needs the IMAP right.
// Response codes: RFC 5530 AUTHENTICATIONFAILED, UNAVAILABLE, PRIVACYREQUIRED.
// SECURITY: credentials are untrusted; SASL responses are read as one line of at most
// max_response_line octets, decoded and bounded by the exchange. Every failure gets the same
// text (no account enumeration); passwords never reach a log.
#include "core/base64.hpp"
#include "core/log.hpp"
#include "directory/sasl_lookup.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;
using net::deadline_after;

// base64 of the largest response the exchange accepts, plus CRLF.
constexpr std::size_t max_response_line = (sasl::max_client_response + 2) / 3 * 4 + 2;

}  // namespace

void Session::login_refused(const Command& command, const Error& error, std::string_view authcid)
{
    if (error.code == Errc::Invalid || error.code == Errc::Permission ||
        error.code == Errc::Unsupported) {
        if (handler_.throttle().record_failure(connection_.peer().address(),
                                               net::LoginThrottle::Clock::now())) {
            log::warn("imap.auth.lockout", {{"cid", context_.cid}, {"peer", context_.peer}});
        }
    }
    log::info("imap.auth.failed", {{"cid", context_.cid},
                                   {"peer", context_.peer},
                                   {"user", std::string(authcid)},
                                   {"error", error.to_string()}});
    if (error.code == Errc::TempFail || error.code == Errc::Io) {
        tagged(command.tag, "NO", unavailable_text);
    } else {
        tagged(command.tag, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
    }
    (void)count_error();
}

Awaitable<void> Session::finish_login(const Command& command, std::string authcid,
                                      std::string_view how)
{
    directory::Directory& directory = handler_.directory();
    std::function<Result<store::Account>()> find = [&directory, authcid] {
        return directory.find_user(authcid);
    };
    Result<store::Account> account =
        co_await store::off_io_thread(handler_.blocking().lookups, std::move(find));
    if (!account) {
        login_refused(command, account.error(), authcid);
        co_return;
    }
    if (!directory::is_allowed(*account, directory::Protocol::Imap)) {
        // The password was right, but IMAP is not this account's (the same answer as a wrong
        // password, as SMTP AUTH gives for the submission right).
        login_refused(command, Error{Errc::Permission, "account may not use IMAP"}, authcid);
        co_return;
    }
    handler_.throttle().record_success(connection_.peer().address(),
                                       net::LoginThrottle::Clock::now());
    log::info("imap.login",
              {{"cid", context_.cid}, {"user", account->address}, {"mechanism", std::string(how)}});
    context_.status->set_user(account->address);
    account_ = std::move(*account);
    // The password hashes are not needed again; a session may stay for days (IDLE), so it
    // keeps neither their bytes nor their memory.
    store::forget_credentials(account_->credentials);
    state_ = SessionState::Authenticated;
    reader_ = CommandReader(reader_limits());  // authenticated limits (APPEND literals)
    // RFC 9051 §6.2.3: the capabilities may change with authentication; say so at once.
    tagged(command.tag, "OK", "[CAPABILITY " + capability_list() + "] Logged in");
}

Awaitable<bool> Session::on_login(const Command& command)
{
    if (!auth_offered()) {
        // RFC 9051 §6.2.3 with LOGINDISABLED; credentials are not even looked at.
        tagged(command.tag, "NO", "[PRIVACYREQUIRED] Use STARTTLS before LOGIN");
        (void)count_error();
        co_return true;
    }
    const net::LoginThrottle::Clock::time_point now = net::LoginThrottle::Clock::now();
    if (auto left = handler_.throttle().locked_out(connection_.peer().address(), now)) {
        tagged(command.tag, "NO",
               "[UNAVAILABLE] Too many failed logins, try again in " +
                   std::to_string(left->count()) + " s");
        (void)count_error();
        co_return true;
    }
    const auto& args = std::get<LoginArgs>(command.args);
    directory::Directory& directory = handler_.directory();
    std::function<Result<store::Account>()> check = [&directory, user = args.user,
                                                     password = args.password] {
        return directory.authenticate(user, password);
    };
    Result<store::Account> checked =
        co_await store::off_io_thread(handler_.blocking().passwords, std::move(check));
    if (!checked) {
        login_refused(command, checked.error(), args.user);
        co_return true;
    }
    co_await finish_login(command, args.user, "LOGIN");
    co_return true;
}

Awaitable<bool> Session::on_authenticate(const Command& command)
{
    const auto& args = std::get<AuthenticateArgs>(command.args);
    if (!auth_offered()) {
        tagged(command.tag, "NO", "[PRIVACYREQUIRED] Use STARTTLS before AUTHENTICATE");
        (void)count_error();
        co_return true;
    }
    net::LoginThrottle& throttle = handler_.throttle();
    const auto peer = connection_.peer().address();
    if (auto left = throttle.locked_out(peer, net::LoginThrottle::Clock::now())) {
        tagged(command.tag, "NO",
               "[UNAVAILABLE] Too many failed logins, try again in " +
                   std::to_string(left->count()) + " s");
        (void)count_error();
        co_return true;
    }
    Result<sasl::Mechanism> mechanism = sasl::parse_mechanism(args.mechanism);
    if (!mechanism) {
        tagged(command.tag, "NO", "Unsupported authentication mechanism");
        (void)count_error();
        co_return true;
    }
    sasl::ServerExchange exchange(*mechanism, settings_.sasl);
    sasl::Step step;
    if (args.initial_response) {
        // RFC 4959 §3: "=" is an empty initial response.
        Result<std::string> decoded = *args.initial_response == "="
                                          ? Result<std::string>(std::string())
                                          : decode_base64(*args.initial_response);
        if (!decoded) {
            refuse(command.tag, "Cannot decode the initial response");
            co_return true;
        }
        step = exchange.step(*decoded);
    } else {
        step.kind = sasl::Step::Kind::Challenge;
        step.challenge = exchange.initial_challenge();
    }
    directory::Directory& directory = handler_.directory();
    using Kind = sasl::Step::Kind;
    for (;;) {
        if (step.kind == Kind::Challenge) {
            out_ += "+ " + encode_base64(step.challenge) + "\r\n";  // RFC 9051 §7.5
            if (!co_await flush()) {
                co_return false;
            }
            const auto timeout = settings_.pre_auth_timeout;
            auto line = co_await connection_.read_line(max_response_line, deadline_after(timeout));
            if (!line) {
                if (line.error().code == Errc::Limit) {
                    refuse(command.tag, "SASL response too long");
                    co_return true;
                }
                co_return false;
            }
            if (line->bare_lf || line->bare_cr) {
                refuse(command.tag, "line not terminated by CRLF");
                co_return true;
            }
            if (line->text == "*") {
                // RFC 9051 §6.2.2: a cancelled exchange is answered with BAD.
                refuse(command.tag, "AUTHENTICATE cancelled");
                co_return true;
            }
            Result<std::string> decoded = decode_base64(line->text);
            if (!decoded) {
                refuse(command.tag, "Cannot decode the response");
                co_return true;
            }
            step = exchange.step(*decoded);
        } else if (step.kind == Kind::NeedPasswordCheck ||
                   step.kind == Kind::NeedScramCredentials) {
            // Named before the co_await (GCC 12 and temporaries in co_await expressions).
            auto answered = directory::answer_directory_step(exchange, std::move(step), directory,
                                                             handler_.blocking().passwords,
                                                             handler_.blocking().lookups);
            step = co_await std::move(answered);
        } else if (step.kind == Kind::Success) {
            co_await finish_login(command, step.authcid, sasl::mechanism_name(*mechanism));
            co_return true;
        } else {
            login_refused(command, step.error, step.authcid);
            co_return true;
        }
    }
}

}  // namespace harbor::imap::server
