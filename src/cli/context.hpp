// What every CLI subcommand shares: the data directory it works on, the exit status, and the
// one way to report an error (one line on stderr, non-zero exit).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "directory/directory.hpp"
#include "store/store.hpp"

namespace harbor::cli {

inline constexpr const char* default_data_dir = "/var/lib/harbor";

struct OpenDirectory;

struct Context {
    std::string data_dir = default_data_dir;
    int status = 0;

    // Prints "harbor: <detail>" and sets the exit status; returns false for `return fail(...)`.
    bool fail(const Error& error);
    bool fail(std::string_view message);

    // Opens the directory on data_dir, runs `body`, and reports its failure if any.
    void run(const std::function<Result<void>(directory::Directory&)>& body);
    // The same for commands that read the store itself (mail, queue).
    void run_with_store(const std::function<Result<void>(OpenDirectory&)>& body);
};

// The store and a directory over it, opened on the data directory (created if missing). Safe
// next to a running `harbor serve` on the same directory: the store lock is shared, SQLite's WAL
// lets readers see every committed delivery, and only an opener that holds the lock alone
// sweeps orphan blobs (store/sqlite/sqlite_store.cpp).
struct OpenDirectory {
    std::unique_ptr<store::Store> store;
    std::unique_ptr<directory::Directory> directory;
};
Result<OpenDirectory> open_directory(const std::filesystem::path& data_dir);

// A password from --password-file FILE ("-" for standard input; the first line, without its
// line ending) or --password TEXT. Exactly one must be given.
Result<std::string> read_password(const std::string& file, const std::string& text);

}  // namespace harbor::cli
