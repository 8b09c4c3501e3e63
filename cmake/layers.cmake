# The layering rule of docs/architecture.md for CMake, as Bazel's visibility
# states it for Bazel: a target may not link, directly or through another
# target, a library of a layer it must not know. Checked when CMake
# configures, so a crossing link fails the build before anything compiles.

# Every target `target` links, directly or not (project targets only).
function(alertgate_linked_targets target out)
  set(seen ${${out}})
  foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY" AND property STREQUAL "LINK_LIBRARIES")
      continue()
    endif()
    get_target_property(links ${target} ${property})
    if(NOT links)
      continue()
    endif()
    foreach(link ${links})
      if(TARGET ${link} AND NOT link IN_LIST seen)
        get_target_property(imported ${link} IMPORTED)
        if(NOT imported)
          list(APPEND seen ${link})
          alertgate_linked_targets(${link} seen)
        endif()
      endif()
    endforeach()
  endforeach()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# alertgate_forbid_links(TARGET t... FORBIDDEN lib...)
function(alertgate_forbid_links)
  cmake_parse_arguments(ARG "" "" "TARGETS;FORBIDDEN" ${ARGN})
  foreach(target ${ARG_TARGETS})
    set(linked "")
    alertgate_linked_targets(${target} linked)
    foreach(forbidden ${ARG_FORBIDDEN})
      if(forbidden IN_LIST linked)
        message(FATAL_ERROR "layering: ${target} links ${forbidden}, a layer "
                "it must not know (docs/architecture.md)")
      endif()
    endforeach()
  endforeach()
endfunction()
