// A mailbox's message records in chunks that copies of the list share until they change: a
// copy costs a pointer a chunk, and a change copies only the chunk it touches. The sessions
// that select one mailbox share one list this way, and a first STORE in a 100,000-message
// INBOX copies one chunk, not the mailbox (Dovecot's mmapped index has the same effect).
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "store/types.hpp"

namespace harbor::store {

class MessageList {
public:
    // Records a chunk holds as the list is built or grows; erase_if may leave chunks smaller.
    static constexpr std::size_t chunk_records = 512;

    class const_iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = MessageRecord;
        using difference_type = std::ptrdiff_t;
        using pointer = const MessageRecord*;
        using reference = const MessageRecord&;

        const_iterator() = default;
        const_iterator(const MessageList* list, std::size_t index) : list_(list), index_(index) {}

        reference operator*() const { return (*list_)[index_]; }
        pointer operator->() const { return &(*list_)[index_]; }
        reference operator[](difference_type n) const { return *(*this + n); }
        const_iterator& operator++() { return *this += 1; }
        const_iterator operator++(int) { return std::exchange(*this, *this + 1); }
        const_iterator& operator--() { return *this -= 1; }
        const_iterator operator--(int) { return std::exchange(*this, *this - 1); }
        const_iterator& operator+=(difference_type n)
        {
            index_ = static_cast<std::size_t>(static_cast<difference_type>(index_) + n);
            return *this;
        }
        const_iterator& operator-=(difference_type n) { return *this += -n; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b)
        {
            return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b)
        {
            return a.index_ == b.index_;
        }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b)
        {
            return a.index_ <=> b.index_;
        }

    private:
        const MessageList* list_ = nullptr;
        std::size_t index_ = 0;
    };

    MessageList() = default;
    explicit MessageList(std::vector<MessageRecord> records);

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const MessageRecord& operator[](std::size_t i) const
    {
        const Place place = locate(i);
        return (*chunks_[place.chunk])[place.offset];
    }
    const MessageRecord& back() const { return chunks_.back()->back(); }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size_}; }

    // The record at i, to change: its chunk is copied first unless this list alone holds it.
    MessageRecord& modify(std::size_t i);
    void push_back(MessageRecord record);
    // Removes the records `gone` selects in one pass; chunks without any stay shared.
    template <class Predicate>
    void erase_if(Predicate gone);

private:
    using Chunk = std::vector<MessageRecord>;
    struct Place {
        std::size_t chunk;
        std::size_t offset;
    };

    Place locate(std::size_t i) const
    {
        if (uniform_) {
            return {i / chunk_records, i % chunk_records};
        }
        return locate_in_uneven(i);
    }
    Place locate_in_uneven(std::size_t i) const;
    Chunk& own(std::size_t chunk);
    // starts_, size_ and uniform_ again, after chunks_ changed shape.
    void reindex();

    std::vector<std::shared_ptr<Chunk>> chunks_;  // none empty
    std::vector<std::size_t> starts_;             // the index of each chunk's first record
    std::size_t size_ = 0;
    bool uniform_ = true;  // every chunk but the last holds chunk_records
};

template <class Predicate>
void MessageList::erase_if(Predicate gone)
{
    std::vector<std::shared_ptr<Chunk>> kept;
    kept.reserve(chunks_.size());
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
        const Chunk& chunk = *chunks_[c];
        auto first = std::find_if(chunk.begin(), chunk.end(), gone);
        if (first == chunk.end()) {
            kept.push_back(std::move(chunks_[c]));
            continue;
        }
        auto rest = std::make_shared<Chunk>();
        rest->reserve(chunk.size());
        for (const MessageRecord& record : chunk) {
            if (!gone(record)) {
                rest->push_back(record);
            }
        }
        if (!rest->empty()) {
            kept.push_back(std::move(rest));
        }
    }
    chunks_ = std::move(kept);
    reindex();
}

}  // namespace harbor::store
