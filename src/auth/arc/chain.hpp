// A message's Authenticated Received Chain as found in its header (RFC 8617 §4.2, §4.3): the
// ARC fields grouped into ARC Sets by instance, the structure checks of §5.2 steps 1-3, and
// the octets an ARC-Seal signs (§5.1.1, §5.1.2). Shared by validation and sealing.
// SECURITY: at most max_fields ARC fields are looked at (3 per set, 50 sets: §5.2 step 1 fails
// a longer chain); each is parsed under FieldLimits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "auth/arc/fields.hpp"
#include "mime/header.hpp"

namespace harbor::auth::arc {

constexpr std::size_t default_max_arc_fields = 3 * max_instance;

// The three fields of one ARC Set (§4.2), views into the header block.
struct SetFields {
    const mime::HeaderField* results = nullptr;
    const mime::HeaderField* message_signature = nullptr;
    const mime::HeaderField* seal = nullptr;
};

struct Chain {
    std::size_t arc_fields = 0;  // ARC header fields in the header (all of them counted)
    unsigned highest = 0;        // N: the highest instance an ARC field names; 0 if none
    // The ARC-Seal of instance N says cv=fail: "the Chain Validation Status is fail" (§5.2
    // step 2) and a sealer stops (§5.1 step 2).
    bool terminated = false;
    // Why the chain is not well formed (§5.2 steps 1 and 3.1-3.2: more than 50 sets, a field
    // without a readable i=, a set missing a field or holding one twice); empty if it is.
    std::string problem;
    std::vector<SetFields> sets;  // sets[k - 1] is instance k, 1..N; filled when `problem` is empty
};

// Groups the ARC fields of `fields`. A field whose i= cannot be read makes a problem but does
// not count towards `highest`.
Chain collect_chain(const std::vector<mime::HeaderField>& fields, const FieldLimits& limits = {},
                    std::size_t max_fields = default_max_arc_fields);

// The raw fields (name through line end, views into `message`) of sets 1..count, each set as
// AAR, AMS, AS: the order an ARC-Seal signs them in (§5.1.1). Requires count <= sets.size().
std::vector<std::string_view> sealed_fields(std::string_view message,
                                            const std::vector<SetFields>& sets, std::size_t count);

// The ARC-Seal's hash input (§5.1.1, RFC 6376 §3.7): every field of `fields` relaxed-
// canonicalized with CRLF, except the last (the ARC-Seal being signed or verified), which has
// its b= value removed and no CRLF.
std::string seal_hash_input(const std::vector<std::string_view>& fields);

}  // namespace harbor::auth::arc
