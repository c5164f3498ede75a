// Fuzzes the DATA and BDAT content readers (smtp/server/data_reader): the input is fed once
// whole and once in chunks whose sizes come from the first bytes, and both runs must agree on
// everything (consumed bytes, content hash, every flag). DATA framing is also checked against a
// plain reference: the end is the first "\r\n.\r\n" (or a leading ".\r\n"), and the content is
// the bytes before it with each line-start dot removed. The sinks only hash what they get, so
// nothing but the reader's own state lives across feeds.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/server/data_reader.hpp"

namespace {

using harbor::smtp::server::BdatReader;
using harbor::smtp::server::DataLimits;
using harbor::smtp::server::DataReader;
using harbor::smtp::server::DataResult;

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

struct HashSink {
    std::uint64_t hash = 14695981039346656037u;  // FNV-1a
    std::uint64_t bytes = 0;

    harbor::smtp::server::ContentSink sink()
    {
        return [this](std::string_view chunk) -> harbor::Result<void> {
            for (const char c : chunk) {
                hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211u;
            }
            bytes += chunk.size();
            return {};
        };
    }
};

// Chunk sizes 1..32 from a small generator seeded by the input.
class Chunks {
public:
    explicit Chunks(std::uint32_t seed) : state_(seed | 1u) {}
    std::size_t next()
    {
        state_ = state_ * 1103515245u + 12345u;
        return (state_ >> 16) % 32 + 1;
    }

private:
    std::uint32_t state_;
};

void check_same(const DataResult& a, const DataResult& b)
{
    check(a.raw_bytes == b.raw_bytes);
    check(a.content_bytes == b.content_bytes);
    check(a.written_bytes == b.written_bytes);
    check(a.received_headers == b.received_headers);
    check(a.authentication_results == b.authentication_results);
    check(a.eight_bit == b.eight_bit && a.nul == b.nul && a.nul_in_text == b.nul_in_text);
    check(a.bare_lf == b.bare_lf && a.bare_cr == b.bare_cr);
    check(a.line_too_long == b.line_too_long && a.too_big == b.too_big);
    check(a.too_many_hops == b.too_many_hops && a.spool_failed == b.spool_failed);
    check(a.error() == b.error());
}

void check_bounds(const DataResult& result, const DataLimits& limits, const HashSink& sink)
{
    check(sink.bytes == result.written_bytes);
    check(result.written_bytes <= limits.max_size);
    check(result.written_bytes <= result.content_bytes);
    check(result.content_bytes <= result.raw_bytes);
    check(result.too_big == (result.content_bytes > limits.max_size));
    check(result.received_headers <= limits.max_received_headers + 1);
}

// The DATA reference decoder: framing and unstuffing without a state machine.
void check_data_reference(std::string_view payload, std::size_t consumed, bool done,
                          std::uint64_t content_bytes)
{
    std::size_t end = std::string_view::npos;
    if (payload.substr(0, 3) == ".\r\n") {
        end = 3;
    } else if (const std::size_t at = payload.find("\r\n.\r\n"); at != std::string_view::npos) {
        end = at + 5;
    }
    check(done == (end != std::string_view::npos));
    check(consumed == (done ? end : payload.size()));
    const std::string_view body = payload.substr(0, done ? end - 3 : consumed);
    std::uint64_t dots = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '.' && (i == 0 || (i >= 2 && body[i - 2] == '\r' && body[i - 1] == '\n'))) {
            ++dots;
        }
    }
    // An unfinished ".\r" at the very end is held back until its next byte shows up.
    std::uint64_t held = 0;
    if (!done && body.size() >= 2 && body.substr(body.size() - 2) == ".\r") {
        const std::size_t dot = body.size() - 2;
        if (dot == 0 || (dot >= 2 && body[dot - 2] == '\r' && body[dot - 1] == '\n')) {
            held = 1;
        }
    }
    check(content_bytes == body.size() - dots - held);
}

void fuzz_data(std::string_view payload, const DataLimits& limits, std::uint32_t seed)
{
    HashSink whole_sink;
    DataReader whole(whole_sink.sink(), limits);
    const std::size_t whole_consumed = whole.feed(payload);
    if (whole.done()) {
        check(whole.feed(payload) == 0);  // the rest is the session's
    }

    HashSink split_sink;
    DataReader split(split_sink.sink(), limits);
    Chunks chunks(seed);
    std::size_t offset = 0;
    std::size_t split_consumed = 0;
    while (offset < payload.size() && !split.done()) {
        const std::string_view piece = payload.substr(offset, chunks.next());
        const std::size_t took = split.feed(piece);
        check(took == piece.size() || split.done());
        split_consumed += took;
        offset += piece.size();
    }
    check(whole_consumed == split_consumed);
    check(whole.done() == split.done());
    check(whole_sink.hash == split_sink.hash);
    check_same(whole.result(), split.result());
    check_bounds(whole.result(), limits, whole_sink);
    check(whole.result().raw_bytes == whole_consumed);
    check_data_reference(payload, whole_consumed, whole.done(), whole.result().content_bytes);
}

void fuzz_bdat(std::string_view payload, const DataLimits& limits, BdatReader::Body body,
               std::uint32_t seed)
{
    HashSink whole_sink;
    BdatReader whole(whole_sink.sink(), limits, body);
    whole.begin_chunk(payload.size(), true);
    check(whole.feed(payload) == payload.size());
    check(whole.done());

    HashSink split_sink;
    BdatReader split(split_sink.sink(), limits, body);
    Chunks chunks(seed);
    std::size_t offset = 0;
    do {
        // One BDAT chunk of up to 64 bytes, fed in pieces of up to 32.
        const std::size_t size = std::min(payload.size() - offset, chunks.next() + chunks.next());
        split.begin_chunk(size, offset + size == payload.size());
        const std::size_t chunk_end = offset + size;
        while (offset < chunk_end) {
            offset += split.feed(payload.substr(offset, chunks.next()));
        }
        check(split.chunk_done());
    } while (offset < payload.size());
    check(split.done());
    check(whole_sink.hash == split_sink.hash);
    check_same(whole.result(), split.result());
    check_bounds(whole.result(), limits, whole_sink);
    check(whole.result().content_bytes == payload.size());
    if (body == BdatReader::Body::BinaryMime) {
        check(!whole.result().bare_lf && !whole.result().bare_cr && !whole.result().nul_in_text);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 4) {
        return 0;
    }
    DataLimits limits;
    // Small limits are where the boundaries are; a clear top bit keeps the defaults.
    if ((data[1] & 0x80) != 0) {
        limits.max_size = data[1] & 0x7f;
    }
    if ((data[2] & 0x80) != 0) {
        limits.max_line_length = (data[2] & 0x7f) + 1;
    }
    limits.max_received_headers = data[0] >> 4;
    const std::uint32_t seed = data[3];
    const std::string_view payload(reinterpret_cast<const char*>(data + 4), size - 4);
    switch (data[0] % 3) {
    case 0:
        fuzz_data(payload, limits, seed);
        break;
    case 1:
        fuzz_bdat(payload, limits, BdatReader::Body::Text, seed);
        break;
    default:
        fuzz_bdat(payload, limits, BdatReader::Body::BinaryMime, seed);
        break;
    }
    return 0;
}
