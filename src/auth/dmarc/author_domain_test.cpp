// Unit tests for auth/dmarc/author_domain: RFC 7489 §6.6.1, one From field with one mailbox.
#include "auth/dmarc/author_domain.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::auth::dmarc {
namespace {

AuthorDomain one(std::string_view body)
{
    const std::vector<std::string_view> bodies = {body};
    return author_domain(std::span<const std::string_view>(bodies));
}

struct AuthorCase {
    std::string body;
    AuthorStatus status;
    std::string domain;
};

TEST(DmarcAuthorDomain, OneField)
{
    const std::vector<AuthorCase> cases = {
        {" John Doe <jdoe@Machine.Example>", AuthorStatus::Ok, "machine.example"},
        {" jdoe@example.com (comment)", AuthorStatus::Ok, "example.com"},
        {" \"a, b\" <x@sub.example.org>\r\n", AuthorStatus::Ok, "sub.example.org"},
        {" =?utf-8?q?J=C3=B6rg?= <j@b\xc3\xbc"
         "cher.example>",
         AuthorStatus::Ok, "xn--bcher-kva.example"},
        {" <x@example.com.>", AuthorStatus::Ok, "example.com"},
        {" Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", AuthorStatus::Ok,
         "silly.test"},
        {" a@x.example, b@y.example", AuthorStatus::MultipleAddresses, ""},
        {" a@x.example, a@x.example", AuthorStatus::MultipleAddresses, ""},
        {" Group: a@x.example, b@x.example;", AuthorStatus::MultipleAddresses, ""},
        {" ", AuthorStatus::NoAddress, ""},
        {" undisclosed-recipients:;", AuthorStatus::NoAddress, ""},
        {" <>", AuthorStatus::NoAddress, ""},
        {" user", AuthorStatus::NoDomain, ""},
        {" user@[192.0.2.1]", AuthorStatus::NoDomain, ""},
    };
    EXPECT_FALSE(one(" a@x.example").malformed);
    EXPECT_TRUE(one(" G: a@x.example;").malformed);  // a group in From (RFC 5322 §3.6.2)
    EXPECT_EQ(one(" G: a@x.example;").domain, "x.example");
    EXPECT_TRUE(one(" <a@x.example").malformed);
    for (const AuthorCase& c : cases) {
        const AuthorDomain got = one(c.body);
        EXPECT_EQ(got.status, c.status) << c.body << ": " << author_status_name(got.status);
        EXPECT_EQ(got.domain, c.domain) << c.body;
    }
}

TEST(DmarcAuthorDomain, FieldCount)
{
    EXPECT_EQ(author_domain(std::span<const std::string_view>()).status, AuthorStatus::NoFromField);
    const std::vector<std::string_view> two = {" a@x.example", " a@x.example"};
    EXPECT_EQ(author_domain(std::span<const std::string_view>(two)).status,
              AuthorStatus::MultipleFromFields);
}

TEST(DmarcAuthorDomain, FromHeaderFields)
{
    const std::string header =
        "Received: from x\r\nfrom: Alice <alice@Example.NET>\r\nTo: b@example.org\r\n\r\n";
    const mime::HeaderBlock block = mime::parse_header_block(header, 0, mime::Limits{});
    const AuthorDomain got = author_domain(block.fields);
    EXPECT_EQ(got.status, AuthorStatus::Ok);
    EXPECT_EQ(got.domain, "example.net");
    EXPECT_FALSE(got.malformed);

    const std::string doubled = "From: a@x.example\r\nFROM: a@y.example\r\n\r\n";
    const mime::HeaderBlock twice = mime::parse_header_block(doubled, 0, mime::Limits{});
    EXPECT_EQ(author_domain(twice.fields).status, AuthorStatus::MultipleFromFields);

    const mime::HeaderBlock none = mime::parse_header_block("To: b@x\r\n\r\n", 0, mime::Limits{});
    EXPECT_EQ(author_domain(none.fields).status, AuthorStatus::NoFromField);
}

}  // namespace
}  // namespace harbor::auth::dmarc
