// Fuzzes the disclaimer rewrite (mime/builder/rewrite): any message is parsed, rewritten with a
// fixed disclaimer and parsed again. A skipped message comes back unchanged; a rewritten one
// parses without hitting a limit the input did not hit, keeps at least its parts, and stays
// within the bound of rewrite.hpp (a byte can become a U+FFFD in base64, about 4x, and a
// parameter byte %EF%BF%BD, 9x).
#include <cstdint>
#include <string_view>

#include "mime/builder/rewrite.hpp"
#include "mime/message.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

const harbor::mime::Disclaimer disclaimer{"-- \nSent via Harbor \xe2\x9c\x89",
                                          "<p>Sent via Harbor \xe2\x9c\x89</p>"};
constexpr std::size_t growth_factor = 10;
constexpr std::size_t growth_constant = 4096;  // new fields, boundaries, the disclaimer twice

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    const harbor::mime::Message before = harbor::mime::parse_message(raw);
    const harbor::mime::RewriteResult result =
        harbor::mime::append_disclaimer(raw, before, disclaimer);
    if (result.status != harbor::mime::RewriteStatus::Changed) {
        check(result.bytes == raw);
        return 0;
    }
    check(before.truncated == harbor::mime::Limit::None);
    check(result.bytes.size() <= growth_factor * size + growth_constant);
    const harbor::mime::Message after = harbor::mime::parse_message(result.bytes);
    check(after.truncated == harbor::mime::Limit::None);
    check(after.part_count >= before.part_count);
    return 0;
}
