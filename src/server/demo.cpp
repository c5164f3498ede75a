// Demo mode: one directory holds the data, the certificate and demo.json (the contract the
// interop tests read). demo.json is written only after every listener is bound, by temp file +
// rename, so a reader never sees it half-written or pointing at ports not yet open.
// SECURITY: listeners bind 127.0.0.1 only; demo.json and the key are mode 0600.
#include "server/demo.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <iomanip>
#include <iostream>

#include "core/file.hpp"
#include "core/log.hpp"
#include "net/self_signed.hpp"
#include "server/daemon.hpp"
#include "server/greeting_sessions.hpp"
#include "server/protocol_handlers.hpp"

namespace harbor::server {
namespace {

struct DemoListener {
    const char* name;
    Protocol protocol;
    int offset;  // the protocol's standard port
    TlsMode tls;
};

constexpr DemoListener demo_listeners[] = {
    {"smtp", Protocol::Smtp, 25, TlsMode::StartTls},
    {"submission", Protocol::Submission, 587, TlsMode::StartTls},
    {"submissions", Protocol::Submission, 465, TlsMode::Implicit},
    {"imap", Protocol::Imap, 143, TlsMode::StartTls},
    {"imaps", Protocol::Imap, 993, TlsMode::Implicit},
    {"pop3", Protocol::Pop3, 110, TlsMode::StartTls},
    {"pop3s", Protocol::Pop3, 995, TlsMode::Implicit},
    {"http", Protocol::Http, 80, TlsMode::None},
};

constexpr int max_offset = 995;

Result<void> check_port_base(int port_base)
{
    if (port_base < 0 || port_base + max_offset > 65535) {
        return unexpected(Errc::Invalid, "--port-base must be between 0 and " +
                                             std::to_string(65535 - max_offset));
    }
    return ok();
}

// The certificate is made once and kept, so clients that trusted it keep trusting it.
Result<void> ensure_certificate(const TlsConfig& tls)
{
    std::error_code ec;
    if (std::filesystem::exists(tls.certificate, ec) && std::filesystem::exists(tls.key, ec)) {
        return ok();
    }
    std::filesystem::create_directories(tls.certificate.parent_path(), ec);
    if (ec) {
        return unexpected(Errc::Io, "cannot create " + tls.certificate.parent_path().string() +
                                        ": " + ec.message());
    }
    std::filesystem::permissions(tls.certificate.parent_path(), std::filesystem::perms::owner_all,
                                 ec);
    HARBOR_TRY(net::generate_self_signed(demo_hostname, tls.certificate, tls.key));
    log::info("demo.certificate.created", {{"certificate", tls.certificate.string()}});
    return ok();
}

void print_summary(const Config& config, const std::vector<DemoAccount>& accounts,
                   const std::vector<std::pair<std::string, std::uint16_t>>& ports)
{
    std::ostream& out = std::cout;
    out << "Harbor demo is running (data in " << config.data_dir.string() << ")\n";
    for (const auto& [name, port] : ports) {
        TlsMode tls = TlsMode::None;
        for (const auto& listener : config.listeners) {
            tls = listener.name == name ? listener.tls : tls;
        }
        out << "  " << std::left << std::setw(12) << name << " 127.0.0.1:" << std::setw(6) << port
            << (tls == TlsMode::None ? "" : std::string(tls_mode_name(tls))) << "\n";
    }
    out << "Accounts (domain " << demo_domain << "):\n";
    for (const DemoAccount& account : accounts) {
        out << "  " << std::left << std::setw(6) << account.role << " " << std::setw(28)
            << account.address << " password: " << account.password << "\n";
    }
    out << "Certificate: " << config.tls->certificate.string() << " (self-signed, " << demo_hostname
        << ", localhost, 127.0.0.1)\n"
        << "Mail for other domains stays queued: the demo delivers nothing beyond this machine "
           "(harbor queue list).\n"
        << "Details in " << (config.data_dir / "demo.json").string() << ". Stop with Ctrl-C.\n"
        << std::flush;
}

}  // namespace

Result<Config> make_demo_config(const std::filesystem::path& dir, int port_base)
{
    HARBOR_TRY(check_port_base(port_base));
    Config config;
    std::error_code ec;
    config.data_dir = std::filesystem::absolute(dir, ec);
    if (ec) {
        return unexpected(Errc::Io, "demo directory " + dir.string() + ": " + ec.message());
    }
    config.data_dir = config.data_dir.lexically_normal();  // "/x/./var" -> "/x/var"
    config.source = "(demo)";
    config.hostname = std::string(demo_hostname);
    config.tls =
        TlsConfig{config.data_dir / "tls" / "cert.pem", config.data_dir / "tls" / "key.pem"};
    // A demo (and the test suites that run one) never looks up or connects to other hosts.
    config.queue.deliver = false;
    config.auth.inbound_checks = false;
    // The demo runs in the foreground, in a directory of whoever started it (make run).
    config.server.run_as_root = true;
    for (const DemoListener& demo : demo_listeners) {
        ListenerConfig listener;
        listener.name = demo.name;
        listener.protocol = demo.protocol;
        listener.address = "127.0.0.1";
        listener.port = static_cast<std::uint16_t>(port_base + demo.offset);
        listener.tls = demo.tls;
        listener.trusted_plaintext = true;
        // Every demo client comes from 127.0.0.1, test suites included.
        listener.max_connections_per_ip = listener.max_connections;
        config.listeners.push_back(std::move(listener));
    }
    return config;
}

std::string format_demo_json(const DemoInstallation& installation,
                             const std::vector<std::pair<std::string, std::uint16_t>>& ports,
                             const std::filesystem::path& certificate)
{
    nlohmann::ordered_json json;
    json["domain"] = demo_domain;
    json["accounts"] = nlohmann::ordered_json::array();
    for (const DemoAccount& account : installation.accounts) {
        json["accounts"].push_back(
            {{"address", account.address}, {"password", account.password}, {"role", account.role}});
    }
    json["ports"] = nlohmann::ordered_json::object();
    for (const auto& [name, port] : ports) {
        json["ports"][name] = port;
    }
    json["certificate"] = certificate.string();
    json["dkim"] = {{"selector", installation.dkim.selector},
                    {"domain", installation.dkim.domain},
                    {"txt", installation.dkim.txt}};
    return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<void> run_demo(const DemoOptions& options, const DemoProvisioner& provisioner,
                      HandlerMap handlers, ServerOptions server_options)
{
    auto config = make_demo_config(options.dir, options.port_base);
    HARBOR_TRY(config);
    std::error_code ec;
    std::filesystem::create_directories(config->data_dir, ec);
    if (ec) {
        return unexpected(Errc::Io,
                          "cannot create " + config->data_dir.string() + ": " + ec.message());
    }
    HARBOR_TRY(ensure_certificate(*config->tls));
    if (!provisioner) {
        return unexpected(Errc::Internal, "no demo provisioner");
    }
    auto installation = provisioner(config->data_dir);
    HARBOR_TRY(installation);

    DaemonOptions daemon;
    daemon.overrides = std::move(handlers);
    daemon.server_options = server_options;
    daemon.on_started = [&](Server& server) -> Result<void> {
        std::vector<std::pair<std::string, std::uint16_t>> ports;
        for (const auto& listener : config->listeners) {
            if (auto port = server.port(listener.name)) {
                ports.emplace_back(listener.name, *port);
            }
        }
        HARBOR_TRY(write_file_atomically(
            config->data_dir / "demo.json",
            format_demo_json(*installation, ports, config->tls->certificate), 0600));
        print_summary(*config, installation->accounts, ports);
        return ok();
    };
    return run_daemon(*config, std::move(daemon));
}

}  // namespace harbor::server
