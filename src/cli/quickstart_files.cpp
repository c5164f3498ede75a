// The text of harbor.toml and harbor.service as `harbor quickstart` writes them. Listener
// strings come from core/config's own names, so the file always says what the parser reads.
#include "cli/quickstart_files.hpp"

#include <sstream>

#include "core/config.hpp"

namespace harbor::cli {
namespace {

struct StandardListener {
    std::string_view name;
    Protocol protocol;
    std::uint16_t port;
    TlsMode tls;
    std::string_view purpose;
};

// The IANA ports of each service (RFC 8314 §7.3 for the implicit-TLS ones).
constexpr StandardListener standard_listeners[] = {
    {"smtp", Protocol::Smtp, 25, TlsMode::StartTls,
     "mail from other servers (MX), RFC 5321; STARTTLS, RFC 3207"},
    {"submission", Protocol::Submission, 587, TlsMode::StartTls,
     "mail from your users' programs, RFC 6409; they must authenticate"},
    {"submissions", Protocol::Submission, 465, TlsMode::Implicit,
     "the same over implicit TLS, RFC 8314 §3.3 (preferred by RFC 8314)"},
    {"imap", Protocol::Imap, 143, TlsMode::StartTls, "IMAP, RFC 9051"},
    {"imaps", Protocol::Imap, 993, TlsMode::Implicit, "IMAP over implicit TLS, RFC 8314"},
    {"pop3", Protocol::Pop3, 110, TlsMode::StartTls, "POP3, RFC 1939; STLS, RFC 2595"},
    {"pop3s", Protocol::Pop3, 995, TlsMode::Implicit, "POP3 over implicit TLS, RFC 8314"},
    {"http", Protocol::Http, 80, TlsMode::None,
     "plain HTTP: the MTA-STS policy, client autoconfiguration and ACME challenges"},
    {"https", Protocol::Http, 443, TlsMode::Implicit, "HTTPS: the admin API and web interface"},
};

// Every listener once on all IPv4 and once on all IPv6 addresses. Harbor binds IPv6 sockets
// IPV6_V6ONLY (net/listener.cpp), so the two never collide on a port.
struct BindAddress {
    std::string_view address;
    std::string_view name_suffix;
};
constexpr BindAddress bind_addresses[] = {{"0.0.0.0", ""}, {"::", "-v6"}};

// A TOML basic string (TOML 1.0 "String"): quotes, backslashes and control characters escaped.
std::string toml_string(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            constexpr char hex[] = "0123456789ABCDEF";
            out += "\\u00";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

void write_listener(std::ostream& out, const StandardListener& listener, const BindAddress& bind)
{
    out << "[[listener]]\n"
        << "name = " << toml_string(std::string(listener.name) + std::string(bind.name_suffix))
        << "\n"
        << "protocol = " << toml_string(protocol_name(listener.protocol)) << "\n"
        << "address = " << toml_string(bind.address) << "\n"
        << "port = " << listener.port << "\n"
        << "tls = " << toml_string(tls_mode_name(listener.tls)) << "\n\n";
}

}  // namespace

bool is_system_name(std::string_view name)
{
    if (name.empty() || name.size() > 32 || name.front() == '-') {
        return false;
    }
    for (char c : name) {
        const bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!good) {
            return false;
        }
    }
    return true;
}

bool is_unit_safe_path(std::string_view path)
{
    if (path.size() < 2 || path.front() != '/') {
        return false;
    }
    for (char c : path) {
        const bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '_' || c == '+' ||
                          c == '-';
        if (!good) {
            return false;
        }
    }
    return true;
}

std::string format_quickstart_config(const InstallSettings& settings)
{
    std::ostringstream out;
    out << "# Harbor's configuration, written by `harbor quickstart`. Every key and its default:\n"
           "# docs/config.md. Check a change before restarting with\n"
           "#   harbor check-config -c "
        << install_path::config_file
        << "\n"
           "# Domains, accounts, aliases and DKIM keys are not here: they live in the store and\n"
           "# are managed with `harbor domain|user|alias|dkim ...`, without a restart.\n\n"
        << "hostname = " << toml_string(settings.hostname) << "\n"
        << "data_dir = " << toml_string(install_path::data_dir) << "\n\n";

    out << "[server]\n"
           "# Harbor starts as root to bind the ports below 1024 and read the TLS key, then runs\n"
           "# as this user and group.\n"
        << "user = " << toml_string(settings.user) << "\n"
        << "group = " << toml_string(settings.group) << "\n\n";

    out << "[log]\n"
           "# To standard error, which systemd's journal keeps: journalctl -u harbor\n"
           "level = \"info\"\n"
           "format = \"text\"\n\n";

    out << "[tls]\n"
           "# A self-signed certificate for "
        << settings.hostname
        << ", made by quickstart so that TLS\n"
           "# works from the first start. Other mail servers accept it for STARTTLS on port "
           "25;\n"
           "# mail programs and browsers warn about it. Replace both files with a certificate\n"
           "# from a public CA (Let's Encrypt's fullchain.pem and privkey.pem, for example),\n"
           "# keep the key readable by root and group "
        << settings.group
        << " only:\n"
           "#   chown root:"
        << settings.group << " " << install_path::key << " && chmod 0640 " << install_path::key
        << "\n"
           "# and load them without a restart (SIGHUP): systemctl reload harbor\n"
        << "certificate = " << toml_string(install_path::certificate) << "\n"
        << "key = " << toml_string(install_path::key) << "\n\n";

    out << "[http]\n"
           "# MTA-STS (RFC 8461 §5): start in testing; once the TLS reports show that every\n"
           "# sender reaches this server with TLS, change to \"enforce\".\n"
           "mta_sts_mode = \"testing\"\n\n";

    out << "# Listeners: every standard port on all IPv4 (0.0.0.0) and all IPv6 (::) addresses.\n"
           "# To listen on fewer addresses, change `address`; to close a port, remove its two\n"
           "# tables.\n\n";
    for (const StandardListener& listener : standard_listeners) {
        out << "# " << listener.name << ", port " << listener.port << ": " << listener.purpose
            << "\n";
        for (const BindAddress& bind : bind_addresses) {
            write_listener(out, listener, bind);
        }
    }
    out << "# The admin interface on 8443 as well (or instead of 443, then remove the https\n"
           "# tables above): remove the leading '# ' of these lines.\n"
           "# [[listener]]\n"
           "# name = \"https-alt\"\n"
           "# protocol = \"http\"\n"
           "# address = \"::\"\n"
           "# port = 8443\n"
           "# tls = \"implicit\"\n";
    return out.str();
}

std::string format_systemd_unit(const InstallSettings& settings)
{
    std::ostringstream out;
    out << "# Harbor mail server, written by `harbor quickstart`.\n"
           "#   systemctl daemon-reload && systemctl enable --now harbor\n"
           "[Unit]\n"
           "Description=Harbor mail server\n"
           "# Binding 0.0.0.0 and :: needs no network, but the first deliveries need DNS.\n"
           "After=network-online.target\n"
           "Wants=network-online.target\n"
           "\n"
           "[Service]\n"
           "# Harbor does not send sd_notify readiness, so the service is up once it runs.\n"
           "Type=simple\n"
        << "ExecStart=" << settings.binary << " serve -c " << install_path::config_file << "\n"
        << "# SIGHUP reloads the TLS certificate and key; open connections keep theirs.\n"
           "ExecReload=/bin/kill -HUP $MAINPID\n"
           "Restart=on-failure\n"
           "RestartSec=5s\n"
           "# SIGTERM lets sessions finish their command ([server] shutdown_grace_s, 30 s).\n"
           "TimeoutStopSec=60s\n"
           "# One descriptor per connection and per open blob: far more than the default "
           "1024.\n"
           "LimitNOFILE=65536\n"
           "\n"
           "# No User=: Harbor starts as root to bind ports below 1024 and read its key, then\n"
           "# becomes [server] user and group itself (harbor.toml), so no capabilities are\n"
           "# granted here. NoNewPrivileges only stops privileges gained through execve\n"
           "# (setuid programs); giving them up with setuid/setgid is still allowed.\n"
           "NoNewPrivileges=yes\n"
           "# /usr, /boot, /efi and /etc are read-only for Harbor, even as root.\n"
           "ProtectSystem=full\n"
           "# Home directories are invisible, /tmp is Harbor's own.\n"
           "ProtectHome=yes\n"
           "PrivateTmp=yes\n"
           "# Where Harbor writes; named so that it stays writable under ProtectSystem=strict.\n"
        << "ReadWritePaths=" << install_path::data_dir << "\n"
        << "\n"
           "[Install]\n"
           "WantedBy=multi-user.target\n";
    return out.str();
}

}  // namespace harbor::cli
