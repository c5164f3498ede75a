// A message being received. Small ones stay in memory (a file per message was a fifth of the
// time of taking a 1 KiB message, for a body the store keeps inline anyway); once a message
// passes in_memory_max it goes to a file of its own under <data_dir>/spool, hashed on the way
// (SHA-256, the store's blob id), so a large message is never whole in memory and the store
// adopts the file as the blob without reading it (store::SpooledBlob). File writes are buffered
// and go to the page cache; the store fsyncs the file when it takes it.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <memory>
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

class SpoolFile {
public:
    // A new, empty message; its file (mode 0600, in `dir`, created if missing) is made only
    // when the message grows past in_memory_max.
    static Result<SpoolFile> create(const std::filesystem::path& dir);

    SpoolFile(SpoolFile&& other) noexcept;
    SpoolFile& operator=(SpoolFile&& other) noexcept;
    SpoolFile(const SpoolFile&) = delete;
    SpoolFile& operator=(const SpoolFile&) = delete;
    // Removes the file unless it was handed over (released()).
    ~SpoolFile();

    Result<void> write(std::string_view bytes);
    // The message as it ends: in memory, or the file (flushed, closed) and its hash. A file
    // stays until the store takes it; call released() once it has.
    Result<Spooled> finish();
    void released();
    const std::filesystem::path& path() const { return path_; }
    std::uint64_t size() const { return size_; }

private:
    struct Hash;
    explicit SpoolFile(std::filesystem::path dir);
    Result<void> spill();  // memory -> file
    Result<void> flush();
    void discard();

    std::filesystem::path dir_;
    std::filesystem::path path_;
    int fd_ = -1;
    std::string buffer_;
    std::uint64_t size_ = 0;
    std::unique_ptr<Hash> hash_;
    bool keep_ = false;
};

// Removes what a crash left in the spool directory (messages never acknowledged); at start.
Result<std::size_t> clear_spool(const std::filesystem::path& dir);

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

// Writes `pieces` in order as a new message in `dir` and makes it `spool` (the old file goes):
// for the few changes made after DATA (fields added at submission, forged ones removed).
Result<Spooled> respool(SpoolFile& spool, const std::filesystem::path& dir,
                        std::initializer_list<std::string_view> pieces);

}  // namespace harbor::smtp::server
