// harbor.toml -> Config. What a node needs to start: data directory, listeners, TLS files,
// store backend, logging. Domains, users and policies live in the store (DESIGN.md).
// Unknown keys and bad values are errors naming file:line:key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"

namespace harbor {

enum class Protocol { Smtp, Submission, Imap, Pop3, Http };
enum class TlsMode { None, StartTls, Implicit };

struct ListenerConfig {
    std::string name;                  // "smtp", "submissions", ... used in logs and demo.json
    Protocol protocol = Protocol::Smtp;
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
    TlsMode tls = TlsMode::None;
    // Plain-text password authentication allowed without TLS (tests, loopback demo).
    bool trusted_plaintext = false;
    std::uint32_t max_connections = 1000;
    std::uint32_t max_connections_per_ip = 20;
    // Client networks (CIDR, "10.0.0.0/8", "2001:db8::/32", "192.0.2.1") allowed to connect;
    // empty: everyone. Checked by the listener before any byte is sent.
    std::vector<std::string> allowed_networks;
    // SMTP: networks that may relay to other domains without authenticating (no open relay:
    // empty by default, RFC 5321 §3.6.2 / DESIGN.md security stance).
    std::vector<std::string> relay_networks;
    // SMTP on port 25: how long to wait before the greeting for a client that talks first
    // (RFC 5321 §3.1; postscreen's pregreet test). Default 300 ms for smtp, 0 otherwise.
    std::optional<std::uint32_t> greet_pause_ms;
    std::uint32_t command_timeout_s = 300;  // RFC 5321 §4.5.3.2.7 (IMAP/POP3 use their own)
    std::uint32_t data_timeout_s = 180;     // RFC 5321 §4.5.3.2.5, per read during DATA/BDAT
};

struct TlsConfig {
    std::filesystem::path certificate;  // PEM chain
    std::filesystem::path key;          // PEM private key
};

// [mime]: limits of the message parser (mime::Limits, mime::BodyLimits); a key left out keeps
// the parser's default. The server applies them through mime::limits_from.
struct MimeLimitsConfig {
    std::optional<std::uint64_t> max_depth;
    std::optional<std::uint64_t> max_parts;
    std::optional<std::uint64_t> max_header_fields;
    std::optional<std::uint64_t> max_header_bytes;
    std::optional<std::uint64_t> max_line_length;
    std::optional<std::uint64_t> max_decoded_part;
};

// [smtp]: limits of SMTP reception and submission.
struct SmtpConfig {
    std::uint64_t max_message_size = 50ULL * 1024 * 1024;  // advertised as SIZE (RFC 1870)
    std::uint32_t max_recipients = 100;                     // RFC 5321 §4.5.3.1.8 minimum
    std::uint32_t max_errors = 20;                          // then 421 and close
    // How long an accepted local RCPT answer is reused (smtp/server/recipient_cache.hpp).
    std::uint32_t recipient_cache_ms = 2000;
};

// [imap]: limits of the IMAP sessions (RFC 9051).
struct ImapConfig {
    // The largest APPEND (APPENDLIMIT, RFC 7889); 0: the same as smtp.max_message_size.
    std::uint64_t max_append_size = 0;
    // Authenticated sessions idle this long are logged out; RFC 9051 §5.4 wants at least
    // 30 minutes, and IDLE clients re-issue the command within 29 (RFC 2177).
    std::uint32_t idle_timeout_s = 30 * 60;
    std::uint32_t max_errors = 10;  // refused commands, then BYE
};

// [pop3]: limits of the POP3 sessions (RFC 1939).
struct Pop3Config {
    // Authenticated sessions idle this long are closed without UPDATE; RFC 1939 §3 wants at
    // least 10 minutes.
    std::uint32_t idle_timeout_s = 10 * 60;
    std::uint32_t max_errors = 10;  // refused commands, then -ERR and close
};

// [queue]: the outbound queue's runner (smtp/queue/queue_runner.hpp QueueSettings).
struct QueueConfig {
    // Whether this server delivers queued mail itself; off, mail for other domains stays
    // queued (the demo: no lookups or connections beyond loopback).
    bool deliver = true;
    std::uint32_t max_connections = 100;
    std::uint32_t max_connections_per_domain = 20;
    std::uint32_t max_messages_per_connection = 100;
    // The waits after the 1st, 2nd, ... failed attempt, in seconds; the last one repeats.
    std::vector<std::uint32_t> retry_s = {60, 300, 900, 1800, 3600, 7200, 14400};
    std::uint32_t lifetime_s = 5 * 24 * 3600;  // then the sender gets a bounce
    std::uint32_t delay_warning_s = 4 * 3600;  // 0: never warn
    std::uint16_t port = 25;                   // the SMTP port of every destination
    std::uint32_t poll_interval_ms = 10'000;   // new mail wakes it at once
    std::uint32_t connect_timeout_s = 30;
    // How long a destination none of whose hosts took a connection is left alone.
    std::uint32_t destination_backoff_s = 60;
    // DANE for MX delivery (RFC 7672); takes effect only with DNSSEC validation (dns).
    bool dane = true;
    // MTA-STS for MX delivery (RFC 8461).
    bool mta_sts = true;
    // Trust anchors (PEM) for verified TLS: routes with --tls verify, MTA-STS; "": the system's.
    std::string ca_file;
    // Recipients of a split local domain that the directory lacks are asked of the route's
    // host at RCPT time; its answers are remembered this long (known, unknown).
    bool verify_recipients = true;
    std::uint32_t verify_known_ttl_s = 3600;
    std::uint32_t verify_unknown_ttl_s = 600;
};

// [login]: password checks for SMTP AUTH, IMAP and POP3.
struct LoginConfig {
    // How long a password argon2 accepted is recognised without argon2
    // (sasl/verified_passwords.hpp); 0: every login runs argon2.
    std::uint32_t password_cache_s = 900;
};

// [auth]: mail authentication of mail from outside (SPF, DKIM, DMARC; ARC to come).
struct AuthConfig {
    // Run the checks on mail from clients that neither authenticated nor are in the
    // listener's relay_networks, asking DNS as [dns] says.
    bool inbound_checks = true;
    bool spf_reject_fail = false;  // refuse MAIL whose SPF result is fail (550 5.7.23)
    // Refuse mail whose From: domain's DMARC policy says reject (550 5.7.26, RFC 7489
    // §6.6.4) and mail with more than one From: field; quarantine always goes to Junk.
    bool dmarc_reject = true;
};

// [dns]: the resolver (dns/resolver.hpp ResolverSettings).
struct DnsConfig {
    std::vector<std::string> forwarders;     // "IP" or "IP@PORT"; empty: /etc/resolv.conf
    std::vector<std::string> trust_anchors;  // DS/DNSKEY records; empty: no DNSSEC validation
    std::uint32_t timeout_ms = 10'000;
};

// [server]: how the daemon runs (issue 9). DESIGN.md security stance: start as root only to
// bind ports, then drop to an unprivileged user.
struct ServerConfig {
    // Started as root, the daemon binds its listeners and then becomes this user ("": stay).
    std::string user;
    std::string group;         // "": the user's primary group
    bool run_as_root = false;  // without a user, starting as root is refused unless this is set
    // SIGTERM: sessions may finish the command they are in for this long, then are cut off.
    std::uint32_t shutdown_grace_s = 30;
    // The control socket (the local HTTP API the CLI talks to); "": <data_dir>/control.sock.
    std::string control_socket;
};

// [http]: what the HTTP listeners serve besides the admin API.
struct HttpConfig {
    bool metrics = true;  // the Prometheus text at /metrics
    // Who may read /metrics (CIDR); empty: everyone the listener admits.
    std::vector<std::string> metrics_networks = {"127.0.0.0/8", "::1/128"};
    // The MTA-STS policy (RFC 8461 §3.2) served for every local domain: "enforce", "testing"
    // or "none"; max_age in seconds; mx patterns ([]: the hostname).
    std::string mta_sts_mode = "testing";
    std::uint32_t mta_sts_max_age_s = 7 * 24 * 3600;
    std::vector<std::string> mta_sts_mx;
};

struct Config {
    std::filesystem::path source;       // the file it came from, for messages
    std::filesystem::path data_dir;
    std::string hostname;               // announced in greetings; defaults to the host name
    std::string store_backend = "sqlite";
    log::Level log_level = log::Level::Info;
    log::Format log_format = log::Format::Text;
    std::optional<TlsConfig> tls;
    std::vector<ListenerConfig> listeners;
    MimeLimitsConfig mime;
    SmtpConfig smtp;
    ImapConfig imap;
    Pop3Config pop3;
    QueueConfig queue;
    DnsConfig dns;
    LoginConfig login;
    AuthConfig auth;
    ServerConfig server;
    HttpConfig http;

    // server.control_socket, or <data_dir>/control.sock.
    std::filesystem::path control_socket_path() const;
};

std::string_view protocol_name(Protocol protocol);
// The machine's host name (gethostname), "localhost" if it has none: the default `hostname`.
std::string default_hostname();
std::string_view tls_mode_name(TlsMode mode);

// Parses TOML text; `source` names the file in errors ("harbor.toml:12: listener[1].port: ...").
Result<Config> parse_config(std::string_view text, const std::filesystem::path& source);
Result<Config> load_config(const std::filesystem::path& file);

}  // namespace harbor
