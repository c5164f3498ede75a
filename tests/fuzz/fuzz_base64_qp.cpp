// Fuzzes the content-transfer decoders of core/: strict and MIME base64 (RFC 4648, RFC 2045
// §6.8), quoted-printable and "Q" (RFC 2045 §6.7, RFC 2047 §4.2). Checks that decoding never
// fails or grows past its bound, and that every encoder round-trips through its decoder.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "core/quoted_printable.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    // Decoders on untrusted text: bounded output, strict accepts only canonical text.
    const harbor::MimeBase64 mime = harbor::decode_base64_mime(bytes);
    check(mime.bytes.size() <= size / 4 * 3 + 2);
    const auto strict = harbor::decode_base64(bytes);
    if (strict) {
        check(harbor::encode_base64(*strict) == bytes);
        check(harbor::decode_base64_mime(bytes).bytes == *strict);  // tolerant agrees
    }
    const auto unpadded = harbor::decode_base64(bytes, harbor::Padding::Omitted);
    if (unpadded) {
        check(harbor::encode_base64(*unpadded, harbor::Padding::Omitted) == bytes);
    }
    const harbor::QpDecoded qp = harbor::decode_quoted_printable(bytes);
    check(qp.bytes.size() <= 2 * size);  // only a bare LF grows (to CRLF)
    check(harbor::decode_q_encoding(bytes).bytes.size() <= size);

    // Encoders on arbitrary bytes: decode(encode(x)) == x, and the line-length rules hold.
    check(*harbor::decode_base64(harbor::encode_base64(bytes)) == bytes);
    const std::string wrapped = harbor::encode_base64_mime(bytes);
    const harbor::MimeBase64 back = harbor::decode_base64_mime(wrapped);
    check(back.bytes == bytes && !back.saw_junk && !back.truncated);
    const std::string qp_text = harbor::encode_quoted_printable(bytes);
    const harbor::QpDecoded qp_back = harbor::decode_quoted_printable(qp_text);
    check(qp_back.bytes == bytes && !qp_back.saw_invalid);
    for (const std::string& text : {wrapped, qp_text}) {
        std::size_t line = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            line = text[i] == '\n' ? 0 : line + 1;
            check(line <= harbor::mime_max_line + 1);  // 76 plus the CR of the break
        }
    }
    check(harbor::decode_q_encoding(harbor::encode_q_encoding(bytes)).bytes == bytes);
    return 0;
}
