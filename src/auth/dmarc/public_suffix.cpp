// Public Suffix List: loading and the matching algorithm (publicsuffix.org/list, "Formal
// Algorithm"); the Organizational Domain of RFC 7489 §3.2.
// SECURITY: the file is capped at max_list_bytes; a lookup probes three hash sets once per
// label of a canonical domain (itself capped by canonical_domain).
#include "auth/dmarc/public_suffix.hpp"

#include <fstream>
#include <mutex>
#include <system_error>

#include "auth/dmarc/domain.hpp"

namespace harbor::auth::dmarc {

namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

void PublicSuffixList::add_rule(std::string_view rule)
{
    Set* set = &exact_;
    if (rule.front() == '!') {
        set = &exception_;
        rule.remove_prefix(1);
    } else if (rule.starts_with("*.")) {
        set = &wildcard_;
        rule.remove_prefix(2);
    }
    if (!rule.empty() && rule.front() == '.') {
        rule.remove_prefix(1);  // "A leading dot is optional" (list format)
    }
    // Wildcards stand for a whole, leftmost label only; the list has no others.
    if (rule.find('*') != std::string_view::npos) {
        ++skipped_;
        return;
    }
    Result<std::string> canonical = canonical_domain(rule);
    if (!canonical) {
        ++skipped_;
        return;
    }
    set->insert(std::move(*canonical));
}

PublicSuffixList PublicSuffixList::parse(std::string_view text)
{
    PublicSuffixList list;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        while (!line.empty() && is_space(line.front())) {
            line.remove_prefix(1);
        }
        std::size_t end = 0;
        while (end < line.size() && !is_space(line[end])) {
            ++end;
        }
        const std::string_view rule = line.substr(0, end);  // up to the first whitespace
        if (rule.empty() || rule.starts_with("//")) {
            continue;
        }
        list.add_rule(rule);
    }
    return list;
}

Result<PublicSuffixList> PublicSuffixList::load(const std::filesystem::path& path)
{
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) {
        const Errc code = ec == std::errc::no_such_file_or_directory ? Errc::NotFound : Errc::Io;
        return unexpected(code, path.string() + ": " + ec.message());
    }
    if (size > max_list_bytes) {
        return unexpected(Errc::Limit, path.string() + ": larger than " +
                                           std::to_string(max_list_bytes) + " bytes");
    }
    std::ifstream in(path, std::ios::binary);
    std::string text(static_cast<std::size_t>(size), '\0');
    if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
        return unexpected(Errc::Io, path.string() + ": read failed");
    }
    PublicSuffixList list = parse(text);
    if (list.rules() == 0) {
        return unexpected(Errc::Invalid, path.string() + ": no public suffix rules");
    }
    return list;
}

std::string_view PublicSuffixList::public_suffix(std::string_view domain) const
{
    // Walk the suffixes from the whole domain down to its last label. An exception rule
    // prevails over every other match; otherwise the match with the most labels does.
    std::string_view longest_match;
    std::string_view exception;
    std::size_t start = 0;
    while (start < domain.size()) {
        const std::string_view suffix = domain.substr(start);
        const std::size_t dot = suffix.find('.');
        if (exception.empty() && exception_.find(suffix) != exception_.end()) {
            // "If the prevailing rule is an exception rule, modify it by removing the
            // leftmost label."
            exception = dot == std::string_view::npos ? std::string_view{} : suffix.substr(dot + 1);
            if (exception.empty()) {
                exception = suffix;  // a one-label exception has nothing to remove
            }
        }
        if (longest_match.empty()) {
            const bool exact = exact_.find(suffix) != exact_.end();
            const bool wild = dot != std::string_view::npos &&
                              wildcard_.find(suffix.substr(dot + 1)) != wildcard_.end();
            if (exact || wild) {
                longest_match = suffix;  // the first hit on this walk has the most labels
            }
        }
        if (dot == std::string_view::npos) {
            break;
        }
        start += dot + 1;
    }
    if (!exception.empty()) {
        return exception;
    }
    if (!longest_match.empty()) {
        return longest_match;
    }
    const std::size_t last_dot = domain.rfind('.');  // the implicit rule "*"
    return last_dot == std::string_view::npos ? domain : domain.substr(last_dot + 1);
}

std::optional<std::string_view> PublicSuffixList::registrable_domain(std::string_view domain) const
{
    const std::string_view suffix = public_suffix(domain);
    if (suffix.size() >= domain.size()) {
        return std::nullopt;
    }
    // The suffix is a view at the end of `domain`, preceded by a dot.
    const std::string_view head = domain.substr(0, domain.size() - suffix.size() - 1);
    const std::size_t dot = head.rfind('.');
    return domain.substr(dot == std::string_view::npos ? 0 : dot + 1);
}

std::string_view PublicSuffixList::organisational_domain(std::string_view domain) const
{
    return registrable_domain(domain).value_or(domain);
}

Result<std::shared_ptr<const PublicSuffixList>> shared_public_suffix_list(
    const std::filesystem::path& path)
{
    static std::mutex mutex;
    static std::shared_ptr<const PublicSuffixList> loaded;
    const std::lock_guard lock(mutex);
    if (loaded) {
        return loaded;
    }
    Result<PublicSuffixList> list = PublicSuffixList::load(path);
    if (!list) {
        return unexpected(std::move(list).error());
    }
    loaded = std::make_shared<const PublicSuffixList>(std::move(*list));
    return loaded;
}

}  // namespace harbor::auth::dmarc
