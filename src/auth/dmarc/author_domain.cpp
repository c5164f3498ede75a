// The Author Domain (RFC 7489 §6.6.1) from the From field(s), through mime::parse_address_list.
// SECURITY: bounded by mime::AddressListLimits (a From with more than two mailboxes is already
// not evaluable, so the parse stops at two).
#include "auth/dmarc/author_domain.hpp"

#include "auth/dmarc/domain.hpp"
#include "core/ascii.hpp"
#include "mime/address_list.hpp"

namespace harbor::auth::dmarc {

std::string_view author_status_name(AuthorStatus status)
{
    switch (status) {
        case AuthorStatus::Ok:
            return "ok";
        case AuthorStatus::NoFromField:
            return "no From field";
        case AuthorStatus::MultipleFromFields:
            return "more than one From field";
        case AuthorStatus::NoAddress:
            return "no address in From";
        case AuthorStatus::MultipleAddresses:
            return "more than one address in From";
        case AuthorStatus::NoDomain:
            return "no domain in the From address";
        case AuthorStatus::BadDomain:
            return "invalid From domain";
    }
    return "invalid From domain";
}

AuthorDomain author_domain(std::span<const std::string_view> from_field_bodies)
{
    AuthorDomain out;
    if (from_field_bodies.empty()) {
        out.status = AuthorStatus::NoFromField;
        return out;
    }
    if (from_field_bodies.size() > 1) {
        out.status = AuthorStatus::MultipleFromFields;
        return out;
    }
    mime::AddressListLimits limits;
    limits.max_addresses = 2;  // one is the answer, two already says "not evaluable"
    const mime::AddressList list = mime::parse_address_list(from_field_bodies.front(), limits);
    out.malformed = list.malformed || list.comment_too_deep;
    if (list.addresses.empty()) {
        out.status = AuthorStatus::NoAddress;
        return out;
    }
    if (list.addresses.size() > 1) {
        out.status = AuthorStatus::MultipleAddresses;
        return out;
    }
    // From is a mailbox-list (RFC 5322 §3.6.2): a group there is a syntax error too.
    out.malformed = out.malformed || !list.addresses.front().group.empty();
    const std::string& domain = list.addresses.front().domain;
    if (domain.empty() || domain.front() == '[') {
        out.status = AuthorStatus::NoDomain;
        return out;
    }
    Result<std::string> canonical = canonical_domain(domain);
    if (!canonical) {
        out.status = AuthorStatus::BadDomain;
        return out;
    }
    out.status = AuthorStatus::Ok;
    out.domain = std::move(*canonical);
    return out;
}

AuthorDomain author_domain(const std::vector<mime::HeaderField>& fields)
{
    std::vector<std::string_view> bodies;
    for (const mime::HeaderField& field : fields) {
        if (iequals(field.name, "From")) {
            bodies.push_back(field.value);
        }
    }
    return author_domain(std::span<const std::string_view>(bodies));
}

}  // namespace harbor::auth::dmarc
