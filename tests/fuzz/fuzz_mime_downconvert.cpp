// Fuzzes the 7-bit downconversion (mime/builder/downconvert): any message is converted. A
// message not converted comes back unchanged; a converted one parses without hitting a limit,
// stays within the bound of downconvert.hpp, is 7-bit clean unless a header block holds 8-bit
// octets (left alone by design), and converting it again changes nothing.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "mime/builder/downconvert.hpp"
#include "mime/message.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

constexpr std::size_t growth_factor = 4;      // quoted-printable: "=XX" plus soft breaks
constexpr std::size_t growth_per_part = 128;  // new Content-Transfer-Encoding, MIME-Version

bool clean_7bit(std::string_view bytes)
{
    return std::none_of(bytes.begin(), bytes.end(),
                        [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using harbor::mime::DowngradeStatus;
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    const harbor::mime::DowngradeResult result = harbor::mime::downconvert_to_7bit(raw);
    check(!harbor::mime::downgrade_status_name(result.status).empty());
    if (result.status != DowngradeStatus::Changed) {
        check(result.bytes == raw);
        check(result.changes.empty());
        if (result.status == DowngradeStatus::Unchanged && clean_7bit(raw)) {
            check(!result.header_8bit);
        }
        return 0;
    }
    const harbor::mime::Message before = harbor::mime::parse_message(raw);
    check(before.truncated == harbor::mime::Limit::None);
    check(!result.changes.empty());
    check(result.bytes.size() <= growth_factor * size + growth_per_part * before.part_count);
    const harbor::mime::Message after = harbor::mime::parse_message(result.bytes);
    check(after.truncated == harbor::mime::Limit::None);
    if (!result.header_8bit) {
        check(clean_7bit(result.bytes));
    }
    const harbor::mime::DowngradeResult again = harbor::mime::downconvert_to_7bit(result.bytes);
    check(again.status == DowngradeStatus::Unchanged);
    check(again.bytes == result.bytes);
    check(again.header_8bit == result.header_8bit);
    return 0;
}
