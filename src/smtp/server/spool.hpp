// A message being received, written to a file of its own under <data_dir>/spool while it streams
// in and hashed on the way (SHA-256, the store's blob id), so that it is never whole in memory
// and the store can adopt the file as the blob without reading it (store::SpooledBlob).
// The writes are buffered and go to the page cache; the store fsyncs the file when it takes it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/store.hpp"

namespace harbor::smtp::server {

class SpoolFile {
public:
    // A new, empty file (mode 0600) in `dir`, which is created if missing.
    static Result<SpoolFile> create(const std::filesystem::path& dir);

    SpoolFile(SpoolFile&& other) noexcept;
    SpoolFile& operator=(SpoolFile&& other) noexcept;
    SpoolFile(const SpoolFile&) = delete;
    SpoolFile& operator=(const SpoolFile&) = delete;
    // Removes the file unless it was handed over (released()).
    ~SpoolFile();

    Result<void> write(std::string_view bytes);
    // Flushes and closes; the file and its hash, for the store. The file stays until the store
    // takes it; call released() once it has.
    Result<store::SpooledBlob> finish();
    void released();
    const std::filesystem::path& path() const { return path_; }
    std::uint64_t size() const { return size_; }

private:
    struct Hash;
    SpoolFile(std::filesystem::path path, int fd);
    Result<void> flush();
    void discard();

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

}  // namespace harbor::smtp::server
