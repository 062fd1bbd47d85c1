# What the command-line tests of `tinygpt train` and `tinygpt perplexity` start from:
# tiny_gpt_and_world(<program> <folder>) writes <folder>/model.json, a tiny GPT (V 300,
# P 16, C 16, one layer of two heads), and a small generated world in <folder>/world
# (stories and facts, about 20,000 bytes). Included by a test script run with cmake -P.
function(tiny_gpt_and_world tinygpt work)
  file(WRITE "${work}/model.json"
       "{\"family\": \"gpt\", \"vocab_size\": 300, \"context_length\": 16, \"width\": 16, "
       "\"layers\": 1, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
  execute_process(COMMAND "${tinygpt}" data generate --out "${work}/world" --size 20000
                          --kinds stories,facts
                  RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "data generate failed (${status}):\n${errors}")
  endif()
endfunction()
