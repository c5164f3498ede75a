// The POP3 form of a message: sizes match what RETR and TOP send (RFC 1939 §3, §5, §7).
#include "pop3/message_text.hpp"

#include <gtest/gtest.h>

namespace harbor::pop3 {
namespace {

// What a client gets back after undoing the byte-stuffing: must be pop3_size octets.
std::string unstuffed(std::string_view sent)
{
    std::string out;
    std::size_t pos = 0;
    while (pos < sent.size()) {
        const std::size_t end = sent.find("\r\n", pos);
        std::string_view line = sent.substr(pos, end - pos);
        if (line.starts_with(".")) {
            line.remove_prefix(1);
        }
        out += line;
        out += "\r\n";
        pos = end + 2;
    }
    return out;
}

TEST(Pop3MessageText, CrlfMessageIsSentAsIs)
{
    const std::string message = "Subject: a\r\n\r\nbody\r\n";
    std::string out;
    append_stuffed(out, message);
    EXPECT_EQ(out, message);
    EXPECT_EQ(pop3_size(message), message.size());
}

TEST(Pop3MessageText, BareLfAndUnterminatedLastLine)
{
    const std::string message = "Subject: a\n\nline\nlast";
    std::string out;
    append_stuffed(out, message);
    EXPECT_EQ(out, "Subject: a\r\n\r\nline\r\nlast\r\n");
    EXPECT_EQ(pop3_size(message), out.size());
    const std::string bare_cr = "a\rb\r";
    out.clear();
    append_stuffed(out, bare_cr);
    EXPECT_EQ(out, "a\rb\r\r\n");
    EXPECT_EQ(pop3_size(bare_cr), out.size());
    EXPECT_EQ(pop3_size(""), 0u);
    out.clear();
    append_stuffed(out, "");
    EXPECT_EQ(out, "");
}

TEST(Pop3MessageText, ByteStuffingIsNotCounted)
{
    const std::string message = "Subject: dots\r\n\r\n.\r\n..x\r\nok\n.";
    std::string out;
    append_stuffed(out, message);
    EXPECT_EQ(out, "Subject: dots\r\n\r\n..\r\n...x\r\nok\r\n..\r\n");
    EXPECT_EQ(unstuffed(out).size(), pop3_size(message));
    EXPECT_EQ(out.find("\r\n.\r\n"), std::string::npos);
}

TEST(Pop3MessageText, TopSendsHeaderBlankLineAndNLines)
{
    const std::string message = "A: 1\r\nB: 2\n\r\none\r\n.two\nthree\r\n";
    std::string out;
    append_stuffed(out, message, 0);
    EXPECT_EQ(out, "A: 1\r\nB: 2\r\n\r\n");
    out.clear();
    append_stuffed(out, message, 2);
    EXPECT_EQ(out, "A: 1\r\nB: 2\r\n\r\none\r\n..two\r\n");
    out.clear();
    append_stuffed(out, message, 100);
    EXPECT_EQ(out, "A: 1\r\nB: 2\r\n\r\none\r\n..two\r\nthree\r\n");
    out.clear();
    append_stuffed(out, "No: body\r\nAt: all\r\n", 0);
    EXPECT_EQ(out, "No: body\r\nAt: all\r\n");
}

TEST(Pop3MessageText, SizeMatchesForEveryShortMessage)
{
    // Every message of up to 6 octets over {a, ., \r, \n}: the size is what RETR sends.
    const char alphabet[] = {'a', '.', '\r', '\n'};
    for (int length = 0; length <= 6; ++length) {
        int combinations = 1;
        for (int i = 0; i < length; ++i) {
            combinations *= 4;
        }
        for (int code = 0; code < combinations; ++code) {
            std::string message;
            for (int i = 0, rest = code; i < length; ++i, rest /= 4) {
                message += alphabet[rest % 4];
            }
            std::string out;
            append_stuffed(out, message);
            ASSERT_TRUE(out.empty() || out.ends_with("\r\n")) << message;
            ASSERT_EQ(unstuffed(out).size(), pop3_size(message)) << message;
        }
    }
}

}  // namespace
}  // namespace harbor::pop3
