// harbor.toml [mime] -> parser limits. See configured_limits.hpp.
#include "mime/configured_limits.hpp"

namespace harbor::mime {
namespace {

void apply(const std::optional<std::uint64_t>& configured, std::size_t& limit)
{
    if (configured) {
        limit = static_cast<std::size_t>(*configured);
    }
}

}  // namespace

ParserLimits limits_from(const MimeLimitsConfig& config)
{
    ParserLimits limits;
    apply(config.max_depth, limits.message.max_depth);
    apply(config.max_parts, limits.message.max_parts);
    apply(config.max_header_fields, limits.message.max_header_fields);
    apply(config.max_header_bytes, limits.message.max_header_bytes);
    apply(config.max_line_length, limits.message.max_line_length);
    apply(config.max_decoded_part, limits.body.max_input);
    return limits;
}

}  // namespace harbor::mime
