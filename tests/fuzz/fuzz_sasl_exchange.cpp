// Fuzzes the SASL server exchanges (PLAIN RFC 4616, LOGIN, SCRAM-SHA-256 RFC 5802) as a state
// machine. Byte 0 picks the mechanism, how the success data travels and how the caller answers
// password checks and SCRAM lookups; the rest is the client's responses, one per '\n'-separated
// chunk. A chunk starting with \x01 is instead a caller call (possibly out of order).
// Invariants: nothing crashes; once over, an exchange stays over; PLAIN and LOGIN succeed only
// after an approving password check; a SCRAM proof the fuzzer made up never succeeds; every
// field handed back is within its bound.
#include <cstdint>
#include <string>
#include <string_view>

#include "sasl/server_exchange.hpp"

namespace {

using harbor::Errc;
using harbor::Result;
using harbor::unexpected;
using namespace harbor::sasl;

constexpr int max_calls = 64;

const ScramCredentials& real_credentials()
{
    static const ScramCredentials credentials =
        *derive_scram_credentials("pencil pencil", "0123456789abcdef", scram_min_iterations);
    return credentials;
}

Result<ScramCredentials> lookup(std::uint8_t choice)
{
    switch (choice % 3) {
        case 0:
            return real_credentials();
        case 1:
            return unexpected(Errc::NotFound, "no such user");
        default:
            return unexpected(Errc::TempFail, "store busy");
    }
}

Result<void> verdict(std::uint8_t choice)
{
    switch (choice % 3) {
        case 0:
            return harbor::ok();
        case 1:
            return unexpected(Errc::Permission, "invalid credentials");
        default:
            return unexpected(Errc::TempFail, "store busy");
    }
}

void check_bounds(const Step& step)
{
    if (step.authcid.size() > max_sasl_identity || step.authzid.size() > max_sasl_identity ||
        step.password.size() > max_password_bytes ||
        step.challenge.size() > 2 * max_scram_message ||
        step.additional_data.size() > 2 * max_scram_message) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::uint8_t config = data[0];
    const auto mechanism = static_cast<Mechanism>(config % 3);
    ExchangeSettings settings;
    settings.mock_secret = "fuzz secret, sixteen bytes or more";
    settings.success_data =
        (config & 0x04) != 0 ? SuccessData::WithOutcome : SuccessData::AsChallenge;
    const auto lookup_choice = static_cast<std::uint8_t>(config >> 3);
    const auto verdict_choice = static_cast<std::uint8_t>(config >> 5);
    ServerExchange exchange(mechanism, settings);
    (void)exchange.initial_challenge();

    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    bool over = false;
    bool approved = false;
    for (int calls = 0; calls < max_calls; ++calls) {
        const std::size_t newline = rest.find('\n');
        const std::string_view chunk = rest.substr(0, newline);
        Step step;
        if (!chunk.empty() && chunk[0] == '\x01') {
            const auto choice = static_cast<std::uint8_t>(chunk.size() > 1 ? chunk[1] : 0);
            if (choice & 0x80) {
                step = exchange.provide_scram_credentials(lookup(choice));
            } else {
                approved = approved || verdict(choice).has_value();
                step = exchange.complete_password_check(verdict(choice));
            }
        } else {
            step = exchange.step(chunk);
        }
        // The caller answers what the exchange asks for, as a session would.
        for (int answers = 0; answers < 2 && step.kind != Step::Kind::Challenge &&
                              step.kind != Step::Kind::Success && step.kind != Step::Kind::Failure;
             ++answers) {
            check_bounds(step);
            if (step.kind == Step::Kind::NeedPasswordCheck) {
                approved = approved || verdict(verdict_choice).has_value();
                step = exchange.complete_password_check(verdict(verdict_choice));
            } else {
                step = exchange.provide_scram_credentials(lookup(lookup_choice));
            }
        }
        check_bounds(step);
        if (over && step.kind != Step::Kind::Failure) {
            __builtin_trap();  // a finished exchange came back to life
        }
        if (step.kind == Step::Kind::Success) {
            if (mechanism == Mechanism::ScramSha256 || !approved) {
                __builtin_trap();  // authenticated without a password anyone checked
            }
        }
        if (step.kind == Step::Kind::Success || step.kind == Step::Kind::Failure) {
            over = true;
        }
        if (newline == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(newline + 1);
    }
    return 0;
}
