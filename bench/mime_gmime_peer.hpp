// The GMime 3 side of bench_mime_parse (Debian libgmime-3.0, a bench-only dependency): the
// same messages parsed the way GMime's own tools do, kept apart so that no GMime or GLib
// header reaches the Harbor translation units.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace harbor::bench {

// What one pass touched, summed so that no work can be optimised away.
struct PassTotals {
    std::size_t parts = 0;
    std::size_t fields = 0;
    std::size_t decoded_bytes = 0;
    std::size_t checksum = 0;  // lengths of the media types seen
};

enum class Decode { No, Leaves };

class GmimePeer {
public:
    // Calls g_mime_init(); copies each message once into a GByteArray (not timed).
    explicit GmimePeer(const std::vector<std::string>& messages);
    ~GmimePeer();
    GmimePeer(const GmimePeer&) = delete;
    GmimePeer& operator=(const GmimePeer&) = delete;

    // Parses messages [begin, end): g_mime_parser_construct_message over a memory stream, then
    // a walk of the whole tree (multiparts and message/rfc822 parts) reading each part's content
    // type, disposition and header list; with Decode::Leaves each leaf's content is also
    // written, transfer decoded, to a null stream.
    PassTotals parse_range(Decode decode, std::size_t begin, std::size_t end);

private:
    struct Arrays;
    std::unique_ptr<Arrays> arrays_;
};

}  // namespace harbor::bench
