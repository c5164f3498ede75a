// Blob files: hashing, the durable write sequences, reads and the sweep. The write order (temp
// file, fsync, rename, fsync directory; for a placed file: create, write, fdatasync, fsync
// directory) is what lets the database commit a reference to a blob knowing the bytes survive a
// power loss. Deletion is decided by the caller, under the database's write lock (see
// SqliteStore::delete_released_blobs).
#include "store/blob_store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/hex.hpp"

namespace harbor::store {
namespace fs = std::filesystem;

namespace {

Error io_error(std::string_view what, const fs::path& path, int err)
{
    return Error{Errc::Io, std::string(what) + " " + path.string() + ": " + std::strerror(err)};
}

// Closes a file descriptor on every path out of a function.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }
    int release()
    {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

Result<void> fsync_path(const fs::path& path, int flags)
{
    Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (fd.get() < 0) {
        return unexpected(io_error("open", path, errno));
    }
    if (::fsync(fd.get()) != 0) {
        return unexpected(io_error("fsync", path, errno));
    }
    return ok();
}

// mkdir that makes a newly created directory's entry durable in its parent.
Result<void> make_durable_dir(const fs::path& dir)
{
    if (::mkdir(dir.c_str(), 0750) == 0) {
        return fsync_path(dir.parent_path(), O_RDONLY | O_DIRECTORY);
    }
    if (errno == EEXIST) {
        return ok();
    }
    return unexpected(io_error("mkdir", dir, errno));
}

std::string temp_name(std::string_view sha256)
{
    static std::atomic<std::uint64_t> counter{0};
    // A leading dot: never a valid blob name, so the sweep recognises leftovers.
    return "." + std::string(sha256) + "." + std::to_string(::getpid()) + "." +
           std::to_string(counter.fetch_add(1));
}

}  // namespace

Result<std::string> sha256_hex(std::string_view bytes)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        return unexpected(Errc::Internal, "EVP_Digest(sha256) failed");
    }
    return lower_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

namespace {

bool is_lower_hex(std::string_view text)
{
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool is_file_blob_name(std::string_view name)
{
    return name.size() == 64 && is_lower_hex(name);
}

bool is_serial_blob_name(std::string_view name)
{
    return name.size() == 17 && name[0] == 's' && is_lower_hex(name.substr(1));
}

bool is_placed_blob_name(std::string_view name)
{
    return name.size() == 17 && name[0] == 'p' && is_lower_hex(name.substr(1));
}

bool is_blob_name(std::string_view name)
{
    return is_file_blob_name(name) || is_serial_blob_name(name) || is_placed_blob_name(name);
}

namespace {

// The kinds of name that have a file.
bool has_file(std::string_view name)
{
    return is_file_blob_name(name) || is_placed_blob_name(name);
}

std::uint64_t placed_serial(std::string_view name)
{
    return std::stoull(std::string(name.substr(1)), nullptr, 16);
}

// A letter and the serial as 16 lower-case hex digits.
std::string numbered_name(char kind, std::uint64_t serial)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string name(17, '0');
    name[0] = kind;
    for (std::size_t i = 16; i > 0; --i, serial >>= 4) {
        name[i] = digits[serial & 0xf];
    }
    return name;
}

}  // namespace

std::string serial_blob_name(std::uint64_t serial)
{
    return numbered_name('s', serial);
}

BlobStore::BlobStore(fs::path root)
    : root_(std::move(root)), fan_out_ready_(std::make_unique<std::atomic<bool>[]>(65536))
{
}

Result<void> BlobStore::ensure_fan_out(std::string_view sha256)
{
    const std::size_t index = std::stoul(std::string(sha256.substr(0, 4)), nullptr, 16);
    if (fan_out_ready_[index].load(std::memory_order_acquire)) {
        return ok();
    }
    const fs::path dir = path_for(sha256).parent_path();
    HARBOR_TRY(make_durable_dir(dir.parent_path()));
    HARBOR_TRY(make_durable_dir(dir));
    fan_out_ready_[index].store(true, std::memory_order_release);
    return ok();
}

Result<void> BlobStore::create_root()
{
    std::error_code ec;
    fs::create_directories(root_, ec);
    if (ec) {
        return unexpected(Errc::Io, "create " + root_.string() + ": " + ec.message());
    }
    return fsync_path(root_.parent_path(), O_RDONLY | O_DIRECTORY);
}

fs::path BlobStore::path_for(std::string_view sha256) const
{
    if (is_placed_blob_name(sha256)) {
        // "p" and the serial's first 13 hex digits: 4,096 consecutive names to a directory.
        return root_ / std::string(sha256.substr(0, 14)) / std::string(sha256);
    }
    return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256.substr(2, 2)) /
           std::string(sha256);
}

Result<void> BlobStore::write(std::string_view sha256, std::string_view bytes)
{
    if (!is_file_blob_name(sha256)) {
        return unexpected(Errc::Invalid, "bad blob name");
    }
    fs::path final_path = path_for(sha256);
    fs::path dir = final_path.parent_path();
    HARBOR_TRY(ensure_fan_out(sha256));

    struct stat st {};
    if (::stat(final_path.c_str(), &st) == 0) {
        // Written before (single-instance storage). Another thread may have renamed it a moment
        // ago without its directory fsync done yet, so make the entry durable here as well.
        return fsync_path(dir, O_RDONLY | O_DIRECTORY);
    }

    fs::path temp_path = dir / temp_name(sha256);
    Fd fd(::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (fd.get() < 0) {
        return unexpected(io_error("create", temp_path, errno));
    }
    std::size_t written = 0;
    while (written < bytes.size()) {
        ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int err = errno;
            ::unlink(temp_path.c_str());
            return unexpected(io_error("write", temp_path, err));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
        int err = errno;
        ::unlink(temp_path.c_str());
        return unexpected(io_error("fsync", temp_path, err));
    }
    if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
        int err = errno;
        ::unlink(temp_path.c_str());
        return unexpected(io_error("rename", final_path, err));
    }
    return fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

void BlobStore::set_placed_block(std::uint32_t block)
{
    std::lock_guard lock(create_mutex_);
    next_placed_ = std::uint64_t{block} << 32;
    placed_end_ = next_placed_ + (std::uint64_t{1} << 32);
}

Result<PlacedFile> BlobStore::create_placed()
{
    std::lock_guard lock(create_mutex_);
    if (next_placed_ >= placed_end_) {
        return unexpected(Errc::TempFail, "no placed blob names left until the store reopens");
    }
    const std::uint64_t serial = next_placed_++;
    PlacedFile file;
    file.name = numbered_name('p', serial);
    file.path = path_for(file.name);
    if (serial >> 12 != placed_dir_ready_) {
        HARBOR_TRY(make_durable_dir(file.path.parent_path()));
        placed_dir_ready_ = serial >> 12;
    }
    file.fd = ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (file.fd < 0) {
        return unexpected(io_error("create", file.path, errno));
    }
    return file;
}

Result<void> BlobStore::make_placed_durable(std::string_view name)
{
    if (!is_placed_blob_name(name)) {
        return unexpected(Errc::Invalid, "bad placed blob name");
    }
    const fs::path path = path_for(name);
    {
        Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) {
            return unexpected(io_error("open", path, errno));
        }
        if (::fdatasync(fd.get()) != 0) {
            return unexpected(io_error("fdatasync", path, errno));
        }
    }
    const std::uint64_t serial = placed_serial(name);
    std::lock_guard sync(dir_sync_mutex_);
    if (synced_dir_ == serial >> 12 && synced_through_ >= serial) {
        return ok();  // a directory fsync begun after this file existed has finished
    }
    std::uint64_t through = 0;
    {
        std::lock_guard lock(create_mutex_);
        through = next_placed_ - 1;  // every file up to here exists now
    }
    HARBOR_TRY(fsync_path(path.parent_path(), O_RDONLY | O_DIRECTORY));
    synced_dir_ = serial >> 12;
    synced_through_ = through;
    return ok();
}

Result<std::string> BlobStore::read(std::string_view sha256) const
{
    if (!has_file(sha256)) {
        return unexpected(Errc::Invalid, "bad blob name");
    }
    fs::path path = path_for(sha256);
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        int err = errno;
        if (err == ENOENT) {
            return unexpected(Errc::NotFound, "no blob " + std::string(sha256));
        }
        return unexpected(io_error("open", path, err));
    }
    std::string out;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return unexpected(io_error("read", path, errno));
        }
        if (n == 0) {
            return out;
        }
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

bool BlobStore::exists(std::string_view sha256) const
{
    struct stat st {};
    return has_file(sha256) && ::stat(path_for(sha256).c_str(), &st) == 0;
}

bool BlobStore::remove(std::string_view sha256)
{
    if (!has_file(sha256)) {
        return false;
    }
    return ::unlink(path_for(sha256).c_str()) == 0 || errno == ENOENT;
}

Result<std::uint64_t> BlobStore::sweep(
    const std::function<Result<bool>(const std::string&)>& is_referenced)
{
    std::uint64_t removed = 0;
    std::error_code ec;
    fs::recursive_directory_iterator it(root_, ec);
    if (ec) {
        return unexpected(Errc::Io, "sweep " + root_.string() + ": " + ec.message());
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            return unexpected(Errc::Io, "sweep " + root_.string() + ": " + ec.message());
        }
        if (!it->is_regular_file(ec)) {
            continue;
        }
        std::string name = it->path().filename().string();
        bool keep = false;
        if (has_file(name) && it->path() == path_for(name)) {
            Result<bool> referenced = is_referenced(name);
            HARBOR_TRY(referenced);
            keep = *referenced;
        }
        if (!keep && fs::remove(it->path(), ec)) {
            ++removed;
        }
    }
    return removed;
}

}  // namespace harbor::store
