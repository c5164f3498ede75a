// The request parser (RFC 9112): framing, limits, the Host and Transfer-Encoding rules Beast
// leaves to us, target forms; every case also fed one octet at a time (Dovecot's habit).
#include "http/request.hpp"

#include <gtest/gtest.h>

namespace harbor::http {
namespace {

struct Fed {
    ParseState state = ParseState::NeedMore;
    int status = 0;
    std::size_t used = 0;
    std::optional<Request> request;
};

// All of `bytes` at once, offering the unused rest again as the session does.
Fed feed_whole(std::string_view bytes, RequestLimits limits = {})
{
    RequestParser parser(limits);
    Fed out;
    out.used = parser.feed(bytes);
    out.state = parser.state();
    out.status = parser.error_status();
    if (out.state == ParseState::Done) {
        out.request = parser.take();
    }
    return out;
}

// One octet at a time, appending to what the parser left, as a slow client makes the session do.
Fed feed_bytewise(std::string_view bytes, RequestLimits limits = {})
{
    RequestParser parser(limits);
    Fed out;
    std::string pending;
    for (char c : bytes) {
        pending += c;
        const std::size_t used = parser.feed(pending);
        pending.erase(0, used);
        out.used += used;
        if (parser.state() != ParseState::NeedMore) {
            break;
        }
    }
    out.state = parser.state();
    out.status = parser.error_status();
    if (out.state == ParseState::Done) {
        out.request = parser.take();
    }
    return out;
}

struct Case {
    std::string_view name;
    std::string_view bytes;
    ParseState state;
    int status;  // Failed: the expected error status
};

TEST(RequestParser, Table)
{
    const std::string big_header =
        "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(17 * 1024, 'x') + "\r\n\r\n";
    const std::string big_body = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\n";
    const Case cases[] = {
        {"simple get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ParseState::Done, 0},
        {"http/1.0 without host", "GET / HTTP/1.0\r\n\r\n", ParseState::Done, 0},
        {"incomplete header", "GET / HTTP/1.1\r\nHost: a\r\n", ParseState::NeedMore, 0},
        {"incomplete body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab",
         ParseState::NeedMore, 0},
        // RFC 9112 §3.2: Host is required in 1.1, and only once.
        {"no host", "GET / HTTP/1.1\r\n\r\n", ParseState::Failed, 400},
        {"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ParseState::Failed, 400},
        {"bad host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", ParseState::Failed, 400},
        {"host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", ParseState::Failed, 400},
        {"absolute form with userinfo", "GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n",
         ParseState::Failed, 400},
        {"relative target", "GET x HTTP/1.1\r\nHost: a\r\n\r\n", ParseState::Failed, 400},
        {"authority form", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", ParseState::Failed, 400},
        // RFC 9112 §6.1: the smuggling frame, and codings we do not decode.
        {"te and cl",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
         ParseState::Failed, 400},
        {"te gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
         ParseState::Failed, 501},
        {"two content lengths",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
         ParseState::Failed, 400},
        {"bad content length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
         ParseState::Failed, 400},
        {"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ParseState::Failed, 505},
        {"http/1.2 (a deviation)", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", ParseState::Failed, 505},
        {"http/0.9", "GET /\r\n\r\n", ParseState::Failed, 400},
        {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", ParseState::Failed, 400},
        {"binary", std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
         ParseState::Failed, 400},
        {"header too large", big_header, ParseState::Failed, 431},
        {"body too large", big_body, ParseState::Failed, 413},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        for (const Fed& fed : {feed_whole(c.bytes), feed_bytewise(c.bytes)}) {
            EXPECT_EQ(fed.state, c.state);
            EXPECT_EQ(fed.status, c.status);
        }
    }
}

TEST(RequestParser, FieldsOfAGet)
{
    const std::string_view bytes =
        "GET /mail/config-v1.1.xml?emailaddress=a%40b.example HTTP/1.1\r\n"
        "Host: AutoConfig.Example.ORG.:8080\r\nConnection: close\r\n\r\n";
    for (const Fed& fed : {feed_whole(bytes), feed_bytewise(bytes)}) {
        ASSERT_EQ(fed.state, ParseState::Done);
        EXPECT_EQ(fed.used, bytes.size());
        EXPECT_EQ(fed.request->method, "GET");
        EXPECT_EQ(fed.request->path, "/mail/config-v1.1.xml");
        EXPECT_EQ(fed.request->query, "emailaddress=a%40b.example");
        EXPECT_EQ(fed.request->host, "autoconfig.example.org");
        EXPECT_EQ(fed.request->version, 11u);
        EXPECT_FALSE(fed.request->keep_alive);
    }
}

TEST(RequestParser, KeepAliveDefaultsByVersion)
{
    EXPECT_TRUE(feed_whole("GET / HTTP/1.1\r\nHost: a\r\n\r\n").request->keep_alive);
    EXPECT_FALSE(feed_whole("GET / HTTP/1.0\r\n\r\n").request->keep_alive);
    EXPECT_TRUE(feed_whole("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").request->keep_alive);
}

TEST(RequestParser, AbsoluteFormNamesTheHost)
{
    // RFC 9112 §3.2.2: the target's authority wins over Host.
    const Fed fed = feed_whole(
        "GET HTTP://MTA-STS.Example.org/.well-known/mta-sts.txt HTTP/1.1\r\n"
        "Host: other.example\r\n\r\n");
    ASSERT_EQ(fed.state, ParseState::Done);
    EXPECT_EQ(fed.request->host, "mta-sts.example.org");
    EXPECT_EQ(fed.request->path, "/.well-known/mta-sts.txt");
    const Fed bare = feed_whole("GET http://a.example?x=1 HTTP/1.1\r\nHost: a.example\r\n\r\n");
    ASSERT_EQ(bare.state, ParseState::Done);
    EXPECT_EQ(bare.request->path, "/");
    EXPECT_EQ(bare.request->query, "x=1");
}

TEST(RequestParser, BodiesByLengthAndChunked)
{
    const std::string_view length =
        "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
        "hello";
    const std::string_view chunked =
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
    for (std::string_view bytes : {length, chunked}) {
        for (const Fed& fed : {feed_whole(bytes), feed_bytewise(bytes)}) {
            ASSERT_EQ(fed.state, ParseState::Done);
            EXPECT_EQ(fed.request->body, "hello");
        }
    }
    // A chunked body that grows past the limit is refused as it grows.
    std::string endless = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 80; ++i) {
        endless += "400\r\n" + std::string(1024, 'x') + "\r\n";
    }
    EXPECT_EQ(feed_whole(endless).status, 413);
}

TEST(RequestParser, PipelinedRequestsLeaveTheRest)
{
    const std::string_view first = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
    std::string both(first);
    both += "GET /b HTTP/1.1\r\nHost: a\r\n\r\n";
    RequestParser parser;
    const std::size_t used = parser.feed(both);
    ASSERT_EQ(parser.state(), ParseState::Done);
    EXPECT_EQ(used, first.size());
    EXPECT_EQ(parser.take().path, "/a");
    RequestParser next;
    EXPECT_EQ(next.feed(std::string_view(both).substr(used)), both.size() - used);
    ASSERT_EQ(next.state(), ParseState::Done);
    EXPECT_EQ(next.take().path, "/b");
}

TEST(RequestParser, ExpectContinueOnlyWhileTheBodyIsMissing)
{
    RequestParser parser;
    parser.feed("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(parser.state(), ParseState::NeedMore);
    EXPECT_TRUE(parser.wants_continue());
    parser.feed("ok");
    EXPECT_EQ(parser.state(), ParseState::Done);
    EXPECT_FALSE(parser.wants_continue());

    RequestParser plain;
    plain.feed("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n");
    EXPECT_FALSE(plain.wants_continue());
}

TEST(NormalizeHost, Forms)
{
    EXPECT_EQ(normalize_host("Example.ORG"), "example.org");
    EXPECT_EQ(normalize_host("example.org:443"), "example.org");
    EXPECT_EQ(normalize_host("example.org:"), "example.org");
    EXPECT_EQ(normalize_host("example.org."), "example.org");
    EXPECT_EQ(normalize_host("127.0.0.1:8080"), "127.0.0.1");
    EXPECT_EQ(normalize_host("[::1]:8080"), "[::1]");
    EXPECT_EQ(normalize_host("[2001:DB8::1]"), "[2001:db8::1]");
    EXPECT_EQ(normalize_host(""), "");
    EXPECT_EQ(normalize_host("a b"), std::nullopt);
    EXPECT_EQ(normalize_host("a\r\nX: y"), std::nullopt);
    EXPECT_EQ(normalize_host("example.org:80a"), std::nullopt);
    EXPECT_EQ(normalize_host("example.org:123456"), std::nullopt);
    EXPECT_EQ(normalize_host("[::1"), std::nullopt);
    EXPECT_EQ(normalize_host("[]"), std::nullopt);
    EXPECT_EQ(normalize_host("[::1]x"), std::nullopt);
    EXPECT_EQ(normalize_host("[v1.x]"), std::nullopt);
    EXPECT_EQ(normalize_host(std::string(256, 'a')), std::nullopt);
    EXPECT_EQ(normalize_host("b\xc3\xbc"
                             "cher.example"),
              std::nullopt);  // not an A-label
}

}  // namespace
}  // namespace harbor::http
