# tw_embed_assets(TARGET NAMESPACE ns SOURCE generated-name FILES file...)
# Compiles FILES into TARGET as `extern const std::string_view` variables of
# namespace ns, named after each file (app.js -> app_js), so that web pages
# are edited, linted and diffed as what they are yet read nothing at run time.
# The generated source is remade when a file (or this script) changes.
function(tw_embed_assets target)
  cmake_parse_arguments(ARG "" "NAMESPACE;SOURCE" "FILES" ${ARGN})
  set(output ${CMAKE_BINARY_DIR}/generated/${ARG_SOURCE}.cpp)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DNAMESPACE=${ARG_NAMESPACE}
            "-DFILES=${ARG_FILES}" -P ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${ARG_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${ARG_SOURCE}"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
