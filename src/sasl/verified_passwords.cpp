#include "sasl/verified_passwords.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace harbor::sasl {

VerifiedPasswords::VerifiedPasswords(std::chrono::seconds ttl, std::size_t capacity)
    : ttl_(ttl), capacity_(capacity)
{
    if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1) {
        // Without a secret key the tags would be plain hashes: refuse rather than weaken.
        throw std::runtime_error("VerifiedPasswords: no random bytes for the key");
    }
}

VerifiedPasswords::~VerifiedPasswords()
{
    OPENSSL_cleanse(key_.data(), key_.size());
    for (auto& [account, entry] : entries_) {
        OPENSSL_cleanse(entry.tag.data(), entry.tag.size());
    }
}

std::optional<VerifiedPasswords::Tag> VerifiedPasswords::tag_of(std::string_view phc,
                                                                std::string_view password) const
{
    // The PHC string has no NUL, so phc NUL password is unambiguous.
    std::string input;
    input.reserve(phc.size() + 1 + password.size());
    input.append(phc).push_back('\0');
    input.append(password);
    Tag tag{};
    unsigned int length = 0;
    const unsigned char* done = HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
                                     reinterpret_cast<const unsigned char*>(input.data()),
                                     input.size(), tag.data(), &length);
    OPENSSL_cleanse(input.data(), input.size());
    if (done == nullptr || length != tag.size()) {
        return std::nullopt;  // a miss, and nothing remembered
    }
    return tag;
}

bool VerifiedPasswords::recall(std::int64_t account, std::string_view phc,
                               std::string_view password, Clock::time_point now)
{
    std::optional<Tag> tag = tag_of(phc, password);
    if (!tag) {
        return false;
    }
    bool same = false;
    {
        std::lock_guard lock(mutex_);
        auto found = entries_.find(account);
        if (found != entries_.end() && found->second.expires <= now) {
            OPENSSL_cleanse(found->second.tag.data(), found->second.tag.size());
            entries_.erase(found);
        } else if (found != entries_.end()) {
            same = CRYPTO_memcmp(found->second.tag.data(), tag->data(), tag->size()) == 0;
        }
    }
    OPENSSL_cleanse(tag->data(), tag->size());
    return same;
}

void VerifiedPasswords::remember(std::int64_t account, std::string_view phc,
                                 std::string_view password, Clock::time_point now)
{
    if (ttl_.count() <= 0 || capacity_ == 0) {
        return;
    }
    std::optional<Tag> tag = tag_of(phc, password);
    if (!tag) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (!entries_.contains(account)) {
            make_room(now);
        }
        entries_[account] = Entry{*tag, now + ttl_};
    }
    OPENSSL_cleanse(tag->data(), tag->size());
}

void VerifiedPasswords::make_room(Clock::time_point now)
{
    if (entries_.size() < capacity_) {
        return;
    }
    for (auto entry = entries_.begin(); entry != entries_.end();) {
        if (entry->second.expires > now) {
            ++entry;
            continue;
        }
        OPENSSL_cleanse(entry->second.tag.data(), entry->second.tag.size());
        entry = entries_.erase(entry);
    }
    if (entries_.size() >= capacity_) {
        // Full of live entries: drop one; its owner pays argon2 once more at worst.
        OPENSSL_cleanse(entries_.begin()->second.tag.data(), entries_.begin()->second.tag.size());
        entries_.erase(entries_.begin());
    }
}

std::size_t VerifiedPasswords::size() const
{
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace harbor::sasl
