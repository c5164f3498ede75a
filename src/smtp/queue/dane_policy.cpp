// DANE policy of a mail host from its TLSA answer. See dane_policy.hpp.
#include "smtp/queue/dane_policy.hpp"

namespace harbor::smtp::queue {

std::string tlsa_name(const std::string& host, std::uint16_t port)
{
    return "_" + std::to_string(port) + "._tcp." + host;
}

DanePolicy dane_policy_of(const std::string& name, const Result<dns::AnswerTlsa>& answer)
{
    DanePolicy policy;
    if (!answer) {
        // §2.2: a failed or bogus lookup leaves the host's policy unknown; delivering to it
        // could let an attacker who blocks the TLSA answer strip the protection.
        policy.kind = DanePolicy::Kind::Unreachable;
        policy.reason = "DANE: TLSA lookup of " + name + " failed: " + answer.error().detail;
        return policy;
    }
    if (answer->existence != dns::Existence::Records || answer->security != dns::Security::Secure) {
        return policy;  // no DANE: opportunistic TLS as for any host
    }
    for (const dns::Tlsa& tlsa : answer->records) {
        net::DaneRecord record{tlsa.usage, tlsa.selector, tlsa.matching_type, tlsa.data};
        if (net::dane_usable(record)) {
            policy.records.push_back(std::move(record));
        }
    }
    policy.kind =
        policy.records.empty() ? DanePolicy::Kind::Encrypt : DanePolicy::Kind::Authenticate;
    return policy;
}

}  // namespace harbor::smtp::queue
