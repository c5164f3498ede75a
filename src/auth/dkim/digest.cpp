// SHA-256 and the streaming body hash (RFC 6376 §3.7 step 1, l= from §3.5).
#include "auth/dkim/digest.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "core/assert.hpp"

namespace harbor::auth::dkim {

void Sha256::Free::operator()(evp_md_ctx_st* context) const
{
    EVP_MD_CTX_free(context);
}

Sha256::Sha256() : context_(EVP_MD_CTX_new())
{
    // Allocation or a missing SHA-256 is an environment failure, not something input causes.
    HARBOR_CHECK(context_ != nullptr);
    HARBOR_CHECK(EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) == 1);
}

void Sha256::update(std::string_view bytes)
{
    if (!bytes.empty()) {
        HARBOR_CHECK(EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) == 1);
    }
}

std::string Sha256::finish()
{
    std::string digest(sha256_size, '\0');
    unsigned int size = 0;
    HARBOR_CHECK(EVP_DigestFinal_ex(context_.get(), reinterpret_cast<unsigned char*>(digest.data()),
                                    &size) == 1);
    HARBOR_CHECK(size == sha256_size);
    return digest;
}

std::string sha256(std::string_view bytes)
{
    Sha256 hash;
    hash.update(bytes);
    return hash.finish();
}

BodyHasher::BodyHasher(Canon canon, std::optional<std::uint64_t> limit)
    : limit_(limit), canonicalizer_(canon, *this)
{
}

void BodyHasher::write(std::string_view bytes)
{
    // l= counts canonical octets from the start of the body (§3.5); the rest is only counted,
    // so the caller can tell a body longer than l= (an unsigned tail).
    if (!limit_ || length_ < *limit_) {
        const std::uint64_t room = limit_ ? *limit_ - length_ : bytes.size();
        hash_.update(
            bytes.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(room, bytes.size()))));
    }
    length_ += bytes.size();
}

BodyHash BodyHasher::finish()
{
    canonicalizer_.finish();
    return BodyHash{hash_.finish(), length_};
}

BodyHash hash_body(Canon canon, std::optional<std::uint64_t> limit, std::string_view body)
{
    BodyHasher hasher(canon, limit);
    hasher.update(body);
    return hasher.finish();
}

}  // namespace harbor::auth::dkim
