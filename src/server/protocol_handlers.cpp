// Handler construction for `harbor serve` and the demo. See protocol_handlers.hpp.
#include "server/protocol_handlers.hpp"

#include <fstream>
#include <sstream>

#include "core/file.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "http/http_session.hpp"
#include "imap/search/text_index.hpp"
#include "imap/server/session.hpp"
#include "mime/configured_limits.hpp"
#include "net/cidr.hpp"
#include "pop3/session.hpp"
#include "server/greeting_sessions.hpp"
#include "smtp/server/session.hpp"

namespace harbor::server {
namespace {

constexpr std::size_t mock_secret_chars = 43;             // random_token: ~256 bits
constexpr std::size_t verified_passwords_kept = 100'000;  // accounts, ~100 bytes each

// The key of the made-up SCRAM credentials for unknown users (sasl/server_exchange.hpp). It
// must survive restarts, so it lives in the data directory (mode 0600), made on first start.
Result<std::string> load_mock_secret(const std::filesystem::path& data_dir)
{
    const std::filesystem::path file = data_dir / "sasl-mock-secret";
    std::ifstream in(file);
    if (in) {
        std::ostringstream text;
        text << in.rdbuf();
        if (text.str().size() >= mock_secret_chars) {
            return text.str();
        }
    }
    std::string secret = random_token(mock_secret_chars);
    HARBOR_TRY(write_file_atomically(file, secret, 0600));
    return secret;
}

// Opens the full-text index under the data directory and starts its indexer, extracting text
// and blob summaries (FETCH ENVELOPE/BODYSTRUCTURE, header blocks) with the limits IMAP parses
// with, so that the index, the evaluator and FETCH agree (the session checks the extraction
// before taking a summary). The index is derived data: if it cannot be opened the server runs
// without it.
void start_text_index(const Config& config, ProtocolHandlers& result)
{
    imap::ContentLimits limits;
    limits.mime = mime::limits_from(config.mime).message;
    auto index = store::text::TextIndex::open(config.data_dir / store::text::index_file_name,
                                              imap::extraction_fingerprint(limits));
    if (!index) {
        log::warn("text_index.unavailable", {{"error", index.error().to_string()}});
        return;
    }
    result.text_index = std::move(*index);
    result.indexer = std::make_unique<store::text::TextIndexer>(
        *result.store, *result.changes, *result.text_index,
        [limits](std::string_view raw) { return imap::extract_search_text(raw, limits); });
}

// The SMTP server's reading of the queue runner's recipient verification.
smtp::server::RoutedRecipient routed_recipient_of(smtp::client::Outcome outcome)
{
    switch (outcome) {
        case smtp::client::Outcome::Delivered:
            return smtp::server::RoutedRecipient::Exists;
        case smtp::client::Outcome::Permanent:
            return smtp::server::RoutedRecipient::Unknown;
        case smtp::client::Outcome::Temporary:
            break;
    }
    return smtp::server::RoutedRecipient::Unverified;
}

dns::ResolverSettings resolver_settings(const Config& config)
{
    dns::ResolverSettings resolver;
    resolver.forwarders = config.dns.forwarders;
    resolver.trust_anchors = config.dns.trust_anchors;
    resolver.query_timeout = std::chrono::milliseconds(config.dns.timeout_ms);
    return resolver;
}

// The queue runner as [queue] and [dns] say, or nothing when this server does not deliver.
Result<void> make_queue_runner(const Config& config, ProtocolHandlers& result)
{
    if (!config.queue.deliver) {
        log::info("queue.off", {{"reason", "[queue] deliver = false"}});
        result.queue_size = std::make_unique<smtp::queue::QueueSizeGauge>(*result.store);
        return ok();
    }
    const QueueConfig& q = config.queue;
    smtp::queue::QueueSettings settings;
    settings.hostname = config.hostname;
    settings.max_connections = q.max_connections;
    settings.max_connections_per_domain = q.max_connections_per_domain;
    settings.max_messages_per_connection = q.max_messages_per_connection;
    settings.retry.backoff.clear();
    for (std::uint32_t seconds : q.retry_s) {
        settings.retry.backoff.emplace_back(seconds);
    }
    settings.retry.lifetime = std::chrono::seconds(q.lifetime_s);
    settings.retry.delay_warning = std::chrono::seconds(q.delay_warning_s);
    settings.port = q.port;
    settings.poll_interval = std::chrono::milliseconds(q.poll_interval_ms);
    settings.client.connect_timeout = std::chrono::seconds(q.connect_timeout_s);
    settings.destination_backoff = std::chrono::seconds(q.destination_backoff_s);
    settings.dane = q.dane;
    settings.mta_sts = q.mta_sts;
    settings.ca_file = q.ca_file;
    settings.verify_known_ttl = std::chrono::seconds(q.verify_known_ttl_s);
    settings.verify_unknown_ttl = std::chrono::seconds(q.verify_unknown_ttl_s);
    result.directory = std::make_unique<directory::Directory>(*result.store);
    result.queue = std::make_unique<smtp::queue::QueueRunner>(*result.store, *result.directory,
                                                              resolver_settings(config), settings);
    return ok();
}

}  // namespace

Result<ProtocolHandlers> make_protocol_handlers(const Config& config)
{
    ProtocolHandlers result;
    auto store = store::open_store(store::StoreOptions{.data_dir = config.data_dir});
    HARBOR_TRY(store);
    result.store = std::move(*store);
    result.changes = std::make_unique<store::ChangeFeed>(*result.store);
    start_text_index(config, result);
    HARBOR_TRY(make_queue_runner(config, result));
    result.handlers = greeting_handlers();

    smtp::server::SmtpSettings smtp;
    smtp.hostname = config.hostname;
    smtp.max_message_size = config.smtp.max_message_size;
    smtp.max_recipients = config.smtp.max_recipients;
    smtp.max_errors = config.smtp.max_errors;
    smtp.recipient_cache_ttl = std::chrono::milliseconds(config.smtp.recipient_cache_ms);
    smtp.message_limits = mime::limits_from(config.mime).message;
    for (const ListenerConfig& listener : config.listeners) {
        if (listener.protocol != Protocol::Smtp && listener.protocol != Protocol::Submission) {
            continue;
        }
        smtp::server::ListenerPolicy policy;
        const std::uint32_t default_pause = listener.protocol == Protocol::Smtp ? 300 : 0;
        policy.greet_pause =
            std::chrono::milliseconds(listener.greet_pause_ms.value_or(default_pause));
        policy.command_timeout = std::chrono::seconds(listener.command_timeout_s);
        policy.data_timeout = std::chrono::seconds(listener.data_timeout_s);
        auto relay = net::NetworkList::parse(listener.relay_networks);
        if (!relay) {
            return unexpected(Errc::Invalid, "listener " + listener.name +
                                                 ": relay_networks: " + relay.error().detail);
        }
        policy.relay_networks = std::move(*relay);
        smtp.listeners[listener.name] = std::move(policy);
    }
    auto secret = load_mock_secret(config.data_dir);
    HARBOR_TRY(secret);
    smtp.sasl.mock_secret = *secret;
    // One memory of verified passwords for every protocol: a user's phone may check mail over
    // IMAP and send over SMTP AUTH with the same password.
    std::shared_ptr<sasl::VerifiedPasswords> verified;
    if (config.login.password_cache_s > 0) {
        verified = std::make_shared<sasl::VerifiedPasswords>(
            std::chrono::seconds(config.login.password_cache_s), verified_passwords_kept);
    }
    smtp.sasl.verified_passwords = verified;
    if (smtp::queue::QueueRunner* queue = result.queue.get()) {
        smtp.on_queued = [queue] { queue->wake(); };
        if (config.queue.verify_recipients) {
            smtp.verify_routed = [queue](std::string address,
                                         store::Done<smtp::server::RoutedRecipient> done) {
                queue->verify_recipient(std::move(address),
                                        [done = std::move(done)](smtp::client::Verdict verdict) {
                                            done(routed_recipient_of(verdict.outcome));
                                        });
            };
        }
    }
    if (config.auth.inbound_checks) {
        auto resolver = dns::ResolverThread::start(resolver_settings(config));
        HARBOR_TRY(resolver);
        result.auth_dns = std::move(*resolver);
        auto suffixes = auth::dmarc::shared_public_suffix_list();
        if (!suffixes) {
            return unexpected(
                Errc::Invalid,
                "[auth] inbound_checks needs the Public Suffix List (Debian's publicsuffix): " +
                    suffixes.error().to_string());
        }
        filter::MailAuthSettings checks;
        checks.authserv_id = config.hostname;
        checks.reject_spf_fail = config.auth.spf_reject_fail;
        checks.reject_dmarc = config.auth.dmarc_reject;
        checks.public_suffixes = std::move(*suffixes);
        checks.header_limits = mime::limits_from(config.mime).message;
        result.mail_auth =
            std::make_unique<filter::MailAuth>(result.auth_dns->lookups(), std::move(checks));
        smtp.mail_auth = result.mail_auth.get();
    }
    // One login throttle for every protocol that takes passwords: guesses spread over SMTP
    // AUTH and IMAP count together (SECURITY-CASES: password guessing).
    auto throttle = std::make_shared<net::LoginThrottle>(smtp.login_throttle);
    auto handler =
        std::make_shared<smtp::server::SmtpHandler>(*result.store, std::move(smtp), throttle);
    result.handlers[Protocol::Smtp] = handler;
    result.handlers[Protocol::Submission] = handler;

    // IMAP (RFC 9051) on the imap and imaps listeners, with the same login throttle.
    imap::server::ImapSettings imap;
    // One message size limit for both ways in, unless [imap] sets its own.
    imap.max_append = config.imap.max_append_size > 0 ? config.imap.max_append_size
                                                      : config.smtp.max_message_size;
    imap.idle_timeout = std::chrono::seconds(config.imap.idle_timeout_s);
    imap.max_errors = config.imap.max_errors;
    imap.message_limits = mime::limits_from(config.mime).message;
    imap.text_index = result.text_index.get();
    imap.sasl.mock_secret = *secret;
    imap.sasl.verified_passwords = verified;
    result.handlers[Protocol::Imap] = std::make_shared<imap::server::ImapHandler>(
        *result.store, *result.changes, std::move(imap), throttle);

    // POP3 (RFC 1939) on the pop3 and pop3s listeners, with the same login throttle.
    pop3::Pop3Settings pop3;
    pop3.idle_timeout = std::chrono::seconds(config.pop3.idle_timeout_s);
    pop3.max_errors = config.pop3.max_errors;
    pop3.sasl.mock_secret = std::move(*secret);
    pop3.sasl.verified_passwords = std::move(verified);
    result.handlers[Protocol::Pop3] =
        std::make_shared<pop3::Pop3Handler>(*result.store, std::move(pop3), std::move(throttle));

    // HTTP (RFC 9112) on the http listeners: autoconfig, Autodiscover, the MTA-STS policy and
    // /metrics ([http]); it replaces the greeting placeholder.
    auto http_settings = http::http_settings_from(config);
    HARBOR_TRY(http_settings);
    result.handlers[Protocol::Http] =
        std::make_shared<http::HttpHandler>(*result.store, std::move(*http_settings));
    if (result.queue) {
        HARBOR_TRY(result.queue->start());
    }
    return result;
}

}  // namespace harbor::server
