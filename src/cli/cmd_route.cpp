// `harbor route add|list|remove`: where the outbound queue sends a domain's mail instead of the
// domain's MX (gateway mode: an internal Exchange or Domino; a smart host "*" for all remote
// mail). Routes live in the store; a running server's queue runner reads them on each look at
// the queue, so they take effect without a restart.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/format.hpp"
#include "directory/address.hpp"

namespace harbor::cli {
namespace {

std::string_view tls_name(store::RouteTls tls)
{
    switch (tls) {
        case store::RouteTls::Required:
            return "required";
        case store::RouteTls::Verify:
            return "verify";
        case store::RouteTls::Opportunistic:
            break;
    }
    return "opportunistic";
}

// "*" or a domain, normalised as the directory keeps domains (IDNA A-labels, lower case).
Result<std::string> route_domain(std::string_view text)
{
    if (text == "*") {
        return std::string("*");
    }
    return directory::normalize_domain(text);
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole)
{
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc{} || end != text.data() + text.size() || port == 0 || port > 65535) {
        return unexpected(Errc::Invalid, "bad port in " + std::string(whole));
    }
    return static_cast<std::uint16_t>(port);
}

// HOST[:PORT]: "mx.corp.example", "mx.corp.example:2525", "192.0.2.7:25",
// "[2001:db8::7]:2525", or a bare IPv6 address; the port is 25 when left out.
Result<store::Route> parse_destination(std::string_view text)
{
    store::Route route;
    std::string_view host = text;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return unexpected(Errc::Invalid, "no ']' in " + std::string(text));
        }
        host = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return unexpected(Errc::Invalid, "bad host " + std::string(text));
            }
            auto port = parse_port(rest.substr(1), text);
            HARBOR_TRY(port);
            route.port = *port;
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const std::size_t colon = text.find(':');
        host = text.substr(0, colon);
        auto port = parse_port(text.substr(colon + 1), text);
        HARBOR_TRY(port);
        route.port = *port;
    }
    if (host.empty() || host.find_first_of(" \t\r\n/@") != std::string_view::npos) {
        return unexpected(Errc::Invalid, "bad host " + std::string(text));
    }
    route.host = std::string(host);
    return route;
}

}  // namespace

void add_route_commands(CLI::App& app, Context& context)
{
    auto* route = app.add_subcommand("route", "where mail for a domain goes instead of its MX");
    route->require_subcommand(1);

    struct AddOptions {
        std::string domain;
        std::string destination;
        std::string tls = "opportunistic";
        std::string auth;
    };
    auto add_options = std::make_shared<AddOptions>();
    auto* add = route->add_subcommand("add", "add or replace the route of a domain ('*': all)");
    add->add_option("DOMAIN", add_options->domain, "a domain, or '*' for all remote mail")
        ->required();
    add->add_option("HOST", add_options->destination, "HOST[:PORT] (port 25 by default)")
        ->required();
    add->add_option("--tls", add_options->tls, "STARTTLS when offered, required, or verified")
        ->check(CLI::IsMember({"opportunistic", "required", "verify"}))
        ->capture_default_str();
    add->add_option("--auth", add_options->auth,
                    "USER:PASSWORD for SMTP AUTH (sent over TLS only)");
    add->callback([&context, add_options] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            auto domain = route_domain(add_options->domain);
            HARBOR_TRY(domain);
            auto parsed = parse_destination(add_options->destination);
            HARBOR_TRY(parsed);
            parsed->domain = *domain;
            parsed->tls = add_options->tls == "required" ? store::RouteTls::Required
                          : add_options->tls == "verify" ? store::RouteTls::Verify
                                                         : store::RouteTls::Opportunistic;
            if (!add_options->auth.empty()) {
                const std::size_t colon = add_options->auth.find(':');
                if (colon == std::string::npos || colon == 0) {
                    return unexpected(Errc::Invalid, "--auth wants USER:PASSWORD");
                }
                parsed->auth_user = add_options->auth.substr(0, colon);
                parsed->auth_password = add_options->auth.substr(colon + 1);
            }
            return opened.store->put_route(*parsed);
        });
    });

    auto json = std::make_shared<bool>(false);
    auto* list = route->add_subcommand("list", "list the routes (passwords are not shown)");
    list->add_flag("--json", *json, "print JSON instead of text");
    list->callback([&context, json] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            Result<std::vector<store::Route>> routes = opened.store->list_routes();
            HARBOR_TRY(routes);
            nlohmann::json listing = nlohmann::json::array();
            for (const store::Route& r : *routes) {
                listing.push_back({{"domain", r.domain},
                                   {"host", r.host},
                                   {"port", r.port},
                                   {"tls", tls_name(r.tls)},
                                   {"auth_user", r.auth_user}});
            }
            if (*json) {
                std::cout << format_json(listing) << "\n";
                return ok();
            }
            for (const store::Route& r : *routes) {
                const bool v6 = r.host.find(':') != std::string::npos;
                std::cout << r.domain << " " << (v6 ? "[" + r.host + "]" : r.host) << ":" << r.port
                          << " tls=" << tls_name(r.tls)
                          << (r.auth_user.empty() ? "" : " auth=" + r.auth_user) << "\n";
            }
            return ok();
        });
    });

    auto removed = std::make_shared<std::string>();
    auto* remove = route->add_subcommand("remove", "remove the route of a domain");
    remove->add_option("DOMAIN", *removed, "a domain, or '*'")->required();
    remove->callback([&context, removed] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            auto domain = route_domain(*removed);
            HARBOR_TRY(domain);
            return opened.store->remove_route(*domain);
        });
    });
}

}  // namespace harbor::cli
