// One POP3 connection's state and its command handlers (internal to pop3/): the session loop,
// framing, CAPA, STLS and QUIT in session.cpp; USER, PASS and AUTH in session_auth.cpp; the
// TRANSACTION commands and the UPDATE state in session_transaction.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection.hpp"
#include "pop3/command.hpp"
#include "pop3/session.hpp"

namespace harbor::pop3 {

// RFC 1939 §3. UPDATE is entered only by QUIT from TRANSACTION.
enum class State { Authorization, Transaction };

// One message of the maildrop snapshot: message number n is messages[n - 1] (RFC 1939 §5),
// ascending by UID. Messages delivered after login are not in it.
struct MaildropMessage {
    store::MessageRecord record;
    std::optional<std::uint64_t> size;  // pop3_size, once known
    bool deleted = false;               // marked by DELE, until RSET or QUIT
};

// What RETR sends for one message: its POP3 form, byte-stuffed, without the final ".".
struct Retrieved {
    std::string stuffed;
    std::uint64_t size = 0;  // pop3_size, before the stuffing
};

struct Maildrop {
    store::MailboxId mailbox;  // INBOX; id 0 when the account has none yet
    std::uint32_t uidvalidity = 0;
    std::vector<MaildropMessage> messages;
    MaildropLocks::Lease lease;
};

class Session {
public:
    Session(Pop3Handler& handler, net::Connection& connection, net::SessionContext& context);
    net::Awaitable<void> run();

private:
    // Responses are collected and written when the client has nothing more pipelined (RFC
    // 2449 §6.6), or at once where the client waits (SASL challenges, STLS, the last reply).
    // Never built inside a co_await expression (GCC 12 temporaries).
    void ok(std::string_view text);
    void err(std::string_view text);
    net::Awaitable<bool> flush();
    net::Awaitable<void> say_last(std::string_view text);  // write, without waiting long
    // Answers -ERR and counts the error; at max_errors the answer says so and the session
    // ends after this command (closing_).
    void refuse(std::string_view text);

    // The next command line; nullopt when the session ends (closed, timed out, too many
    // errors). Over-long lines are answered here.
    net::Awaitable<std::optional<std::string>> read_command_line();
    net::Awaitable<bool> on_command(const Command& command);
    bool allowed_in_state(Verb verb) const;
    // USER, PASS and the plaintext SASL mechanisms (RFC 2595 §2, RFC 8314 §3): only over TLS
    // or on a listener trusted with plaintext.
    bool auth_offered() const;
    void on_capa();
    net::Awaitable<bool> on_stls();

    // session_auth.cpp
    void on_user(const Command& command);
    net::Awaitable<void> on_pass(const Command& command);
    net::Awaitable<bool> on_auth(const Command& command);
    // The password or SASL exchange succeeded: the POP3 right, the maildrop lock, the snapshot,
    // the state change and the +OK (or the refusal).
    net::Awaitable<void> finish_login(std::string authcid, std::string_view how);
    void login_refused(const Error& error, std::string_view authcid);
    // -ERR if the client's network is locked out by the login throttle.
    bool locked_out();

    // session_transaction.cpp
    // The message a number argument names, or -ERR (counted) and nullptr.
    MaildropMessage* message_at(std::string_view argument);
    std::size_t number_of(const MaildropMessage& message) const;  // its message number
    net::Awaitable<bool> ensure_sizes();  // false: the store failed (answered)
    net::Awaitable<void> on_stat();
    net::Awaitable<void> on_list(const Command& command);
    net::Awaitable<void> on_retr(const Command& command);  // RETR and TOP
    // Reads message index + 1 and the undeleted ones after it (bounded) into read_ahead_.
    net::Awaitable<void> read_from(std::size_t index);
    void on_dele(const Command& command);
    void on_rset();
    void on_uidl(const Command& command);
    net::Awaitable<void> on_quit_update();  // the UPDATE state (RFC 1939 §6)
    std::string unique_id(const MaildropMessage& message) const;

    Pop3Handler& handler_;
    net::Connection& connection_;
    net::SessionContext& context_;
    const Pop3Settings& settings_;
    std::string out_;
    std::size_t errors_ = 0;
    bool closing_ = false;  // too many errors: the session ends after this command
    State state_ = State::Authorization;
    std::string user_;  // from USER, for PASS
    std::optional<store::Account> account_;
    Maildrop maildrop_;
    std::map<std::size_t, Result<Retrieved>> read_ahead_;  // by index into the maildrop
};

}  // namespace harbor::pop3
