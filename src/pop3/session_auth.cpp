// USER and PASS (RFC 1939 §7) and AUTH (RFC 5034) through sasl::ServerExchange: PLAIN, LOGIN
// and SCRAM-SHA-256. Password checks run off the io thread, failures count towards the login
// throttle shared with IMAP and SMTP AUTH, the account needs the POP3 right, and the maildrop
// must not be held by another POP3 session. Response codes: RFC 2449 §8 IN-USE, RFC 3206 AUTH
// and SYS/TEMP (AUTH-RESP-CODE, RFC 5034 §6).
// SECURITY: credentials are untrusted; SASL responses are read as one line of at most
// max_response_line octets, decoded and bounded by the exchange. Every failed check gets the
// same text (no account enumeration); passwords never reach a log. Before TLS on a listener
// that is not trusted, USER, PASS and AUTH are refused without looking at what was sent.
#include "core/base64.hpp"
#include "core/log.hpp"
#include "directory/sasl_lookup.hpp"
#include "pop3/session_state.hpp"
#include "store/awaitable.hpp"

#include <algorithm>

namespace harbor::pop3 {
namespace {

using net::Awaitable;
using net::deadline_after;

// base64 of the largest response the exchange accepts, plus CRLF.
constexpr std::size_t max_response_line = (sasl::max_client_response + 2) / 3 * 4 + 2;
constexpr std::string_view privacy_text =
    "[AUTH] Plaintext authentication is not allowed without TLS (use STLS)";

// The snapshot of the maildrop (RFC 1939 §5): INBOX as it is now; none yet is an empty one.
Result<Maildrop> load_maildrop(store::Store& store, store::AccountId account)
{
    Maildrop maildrop;
    Result<store::Mailbox> inbox = store.find_mailbox(account, "INBOX");
    if (!inbox) {
        if (inbox.error().code == Errc::NotFound) {
            return maildrop;
        }
        return unexpected(inbox.error());
    }
    maildrop.mailbox = inbox->id;
    maildrop.uidvalidity = inbox->uidvalidity;
    Result<std::vector<store::MessageRecord>> records = store.list_messages(inbox->id);
    HARBOR_TRY(records);
    std::sort(records->begin(), records->end(),
              [](const auto& a, const auto& b) { return a.uid < b.uid; });
    maildrop.messages.reserve(records->size());
    for (store::MessageRecord& record : *records) {
        maildrop.messages.push_back(MaildropMessage{std::move(record), std::nullopt, false});
    }
    return maildrop;
}

}  // namespace

bool Session::locked_out()
{
    const auto now = net::LoginThrottle::Clock::now();
    if (auto left = handler_.throttle().locked_out(connection_.peer().address(), now)) {
        refuse("[SYS/TEMP] Too many failed logins, try again in " + std::to_string(left->count()) +
               " s");
        return true;
    }
    return false;
}

void Session::login_refused(const Error& error, std::string_view authcid)
{
    if (error.code == Errc::Invalid || error.code == Errc::Permission ||
        error.code == Errc::Unsupported) {
        if (handler_.throttle().record_failure(connection_.peer().address(),
                                               net::LoginThrottle::Clock::now())) {
            log::warn("pop3.auth.lockout", {{"cid", context_.cid}, {"peer", context_.peer}});
        }
    }
    log::info("pop3.auth.failed", {{"cid", context_.cid},
                                   {"peer", context_.peer},
                                   {"user", std::string(authcid)},
                                   {"error", error.to_string()}});
    if (error.code == Errc::TempFail || error.code == Errc::Io) {
        refuse("[SYS/TEMP] Temporary failure, try again");
    } else {
        refuse("[AUTH] Authentication failed");
    }
}

Awaitable<void> Session::finish_login(std::string authcid, std::string_view how)
{
    directory::Directory& directory = handler_.directory();
    std::function<Result<store::Account>()> find = [&directory, authcid] {
        return directory.find_user(authcid);
    };
    Result<store::Account> account =
        co_await store::off_io_thread(handler_.blocking().lookups, std::move(find));
    if (!account) {
        login_refused(account.error(), authcid);
        co_return;
    }
    // The password was right, so the reason may be told (RFC 3206 §4 AUTH).
    handler_.throttle().record_success(connection_.peer().address(),
                                       net::LoginThrottle::Clock::now());
    if (!directory::is_allowed(*account, directory::Protocol::Pop3)) {
        log::info("pop3.auth.no_right", {{"cid", context_.cid}, {"user", account->address}});
        refuse("[AUTH] POP3 access is not enabled for this account");
        co_return;
    }
    std::optional<MaildropLocks::Lease> lease = handler_.locks().try_lock(account->id);
    if (!lease) {
        // RFC 2449 §8.1.1; not the client's error, so not counted.
        log::info("pop3.in_use", {{"cid", context_.cid}, {"user", account->address}});
        err("[IN-USE] Maildrop is in use by another POP3 session");
        co_return;
    }
    store::Store& store = handler_.store();
    std::function<Result<Maildrop>()> load = [&store, id = account->id] {
        return load_maildrop(store, id);
    };
    Result<Maildrop> maildrop =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(load));
    if (!maildrop) {
        log::warn("pop3.maildrop.failed",
                  {{"cid", context_.cid}, {"error", maildrop.error().to_string()}});
        err("[SYS/TEMP] Cannot open the maildrop, try again later");
        co_return;
    }
    maildrop_ = std::move(*maildrop);
    maildrop_.lease = std::move(*lease);
    log::info("pop3.login", {{"cid", context_.cid},
                             {"user", account->address},
                             {"mechanism", std::string(how)},
                             {"messages", std::to_string(maildrop_.messages.size())}});
    context_.status->set_user(account->address);
    context_.status->set_state(net::SessionState::Authenticated);
    account_ = std::move(*account);
    store::forget_credentials(account_->credentials);  // not needed again
    state_ = State::Transaction;
    ok("Logged in, " + std::to_string(maildrop_.messages.size()) + " messages");
}

void Session::on_user(const Command& command)
{
    if (!auth_offered()) {
        refuse(privacy_text);  // SECURITY-CASES 30
        return;
    }
    const std::string& name = command.args.front();
    if (name.size() > sasl::max_sasl_identity) {
        refuse("[AUTH] User name too long");
        return;
    }
    user_ = name;
    ok("Send PASS");
}

Awaitable<void> Session::on_pass(const Command& command)
{
    if (!auth_offered()) {
        refuse(privacy_text);
        co_return;
    }
    if (user_.empty()) {
        refuse("USER first");
        co_return;
    }
    std::string user = std::move(user_);
    user_.clear();
    if (locked_out()) {
        co_return;
    }
    directory::Directory& directory = handler_.directory();
    std::function<Result<store::Account>()> check = [&directory, user,
                                                     password = command.args.front()] {
        return directory.authenticate(user, password);
    };
    Result<store::Account> checked =
        co_await store::off_io_thread(handler_.blocking().passwords, std::move(check));
    if (!checked) {
        login_refused(checked.error(), user);
        co_return;
    }
    co_await finish_login(std::move(user), "USER");
}

Awaitable<bool> Session::on_auth(const Command& command)
{
    if (command.args.empty()) {
        // RFC 1734 (kept by clients of RFC 5034): AUTH alone lists the mechanisms.
        std::string list = "+OK\r\n";
        if (auth_offered()) {
            for (const std::string_view name : sasl::mechanism_names()) {
                list += std::string(name) + "\r\n";
            }
        }
        out_ += list + ".\r\n";
        co_return true;
    }
    if (!auth_offered()) {
        refuse(privacy_text);
        co_return true;
    }
    if (locked_out()) {
        co_return true;
    }
    Result<sasl::Mechanism> mechanism = sasl::parse_mechanism(command.args[0]);
    if (!mechanism) {
        refuse("Unsupported authentication mechanism");
        co_return true;
    }
    sasl::ServerExchange exchange(*mechanism, settings_.sasl);
    sasl::Step step;
    if (command.args.size() == 2) {
        // RFC 5034 §4: "=" is an empty initial response.
        Result<std::string> decoded = command.args[1] == "=" ? Result<std::string>(std::string())
                                                             : decode_base64(command.args[1]);
        if (!decoded) {
            refuse("Cannot decode the initial response");
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
            out_ += "+ " + encode_base64(step.challenge) + "\r\n";  // RFC 5034 §4
            if (!co_await flush()) {
                co_return false;
            }
            const auto timeout = settings_.pre_auth_timeout;
            auto line = co_await connection_.read_line(max_response_line, deadline_after(timeout));
            if (!line) {
                if (line.error().code == Errc::Limit) {
                    refuse("SASL response too long");
                    co_return true;
                }
                co_return false;
            }
            if (line->text == "*") {
                // RFC 5034 §4: the client cancelled; the server answers -ERR.
                refuse("Authentication cancelled");
                co_return true;
            }
            Result<std::string> decoded = decode_base64(line->text);
            if (!decoded) {
                refuse("Cannot decode the response");
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
            co_await finish_login(step.authcid, sasl::mechanism_name(*mechanism));
            co_return true;
        } else {
            login_refused(step.error, step.authcid);
            co_return true;
        }
    }
}

}  // namespace harbor::pop3
