// Delivery status notifications (RFC 3464): multipart/report; report-type=delivery-status
// (RFC 6522 §3) with a human-readable text/plain part, the message/delivery-status fields
// (RFC 3464 §2.2 per-message, §2.3 per-recipient, RFC 3463 status codes) and the original
// message (message/rfc822) or only its header (text/rfc822-headers, RFC 6522 §4), capped.
// The caller sends the result with an empty envelope sender, MAIL FROM:<> (RFC 5321 §4.5.5,
// RFC 3464 §2), so that a DSN never causes another one; building it does not involve SMTP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address_list.hpp"

namespace harbor::mime {

constexpr std::size_t default_max_returned_original = 256 * 1024;

enum class DsnAction { Failed, Delayed, Delivered, Relayed, Expanded };  // RFC 3464 §2.3.3

std::string_view dsn_action_name(DsnAction action);

struct DsnRecipient {
    std::string final_recipient;     // the address the delivery was attempted to (rfc822 type)
    std::string original_recipient;  // from the ORCPT parameter (RFC 3461 §4.2), or empty
    DsnAction action = DsnAction::Failed;
    std::string status;                        // RFC 3463 "5.1.1"
    std::string remote_mta;                    // DNS name of the MTA that answered, or empty
    std::string diagnostic_code;               // the SMTP reply, "550 5.1.1 no such user", or empty
    std::optional<std::int64_t> last_attempt;  // unix seconds
    std::optional<std::int64_t> will_retry_until;  // written for Delayed only (§2.3.8)
};

enum class ReturnContent { Full, HeadersOnly };  // RFC 3461 §4.3 RET=FULL / RET=HDRS

struct DsnRequest {
    std::string reporting_mta;      // our DNS name (§2.2.2); also the From domain
    std::string received_from_mta;  // the MTA we got the message from (§2.2.4), or empty
    std::string envelope_id;        // ENVID (RFC 3461 §4.4, §2.2.1 here), or empty
    std::optional<std::int64_t> arrival_date;  // §2.2.5
    std::int64_t now = 0;                      // the Date of the notification
    int offset_minutes = 0;                    // the zone the dates are written in
    Address to;                                // the original envelope sender
    std::vector<DsnRecipient> recipients;
    std::string original;  // the original message, raw
    ReturnContent return_content = ReturnContent::HeadersOnly;
    // Larger originals are returned as headers only; a header block past this is cut at a
    // line end.
    std::size_t max_original = default_max_returned_original;
};

// The whole notification, From: MAILER-DAEMON@reporting_mta, Auto-Submitted: auto-replied
// (RFC 3834 §5). Field values are made printable ASCII (other bytes become '?'), since
// message/delivery-status is 7bit text (RFC 3464 §2.1).
std::string build_dsn(const DsnRequest& request);

}  // namespace harbor::mime
