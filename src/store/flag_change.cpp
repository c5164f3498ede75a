#include "store/flag_change.hpp"

#include <algorithm>
#include <string_view>

#include "core/ascii.hpp"

namespace harbor::store {
namespace {

bool has_flag(const std::vector<std::string>& flags, std::string_view flag)
{
    return std::any_of(flags.begin(), flags.end(),
                       [&](const std::string& known) { return iequals(known, flag); });
}

}  // namespace

bool same_flags(const std::vector<std::string>& a, const std::vector<std::string>& b)
{
    // Each way: a client's list may name a flag twice.
    const auto within = [](const std::vector<std::string>& some,
                           const std::vector<std::string>& all) {
        return std::all_of(some.begin(), some.end(),
                           [&](const std::string& flag) { return has_flag(all, flag); });
    };
    return within(a, b) && within(b, a);
}

std::optional<std::vector<std::string>> apply_flags(const std::vector<std::string>& current,
                                                    FlagMode mode,
                                                    const std::vector<std::string>& flags)
{
    std::vector<std::string> next;
    switch (mode) {
        case FlagMode::Add:
            next = current;
            for (const std::string& flag : flags) {
                if (!has_flag(next, flag)) {
                    next.push_back(flag);
                }
            }
            break;
        case FlagMode::Remove:
            for (const std::string& flag : current) {
                if (!has_flag(flags, flag)) {
                    next.push_back(flag);
                }
            }
            break;
        case FlagMode::Replace:
            next = flags;
            break;
    }
    if (same_flags(next, current)) {
        return std::nullopt;
    }
    return next;
}

}  // namespace harbor::store
