// TextIndex's pool of reader connections, for the files that make up text_index.cpp's class
// (text_search.cpp). Internal to store/text.
#pragma once

#include <memory>
#include <mutex>

#include "store/sqlite/statement.hpp"
#include "store/text/text_index.hpp"

namespace harbor::store::text {

constexpr std::size_t max_idle_readers = 8;  // the IMAP messages pool (4) and the indexer

class TextIndex::Reader {
public:
    Reader(TextIndex& index, std::unique_ptr<sqlite::Connection> db)
        : index_(&index), db_(std::move(db))
    {
    }
    Reader(Reader&& other) noexcept = default;
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    Reader& operator=(Reader&&) = delete;
    ~Reader()
    {
        if (db_ == nullptr) {
            return;
        }
        std::lock_guard lock(index_->readers_mutex_);
        if (index_->idle_readers_.size() < max_idle_readers) {
            index_->idle_readers_.push_back(std::move(db_));
        }
    }
    sqlite::Connection& operator*() { return *db_; }
    sqlite::Connection* operator->() { return db_.get(); }

private:
    TextIndex* index_;
    std::unique_ptr<sqlite::Connection> db_;
};

}  // namespace harbor::store::text
