// The message content of an SMTP transaction as it streams in: DATA (RFC 5321 §4.1.1.4, dot
// transparency §4.5.2) and BDAT chunks (RFC 3030), decoded incrementally into a sink (the spool
// writer) without ever holding the message in memory.
// SECURITY: every byte is untrusted and may arrive in any split, one byte at a time included.
// End of data is only <CRLF>.<CRLF>: bare LF and bare CR are errors and never end the data, so
// "\n.\n", "\r.\r" or "\r\n.\n" cannot smuggle a second message (SECURITY-CASES A.1, A.2;
// CVE-2023-51764). State is a handful of counters: memory does not grow with the input, at most
// limits.max_size content bytes reach the sink, counters saturate. After an error the reader
// keeps consuming to the real end so the session stays in step with the client. Fuzzed by
// fuzz_smtp_data (any chunking gives the same result as one feed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/result.hpp"

namespace harbor::smtp::server {

constexpr std::size_t max_text_line = 1000;          // RFC 5321 §4.5.3.1.6, CRLF included
constexpr std::size_t default_max_received_headers = 50;  // loop detection, RFC 5321 §6.3
constexpr std::uint64_t default_max_message_size = 50u * 1024 * 1024;

// Receives the decoded content in order, in chunks of any size. A failure (disk full, I/O
// error) stops further writes; the reader keeps consuming and reports DataError::SpoolFailed.
using ContentSink = std::function<Result<void>(std::string_view chunk)>;

struct DataLimits {
    std::uint64_t max_size = default_max_message_size;  // content bytes, RFC 1870 SIZE
    std::size_t max_line_length = max_text_line;          // content bytes per line, CRLF included
    std::size_t max_received_headers = default_max_received_headers;
};

// What was wrong with the content. Several can be true at once; DataResult::error() picks the
// one to answer with.
enum class DataError {
    None,
    BareLf,          // LF not preceded by CR: 550 5.5.2 (Postfix smtpd_forbid_bare_newline=reject)
    BareCr,          // CR not followed by LF: 550 5.5.2 (Sendmail 8.18)
    Nul,             // NUL in text content: 550 5.6.0 (RFC 6152 §3 excludes NUL from 8BITMIME)
    LineTooLong,     // line over max_line_length: 500 5.5.2 (RFC 5321 §4.5.3.1.10 "Line too long")
    TooBig,          // over max_size content bytes: 552 5.3.4 (RFC 5321 §4.5.3.1.10, RFC 1870)
    TooManyHops,     // more than max_received_headers Received fields: 554 5.4.6 (RFC 5321 §6.3)
    SpoolFailed,     // the sink failed: 451 4.3.0 (try again later; detail in spool_error)
};

std::string_view data_error_name(DataError error);

// The reply for a content error, for the session to send after end of data (RFC 3463 codes).
struct DataErrorReply {
    int code = 0;
    std::string_view enhanced;  // "5.5.2"
    std::string_view text;
};
DataErrorReply data_error_reply(DataError error);

struct DataResult {
    std::uint64_t raw_bytes = 0;      // wire bytes consumed, dot-stuffing and terminator included
    std::uint64_t content_bytes = 0;  // decoded bytes, also those past max_size (not written)
    std::uint64_t written_bytes = 0;  // bytes the sink accepted: min(content_bytes, max_size)
    std::size_t received_headers = 0;  // Received fields in the header section, saturating
    // An Authentication-Results field in the header section (RFC 8601): one claiming to be ours
    // must be removed before delivery, so only then is the header read again.
    bool authentication_results = false;
    bool eight_bit = false;           // a byte >= 0x80 (needs BODY=8BITMIME, RFC 6152)
    bool nul = false;                 // a NUL byte (allowed only with BODY=BINARYMIME, RFC 3030)
    bool nul_in_text = false;         // ... in text content, where it is an error
    bool bare_lf = false;
    bool bare_cr = false;
    bool line_too_long = false;
    bool too_big = false;
    bool too_many_hops = false;
    Error spool_error;                // set when spool_failed
    bool spool_failed = false;

    // The error to answer with: permanent ones first, most fundamental first (framing, NUL,
    // line length, size, hops), then the temporary spool failure, which a permanent rejection
    // makes moot. None when the message is acceptable.
    DataError error() const;
};

// Checks and writes decoded content; shared by DataReader and BdatReader. In text mode it
// tracks bare CR/LF, NUL and line length across calls; in binary mode (BODY=BINARYMIME,
// RFC 3030 §3) those are allowed. Received fields are counted in both.
class ContentScanner {
public:
    enum class Mode { Text, Binary };

    ContentScanner(ContentSink sink, const DataLimits& limits, Mode mode);

    void append(std::string_view content);
    // End of content: a CR still waiting for its LF is bare.
    void finish();
    const DataResult& result() const { return result_; }
    DataResult& result() { return result_; }

private:
    void scan(std::string_view content);
    void write(std::string_view content);
    void header_byte(char byte);

    // How far the current header line matches `name` *WSP ":" (RFC 5322 §3.6.7, obsolete WSP
    // before the colon §4.5.3), case-insensitively; -1 once it cannot.
    struct FieldName {
        std::string_view name;
        int at = 0;
        bool step(char byte);  // true when the colon completes the match
    };

    ContentSink sink_;
    DataLimits limits_;
    Mode mode_;
    DataResult result_;
    bool after_cr_ = false;        // the previous content byte was CR
    std::size_t line_length_ = 0;  // bytes of the current line so far
    // Header-section tracking (RFC 5322 §2.2): Received fields are counted and
    // Authentication-Results fields noticed until the first empty line.
    bool in_header_ = true;
    FieldName received_{"received"};
    FieldName results_{"authentication-results"};
};

// DATA: feed() the bytes read from the socket after the 354 reply until done().
class DataReader {
public:
    DataReader(ContentSink sink, const DataLimits& limits = {});

    // Consumes input up to and including the end-of-data line and returns how many bytes it
    // took; bytes after it (a pipelined command, RFC 2920) belong to the session. Consumes
    // nothing once done().
    std::size_t feed(std::string_view input);

    bool done() const { return state_ == State::Done; }
    const DataResult& result() const { return scanner_.result(); }

private:
    // Where we are on the wire. A line starts only after CRLF (and at the very beginning);
    // a '.' at a line start is dropped: it is either stuffing (§4.5.2) or the end marker.
    enum class State { LineStart, Text, TextCr, Dot, DotCr, Done };

    ContentScanner scanner_;
    State state_ = State::LineStart;
};

// BDAT (RFC 3030 §2): each chunk is exactly the announced number of octets, no stuffing and
// no end marker; the LAST chunk ends the content. Bare CR/LF checks run across chunk
// boundaries unless BODY=BINARYMIME.
class BdatReader {
public:
    enum class Body { Text, BinaryMime };

    BdatReader(ContentSink sink, const DataLimits& limits, Body body);

    // "BDAT <size> [LAST]": the next `size` bytes fed belong to this chunk. The session
    // checks announced sizes against the limit first if it wants an early 552, but must still
    // consume the chunk (RFC 3030 §4: a rejected chunk is read and discarded).
    void begin_chunk(std::uint64_t size, bool last);

    // Consumes up to the rest of the current chunk; returns how many bytes it took.
    std::size_t feed(std::string_view input);

    std::uint64_t chunk_remaining() const { return remaining_; }
    bool chunk_done() const { return remaining_ == 0; }
    bool done() const { return done_; }  // the LAST chunk was consumed completely
    const DataResult& result() const { return scanner_.result(); }

private:
    void complete_chunk();

    ContentScanner scanner_;
    std::uint64_t remaining_ = 0;
    bool last_ = false;
    bool done_ = false;
};

}  // namespace harbor::smtp::server
