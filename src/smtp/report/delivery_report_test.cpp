// Unit tests for smtp/report/delivery_report: who is due a DSN after the message was accepted
// (RFC 3461 §4.1 NOTIFY, RFC 5321 §4.5.5 null sender), what goes back (RFC 3461 §4.3 RET) and
// the RFC 3464 fields, each report read back with our own MIME parser.
#include "smtp/report/delivery_report.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "mime/address_list.hpp"
#include "mime/body.hpp"
#include "mime/builder/header_encoding.hpp"
#include "mime/header.hpp"
#include "mime/message.hpp"

namespace harbor::smtp::report {
namespace {

using Kind = RecipientOutcome::Kind;
using Fields = std::vector<std::pair<std::string, std::string>>;

const std::string original =
    "Received: from client.example.org by mx.example.com; Tue, 1 Dec 2026 10:00:00 +0000\r\n"
    "From: Sender <sender@example.org>\r\nTo: box@example.com\r\nSubject: hello\r\n"
    "Message-ID: <m1@example.org>\r\n\r\nbody line\r\n";

Notify notify_of(bool given, bool never, bool success, bool failure, bool delay)
{
    Notify notify;
    notify.given = given;
    notify.never = never;
    notify.success = success;
    notify.failure = failure;
    notify.delay = delay;
    return notify;
}

const Notify absent = notify_of(false, false, false, false, false);
const Notify never = notify_of(true, true, false, false, false);
const Notify success = notify_of(true, false, true, false, false);
const Notify failure = notify_of(true, false, false, true, false);
const Notify delay = notify_of(true, false, false, false, true);
const Notify success_failure = notify_of(true, false, true, true, false);

RecipientOutcome delivered(std::string address, Notify notify)
{
    return RecipientOutcome{std::move(address), std::nullopt, notify, Kind::Delivered, "2.0.0", ""};
}

RecipientOutcome failed(std::string address, Notify notify)
{
    return RecipientOutcome{std::move(address), std::nullopt, notify,
                            Kind::Failed,       "5.2.2",      "552 5.2.2 Mailbox full"};
}

ReportInput input(std::vector<RecipientOutcome> recipients)
{
    ReportInput in;
    in.reporting_mta = "mx.example.com";
    in.received_from = "client.example.org [192.0.2.7]";
    in.envelope_sender = "sender@example.org";
    in.arrival = 1796038000;
    in.now = 1796038005;
    in.recipients = std::move(recipients);
    in.original = original;
    return in;
}

// The field blocks of a message/delivery-status body (RFC 3464 §2.1), unfolded.
std::vector<Fields> status_blocks(std::string_view body)
{
    std::vector<Fields> out;
    std::size_t at = 0;
    while (at < body.size()) {
        const mime::HeaderBlock block = mime::parse_header_block(body.substr(at), at, {});
        Fields fields;
        for (const mime::HeaderField& field : block.fields) {
            const std::string value = mime::unfold(field.value);
            fields.emplace_back(std::string(field.name),
                                value.substr(value.find_first_not_of(' ')));
        }
        out.push_back(std::move(fields));
        if (block.length == 0) {
            break;
        }
        at += block.length;
    }
    return out;
}

std::string value_of(const Fields& fields, std::string_view name)
{
    for (const auto& [field_name, value] : fields) {
        if (field_name == name) {
            return value;
        }
    }
    return "<missing>";
}

// A report read back: the three parts of RFC 6522 §3 and the delivery-status blocks.
struct ReadReport {
    std::string raw;
    mime::Message parsed;
    std::vector<Fields> blocks;  // per-message fields, then one block per recipient
    std::string returned_type;   // "message/rfc822" or "text/rfc822-headers"
};

ReadReport read_report(std::string raw)
{
    ReadReport report;
    report.raw = std::move(raw);
    report.parsed = mime::parse_message(report.raw);
    const mime::Part& root = report.parsed.root;
    EXPECT_EQ(root.content_type.type + "/" + root.content_type.subtype, "multipart/report");
    const mime::MimeParameter* report_type =
        mime::find_parameter(root.content_type.parameters, "report-type");
    EXPECT_TRUE(report_type != nullptr && report_type->value == "delivery-status");
    if (root.children.size() != 3) {
        ADD_FAILURE() << "parts: " << root.children.size();
        return report;
    }
    const mime::Part& status = root.children[1];
    EXPECT_EQ(status.content_type.type + "/" + status.content_type.subtype,
              "message/delivery-status");
    report.blocks = status_blocks(mime::decode_body(report.raw, status).bytes);
    const mime::Part& returned = root.children[2];
    report.returned_type = returned.content_type.type + "/" + returned.content_type.subtype;
    return report;
}

std::string header_value(const ReadReport& report, std::string_view name)
{
    const mime::HeaderField* field = mime::find_field(report.parsed.root.fields, name);
    if (field == nullptr) {
        return "<missing>";
    }
    const std::string value = mime::unfold(field->value);
    return value.substr(value.find_first_not_of(' '));
}

TEST(DeliveryReport, NotifyDecidesWhoIsDue)
{
    // RFC 3461 §4.1: SUCCESS for deliveries; FAILURE, or no NOTIFY at all, for failures;
    // NEVER for nothing.
    struct Case {
        const char* name;
        Kind kind;
        Notify notify;
        bool due;
    };
    const Case cases[] = {
        {"delivered, no NOTIFY", Kind::Delivered, absent, false},
        {"delivered, NEVER", Kind::Delivered, never, false},
        {"delivered, SUCCESS", Kind::Delivered, success, true},
        {"delivered, FAILURE", Kind::Delivered, failure, false},
        {"delivered, DELAY", Kind::Delivered, delay, false},
        {"delivered, SUCCESS,FAILURE", Kind::Delivered, success_failure, true},
        {"failed, no NOTIFY", Kind::Failed, absent, true},
        {"failed, NEVER", Kind::Failed, never, false},
        {"failed, SUCCESS", Kind::Failed, success, false},
        {"failed, FAILURE", Kind::Failed, failure, true},
        {"failed, DELAY", Kind::Failed, delay, false},
        {"failed, SUCCESS,FAILURE", Kind::Failed, success_failure, true},
        // §5.2.2: relayed to a server without DSN counts as a success; §4.1: a delay is told
        // with DELAY, or when NOTIFY was not given (we read it as FAILURE,DELAY).
        {"relayed, no NOTIFY", Kind::Relayed, absent, false},
        {"relayed, SUCCESS", Kind::Relayed, success, true},
        {"relayed, FAILURE", Kind::Relayed, failure, false},
        {"delayed, no NOTIFY", Kind::Delayed, absent, true},
        {"delayed, DELAY", Kind::Delayed, delay, true},
        {"delayed, FAILURE", Kind::Delayed, failure, false},
        {"delayed, SUCCESS,FAILURE", Kind::Delayed, success_failure, false},
        {"delayed, NEVER", Kind::Delayed, never, false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        RecipientOutcome outcome = c.kind == Kind::Failed ? failed("box@example.com", c.notify)
                                                          : delivered("box@example.com", c.notify);
        outcome.kind = c.kind;
        EXPECT_EQ(notification_due(outcome), c.due);
        EXPECT_EQ(delivery_report(input({outcome})).has_value(), c.due);
    }
}

TEST(DeliveryReport, NullSenderNeverGetsOne)
{
    // RFC 5321 §4.5.5: MAIL FROM:<> gets no notification, whatever NOTIFY asked for.
    ReportInput in =
        input({failed("box@example.com", absent), delivered("other@example.com", success_failure)});
    ASSERT_TRUE(delivery_report(in).has_value());
    in.envelope_sender.clear();
    EXPECT_FALSE(delivery_report(in).has_value());
}

TEST(DeliveryReport, NoRecipientsNoReport)
{
    EXPECT_FALSE(delivery_report(input({})).has_value());
    EXPECT_FALSE(
        delivery_report(input({delivered("a@example.com", absent), failed("b@example.com", never)}))
            .has_value());
}

TEST(DeliveryReport, FailedAfterAcceptance)
{
    // A copy refused over quota after RCPT said 250: a "failed" DSN (RFC 3464 §2.3.3) with the
    // per-message fields of §2.2 and the reply as Diagnostic-Code (§2.3.6).
    ReportInput in = input({failed("box@example.com", absent)});
    in.envid = "QQ314159";
    const std::optional<std::string> raw = delivery_report(in);
    ASSERT_TRUE(raw.has_value());
    const ReadReport report = read_report(*raw);
    ASSERT_EQ(report.blocks.size(), 2u);
    EXPECT_EQ(header_value(report, "To"), "sender@example.org");
    EXPECT_EQ(header_value(report, "Subject"), "Undelivered Mail Returned to Sender");
    EXPECT_EQ(header_value(report, "Auto-Submitted"), "auto-replied");

    const Fields& message = report.blocks[0];
    EXPECT_EQ(value_of(message, "Original-Envelope-Id"), "QQ314159");  // RFC 3461 §4.4
    EXPECT_EQ(value_of(message, "Reporting-MTA"), "dns; mx.example.com");
    EXPECT_EQ(value_of(message, "Received-From-MTA"), "dns; client.example.org [192.0.2.7]");
    EXPECT_EQ(value_of(message, "Arrival-Date"), mime::format_date(1796038000, 0));

    const Fields& recipient = report.blocks[1];
    EXPECT_EQ(value_of(recipient, "Final-Recipient"), "rfc822; box@example.com");
    EXPECT_EQ(value_of(recipient, "Original-Recipient"), "<missing>");
    EXPECT_EQ(value_of(recipient, "Action"), "failed");
    EXPECT_EQ(value_of(recipient, "Status"), "5.2.2");
    EXPECT_EQ(value_of(recipient, "Diagnostic-Code"), "smtp; 552 5.2.2 Mailbox full");
    EXPECT_EQ(value_of(recipient, "Remote-MTA"), "<missing>");  // delivered here, not relayed

    // RET absent and something failed: the whole message comes back (RFC 3461 §4.3).
    EXPECT_EQ(report.returned_type, "message/rfc822");
}

TEST(DeliveryReport, DeliveredOnRequest)
{
    // NOTIFY=SUCCESS: a "delivered" DSN with status 2.0.0 (RFC 3464 §2.3.3, RFC 3463 §3.1).
    RecipientOutcome outcome = delivered("box@example.com", success);
    outcome.status.clear();  // the status defaults to 2.0.0
    const std::optional<std::string> raw = delivery_report(input({outcome}));
    ASSERT_TRUE(raw.has_value());
    const ReadReport report = read_report(*raw);
    ASSERT_EQ(report.blocks.size(), 2u);
    EXPECT_EQ(header_value(report, "Subject"), "Successful Mail Delivery Report");
    EXPECT_EQ(value_of(report.blocks[0], "Original-Envelope-Id"), "<missing>");  // no ENVID
    EXPECT_EQ(value_of(report.blocks[1], "Action"), "delivered");
    EXPECT_EQ(value_of(report.blocks[1], "Status"), "2.0.0");
    EXPECT_EQ(value_of(report.blocks[1], "Diagnostic-Code"), "<missing>");
    // RET absent, nothing failed: the header only (RFC 3461 §4.3 leaves it to us).
    EXPECT_EQ(report.returned_type, "text/rfc822-headers");
    const std::string headers = mime::decode_text(report.raw, report.parsed.root.children[2]).utf8;
    EXPECT_NE(headers.find("Message-ID: <m1@example.org>\r\n"), std::string::npos);
    EXPECT_EQ(headers.find("body line"), std::string::npos);
}

TEST(DeliveryReport, RelayedAndDelayedFromTheQueue)
{
    // The outbound queue's reports: the remote server (RFC 3464 §2.3.5), the last attempt
    // (§2.3.7) and, for a delay, how long we go on trying (§2.3.8).
    RecipientOutcome relayed = delivered("far@example.net", success);
    relayed.kind = Kind::Relayed;
    relayed.status.clear();
    relayed.remote_mta = "mx.example.net";
    relayed.diagnostic = "250 2.0.0 queued as 1234";
    relayed.last_attempt = 1796038100;
    RecipientOutcome delayed = failed("slow@example.net", absent);
    delayed.kind = Kind::Delayed;
    delayed.status = "4.2.0";
    delayed.diagnostic = "451 4.2.0 try later";
    delayed.remote_mta = "mx.example.net";
    delayed.last_attempt = 1796038100;
    delayed.will_retry_until = 1796470000;
    const std::optional<std::string> raw = delivery_report(input({relayed, delayed}));
    ASSERT_TRUE(raw.has_value());
    const ReadReport report = read_report(*raw);
    ASSERT_EQ(report.blocks.size(), 3u);
    EXPECT_EQ(value_of(report.blocks[1], "Action"), "relayed");
    EXPECT_EQ(value_of(report.blocks[1], "Status"), "2.0.0");
    EXPECT_EQ(value_of(report.blocks[1], "Remote-MTA"), "dns; mx.example.net");
    EXPECT_EQ(value_of(report.blocks[1], "Last-Attempt-Date"), mime::format_date(1796038100, 0));
    EXPECT_EQ(value_of(report.blocks[1], "Will-Retry-Until"), "<missing>");
    EXPECT_EQ(value_of(report.blocks[2], "Action"), "delayed");
    EXPECT_EQ(value_of(report.blocks[2], "Status"), "4.2.0");
    EXPECT_EQ(value_of(report.blocks[2], "Diagnostic-Code"), "smtp; 451 4.2.0 try later");
    EXPECT_EQ(value_of(report.blocks[2], "Will-Retry-Until"), mime::format_date(1796470000, 0));
}

TEST(DeliveryReport, OneReportForEveryRecipientDue)
{
    // RFC 3464 §2.1: one report, one per-recipient group for each recipient due a DSN, in RCPT
    // order; those not due are left out.
    const ReportInput in = input({
        delivered("a@example.com", success),
        delivered("b@example.com", absent),  // not asked for
        failed("c@example.com", absent),     // default FAILURE
        failed("d@example.com", never),      // NEVER
        failed("e@example.com", success_failure),
    });
    const std::optional<std::string> raw = delivery_report(in);
    ASSERT_TRUE(raw.has_value());
    const ReadReport report = read_report(*raw);
    ASSERT_EQ(report.blocks.size(), 4u);
    EXPECT_EQ(value_of(report.blocks[1], "Final-Recipient"), "rfc822; a@example.com");
    EXPECT_EQ(value_of(report.blocks[1], "Action"), "delivered");
    EXPECT_EQ(value_of(report.blocks[2], "Final-Recipient"), "rfc822; c@example.com");
    EXPECT_EQ(value_of(report.blocks[2], "Action"), "failed");
    EXPECT_EQ(value_of(report.blocks[3], "Final-Recipient"), "rfc822; e@example.com");
    EXPECT_EQ(value_of(report.blocks[3], "Action"), "failed");
    EXPECT_EQ(header_value(report, "Subject"), "Undelivered Mail Returned to Sender");
    const std::string notice = mime::decode_text(report.raw, report.parsed.root.children[0]).utf8;
    EXPECT_NE(notice.find("<a@example.com>: delivered"), std::string::npos);
    EXPECT_NE(notice.find("<c@example.com>: failed"), std::string::npos);
    EXPECT_EQ(notice.find("b@example.com"), std::string::npos);
    EXPECT_EQ(notice.find("d@example.com"), std::string::npos);
}

TEST(DeliveryReport, RetChoosesWhatComesBack)
{
    // RFC 3461 §4.3: FULL the message, HDRS its header; absent, our choice by what failed.
    struct Case {
        const char* name;
        Ret ret;
        std::vector<RecipientOutcome> recipients;
        const char* returned;
    };
    const Case cases[] = {
        {"FULL, delivered", Ret::Full, {delivered("a@example.com", success)}, "message/rfc822"},
        {"FULL, failed", Ret::Full, {failed("a@example.com", absent)}, "message/rfc822"},
        {"HDRS, failed", Ret::Headers, {failed("a@example.com", absent)}, "text/rfc822-headers"},
        {"HDRS, delivered",
         Ret::Headers,
         {delivered("a@example.com", success)},
         "text/rfc822-headers"},
        {"absent, failed", Ret::Unspecified, {failed("a@example.com", failure)}, "message/rfc822"},
        {"absent, delivered",
         Ret::Unspecified,
         {delivered("a@example.com", success)},
         "text/rfc822-headers"},
        {"absent, both",
         Ret::Unspecified,
         {delivered("a@example.com", success), failed("b@example.com", absent)},
         "message/rfc822"},
        // A failure nobody is told about does not make the report one of failures.
        {"absent, failure not due",
         Ret::Unspecified,
         {delivered("a@example.com", success), failed("b@example.com", never)},
         "text/rfc822-headers"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        ReportInput in = input(c.recipients);
        in.ret = c.ret;
        const std::optional<std::string> raw = delivery_report(in);
        ASSERT_TRUE(raw.has_value());
        const ReadReport report = read_report(*raw);
        EXPECT_EQ(report.returned_type, c.returned);
        if (report.returned_type == "message/rfc822") {
            const mime::Part& returned = report.parsed.root.children[2];
            ASSERT_EQ(returned.children.size(), 1u);
            EXPECT_EQ(mime::body_bytes(report.raw, returned.children[0]), "body line\r\n");
        }
    }
}

TEST(DeliveryReport, OriginalRecipientFromOrcpt)
{
    // RFC 3461 §4.2: ORCPT as the client sent it, xtext ("+2B" is '+') decoded by the RCPT
    // parser, comes back as Original-Recipient (RFC 3464 §2.3.1) beside the Final-Recipient.
    Extensions extensions;
    extensions.dsn = true;
    const Parsed<RcptTo> rcpt =
        parse_rcpt_to("TO:<box@example.com> NOTIFY=SUCCESS ORCPT=rfc822;Alias+2Bx@example.org",
                      extensions, Utf8Addresses::Refused);
    ASSERT_TRUE(rcpt);
    ASSERT_TRUE(rcpt->orcpt.has_value());
    RecipientOutcome outcome = delivered(rcpt->address, rcpt->notify);
    outcome.original = rcpt->orcpt;
    const std::optional<std::string> raw = delivery_report(input({outcome}));
    ASSERT_TRUE(raw.has_value());
    const ReadReport report = read_report(*raw);
    ASSERT_EQ(report.blocks.size(), 2u);
    EXPECT_EQ(value_of(report.blocks[1], "Original-Recipient"), "rfc822;Alias+x@example.org");
    EXPECT_EQ(value_of(report.blocks[1], "Final-Recipient"), "rfc822; box@example.com");
}

TEST(DeliveryReport, SenderWithQuotedLocalPart)
{
    // MailFrom::address keeps a quoted local part quoted; an '@' inside it is not the split.
    ReportInput in = input({failed("box@example.com", absent)});
    in.envelope_sender = "\"odd@name\"@example.org";
    const std::optional<std::string> raw = delivery_report(in);
    ASSERT_TRUE(raw.has_value());
    const ReadReport report = read_report(*raw);
    const mime::HeaderField* to_field = mime::find_field(report.parsed.root.fields, "To");
    ASSERT_NE(to_field, nullptr);
    const mime::AddressList to = mime::parse_address_list(to_field->value);
    ASSERT_EQ(to.addresses.size(), 1u);
    EXPECT_EQ(to.addresses[0].local_part, "\"odd@name\"");
    EXPECT_EQ(to.addresses[0].domain, "example.org");
}

}  // namespace
}  // namespace harbor::smtp::report
