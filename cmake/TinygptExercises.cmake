# Exercises and solutions: one library, holes chosen at build time.
#
# Every exercises/NN-name/manifest.json lists the files of step NN's exercises. Each file
# exists twice with the same functions: the learner's stub in exercises/NN-name/ and the
# reference body in solutions/NN-name/. For each step, this module picks one of the two:
# the stub when NN is listed in TINYGPT_EXERCISES (or it is 'all', or the step has no
# solutions folder, as in a classroom copy), the solution otherwise.
#
# Result: TINYGPT_EXERCISE_SOURCES (absolute paths) and TINYGPT_EXERCISE_STEPS (the steps
# built in exercise mode), used by lib/CMakeLists.txt.

set(TINYGPT_EXERCISE_SOURCES "")
set(TINYGPT_EXERCISE_STEPS "")

# A mistyped step would silently build the solutions, so validate the list first.
foreach(requested IN LISTS TINYGPT_EXERCISES)
  if(NOT requested STREQUAL "all" AND NOT requested MATCHES "^[0-9][0-9]$")
    message(FATAL_ERROR
      "TINYGPT_EXERCISES: '${requested}' is not a two-digit step (e.g. 01) nor 'all'")
  endif()
  if(NOT requested STREQUAL "all")
    file(GLOB requested_dir LIST_DIRECTORIES true "${PROJECT_SOURCE_DIR}/exercises/${requested}-*")
    if(NOT requested_dir)
      message(FATAL_ERROR "TINYGPT_EXERCISES: step ${requested} has no exercises/${requested}-* folder")
    endif()
  endif()
endforeach()

file(GLOB manifests "${PROJECT_SOURCE_DIR}/exercises/*/manifest.json")
list(SORT manifests)
foreach(manifest IN LISTS manifests)
  get_filename_component(step_dir "${manifest}" DIRECTORY)
  get_filename_component(step_name "${step_dir}" NAME)
  string(SUBSTRING "${step_name}" 0 2 step)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")
  file(READ "${manifest}" manifest_text)

  set(use_stubs OFF)
  if("all" IN_LIST TINYGPT_EXERCISES OR step IN_LIST TINYGPT_EXERCISES)
    set(use_stubs ON)
  elseif(NOT IS_DIRECTORY "${PROJECT_SOURCE_DIR}/solutions/${step_name}")
    message(STATUS "tinygpt: no solutions/${step_name} (classroom copy): step ${step} uses the stubs")
    set(use_stubs ON)
  endif()
  if(use_stubs)
    set(chosen_dir "${PROJECT_SOURCE_DIR}/exercises/${step_name}")
    list(APPEND TINYGPT_EXERCISE_STEPS ${step})
  else()
    set(chosen_dir "${PROJECT_SOURCE_DIR}/solutions/${step_name}")
  endif()

  # Several exercises may share one file; add each file once.
  string(JSON exercise_count LENGTH "${manifest_text}" exercises)
  math(EXPR last "${exercise_count} - 1")
  foreach(i RANGE ${last})
    string(JSON file GET "${manifest_text}" exercises ${i} file)
    set(source "${chosen_dir}/${file}")
    if(NOT EXISTS "${source}")
      message(FATAL_ERROR "${manifest}: exercise ${i} names '${file}', but ${source} does not exist")
    endif()
    if(NOT source IN_LIST TINYGPT_EXERCISE_SOURCES)
      list(APPEND TINYGPT_EXERCISE_SOURCES "${source}")
    endif()
  endforeach()
endforeach()

if(TINYGPT_EXERCISE_STEPS)
  message(STATUS "tinygpt: exercise mode (learner's stubs) for steps: ${TINYGPT_EXERCISE_STEPS}")
else()
  message(STATUS "tinygpt: every step uses the reference solutions")
endif()
