// arc_tool: test-only command line over auth/arc, for tests/differential/arc_crosscheck.py.
// No network: key records come from the command line or a file (dkim::StaticZone).
//
//   arc_tool validate [--dns FILE] [--txt NAME=RECORD]... [--time UNIX] [MESSAGE]
//       prints "cv=<none|pass|fail> sets=<N> oldest-pass=<M> terminated=<0|1> dns-error=<0|1>
//       reason=<text>"; exit status 0
//   arc_tool seal --key FILE --domain D --selector S --authserv-id ID [--results TEXT]
//                 [--headers a:b:c] [--dns FILE] [--txt NAME=RECORD]... [--time UNIX] [MESSAGE]
//       validates the message as it arrives, seals it (results default "arc=<cv>") and prints
//       the new ARC Set followed by the message; exit status 1 when sealing is refused (a
//       chain ended with cv=fail, 50 sets), with the reason on standard error
//   arc_tool keygen --type rsa|ed25519 [--bits N] --out PREFIX
//       writes PREFIX.pem (PKCS #8 private key) and PREFIX.txt (the TXT record)
//
// MESSAGE is a file name or "-" (standard input, the default). --dns reads "<name> <record>"
// lines. Exit status 2 on usage or input errors.
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "auth/arc/arc_testing.hpp"
#include "auth/arc/seal.hpp"
#include "auth/dkim/crypto.hpp"
#include "auth/dkim/tag_list.hpp"

namespace {

using namespace harbor::auth;

constexpr int exit_refused = 1;
constexpr int exit_usage = 2;

struct Arguments {
    std::string command;
    std::multimap<std::string, std::string> options;  // "--name" -> value
    std::string input = "-";
};

bool parse_arguments(int argc, char** argv, Arguments& out)
{
    if (argc < 2) {
        return false;
    }
    out.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string word = argv[i];
        if (!word.starts_with("--")) {
            out.input = word;
        } else if (i + 1 < argc) {
            out.options.emplace(word, argv[++i]);
        } else {
            return false;
        }
    }
    return true;
}

std::string option(const Arguments& arguments, const std::string& name,
                   const std::string& fallback = "")
{
    const auto found = arguments.options.find(name);
    return found == arguments.options.end() ? fallback : found->second;
}

bool read_input(const std::string& name, std::string& out)
{
    std::ostringstream text;
    if (name == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(name, std::ios::binary);
        if (!in) {
            return false;
        }
        text << in.rdbuf();
    }
    out = std::move(text).str();
    return true;
}

bool write_file(const std::string& name, const std::string& text)
{
    std::ofstream out(name, std::ios::binary);
    out << text;
    return static_cast<bool>(out);
}

std::chrono::system_clock::time_point time_option(const Arguments& arguments)
{
    const std::string text = option(arguments, "--time");
    if (text.empty()) {
        return std::chrono::system_clock::now();
    }
    return std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(text)));
}

int fail(const std::string& message)
{
    std::cerr << "arc_tool: " << message << "\n";
    return exit_usage;
}

bool load_zone(const Arguments& arguments, dkim::StaticZone& zone)
{
    if (const std::string dns = option(arguments, "--dns"); !dns.empty()) {
        std::string lines;
        if (!read_input(dns, lines)) {
            return false;
        }
        zone.add_lines(lines);
    }
    const auto [first, last] = arguments.options.equal_range("--txt");
    for (auto it = first; it != last; ++it) {
        const std::size_t equals = it->second.find('=');
        if (equals == std::string::npos) {
            return false;
        }
        zone.add_txt(it->second.substr(0, equals), it->second.substr(equals + 1));
    }
    return true;
}

int run_validate(const Arguments& arguments)
{
    dkim::StaticZone zone;
    std::string message;
    if (!load_zone(arguments, zone) || !read_input(arguments.input, message)) {
        return fail("cannot read the zone or the message");
    }
    arc::ValidateOptions options;
    options.now = time_option(arguments);
    const arc::ChainValidation result = arc::validate_with_zone(zone, message, options);
    std::cout << "cv=" << arc::chain_status_name(result.status) << " sets=" << result.sets
              << " oldest-pass=" << result.oldest_pass << " terminated=" << result.terminated
              << " dns-error=" << result.dns_error << " reason=" << result.reason << "\n";
    return 0;
}

int run_seal(const Arguments& arguments)
{
    dkim::StaticZone zone;
    std::string message;
    std::string key_text;
    if (!load_zone(arguments, zone) || !read_input(arguments.input, message)) {
        return fail("cannot read the zone or the message");
    }
    if (!read_input(option(arguments, "--key"), key_text)) {
        return fail("cannot read --key");
    }
    harbor::Result<dkim::PrivateKey> key = dkim::load_private_key(key_text);
    if (!key) {
        return fail(key.error().to_string());
    }
    const dkim::SigningKey signing{
        option(arguments, "--domain"), option(arguments, "--selector"), *key,
        key->type() == dkim::KeyType::Ed25519 ? dkim::Algorithm::Ed25519Sha256
                                              : dkim::Algorithm::RsaSha256};
    arc::ValidateOptions validate;
    validate.now = time_option(arguments);
    const arc::ChainValidation incoming = arc::validate_with_zone(zone, message, validate);
    arc::SealOptions options;
    options.now = validate.now;
    if (const std::string headers = option(arguments, "--headers"); !headers.empty()) {
        options.headers.clear();
        for (const std::string_view name : dkim::split_list(headers)) {
            options.headers.emplace_back(name);
        }
    }
    const std::string results = option(
        arguments, "--results", "arc=" + std::string(arc::chain_status_name(incoming.status)));
    harbor::Result<arc::ArcSet> set = arc::seal_message(
        message, signing, option(arguments, "--authserv-id"), results, incoming, options);
    if (!set) {
        std::cerr << "arc_tool: not sealed: " << set.error().to_string() << "\n";
        return exit_refused;
    }
    std::cout << set->fields() << message;
    return 0;
}

int run_keygen(const Arguments& arguments)
{
    const std::string type = option(arguments, "--type", "rsa");
    const std::string prefix = option(arguments, "--out");
    if (prefix.empty() || (type != "rsa" && type != "ed25519")) {
        return fail("keygen wants --type rsa|ed25519 and --out PREFIX");
    }
    const unsigned bits = static_cast<unsigned>(std::stoul(option(arguments, "--bits", "2048")));
    harbor::Result<dkim::GeneratedKey> key =
        dkim::generate_key(type == "rsa" ? dkim::KeyType::Rsa : dkim::KeyType::Ed25519, bits);
    if (!key) {
        return fail(key.error().to_string());
    }
    if (!write_file(prefix + ".pem", key->private_key_pem) ||
        !write_file(prefix + ".txt", key->key_record + "\n")) {
        return fail("cannot write " + prefix + ".pem/.txt");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    Arguments arguments;
    if (!parse_arguments(argc, argv, arguments)) {
        return fail("usage: arc_tool validate|seal|keygen [options] [MESSAGE]");
    }
    try {
        if (arguments.command == "validate") {
            return run_validate(arguments);
        }
        if (arguments.command == "seal") {
            return run_seal(arguments);
        }
        if (arguments.command == "keygen") {
            return run_keygen(arguments);
        }
    } catch (const std::exception& error) {  // std::stoll on a bad number
        return fail(error.what());
    }
    return fail("unknown command " + arguments.command);
}
