// Where a delivery status notification goes: a local sender gets it in its own mailboxes
// (Return-Path <>, RFC 5321 §4.4), anyone else through the outbound queue with MAIL FROM:<>
// (§4.5.5, so a notice never causes another) and NOTIFY=NEVER. Blocking (directory lookups):
// call it off the io threads.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.hpp"
#include "store/store.hpp"

namespace harbor::directory {
class Directory;
}

namespace harbor::smtp::report {

// The request to store a notice for `envelope_sender` (not null), without its bytes: the
// caller points `bytes` at the report. NotFound when a local sender has no mailbox; the
// directory's errors.
Result<store::DeliverRequest> notice_delivery(directory::Directory& directory,
                                              std::string_view envelope_sender, std::int64_t now);

}  // namespace harbor::smtp::report
