// dkim_tool: test-only command line over auth/dkim, for tests/differential/dkim_crosscheck.py.
// No network: key records come from the command line or a file (StaticZone).
//
//   dkim_tool sign --key FILE --domain D --selector S [--canon H/B] [--headers a:b:c]
//                  [--time UNIX] [--expire SECONDS] [--identity I] [--body-length] [MESSAGE]
//       prints the signed message (DKIM-Signature field, then the message as read)
//   dkim_tool verify [--dns FILE] [--txt NAME=RECORD]... [--time UNIX] [MESSAGE]
//       prints one line per signature: "<result> d=<d> s=<s> a=<a> testing=<0|1>
//       partial=<0|1> reason=<text>"; exit status 0 when there is at least one signature and
//       all passed, 1 otherwise
//   dkim_tool keygen --type rsa|ed25519 [--bits N] --out PREFIX
//       writes PREFIX.pem (PKCS #8 private key) and PREFIX.txt (the TXT record)
//
// MESSAGE is a file name or "-" (standard input, the default). --dns reads "<name> <record>"
// lines (the format of Stalwart's DKIM vectors). Exit status 2 on usage or input errors.
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/sign.hpp"
#include "auth/dkim/static_zone.hpp"
#include "auth/dkim/tag_list.hpp"
#include "auth/dkim/verify.hpp"

namespace {

using namespace harbor::auth::dkim;

constexpr int exit_usage = 2;

struct Arguments {
    std::string command;
    std::multimap<std::string, std::string> options;  // "--name" -> value ("" for flags)
    std::string input = "-";
};

const std::vector<std::string> flags = {"--body-length"};

bool parse_arguments(int argc, char** argv, Arguments& out)
{
    if (argc < 2) {
        return false;
    }
    out.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string word = argv[i];
        if (word.starts_with("--")) {
            if (std::find(flags.begin(), flags.end(), word) != flags.end()) {
                out.options.emplace(word, "");
            } else if (i + 1 < argc) {
                out.options.emplace(word, argv[++i]);
            } else {
                return false;
            }
        } else {
            out.input = word;
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
    if (name == "-") {
        std::ostringstream text;
        text << std::cin.rdbuf();
        out = std::move(text).str();
        return true;
    }
    std::ifstream in(name, std::ios::binary | std::ios::ate);
    if (!in) {
        return false;
    }
    out.resize(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    return static_cast<bool>(in.read(out.data(), static_cast<std::streamsize>(out.size())));
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
    std::cerr << "dkim_tool: " << message << "\n";
    return exit_usage;
}

int run_sign(const Arguments& arguments)
{
    std::string key_text;
    std::string message;
    if (!read_input(option(arguments, "--key"), key_text)) {
        return fail("cannot read --key");
    }
    if (!read_input(arguments.input, message)) {
        return fail("cannot read the message");
    }
    harbor::Result<PrivateKey> key = load_private_key(key_text);
    if (!key) {
        return fail(key.error().to_string());
    }
    SigningKey signing{
        option(arguments, "--domain"), option(arguments, "--selector"), *key,
        key->type() == KeyType::Ed25519 ? Algorithm::Ed25519Sha256 : Algorithm::RsaSha256};
    SignOptions options;
    options.now = time_option(arguments);
    const std::string canon = option(arguments, "--canon", "relaxed/relaxed");
    const std::size_t slash = canon.find('/');
    const auto canon_of = [](std::string_view name) {
        return name == "simple" ? Canon::Simple : Canon::Relaxed;
    };
    options.canonicalization = {
        canon_of(canon.substr(0, slash)),
        canon_of(slash == std::string::npos ? "simple" : canon.substr(slash + 1))};
    if (const std::string headers = option(arguments, "--headers"); !headers.empty()) {
        options.headers.clear();
        for (const std::string_view name : split_list(headers)) {
            options.headers.emplace_back(name);
        }
    }
    if (const std::string expire = option(arguments, "--expire"); !expire.empty()) {
        options.expire_after = std::chrono::seconds(std::stoll(expire));
    }
    options.identity = option(arguments, "--identity");
    options.body_length = arguments.options.contains("--body-length");
    harbor::Result<std::string> field = sign_message(message, signing, options);
    if (!field) {
        return fail(field.error().to_string());
    }
    std::cout << *field << message;
    return 0;
}

int run_verify(const Arguments& arguments)
{
    StaticZone zone;
    if (const std::string dns = option(arguments, "--dns"); !dns.empty()) {
        std::string lines;
        if (!read_input(dns, lines)) {
            return fail("cannot read --dns");
        }
        zone.add_lines(lines);
    }
    const auto [first, last] = arguments.options.equal_range("--txt");
    for (auto it = first; it != last; ++it) {
        const std::size_t equals = it->second.find('=');
        if (equals == std::string::npos) {
            return fail("--txt wants NAME=RECORD");
        }
        zone.add_txt(it->second.substr(0, equals), it->second.substr(equals + 1));
    }
    std::string message;
    if (!read_input(arguments.input, message)) {
        return fail("cannot read the message");
    }
    VerifyOptions options;
    options.now = time_option(arguments);
    const std::vector<SignatureResult> results = verify_with_zone(zone, message, options);
    bool all_pass = !results.empty();
    for (const SignatureResult& result : results) {
        std::cout << outcome_name(result.result) << " d=" << result.domain
                  << " s=" << result.selector << " a=" << result.algorithm
                  << " testing=" << result.testing << " partial=" << result.partial_body
                  << " reason=" << result.reason << "\n";
        all_pass = all_pass && result.result == Outcome::Pass;
    }
    return all_pass ? 0 : 1;
}

int run_keygen(const Arguments& arguments)
{
    const std::string type = option(arguments, "--type", "rsa");
    const std::string prefix = option(arguments, "--out");
    if (prefix.empty() || (type != "rsa" && type != "ed25519")) {
        return fail("keygen wants --type rsa|ed25519 and --out PREFIX");
    }
    const unsigned bits = static_cast<unsigned>(std::stoul(option(arguments, "--bits", "2048")));
    harbor::Result<GeneratedKey> key =
        generate_key(type == "rsa" ? KeyType::Rsa : KeyType::Ed25519, bits);
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
        return fail("usage: dkim_tool sign|verify|keygen [options] [MESSAGE]");
    }
    try {
        if (arguments.command == "sign") {
            return run_sign(arguments);
        }
        if (arguments.command == "verify") {
            return run_verify(arguments);
        }
        if (arguments.command == "keygen") {
            return run_keygen(arguments);
        }
    } catch (const std::exception& error) {  // std::stoll on a bad number
        return fail(error.what());
    }
    return fail("unknown command " + arguments.command);
}
