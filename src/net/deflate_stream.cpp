// Inflater and Deflater over zlib's raw DEFLATE mode (negative windowBits: RFC 1951 without
// the RFC 1950 wrapper, as RFC 4978 §3 requires).
// SECURITY: see deflate_stream.hpp. zlib writes only inside the output space given to it
// (at most max_output octets per call); queued input is never more than the caller added.
#define ZLIB_CONST  // next_in is const: zlib never writes to our input
#include "net/deflate_stream.hpp"

#include <zlib.h>

#include <algorithm>

namespace harbor::net {
namespace {

constexpr int raw_window_bits = -15;  // 32 KiB window, no header (zlib's "raw deflate")
constexpr int default_mem_level = 8;
constexpr std::size_t min_deflate_output = 64;  // zlib: above 6, or flush markers repeat

const Bytef* bytes_of(const char* data)
{
    return reinterpret_cast<const Bytef*>(data);
}

Bytef* bytes_of(char* data)
{
    return reinterpret_cast<Bytef*>(data);
}

std::string zlib_message(const z_stream& stream, int code)
{
    if (stream.msg != nullptr) {
        return stream.msg;
    }
    return "zlib error " + std::to_string(code);
}

}  // namespace

Inflater::Inflater() = default;

Inflater::~Inflater()
{
    if (stream_) {
        inflateEnd(stream_.get());
    }
}

void Inflater::add_input(std::string_view compressed)
{
    input_.append(compressed);
}

bool Inflater::has_pending() const
{
    return !input_.empty() || (output_was_full_ && !finished_);
}

Result<std::size_t> Inflater::inflate(std::string& out, std::size_t max_output)
{
    if (finished_) {
        if (!input_.empty()) {
            return unexpected(Errc::Invalid, "data after the end of the compressed stream");
        }
        return std::size_t{0};
    }
    if (!stream_) {
        auto stream = std::make_unique<z_stream>();
        if (inflateInit2(stream.get(), raw_window_bits) != Z_OK) {
            return unexpected(Errc::Internal, "inflateInit2 failed");
        }
        stream_ = std::move(stream);
    }
    const std::size_t old_size = out.size();
    out.resize(old_size + max_output);
    z_stream& stream = *stream_;
    // zlib counts in uInt; our chunks are far below 4 GiB, the clamp only keeps that true.
    stream.next_in = bytes_of(input_.data());
    stream.avail_in = static_cast<uInt>(std::min<std::size_t>(input_.size(), 1U << 30));
    stream.next_out = bytes_of(out.data() + old_size);
    stream.avail_out = static_cast<uInt>(std::min<std::size_t>(max_output, 1U << 30));
    const uInt offered_out = stream.avail_out;
    const uInt offered_in = stream.avail_in;
    const int code = ::inflate(&stream, Z_SYNC_FLUSH);
    const std::size_t produced = offered_out - stream.avail_out;
    out.resize(old_size + produced);
    input_.erase(0, offered_in - stream.avail_in);
    output_was_full_ = max_output > 0 && stream.avail_out == 0;
    switch (code) {
        case Z_OK:
        case Z_BUF_ERROR:  // no progress possible: more input (or output space) is needed
            return produced;
        case Z_STREAM_END:
            finished_ = true;
            if (produced == 0 && !input_.empty()) {
                return unexpected(Errc::Invalid, "data after the end of the compressed stream");
            }
            return produced;
        case Z_DATA_ERROR:
        case Z_NEED_DICT:  // raw DEFLATE has no dictionary id: the stream is corrupt
            return unexpected(Errc::Invalid, "corrupt compressed stream: " +
                                                 zlib_message(stream, code));
        default:
            return unexpected(Errc::Internal, "inflate: " + zlib_message(stream, code));
    }
}

Deflater::Deflater() = default;

Deflater::~Deflater()
{
    if (stream_) {
        deflateEnd(stream_.get());
    }
}

Result<Deflater::Step> Deflater::compress(std::string_view input, std::string& out,
                                          std::size_t max_output)
{
    if (!stream_) {
        auto stream = std::make_unique<z_stream>();
        if (deflateInit2(stream.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, raw_window_bits,
                         default_mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
            return unexpected(Errc::Internal, "deflateInit2 failed");
        }
        stream_ = std::move(stream);
    }
    max_output = std::max(max_output, min_deflate_output);
    const std::size_t old_size = out.size();
    out.resize(old_size + max_output);
    z_stream& stream = *stream_;
    stream.next_in = bytes_of(input.data());
    stream.avail_in = static_cast<uInt>(std::min<std::size_t>(input.size(), 1U << 30));
    stream.next_out = bytes_of(out.data() + old_size);
    stream.avail_out = static_cast<uInt>(std::min<std::size_t>(max_output, 1U << 30));
    const uInt offered_out = stream.avail_out;
    const uInt offered_in = stream.avail_in;
    // Z_SYNC_FLUSH: all of the input goes out now, ending on a byte boundary, so the client
    // can read the whole response without waiting for bits zlib would otherwise hold back.
    const int code = deflate(&stream, Z_SYNC_FLUSH);
    out.resize(old_size + (offered_out - stream.avail_out));
    if (code != Z_OK && code != Z_BUF_ERROR) {  // Z_BUF_ERROR: the flush was already complete
        return unexpected(Errc::Internal, "deflate: " + zlib_message(stream, code));
    }
    Step step;
    step.consumed = offered_in - stream.avail_in;
    // zlib: the flush is complete when deflate() returns with output space left over.
    step.flushed = step.consumed == input.size() && stream.avail_out != 0;
    return step;
}

}  // namespace harbor::net
