#include "cli/context.hpp"

#include <fstream>
#include <iostream>

namespace harbor::cli {

bool Context::fail(const Error& error)
{
    std::cerr << "harbor: " << (error.detail.empty() ? std::string(errc_name(error.code))
                                                     : error.detail)
              << "\n";
    status = 1;
    return false;
}

bool Context::fail(std::string_view message)
{
    std::cerr << "harbor: " << message << "\n";
    status = 1;
    return false;
}

void Context::run(const std::function<Result<void>(directory::Directory&)>& body)
{
    auto opened = open_directory(data_dir);
    if (!opened) {
        fail(opened.error());
        return;
    }
    if (auto done = body(*opened->directory); !done) {
        fail(done.error());
    }
}

void Context::run_with_store(const std::function<Result<void>(OpenDirectory&)>& body)
{
    auto opened = open_directory(data_dir);
    if (!opened) {
        fail(opened.error());
        return;
    }
    if (auto done = body(*opened); !done) {
        fail(done.error());
    }
}

Result<OpenDirectory> open_directory(const std::filesystem::path& data_dir)
{
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
        return unexpected(Errc::Io, data_dir.string() + ": " + ec.message());
    }
    auto store = store::open_store(store::StoreOptions{.data_dir = data_dir});
    HARBOR_TRY(store);
    OpenDirectory opened;
    opened.store = std::move(*store);
    opened.directory = std::make_unique<directory::Directory>(*opened.store);
    return opened;
}

Result<std::string> read_password(const std::string& file, const std::string& text)
{
    if (file.empty() == text.empty()) {
        return unexpected(Errc::Invalid, "give exactly one of --password-file or --password");
    }
    if (!text.empty()) {
        return text;
    }
    std::string line;
    if (file == "-") {
        std::getline(std::cin, line);
    } else {
        std::ifstream in(file);
        if (!in) {
            return unexpected(Errc::NotFound, file + ": cannot open");
        }
        std::getline(in, line);
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

}  // namespace harbor::cli
