// Delivery status notifications (RFC 3464) owed to a sender: after the server accepted a
// message (the 250 to DATA or BDAT LAST: local deliveries, a copy the store refused after RCPT)
// and as the outbound queue learns a recipient's fate (delivered, relayed to a server without
// DSN, delayed, failed). Which recipients the sender asked to hear about (RFC 3461 §4.1 NOTIFY,
// §5.2 the MTA's duties) and the report for them, built by mime::build_dsn. Pure: it neither
// sends nor queues; notice_delivery (notice_delivery.hpp) says where the result goes.
// SECURITY: ENVID and ORCPT come from the client, already decoded and checked for control
// characters by the parameter parser (smtp/protocol/path.hpp); build_dsn writes every field as
// printable ASCII and caps the returned original (mime/builder/dsn.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/builder/dsn.hpp"
#include "smtp/protocol/path.hpp"

namespace harbor::smtp::report {

// What became of one recipient.
struct RecipientOutcome {
    // RFC 3464 §2.3.3 actions: Relayed is a success handed to a server that does not offer DSN
    // (RFC 3461 §5.2.2), Delayed a temporary failure the queue goes on retrying.
    enum class Kind { Delivered, Relayed, Delayed, Failed };

    std::string address;                        // RcptTo::address, as the client gave it
    std::optional<OriginalRecipient> original;  // ORCPT (RFC 3461 §4.2), xtext decoded
    Notify notify;                              // NOTIFY as parsed from RCPT
    Kind kind = Kind::Delivered;
    std::string status;  // RFC 3463: "2.0.0" delivered; "5.2.2" mailbox full, "5.1.1" no account
    // The reply that decided it, "552 5.2.2 Mailbox full", or empty. build_dsn writes it as
    // "Diagnostic-Code: smtp; <this>", so no "smtp;" here.
    std::string diagnostic;
    std::string remote_mta{};                        // the server that answered (§2.3.5), or empty
    std::optional<std::int64_t> last_attempt{};      // §2.3.7, unix seconds
    std::optional<std::int64_t> will_retry_until{};  // §2.3.8, for Delayed
};

struct ReportInput {
    std::string reporting_mta;  // our host name (Reporting-MTA, RFC 3464 §2.2.2)
    // The client: its EHLO name, optionally with its address, "client.example [192.0.2.1]"
    // (Received-From-MTA, §2.2.4; build_dsn adds the "dns; " type). Empty to leave it out.
    std::string received_from;
    std::string envelope_sender;  // MailFrom::address; empty for the null sender "<>"
    std::string envid;            // MailFrom::envid (RFC 3461 §4.4), or empty
    Ret ret = Ret::Unspecified;   // MailFrom::ret (RFC 3461 §4.3)
    std::int64_t arrival = 0;     // unix seconds the message came in (Arrival-Date); 0: none
    std::int64_t now = 0;         // unix seconds, the Date of the report
    std::vector<RecipientOutcome> recipients;
    std::string_view original;  // the message as stored (our Received field first)
    // Larger originals go back as their header only (mime::DsnRequest::max_original).
    std::size_t max_original = mime::default_max_returned_original;
};

// Whether the sender asked to be told this outcome: a delivery only with NOTIFY=SUCCESS, a
// delay with DELAY or without NOTIFY, a failure unless NOTIFY was given without FAILURE.
bool notification_due(const RecipientOutcome& outcome);

// The whole report, one for all the recipients due one (failed and delivered ones together),
// or nullopt when none is due or the envelope sender is null.
std::optional<std::string> delivery_report(const ReportInput& input);

}  // namespace harbor::smtp::report
