// The POP3 server session (RFC 1939, extensions of RFC 2449: CAPA, TOP, UIDL, USER, SASL,
// RESP-CODES, PIPELINING; STLS of RFC 2595; AUTH of RFC 5034 with AUTH-RESP-CODE) for the pop3
// (110, STLS) and pop3s (995, implicit TLS, RFC 8314) listeners. The maildrop is the account's
// INBOX, taken as a snapshot at login; DELE only marks, and the marked messages are expunged
// in one durable store call at QUIT (the UPDATE state, RFC 1939 §6). A second POP3 session
// of the same account gets -ERR [IN-USE] (RFC 2449 §8.1.1); IMAP sessions are not locked out.
// SECURITY: every byte is untrusted. Command lines are bounded (255 octets, RFC 2449 §4; the
// AUTH line and SASL responses by the SASL bound), parsed by pop3::parse_command (fuzzed),
// read with deadlines; refused commands are counted and max_errors ends the session; passwords
// only over TLS unless the listener is trusted plaintext; password checks and message reads
// run off the io thread. A session holds at most one read-ahead batch of messages (32, about
// 4 MiB stored; session_transaction.cpp) beyond the responses it is writing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "directory/directory.hpp"
#include "net/login_throttle.hpp"
#include "net/session.hpp"
#include "pop3/maildrop_locks.hpp"
#include "sasl/server_exchange.hpp"
#include "store/store.hpp"
#include "store/task_pool.hpp"

namespace harbor::pop3 {

struct Pop3Settings {
    // RFC 1939 §3: "an autologout timer ... of at least 10 minutes" once authenticated.
    std::chrono::seconds idle_timeout{10 * 60};
    // Before authentication a silent client only holds a connection slot.
    std::chrono::seconds pre_auth_timeout{60};
    std::size_t max_errors = 10;  // refused commands, then -ERR and close
    sasl::ExchangeSettings sasl;  // its mock_secret must be stable (protocol_handlers.cpp)
};

// The POP3 size of a blob (message_text.hpp pop3_size) by its content hash: counting bare LFs
// means reading the blob, and a maildrop is listed again on every login of a "leave mail on
// the server" client. Bounded: cleared when full. Thread-safe.
class SizeCache {
public:
    static constexpr std::size_t max_entries = 200000;
    std::optional<std::uint64_t> find(const std::string& sha256) const;
    void remember(const std::string& sha256, std::uint64_t size);

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::uint64_t> sizes_;
};

class Pop3Handler final : public net::SessionHandler {
public:
    // `throttle` is the login throttle shared with IMAP and SMTP AUTH; it and `store` must
    // outlive the handler.
    Pop3Handler(store::Store& store, Pop3Settings settings,
                std::shared_ptr<net::LoginThrottle> throttle);
    net::Awaitable<void> run(net::Connection& connection, net::SessionContext& context) override;
    net::Awaitable<void> refuse(net::Connection& connection, net::SessionContext& context) override;

    store::Store& store() { return store_; }
    directory::Directory& directory() { return directory_; }
    const Pop3Settings& settings() const { return settings_; }
    net::LoginThrottle& throttle() { return *throttle_; }
    MaildropLocks& locks() { return locks_; }
    SizeCache& sizes() { return sizes_; }

    // Threads for the blocking calls a session must not make on its io thread.
    struct Blocking {
        Blocking();
        store::TaskPool passwords;
        store::TaskPool lookups;
        store::TaskPool messages;
    };
    Blocking& blocking() { return blocking_; }

private:
    store::Store& store_;
    directory::Directory directory_;
    Pop3Settings settings_;
    std::shared_ptr<net::LoginThrottle> throttle_;
    MaildropLocks locks_;
    SizeCache sizes_;
    Blocking blocking_;
};

}  // namespace harbor::pop3
