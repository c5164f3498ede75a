// AUTH (RFC 4954) on submission listeners: the SASL exchange of sasl/server_exchange.hpp, the
// password check (argon2) off the io thread and the login throttle per client network.
#include "core/base64.hpp"
#include "core/log.hpp"
#include "sasl/scram_sha256.hpp"
#include "smtp/server/session_state.hpp"
#include "directory/sasl_lookup.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::server {
namespace {

using net::Awaitable;
using net::deadline_after;

Reply auth_refusal(const Error& error)
{
    switch (error.code) {
    case Errc::Invalid:
        return Reply{501, "5.5.2", "Cannot decode the response"};  // RFC 4954 §4
    case Errc::TempFail:
    case Errc::Io:
        return Reply{454, "4.7.0", "Temporary authentication failure"};  // RFC 4954 §6
    default:
        return Reply{535, "5.7.8", "Authentication credentials invalid"};  // RFC 4954 §6
    }
}

}  // namespace

// Password checks take tens of milliseconds each; lookups get threads of their own so that a
// burst of logins does not hold up RCPT.
SmtpHandler::Blocking::Blocking() : passwords(4, "smtp-password"), lookups(4, "smtp-lookup") {}

Awaitable<bool> Session::on_auth(const Command& command)
{
    if (!submission()) {
        reply(Reply{503, "5.5.1", "AUTH not available"});
        co_return count_error();
    }
    if (!auth_offered()) {
        reply(Reply{538, "5.7.11", "Encryption required for requested authentication mechanism"});
        co_return count_error();
    }
    if (authenticated_ || transaction_) {
        // RFC 4954 §4: once per session, and never within a mail transaction.
        reply(Reply{503, "5.5.1", authenticated_ ? "Already authenticated" : "AUTH during MAIL"});
        co_return count_error();
    }
    net::LoginThrottle& throttle = handler_.throttle();
    const auto peer = connection_.peer().address();
    if (auto left = throttle.locked_out(peer, net::LoginThrottle::Clock::now())) {
        reply(Reply{454, "4.7.0", "Too many failed logins, try again in " +
                                      std::to_string(left->count()) + " s"});
        co_return count_error();
    }
    Parsed<AuthCommand> auth = parse_auth(command.argument);
    if (!auth) {
        reply(auth.error());
        co_return count_error();
    }
    Result<sasl::Mechanism> mechanism = sasl::parse_mechanism(auth->mechanism);
    if (!mechanism) {
        reply(Reply{504, "5.5.4", "Unrecognized authentication type"});  // RFC 4954 §6
        co_return count_error();
    }
    sasl::ServerExchange exchange(*mechanism, handler_.settings().sasl);
    sasl::Step step;
    if (auth->initial_response) {
        step = exchange.step(*auth->initial_response);
    } else {
        step.kind = sasl::Step::Kind::Challenge;
        step.challenge = exchange.initial_challenge();
    }
    directory::Directory& directory = handler_.directory();
    // An if-chain, not a switch: GCC 12 mishandles temporaries of co_await inside switch cases.
    using Kind = sasl::Step::Kind;
    for (;;) {
        if (step.kind == Kind::Challenge) {
            reply(Reply{334, "", encode_base64(step.challenge)});
            if (!co_await flush()) {
                co_return false;
            }
            auto line = co_await connection_.read_line(
                max_auth_command_line, deadline_after(policy_.command_timeout));
            if (!line) {
                co_return false;
            }
            if (line->text == "*") {
                reply(Reply{501, "5.0.0", "Authentication cancelled"});  // RFC 4954 §4
                co_return count_error();
            }
            Result<std::string> decoded = decode_base64(line->text);
            if (!decoded) {
                reply(Reply{501, "5.5.2", "Cannot decode the response"});
                co_return count_error();
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
            std::function<Result<store::Account>()> find =
                [&directory, authcid = step.authcid] { return directory.find_user(authcid); };
            Result<store::Account> account =
                co_await store::off_io_thread(handler_.blocking().lookups, std::move(find));
            if (!account || !directory::is_allowed(*account, directory::Protocol::Submission)) {
                step.kind = Kind::Failure;
                step.error = Error{Errc::Permission, "account may not submit"};
                continue;
            }
            throttle.record_success(peer, net::LoginThrottle::Clock::now());
            log::info("smtp.auth", {{"cid", context_.cid},
                                    {"user", account->address},
                                    {"mechanism", std::string(sasl::mechanism_name(*mechanism))}});
            context_.status->set_user(account->address);
            context_.status->set_state(net::SessionState::Authenticated);
            authenticated_ = std::move(*account);
            store::forget_credentials(authenticated_->credentials);  // not needed again
            reply(Reply{235, "2.7.0", "Authentication successful"});
            co_return true;
        } else {
            if (step.error.code == Errc::Invalid || step.error.code == Errc::Permission ||
                step.error.code == Errc::Unsupported) {
                if (throttle.record_failure(peer, net::LoginThrottle::Clock::now())) {
                    log::warn("smtp.auth.lockout", {{"cid", context_.cid}, {"peer", context_.peer}});
                }
            }
            log::info("smtp.auth.failed", {{"cid", context_.cid},
                                           {"peer", context_.peer},
                                           {"user", step.authcid},
                                           {"error", step.error.to_string()}});
            reply(auth_refusal(step.error));
            co_return count_error();
        }
    }
}

}  // namespace harbor::smtp::server
