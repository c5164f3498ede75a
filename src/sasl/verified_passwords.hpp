// Passwords argon2id verified lately, so that a client that logs in again and again (a phone
// that reconnects, Thunderbird's several IMAP connections, a script polling POP3) does not pay
// argon2's ~50 ms of CPU (password_hash.hpp) at every login.
// SECURITY: what is kept per account is an HMAC-SHA-256, under a key made at start and never
// written anywhere, of the stored PHC string and the password. A wrong password misses and pays
// argon2 as before, so a guess costs what it did; a changed password has a new PHC string and
// misses too. What it gives up: someone who can read this process's memory can test guesses at
// HMAC speed for the accounts kept here (while they could also read passwords as they arrive).
// Dovecot's auth_cache keeps a fast hash of verified passwords the same way. Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace harbor::sasl {

class VerifiedPasswords {
public:
    using Clock = std::chrono::steady_clock;

    // At most `capacity` accounts are kept, each for `ttl` after the argon2 check that put it
    // here (a hit does not extend it).
    VerifiedPasswords(std::chrono::seconds ttl, std::size_t capacity);
    // Overwrites the key and every tag before the memory goes back.
    ~VerifiedPasswords();
    VerifiedPasswords(const VerifiedPasswords&) = delete;
    VerifiedPasswords& operator=(const VerifiedPasswords&) = delete;

    // true if `password` is the one argon2 verified for `account` against `phc` within the ttl.
    bool recall(std::int64_t account, std::string_view phc, std::string_view password,
                Clock::time_point now);
    // After argon2 said `password` matches `phc`.
    void remember(std::int64_t account, std::string_view phc, std::string_view password,
                  Clock::time_point now);

    std::size_t size() const;

private:
    using Tag = std::array<unsigned char, 32>;
    struct Entry {
        Tag tag{};
        Clock::time_point expires;
    };

    std::optional<Tag> tag_of(std::string_view phc, std::string_view password) const;
    void make_room(Clock::time_point now);

    const std::chrono::seconds ttl_;
    const std::size_t capacity_;
    std::array<unsigned char, 32> key_{};
    mutable std::mutex mutex_;
    std::unordered_map<std::int64_t, Entry> entries_;
};

}  // namespace harbor::sasl
