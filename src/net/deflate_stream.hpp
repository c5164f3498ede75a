// Raw DEFLATE streams (RFC 1951: no zlib or gzip wrapper) over zlib, one per direction of a
// connection that turned on IMAP COMPRESS=DEFLATE (RFC 4978 §3). The Deflater ends every write
// with a sync flush so the peer can inflate all of it at once; the Inflater produces bounded
// output per call.
// SECURITY: the Inflater reads peer bytes. It holds only the compressed input it is given (the
// caller queues one bounded chunk at a time) and appends at most `max_output` octets per call,
// so a compression bomb (DEFLATE expands up to about 1032:1) costs CPU, never memory; zlib's own
// state is fixed (a 32 KiB window). A corrupt stream is Errc::Invalid. Fuzzed by fuzz_inflate.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct z_stream_s;  // zlib's stream state; only deflate_stream.cpp includes <zlib.h>

namespace harbor::net {

class Inflater {
public:
    Inflater();
    ~Inflater();
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // Queues compressed octets after those still waiting. The caller bounds the queue: add a
    // chunk only once has_pending() is false.
    void add_input(std::string_view compressed);

    // Whether inflate() may produce output without more input: compressed octets are queued,
    // or the last call stopped because it had produced all the output it was allowed.
    bool has_pending() const;

    // Inflates queued octets, appending at most `max_output` of them to `out`; returns how many
    // were appended (0: more input is needed). Errc::Invalid for a corrupt stream or octets
    // after its final block, Errc::Internal if zlib could not start (out of memory).
    Result<std::size_t> inflate(std::string& out, std::size_t max_output);

    // The peer sent the stream's final block (RFC 1951 §3.2.3 BFINAL): nothing can follow.
    bool finished() const { return finished_; }

private:
    std::unique_ptr<z_stream_s> stream_;  // set up on first use
    std::string input_;                   // the queued octets are its tail
    bool output_was_full_ = false;
    bool finished_ = false;
};

class Deflater {
public:
    // zlib's default level, 32 KiB window and memLevel 8 (about 256 KiB of zlib state).
    Deflater();
    ~Deflater();
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    struct Step {
        std::size_t consumed = 0;  // octets of `input` taken
        bool flushed = false;      // all of `input` is in the output, which ends at a sync flush
    };

    // Compresses from `input` and appends at most `max_output` octets (at least 64) to `out`.
    // Call again with the input not yet consumed (possibly none) until `flushed`: then the
    // output so far ends with a sync flush (an empty stored block, RFC 1951 §3.2.4), so the peer
    // can inflate every octet of it without waiting for more. Errc::Internal if zlib failed.
    Result<Step> compress(std::string_view input, std::string& out, std::size_t max_output);

private:
    std::unique_ptr<z_stream_s> stream_;  // set up on first use
};

}  // namespace harbor::net
