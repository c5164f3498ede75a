// The originator, destination, identification and informational fields of a message header
// (RFC 5322 §3.6.2–§3.6.5) as structured, decoded values: what filters, search, threading and
// the IMAP ENVELOPE (RFC 9051 §7.5.2) read. Each field goes through its own parser
// (address_list, date, message_id, rfc2047), which bound their input.
// RFC 5322 §3.6 allows each of these at most once; like mail readers we take the first.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address_list.hpp"
#include "mime/date.hpp"
#include "mime/header.hpp"
#include "mime/message_id.hpp"

namespace harbor::mime {

struct Envelope {
    std::optional<DateTime> date;  // absent or unparsable Date
    std::string subject;           // UTF-8, encoded-words decoded, folding removed
    AddressList from;
    AddressList sender;
    AddressList reply_to;
    AddressList to;
    AddressList cc;
    AddressList bcc;
    std::optional<std::string> message_id;  // the first id of Message-ID, without brackets
    MessageIds in_reply_to;
    MessageIds references;
    bool duplicate_fields = false;  // a §3.6 "at most once" field came more than once
};

// Reads the envelope fields of one header block (a message's or an encapsulated message's).
Envelope read_envelope(const std::vector<HeaderField>& fields);

}  // namespace harbor::mime
