// open_store() picks the backend named in StoreOptions; Store::append() and Store::deliver() are
// the blocking forms of the async calls for callers that own their thread (CLI, tests,
// benchmarks).
#include "store/store.hpp"

#include <future>
#include <memory>

#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store {

Result<MessageRecord> Store::append(AppendRequest request)
{
    // Shared: the writer may still be inside set_value() when this thread wakes up.
    auto promise = std::make_shared<std::promise<Result<MessageRecord>>>();
    std::future<Result<MessageRecord>> future = promise->get_future();
    append_async(std::move(request), [promise](Result<MessageRecord> result) {
        promise->set_value(std::move(result));
    });
    return future.get();
}

Result<DeliverResult> Store::deliver(DeliverRequest request)
{
    auto promise = std::make_shared<std::promise<Result<DeliverResult>>>();
    std::future<Result<DeliverResult>> future = promise->get_future();
    deliver_async(std::move(request), [promise](Result<DeliverResult> result) {
        promise->set_value(std::move(result));
    });
    return future.get();
}

Result<std::string> Store::read_message(const MessageRecord& record)
{
    Result<std::string> blob = read_blob(record.blob);
    HARBOR_TRY(blob);
    if (record.prefix.empty()) {
        return blob;
    }
    return record.prefix + *blob;
}

Result<std::unique_ptr<Store>> open_store(const StoreOptions& options)
{
    if (options.backend != "sqlite") {
        return unexpected(Errc::Unsupported, "store backend " + options.backend);
    }
    // Library exceptions (std::filesystem, allocation) stop here (STYLE.md §10.4).
    try {
        Result<std::unique_ptr<sqlite::SqliteStore>> store = sqlite::SqliteStore::open(options);
        HARBOR_TRY(store);
        return std::unique_ptr<Store>(std::move(*store));
    } catch (const std::exception& e) {
        return unexpected(Errc::Internal, std::string("opening the store: ") + e.what());
    }
}

}  // namespace harbor::store
