// The Prometheus metrics of SMTP reception and submission (docs/metrics.md): messages accepted
// by protocol, refusals by reason and copies delivered to local mailboxes. The reasons are a
// fixed set, so no client-supplied text ever becomes a label value.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/config.hpp"
#include "smtp/protocol/reply.hpp"
#include "smtp/server/data_reader.hpp"

namespace harbor::smtp::server {

// Why a message, or one of its recipients, was refused: the `reason` label of
// harbor_messages_rejected_total. Counted once per refusing reply.
enum class Refusal {
    UnknownRecipient,   // 550 5.1.1
    RelayDenied,        // 554 5.7.1, a foreign domain without authentication
    MailboxFull,        // 452 4.2.2
    MailboxDisabled,    // 550 5.2.1
    TooManyRecipients,  // 452 4.5.3
    AuthRequired,       // 530 5.7.0, MAIL on submission before AUTH
    SenderNotOwned,     // 553 5.7.1, submission: envelope or From: not the account's
    Spf,                // 550 5.7.23
    Dmarc,              // 550 5.7.26, or several From: fields (RFC 7489 §6.6.1)
    Size,               // 552 5.3.4
    Loop,               // 554 5.4.6, too many Received fields
    BareNewline,        // 550 5.5.2, bare CR or LF in the content (SMTP smuggling)
    BadContent,         // NUL in text, a line over the limit
    Syntax,             // MAIL, RCPT or BDAT arguments that do not parse
    Pipelining,         // 554 5.5.0, content sent before the 354
    TemporaryFailure,   // 4xx of ours: lookups, storage, recipient verification
    Other,
};

std::string_view refusal_name(Refusal reason);  // "unknown_recipient"

// The reason for a content error (DataResult::error(), not None).
Refusal refusal_for(DataError error);

// The reason for a refused RCPT, from its RFC 3463 enhanced code (accept_recipient and
// verify_routed give each cause its own code).
Refusal refusal_for_recipient(const Reply& reply);

void count_refusal(Refusal reason);
// A message acknowledged with 250 after its content (DATA, or BDAT LAST).
void count_received(Protocol protocol);
// Mailbox copies a delivery stored, one per local recipient.
void count_local_deliveries(std::size_t copies);

// Registers every series at 0, so that they are scraped before their first event.
void register_smtp_metrics();

}  // namespace harbor::smtp::server
