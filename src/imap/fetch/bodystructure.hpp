// The BODY and BODYSTRUCTURE FETCH items (RFC 9051 §7.5.2, grammar §9 "body") of a parsed
// message: media type and parameters, Content-ID, -Description, -Transfer-Encoding, size in
// octets as stored, line counts, the ENVELOPE and body of message/rfc822 and message/global
// parts, and for BODYSTRUCTURE the extension data (MD5, disposition, language, location).
// SECURITY: the part tree is untrusted but already bounded by mime::Limits (depth, parts);
// the recursion here follows that tree and stops at max_structure_depth regardless.
#pragma once

#include <string>

#include "mime/message.hpp"

namespace harbor::imap {

// A tree deeper than this (only possible with a raised mime::Limits::max_depth) has its
// deeper parts written as empty text/plain leaves.
constexpr std::size_t max_structure_depth = 256;

enum class StructureForm { Body, BodyStructure };

// Appends "(" body ")" for `part` and everything under it. Header values are written as they
// are in the header, unfolded. Parameters: see parameter values in bodystructure.cpp.
void append_body_structure(std::string& out, const mime::Part& part, StructureForm form);

std::string format_body_structure(const mime::Message& message, StructureForm form);

// RFC 9051 body-fld-enc for a part: the Content-Transfer-Encoding mechanism in lower case,
// "7bit" when absent or not an RFC 2045 §6.1 token (Dovecot does the same).
std::string encoding_name(const mime::Part& part);

}  // namespace harbor::imap
