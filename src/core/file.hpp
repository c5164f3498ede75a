// Durable file replacement: what a crash may leave is the old file or the new one, never a
// torn one (SECURITY-CASES R1: write temp, fsync, rename, fsync the directory).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "core/result.hpp"

namespace harbor {

// Writes `bytes` to `file` through "<file>.tmp" created with `mode` from the first byte (no
// window where a secret is world-readable), fsyncs it, renames it over `file` and fsyncs the
// directory. Errc::Io naming the file on any failure; the temp file is removed then.
Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view bytes,
                                   mode_t mode);

}  // namespace harbor
