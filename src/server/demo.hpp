// `harbor serve --demo DIR`: a complete local installation in one directory, for trying
// Harbor and for the interop tests. Loopback listeners at port_base + the standard ports, a
// self-signed certificate kept across restarts, demo accounts, and DIR/demo.json describing
// it all once every listener is bound. SECURITY: loopback only; demo.json (passwords) is 0600.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "server/server.hpp"

namespace harbor::server {

struct DemoAccount {
    std::string address;  // "alice@example.test"
    std::string password;
    std::string role;  // "admin" or "user"
};

// The demo domain's DKIM signing key, as demo.json tells tests to publish it.
struct DemoDkim {
    std::string selector;
    std::string domain;
    std::string txt;  // the key record for <selector>._domainkey.<domain>
};

struct DemoInstallation {
    std::vector<DemoAccount> accounts;
    DemoDkim dkim;
};

// Creates (or finds, on a restart) the demo domain, accounts and DKIM key in the data
// directory.
using DemoProvisioner =
    std::function<Result<DemoInstallation>(const std::filesystem::path& data_dir)>;

inline constexpr std::string_view demo_domain = "example.test";
inline constexpr std::string_view demo_hostname = "mail.example.test";
inline constexpr int default_demo_port_base = 10000;

struct DemoOptions {
    std::filesystem::path dir;  // also the data directory
    int port_base = default_demo_port_base;
};

// The demo Config: data_dir = dir, TLS files in dir/tls, listeners on 127.0.0.1 at
// port_base + 25, 587, 465, 143, 993, 110, 995, 80, all with trusted_plaintext.
Result<Config> make_demo_config(const std::filesystem::path& dir, int port_base);

// demo.json: {"domain", "accounts": [{"address","password","role"}], "ports": {name: port},
// "certificate": absolute path}. Ports only for listeners that exist, in listener order.
std::string format_demo_json(const DemoInstallation& installation,
                             const std::vector<std::pair<std::string, std::uint16_t>>& ports,
                             const std::filesystem::path& certificate);

// Prepares DIR, provisions, starts the server, writes demo.json and prints a summary, then
// runs until SIGINT/SIGTERM. `handlers` override the greeting sessions protocol by protocol.
Result<void> run_demo(const DemoOptions& options, const DemoProvisioner& provisioner,
                      HandlerMap handlers = {}, ServerOptions server_options = {});

}  // namespace harbor::server
