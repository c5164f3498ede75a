// See message_list.hpp.
#include "store/message_list.hpp"

#include <algorithm>
#include <atomic>

namespace harbor::store {

MessageList::MessageList(std::vector<MessageRecord> records)
{
    for (std::size_t first = 0; first < records.size(); first += chunk_records) {
        const std::size_t last = std::min(records.size(), first + chunk_records);
        auto chunk = std::make_shared<Chunk>();
        chunk->reserve(last - first);
        std::move(records.begin() + static_cast<std::ptrdiff_t>(first),
                  records.begin() + static_cast<std::ptrdiff_t>(last), std::back_inserter(*chunk));
        chunks_.push_back(std::move(chunk));
    }
    reindex();
}

MessageRecord& MessageList::modify(std::size_t i)
{
    const Place place = locate(i);
    return own(place.chunk)[place.offset];
}

void MessageList::push_back(MessageRecord record)
{
    if (chunks_.empty() || chunks_.back()->size() == chunk_records) {
        starts_.push_back(size_);
        chunks_.push_back(std::make_shared<Chunk>());
    }
    own(chunks_.size() - 1).push_back(std::move(record));
    ++size_;
}

MessageList::Place MessageList::locate_in_uneven(std::size_t i) const
{
    const auto after = std::upper_bound(starts_.begin(), starts_.end(), i);
    const auto chunk = static_cast<std::size_t>(after - starts_.begin()) - 1;
    return {chunk, i - starts_[chunk]};
}

MessageList::Chunk& MessageList::own(std::size_t chunk)
{
    std::shared_ptr<Chunk>& held = chunks_[chunk];
    if (held.use_count() != 1) {
        held = std::make_shared<Chunk>(*held);
    } else {
        // The count was read relaxed: this orders the reads of whichever list released the
        // chunk last before the writes that follow (a release sequence ends in that drop).
        std::atomic_thread_fence(std::memory_order_acquire);
    }
    return *held;
}

void MessageList::reindex()
{
    starts_.clear();
    starts_.reserve(chunks_.size());
    size_ = 0;
    uniform_ = true;
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
        starts_.push_back(size_);
        size_ += chunks_[c]->size();
        if (c + 1 < chunks_.size() && chunks_[c]->size() != chunk_records) {
            uniform_ = false;
        }
    }
}

}  // namespace harbor::store
