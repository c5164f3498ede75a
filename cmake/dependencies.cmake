# Every dependency is a Debian 12 package installed by scripts/deps.
set(Boost_NO_WARN_NEW_VERSIONS ON)
find_package(Boost 1.81 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(GTest REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)
if(HARBOR_BENCH)
    find_package(benchmark REQUIRED)
endif()

# Asio as a header-only, separately compiled library: one translation unit holds its
# implementation (src/net/asio_impl.cpp), so other files only parse its declarations.
add_library(harbor_asio INTERFACE)
target_include_directories(harbor_asio SYSTEM INTERFACE ${Boost_INCLUDE_DIRS})
target_compile_definitions(harbor_asio INTERFACE BOOST_ASIO_SEPARATE_COMPILATION
    BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE)
target_link_libraries(harbor_asio INTERFACE Threads::Threads OpenSSL::SSL OpenSSL::Crypto)
