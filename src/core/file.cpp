#include "core/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace harbor {
namespace {

Result<void> fsync_directory(const std::filesystem::path& directory)
{
    int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return unexpected(Errc::Io, "cannot open " + directory.string() + ": " +
                                        std::strerror(errno));
    }
    int synced = ::fsync(fd);
    int saved = errno;
    ::close(fd);
    if (synced != 0) {
        return unexpected(Errc::Io, "cannot fsync " + directory.string() + ": " +
                                        std::strerror(saved));
    }
    return ok();
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view bytes,
                                   mode_t mode)
{
    std::filesystem::path temp = file;
    temp += ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        return unexpected(Errc::Io, "cannot create " + temp.string() + ": " + std::strerror(errno));
    }
    // open() applies the umask; fchmod makes the mode exactly what was asked.
    bool good = ::fchmod(fd, mode) == 0;
    std::size_t done = 0;
    while (good && done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        good = n > 0;
        done += good ? static_cast<std::size_t>(n) : 0;
    }
    good = good && ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    if (!good || ::rename(temp.c_str(), file.c_str()) != 0) {
        saved = good ? errno : saved;
        ::unlink(temp.c_str());
        return unexpected(Errc::Io, "cannot write " + file.string() + ": " + std::strerror(saved));
    }
    return fsync_directory(file.parent_path());
}

}  // namespace harbor
