// ARC validator actions, RFC 8617 §5.2 steps 1-7 (§5.2.1: every error is a permanent fail),
// with RFC 6376 §6.1.2-§6.1.3 for keys and the AMS, RFC 8301 (no rsa-sha1, RSA >= 1024 bits)
// and RFC 8463 (ed25519-sha256).
// SECURITY: bounded as validate.hpp says; keys are parsed under KeyRecordLimits and RSA
// moduli capped before use (auth/dkim/crypto.hpp).
#include "auth/arc/validate.hpp"

#include <map>
#include <optional>
#include <utility>

#include "auth/arc/chain.hpp"
#include "auth/dkim/digest.hpp"
#include "auth/dkim/key_lookup.hpp"
#include "auth/dkim/signature_check.hpp"

namespace harbor::auth::arc {

namespace {

struct ParsedSet {
    AuthenticationResults results;
    MessageSignature message_signature;
    Seal seal;
};

struct Verdict {
    bool pass = false;
    bool temporary = false;  // a key query failed to respond
    std::string reason;
};

using BodyKey = std::pair<dkim::Canon, std::optional<std::uint64_t>>;

// What the checks of one validation share: the message, its header, keys and body hashes.
struct Context {
    dns::Lookups& dns;
    std::string_view message;
    const mime::HeaderBlock& header;
    const ValidateOptions& options;
    std::map<std::string, dkim::KeyLookup> keys;  // one query per key name
    std::vector<std::pair<BodyKey, dkim::BodyHash>> bodies;
};

std::uint64_t unix_seconds(std::chrono::system_clock::time_point now)
{
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    return seconds < 0 ? 0 : static_cast<std::uint64_t>(seconds);
}

boost::asio::awaitable<const dkim::KeyLookup*> fetch_key(Context& context,
                                                         const dkim::Signature& signature)
{
    const std::string name = signature.key_name();
    auto found = context.keys.find(name);
    if (found == context.keys.end()) {
        dkim::KeyLookup lookup =
            co_await dkim::lookup_key(context.dns, name, context.options.key_limits);
        found = context.keys.emplace(name, std::move(lookup)).first;
    }
    co_return &found->second;
}

// The body hash under this c= body canonicalization and l=; nullptr past max_body_hashes.
const dkim::BodyHash* body_hash(Context& context, const dkim::Signature& signature)
{
    const BodyKey key{signature.canonicalization.body, signature.body_length};
    for (const auto& [seen, hash] : context.bodies) {
        if (seen == key) {
            return &hash;
        }
    }
    if (!context.bodies.empty() && context.bodies.size() >= context.options.max_body_hashes) {
        return nullptr;
    }
    const mime::HeaderBlock& header = context.header;
    const std::string_view body =
        header.missing_separator ? std::string_view() : context.message.substr(header.length);
    context.bodies.emplace_back(key, dkim::hash_body(key.first, key.second, body));
    return &context.bodies.back().second;
}

Verdict refused(std::string reason)
{
    return Verdict{false, false, std::move(reason)};
}

Verdict key_failure(const dkim::KeyLookup& key)
{
    return Verdict{false, key.status == dkim::KeyStatus::TempError, key.reason};
}

// An AMS is a DKIM signature under another name (§4.1.2): RFC 6376 §6.1.1-§6.1.3.
boost::asio::awaitable<Verdict> check_message_signature(Context& context,
                                                        const mime::HeaderField& field,
                                                        const MessageSignature& ams)
{
    const dkim::Signature& signature = ams.signature;
    if (signature.algorithm == dkim::Algorithm::RsaSha1) {
        co_return refused("rsa-sha1 is not accepted (RFC 8301 §3.1)");
    }
    if (signature.expiration && unix_seconds(context.options.now) > *signature.expiration) {
        co_return refused("signature expired (x=)");
    }
    const dkim::KeyLookup* key = co_await fetch_key(context, signature);
    if (key->status != dkim::KeyStatus::Found) {
        co_return key_failure(*key);
    }
    const dkim::BodyHash* body = body_hash(context, signature);
    if (body == nullptr) {
        co_return refused("more body canonicalizations than max_body_hashes");
    }
    const dkim::Check check =
        dkim::check_signature(context.message, context.header.fields, field, signature, key->record,
                              *body, context.options.min_rsa_bits);
    co_return Verdict{check.result == dkim::Outcome::Pass, false, check.reason};
}

// The AS of instance k signs sets 1..k (§5.1.1); a seal with cv=fail never gets here (§5.2
// steps 2 and 3.3 fail the chain first), so the §5.1.2 scope needs no case of its own.
boost::asio::awaitable<Verdict> check_seal(Context& context, const std::vector<SetFields>& sets,
                                           std::size_t k, const Seal& seal)
{
    const dkim::Signature& signature = seal.signature;
    if (signature.algorithm == dkim::Algorithm::RsaSha1) {
        co_return refused("rsa-sha1 is not accepted (RFC 8301 §3.1)");
    }
    const dkim::KeyLookup* key = co_await fetch_key(context, signature);
    if (key->status != dkim::KeyStatus::Found) {
        co_return key_failure(*key);
    }
    dkim::PublicKey public_key;
    const dkim::Check fit =
        dkim::key_fits(signature, key->record, context.options.min_rsa_bits, public_key);
    if (fit.result != dkim::Outcome::Pass) {
        co_return refused(fit.reason);
    }
    const std::string input = seal_hash_input(sealed_fields(context.message, sets, k));
    Result<void> verified =
        dkim::verify_digest(public_key, dkim::sha256(input), signature.signature);
    if (!verified) {
        co_return refused("signature did not verify");
    }
    co_return Verdict{true, false, ""};
}

// Parses every field of sets 1..N; the first error is the reason the chain fails.
Result<std::vector<ParsedSet>> parse_sets(const std::vector<SetFields>& sets,
                                          const FieldLimits& limits)
{
    std::vector<ParsedSet> parsed(sets.size());
    for (std::size_t k = 0; k < sets.size(); ++k) {
        const std::string where = " (i=" + std::to_string(k + 1) + ")";
        Result<AuthenticationResults> results =
            parse_authentication_results(sets[k].results->value, limits);
        if (!results) {
            return unexpected(Errc::Invalid, results.error().detail + where);
        }
        Result<MessageSignature> ams =
            parse_message_signature(sets[k].message_signature->value, limits);
        if (!ams) {
            return unexpected(Errc::Invalid, ams.error().detail + where);
        }
        Result<Seal> seal = parse_seal(sets[k].seal->value, limits);
        if (!seal) {
            return unexpected(Errc::Invalid, seal.error().detail + where);
        }
        parsed[k] = ParsedSet{std::move(*results), std::move(*ams), std::move(*seal)};
    }
    return parsed;
}

// §5.2 step 3.3: instance 1 says cv=none, every later one cv=pass.
std::string check_statuses(const std::vector<ParsedSet>& sets)
{
    for (std::size_t k = 0; k < sets.size(); ++k) {
        const ChainStatus want = k == 0 ? ChainStatus::None : ChainStatus::Pass;
        if (sets[k].seal.cv != want) {
            return "ARC-Seal i=" + std::to_string(k + 1) +
                   " says cv=" + std::string(chain_status_name(sets[k].seal.cv)) + ", not " +
                   std::string(chain_status_name(want)) + " (RFC 8617 §5.2 step 3)";
        }
    }
    return {};
}

InstanceResult describe(unsigned instance, const ParsedSet& set)
{
    InstanceResult out;
    out.instance = instance;
    out.cv = set.seal.cv;
    out.seal_domain = set.seal.signature.domain;
    out.seal_selector = set.seal.signature.selector;
    out.signature_domain = set.message_signature.signature.domain;
    out.signature_selector = set.message_signature.signature.selector;
    out.authserv_id = set.results.authserv_id;
    out.results = set.results.payload;
    return out;
}

void fail(ChainValidation& out, std::string reason, bool temporary = false)
{
    out.status = ChainStatus::Fail;
    out.reason = std::move(reason);
    out.dns_error = out.dns_error || temporary;
}

SignatureCheck check_of(const Verdict& verdict)
{
    return verdict.pass ? SignatureCheck::Pass : SignatureCheck::Fail;
}

}  // namespace

std::string_view signature_check_name(SignatureCheck check)
{
    switch (check) {
        case SignatureCheck::NotChecked:
            return "not checked";
        case SignatureCheck::Pass:
            return "pass";
        case SignatureCheck::Fail:
            return "fail";
    }
    return "fail";
}

boost::asio::awaitable<ChainValidation> validate_chain(dns::Lookups& dns, std::string_view message,
                                                       ValidateOptions options)
{
    ChainValidation out;
    const mime::HeaderBlock header = mime::parse_header_block(message, 0, options.header_limits);
    const Chain chain = collect_chain(header.fields, options.field_limits);
    out.sets = chain.highest;
    out.terminated = chain.terminated;
    if (header.truncated != mime::Limit::None) {
        // Fields past the limit are invisible: ARC fields among them would change the answer.
        fail(out, "header block past " + std::string(mime::limit_name(header.truncated)));
        co_return out;
    }
    if (chain.arc_fields == 0) {
        co_return out;  // §5.2 step 1: none
    }
    if (chain.terminated) {
        fail(out, "ARC-Seal i=" + std::to_string(chain.highest) +
                      " says cv=fail: the chain was ended upstream (RFC 8617 §5.2 step 2)");
        co_return out;
    }
    if (!chain.problem.empty()) {
        fail(out, chain.problem);
        co_return out;
    }
    Result<std::vector<ParsedSet>> parsed = parse_sets(chain.sets, options.field_limits);
    if (!parsed) {
        fail(out, parsed.error().detail);
        co_return out;
    }
    const std::vector<ParsedSet>& sets = *parsed;
    for (std::size_t k = 0; k < sets.size(); ++k) {
        out.instances.push_back(describe(static_cast<unsigned>(k + 1), sets[k]));
    }
    if (std::string problem = check_statuses(sets); !problem.empty()) {
        fail(out, std::move(problem));
        co_return out;
    }

    Context context{dns, message, header, options, {}, {}};
    const std::size_t newest = sets.size() - 1;
    // Step 4: the newest AMS must validate.
    const Verdict latest = co_await check_message_signature(
        context, *chain.sets[newest].message_signature, sets[newest].message_signature);
    out.instances[newest].message_signature = check_of(latest);
    if (!latest.pass) {
        fail(out, "ARC-Message-Signature i=" + std::to_string(newest + 1) + ": " + latest.reason,
             latest.temporary);
        co_return out;
    }
    // Step 6: every AS, newest first.
    for (std::size_t k = sets.size(); k > 0; --k) {
        const Verdict seal = co_await check_seal(context, chain.sets, k, sets[k - 1].seal);
        out.instances[k - 1].seal = check_of(seal);
        if (!seal.pass) {
            fail(out, "ARC-Seal i=" + std::to_string(k) + ": " + seal.reason, seal.temporary);
            co_return out;
        }
    }
    // Step 5 (optional): the older AMS, down to the first that does not validate.
    out.oldest_pass = newest == 0 ? 0 : static_cast<unsigned>(newest + 1);
    if (options.find_oldest_pass) {
        out.oldest_pass = 0;
        for (std::size_t k = newest; k > 0; --k) {
            const Verdict older = co_await check_message_signature(
                context, *chain.sets[k - 1].message_signature, sets[k - 1].message_signature);
            out.instances[k - 1].message_signature = check_of(older);
            if (!older.pass) {
                out.oldest_pass = static_cast<unsigned>(k + 1);
                break;
            }
        }
    }
    out.status = ChainStatus::Pass;  // step 7
    co_return out;
}

}  // namespace harbor::auth::arc
