cmake_minimum_required(VERSION 3.25)
# `tinygpt generate --greedy --ids` on tests/data/tiny-gpt2 (a Hugging Face GPT-2 folder)
# must print the prompt's ids and the greedy continuation that reference/parity.py computed
# with PyTorch, both read from the folder's expected.json.
# Run by ctest with -DTINYGPT=<the program> -DMODEL=<the folder>.
file(READ "${MODEL}/expected.json" expected)
string(JSON prompt GET "${expected}" prompt_text)

# "name: id id id", the line the CLI prints for a JSON array of ids.
function(ids_line out name key)
  string(JSON count LENGTH "${expected}" ${key})
  math(EXPR last "${count} - 1")
  set(line "${name}:")
  foreach(i RANGE ${last})
    string(JSON id GET "${expected}" ${key} ${i})
    string(APPEND line " ${id}")
  endforeach()
  set(${out} "${line}" PARENT_SCOPE)
endfunction()
ids_line(prompt_line "prompt ids" prompt_ids)
ids_line(generated_line "generated ids" greedy_ids)
string(JSON count LENGTH "${expected}" greedy_ids)

execute_process(
  COMMAND "${TINYGPT}" generate --model "${MODEL}" --prompt "${prompt}" --greedy
          --max-tokens ${count} --ids
  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "tinygpt generate exited with ${status}:\n${errors}")
endif()
# Whole lines (the id lines hold only letters, digits, spaces and a colon: no regex syntax).
foreach(wanted IN ITEMS "${prompt_line}" "${generated_line}")
  if(NOT output MATCHES "(^|\n)${wanted}\n")
    message(FATAL_ERROR "tinygpt generate did not print the line\n  ${wanted}\nits output:\n${output}")
  endif()
endforeach()
string(FIND "${output}" "${prompt}" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "tinygpt generate's output does not start with the prompt:\n${output}")
endif()
message(STATUS "tinygpt generate printed PyTorch's greedy ids: ${generated_line}")
