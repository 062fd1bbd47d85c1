# Runs math_filter.pl on a sample page and compares the result with the expected page.
# Called by the docs_math_filter test:
#   cmake -DPERL=... -DFILTER=... -DINPUT=... -DEXPECTED=... -DOUTPUT=... -P check_math_filter.cmake
foreach(var PERL FILTER INPUT EXPECTED OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_math_filter.cmake: -D${var}=... is missing")
  endif()
endforeach()

execute_process(COMMAND "${PERL}" "${FILTER}" "${INPUT}"
                OUTPUT_FILE "${OUTPUT}" ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT errors STREQUAL "")
  message(FATAL_ERROR "math_filter.pl failed (exit ${status}) on ${INPUT}:\n${errors}")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUTPUT}" "${EXPECTED}"
                RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  # Show where they differ; diff is on every Debian system, the whole output otherwise.
  find_program(DIFF diff)
  if(DIFF)
    execute_process(COMMAND "${DIFF}" -u "${EXPECTED}" "${OUTPUT}" OUTPUT_VARIABLE report)
  else()
    file(READ "${OUTPUT}" report)
  endif()
  message(FATAL_ERROR "math_filter.pl output ${OUTPUT} differs from ${EXPECTED}:\n${report}")
endif()
message(STATUS "math_filter.pl: ${INPUT} converted as expected")
