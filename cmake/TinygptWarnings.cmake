# Warnings for the project's own targets (not for consumers of the installed library).
# Designated initializers leave the fields they do not name at their defaults on purpose
# (missing-field-initializers). GCC 12 reports false (maybe-)uninitialized warnings inside
# its own AVX-512 intrinsics when Eigen inlines them (GCC bug 105593), so those two are off
# for GCC before 13 only.
function(tinygpt_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-uninitialized -Wno-maybe-uninitialized)
  endif()
endfunction()
