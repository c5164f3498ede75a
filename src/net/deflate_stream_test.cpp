// Inflater and Deflater: round trips, sync-flush boundaries (RFC 4978 §3: each response can be
// inflated on its own), another implementation's stream (Python's zlib, raw DEFLATE), corrupt
// streams, and a compression bomb that stays within the output asked for.
#include "net/deflate_stream.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace harbor::net {
namespace {

// Deflates `input` to its sync flush with at most `max_output` octets per step.
std::string deflate_all(Deflater& deflater, std::string_view input, std::size_t max_output)
{
    std::string out;
    for (;;) {
        const std::size_t before = out.size();
        Result<Deflater::Step> step = deflater.compress(input, out, max_output);
        EXPECT_TRUE(step.has_value());
        if (!step) {
            return out;
        }
        EXPECT_LE(out.size() - before, std::max<std::size_t>(max_output, 64));
        input.remove_prefix(step->consumed);
        if (step->flushed) {
            return out;
        }
    }
}

// Inflates everything `inflater` can produce from what it holds, `max_output` at a time.
std::string inflate_pending(Inflater& inflater, std::size_t max_output)
{
    std::string out;
    while (inflater.has_pending()) {
        const std::size_t before = out.size();
        Result<std::size_t> produced = inflater.inflate(out, max_output);
        EXPECT_TRUE(produced.has_value()) << produced.error().to_string();
        if (!produced) {
            break;
        }
        EXPECT_EQ(out.size() - before, *produced);
        EXPECT_LE(*produced, max_output);
        if (*produced == 0) {
            break;
        }
    }
    return out;
}

std::string some_text(std::size_t size)
{
    std::mt19937 random(4978);
    const std::string_view words[] = {"FETCH ", "(FLAGS (\\Seen)) ", "BODY[] ", "* 12 ", "\r\n",
                                      "Subject: hello ", "From: a@example.org ", "x"};
    std::string text;
    while (text.size() < size) {
        text += words[random() % std::size(words)];
    }
    text.resize(size);
    return text;
}

TEST(Deflate, RoundTripsInOneStep)
{
    Deflater deflater;
    Inflater inflater;
    const std::string text = some_text(100'000);
    const std::string compressed = deflate_all(deflater, text, 1 << 20);
    EXPECT_LT(compressed.size(), text.size() / 2);
    inflater.add_input(compressed);
    EXPECT_EQ(inflate_pending(inflater, 1 << 20), text);
    EXPECT_FALSE(inflater.finished());
}

TEST(Deflate, RoundTripsWithSmallOutputSteps)
{
    Deflater deflater;
    Inflater inflater;
    const std::string text = some_text(50'000);
    // 64 octets a step on both sides: many partial steps, each within its bound.
    const std::string compressed = deflate_all(deflater, text, 10);
    inflater.add_input(compressed);
    EXPECT_EQ(inflate_pending(inflater, 64), text);
}

TEST(Deflate, EachSyncFlushInflatesWholeOnItsOwn)
{
    Deflater deflater;
    Inflater inflater;
    const std::vector<std::string> responses = {"* OK [CAPABILITY IMAP4rev2] ready\r\n",
                                                "a1 OK LOGIN completed\r\n", "",
                                                some_text(20'000),
                                                "a1 OK LOGIN completed\r\n"};
    for (const std::string& response : responses) {
        const std::string compressed = deflate_all(deflater, response, 512);
        if (!response.empty()) {
            // A sync flush ends in an empty stored block: LEN 0000, NLEN FFFF (RFC 1951 §3.2.4).
            ASSERT_GE(compressed.size(), 4u);
            EXPECT_EQ(compressed.substr(compressed.size() - 4), std::string("\0\0\xff\xff", 4));
        }
        // Nothing held back: this response's octets alone give the whole response.
        inflater.add_input(compressed);
        EXPECT_EQ(inflate_pending(inflater, 4096), response);
        EXPECT_FALSE(inflater.has_pending());
    }
}

TEST(Deflate, InflatesAnotherImplementationsStreamByteByByte)
{
    // Python: c = zlib.compressobj(wbits=-15); c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH) for
    // two responses; the second refers back into the first (the window spans flushes).
    const std::string first("\x4a\x34\x54\xf0\xf7\x56\x48\xc9\xcf\x4b\xe5\xe5\x02\x00\x00\x00"
                            "\xff\xff",
                            18);
    const std::string second("\x4a\x34\x42\xb0\x01\x00\x00\x00\xff\xff", 10);
    Inflater inflater;
    std::string out;
    for (char c : first + second) {
        inflater.add_input(std::string_view(&c, 1));
        out += inflate_pending(inflater, 1);
    }
    EXPECT_EQ(out, "a1 OK done\r\na2 OK done\r\n");
}

TEST(Deflate, CorruptStreamIsInvalid)
{
    struct Case {
        std::string name;
        std::string input;
    };
    const Case cases[] = {
        {"reserved block type 11", std::string(16, '\xff')},
        {"stored block with LEN != ~NLEN", std::string("\x00\x05\x00\x00\x00", 5)},
        {"distance before the start", std::string("\x4a\x34\x42\xb0\x01\x00", 6)},
    };
    for (const Case& c : cases) {
        Inflater inflater;
        inflater.add_input(c.input);
        std::string out;
        Result<std::size_t> produced = inflater.inflate(out, 4096);
        ASSERT_FALSE(produced.has_value()) << c.name;
        EXPECT_EQ(produced.error().code, Errc::Invalid) << c.name;
    }
}

TEST(Deflate, OctetsAfterTheFinalBlockAreInvalid)
{
    // A final (BFINAL) stored block holding "hi", then garbage.
    Inflater inflater;
    inflater.add_input(std::string("\x01\x02\x00\xfd\xffhi", 7));
    std::string out;
    Result<std::size_t> produced = inflater.inflate(out, 4096);
    ASSERT_TRUE(produced.has_value()) << produced.error().to_string();
    EXPECT_EQ(out, "hi");
    EXPECT_TRUE(inflater.finished());
    EXPECT_FALSE(inflater.has_pending());
    inflater.add_input("more");
    EXPECT_TRUE(inflater.has_pending());
    produced = inflater.inflate(out, 4096);
    ASSERT_FALSE(produced.has_value());
    EXPECT_EQ(produced.error().code, Errc::Invalid);
}

TEST(Deflate, BombOutputStaysWithinEachCallsLimit)
{
    // 16 MiB of one octet compresses to about 16 KiB; inflating it never takes more than the
    // 4 KiB asked for per call, and the caller's buffer is all the memory it costs.
    constexpr std::size_t bomb_size = 16 << 20;
    Deflater deflater;
    std::string compressed;
    const std::string block(1 << 20, 'A');
    for (std::size_t sent = 0; sent < bomb_size; sent += block.size()) {
        compressed += deflate_all(deflater, block, 1 << 16);
    }
    EXPECT_LT(compressed.size(), bomb_size / 500);

    Inflater inflater;
    inflater.add_input(compressed);
    std::size_t total = 0;
    std::string out;
    while (inflater.has_pending()) {
        out.clear();
        Result<std::size_t> produced = inflater.inflate(out, 4096);
        ASSERT_TRUE(produced.has_value());
        ASSERT_LE(out.size(), 4096u);
        ASSERT_EQ(out.find_first_not_of('A'), std::string::npos);
        total += *produced;
        if (*produced == 0) {
            break;
        }
    }
    EXPECT_EQ(total, bomb_size);
    EXPECT_LE(out.capacity(), 2 * 4096u);
}

TEST(Deflate, ZeroOutputLimitProducesNothing)
{
    Deflater deflater;
    Inflater inflater;
    inflater.add_input(deflate_all(deflater, "abc", 64));
    std::string out;
    Result<std::size_t> produced = inflater.inflate(out, 0);
    ASSERT_TRUE(produced.has_value());
    EXPECT_EQ(*produced, 0u);
    EXPECT_TRUE(inflater.has_pending());
    EXPECT_EQ(inflate_pending(inflater, 2), "abc");
}

}  // namespace
}  // namespace harbor::net
