// The part of an HTML document libxml2 is allowed to see: a quick scan that counts what the
// parser will build (elements, comments and attributes) and cuts the input before a limit.
// SECURITY: libxml2 2.9's HTML parser and tree builder are quadratic in the attributes of one
// tag (each is compared with, and appended after, all the ones before it) and its tree grows
// with every tag, so these counts bound its time and memory. The scan is one linear pass.
#pragma once

#include <cstddef>
#include <string_view>

#include "mime/text/html_text.hpp"

namespace harbor::mime {

// The length of the longest prefix of `html` within limits.max_tags, max_attributes and
// max_tag_attributes (the whole input when it fits). A tag over a limit is cut before its '<'.
std::size_t html_bounded_length(std::string_view html, const HtmlLimits& limits);

}  // namespace harbor::mime
