// The ENVELOPE FETCH item (RFC 9051 §7.5.2, grammar §9 "envelope", "address") of one header
// block: field values as they are in the header, unfolded, not RFC 2047-decoded (the client
// decodes them). Addresses are read with the route and group markers IMAP wants, which the
// decoded mime::AddressList does not keep.
// SECURITY: header text is untrusted; each address field is read up to max_envelope_field_input
// bytes and max_envelope_addresses addresses, in one pass without recursion.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/header.hpp"

namespace harbor::imap {

constexpr std::size_t max_envelope_field_input = 64 * 1024;  // as mime::AddressListLimits
constexpr std::size_t max_envelope_addresses = 1000;

// One "address" of RFC 9051 §9: (addr-name addr-adl addr-mailbox addr-host). §7.5.2 group
// syntax: a group start has only mailbox (the group name), a group end has nothing at all.
struct EnvelopeAddress {
    std::optional<std::string> name;     // the phrase, raw; or the comment after an addr-spec
    std::optional<std::string> route;    // obsolete source route "@a,@b" (RFC 5322 §4.4)
    std::optional<std::string> mailbox;  // local part, a quoted one with its quotes
    std::optional<std::string> host;     // "" when an address has no domain; NIL only for groups
};

// Reads an address field body (after the colon) into IMAP's flat address list.
std::vector<EnvelopeAddress> read_envelope_addresses(std::string_view field_body);

// Appends "(" date subject from sender reply-to to cc bcc in-reply-to message-id ")".
void append_envelope(std::string& out, const std::vector<mime::HeaderField>& fields);

std::string format_envelope(const std::vector<mime::HeaderField>& fields);

// A field value unfolded (RFC 5322 §2.2.3) with surrounding whitespace removed; used for
// every nstring FETCH takes from a header.
std::string unfolded_value(std::string_view value);

}  // namespace harbor::imap
