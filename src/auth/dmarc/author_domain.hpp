// The RFC5322.From domain DMARC evaluates (RFC 7489 §6.6.1, the "Author Domain").
// Harbor's choice: exactly one From field holding exactly one mailbox with a domain; anything
// else is "not evaluable" and the caller decides. RFC 7489 §6.6.1 allows checking every
// domain of a multi-valued From and applying the strictest failing policy, and notes that
// such messages are "typically rejected"; OpenDMARC (RejectMultiValueFrom) and Postfix setups
// reject them. Harbor's filter stage should do the same (RFC 5322 §3.6 allows one From field,
// and more than one author mailbox needs a Sender field, which DMARC does not look at).
// SECURITY: header text is untrusted; parsing is mime::parse_address_list (bounded, fuzzed).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mime/header.hpp"

namespace harbor::auth::dmarc {

enum class AuthorStatus {
    Ok,
    NoFromField,  // RFC 5322 §3.6 requires one
    MultipleFromFields,
    NoAddress,          // the field holds no mailbox (empty, only a group name, garbage)
    MultipleAddresses,  // "a@x.example, b@y.example"
    NoDomain,           // "user" or "user@[192.0.2.1]": no domain to look a policy up for
    BadDomain,          // a domain canonical_domain refuses (empty label, bad IDN)
};

std::string_view author_status_name(AuthorStatus status);

struct AuthorDomain {
    AuthorStatus status = AuthorStatus::NoFromField;
    std::string domain;      // canonical (domain.hpp) when status is Ok
    bool malformed = false;  // the field broke RFC 5322 syntax around its one mailbox
                             // (mime::AddressList::malformed, or a group, which From
                             // does not allow): a caller may refuse it
};

// From the bodies (text after the colon) of every From field of the message's header.
AuthorDomain author_domain(std::span<const std::string_view> from_field_bodies);

// Same, collecting the From fields (case-insensitive name) of a top-level header block.
AuthorDomain author_domain(const std::vector<mime::HeaderField>& fields);

}  // namespace harbor::auth::dmarc
