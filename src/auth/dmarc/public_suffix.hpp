// The Public Suffix List (https://publicsuffix.org/list/) and the Organizational Domain of
// RFC 7489 §3.2. Rules are held in canonical form (domain.hpp: lowercase A-labels), so every
// lookup takes a canonical_domain() result.
// The list is read once per process (shared_public_suffix_list) and never changes afterwards:
// a const PublicSuffixList is safe to share between threads.
// SECURITY: the file is local configuration, read with a size cap (max_list_bytes); lookups
// are a handful of hash probes per label of the asked-for domain.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/result.hpp"

namespace harbor::auth::dmarc {

// Debian's package "publicsuffix".
inline constexpr std::string_view default_public_suffix_path =
    "/usr/share/publicsuffix/public_suffix_list.dat";
constexpr std::size_t max_list_bytes = 16 * 1024 * 1024;  // the list is ~330 KB today

class PublicSuffixList {
public:
    // Parses the list's text: one rule per line, read up to the first whitespace, "//" lines
    // are comments, "*." marks a wildcard label, "!" an exception. Rules that cannot be put
    // in canonical form (or with a "*" elsewhere) are skipped and counted in skipped_rules().
    static PublicSuffixList parse(std::string_view text);
    // Reads and parses a file. Errc::NotFound (no file), Errc::Io, Errc::Limit (over
    // max_list_bytes), Errc::Invalid (no rule in it).
    static Result<PublicSuffixList> load(const std::filesystem::path& path);

    std::size_t rules() const { return exact_.size() + wildcard_.size() + exception_.size(); }
    std::size_t skipped_rules() const { return skipped_; }

    // The public suffix of a canonical domain, by the list's algorithm: the exception rule if
    // one matches (minus its leftmost label), else the matching rule with the most labels,
    // else the implicit rule "*" (the last label). A view into `domain`.
    std::string_view public_suffix(std::string_view domain) const;
    // The public suffix plus one label; nullopt when the domain is itself a public suffix.
    std::optional<std::string_view> registrable_domain(std::string_view domain) const;
    // RFC 7489 §3.2: the registrable domain. For a domain that is itself a public suffix
    // there is no "x+1"th label to add; the domain stands for itself (as OpenDMARC and mox
    // do), so "com" aligns with nothing but "com".
    std::string_view organisational_domain(std::string_view domain) const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const
        {
            return std::hash<std::string_view>{}(text);
        }
    };
    using Set = std::unordered_set<std::string, Hash, std::equal_to<>>;

    void add_rule(std::string_view rule);

    Set exact_;      // "co.uk"
    Set wildcard_;   // "*.ck" stored as "ck"
    Set exception_;  // "!www.ck" stored as "www.ck"
    std::size_t skipped_ = 0;
};

// The process's list: loaded from `path` by the first call that succeeds, then the same table
// for every caller (the path of later calls is not looked at). A failed load is not
// remembered, so a later call may try again. Thread-safe.
Result<std::shared_ptr<const PublicSuffixList>> shared_public_suffix_list(
    const std::filesystem::path& path = std::filesystem::path(default_public_suffix_path));

}  // namespace harbor::auth::dmarc
