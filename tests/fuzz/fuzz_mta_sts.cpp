// Fuzzes the MTA-STS parsers (smtp/queue/mta_sts_policy): the input is a policy file, and its
// lines are also TXT records. A parsed policy keeps the bounds of mta_sts_policy.hpp, its
// patterns are lower case, and each exact pattern matches itself.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/queue/mta_sts_policy.hpp"

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
    using namespace harbor::smtp::queue;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const harbor::Result<StsPolicy> policy = parse_sts_policy(text);
    if (policy) {
        check(policy->max_age <= max_policy_age);
        check(policy->mx.size() <= max_mx_patterns);
        check(policy->mode == StsMode::None || !policy->mx.empty());
        for (const std::string& pattern : policy->mx) {
            for (char c : pattern) {
                check(!(c >= 'A' && c <= 'Z'));
            }
            if (!pattern.starts_with("*.")) {
                check(sts_allows_mx(*policy, pattern));
            }
        }
    }
    std::vector<std::string> records;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\n') {
            records.emplace_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    const std::optional<std::string> id = parse_sts_record_id(records);
    if (id) {
        check(!id->empty() && id->size() <= 32);
    }
    return 0;
}
