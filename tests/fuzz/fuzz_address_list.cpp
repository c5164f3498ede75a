// Fuzzes the structured header parsers of src/mime: address lists (RFC 5322 §3.4, §4.4),
// dates (§3.3, §4.3) and msg-id lists (§3.6.4) over the same bytes. None may crash, run past
// its limits, or return a date or offset out of range.
// SECURITY: the parsers read untrusted header text; this target checks their bounds.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "mime/address_list.hpp"
#include "mime/date.hpp"
#include "mime/message_id.hpp"

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
    using namespace harbor::mime;
    std::string_view text(reinterpret_cast<const char*>(data), size);

    AddressListLimits limits;
    limits.max_addresses = 64;
    limits.max_comment_depth = 8;
    AddressList list = parse_address_list(text, limits);
    check(list.addresses.size() <= limits.max_addresses);
    for (const Address& address : list.addresses) {
        check(!address.local_part.empty());
        check(address.local_part.size() + address.domain.size() <= size);
    }

    std::optional<DateTime> date = parse_date(text);
    if (date) {
        check(date->offset_minutes > -100 * 60 && date->offset_minutes < 100 * 60);
        check(date->unix_seconds >= -2208988800 - 100 * 3600);  // 1900-01-01
        check(date->unix_seconds < 253402300800 + 100 * 3600);  // 10000-01-01
    }

    MessageIdLimits id_limits;
    id_limits.max_ids = 64;
    MessageIds ids = parse_message_ids(text, id_limits);
    check(ids.ids.size() <= id_limits.max_ids);
    for (const std::string& id : ids.ids)
        check(!id.empty() && id.size() <= size);
    return 0;
}
