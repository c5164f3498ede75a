// The parser limits an operator set in harbor.toml [mime] (core/config.hpp), applied over the
// built-in defaults of header.hpp and body.hpp. One place turns config into limits, so every
// parse the server does (SMTP reception, IMAP, filters) bounds messages the same way.
#pragma once

#include "core/config.hpp"
#include "mime/body.hpp"
#include "mime/header.hpp"

namespace harbor::mime {

struct ParserLimits {
    Limits message;   // the part tree: depth, parts, header fields and bytes, line length
    BodyLimits body;  // decoding one part's content
};

ParserLimits limits_from(const MimeLimitsConfig& config);

}  // namespace harbor::mime
