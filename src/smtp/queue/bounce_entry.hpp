// `harbor queue bounce ID`: the administrator gives up on a queued message. Every recipient
// still pending fails now, and the sender gets the notice the queue would have sent at expiry
// (RFC 3464 action "failed"), stored in the same commit (store::QueueAttempt). Blocking: for
// the CLI. Should the runner be delivering the entry at that moment, whichever records last
// decides the recipients it names; a bounced entry is gone, so the runner's record then fails
// with NotFound and is dropped.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace harbor::store {
class Store;
}
namespace harbor::directory {
class Directory;
}

namespace harbor::smtp::queue {

// How many recipients failed. NotFound for no such entry; Invalid when none is pending.
Result<std::size_t> bounce_queue_entry(store::Store& store, directory::Directory& directory,
                                       std::int64_t id, const std::string& reporting_mta,
                                       std::int64_t now);

}  // namespace harbor::smtp::queue
