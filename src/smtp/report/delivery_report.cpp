// Delivery status notifications owed to a sender. See delivery_report.hpp.
#include "smtp/report/delivery_report.hpp"

#include "mime/builder/dsn.hpp"

namespace harbor::smtp::report {
namespace {

// The envelope sender as the DSN's To: "local@domain" split at the last '@', since a quoted
// local part may hold one and a domain or address literal never does. MailFrom::address keeps
// a quoted local part quoted, as mime::Address expects.
mime::Address sender_address(std::string_view envelope_sender)
{
    mime::Address address;
    const std::size_t at = envelope_sender.rfind('@');
    if (at == std::string_view::npos) {
        address.local_part = std::string(envelope_sender);
        return address;
    }
    address.local_part = std::string(envelope_sender.substr(0, at));
    address.domain = std::string(envelope_sender.substr(at + 1));
    return address;
}

// RFC 3461 §4.3: RET=FULL asks for the whole message, RET=HDRS for its header only. Without
// RET the choice is the MTA's: the whole message when something failed, so the sender has it
// to send again, and only the header in a report of deliveries, which the sender already has.
mime::ReturnContent return_content(Ret ret, bool any_failed)
{
    switch (ret) {
        case Ret::Full:
            return mime::ReturnContent::Full;
        case Ret::Headers:
            return mime::ReturnContent::HeadersOnly;
        case Ret::Unspecified:
            break;
    }
    return any_failed ? mime::ReturnContent::Full : mime::ReturnContent::HeadersOnly;
}

mime::DsnAction dsn_action(RecipientOutcome::Kind kind)
{
    switch (kind) {
        case RecipientOutcome::Kind::Delivered:
            return mime::DsnAction::Delivered;
        case RecipientOutcome::Kind::Relayed:
            return mime::DsnAction::Relayed;
        case RecipientOutcome::Kind::Delayed:
            return mime::DsnAction::Delayed;
        case RecipientOutcome::Kind::Failed:
            break;
    }
    return mime::DsnAction::Failed;
}

// RFC 3464 §2.3.4: Status is required; X.0.0 of the right class when the caller had nothing
// closer.
std::string_view default_status(RecipientOutcome::Kind kind)
{
    switch (kind) {
        case RecipientOutcome::Kind::Delivered:
        case RecipientOutcome::Kind::Relayed:
            return "2.0.0";
        case RecipientOutcome::Kind::Delayed:
            return "4.0.0";
        case RecipientOutcome::Kind::Failed:
            break;
    }
    return "5.0.0";
}

mime::DsnRecipient dsn_recipient(const RecipientOutcome& outcome)
{
    mime::DsnRecipient recipient;
    recipient.final_recipient = outcome.address;  // RFC 3464 §2.3.2
    if (outcome.original) {
        // RFC 3464 §2.3.1 and RFC 3461 §4.2: the ORCPT type and address (xtext decoded).
        recipient.original_recipient = outcome.original->type + ";" + outcome.original->address;
    }
    recipient.action = dsn_action(outcome.kind);
    recipient.status =
        !outcome.status.empty() ? outcome.status : std::string(default_status(outcome.kind));
    recipient.remote_mta = outcome.remote_mta;              // §2.3.5; none for local mail
    recipient.diagnostic_code = outcome.diagnostic;         // §2.3.6
    recipient.last_attempt = outcome.last_attempt;          // §2.3.7
    recipient.will_retry_until = outcome.will_retry_until;  // §2.3.8
    return recipient;
}

}  // namespace

bool notification_due(const RecipientOutcome& outcome)
{
    const Notify& notify = outcome.notify;
    if (notify.never) {
        return false;  // RFC 3461 §4.1: NEVER, no DSN under any conditions
    }
    switch (outcome.kind) {
        case RecipientOutcome::Kind::Delivered:
        case RecipientOutcome::Kind::Relayed:
            // RFC 3461 §4.1, §5.2.2, §5.2.3: a "delivered" or "relayed" DSN only on request.
            return notify.success;
        case RecipientOutcome::Kind::Delayed:
            // §4.1: no NOTIFY may be taken as FAILURE,DELAY; we do, as Postfix does.
            return !notify.given || notify.delay;
        case RecipientOutcome::Kind::Failed:
            break;
    }
    // RFC 3461 §4.1: without NOTIFY the MTA behaves as if NOTIFY=FAILURE(,DELAY) were given, so
    // a failure is reported unless NOTIFY left FAILURE out (SUCCESS and/or DELAY only).
    return !notify.given || notify.failure;
}

std::optional<std::string> delivery_report(const ReportInput& input)
{
    // RFC 5321 §4.5.5: nothing goes to the null reverse-path, which is how a notification (or
    // another automatic message) avoids causing one in turn.
    if (input.envelope_sender.empty()) {
        return std::nullopt;
    }
    mime::DsnRequest request;
    bool any_failed = false;
    for (const RecipientOutcome& outcome : input.recipients) {
        if (!notification_due(outcome)) {
            continue;
        }
        any_failed = any_failed || outcome.kind == RecipientOutcome::Kind::Failed;
        // RFC 3464 §2.1: one per-recipient group each, delivered and failed ones in one report.
        request.recipients.push_back(dsn_recipient(outcome));
    }
    if (request.recipients.empty()) {
        return std::nullopt;
    }
    request.reporting_mta = input.reporting_mta;
    request.received_from_mta = input.received_from;
    request.envelope_id = input.envid;  // RFC 3461 §4.4, RFC 3464 §2.2.1 Original-Envelope-Id
    if (input.arrival != 0) {
        request.arrival_date = input.arrival;  // RFC 3464 §2.2.5
    }
    request.now = input.now;
    request.to = sender_address(input.envelope_sender);
    request.original = std::string(input.original);
    request.return_content = return_content(input.ret, any_failed);
    request.max_original = input.max_original;
    return mime::build_dsn(request);
}

}  // namespace harbor::smtp::report
