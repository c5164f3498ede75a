// Header field selection (RFC 6376 §5.4.2, §6.1.3 step 1) and the header hash input (§3.7).
// SECURITY: h= is capped by SignatureLimits::max_signed_headers and the header block by
// mime::Limits, so selection is at most names x fields comparisons.
#include "auth/dkim/header_hash.hpp"

#include "auth/dkim/canonicalize.hpp"
#include "core/ascii.hpp"

namespace harbor::auth::dkim {

std::vector<const mime::HeaderField*> select_headers(const std::vector<mime::HeaderField>& fields,
                                                     const std::vector<std::string>& names)
{
    std::vector<const mime::HeaderField*> selected;
    selected.reserve(names.size());
    // For each distinct name, how many of its instances (from the bottom) are already taken.
    std::vector<std::pair<std::string_view, std::size_t>> taken;
    for (const std::string& name : names) {
        std::size_t* count = nullptr;
        for (auto& [seen, used] : taken) {
            if (iequals(seen, name)) {
                count = &used;
                break;
            }
        }
        if (count == nullptr) {
            taken.emplace_back(name, 0);
            count = &taken.back().second;
        }
        const mime::HeaderField* found = nullptr;
        std::size_t skip = *count;
        for (auto field = fields.rbegin(); field != fields.rend(); ++field) {
            if (!iequals(field->name, name)) {
                continue;
            }
            if (skip == 0) {
                found = &*field;
                break;
            }
            --skip;
        }
        if (found != nullptr) {
            ++*count;
        }
        selected.push_back(found);
    }
    return selected;
}

std::string header_hash_input(std::string_view message,
                              const std::vector<const mime::HeaderField*>& selected, Canon canon,
                              std::string_view signature_field)
{
    std::string out;
    for (const mime::HeaderField* field : selected) {
        if (field != nullptr) {
            canonicalize_header(canon, raw_field(message, *field), FieldEnd::Crlf, out);
        }
    }
    canonicalize_header(canon, signature_field, FieldEnd::None, out);
    return out;
}

}  // namespace harbor::auth::dkim
