// Content transparency and line ends for DATA and BDAT: RFC 5321 §4.5.2 ("Before sending a
// line of mail text, the SMTP client checks the first character of the line. If it is a
// period, one additional period is inserted at the beginning of the line."), §2.3.8 (CRLF),
// §4.1.1.4 (the end of mail data indicator), RFC 3030 §2 (BDAT carries octets, unstuffed).
#include "smtp/client/data_encoder.hpp"

namespace harbor::smtp::client {

void DataEncoder::encode(std::string_view input, std::string& out)
{
    out.reserve(out.size() + input.size() + input.size() / 32 + 8);
    std::size_t i = 0;
    if (pending_cr_ && !input.empty()) {
        // CR at the end of the last piece: a CRLF split in two, or a bare CR; either way one
        // line end.
        pending_cr_ = false;
        out += "\r\n";
        line_start_ = true;
        if (input.front() == '\n') {
            i = 1;
        }
    }
    while (i < input.size()) {
        const char c = input[i];
        if (c == '\r') {
            if (i + 1 == input.size()) {
                pending_cr_ = true;
                return;
            }
            out += "\r\n";
            line_start_ = true;
            i += input[i + 1] == '\n' ? 2 : 1;  // CRLF, or a bare CR made CRLF
            continue;
        }
        if (c == '\n') {
            out += "\r\n";  // a bare LF made CRLF
            line_start_ = true;
            ++i;
            continue;
        }
        if (line_start_ && c == '.' && stuffing_ == DotStuffing::On) {
            out += '.';
        }
        // Copy the rest of the line in one go.
        std::size_t end = i;
        while (end < input.size() && input[end] != '\r' && input[end] != '\n') {
            ++end;
        }
        out.append(input.substr(i, end - i));
        line_start_ = false;
        i = end;
    }
}

void DataEncoder::finish(std::string& out)
{
    if (pending_cr_) {
        pending_cr_ = false;
        out += "\r\n";
        line_start_ = true;
    }
    if (!line_start_) {
        out += "\r\n";
        line_start_ = true;
    }
    if (stuffing_ == DotStuffing::On) {
        out += ".\r\n";
    }
}

std::uint64_t encoded_size(std::string_view content)
{
    constexpr std::size_t piece = 64 * 1024;
    DataEncoder encoder(DotStuffing::Off);
    std::string buffer;
    std::uint64_t total = 0;
    for (std::size_t offset = 0; offset < content.size(); offset += piece) {
        buffer.clear();
        encoder.encode(content.substr(offset, piece), buffer);
        total += buffer.size();
    }
    buffer.clear();
    encoder.finish(buffer);
    return total + buffer.size();
}

}  // namespace harbor::smtp::client
