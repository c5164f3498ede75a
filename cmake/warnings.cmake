# Warnings for our own targets only: third-party headers come in as SYSTEM includes.
function(harbor_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
        -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # GCC 12 reports false positives inside coroutine frames and std::variant.
        target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-mismatched-new-delete)
    endif()
endfunction()

# harbor_module(name SOURCES ... DEPS ...): a library target harbor_<name> rooted at src/.
function(harbor_module name)
    cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
    add_library(harbor_${name} STATIC ${M_SOURCES})
    target_include_directories(harbor_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(harbor_${name} PUBLIC ${M_DEPS})
    harbor_warnings(harbor_${name})
endfunction()

# harbor_unit_test(name SOURCES ... DEPS ...): a GoogleTest binary registered with ctest.
function(harbor_unit_test name)
    cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
    harbor_warnings(${name})
    if(HARBOR_TEST_PER_BINARY)
        # One ctest entry per binary: its cases run in one process, so the sanitizer's start-up
        # (about 0.3 s a process) is paid per binary, not per case (1,143 cases).
        add_test(NAME ${name} COMMAND ${name})
        set_tests_properties(${name} PROPERTIES LABELS unit)
    else()
        gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
    endif()
endfunction()

# Asio TUs share one precompiled header, built once by harbor_net and reused by every other
# target that uses Asio (same flags, so GCC and clang accept the reuse).
function(harbor_asio_pch target)
    if(target STREQUAL "harbor_net")
        target_precompile_headers(harbor_net PRIVATE ${PROJECT_SOURCE_DIR}/src/net/asio_pch.hpp)
    else()
        target_precompile_headers(${target} REUSE_FROM harbor_net)
    endif()
endfunction()
