# Precompiled headers (docs/DESIGN.md, "Building").  Three header sets, each
# compiled once and reused by every target of its kind.  Off by default: with
# GCC 12 and -g the .gch files are 160-230 MB, and loading one cost more than
# parsing the headers did in every file measured but the heaviest test files
# (a src/ file ~1 CPU-s slower, webhook_test.cpp 2 CPU-s faster).  A reusing
# target must be compiled with the same options as the owner; extra
# definitions are harmless as long as the precompiled headers do not look at
# them (-Winvalid-pch, which CMake adds, warns if a .gch is not used).
option(TW_PCH "Precompile the heavy third-party headers (slower with GCC 12 -g)" OFF)

# Headers of the src/ rooms (owner: tw_core).
set(TW_PCH_SRC
  <algorithm> <chrono> <cstdint> <filesystem> <fstream> <functional> <map> <memory> <mutex>
  <optional> <set> <sstream> <stdexcept> <string> <string_view> <thread> <vector>
  <opencv2/core.hpp> <opencv2/imgproc.hpp> <nlohmann/json.hpp>)
# The command line's (owner: trendwatch): CLI11 on top of the rooms' set.
set(TW_PCH_CLI ${TW_PCH_SRC} <CLI/CLI.hpp>)
# The tests' (owner: tw_test_support): GoogleTest and cpp-httplib on top.
set(TW_PCH_TESTS ${TW_PCH_SRC} <gtest/gtest.h> <httplib.h>)

# The linker: lld links the twenty-odd executables, each with its debug
# information, several times faster than GNU ld (docs/DESIGN.md,
# "Building"); used when the compiler takes -fuse-ld=lld.
option(TW_LLD "Link with lld when it is installed" ON)
option(TW_UNITY_TESTS "Compile each test suite in batches of 8 files (unity build)" ON)
if(TW_LLD)
  include(CheckLinkerFlag)
  check_linker_flag(CXX -fuse-ld=lld TW_HAVE_LLD)
  if(TW_HAVE_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()

# tw_precompile(TARGET OWNER [HEADERS...]): TARGET reuses OWNER's precompiled
# headers, or (TARGET == OWNER) makes them.  Nothing when TW_PCH is OFF.
function(tw_precompile target owner)
  if(NOT TW_PCH)
    return()
  endif()
  if(target STREQUAL owner)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  else()
    target_precompile_headers(${target} REUSE_FROM ${owner})
  endif()
endfunction()

# tw_module(NAME [DEPS room...] [LIBS target...])
# Builds src/NAME/*.cpp into the static library tw_NAME; an empty room is an
# INTERFACE library so that the dependency graph stays the same while it grows.
function(tw_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  set(deps "")
  foreach(dep ${ARG_DEPS})
    list(APPEND deps tw_${dep})
  endforeach()
  if(sources)
    add_library(tw_${name} STATIC ${sources})
    target_include_directories(tw_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(tw_${name} PUBLIC ${deps} ${ARG_LIBS} Threads::Threads)
    tw_precompile(tw_${name} tw_core ${TW_PCH_SRC})
  else()
    add_library(tw_${name} INTERFACE)
    target_include_directories(tw_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(tw_${name} INTERFACE ${deps} ${ARG_LIBS} Threads::Threads)
  endif()
endfunction()

# tw_test_suite(ROOM [USES_TRENDWATCH] [LIBS target...] [LABELS label...]
#               [SLOW regex...] [RUNS_TRENDWATCH regex...])
# Builds tests/ROOM/*.cpp into test_ROOM (GoogleTest, with tw_test_support)
# and registers every test with CTest, labelled ROOM.
#   USES_TRENDWATCH  the suite runs the trendwatch binary or the face models
#                    it installs: test_ROOM builds after the binary and its
#                    tests need the `models` fixture.  Without it a suite
#                    (core, store, ...) builds and runs without either.
#   SLOW             tests of these fixtures (or of these names after "ROOM.";
#                    regular expressions) are also labelled `slow`, so that
#                    `ctest -LE slow` runs the quick ones.
#   RUNS_TRENDWATCH  the few tests of a unit suite that run the binary (names
#                    matched as for SLOW): only they need the `models`
#                    fixture, which needs the binary built (`cmake --build`
#                    of everything, or of `trendwatch` too).
function(tw_test_suite room)
  cmake_parse_arguments(ARG "USES_TRENDWATCH" "" "LIBS;LABELS;SLOW;RUNS_TRENDWATCH" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/${room}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(test_${room} ${sources})
  target_link_libraries(test_${room} PRIVATE tw_${room} ${ARG_LIBS} tw_test_support GTest::gtest
                                             GTest::gtest_main)
  tw_precompile(test_${room} tw_test_support)
  # A suite's files compiled in batches (TW_UNITY_TESTS): GoogleTest, JSON and
  # the test support headers are parsed once a batch instead of once a file.
  set_target_properties(test_${room} PROPERTIES UNITY_BUILD ${TW_UNITY_TESTS}
                                                UNITY_BUILD_BATCH_SIZE 8)
  if(TW_UNITY_TESTS AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC takes a batched .cpp for a header and warns that a fixture class
    # in its anonymous namespace is the base of a test class: true of any
    # test file, and harmless in one translation unit.
    target_compile_options(test_${room} PRIVATE -Wno-subobject-linkage)
  endif()
  set(properties TIMEOUT 600 LABELS "${room};${ARG_LABELS}"
                 ENVIRONMENT "TRENDWATCH_HOME=${CMAKE_BINARY_DIR}/test-home")
  if(ARG_USES_TRENDWATCH)
    add_dependencies(test_${room} trendwatch)
    list(APPEND properties FIXTURES_REQUIRED models)
  endif()
  gtest_discover_tests(test_${room}
    TEST_PREFIX "${room}."
    DISCOVERY_TIMEOUT 60
    PROPERTIES ${properties})
  # The names are known only once test_ROOM is built, so the properties by
  # name are set by a script that CTest runs after the discovered tests are
  # added (test_ROOM_TESTS lists them).
  set(script "")
  if(ARG_SLOW)
    string(JOIN "|" slow ${ARG_SLOW})
    string(APPEND script
      "foreach(test IN LISTS test_${room}_TESTS)\n"
      "  if(test MATCHES [==[^${room}\\.(${slow})([./ ]|$)]==])\n"
      "    set_tests_properties(\${test} PROPERTIES LABELS [==[${room};slow;${ARG_LABELS}]==])\n"
      "  endif()\n"
      "endforeach()\n")
  endif()
  if(ARG_RUNS_TRENDWATCH)
    string(JOIN "|" binary ${ARG_RUNS_TRENDWATCH})
    string(APPEND script
      "foreach(test IN LISTS test_${room}_TESTS)\n"
      "  if(test MATCHES [==[^${room}\\.(${binary})([./ ]|$)]==])\n"
      "    set_tests_properties(\${test} PROPERTIES FIXTURES_REQUIRED models)\n"
      "  endif()\n"
      "endforeach()\n")
  endif()
  if(script)
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/test_${room}_by_name.cmake "${script}")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES
                 ${CMAKE_CURRENT_BINARY_DIR}/test_${room}_by_name.cmake)
  endif()
endfunction()
