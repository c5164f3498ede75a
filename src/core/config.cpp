#include "core/config.hpp"

#include <toml++/toml.h>

#include "core/config_reader.hpp"

#include <unistd.h>
#include <set>

namespace harbor {
namespace {

using namespace config_reader;

std::optional<Protocol> protocol_from(std::string_view text)
{
    for (Protocol p :
         {Protocol::Smtp, Protocol::Submission, Protocol::Imap, Protocol::Pop3, Protocol::Http}) {
        if (protocol_name(p) == text) {
            return p;
        }
    }
    return std::nullopt;
}

std::optional<TlsMode> tls_mode_from(std::string_view text)
{
    for (TlsMode m : {TlsMode::None, TlsMode::StartTls, TlsMode::Implicit}) {
        if (tls_mode_name(m) == text) {
            return m;
        }
    }
    return std::nullopt;
}

Result<ListenerConfig> parse_listener(const Reporter& report, const toml::table& table,
                                      const std::string& prefix)
{
    HARBOR_TRY(
        check_keys(report, table, prefix,
                   {"name", "protocol", "address", "port", "tls", "trusted_plaintext",
                    "max_connections", "max_connections_per_ip", "allowed_networks",
                    "relay_networks", "greet_pause_ms", "command_timeout_s", "data_timeout_s"}));
    ListenerConfig listener;
    const toml::node* protocol_node = table.get("protocol");
    if (protocol_node == nullptr) {
        return report.fail(&table, prefix + ".protocol", "missing");
    }
    auto protocol_text = protocol_node->value<std::string_view>();
    auto protocol = protocol_text ? protocol_from(*protocol_text) : std::nullopt;
    if (!protocol) {
        return report.fail(protocol_node, prefix + ".protocol",
                           "must be one of smtp, submission, imap, pop3, http");
    }
    listener.protocol = *protocol;

    auto name =
        get_string(report, table, "name", prefix + ".name", std::string(protocol_name(*protocol)));
    HARBOR_TRY(name);
    listener.name = *name;
    auto address = get_string(report, table, "address", prefix + ".address", "127.0.0.1");
    HARBOR_TRY(address);
    listener.address = *address;

    const toml::node* port_node = table.get("port");
    if (port_node == nullptr) {
        return report.fail(&table, prefix + ".port", "missing");
    }
    auto port = get_integer(report, table, "port", prefix + ".port", 0, 65535, 0);
    HARBOR_TRY(port);
    listener.port = static_cast<std::uint16_t>(*port);

    auto tls = get_string(report, table, "tls", prefix + ".tls", "none");
    HARBOR_TRY(tls);
    auto mode = tls_mode_from(*tls);
    if (!mode) {
        return report.fail(table.get("tls"), prefix + ".tls",
                           "must be one of none, starttls, implicit");
    }
    listener.tls = *mode;

    auto trusted =
        get_bool(report, table, "trusted_plaintext", prefix + ".trusted_plaintext", false);
    HARBOR_TRY(trusted);
    listener.trusted_plaintext = *trusted;
    auto max_conn = get_integer(report, table, "max_connections", prefix + ".max_connections", 1,
                                1'000'000, listener.max_connections);
    HARBOR_TRY(max_conn);
    listener.max_connections = static_cast<std::uint32_t>(*max_conn);
    auto max_ip =
        get_integer(report, table, "max_connections_per_ip", prefix + ".max_connections_per_ip", 1,
                    1'000'000, listener.max_connections_per_ip);
    HARBOR_TRY(max_ip);
    listener.max_connections_per_ip = static_cast<std::uint32_t>(*max_ip);
    auto allowed = get_string_list(report, table, "allowed_networks", prefix + ".allowed_networks");
    HARBOR_TRY(allowed);
    listener.allowed_networks = std::move(*allowed);
    auto relay = get_string_list(report, table, "relay_networks", prefix + ".relay_networks");
    HARBOR_TRY(relay);
    listener.relay_networks = std::move(*relay);
    if (table.get("greet_pause_ms") != nullptr) {
        auto pause =
            get_integer(report, table, "greet_pause_ms", prefix + ".greet_pause_ms", 0, 60'000, 0);
        HARBOR_TRY(pause);
        listener.greet_pause_ms = static_cast<std::uint32_t>(*pause);
    }
    auto command_timeout =
        get_integer(report, table, "command_timeout_s", prefix + ".command_timeout_s", 1, 86'400,
                    listener.command_timeout_s);
    HARBOR_TRY(command_timeout);
    listener.command_timeout_s = static_cast<std::uint32_t>(*command_timeout);
    auto data_timeout = get_integer(report, table, "data_timeout_s", prefix + ".data_timeout_s", 1,
                                    86'400, listener.data_timeout_s);
    HARBOR_TRY(data_timeout);
    listener.data_timeout_s = static_cast<std::uint32_t>(*data_timeout);
    return listener;
}

Result<void> parse_mime_limits(const Reporter& report, const toml::table& table,
                               MimeLimitsConfig& limits)
{
    struct Key {
        std::string_view name;
        std::optional<std::uint64_t>* target;
        std::int64_t max;
    };
    constexpr std::int64_t gib = 1024LL * 1024 * 1024;
    const Key keys[] = {
        {"max_depth", &limits.max_depth, 10'000},
        {"max_parts", &limits.max_parts, 1'000'000},
        {"max_header_fields", &limits.max_header_fields, 1'000'000},
        {"max_header_bytes", &limits.max_header_bytes, gib},
        {"max_line_length", &limits.max_line_length, gib},
        {"max_decoded_part", &limits.max_decoded_part, 16 * gib},
    };
    HARBOR_TRY(check_keys(report, table, "mime",
                          {"max_depth", "max_parts", "max_header_fields", "max_header_bytes",
                           "max_line_length", "max_decoded_part"}));
    for (const Key& key : keys) {
        auto value =
            get_optional_count(report, table, key.name, "mime." + std::string(key.name), key.max);
        HARBOR_TRY(value);
        *key.target = *value;
    }
    return {};
}

}  // namespace

std::string default_hostname()
{
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
        return "localhost";
    }
    return buf;
}

std::string_view protocol_name(Protocol protocol)
{
    switch (protocol) {
        case Protocol::Smtp:
            return "smtp";
        case Protocol::Submission:
            return "submission";
        case Protocol::Imap:
            return "imap";
        case Protocol::Pop3:
            return "pop3";
        case Protocol::Http:
            return "http";
    }
    return "smtp";
}

std::string_view tls_mode_name(TlsMode mode)
{
    switch (mode) {
        case TlsMode::None:
            return "none";
        case TlsMode::StartTls:
            return "starttls";
        case TlsMode::Implicit:
            return "implicit";
    }
    return "none";
}

Result<Config> parse_config(std::string_view text, const std::filesystem::path& source)
{
    Reporter report(source);
    Result<toml::table> parsed = parse_toml(text, source);
    HARBOR_TRY(parsed);
    const toml::table& root = *parsed;

    HARBOR_TRY(
        check_keys(report, root, "",
                   {"data_dir", "hostname", "store", "log", "tls", "listener", "mime", "smtp",
                    "imap", "pop3", "queue", "dns", "login", "auth", "server", "http"}));
    Config config;
    config.source = source;

    auto data_dir = get_string(report, root, "data_dir", "data_dir", "");
    HARBOR_TRY(data_dir);
    if (data_dir->empty()) {
        return report.fail(nullptr, "data_dir", "missing");
    }
    config.data_dir = *data_dir;
    auto hostname = get_string(report, root, "hostname", "hostname", default_hostname());
    HARBOR_TRY(hostname);
    config.hostname = *hostname;

    if (const toml::node* node = root.get("store")) {
        const toml::table* store = node->as_table();
        if (store == nullptr) {
            return report.fail(node, "store", "must be a table");
        }
        HARBOR_TRY(check_keys(report, *store, "store", {"backend"}));
        auto backend = get_string(report, *store, "backend", "store.backend", "sqlite");
        HARBOR_TRY(backend);
        if (*backend != "sqlite") {
            return report.fail(store->get("backend"), "store.backend",
                               "unsupported backend (this build has: sqlite)");
        }
        config.store_backend = *backend;
    }

    if (const toml::node* node = root.get("log")) {
        const toml::table* log_table = node->as_table();
        if (log_table == nullptr) {
            return report.fail(node, "log", "must be a table");
        }
        HARBOR_TRY(check_keys(report, *log_table, "log", {"level", "format"}));
        auto level = get_string(report, *log_table, "level", "log.level", "info");
        HARBOR_TRY(level);
        if (!log::parse_level(*level, config.log_level)) {
            return report.fail(log_table->get("level"), "log.level",
                               "must be one of trace, debug, info, warn, error, off");
        }
        auto format = get_string(report, *log_table, "format", "log.format", "text");
        HARBOR_TRY(format);
        if (!log::parse_format(*format, config.log_format)) {
            return report.fail(log_table->get("format"), "log.format", "must be text or json");
        }
    }

    if (const toml::node* node = root.get("tls")) {
        const toml::table* tls = node->as_table();
        if (tls == nullptr) {
            return report.fail(node, "tls", "must be a table");
        }
        HARBOR_TRY(check_keys(report, *tls, "tls", {"certificate", "key"}));
        auto cert = get_string(report, *tls, "certificate", "tls.certificate", "");
        HARBOR_TRY(cert);
        auto key = get_string(report, *tls, "key", "tls.key", "");
        HARBOR_TRY(key);
        if (cert->empty() || key->empty()) {
            return report.fail(node, "tls", "needs both certificate and key");
        }
        config.tls = TlsConfig{*cert, *key};
    }

    if (const toml::node* node = root.get("mime")) {
        const toml::table* mime = node->as_table();
        if (mime == nullptr) {
            return report.fail(node, "mime", "must be a table");
        }
        HARBOR_TRY(parse_mime_limits(report, *mime, config.mime));
    }

    if (const toml::node* node = root.get("smtp")) {
        const toml::table* smtp = node->as_table();
        if (smtp == nullptr) {
            return report.fail(node, "smtp", "must be a table");
        }
        HARBOR_TRY(
            check_keys(report, *smtp, "smtp",
                       {"max_message_size", "max_recipients", "max_errors", "recipient_cache_ms"}));
        auto size = get_integer(report, *smtp, "max_message_size", "smtp.max_message_size", 1024,
                                std::int64_t{1} << 40,
                                static_cast<std::int64_t>(config.smtp.max_message_size));
        HARBOR_TRY(size);
        config.smtp.max_message_size = static_cast<std::uint64_t>(*size);
        auto recipients = get_integer(report, *smtp, "max_recipients", "smtp.max_recipients", 100,
                                      100'000, config.smtp.max_recipients);
        HARBOR_TRY(recipients);
        config.smtp.max_recipients = static_cast<std::uint32_t>(*recipients);
        auto errors = get_integer(report, *smtp, "max_errors", "smtp.max_errors", 1, 10'000,
                                  config.smtp.max_errors);
        HARBOR_TRY(errors);
        config.smtp.max_errors = static_cast<std::uint32_t>(*errors);
        auto cache = get_integer(report, *smtp, "recipient_cache_ms", "smtp.recipient_cache_ms", 0,
                                 3'600'000, config.smtp.recipient_cache_ms);
        HARBOR_TRY(cache);
        config.smtp.recipient_cache_ms = static_cast<std::uint32_t>(*cache);
    }

    if (const toml::node* node = root.get("imap")) {
        const toml::table* imap = node->as_table();
        if (imap == nullptr) {
            return report.fail(node, "imap", "must be a table");
        }
        HARBOR_TRY(
            check_keys(report, *imap, "imap", {"max_append_size", "idle_timeout_s", "max_errors"}));
        auto append = get_integer(report, *imap, "max_append_size", "imap.max_append_size", 0,
                                  std::int64_t{1} << 40, 0);
        HARBOR_TRY(append);
        config.imap.max_append_size = static_cast<std::uint64_t>(*append);
        // RFC 9051 §5.4: "at least 30 minutes".
        auto idle = get_integer(report, *imap, "idle_timeout_s", "imap.idle_timeout_s", 30 * 60,
                                24 * 3600, config.imap.idle_timeout_s);
        HARBOR_TRY(idle);
        config.imap.idle_timeout_s = static_cast<std::uint32_t>(*idle);
        auto errors = get_integer(report, *imap, "max_errors", "imap.max_errors", 1, 10'000,
                                  config.imap.max_errors);
        HARBOR_TRY(errors);
        config.imap.max_errors = static_cast<std::uint32_t>(*errors);
    }

    if (const toml::node* node = root.get("pop3")) {
        const toml::table* pop3 = node->as_table();
        if (pop3 == nullptr) {
            return report.fail(node, "pop3", "must be a table");
        }
        HARBOR_TRY(check_keys(report, *pop3, "pop3", {"idle_timeout_s", "max_errors"}));
        // RFC 1939 §3: the autologout timer is "at least 10 minutes".
        auto idle = get_integer(report, *pop3, "idle_timeout_s", "pop3.idle_timeout_s", 10 * 60,
                                24 * 3600, config.pop3.idle_timeout_s);
        HARBOR_TRY(idle);
        config.pop3.idle_timeout_s = static_cast<std::uint32_t>(*idle);
        auto errors = get_integer(report, *pop3, "max_errors", "pop3.max_errors", 1, 10'000,
                                  config.pop3.max_errors);
        HARBOR_TRY(errors);
        config.pop3.max_errors = static_cast<std::uint32_t>(*errors);
    }

    auto queue = get_table(report, root, "queue");
    HARBOR_TRY(queue);
    if (*queue != nullptr) {
        HARBOR_TRY(parse_queue_section(report, **queue, config.queue));
    }
    auto dns = get_table(report, root, "dns");
    HARBOR_TRY(dns);
    if (*dns != nullptr) {
        HARBOR_TRY(parse_dns_section(report, **dns, config.dns));
    }

    auto login = get_table(report, root, "login");
    HARBOR_TRY(login);
    if (*login != nullptr) {
        HARBOR_TRY(check_keys(report, **login, "login", {"password_cache_s"}));
        auto cache = get_integer(report, **login, "password_cache_s", "login.password_cache_s", 0,
                                 86'400, config.login.password_cache_s);
        HARBOR_TRY(cache);
        config.login.password_cache_s = static_cast<std::uint32_t>(*cache);
    }

    auto auth = get_table(report, root, "auth");
    HARBOR_TRY(auth);
    if (*auth != nullptr) {
        HARBOR_TRY(check_keys(report, **auth, "auth",
                              {"inbound_checks", "spf_reject_fail", "dmarc_reject"}));
        auto checks = get_bool(report, **auth, "inbound_checks", "auth.inbound_checks",
                               config.auth.inbound_checks);
        HARBOR_TRY(checks);
        config.auth.inbound_checks = *checks;
        auto reject = get_bool(report, **auth, "spf_reject_fail", "auth.spf_reject_fail",
                               config.auth.spf_reject_fail);
        HARBOR_TRY(reject);
        config.auth.spf_reject_fail = *reject;
        auto dmarc =
            get_bool(report, **auth, "dmarc_reject", "auth.dmarc_reject", config.auth.dmarc_reject);
        HARBOR_TRY(dmarc);
        config.auth.dmarc_reject = *dmarc;
    }

    auto server = get_table(report, root, "server");
    HARBOR_TRY(server);
    if (*server != nullptr) {
        HARBOR_TRY(parse_server_section(report, **server, config.server));
    }
    auto http = get_table(report, root, "http");
    HARBOR_TRY(http);
    if (*http != nullptr) {
        HARBOR_TRY(parse_http_section(report, **http, config.http));
    }

    if (const toml::node* node = root.get("listener")) {
        const toml::array* listeners = node->as_array();
        if (listeners == nullptr) {
            return report.fail(node, "listener", "must be an array of tables ([[listener]])");
        }
        std::set<std::string> names;
        for (std::size_t i = 0; i < listeners->size(); ++i) {
            std::string prefix = "listener[" + std::to_string(i) + "]";
            const toml::table* table = (*listeners)[i].as_table();
            if (table == nullptr) {
                return report.fail(&(*listeners)[i], prefix, "must be a table");
            }
            auto listener = parse_listener(report, *table, prefix);
            HARBOR_TRY(listener);
            if (!names.insert(listener->name).second) {
                return report.fail(table, prefix + ".name", "duplicate listener name");
            }
            if (listener->tls != TlsMode::None && !config.tls) {
                return report.fail(table, prefix + ".tls", "needs a [tls] certificate and key");
            }
            config.listeners.push_back(std::move(*listener));
        }
    }
    return config;
}

std::filesystem::path Config::control_socket_path() const
{
    if (!server.control_socket.empty()) {
        return server.control_socket;
    }
    return data_dir / "control.sock";
}

Result<Config> load_config(const std::filesystem::path& file)
{
    Result<std::string> text = read_text(file);
    HARBOR_TRY(text);
    return parse_config(*text, file);
}

}  // namespace harbor
