// RFC 3464 delivery status notifications as multipart/report (RFC 6522). See dsn.hpp.
#include "mime/builder/dsn.hpp"

#include "core/ids.hpp"
#include "mime/builder/message_builder.hpp"
#include "mime/message.hpp"

#include "core/line_ends.hpp"

namespace harbor::mime {
namespace {

// RFC 3464 §2.1: the delivery-status fields are US-ASCII.
std::string printable(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        out += (byte >= 0x20 && byte <= 0x7e) ? c : '?';
    }
    return out;
}

// RFC 5322 §2.1.1 and §2.3: lines of at most 998 octets, no NUL, no CR outside CRLF.
bool lines_fit(std::string_view text)
{
    std::size_t line = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            line = 0;
        } else if (text[i] == '\r') {
            if (i + 1 == text.size() || text[i + 1] != '\n') {
                return false;
            }
        } else if (text[i] == '\0' || ++line > max_line_octets) {
            return false;
        }
    }
    return true;
}

// One delivery-status field, folded like a header field (RFC 3464 §2.1 uses RFC 822 syntax).
std::string status_field(std::string_view name, std::string_view value)
{
    return format_field(unstructured_field(name, printable(value)));
}

std::string per_message_fields(const DsnRequest& request)
{
    std::string fields;
    if (!request.envelope_id.empty()) {
        fields += status_field("Original-Envelope-Id", request.envelope_id);  // §2.2.1
    }
    fields += status_field("Reporting-MTA", "dns; " + request.reporting_mta);  // §2.2.2
    if (!request.received_from_mta.empty()) {
        fields += status_field("Received-From-MTA", "dns; " + request.received_from_mta);
    }
    if (request.arrival_date) {
        fields += status_field("Arrival-Date",
                               format_date(*request.arrival_date, request.offset_minutes));
    }
    return fields;
}

std::string per_recipient_fields(const DsnRequest& request, const DsnRecipient& recipient)
{
    std::string fields;
    if (!recipient.original_recipient.empty()) {
        // §2.3.1: the ORCPT value as given, "rfc822;addr"; a bare address gets the type.
        const bool typed = recipient.original_recipient.find(';') != std::string::npos;
        fields +=
            status_field("Original-Recipient", typed ? recipient.original_recipient
                                                     : "rfc822; " + recipient.original_recipient);
    }
    fields += status_field("Final-Recipient", "rfc822; " + recipient.final_recipient);  // §2.3.2
    fields += status_field("Action", dsn_action_name(recipient.action));                // §2.3.3
    fields += status_field("Status", recipient.status);                                 // §2.3.4
    if (!recipient.remote_mta.empty()) {
        fields += status_field("Remote-MTA", "dns; " + recipient.remote_mta);  // §2.3.5
    }
    if (!recipient.diagnostic_code.empty()) {
        fields += status_field("Diagnostic-Code", "smtp; " + recipient.diagnostic_code);  // §2.3.6
    }
    if (recipient.last_attempt) {
        fields += status_field("Last-Attempt-Date",
                               format_date(*recipient.last_attempt, request.offset_minutes));
    }
    if (recipient.will_retry_until && recipient.action == DsnAction::Delayed) {
        fields += status_field("Will-Retry-Until",
                               format_date(*recipient.will_retry_until, request.offset_minutes));
    }
    return fields;
}

DsnAction overall_action(const DsnRequest& request)
{
    for (const DsnAction action : {DsnAction::Failed, DsnAction::Delayed}) {
        for (const DsnRecipient& recipient : request.recipients) {
            if (recipient.action == action) {
                return action;
            }
        }
    }
    return DsnAction::Delivered;
}

std::string human_text(const DsnRequest& request, DsnAction overall)
{
    std::string text =
        "This is the mail system at " + printable(request.reporting_mta) + ".\r\n\r\n";
    switch (overall) {
        case DsnAction::Failed:
            text +=
                "Your message could not be delivered to one or more recipients.\r\n"
                "It is attached below.\r\n";
            break;
        case DsnAction::Delayed:
            text +=
                "Your message has not been delivered yet to one or more recipients.\r\n"
                "The mail system will keep trying; you do not need to send it again.\r\n";
            break;
        default:
            text += "Your message was delivered as requested.\r\n";
            break;
    }
    text += "\r\n";
    for (const DsnRecipient& recipient : request.recipients) {
        // Remote replies are untrusted: no line breaks of theirs get into our text.
        text += "<" + printable(recipient.final_recipient) +
                ">: " + std::string(dsn_action_name(recipient.action)) + " (" +
                printable(recipient.status) + ")";
        if (!recipient.diagnostic_code.empty()) {
            text += "\r\n    " +
                    (recipient.remote_mta.empty() ? std::string("remote server")
                                                  : printable(recipient.remote_mta)) +
                    " said: " + printable(recipient.diagnostic_code);
        }
        text += "\r\n";
    }
    return text;
}

// The original as message/rfc822 when it may be returned whole and fits, else its header as
// text/rfc822-headers (RFC 6522 §4), cut at a line end within max_original.
BuildPart returned_original(const DsnRequest& request)
{
    const std::string original = to_crlf(request.original);
    BuildPart part;
    if (request.return_content == ReturnContent::Full && original.size() <= request.max_original &&
        lines_fit(original)) {
        part.content_type = "message/rfc822";
        part.body = original;
        if (!part.body.empty() && part.body.back() != '\n') {
            part.body += "\r\n";
        }
        return part;
    }
    const Message parsed = parse_message(original);
    std::string header(header_bytes(original, parsed.root));
    if (header.size() > request.max_original) {
        const std::size_t cut = header.rfind('\n', request.max_original);
        header.resize(cut == std::string::npos ? 0 : cut + 1);
    }
    part.content_type = "text/rfc822-headers";
    part.content_type_parameters = {{"charset", "utf-8"}};
    part.body = header;
    return part;
}

}  // namespace

std::string_view dsn_action_name(DsnAction action)
{
    switch (action) {
        case DsnAction::Failed:
            return "failed";
        case DsnAction::Delayed:
            return "delayed";
        case DsnAction::Delivered:
            return "delivered";
        case DsnAction::Relayed:
            return "relayed";
        case DsnAction::Expanded:
            return "expanded";
    }
    return "failed";
}

std::string build_dsn(const DsnRequest& request)
{
    const DsnAction overall = overall_action(request);
    BuildPart report;
    report.content_type = "multipart/report";
    report.content_type_parameters = {{"report-type", "delivery-status"}};  // RFC 6522 §3

    Address from;
    from.display_name = "Mail Delivery System";
    from.local_part = "MAILER-DAEMON";
    from.domain = request.reporting_mta;
    report.headers.push_back(address_field("From", {from}));
    report.headers.push_back(address_field("To", {request.to}));
    const char* subject = overall == DsnAction::Failed    ? "Undelivered Mail Returned to Sender"
                          : overall == DsnAction::Delayed ? "Delayed Mail (still being retried)"
                                                          : "Successful Mail Delivery Report";
    report.headers.push_back(unstructured_field("Subject", subject));
    report.headers.push_back(plain_field("Date", format_date(request.now, request.offset_minutes)));
    report.headers.push_back(plain_field("Message-ID", new_message_id(request.reporting_mta)));
    report.headers.push_back(plain_field("Auto-Submitted", "auto-replied"));  // RFC 3834 §5

    BuildPart notice;
    notice.content_type = "text/plain";
    notice.content_type_parameters = {{"charset", "utf-8"}};
    notice.headers.push_back(unstructured_field("Content-Description", "Notification"));
    notice.body = human_text(request, overall);
    report.children.push_back(std::move(notice));

    BuildPart status;
    status.content_type = "message/delivery-status";
    status.headers.push_back(unstructured_field("Content-Description", "Delivery report"));
    // §2.1: the per-message fields, then one block per recipient, each after an empty line.
    status.body = per_message_fields(request);
    for (const DsnRecipient& recipient : request.recipients) {
        status.body += "\r\n" + per_recipient_fields(request, recipient);
    }
    report.children.push_back(std::move(status));

    BuildPart original = returned_original(request);
    original.headers.push_back(unstructured_field(
        "Content-Description",
        original.content_type == "message/rfc822" ? "Undelivered Message" : "Message Headers"));
    report.children.push_back(std::move(original));
    return build_message(report);
}

}  // namespace harbor::mime
