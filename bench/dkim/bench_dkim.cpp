// bench_dkim: DKIM signatures or verifications per second with Harbor's auth/dkim on one
// thread, for bench/dkim/bench_dkim.py (which times dkimpy and OpenDKIM on the same messages
// and keys in the same run and prints the table of docs/benchmarks.md).
//   bench_dkim sign --key PEM --domain D --selector S [--seconds N] [--dns FILE] [--out FILE]
//                   [--parse-key-each-time] MESSAGE
//   bench_dkim verify --dns FILE [--seconds N] [--parse-key-each-time] MESSAGE
// --dns reads "<name> <record>" lines into a StaticZone. Prints one JSON line,
// {"ops": N, "seconds": S, "ops_per_second": R}, after an untimed warm-up of --warmup seconds
// (each phase does at least one operation: --seconds 0 --warmup 0 checks a message once).
// Every operation is checked: a signing error, or a verification that does not give exactly
// one pass, stops the run with exit status 1, so the figure is never the rate of a failure
// path. By default both run as the server does: a verification does the whole work each time
// (header split, DKIM-Signature parse, relaxed canonicalization, body and header hashes, the
// key record fetched from the zone and parsed, the RSA or Ed25519 check) except parsing p=,
// which the process-wide PublicKeyCache does once per key; signing uses the private key parsed
// once, as the server keeps each domain's signing key. --parse-key-each-time parses every
// time instead: the PEM for each signature, p= for each verification (the cache cleared).
#include <CLI/CLI.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/public_key_cache.hpp"
#include "auth/dkim/sign.hpp"
#include "auth/dkim/static_zone.hpp"
#include "auth/dkim/verify.hpp"

namespace harbor::bench {
namespace {

using namespace harbor::auth::dkim;
using Clock = std::chrono::steady_clock;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

struct Tally {
    std::uint64_t ops = 0;
    std::string failure;  // set by the first operation that went wrong; ends the run
};

Clock::time_point deadline_after(double seconds)
{
    return Clock::now() +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

bool read_file(const std::string& name, std::string& out)
{
    std::ifstream in(name, std::ios::binary);
    if (!in) {
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    out = std::move(text).str();
    return true;
}

std::string describe(const std::vector<SignatureResult>& results)
{
    if (results.empty()) {
        return "no DKIM-Signature found";
    }
    std::string out;
    for (const SignatureResult& result : results) {
        out += std::string(outcome_name(result.result)) + " d=" + result.domain +
               " s=" + result.selector + " reason=" + result.reason + "; ";
    }
    return out;
}

bool one_pass(const std::vector<SignatureResult>& results)
{
    return results.size() == 1 && results.front().result == Outcome::Pass &&
           !results.front().weak();
}

enum class KeyParsing { Once, EachTime };

// Verifies `message` again and again until `deadline`, each time from scratch but for the
// public-key cache (emptied first with KeyParsing::EachTime).
boost::asio::awaitable<void> verify_until(StaticZone& zone, std::string_view message,
                                          KeyParsing parsing, Clock::time_point deadline,
                                          Tally& tally)
{
    do {
        if (parsing == KeyParsing::EachTime) {
            default_public_key_cache().clear();
        }
        zone.queries.clear();         // the zone logs each name asked (not a cache); keep it small
        const VerifyOptions options;  // now = this moment, as for a message just received
        const std::vector<SignatureResult> results =
            co_await verify_message(zone, message, options);
        if (!one_pass(results)) {
            tally.failure = "verification did not pass: " + describe(results);
            co_return;
        }
        ++tally.ops;
    } while (Clock::now() < deadline);
}

Tally run_verify(StaticZone& zone, std::string_view message, KeyParsing parsing, double seconds)
{
    Tally tally;
    boost::asio::io_context io;
    std::exception_ptr error;
    boost::asio::co_spawn(io, verify_until(zone, message, parsing, deadline_after(seconds), tally),
                          [&](std::exception_ptr e) { error = e; });
    io.run();
    if (error) {
        std::rethrow_exception(error);
    }
    return tally;
}

// The PEM and names of the key to sign with; unless --parse-key-each-time also the key, parsed
// once (what the server keeps per domain).
struct Signer {
    std::string pem;
    std::string domain;
    std::string selector;
    std::optional<SigningKey> kept;
};

Result<SigningKey> load_signing_key(const Signer& signer)
{
    Result<PrivateKey> key = load_private_key(signer.pem);
    HARBOR_TRY(key);
    const Algorithm algorithm =
        key->type() == KeyType::Ed25519 ? Algorithm::Ed25519Sha256 : Algorithm::RsaSha256;
    return SigningKey{signer.domain, signer.selector, std::move(*key), algorithm};
}

Tally run_sign(std::string_view message, const Signer& signer, double seconds,
               std::string& last_field)
{
    Tally tally;
    SignOptions options;  // relaxed/relaxed, Harbor's default header list, From oversigned
    const Clock::time_point deadline = deadline_after(seconds);
    do {
        // --parse-key-each-time: the PEM for each message, as dkimpy's sign and OpenDKIM's
        // dkim_sign take a PEM on every call.
        std::optional<SigningKey> loaded;
        if (!signer.kept) {
            Result<SigningKey> key = load_signing_key(signer);
            if (!key) {
                tally.failure = "cannot load the key: " + key.error().to_string();
                return tally;
            }
            loaded = std::move(*key);
        }
        options.now = std::chrono::system_clock::now();  // t=
        Result<std::string> field = sign_message(message, loaded ? *loaded : *signer.kept, options);
        if (!field || !field->starts_with("DKIM-Signature:")) {
            tally.failure = field ? "not a DKIM-Signature field: " + *field
                                  : "signing failed: " + field.error().to_string();
            return tally;
        }
        last_field = std::move(*field);
        ++tally.ops;
    } while (Clock::now() < deadline);
    return tally;
}

int report(const Tally& tally, Clock::duration elapsed)
{
    if (!tally.failure.empty()) {
        std::cerr << "bench_dkim: " << tally.failure << "\n";
        return exit_failure;
    }
    const double seconds = std::chrono::duration<double>(elapsed).count();
    std::printf("{\"ops\": %llu, \"seconds\": %.3f, \"ops_per_second\": %.1f}\n",
                static_cast<unsigned long long>(tally.ops), seconds,
                static_cast<double>(tally.ops) / seconds);
    return 0;
}

struct Options {
    std::string message_file;
    std::string key_file;
    std::string dns_file;
    std::string out_file;
    std::string domain;
    std::string selector;
    double seconds = 3.0;
    double warmup = 0.25;
    bool parse_key_each_time = false;
};

int main_sign(const Options& options, const std::string& message, StaticZone& zone)
{
    Signer signer{"", options.domain, options.selector, std::nullopt};
    if (!read_file(options.key_file, signer.pem)) {
        std::cerr << "bench_dkim: cannot read " << options.key_file << "\n";
        return exit_usage;
    }
    Result<SigningKey> key = load_signing_key(signer);
    if (!key) {
        std::cerr << "bench_dkim: " << key.error().to_string() << "\n";
        return exit_usage;
    }
    if (!options.parse_key_each_time) {
        signer.kept = std::move(*key);
    }
    std::string field;
    const Tally warmup = run_sign(message, signer, options.warmup, field);
    if (!warmup.failure.empty()) {
        return report(warmup, {});
    }
    const auto start = Clock::now();
    const Tally tally = run_sign(message, signer, options.seconds, field);
    const auto elapsed = Clock::now() - start;
    const std::string signed_message = field + message;
    // The last signature made must verify (Harbor's verifier here; the driver asks the peers).
    if (!options.dns_file.empty()) {
        const std::vector<SignatureResult> results =
            verify_with_zone(zone, signed_message, VerifyOptions{});
        if (!one_pass(results)) {
            std::cerr << "bench_dkim: own signature does not verify: " << describe(results) << "\n";
            return exit_failure;
        }
    }
    if (!options.out_file.empty()) {
        std::ofstream out(options.out_file, std::ios::binary);
        out << signed_message;
        if (!out) {
            std::cerr << "bench_dkim: cannot write " << options.out_file << "\n";
            return exit_usage;
        }
    }
    return report(tally, elapsed);
}

int main_verify(const Options& options, const std::string& message, StaticZone& zone)
{
    const KeyParsing parsing =
        options.parse_key_each_time ? KeyParsing::EachTime : KeyParsing::Once;
    const Tally warmup = run_verify(zone, message, parsing, options.warmup);
    if (!warmup.failure.empty()) {
        return report(warmup, {});
    }
    const auto start = Clock::now();
    const Tally tally = run_verify(zone, message, parsing, options.seconds);
    return report(tally, Clock::now() - start);
}

int run(int argc, char** argv)
{
    CLI::App app{"DKIM signatures or verifications per second (bench/dkim/bench_dkim.py)"};
    app.require_subcommand(1);
    Options options;
    auto* sign = app.add_subcommand("sign", "sign MESSAGE for --seconds");
    sign->add_option("--key", options.key_file, "private key, PEM")->required();
    sign->add_option("--domain", options.domain, "d=")->required();
    sign->add_option("--selector", options.selector, "s=")->required();
    sign->add_option("--out", options.out_file, "write the last signed message here");
    auto* verify = app.add_subcommand("verify", "verify the signed MESSAGE for --seconds");
    for (CLI::App* command : {sign, verify}) {
        command->add_option("message", options.message_file, "message file (CRLF)")->required();
        command->add_option("--seconds", options.seconds)->capture_default_str();
        command->add_option("--warmup", options.warmup)->capture_default_str();
        command->add_flag("--parse-key-each-time", options.parse_key_each_time,
                          "sign: load the PEM for each message; verify: parse p= each time");
    }
    sign->add_option("--dns", options.dns_file, "key records; verify the last signature");
    verify->add_option("--dns", options.dns_file, "key records, \"<name> <record>\" lines")
        ->required();
    CLI11_PARSE(app, argc, argv);

    std::string message;
    if (!read_file(options.message_file, message)) {
        std::cerr << "bench_dkim: cannot read " << options.message_file << "\n";
        return exit_usage;
    }
    StaticZone zone;
    if (!options.dns_file.empty()) {
        std::string lines;
        if (!read_file(options.dns_file, lines)) {
            std::cerr << "bench_dkim: cannot read " << options.dns_file << "\n";
            return exit_usage;
        }
        zone.add_lines(lines);
    }
    return sign->parsed() ? main_sign(options, message, zone) : main_verify(options, message, zone);
}

}  // namespace
}  // namespace harbor::bench

int main(int argc, char** argv)
{
    return harbor::bench::run(argc, argv);
}
