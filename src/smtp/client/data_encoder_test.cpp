// Unit tests for smtp/client/data_encoder: dot-stuffing (RFC 5321 §4.5.2), CRLF line ends
// (§2.3.8), the end of data (§4.1.1.4), BDAT's unstuffed form (RFC 3030 §2), fed whole and one
// octet at a time.
#include "smtp/client/data_encoder.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::smtp::client {
namespace {

std::string encode_whole(std::string_view input, DotStuffing stuffing)
{
    DataEncoder encoder(stuffing);
    std::string out;
    encoder.encode(input, out);
    encoder.finish(out);
    return out;
}

std::string encode_bytewise(std::string_view input, DotStuffing stuffing)
{
    DataEncoder encoder(stuffing);
    std::string out;
    for (const char c : input) {
        encoder.encode(std::string_view(&c, 1), out);
    }
    encoder.finish(out);
    return out;
}

struct Case {
    const char* name;
    std::string input;
    std::string data;  // DotStuffing::On
    std::string bdat;  // DotStuffing::Off
};

TEST(SmtpDataEncoder, StuffsDotsAndNormalisesLineEnds)
{
    const Case cases[] = {
        {"empty message", "", ".\r\n", ""},
        {"CRLF kept", "a\r\nb\r\n", "a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
        {"missing final line end added", "a\r\nb", "a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
        {"bare LF made CRLF", "a\nb\n", "a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
        {"bare CR made CRLF", "a\rb\r", "a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
        {"leading dot doubled", ".hidden\r\n", "..hidden\r\n.\r\n", ".hidden\r\n"},
        {"a lone dot line cannot end DATA", "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n",
         "a\r\n.\r\nb\r\n"},
        {"dots inside a line untouched", "a.b\r\n..c\r\n", "a.b\r\n...c\r\n.\r\n",
         "a.b\r\n..c\r\n"},
        {"LF.LF smuggling attempt", "x\n.\nMAIL FROM:<e@vil>\n",
         "x\r\n..\r\nMAIL FROM:<e@vil>\r\n.\r\n", "x\r\n.\r\nMAIL FROM:<e@vil>\r\n"},
        {"CR.CR smuggling attempt", "x\r.\ry", "x\r\n..\r\ny\r\n.\r\n", "x\r\n.\r\ny\r\n"},
        {"8-bit octets pass", "J\xc3\xbcrgen\r\n", "J\xc3\xbcrgen\r\n.\r\n", "J\xc3\xbcrgen\r\n"},
        {"dot after a CR at a piece end", "a\r.b", "a\r\n..b\r\n.\r\n", "a\r\n.b\r\n"},
    };
    for (const Case& test : cases) {
        EXPECT_EQ(encode_whole(test.input, DotStuffing::On), test.data) << test.name;
        EXPECT_EQ(encode_bytewise(test.input, DotStuffing::On), test.data)
            << test.name << " (one octet at a time)";
        EXPECT_EQ(encode_whole(test.input, DotStuffing::Off), test.bdat) << test.name;
        EXPECT_EQ(encode_bytewise(test.input, DotStuffing::Off), test.bdat)
            << test.name << " (one octet at a time)";
        EXPECT_EQ(encoded_size(test.input), test.bdat.size()) << test.name;
    }
}

TEST(SmtpDataEncoder, EncodedSizeMatchesTheBytesOfALargeMessage)
{
    // More than one 64 KiB piece, with a CRLF split across the boundary.
    std::string message(64 * 1024 - 1, 'x');
    message += "\r\n.line\nlast";
    EXPECT_EQ(encoded_size(message), encode_whole(message, DotStuffing::Off).size());
    EXPECT_EQ(encode_whole(message, DotStuffing::Off),
              std::string(64 * 1024 - 1, 'x') + "\r\n.line\r\nlast\r\n");
}

}  // namespace
}  // namespace harbor::smtp::client
