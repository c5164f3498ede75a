// check_host() (RFC 7208 §4): record lookup and selection (§4.4, §4.5), evaluation in order
// (§4.6, §4.7), include (§5.2), redirect (§6.1) and the explanation of a fail (§6.2). The
// mechanisms that compare the client with DNS data are in mechanisms.cpp.
#include "auth/spf/check_host.hpp"

#include <chrono>

#include "auth/spf/evaluation.hpp"

namespace harbor::auth::spf {

namespace asio = boost::asio;
using detail::Evaluation;
using detail::Match;

namespace {

// §4.3: a <domain> that is malformed or not multi-label gives "none" before any lookup.
bool valid_initial_domain(std::string_view domain)
{
    if (!domain.empty() && domain.back() == '.') {
        domain.remove_suffix(1);
    }
    if (!detail::valid_target_name(domain) || domain.find('.') == std::string_view::npos) {
        return false;
    }
    // A domain literal ("[192.0.2.1]", RFC 5321 §4.1.3) is not a domain name.
    return domain.find('[') == std::string_view::npos && domain.find(']') == std::string_view::npos;
}

Outcome make_outcome(Status status, std::string reason = {})
{
    Outcome outcome;
    outcome.status = status;
    outcome.reason = std::move(reason);
    return outcome;
}

Status status_for(Qualifier qualifier)
{
    switch (qualifier) {
        case Qualifier::Pass:
            return Status::Pass;
        case Qualifier::Fail:
            return Status::Fail;
        case Qualifier::SoftFail:
            return Status::SoftFail;
        case Qualifier::Neutral:
            return Status::Neutral;
    }
    return Status::Neutral;
}

// §4.4, §4.5: the one SPF record of domain, or the outcome that ends the check.
struct Lookup {
    std::optional<Record> record;
    Outcome outcome;  // when there is no record
};

asio::awaitable<Lookup> find_record(Evaluation& evaluation, const std::string& domain)
{
    Lookup out;
    Result<dns::AnswerTxt> answer = co_await evaluation.dns.txt(domain);
    if (!answer) {
        // §4.4: "If the DNS lookup returns a server failure (RCODE 2) or some other error ...
        // or if the lookup times out, then check_host() terminates immediately with the
        // result "temperror"."
        out.outcome = make_outcome(Status::TempError, "DNS error looking up TXT " + domain + ": " +
                                                          answer.error().to_string());
        co_return out;
    }
    const std::string* found = nullptr;
    for (const std::string& txt : answer->records) {
        if (!is_spf_record(txt)) {
            continue;  // §4.5: records that do not begin with the version section are discarded
        }
        if (found != nullptr) {
            out.outcome = make_outcome(Status::PermError, "more than one SPF record at " + domain);
            co_return out;
        }
        found = &txt;
    }
    if (found == nullptr) {
        out.outcome = make_outcome(Status::None, "no SPF record at " + domain);
        co_return out;
    }
    Result<Record> record = parse_record(*found);
    if (!record) {
        out.outcome = make_outcome(Status::PermError,
                                   "SPF record of " + domain + ": " + record.error().detail);
        co_return out;
    }
    out.record = std::move(*record);
    co_return out;
}

// Expands a domain-spec (or takes the current domain for an absent one) with %{d} = domain,
// looking up the validated names first if it uses %{p}.
asio::awaitable<Result<std::string>> expand_target(Evaluation& evaluation, const std::string& spec,
                                                   const std::string& domain)
{
    if (spec.empty()) {
        co_return domain;
    }
    evaluation.values.domain = domain;
    if (uses_macro_letter(spec, 'p')) {
        co_await detail::ensure_validated_names(evaluation);
        evaluation.values.validated_name =
            detail::choose_validated_name(*evaluation.validated_names, domain);
    }
    co_return expand_domain_spec(spec, evaluation.values);
}

// An explain-string expanded for domain; Errc::Invalid for a syntax error.
asio::awaitable<Result<std::string>> expand_explanation(Evaluation& evaluation,
                                                        const std::string& text,
                                                        const std::string& domain)
{
    Result<void> checked = check_macro_string(text, MacroUse::Explanation);
    if (!checked) {
        co_return unexpected(std::move(checked).error());
    }
    evaluation.values.domain = domain;
    if (uses_macro_letter(text, 'p')) {
        co_await detail::ensure_validated_names(evaluation);
        evaluation.values.validated_name =
            detail::choose_validated_name(*evaluation.validated_names, domain);
    }
    co_return expand_macros(text, evaluation.values, MacroUse::Explanation);
}

// §6.2: the explanation of a fail from record's exp=, else the default. exp= problems (DNS,
// no or several TXT records, a bad explain-string) fall back to the default; its lookup counts
// toward no limit (the suite's exp-void).
asio::awaitable<std::string> explain(Evaluation& evaluation, const Record& record,
                                     const std::string& domain)
{
    if (record.exp) {
        Result<std::string> target = co_await expand_target(evaluation, *record.exp, domain);
        if (target && detail::valid_target_name(*target)) {
            Result<dns::AnswerTxt> answer = co_await evaluation.dns.txt(*target);
            if (answer && answer->records.size() == 1) {
                Result<std::string> text =
                    co_await expand_explanation(evaluation, answer->records.front(), domain);
                if (text) {
                    co_return std::move(*text);
                }
            }
        }
    }
    Result<std::string> fallback =
        co_await expand_explanation(evaluation, evaluation.default_explanation, domain);
    co_return fallback ? std::move(*fallback) : evaluation.default_explanation;
}

// Counts one DNS-querying term (§4.6.4); a PermError Match past the limit.
std::optional<Match> count_dns_term(Evaluation& evaluation)
{
    if (++evaluation.dns_terms > max_dns_terms) {
        return Match::failure(Status::PermError,
                              "more than " + std::to_string(max_dns_terms) + " DNS-querying terms");
    }
    return std::nullopt;
}

asio::awaitable<Outcome> evaluate(Evaluation& evaluation, std::string domain,
                                  bool want_explanation);

// §5.2: include's recursive check_host() result decides whether it matches.
asio::awaitable<Match> match_include(Evaluation& evaluation, std::string target)
{
    Outcome inner = co_await evaluate(evaluation, target, false);
    switch (inner.status) {
        case Status::Pass:
            co_return Match::yes();
        case Status::Fail:
        case Status::SoftFail:
        case Status::Neutral:
            co_return Match::no();
        case Status::TempError:
            co_return Match::failure(Status::TempError, "include:" + target + ": " + inner.reason);
        case Status::None:
        case Status::PermError:
            co_return Match::failure(Status::PermError, "include:" + target + ": " + inner.reason);
    }
    co_return Match::no();
}

asio::awaitable<Match> match_mechanism(Evaluation& evaluation, const Mechanism& mechanism,
                                       const std::string& domain)
{
    if (mechanism.kind == MechanismKind::All) {
        co_return Match::yes();
    }
    if (mechanism.kind == MechanismKind::Ip4 || mechanism.kind == MechanismKind::Ip6) {
        co_return detail::match_ip(evaluation, mechanism);
    }
    if (auto over = count_dns_term(evaluation)) {
        co_return *over;
    }
    Result<std::string> target = co_await expand_target(evaluation, mechanism.domain_spec, domain);
    if (!target) {
        co_return Match::failure(Status::PermError,
                                 to_string(mechanism) + ": " + target.error().detail);
    }
    if (!detail::valid_target_name(*target)) {
        if (mechanism.kind == MechanismKind::Include) {
            co_return Match::failure(Status::PermError,
                                     "include of the malformed name '" + *target + "'");
        }
        co_return Match::no();  // a name DNS cannot hold exists nowhere
    }
    switch (mechanism.kind) {
        case MechanismKind::Include:
            co_return co_await match_include(evaluation, std::move(*target));
        case MechanismKind::A:
            co_return co_await detail::match_a(evaluation, mechanism, std::move(*target));
        case MechanismKind::Mx:
            co_return co_await detail::match_mx(evaluation, mechanism, std::move(*target));
        case MechanismKind::Ptr:
            co_return co_await detail::match_ptr(evaluation, std::move(*target));
        case MechanismKind::Exists:
            co_return co_await detail::match_exists(evaluation, std::move(*target));
        default:
            co_return Match::no();
    }
}

// check_host() for one domain (the request's, an include's or a redirect's).
asio::awaitable<Outcome> evaluate(Evaluation& evaluation, std::string domain, bool want_explanation)
{
    if (!valid_initial_domain(domain)) {
        co_return make_outcome(Status::None, "malformed domain '" + domain + "'");  // §4.3
    }
    if (domain.back() == '.') {
        domain.pop_back();
    }
    Lookup lookup = co_await find_record(evaluation, domain);
    if (!lookup.record) {
        co_return std::move(lookup.outcome);
    }
    const Record& record = *lookup.record;
    for (const Mechanism& mechanism : record.mechanisms) {
        Match match = co_await match_mechanism(evaluation, mechanism, domain);
        if (match.error != Status::None) {
            co_return make_outcome(match.error, std::move(match.reason));
        }
        if (!match.matched) {
            continue;
        }
        Outcome outcome = make_outcome(status_for(mechanism.qualifier));
        outcome.mechanism = to_string(mechanism);
        if (outcome.status == Status::Fail && want_explanation) {
            outcome.explanation = co_await explain(evaluation, record, domain);
        }
        co_return outcome;
    }
    if (record.redirect) {
        // §6.1: the redirect target's result is this record's; its exp= (not ours) explains a
        // fail (§6.2). A target without a record is a permerror, not none.
        if (auto over = count_dns_term(evaluation)) {
            co_return make_outcome(Status::PermError, std::move(over->reason));
        }
        Result<std::string> target = co_await expand_target(evaluation, *record.redirect, domain);
        if (!target) {
            co_return make_outcome(Status::PermError, "redirect: " + target.error().detail);
        }
        Outcome outcome = co_await evaluate(evaluation, *target, want_explanation);
        if (outcome.status == Status::None) {
            co_return make_outcome(Status::PermError,
                                   "redirect=" + *target + ": " + outcome.reason);
        }
        co_return outcome;
    }
    Outcome outcome = make_outcome(Status::Neutral);  // §4.7
    outcome.mechanism = "default";
    co_return outcome;
}

}  // namespace

asio::awaitable<Outcome> check_host(dns::Lookups& dns, const Request& request)
{
    Evaluation evaluation{dns, {}, request.default_explanation, 0, 0, std::nullopt};
    // §5: "IPv4-mapped IPv6 addresses ... MUST still be considered an IPv4 address".
    evaluation.values.ip = request.ip;
    if (request.ip.is_v6() && request.ip.to_v6().is_v4_mapped()) {
        evaluation.values.ip = asio::ip::make_address_v4(asio::ip::v4_mapped, request.ip.to_v6());
    }
    // §2.4: a null reverse-path checks as postmaster@<helo>.
    set_sender(evaluation.values,
               request.sender.empty() ? "postmaster@" + request.helo : request.sender);
    evaluation.values.helo = request.helo;
    if (!request.receiver.empty()) {
        evaluation.values.receiver = request.receiver;
    }
    evaluation.values.timestamp = request.timestamp;
    if (evaluation.values.timestamp == 0) {
        evaluation.values.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count();
    }
    Outcome outcome = co_await evaluate(evaluation, request.domain, true);
    outcome.domain = request.domain;
    co_return outcome;
}

}  // namespace harbor::auth::spf
