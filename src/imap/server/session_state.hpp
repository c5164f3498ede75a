// One IMAP connection's state and its command handlers (internal to imap/server): the session
// loop, framing and the any-state commands in session.cpp, LOGIN and AUTHENTICATE in
// session_auth.cpp, the authenticated-state commands in session_mailbox.cpp, APPEND in
// session_append.cpp, FETCH in session_fetch.cpp (message data in fetch_data.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/protocol/command.hpp"
#include "imap/protocol/command_reader.hpp"
#include "imap/server/session.hpp"
#include "net/connection.hpp"

namespace harbor::imap::server {

enum class SessionState { NotAuthenticated, Authenticated, Selected };

// The mailbox open after SELECT/EXAMINE: message sequence number n is messages[n - 1]
// (RFC 9051 §2.3.1.2), kept until the session learns of changes (NOOP, RFC 9051 §7.4.1).
struct SelectedMailbox {
    store::Mailbox mailbox;
    bool read_only = false;  // EXAMINE
    std::vector<store::MessageRecord> messages;
};

class Session {
public:
    Session(ImapHandler& handler, net::Connection& connection, net::SessionContext& context);
    net::Awaitable<void> run();

private:
    // Responses are collected and written when the client has nothing more pipelined, or at
    // once where the client waits for them (continuation requests, STARTTLS). Responses are
    // never built inside a co_await expression (GCC 12 temporaries, see smtp/server).
    void untagged(std::string_view text);
    void tagged(std::string_view tag, std::string_view status, std::string_view text);
    net::Awaitable<bool> flush();
    net::Awaitable<void> close_with_bye(std::string text);
    // Counts a refused command; false when the session must end (max_errors).
    bool count_error();
    void refuse(std::string_view tag, std::string_view text);  // BAD, counted

    // The next complete command, after answering literal requests and framing errors on the
    // way; nullopt when the session ends (closed, timed out, too many errors).
    net::Awaitable<std::optional<RawCommand>> read_command();
    ReaderLimits reader_limits() const;

    // Capabilities (RFC 9051 §6.1.1), as they stand in this state.
    std::string capability_list() const;
    bool auth_offered() const;
    bool utf8_names() const { return utf8_accept_; }

    // Each returns false when the session ends.
    net::Awaitable<bool> on_command(const Command& command);
    bool allowed_in_state(CommandName name) const;
    net::Awaitable<bool> on_starttls(const Command& command);
    net::Awaitable<void> on_noop(const Command& command);

    // session_auth.cpp
    net::Awaitable<bool> on_login(const Command& command);
    net::Awaitable<bool> on_authenticate(const Command& command);
    // The password or SASL check succeeded for `authcid`: the IMAP right, the throttle, the
    // state change and the tagged OK (or the refusal).
    net::Awaitable<void> finish_login(const Command& command, std::string authcid,
                                      std::string_view how);
    void login_refused(const Command& command, const Error& error, std::string_view authcid);

    // session_mailbox.cpp
    void on_enable(const Command& command);
    void on_id(const Command& command);
    void on_namespace(const Command& command);
    net::Awaitable<void> on_list(const Command& command);
    net::Awaitable<void> on_select(const Command& command);
    net::Awaitable<void> on_status(const Command& command);
    void on_close(const Command& command);
    // Mailbox names between client and store: modified UTF-7 unless UTF8=ACCEPT is enabled
    // (RFC 9051 §5.1, RFC 6855 §3), normalised (INBOX); Errc::Invalid with the reason.
    Result<std::string> name_from_client(std::string_view sent) const;
    std::string name_for_client(std::string_view name) const;
    net::Awaitable<Result<std::vector<store::Mailbox>>> load_mailboxes();
    net::Awaitable<Result<std::vector<store::MessageRecord>>> load_messages(store::MailboxId id);
    // Tells the client about messages added or removed since it last looked (EXPUNGE, EXISTS).
    net::Awaitable<void> refresh_selected();

    // session_append.cpp
    net::Awaitable<void> on_append(const Command& command);

    // session_fetch.cpp
    net::Awaitable<bool> on_fetch(const Command& command);

    ImapHandler& handler_;
    net::Connection& connection_;
    net::SessionContext& context_;
    const ImapSettings& settings_;
    CommandReader reader_;
    std::string out_;
    std::size_t errors_ = 0;
    SessionState state_ = SessionState::NotAuthenticated;
    std::optional<store::Account> account_;
    std::optional<SelectedMailbox> selected_;
    bool utf8_accept_ = false;  // ENABLE UTF8=ACCEPT (RFC 6855 §3)
    bool imap4rev2_ = false;    // ENABLE IMAP4rev2 (RFC 9051 §6.3.1)
};

// "tag NO [UNAVAILABLE] ..." for a store or directory that could not answer (RFC 5530 §3); the
// detail goes to the log only.
inline constexpr std::string_view unavailable_text = "[UNAVAILABLE] Temporary failure, try again";

}  // namespace harbor::imap::server
