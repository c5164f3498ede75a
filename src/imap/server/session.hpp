// The IMAP4rev2 server session (RFC 9051, with RFC 3501 IMAP4rev1 compatibility) for the imap
// (143, STARTTLS) and imaps (993, implicit TLS, RFC 8314) listeners: one net::SessionHandler
// for every connection. What it speaks is listed in capability_list() (session.cpp); the
// commands it does not implement yet are refused with NO/BAD and kept out of CAPABILITY.
// SECURITY: every byte is untrusted. Commands are framed by imap::CommandReader (lines, literals
// and whole commands bounded by ReaderLimits, smaller before authentication), parsed by
// parse_command (bounded, fuzzed); reads have deadlines; refused commands are counted and end
// the session; password checks and message reads run off the io thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "directory/directory.hpp"
#include "imap/server/mailbox_states.hpp"
#include "imap/server/mailbox_views.hpp"
#include "mime/header.hpp"
#include "net/login_throttle.hpp"
#include "net/session.hpp"
#include "sasl/server_exchange.hpp"
#include "store/change_feed.hpp"
#include "store/store.hpp"
#include "store/task_pool.hpp"
#include "store/text/text_index.hpp"

namespace harbor::imap::server {

struct ImapSettings {
    // RFC 9051 §5.4: "the autologout timer MUST be at least 30 minutes" once authenticated.
    std::chrono::seconds idle_timeout{30 * 60};
    // Before authentication a silent client holds a connection slot for nothing (§5.4 allows
    // a shorter timer there).
    std::chrono::seconds pre_auth_timeout{60};
    // From the first octet of a command to its last, literals included: a command that never
    // ends is cut off even while octets trickle in.
    std::chrono::seconds command_timeout{10 * 60};
    std::size_t max_errors = 10;  // refused commands, then "* BYE" and close
    // The largest message APPEND takes (APPENDLIMIT, RFC 7889); also the literal limit.
    std::uint64_t max_append = 50ULL * 1024 * 1024;
    // Before authentication no literal needs more than a LOGIN password.
    std::uint64_t max_pre_auth_literal = 4096;
    mime::Limits message_limits;  // harbor.toml [mime], for every message parsed here
    // The full-text index for SEARCH BODY/TEXT (store/text/text_index.hpp), made with
    // message_limits; null: every message is evaluated. Must outlive the handler.
    store::text::TextIndex* text_index = nullptr;
    sasl::ExchangeSettings sasl;  // its mock_secret must be stable (protocol_handlers.cpp)
};

class ImapHandler final : public net::SessionHandler {
public:
    // `throttle` is shared with the other protocols that take passwords (POP3, SMTP AUTH may
    // keep their own); it must outlive the handler, and so must `store` and `changes`.
    ImapHandler(store::Store& store, store::ChangeFeed& changes, ImapSettings settings,
                std::shared_ptr<net::LoginThrottle> throttle);
    net::Awaitable<void> run(net::Connection& connection, net::SessionContext& context) override;
    net::Awaitable<void> refuse(net::Connection& connection, net::SessionContext& context) override;

    store::Store& store() { return store_; }
    store::ChangeFeed& changes() { return changes_; }
    directory::Directory& directory() { return directory_; }
    const ImapSettings& settings() const { return settings_; }
    net::LoginThrottle& throttle() { return *throttle_; }
    MailboxViews& views() { return views_; }
    MailboxStates& mailbox_states() { return mailbox_states_; }

    // Threads for the blocking calls a session must not make on its io thread: argon2 checks,
    // directory lookups, and mailbox and message reads.
    struct Blocking {
        Blocking();
        store::TaskPool passwords;
        store::TaskPool lookups;
        store::TaskPool messages;
    };
    Blocking& blocking() { return blocking_; }

private:
    store::Store& store_;
    store::ChangeFeed& changes_;
    directory::Directory directory_;
    ImapSettings settings_;
    std::shared_ptr<net::LoginThrottle> throttle_;
    Blocking blocking_;
    MailboxViews views_;
    MailboxStates mailbox_states_;
};

}  // namespace harbor::imap::server
