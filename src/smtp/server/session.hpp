// The SMTP server session (RFC 5321) for MX reception and submission (RFC 6409): one
// net::SessionHandler for both protocols; the listener's Protocol tells them apart. Replies and
// their codes are listed in docs/smtp.md.
// SECURITY: every byte is untrusted. Command lines are capped (smtp/protocol/command.hpp), DATA
// and BDAT stream through data_reader.hpp into a spool file (never whole in memory), errors
// per session are counted and end it, and nothing is acknowledged before it is durable.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "directory/directory.hpp"
#include "filter/mail_auth.hpp"
#include "mime/header.hpp"
#include "net/cidr.hpp"
#include "net/login_throttle.hpp"
#include "net/session.hpp"
#include "sasl/server_exchange.hpp"
#include "smtp/server/data_reader.hpp"
#include "smtp/server/recipient_cache.hpp"
#include "smtp/server/signing_keys.hpp"
#include "store/store.hpp"
#include "store/task_pool.hpp"

namespace harbor::smtp::server {

// What differs between SMTP listeners (harbor.toml [[listener]]).
struct ListenerPolicy {
    // MX listeners wait this long before the greeting; a client that talks meanwhile is not
    // a real MTA (RFC 5321 §3.1: wait for the greeting) and is refused (postscreen pregreet).
    std::chrono::milliseconds greet_pause{0};
    std::chrono::seconds command_timeout{300};  // RFC 5321 §4.5.3.2.7
    std::chrono::seconds data_timeout{180};     // RFC 5321 §4.5.3.2.5, per read in DATA/BDAT
    net::NetworkList relay_networks;            // may relay without authenticating
};

// What the internal server of a split domain says of a recipient the directory does not know.
enum class RoutedRecipient { Exists, Unknown, Unverified };

struct SmtpSettings {
    std::string hostname;  // announced in the greeting, EHLO and Received
    std::uint64_t max_message_size = default_max_message_size;  // SIZE (RFC 1870)
    std::size_t max_recipients = 100;     // RFC 5321 §4.5.3.1.8 minimum
    std::size_t max_errors = 20;          // then 421 and close (Postfix smtpd_hard_error_limit)
    std::chrono::milliseconds recipient_cache_ttl{2000};  // RecipientCache
    std::map<std::string, ListenerPolicy, std::less<>> listeners;  // by listener name
    ListenerPolicy default_policy;        // a listener not in the map (tests)
    mime::Limits message_limits;      // harbor.toml [mime], for every message parsed here
    sasl::ExchangeSettings sasl;      // its mock_secret must be stable (protocol_handlers.cpp)
    net::LoginThrottlePolicy login_throttle;
    // Called (on an io thread) when a message or notice joined the outbound queue: wakes the
    // queue runner. Empty: nothing to tell.
    std::function<void()> on_queued;
    // Recipient verification: asks the internal server of a split local domain whether it has
    // an address the directory lacks (QueueRunner::verify_recipient), on any thread; done may
    // be called on any thread. Empty: such recipients are accepted without asking.
    std::function<void(std::string, store::Done<RoutedRecipient>)> verify_routed;
    // The authentication checks of mail from outside (SPF at MAIL, Authentication-Results);
    // null: none. Not run for authenticated clients or relay_networks. Must outlive the handler.
    const filter::MailAuth* mail_auth = nullptr;

    const ListenerPolicy& policy(std::string_view listener) const;
};

class SmtpHandler final : public net::SessionHandler {
public:
    // `throttle`: the login throttle shared with the other protocols that take passwords, so
    // that guesses spread over SMTP AUTH and IMAP count together; null makes one of its own
    // from settings.login_throttle.
    SmtpHandler(store::Store& store, SmtpSettings settings,
                std::shared_ptr<net::LoginThrottle> throttle = nullptr);
    net::Awaitable<void> run(net::Connection& connection, net::SessionContext& context) override;
    net::Awaitable<void> refuse(net::Connection& connection,
                                net::SessionContext& context) override;

    store::Store& store() { return store_; }
    directory::Directory& directory() { return directory_; }
    const SmtpSettings& settings() const { return settings_; }
    net::LoginThrottle& throttle() { return *throttle_; }
    RecipientCache& recipients() { return recipients_; }
    SigningKeys& signing_keys() { return signing_keys_; }

    // Threads for the blocking calls a session must not make on its io thread
    // (store::off_io_thread): argon2 checks, and directory lookups.
    struct Blocking {
        Blocking();
        store::TaskPool passwords;
        store::TaskPool lookups;
    };
    Blocking& blocking() { return blocking_; }

private:
    store::Store& store_;
    directory::Directory directory_;
    SmtpSettings settings_;
    std::shared_ptr<net::LoginThrottle> throttle_;
    RecipientCache recipients_;
    SigningKeys signing_keys_;
    Blocking blocking_;
};

}  // namespace harbor::smtp::server
