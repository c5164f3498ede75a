// RFC 5256 §3 SORT criteria and RFC 5957 §3 DISPLAYFROM/DISPLAYTO; see sort.hpp.
#include "imap/search/sort.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "imap/search/base_subject.hpp"
#include "imap/search/casemap.hpp"
#include "mime/address_list.hpp"

namespace harbor::imap {
namespace {

constexpr std::size_t max_sort_key = 64 * 1024;  // folded octets kept of one string key

struct KeyValue {
    std::string text;
    std::int64_t number = 0;
};

const mime::AddressList* address_field(MessageContent& content, SortKey key)
{
    const mime::Envelope& envelope = content.envelope();
    switch (key) {
    case SortKey::Cc:
        return &envelope.cc;
    case SortKey::From:
    case SortKey::DisplayFrom:
        return &envelope.from;
    default:
        return &envelope.to;
    }
}

// [IMAP] addr-mailbox: the local part, without the quotes of a quoted-string.
std::string mailbox_of(const mime::Address& address)
{
    std::string local = address.local_part;
    if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
        local = local.substr(1, local.size() - 2);
    }
    return local;
}

std::string key_text(MessageContent& content, SortKey key)
{
    switch (key) {
    case SortKey::Subject: {
        // RFC 5256 §3 SUBJECT: the base subject (§2.1).
        const mime::HeaderField* field = mime::find_field(content.header_fields(), "Subject");
        return field == nullptr ? std::string() : extract_base_subject(field->value).text;
    }
    case SortKey::Cc:
    case SortKey::From:
    case SortKey::To: {
        // RFC 5256 §3: "[IMAP] addr-mailbox of the first "cc"/"from"/"to" address".
        const mime::AddressList* list = address_field(content, key);
        return list->addresses.empty() ? std::string() : mailbox_of(list->addresses.front());
    }
    case SortKey::DisplayFrom:
    case SortKey::DisplayTo: {
        // RFC 5957 §3: the display name of the first address if it has a non-empty one,
        // else its addr-mailbox "@" addr-host (mime::address_spec).
        const mime::AddressList* list = address_field(content, key);
        if (list->addresses.empty()) {
            return {};
        }
        const mime::Address& first = list->addresses.front();
        return first.display_name.empty() ? mime::address_spec(first) : first.display_name;
    }
    default:
        return {};
    }
}

KeyValue key_value(const MessageView& message, SortKey key)
{
    KeyValue value;
    switch (key) {
    case SortKey::Arrival:  // RFC 5256 §3: INTERNALDATE
        value.number = message.internal_date;
        return value;
    case SortKey::Date:
        value.number = sent_date(message);
        return value;
    case SortKey::Size:  // RFC822.SIZE; below 2^63 for any message Harbor stores
        value.number = static_cast<std::int64_t>(message.size);
        return value;
    default:
        if (message.content != nullptr) {
            value.text =
                fold_unicode_casemap(key_text(*message.content, key), max_sort_key).text;
        }
        return value;
    }
}

}  // namespace

ContentNeed sort_content_need(std::span<const SortCriterion> criteria)
{
    for (const SortCriterion& criterion : criteria) {
        if (criterion.key != SortKey::Arrival && criterion.key != SortKey::Size) {
            return ContentNeed::Header;
        }
    }
    return ContentNeed::None;
}

std::int64_t sent_date(const MessageView& message)
{
    if (message.content != nullptr) {
        const std::optional<mime::DateTime>& date = message.content->sent_date();
        if (date) {
            return date->unix_seconds;  // already UTC (RFC 5256 §2.2)
        }
    }
    return message.internal_date;
}

std::vector<std::size_t> sort_messages(std::span<const MessageView> messages,
                                       std::span<const SortCriterion> criteria)
{
    const std::size_t width = criteria.size();
    std::vector<KeyValue> keys(messages.size() * width);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        for (std::size_t c = 0; c < width; ++c) {
            keys[i * width + c] = key_value(messages[i], criteria[c].key);
        }
    }
    std::vector<std::size_t> order(messages.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        for (std::size_t c = 0; c < width; ++c) {
            const KeyValue& x = keys[a * width + c];
            const KeyValue& y = keys[b * width + c];
            int order_of = 0;
            if (x.number != y.number) {
                order_of = x.number < y.number ? -1 : 1;
            } else if (const int text = x.text.compare(y.text); text != 0) {
                order_of = text < 0 ? -1 : 1;
            }
            if (order_of != 0) {
                return criteria[c].reverse ? order_of > 0 : order_of < 0;
            }
        }
        return messages[a].sequence < messages[b].sequence;
    });
    return order;
}

}  // namespace harbor::imap
