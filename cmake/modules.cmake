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
  else()
    add_library(tw_${name} INTERFACE)
    target_include_directories(tw_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(tw_${name} INTERFACE ${deps} ${ARG_LIBS} Threads::Threads)
  endif()
endfunction()

# tw_test_suite(ROOM) builds tests/ROOM/*.cpp into test_ROOM (GoogleTest) and
# registers every test with CTest.  Tests learn where things are from
# compile definitions, so they run from any directory.
function(tw_test_suite room)
  cmake_parse_arguments(ARG "" "" "LIBS;LABELS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/${room}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(test_${room} ${sources} ${CMAKE_SOURCE_DIR}/tests/support/test_support.cpp
                               ${CMAKE_SOURCE_DIR}/tests/support/clips.cpp)
  target_include_directories(test_${room} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(test_${room} PRIVATE tw_${room} ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_dependencies(test_${room} trendwatch)
  target_compile_definitions(test_${room} PRIVATE
    TW_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    TW_BINARY_DIR="${CMAKE_BINARY_DIR}"
    TW_CACHE_DIR="${TW_CACHE_DIR}"
    TW_TRENDWATCH_EXE="$<TARGET_FILE:trendwatch>")
  gtest_discover_tests(test_${room}
    TEST_PREFIX "${room}."
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT 600 LABELS "${room};${ARG_LABELS}"
               FIXTURES_REQUIRED models
               ENVIRONMENT "TRENDWATCH_HOME=${CMAKE_BINARY_DIR}/test-home")
endfunction()
