// Message verification, RFC 6376 §6.1 (extract, §6.1.1 validate, §6.1.2 key, §6.1.3 compute),
// RFC 8301 (rsa-sha1 refused, key sizes), RFC 8463 (ed25519-sha256).
// SECURITY: bounded by VerifyOptions; one streaming pass over the body for all signatures.
#include "auth/dkim/verify.hpp"

#include <map>
#include <optional>
#include <utility>

#include "auth/dkim/digest.hpp"
#include "auth/dkim/key_lookup.hpp"
#include "auth/dkim/signature_check.hpp"
#include "core/ascii.hpp"

namespace harbor::auth::dkim {

namespace {

constexpr std::string_view signature_field_name = "DKIM-Signature";
constexpr std::size_t body_chunk = 64 * 1024;

// One DKIM-Signature field on its way through verification.
struct Candidate {
    const mime::HeaderField* field = nullptr;
    std::optional<Signature> signature;  // empty when the field did not parse
    SignatureResult result;
    bool decided = false;        // `result` is final
    std::size_t body_index = 0;  // into the body hashers
};

void decide(Candidate& candidate, Outcome result, std::string reason)
{
    candidate.result.result = result;
    candidate.result.reason = std::move(reason);
    candidate.decided = true;
}

std::uint64_t unix_seconds(std::chrono::system_clock::time_point now)
{
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    return seconds < 0 ? 0 : static_cast<std::uint64_t>(seconds);
}

// §6.1.1: parse, then what can be decided without the key.
void examine(Candidate& candidate, const VerifyOptions& options)
{
    Result<Signature> parsed = parse_signature(candidate.field->value, options.signature_limits);
    if (!parsed) {
        // RFC 8601 §2.7.1 neutral: "the signature or signatures contained syntax errors or
        // were not otherwise able to be processed".
        decide(candidate, Outcome::Neutral, parsed.error().detail);
        return;
    }
    SignatureResult& result = candidate.result;
    result.domain = parsed->domain;
    result.selector = parsed->selector;
    result.identity = parsed->identity;
    result.algorithm = std::string(algorithm_name(parsed->algorithm));
    candidate.signature = std::move(*parsed);
    const Signature& signature = *candidate.signature;
    if (signature.algorithm == Algorithm::RsaSha1) {
        // RFC 8301 §3.1: "rsa-sha1 MUST NOT be used for signing or verifying."
        decide(candidate, Outcome::Policy, "rsa-sha1 is not accepted (RFC 8301)");
        return;
    }
    if (signature.expiration && unix_seconds(options.now) > *signature.expiration) {
        decide(candidate, Outcome::Fail, "signature expired (x=)");  // §6.1.1
    }
}

// Body hashes for every distinct (body canonicalization, l=) pair, in one pass over the body.
std::vector<BodyHash> hash_bodies(std::string_view body, std::vector<Candidate>& candidates)
{
    std::vector<std::pair<Canon, std::optional<std::uint64_t>>> keys;
    for (Candidate& candidate : candidates) {
        if (candidate.decided) {
            continue;
        }
        const std::pair key{candidate.signature->canonicalization.body,
                            candidate.signature->body_length};
        std::size_t index = 0;
        while (index < keys.size() && keys[index] != key) {
            ++index;
        }
        if (index == keys.size()) {
            keys.push_back(key);
        }
        candidate.body_index = index;
    }
    std::vector<std::unique_ptr<BodyHasher>> hashers;
    for (const auto& [canon, length] : keys) {
        hashers.push_back(std::make_unique<BodyHasher>(canon, length));
    }
    for (std::size_t offset = 0; offset < body.size() && !hashers.empty(); offset += body_chunk) {
        const std::string_view chunk = body.substr(offset, body_chunk);
        for (auto& hasher : hashers) {
            hasher->update(chunk);
        }
    }
    std::vector<BodyHash> hashes;
    for (auto& hasher : hashers) {
        hashes.push_back(hasher->finish());
    }
    return hashes;
}

}  // namespace

boost::asio::awaitable<std::vector<SignatureResult>> verify_message(dns::Lookups& dns,
                                                                    std::string_view message,
                                                                    VerifyOptions options)
{
    const mime::HeaderBlock header = mime::parse_header_block(message, 0, options.header_limits);
    std::vector<Candidate> candidates;
    for (const mime::HeaderField& field : header.fields) {
        if (iequals(field.name, signature_field_name) &&
            candidates.size() < options.max_signatures) {
            candidates.push_back(Candidate{&field, std::nullopt, {}, false, 0});
        }
    }
    for (Candidate& candidate : candidates) {
        if (header.truncated != mime::Limit::None) {
            // Fields past the limit are invisible, so bottom-up selection (§5.4.2) could pick
            // the wrong instance: nothing is verified over a header Harbor did not fully see.
            decide(candidate, Outcome::PermError,
                   "header block past " + std::string(mime::limit_name(header.truncated)));
            continue;
        }
        examine(candidate, options);
    }
    const std::string_view body =
        header.missing_separator ? std::string_view() : message.substr(header.length);
    const std::vector<BodyHash> bodies = hash_bodies(body, candidates);

    std::map<std::string, KeyLookup> keys;  // one query per key name (§6.1.2 step 1)
    for (Candidate& candidate : candidates) {
        if (candidate.decided) {
            continue;
        }
        const Signature& signature = *candidate.signature;
        const std::string name = signature.key_name();
        auto found = keys.find(name);
        if (found == keys.end()) {
            KeyLookup lookup = co_await lookup_key(dns, name, options.key_limits);
            found = keys.emplace(name, std::move(lookup)).first;
        }
        const KeyLookup& key = found->second;
        if (key.status != KeyStatus::Found) {
            decide(candidate,
                   key.status == KeyStatus::TempError ? Outcome::TempError : Outcome::PermError,
                   key.reason);
            continue;
        }
        candidate.result.testing = key.record.testing;
        const Check check =
            check_signature(message, header.fields, *candidate.field, signature, key.record,
                            bodies[candidate.body_index], options.min_rsa_bits);
        candidate.result.partial_body = check.partial_body;
        decide(candidate, check.result, check.reason);
    }
    std::vector<SignatureResult> results;
    results.reserve(candidates.size());
    for (Candidate& candidate : candidates) {
        results.push_back(std::move(candidate.result));
    }
    co_return results;
}

}  // namespace harbor::auth::dkim
