# TW_FUZZ=ON (scripts/fuzz.sh): every room is built with libFuzzer's coverage
# instrumentation, AddressSanitizer and UndefinedBehaviorSanitizer, so that a
# fault anywhere below a fuzz target is caught where it happens.  clang only:
# libFuzzer is part of clang (Debian: clang, libclang-rt-14-dev).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TW_FUZZ needs clang: configure with CXX=clang++ (scripts/fuzz.sh does)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
