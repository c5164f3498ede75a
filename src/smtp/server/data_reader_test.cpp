// Unit tests for smtp/server/data_reader: DATA end-of-data and dot transparency (RFC 5321
// §4.1.1.4, §4.5.2), the smuggling variants of SECURITY-CASES A.1/A.2 (never an end of data),
// line, size and hop limits, and BDAT chunks (RFC 3030, A.15). Every DATA input is also fed
// split at every point (two and three pieces) and one byte at a time: the result must not
// depend on how the bytes arrived.
#include "smtp/server/data_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::smtp::server {
namespace {

using namespace std::string_literals;

struct Outcome {
    std::string content;   // what reached the sink
    std::size_t consumed = 0;
    bool done = false;
    DataResult result;
};

bool same(const Outcome& a, const Outcome& b)
{
    const DataResult& x = a.result;
    const DataResult& y = b.result;
    return a.content == b.content && a.consumed == b.consumed && a.done == b.done &&
           x.raw_bytes == y.raw_bytes && x.content_bytes == y.content_bytes &&
           x.written_bytes == y.written_bytes && x.received_headers == y.received_headers &&
           x.authentication_results == y.authentication_results && x.eight_bit == y.eight_bit &&
           x.nul == y.nul && x.nul_in_text == y.nul_in_text && x.bare_lf == y.bare_lf &&
           x.bare_cr == y.bare_cr && x.line_too_long == y.line_too_long && x.too_big == y.too_big &&
           x.too_many_hops == y.too_many_hops && x.spool_failed == y.spool_failed;
}

ContentSink collect_into(std::string& out)
{
    return [&out](std::string_view chunk) -> Result<void> {
        out.append(chunk);
        return {};
    };
}

// Feeds `input` in the pieces cut at `cuts` (ascending offsets), as the session would: stop
// feeding once the reader is done; the rest is the next command's.
Outcome run_data(std::string_view input, const std::vector<std::size_t>& cuts,
                 const DataLimits& limits = {})
{
    Outcome outcome;
    DataReader reader(collect_into(outcome.content), limits);
    std::size_t begin = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(input.size());
    for (const std::size_t end : ends) {
        if (reader.done()) {
            break;
        }
        outcome.consumed += reader.feed(input.substr(begin, end - begin));
        begin = end;
    }
    outcome.done = reader.done();
    outcome.result = reader.result();
    return outcome;
}

Outcome run_data(std::string_view input, const DataLimits& limits = {})
{
    return run_data(input, {}, limits);
}

// One-shot vs. every split into two and three pieces (three only for short inputs) and one
// byte at a time.
void expect_split_invariant(std::string_view input, const DataLimits& limits = {})
{
    const Outcome whole = run_data(input, limits);
    std::vector<std::size_t> bytes;
    for (std::size_t i = 1; i < input.size(); ++i) {
        bytes.push_back(i);
    }
    EXPECT_TRUE(same(whole, run_data(input, bytes, limits))) << "byte at a time";
    for (std::size_t i = 0; i <= input.size(); ++i) {
        ASSERT_TRUE(same(whole, run_data(input, {i}, limits))) << "split at " << i;
        if (input.size() > 120) {
            continue;
        }
        for (std::size_t j = i; j <= input.size(); ++j) {
            ASSERT_TRUE(same(whole, run_data(input, {i, j}, limits)))
                << "split at " << i << "," << j;
        }
    }
}

struct DataCase {
    const char* name;
    std::string input;
    std::string content;
    std::size_t consumed;  // npos: all of the input
    bool done;
    DataError error;
};

constexpr std::size_t all = std::string::npos;

// SECURITY-CASES A.1: a smuggled second transaction behind a fake end-of-data.
std::string smuggle(std::string_view fake_end)
{
    return "From: a@ext.test\r\nSubject: t\r\n\r\nbody" + std::string(fake_end) +
           "MAIL FROM:<ceo@victim.example>\r\nRCPT TO:<u@ours.test>\r\nDATA\r\n"
           "From: ceo@victim.example\r\n\r\nsmuggled\r\n.\r\n";
}

std::string smuggled_content(std::string_view fake_end_content)
{
    const std::string input = smuggle("|");
    std::string content = input.substr(0, input.size() - 3);  // without ".\r\n"
    return content.replace(content.find('|'), 1, fake_end_content);
}

TEST(DataReader, Cases)
{
    const DataCase cases[] = {
        {"empty message", ".\r\n", "", all, true, DataError::None},
        {"one empty line", "\r\n.\r\n", "\r\n", all, true, DataError::None},
        {"header and body", "Subject: a\r\n\r\nbody\r\n.\r\n", "Subject: a\r\n\r\nbody\r\n", all,
         true, DataError::None},
        {"stuffed dot", "..x\r\n.\r\n", ".x\r\n", all, true, DataError::None},
        {"stuffed lone dot line", "a\r\n..\r\nb\r\n.\r\n", "a\r\n.\r\nb\r\n", all, true,
         DataError::None},
        {"three dots", "...\r\n.\r\n", "..\r\n", all, true, DataError::None},
        {"dot space", ". \r\n.\r\n", " \r\n", all, true, DataError::None},
        {"dot inside line kept", "a.b\r\na..\r\n.\r\n", "a.b\r\na..\r\n", all, true,
         DataError::None},
        {"pipelined command stays", "a\r\n.\r\nQUIT\r\n", "a\r\n", 6, true, DataError::None},
        {"pipelined after empty", ".\r\nMAIL FROM:<>\r\n", "", 3, true, DataError::None},
        // A last line without CRLF cannot end the data: "abc.\r\n" is content (§4.1.1.4).
        {"no crlf before dot", "abc.\r\n", "abc.\r\n", all, false, DataError::None},
        {"no crlf before dot then end", "abc.\r\nmore\r\n.\r\n", "abc.\r\nmore\r\n", all, true,
         DataError::None},
        {"unfinished", "a\r\n.", "a\r\n", all, false, DataError::None},
        {"unfinished dot cr", "a\r\n.\r", "a\r\n", all, false, DataError::None},
        {"eight bit", "caf\xc3\xa9\r\n.\r\n", "caf\xc3\xa9\r\n", all, true, DataError::None},
        {"nul", "a\0b\r\n.\r\n"s, "a\0b\r\n"s, all, true, DataError::Nul},
        // Smuggling: none of these ends the data; the real end comes later (A.1, A.2).
        {"lf dot lf", smuggle("\n.\n"), smuggled_content("\n.\n"), all, true, DataError::BareLf},
        {"lf dot crlf", smuggle("\n.\r\n"), smuggled_content("\n.\r\n"), all, true,
         DataError::BareLf},
        {"crlf dot lf", smuggle("\r\n.\n"), smuggled_content("\r\n\n"), all, true,
         DataError::BareLf},
        {"cr dot cr", smuggle("\r.\r"), smuggled_content("\r.\r"), all, true, DataError::BareCr},
        {"cr dot lf", smuggle("\r.\n"), smuggled_content("\r.\n"), all, true, DataError::BareLf},
        {"lf dot cr", smuggle("\n.\r"), smuggled_content("\n.\r"), all, true, DataError::BareLf},
        {"cr dot crlf", smuggle("\r.\r\n"), smuggled_content("\r.\r\n"), all, true,
         DataError::BareCr},
        {"crlf dot cr", smuggle("\r\n.\r"), smuggled_content("\r\n\r"), all, true,
         DataError::BareCr},
        {"crlf dot cr cr lf", "a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", all, true, DataError::BareCr},
        {"bare lf alone", "a\nb\r\n.\r\n", "a\nb\r\n", all, true, DataError::BareLf},
        {"bare cr before crlf", "a\r\r\n.\r\n", "a\r\r\n", all, true, DataError::BareCr},
        {"bare cr at start", "\rx\r\n.\r\n", "\rx\r\n", all, true, DataError::BareCr},
    };
    for (const DataCase& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string& input = c.input;
        const Outcome got = run_data(input);
        EXPECT_EQ(got.content, c.content);
        EXPECT_EQ(got.consumed, c.consumed == all ? input.size() : c.consumed);
        EXPECT_EQ(got.done, c.done);
        EXPECT_EQ(got.result.error(), c.error) << data_error_name(got.result.error());
        EXPECT_EQ(got.result.raw_bytes, got.consumed);
        EXPECT_EQ(got.result.content_bytes, got.content.size());
        expect_split_invariant(input);
    }
}

TEST(DataReader, NothingAfterDone)
{
    std::string content;
    DataReader reader(collect_into(content));
    EXPECT_EQ(reader.feed("x\r\n.\r\nRSET\r\n"), 6u);
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(reader.feed("more\r\n.\r\n"), 0u);
    EXPECT_EQ(content, "x\r\n");
    EXPECT_EQ(reader.result().raw_bytes, 6u);
}

TEST(DataReader, NulAndEightBitAreReported)
{
    const Outcome nul = run_data("a\0\r\n.\r\n"s);
    EXPECT_TRUE(nul.result.nul);
    EXPECT_TRUE(nul.result.nul_in_text);
    EXPECT_FALSE(nul.result.eight_bit);
    const Outcome eight = run_data("\xff\r\n.\r\n");
    EXPECT_TRUE(eight.result.eight_bit);
    EXPECT_FALSE(eight.result.nul);
    EXPECT_EQ(eight.result.error(), DataError::None);
}

// Long runs of body bytes are scanned 16 at a time where the CPU allows: a high byte, NUL,
// bare CR or bare LF at every offset of the first blocks is still seen, as byte by byte.
TEST(DataReader, EveryOffsetOfALongRunIsScanned)
{
    struct Odd {
        char byte;
        DataError error;
        bool eight_bit;
    };
    const Odd odds[] = {{'\xe9', DataError::None, true},
                        {'\0', DataError::Nul, false},
                        {'\r', DataError::BareCr, false},
                        {'\n', DataError::BareLf, false},
                        {'b', DataError::None, false}};
    for (const Odd& odd : odds) {
        for (std::size_t at = 0; at < 40; ++at) {
            std::string line(40, 'a');
            line[at] = odd.byte;
            const std::string input = "Subject: s\r\n\r\n" + line + "\r\n.\r\n";
            SCOPED_TRACE(std::to_string(static_cast<unsigned char>(odd.byte)) + " at " +
                         std::to_string(at));
            const Outcome whole = run_data(input);
            EXPECT_EQ(whole.result.error(), odd.error);
            EXPECT_EQ(whole.result.eight_bit, odd.eight_bit);
            std::vector<std::size_t> bytes;
            for (std::size_t i = 1; i < input.size(); ++i) {
                bytes.push_back(i);
            }
            EXPECT_TRUE(same(whole, run_data(input, bytes))) << "byte at a time";
        }
    }
    // A line of 998 octets passes and one of 999 does not, however far into a block it ends.
    for (std::size_t lead = 0; lead < 16; ++lead) {
        const std::string head = "Subject: s\r\n\r\n" + std::string(lead, 'x') + "\r\n";
        EXPECT_EQ(run_data(head + std::string(998, 'a') + "\r\n.\r\n").result.error(),
                  DataError::None);
        EXPECT_EQ(run_data(head + std::string(999, 'a') + "\r\n.\r\n").result.error(),
                  DataError::LineTooLong);
    }
}

// RFC 5321 §4.5.3.1.6: 1000 octets including CRLF, not counting the stuffing dot.
TEST(DataReader, LineLengthLimit)
{
    const std::string ok_line(998, 'a');
    const std::string long_line(999, 'a');
    const Outcome ok = run_data(ok_line + "\r\n.\r\n");
    EXPECT_EQ(ok.result.error(), DataError::None);
    const Outcome bad = run_data(long_line + "\r\n.\r\n");
    EXPECT_EQ(bad.result.error(), DataError::LineTooLong);
    EXPECT_TRUE(bad.done);
    EXPECT_EQ(bad.content, long_line + "\r\n");  // still written: the session discards it

    // The stuffing dot does not count: 1001 octets on the wire, 1000 in the content.
    const Outcome stuffed = run_data("." + ok_line + "\r\n.\r\n");
    EXPECT_EQ(stuffed.result.error(), DataError::None);
    EXPECT_EQ(stuffed.content, ok_line + "\r\n");

    // Over the limit before any CRLF shows up, then the stream still ends correctly.
    const Outcome endless = run_data(std::string(5000, 'b') + "\r\nafter\r\n.\r\nQUIT\r\n");
    EXPECT_EQ(endless.result.error(), DataError::LineTooLong);
    EXPECT_TRUE(endless.done);
    EXPECT_EQ(endless.consumed, 5000u + 12u);

    DataLimits short_lines;
    short_lines.max_line_length = 5;  // "abc" CRLF fits, "abcd" CRLF does not
    EXPECT_EQ(run_data("abc\r\n.\r\n", short_lines).result.error(), DataError::None);
    EXPECT_EQ(run_data("abcd\r\n.\r\n", short_lines).result.error(), DataError::LineTooLong);
    expect_split_invariant("ab\r\nabc\r\nabcd\r\n.\r\n", short_lines);
    expect_split_invariant(long_line + "\r\n.\r\n");
}

TEST(DataReader, SizeLimitIsExact)
{
    const std::string input = "Subject: s\r\n\r\n..body\r\n.\r\nQUIT\r\n";
    const std::string content = "Subject: s\r\n\r\n.body\r\n";
    DataLimits limits;
    limits.max_size = content.size();
    const Outcome fits = run_data(input, limits);
    EXPECT_EQ(fits.result.error(), DataError::None);
    EXPECT_EQ(fits.content, content);
    EXPECT_EQ(fits.result.written_bytes, content.size());

    limits.max_size = content.size() - 1;
    const Outcome over = run_data(input, limits);
    EXPECT_EQ(over.result.error(), DataError::TooBig);
    EXPECT_TRUE(over.done);
    EXPECT_EQ(over.consumed, input.size() - 6);  // "QUIT\r\n" is left for the session
    EXPECT_EQ(over.content, content.substr(0, content.size() - 1));
    EXPECT_EQ(over.result.written_bytes, content.size() - 1);
    EXPECT_EQ(over.result.content_bytes, content.size());
    expect_split_invariant(input, limits);

    limits.max_size = 0;
    EXPECT_EQ(run_data(".\r\n", limits).result.error(), DataError::None);
    EXPECT_EQ(run_data("\r\n.\r\n", limits).result.error(), DataError::TooBig);
}

TEST(DataReader, ReceivedCountedInHeaderOnly)
{
    const std::string input =
        "Received: from a\r\n"
        "received :from b\r\n"
        "RECEIVED:\r\n"
        "Received\t:x\r\n"
        "X-Received: no\r\n"
        "ReceivedX: no\r\n"
        " Received: folded, no\r\n"
        "Receive: no\r\n"
        "\r\n"
        "Received: in the body, no\r\n"
        ".\r\n";
    const Outcome got = run_data(input);
    EXPECT_EQ(got.result.received_headers, 4u);
    EXPECT_EQ(got.result.error(), DataError::None);
    expect_split_invariant(input);

    // A stuffed dot in front does not make a Received field either.
    EXPECT_EQ(run_data(".Received: x\r\n.\r\n").result.received_headers, 1u);
    EXPECT_EQ(run_data("..Received: x\r\n.\r\n").result.received_headers, 0u);
}

TEST(DataReader, NoticesAuthenticationResultsInTheHeaderOnly)
{
    EXPECT_TRUE(run_data("Subject: x\r\nAUTHENTICATION-RESULTS : a; none\r\n\r\nb\r\n.\r\n")
                    .result.authentication_results);
    for (const char* input : {"Subject: x\r\n\r\nAuthentication-Results: a; none\r\n.\r\n",
                              "Authentication-Results-Original: a; none\r\n\r\n.\r\n",
                              "X-Authentication-Results: a; none\r\n\r\n.\r\n",
                              "Subject: x\r\n Authentication-Results: folded\r\n\r\n.\r\n"}) {
        EXPECT_FALSE(run_data(input).result.authentication_results) << input;
    }
    const std::string split = "Received: a\r\nAuthentication-Results: b; none\r\n\r\n.\r\n";
    EXPECT_TRUE(run_data(split).result.authentication_results);
    EXPECT_EQ(run_data(split).result.received_headers, 1u);
    expect_split_invariant(split);
}

TEST(DataReader, HopLimit)
{
    auto hops = [](std::size_t n) {
        std::string message;
        for (std::size_t i = 0; i < n; ++i) {
            message += "Received: from hop\r\n";
        }
        return message + "\r\nbody\r\n.\r\n";
    };
    const Outcome fifty = run_data(hops(50));
    EXPECT_EQ(fifty.result.received_headers, 50u);
    EXPECT_EQ(fifty.result.error(), DataError::None);
    const Outcome fifty_one = run_data(hops(51));
    EXPECT_EQ(fifty_one.result.error(), DataError::TooManyHops);
    const Outcome many = run_data(hops(5000));
    EXPECT_EQ(many.result.received_headers, 51u);  // saturates one past the limit
    EXPECT_EQ(many.result.error(), DataError::TooManyHops);
}

TEST(DataReader, SpoolFailureKeepsConsuming)
{
    std::string written;
    int calls = 0;
    DataReader reader([&](std::string_view chunk) -> Result<void> {
        if (++calls > 1) {
            return unexpected(Errc::Io, "disk full");
        }
        written.append(chunk);
        return {};
    });
    EXPECT_EQ(reader.feed("first\r\n"), 7u);
    EXPECT_EQ(reader.feed("second\r\n.\r\nQUIT\r\n"), 11u);
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(written, "first\r\n");
    EXPECT_EQ(reader.result().error(), DataError::SpoolFailed);
    EXPECT_EQ(reader.result().spool_error.code, Errc::Io);
    EXPECT_EQ(reader.result().written_bytes, 7u);
    EXPECT_EQ(reader.result().content_bytes, 15u);
}

TEST(DataReader, ErrorPriorityAndReplies)
{
    // Bare LF wins over the others: it is the framing the whole session depends on.
    DataLimits limits;
    limits.max_size = 2;
    const Outcome got = run_data("a\0\nbbbb\r\n.\r\n"s, limits);
    EXPECT_TRUE(got.result.bare_lf && got.result.nul_in_text && got.result.too_big);
    EXPECT_EQ(got.result.error(), DataError::BareLf);

    EXPECT_EQ(data_error_reply(DataError::BareLf).code, 550);
    EXPECT_EQ(data_error_reply(DataError::BareLf).enhanced, "5.5.2");
    EXPECT_EQ(data_error_reply(DataError::TooBig).code, 552);
    EXPECT_EQ(data_error_reply(DataError::TooBig).enhanced, "5.3.4");
    EXPECT_EQ(data_error_reply(DataError::TooManyHops).code, 554);
    EXPECT_EQ(data_error_reply(DataError::TooManyHops).enhanced, "5.4.6");
    EXPECT_EQ(data_error_reply(DataError::LineTooLong).code, 500);
    EXPECT_EQ(data_error_reply(DataError::SpoolFailed).code / 100, 4);
    EXPECT_EQ(data_error_name(DataError::BareCr), "bare-cr");
}

// ---- BDAT ----

struct BdatOutcome {
    std::string content;
    DataResult result;
    bool done = false;
};

// Sends `chunks` as BDAT chunks (the last one LAST), each fed in pieces of `piece` bytes.
BdatOutcome run_bdat(const std::vector<std::string>& chunks, BdatReader::Body body,
                     std::size_t piece = 0, const DataLimits& limits = {})
{
    BdatOutcome outcome;
    BdatReader reader(collect_into(outcome.content), limits, body);
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        const std::string& chunk = chunks[i];
        reader.begin_chunk(chunk.size(), i + 1 == chunks.size());
        std::size_t offset = 0;
        while (offset < chunk.size()) {
            const std::size_t n = piece == 0 ? chunk.size() - offset : piece;
            offset += reader.feed(std::string_view(chunk).substr(offset, n));
        }
        EXPECT_TRUE(reader.chunk_done());
    }
    outcome.done = reader.done();
    outcome.result = reader.result();
    return outcome;
}

TEST(BdatReader, ChunksAreTakenLiterally)
{
    // A.15: "\r\n.\r\n" inside a chunk is content, not an end; dots are not unstuffed.
    const BdatOutcome got =
        run_bdat({"Subject: a\r\n\r\n", "..x\r\n.\r\n", "rest\r\n"}, BdatReader::Body::Text);
    EXPECT_TRUE(got.done);
    EXPECT_EQ(got.content, "Subject: a\r\n\r\n..x\r\n.\r\nrest\r\n");
    EXPECT_EQ(got.result.error(), DataError::None);
    EXPECT_EQ(got.result.raw_bytes, got.content.size());
}

TEST(BdatReader, FeedStopsAtChunkEnd)
{
    std::string content;
    BdatReader reader(collect_into(content), {}, BdatReader::Body::Text);
    reader.begin_chunk(4, false);
    EXPECT_EQ(reader.feed("ab\r\nBDAT 3 LAST\r\n"), 4u);
    EXPECT_TRUE(reader.chunk_done());
    EXPECT_FALSE(reader.done());
    EXPECT_EQ(reader.feed("more"), 0u);
    reader.begin_chunk(0, true);  // "BDAT 0 LAST"
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(content, "ab\r\n");
}

TEST(BdatReader, LineEndingsAcrossChunks)
{
    using Body = BdatReader::Body;
    // CR at the end of one chunk and LF at the start of the next is a CRLF.
    EXPECT_EQ(run_bdat({"a\r", "\nb\r\n"}, Body::Text).result.error(), DataError::None);
    EXPECT_EQ(run_bdat({"a\r", "b\r\n"}, Body::Text).result.error(), DataError::BareCr);
    EXPECT_EQ(run_bdat({"a\r"}, Body::Text).result.error(), DataError::BareCr);  // CR at the end
    EXPECT_EQ(run_bdat({"a\n", "b"}, Body::Text).result.error(), DataError::BareLf);
    EXPECT_EQ(run_bdat({"a", "\n"}, Body::Text).result.error(), DataError::BareLf);
    EXPECT_EQ(run_bdat({"a\0b"s}, Body::Text).result.error(), DataError::Nul);

    // RFC 3030 §3: BINARYMIME content may hold any octet.
    const BdatOutcome binary = run_bdat({"a\n\r\0"s, "\r\xff"}, Body::BinaryMime);
    EXPECT_EQ(binary.result.error(), DataError::None);
    EXPECT_TRUE(binary.result.nul);
    EXPECT_FALSE(binary.result.nul_in_text);
    EXPECT_TRUE(binary.result.eight_bit);
    EXPECT_EQ(binary.content, "a\n\r\0\r\xff"s);
    const std::string long_binary(5000, 'z');
    EXPECT_EQ(run_bdat({long_binary}, Body::BinaryMime).result.error(), DataError::None);
    EXPECT_EQ(run_bdat({long_binary}, Body::Text).result.error(), DataError::LineTooLong);
}

TEST(BdatReader, SplitInvariant)
{
    const std::string message = "Received: x\r\nReceived: y\r\n\r\nbody\r\n\xc3\xa9\r\nend";
    for (const BdatReader::Body body : {BdatReader::Body::Text, BdatReader::Body::BinaryMime}) {
        const BdatOutcome whole = run_bdat({message}, body);
        EXPECT_EQ(whole.content, message);
        EXPECT_EQ(whole.result.received_headers, 2u);
        for (std::size_t cut = 0; cut <= message.size(); ++cut) {
            for (const std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
                const BdatOutcome split =
                    run_bdat({message.substr(0, cut), message.substr(cut)}, body, piece);
                ASSERT_EQ(split.content, whole.content) << cut;
                ASSERT_EQ(split.result.received_headers, whole.result.received_headers);
                ASSERT_EQ(split.result.error(), whole.result.error());
                ASSERT_EQ(split.result.eight_bit, whole.result.eight_bit);
            }
        }
    }
}

TEST(BdatReader, SizeLimitAcrossChunks)
{
    DataLimits limits;
    limits.max_size = 6;
    const BdatOutcome fits = run_bdat({"abc", "\r\n", "d"}, BdatReader::Body::Text, 0, limits);
    EXPECT_EQ(fits.result.error(), DataError::None);
    const BdatOutcome over =
        run_bdat({"abc", "\r\n", "de", "fgh"}, BdatReader::Body::Text, 1, limits);
    EXPECT_TRUE(over.done);  // every announced byte was consumed
    EXPECT_EQ(over.result.error(), DataError::TooBig);
    EXPECT_EQ(over.content, "abc\r\nd");
    EXPECT_EQ(over.result.raw_bytes, 10u);
}

}  // namespace
}  // namespace harbor::smtp::server
