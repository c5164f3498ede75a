// Fuzzes the POP3 command grammar (src/pop3/command.hpp) and the POP3 message form
// (src/pop3/message_text.hpp). Each input line goes through parse_command; every argument
// through parse_message_number and parse_line_count. The whole input is also taken as a
// message: RETR's byte-stuffed form and TOP's must be CRLF lines with no bare CR-LF split, no
// line that is a lone "." (it would end the response early), and, once unstuffed, exactly
// pop3_size() octets for RETR and never more for TOP.
// Checks: a parsed command's arguments hold no space (except PASS) and no control character,
// and are never empty; numbers are in range; the message invariants above.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pop3/command.hpp"
#include "pop3/message_text.hpp"

namespace {

using namespace harbor::pop3;

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

void fuzz_line(std::string_view line)
{
    auto command = parse_command(line);
    if (!command) {
        return;
    }
    for (const std::string& arg : command->args) {
        check(!arg.empty());
        for (const char c : arg) {
            const auto byte = static_cast<unsigned char>(c);
            check(byte >= 0x20 && byte != 0x7f);
            check(c != ' ' || command->verb == Verb::Pass);
        }
        if (auto number = parse_message_number(arg)) {
            check(*number >= 1);
        }
        (void)parse_line_count(arg);
    }
    check(!verb_name(command->verb).empty());
}

// Undoes the byte-stuffing of a sent message and checks its lines; returns the octets.
std::uint64_t unstuffed_size(std::string_view sent)
{
    std::uint64_t size = 0;
    std::size_t pos = 0;
    while (pos < sent.size()) {
        const std::size_t end = sent.find("\r\n", pos);
        check(end != std::string_view::npos);  // every line ends in CRLF
        std::string_view line = sent.substr(pos, end - pos);
        check(line != ".");  // a lone dot would end the multi-line response
        check(line.find('\n') == std::string_view::npos);
        if (line.starts_with(".")) {
            line.remove_prefix(1);
        }
        size += line.size() + 2;
        pos = end + 2;
    }
    return size;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t pos = 0;
    while (pos <= input.size()) {
        std::size_t end = input.find('\n', pos);
        if (end == std::string_view::npos) {
            end = input.size();
        }
        std::string_view line = input.substr(pos, end - pos);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        fuzz_line(line);
        pos = end + 1;
    }

    std::string retr;
    append_stuffed(retr, input);
    check(unstuffed_size(retr) == pop3_size(input));
    const std::uint32_t lines = size == 0 ? 0 : data[0] % 8;
    std::string top;
    append_stuffed(top, input, lines);
    check(unstuffed_size(top) <= pop3_size(input));
    check(retr.starts_with(top));
    return 0;
}
