// Spool files: buffered writes into a file of the store's, removal unless handed to the store,
// and memory maps for parsing. See spool.hpp.
#include "smtp/server/spool.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace harbor::smtp::server {
namespace {

constexpr std::size_t write_buffer = 64 * 1024;

Error io_error(std::string_view what, const std::filesystem::path& path, int err)
{
    return Error{Errc::Io, std::string(what) + " " + path.string() + ": " + std::strerror(err)};
}

}  // namespace

SpoolFile::SpoolFile(SpoolPlacement place) : place_(std::move(place)) {}

SpoolFile::SpoolFile(SpoolFile&& other) noexcept
    : place_(std::move(other.place_)),
      file_(std::exchange(other.file_, {})),
      buffer_(std::move(other.buffer_)),
      size_(other.size_),
      keep_(std::exchange(other.keep_, true))
{
}

SpoolFile& SpoolFile::operator=(SpoolFile&& other) noexcept
{
    if (this != &other) {
        discard();
        place_ = std::move(other.place_);
        file_ = std::exchange(other.file_, {});
        buffer_ = std::move(other.buffer_);
        size_ = other.size_;
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
    if (file_.fd >= 0) {
        ::close(file_.fd);
        file_.fd = -1;
    }
    if (!keep_ && !file_.path.empty()) {
        ::unlink(file_.path.c_str());
    }
}

Result<void> SpoolFile::spill()
{
    if (!place_) {
        return unexpected(Errc::Internal, "a spool file without a placement");
    }
    Result<store::PlacedFile> file = place_();
    HARBOR_TRY(file);
    file_ = std::move(*file);
    return flush();
}

Result<void> SpoolFile::write(std::string_view bytes)
{
    if (file_.fd < 0) {
        if (size_ + bytes.size() <= in_memory_max) {
            buffer_.append(bytes);
            size_ += bytes.size();
            return ok();
        }
        HARBOR_TRY(spill());
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
        const ssize_t n = ::write(file_.fd, buffer_.data() + done, buffer_.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return unexpected(io_error("write", file_.path, errno));
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
    if (file_.fd < 0) {
        spooled.memory = std::move(buffer_);
        buffer_.clear();
        return spooled;
    }
    HARBOR_TRY(flush());
    if (::close(std::exchange(file_.fd, -1)) != 0) {
        return unexpected(io_error("close", file_.path, errno));
    }
    spooled.file = store::SpooledBlob{file_.path, file_.name, size_};
    return spooled;
}

void SpoolFile::released()
{
    keep_ = true;
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

Result<Spooled> respool(SpoolFile& spool, std::initializer_list<std::string_view> pieces)
{
    SpoolFile rewritten(spool.placement());
    for (const std::string_view piece : pieces) {
        HARBOR_TRY(rewritten.write(piece));
    }
    Result<Spooled> finished = rewritten.finish();
    HARBOR_TRY(finished);
    spool = std::move(rewritten);
    return finished;
}

}  // namespace harbor::smtp::server
