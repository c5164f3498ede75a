#include "smtp/server/signing_keys.hpp"

#include "core/log.hpp"

namespace harbor::smtp::server {

SigningKeys::SigningKeys(store::Store& store, std::chrono::seconds ttl, std::size_t max_domains)
    : store_(store), ttl_(ttl), max_domains_(max_domains)
{
}

std::shared_ptr<const auth::dkim::SigningKey> SigningKeys::active(const std::string& domain)
{
    const Clock::time_point now = Clock::now();
    {
        std::lock_guard lock(mutex_);
        auto found = entries_.find(domain);
        if (found != entries_.end() && now - found->second.read_at < ttl_) {
            return found->second.key;
        }
    }
    // Read outside the lock: two threads may both read a domain once, never wait on each other.
    std::shared_ptr<const auth::dkim::SigningKey> key = read(domain);
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_domains_ && !entries_.contains(domain)) {
        entries_.clear();  // more domains than kept: start over rather than grow
    }
    entries_[domain] = Entry{key, now};
    return key;
}

std::shared_ptr<const auth::dkim::SigningKey> SigningKeys::read(const std::string& domain)
{
    Result<std::vector<store::DkimKeyRecord>> keys = store_.list_dkim_keys(domain);
    if (!keys) {
        log::warn("smtp.dkim.keys_unreadable",
                  {{"domain", domain}, {"error", keys.error().to_string()}});
        return nullptr;
    }
    for (const store::DkimKeyRecord& record : *keys) {
        if (!record.active) {
            continue;
        }
        Result<auth::dkim::PrivateKey> key = auth::dkim::load_private_key(record.private_pem);
        if (!key) {
            log::error("smtp.dkim.bad_key", {{"domain", domain},
                                             {"selector", record.selector},
                                             {"error", key.error().to_string()}});
            return nullptr;
        }
        const auto algorithm = record.algorithm == "ed25519-sha256"
                                   ? auth::dkim::Algorithm::Ed25519Sha256
                                   : auth::dkim::Algorithm::RsaSha256;
        return std::make_shared<const auth::dkim::SigningKey>(
            auth::dkim::SigningKey{record.domain, record.selector, std::move(*key), algorithm});
    }
    return nullptr;
}

}  // namespace harbor::smtp::server
