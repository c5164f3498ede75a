// A message being received. Small ones stay in memory (a file per message was a fifth of the
// time of taking a 1 KiB message, for a body the store keeps inline anyway); once a message
// passes in_memory_max it goes to a file the store hands out where the body will stay (a placed
// blob, store/blob_store.hpp), so a large message is never whole in memory and delivering it
// moves no bytes. File writes are buffered and go to the page cache; the store makes the file
// durable when it takes it, and sweeps at its next open the files a crash left behind.
#pragma once

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/store.hpp"

namespace harbor::smtp::server {

// Up to this size a message stays in memory: the size the store keeps inline (sqlite_store.hpp).
inline constexpr std::size_t in_memory_max = 64 * 1024;

// A finished message: in memory, or in a file for the store to take.
struct Spooled {
    std::string memory;                      // the bytes, unless `file` is set
    std::optional<store::SpooledBlob> file;  // a large message
    std::uint64_t size = 0;
};

// Makes the file for a message that outgrows memory: Store::create_blob_file.
using SpoolPlacement = std::function<Result<store::PlacedFile>()>;

class SpoolFile {
public:
    // A new, empty message; its file is asked of `place` only when the message grows past
    // in_memory_max.
    explicit SpoolFile(SpoolPlacement place);

    SpoolFile(SpoolFile&& other) noexcept;
    SpoolFile& operator=(SpoolFile&& other) noexcept;
    SpoolFile(const SpoolFile&) = delete;
    SpoolFile& operator=(const SpoolFile&) = delete;
    // Removes the file unless it was handed over (released()).
    ~SpoolFile();

    Result<void> write(std::string_view bytes);
    // The message as it ends: in memory, or the file (flushed, closed). A file stays until
    // the store takes it; call released() once it has.
    Result<Spooled> finish();
    void released();
    const std::filesystem::path& path() const { return file_.path; }
    std::uint64_t size() const { return size_; }
    const SpoolPlacement& placement() const { return place_; }

private:
    Result<void> spill();  // memory -> file
    Result<void> flush();
    void discard();

    SpoolPlacement place_;
    store::PlacedFile file_;  // fd -1 and no path until spill()
    std::string buffer_;
    std::uint64_t size_ = 0;
    bool keep_ = false;
};

// A read-only memory map of a finished spool file: the message parsed in place.
class MappedFile {
public:
    static Result<MappedFile> open(const std::filesystem::path& file);
    MappedFile(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    MappedFile& operator=(MappedFile&&) = delete;
    ~MappedFile();
    std::string_view bytes() const { return {data_, size_}; }

private:
    MappedFile(const char* data, std::size_t size) : data_(data), size_(size) {}
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};

// The bytes of a finished message wherever they are: in memory, or mapped from its file.
class SpooledBytes {
public:
    static Result<SpooledBytes> open(const Spooled& spooled);
    std::string_view bytes() const { return mapped_ ? mapped_->bytes() : memory_; }

private:
    std::string_view memory_;
    std::optional<MappedFile> mapped_;
};

// Writes `pieces` in order as a new message, placed as `spool` was, and makes it `spool` (the old
// file goes): for the few changes made after DATA (fields added at submission, forged ones
// removed).
Result<Spooled> respool(SpoolFile& spool, std::initializer_list<std::string_view> pieces);

}  // namespace harbor::smtp::server
