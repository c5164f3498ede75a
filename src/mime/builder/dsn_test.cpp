// Unit tests for mime/builder/dsn: the RFC 6522 report structure, the RFC 3464 §2.2 and §2.3
// fields, Auto-Submitted (RFC 3834 §5), and the returned original capped (RFC 6522 §4).
#include "mime/builder/dsn.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mime/body.hpp"
#include "mime/builder/builder_test_support.hpp"
#include "mime/builder/header_encoding.hpp"
#include "mime/message.hpp"

namespace harbor::mime {
namespace {

const std::string original =
    "From: Sender <sender@example.org>\r\nTo: gone@example.net\r\nSubject: hello\r\n"
    "Message-ID: <m1@example.org>\r\n\r\nbody line\r\n";

DsnRequest request()
{
    DsnRequest r;
    r.reporting_mta = "mx.example.com";
    r.received_from_mta = "client.example.org";
    r.envelope_id = "env-1";
    r.arrival_date = 1796038000;
    r.now = 1796038178;
    r.to = Address{"", "sender", "example.org", ""};
    DsnRecipient failed;
    failed.final_recipient = "gone@example.net";
    failed.original_recipient = "rfc822;Gone@example.net";
    failed.action = DsnAction::Failed;
    failed.status = "5.1.1";
    failed.remote_mta = "mx.example.net";
    failed.diagnostic_code = "550 5.1.1 <gone@example.net>: user unknown";
    failed.last_attempt = 1796038100;
    DsnRecipient delayed;
    delayed.final_recipient = "slow@example.net";
    delayed.action = DsnAction::Delayed;
    delayed.status = "4.4.1";
    delayed.will_retry_until = 1796400000;
    r.recipients = {failed, delayed};
    r.original = original;
    return r;
}

// The field blocks of a message/delivery-status body (RFC 3464 §2.1), unfolded.
std::vector<std::vector<std::pair<std::string, std::string>>> blocks(std::string_view body)
{
    std::vector<std::vector<std::pair<std::string, std::string>>> out;
    std::size_t at = 0;
    while (at < body.size()) {
        const HeaderBlock block = parse_header_block(body.substr(at), at, Limits{});
        std::vector<std::pair<std::string, std::string>> fields;
        for (const HeaderField& field : block.fields) {
            std::string value = unfold(field.value);
            fields.emplace_back(std::string(field.name),
                                value.substr(value.find_first_not_of(' ')));
        }
        out.push_back(fields);
        if (block.length == 0) {
            break;
        }
        at += block.length;
    }
    return out;
}

std::string value_of(const std::vector<std::pair<std::string, std::string>>& fields,
                     std::string_view name)
{
    for (const auto& [field_name, value] : fields) {
        if (field_name == name) {
            return value;
        }
    }
    return "<missing>";
}

TEST(Dsn, ReportStructureAndFields)
{
    const std::string dsn = build_dsn(request());
    EXPECT_TRUE(test::lines_ok(dsn));
    const Message parsed = parse_message(dsn);
    EXPECT_EQ(parsed.root.content_type.subtype, "report");
    ASSERT_NE(find_parameter(parsed.root.content_type.parameters, "report-type"), nullptr);
    EXPECT_EQ(find_parameter(parsed.root.content_type.parameters, "report-type")->value,
              "delivery-status");
    EXPECT_NE(dsn.find("From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"),
              std::string::npos);
    EXPECT_NE(dsn.find("Auto-Submitted: auto-replied\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("To: sender@example.org\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Subject: Undelivered Mail Returned to Sender\r\n"), std::string::npos);

    ASSERT_EQ(parsed.root.children.size(), 3u);
    const Part& notice = parsed.root.children[0];
    EXPECT_EQ(notice.content_type.subtype, "plain");
    EXPECT_NE(decode_text(dsn, notice).utf8.find("550 5.1.1"), std::string::npos);

    const Part& status = parsed.root.children[1];
    EXPECT_EQ(status.content_type.type + "/" + status.content_type.subtype,
              "message/delivery-status");
    const auto fields = blocks(decode_body(dsn, status).bytes);
    ASSERT_EQ(fields.size(), 3u);
    EXPECT_EQ(value_of(fields[0], "Reporting-MTA"), "dns; mx.example.com");
    EXPECT_EQ(value_of(fields[0], "Received-From-MTA"), "dns; client.example.org");
    EXPECT_EQ(value_of(fields[0], "Original-Envelope-Id"), "env-1");
    EXPECT_EQ(value_of(fields[0], "Arrival-Date"), format_date(1796038000, 0));
    EXPECT_EQ(value_of(fields[1], "Final-Recipient"), "rfc822; gone@example.net");
    EXPECT_EQ(value_of(fields[1], "Original-Recipient"), "rfc822;Gone@example.net");
    EXPECT_EQ(value_of(fields[1], "Action"), "failed");
    EXPECT_EQ(value_of(fields[1], "Status"), "5.1.1");
    EXPECT_EQ(value_of(fields[1], "Remote-MTA"), "dns; mx.example.net");
    EXPECT_EQ(value_of(fields[1], "Diagnostic-Code"),
              "smtp; 550 5.1.1 <gone@example.net>: user unknown");
    EXPECT_EQ(value_of(fields[1], "Last-Attempt-Date"), format_date(1796038100, 0));
    EXPECT_EQ(value_of(fields[1], "Will-Retry-Until"), "<missing>");
    EXPECT_EQ(value_of(fields[2], "Action"), "delayed");
    EXPECT_EQ(value_of(fields[2], "Will-Retry-Until"), format_date(1796400000, 0));

    // RET=HDRS (the default): the header only, as text/rfc822-headers.
    const Part& returned = parsed.root.children[2];
    EXPECT_EQ(returned.content_type.subtype, "rfc822-headers");
    const std::string headers = decode_text(dsn, returned).utf8;
    EXPECT_TRUE(headers.starts_with("From: Sender <sender@example.org>\r\n"));
    EXPECT_EQ(headers.find("body line"), std::string::npos);
}

TEST(Dsn, FullOriginalAndCaps)
{
    DsnRequest r = request();
    r.return_content = ReturnContent::Full;
    r.recipients.resize(1);
    std::string dsn = build_dsn(r);
    Message parsed = parse_message(dsn);
    ASSERT_EQ(parsed.root.children.size(), 3u);
    EXPECT_EQ(parsed.root.children[2].content_type.subtype, "rfc822");
    ASSERT_EQ(parsed.root.children[2].children.size(), 1u);
    EXPECT_EQ(body_bytes(dsn, parsed.root.children[2].children[0]), "body line\r\n");

    // Too large for a whole return: headers only, and those cut at a line end.
    r.original = "Subject: big\r\nX-Long: " + std::string(300, 'a') + "\r\nX-More: b\r\n\r\n" +
                 std::string(5000, 'b') + "\r\n";
    r.max_original = 330;
    dsn = build_dsn(r);
    parsed = parse_message(dsn);
    const std::string headers = decode_text(dsn, parsed.root.children[2]).utf8;
    EXPECT_EQ(headers, "Subject: big\r\nX-Long: " + std::string(300, 'a') + "\r\n");
    EXPECT_TRUE(test::lines_ok(dsn));

    // Lines past 998 cannot go as message/rfc822: headers only.
    r.max_original = default_max_returned_original;
    r.original = "Subject: long\r\n\r\n" + std::string(2000, 'x') + "\r\n";
    dsn = build_dsn(r);
    EXPECT_TRUE(test::lines_ok(dsn));
    EXPECT_EQ(parse_message(dsn).root.children[2].content_type.subtype, "rfc822-headers");
}

TEST(Dsn, FieldValuesArePrintableAscii)
{
    DsnRequest r = request();
    r.recipients[0].diagnostic_code = "550 caf\xc3\xa9\r\nInjected: x";
    const std::string dsn = build_dsn(r);
    EXPECT_EQ(dsn.find("\r\nInjected: x"), std::string::npos);  // no field of theirs
    EXPECT_NE(dsn.find("Diagnostic-Code: smtp; 550 caf????Injected: x"), std::string::npos);
}

}  // namespace
}  // namespace harbor::mime
