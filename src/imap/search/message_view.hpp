// What SEARCH, SORT and THREAD read of one message (RFC 9051 §6.4.4, RFC 5256): the metadata
// the store keeps beside the message (store::MessageRecord), which flag, size, date and UID
// keys need, and the content, loaded only when a key needs it and parsed and decoded lazily,
// once per message, whatever the number of keys that read it.
// SECURITY: the content is untrusted. Parsing is bounded by mime::Limits; decoding for BODY
// and TEXT reads at most max_part_input encoded octets of each text part and max_body_text
// UTF-8 octets of all of them; folded text is capped at max_folded octets (casemap.hpp); the
// part tree is walked with a heap stack. Text past a cap is not searched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mime/date.hpp"
#include "mime/envelope.hpp"
#include "mime/header.hpp"
#include "mime/message.hpp"

namespace harbor::imap {

constexpr std::size_t default_max_search_part_input = 16 * 1024 * 1024;  // encoded, one part
constexpr std::size_t default_max_search_body_text = 4 * 1024 * 1024;    // UTF-8, all parts
constexpr std::size_t default_max_search_folded = 8 * 1024 * 1024;       // NFKD may grow it

struct ContentLimits {
    mime::Limits mime;
    std::size_t max_part_input = default_max_search_part_input;
    std::size_t max_body_text = default_max_search_body_text;
    std::size_t max_folded = default_max_search_folded;
};

// How much of the content an evaluation reads.
enum class ContentNeed {
    None,    // flags, sizes, dates, UIDs, sequence numbers: no content at all
    Header,  // the header block only (it may be all the session loads)
    Full,    // header and body
};

ContentNeed combine(ContentNeed a, ContentNeed b);

// The bytes of one message and what is derived from them, computed on first use. The session
// builds one when a program needs content: `raw` is MessageRecord::prefix followed by the blob
// (or only the header block, through its empty line, when the need is ContentNeed::Header).
// Not copyable or movable: the parse refers into raw().
class MessageContent {
public:
    explicit MessageContent(std::string raw, ContentLimits limits = {});
    MessageContent(const MessageContent&) = delete;
    MessageContent& operator=(const MessageContent&) = delete;

    std::string_view raw() const { return raw_; }
    const mime::Message& message();
    // The top-level header fields (RFC 5322 §2.2): those of message().root, but split without
    // the MIME parse of the whole message when nothing else needs it (header keys, SORT).
    const std::vector<mime::HeaderField>& header_fields();
    // The first of each field the envelope structure has (RFC 9051 §7.5.2), decoded.
    const mime::Envelope& envelope();
    // Every top-level field with this name (ASCII case-insensitive), in order: unfolded,
    // RFC 2047 words decoded (RFC 2047 §6.2), made UTF-8 and folded (casemap.hpp).
    const std::vector<std::string>& folded_fields(std::string_view name);
    // Whether a top-level field with this name (only the first such field when `first_only`)
    // holds the folded `needle` once unfolded, decoded and folded: contains_folded() over
    // folded_fields(name), without building them for plain ASCII values (see the .cpp).
    bool field_contains(std::string_view name, std::string_view needle, bool first_only);
    // The whole top-level header as "Name: decoded value" lines, folded (for TEXT).
    const std::string& folded_header();
    // The text of every text/* leaf part and of the headers of encapsulated messages, transfer
    // and charset decoded to UTF-8 (mime/body.hpp), folded (for BODY and TEXT).
    const std::string& folded_body();
    // The Date field, or nullopt when absent or unparsable (RFC 5322 §3.3).
    const std::optional<mime::DateTime>& sent_date();

private:
    std::string raw_;
    ContentLimits limits_;
    std::optional<mime::Message> message_;
    std::optional<mime::HeaderBlock> header_block_;  // header_fields() before message()
    std::optional<mime::Envelope> envelope_;
    std::map<std::string, std::vector<std::string>, std::less<>> fields_;
    std::optional<std::string> header_;
    std::optional<std::string> body_;
    bool date_read_ = false;
    std::optional<mime::DateTime> date_;
};

// One message as SEARCH/SORT/THREAD see it. Filled from store::MessageRecord without copying:
//   MessageView{.sequence = n, .uid = r.uid, .flags = r.flags, .internal_date = r.internal_date,
//               .size = r.size, .modseq = r.modseq}
// and `content` pointed at a MessageContent only when content_need() asks for it.
struct MessageView {
    std::uint32_t sequence = 0;           // message sequence number (RFC 9051 §2.3.1.2)
    std::uint32_t uid = 0;                // RFC 9051 §2.3.1.1
    std::span<const std::string> flags;   // system flags ("\\Seen") and keywords, as stored
    std::int64_t internal_date = 0;       // Unix seconds (RFC 9051 §2.3.3)
    std::uint64_t size = 0;               // RFC822.SIZE (RFC 9051 §2.3.4)
    std::uint64_t modseq = 0;             // RFC 7162 §3.1.1
    MessageContent* content = nullptr;    // not owned; nullptr while not loaded
};

// Whether the message has this flag or keyword (ASCII case-insensitive, RFC 9051 §2.3.2).
bool has_flag(const MessageView& message, std::string_view flag);

// Days since 1970-01-01 of a Unix time seen in a zone `zone_minutes` east of UTC.
std::int64_t day_number(std::int64_t unix_seconds, int zone_minutes);

}  // namespace harbor::imap
