// Making a local domain's DKIM signing key (RFC 6376 §3.6), as `harbor dkim keygen`,
// `harbor quickstart` and the demo do it. Defined in cmd_dkim.cpp.
#pragma once

#include <ctime>
#include <string>

#include "auth/dkim/crypto.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace harbor::cli {

// "harbor-20261130": a selector that sorts by age and says who made it.
std::string default_dkim_selector(std::time_t now);

// IfFirst: the key signs at once only if the domain has no signing key yet, so that nothing
// is signed with a key whose record is not in DNS; Now: it signs at once regardless.
enum class DkimActivation { IfFirst, Now };

struct NewDkimKey {
    store::DkimKeyRecord record;
    std::string txt;  // the key record to publish at <selector>._domainkey.<domain>
};

// Generates a key of `type` (RSA: 2048 bits, RFC 8301) and stores it for `domain` (lower case,
// local) under `selector` (checked by the caller). Errors of the key generation and the store.
Result<NewDkimKey> add_dkim_key(store::Store& store, const std::string& domain,
                                const std::string& selector, auth::dkim::KeyType type,
                                DkimActivation activation);

}  // namespace harbor::cli
