// Helpers shared by the store's unit tests: a temporary data directory and a ready store with
// one domain and one account. Test-only; not part of harbor_store.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "store/store.hpp"

namespace harbor::store::testing {

// A fresh directory under $TMPDIR, removed with everything in it when the test ends.
class TempDir {
public:
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "harbor-store-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed";
        }
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline std::unique_ptr<Store> open_or_fail(const std::filesystem::path& dir)
{
    Result<std::unique_ptr<Store>> store = open_store(StoreOptions{dir});
    if (!store) {
        ADD_FAILURE() << "open_store: " << store.error().to_string();
        return nullptr;
    }
    return std::move(*store);
}

// Creates example.org and alice@example.org; returns alice.
inline Account make_alice(Store& store)
{
    Result<Domain> domain = store.create_domain("example.org");
    EXPECT_TRUE(domain) << domain.error().to_string();
    Account alice;
    alice.domain = domain->id;
    alice.local_part = "alice";
    Result<Account> created = store.create_account(alice);
    EXPECT_TRUE(created) << created.error().to_string();
    return *created;
}

inline AppendRequest append_request(AccountId account, std::string_view mailbox,
                                    std::string_view bytes)
{
    AppendRequest request;
    request.account = account;
    request.mailbox = std::string(mailbox);
    request.bytes = bytes;
    request.internal_date = 1700000000;
    return request;
}

}  // namespace harbor::store::testing
