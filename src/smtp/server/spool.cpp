// Spool files: buffered writes with a running SHA-256, removal unless handed to the store, the
// start-up sweep, and memory maps for parsing. See spool.hpp.
#include "smtp/server/spool.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/hex.hpp"
#include "core/ids.hpp"

namespace harbor::smtp::server {
namespace {

constexpr std::size_t write_buffer = 64 * 1024;

Error io_error(std::string_view what, const std::filesystem::path& path, int err)
{
    return Error{Errc::Io, std::string(what) + " " + path.string() + ": " + std::strerror(err)};
}

}  // namespace

struct SpoolFile::Hash {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ~Hash() { EVP_MD_CTX_free(context); }
};

Result<SpoolFile> SpoolFile::create(const std::filesystem::path& dir)
{
    return SpoolFile(dir);
}

SpoolFile::SpoolFile(std::filesystem::path dir) : dir_(std::move(dir)) {}

SpoolFile::SpoolFile(SpoolFile&& other) noexcept
    : dir_(std::move(other.dir_)),
      path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      size_(other.size_),
      hash_(std::move(other.hash_)),
      keep_(std::exchange(other.keep_, true))
{
    other.path_.clear();
}

SpoolFile& SpoolFile::operator=(SpoolFile&& other) noexcept
{
    if (this != &other) {
        discard();
        dir_ = std::move(other.dir_);
        path_ = std::move(other.path_);
        other.path_.clear();
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
        size_ = other.size_;
        hash_ = std::move(other.hash_);
        keep_ = std::exchange(other.keep_, true);
    }
    return *this;
}

SpoolFile::~SpoolFile()
{
    discard();
}

void SpoolFile::discard()
{
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!keep_ && !path_.empty()) {
        ::unlink(path_.c_str());
    }
}

Result<void> SpoolFile::spill()
{
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
        return unexpected(Errc::Io, "create " + dir_.string() + ": " + ec.message());
    }
    std::filesystem::path path = dir_ / ("msg-" + new_id());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return unexpected(io_error("create", path, errno));
    }
    path_ = std::move(path);
    fd_ = fd;
    hash_ = std::make_unique<Hash>();
    if (hash_->context == nullptr ||
        EVP_DigestInit_ex(hash_->context, EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(hash_->context, buffer_.data(), buffer_.size()) != 1) {
        return unexpected(Errc::Internal, "EVP sha256 failed");
    }
    return flush();
}

Result<void> SpoolFile::write(std::string_view bytes)
{
    if (fd_ < 0) {
        if (size_ + bytes.size() <= in_memory_max) {
            buffer_.append(bytes);
            size_ += bytes.size();
            return ok();
        }
        HARBOR_TRY(spill());
    }
    if (EVP_DigestUpdate(hash_->context, bytes.data(), bytes.size()) != 1) {
        return unexpected(Errc::Internal, "EVP_DigestUpdate failed");
    }
    size_ += bytes.size();
    if (buffer_.size() + bytes.size() > write_buffer) {
        HARBOR_TRY(flush());
    }
    if (bytes.size() >= write_buffer) {
        buffer_.assign(bytes);
        return flush();
    }
    buffer_.append(bytes);
    return ok();
}

Result<void> SpoolFile::flush()
{
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return unexpected(io_error("write", path_, errno));
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return ok();
}

Result<Spooled> SpoolFile::finish()
{
    Spooled spooled;
    spooled.size = size_;
    if (fd_ < 0) {
        spooled.memory = std::move(buffer_);
        buffer_.clear();
        return spooled;
    }
    HARBOR_TRY(flush());
    if (::close(std::exchange(fd_, -1)) != 0) {
        return unexpected(io_error("close", path_, errno));
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(hash_->context, digest, &length) != 1) {
        return unexpected(Errc::Internal, "EVP_DigestFinal_ex failed");
    }
    spooled.file = store::SpooledBlob{
        path_, lower_hex(std::string_view(reinterpret_cast<const char*>(digest), length)), size_};
    return spooled;
}

void SpoolFile::released()
{
    keep_ = true;
}

Result<std::size_t> clear_spool(const std::filesystem::path& dir)
{
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        return std::size_t{0};
    }
    std::size_t removed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && std::filesystem::remove(entry.path(), ec)) {
            ++removed;
        }
    }
    if (ec) {
        return unexpected(Errc::Io, "clear " + dir.string() + ": " + ec.message());
    }
    return removed;
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& file)
{
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return unexpected(io_error("open", file, errno));
    }
    const off_t size = ::lseek(fd, 0, SEEK_END);
    if (size <= 0) {
        ::close(fd);
        return MappedFile(nullptr, 0);
    }
    void* data = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd);
    if (data == MAP_FAILED) {
        return unexpected(io_error("mmap", file, err));
    }
    return MappedFile(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0))
{
}

MappedFile::~MappedFile()
{
    if (data_ != nullptr) {
        ::munmap(const_cast<char*>(data_), size_);
    }
}

Result<SpooledBytes> SpooledBytes::open(const Spooled& spooled)
{
    SpooledBytes view;
    view.memory_ = spooled.memory;
    if (spooled.file) {
        Result<MappedFile> mapped = MappedFile::open(spooled.file->file);
        HARBOR_TRY(mapped);
        view.mapped_.emplace(std::move(*mapped));
    }
    return view;
}

Result<Spooled> respool(SpoolFile& spool, const std::filesystem::path& dir,
                        std::initializer_list<std::string_view> pieces)
{
    Result<SpoolFile> rewritten = SpoolFile::create(dir);
    HARBOR_TRY(rewritten);
    for (const std::string_view piece : pieces) {
        HARBOR_TRY(rewritten->write(piece));
    }
    Result<Spooled> finished = rewritten->finish();
    HARBOR_TRY(finished);
    spool = std::move(*rewritten);
    return finished;
}

}  // namespace harbor::smtp::server
