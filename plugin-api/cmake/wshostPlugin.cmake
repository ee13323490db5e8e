# wshost_add_plugin(<name> SOURCES <src>...)
#
# Builds a wshost plugin: a MODULE library named exactly `<name>.so` (no "lib"
# prefix) that exports nothing but `wsh_plugin_entry`:
#   - C and C++ visibility hidden (inline functions too);
#   - GCC, C++: -fno-gnu-unique. Without it, function-local statics of inline
#     functions and template statics (e.g. inside std::to_string) become
#     STB_GNU_UNIQUE symbols and the host can never unload the plugin;
#   - a linker version script (wshost-plugin.map, beside this file) that keeps
#     the entry global and makes every other symbol local;
#   - links wshost::plugin-api (the include directory).
# Set LIBRARY_OUTPUT_DIRECTORY (or CMAKE_LIBRARY_OUTPUT_DIRECTORY) to choose
# where the .so lands; link further libraries with target_link_libraries().
#
# Deliberately absent: -Wl,--no-undefined. A plugin resolves libc/libstdc++ and,
# in sanitizer builds, the sanitizer runtime from the host process.
#
# This one file is used in-tree (included by plugin-api/CMakeLists.txt) and
# installed next to wshostConfig.cmake for out-of-tree plugins.
include_guard(GLOBAL)

if(CMAKE_VERSION VERSION_LESS 3.17)
  message(FATAL_ERROR "wshost_add_plugin() needs CMake >= 3.17")
endif()

function(wshost_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "wshost_add_plugin(${name}): SOURCES is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "wshost_add_plugin(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()

  # The directory of this file, both in-tree and installed.
  set(map "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/wshost-plugin.map")

  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${map}")
  target_compile_options(${name} PRIVATE
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-fno-gnu-unique>)
  target_link_options(${name} PRIVATE "LINKER:--version-script=${map}")
  target_link_libraries(${name} PRIVATE wshost::plugin-api)
endfunction()
