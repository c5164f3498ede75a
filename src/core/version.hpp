// The one place the version is written: `harbor version`, the control API's status.
#pragma once

#include <string_view>

namespace harbor {

inline constexpr std::string_view version = "0.1.0";

}  // namespace harbor
