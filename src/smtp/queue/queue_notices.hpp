// The notifications one delivery attempt owes the sender (RFC 3461 §5.2, RFC 3464): failures
// (refused, or expired while still failing), delays (once, after the warning time) and
// successes the sender asked for (relayed to a server without DSN, §5.2.2). The NOTIFY, ORCPT,
// ENVID and RET each recipient and the message were queued with decide who hears and what comes
// back. Pure; mime::build_dsn writes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/report/delivery_report.hpp"
#include "store/types.hpp"

namespace harbor::smtp::queue {

// The store keeps a notice inline up to 64 KiB (store::QueueAttempt): the original goes back
// whole up to this size, and a notice names at most this many recipients.
constexpr std::size_t notice_max_original = 32 * 1024;
constexpr std::size_t notice_max_recipients = 20;
constexpr std::size_t notice_max_diagnostic = 900;

// What one attempt decided for one recipient.
struct RecipientFate {
    std::size_t recipient = 0;  // index into QueuedMessage::recipients
    report::RecipientOutcome::Kind kind = report::RecipientOutcome::Kind::Failed;
    std::string status;      // RFC 3463 "5.1.1"; empty: X.0.0 of the kind's class
    std::string diagnostic;  // the reply that decided it, "550 5.1.1 No such user"
    std::string remote_mta;  // the host that answered, or empty for our own decision
};

struct NoticeContext {
    std::string reporting_mta;  // our host name
    std::int64_t now = 0;
    std::int64_t retry_until = 0;  // when the queue gives up (Will-Retry-Until for delays)
};

// The notices' texts, each under the store's limit; none when the sender is null (RFC 5321
// §4.5.5) or no recipient's NOTIFY asks for its fate. `original` is the queued message.
std::vector<std::string> queue_notices(const store::QueuedMessage& entry,
                                       std::span<const RecipientFate> fates,
                                       std::string_view original, const NoticeContext& context);

}  // namespace harbor::smtp::queue
