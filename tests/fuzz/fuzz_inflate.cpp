// Fuzzes the Inflater (net/deflate_stream) that reads IMAP COMPRESS=DEFLATE clients (RFC 4978):
// peer bytes in small chunks with small output limits never produce more than asked for per
// call and end in output or Errc::Invalid, never a crash; the Deflater's stream of the same
// bytes inflates back to them exactly; and that stream with one octet flipped fails cleanly.
// The first two input octets steer: the output limit per call (1..64) and the input chunk size.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/deflate_stream.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

// Inflates `stream` fed `chunk` octets at a time, `limit` octets of output per call. False on
// a stream error (only ever Errc::Invalid).
bool inflate_in_pieces(std::string_view stream, std::size_t chunk, std::size_t limit,
                       std::string& out)
{
    harbor::net::Inflater inflater;
    while (!stream.empty() || inflater.has_pending()) {
        if (!inflater.has_pending()) {
            const std::size_t take = std::min(chunk, stream.size());
            inflater.add_input(stream.substr(0, take));
            stream.remove_prefix(take);
        }
        const std::size_t before = out.size();
        const harbor::Result<std::size_t> produced = inflater.inflate(out, limit);
        if (!produced) {
            check(produced.error().code == harbor::Errc::Invalid);
            return false;
        }
        check(*produced <= limit && out.size() - before == *produced);
        if (*produced == 0) {
            // No output and no error: it needs the next octets (else this loop would spin).
            check(!inflater.has_pending());
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    const std::size_t limit = 1 + data[0] % 64;
    const std::size_t chunk = 1 + data[1];
    const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

    // The input as a compressed stream from a peer.
    std::string out;
    (void)inflate_in_pieces(input, chunk, limit, out);

    // Round trip: our own stream of the input, in two sync-flushed writes, inflates back.
    harbor::net::Deflater deflater;
    std::string stream;
    const std::size_t half = input.size() / 2;
    for (std::string_view part : {input.substr(0, half), input.substr(half)}) {
        for (;;) {
            const harbor::Result<harbor::net::Deflater::Step> step =
                deflater.compress(part, stream, 64 + limit);
            check(step.has_value());
            part.remove_prefix(step->consumed);
            if (step->flushed) {
                break;
            }
        }
    }
    out.clear();
    check(inflate_in_pieces(stream, chunk, limit, out));
    check(out == input);

    // The same stream with one octet changed: any outcome but a crash or unbounded output.
    if (!stream.empty()) {
        stream[data[1] % stream.size()] ^= static_cast<char>(data[0] | 1);
        out.clear();
        (void)inflate_in_pieces(stream, chunk, limit, out);
    }
    return 0;
}
