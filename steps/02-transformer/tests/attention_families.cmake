cmake_minimum_required(VERSION 3.25)
# `tinygpt attention` beyond the picture: --summary (what each head does, on the prompt or
# averaged over --texts), --multihead (layer 0's heads, concatenation and output projection,
# recomputed from the parameters and checked against the model's own weights), and the
# encoder-decoder path (--source, --part) on a seq2seq trained for 2 steps here; then the
# inputs it must refuse, each with a message that says why. Run by ctest with
# -DTINYGPT=<the program> -DGPT=<the tiny GPT-2 folder of tests/data> -DWORK_DIR=<scratch>.
set(work "${WORK_DIR}/attention-families")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

# Runs tinygpt with the arguments after `expected` and checks its exit status; its stdout
# and stderr are left in `output` and `errors`.
function(tinygpt expected)
  execute_process(COMMAND "${TINYGPT}" ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT status EQUAL expected)
    message(FATAL_ERROR "tinygpt ${ARGN}\nexited with ${status}, expected ${expected}:\n${out}${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
  set(errors "${err}" PARENT_SCOPE)
endfunction()

function(expect text pattern what)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "expected ${what} (/${pattern}/), got:\n${text}")
  endif()
endfunction()

function(expect_svg path)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "${path} was not written")
  endif()
  file(READ "${path}" svg)
  foreach(wanted IN LISTS ARGN ITEMS "<svg" "</svg>")
    string(FIND "${svg}" "${wanted}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${path} holds no \"${wanted}\"")
    endif()
  endforeach()
endfunction()

# A GPT: the per-head table for the prompt, layer 0's multi-head figure.
tinygpt(0 attention --model "${GPT}" --prompt "The cat sat on the mat. The cat" --summary
        --multihead "${work}/multihead.svg" --dims 4)
expect("${output}" "layer\\.head +previous +first +self +stop +start +same +induction +max +entropy"
       "the self-attention table's heading")
expect("${output}" "\n1\\.3 +[0-9.]+ " "a row for layer 1 head 3")
expect("${output}" "\nuniform +[0-9.]+ " "the uniform baseline")
expect("${output}" "differ from the model's by at most [0-9.e+-]+" "the recomputation check")
string(REGEX MATCH "by at most ([0-9.e+-]+)" found "${output}")
set(difference "${CMAKE_MATCH_1}")
if(NOT difference LESS 0.00001)
  message(FATAL_ERROR "layer 0 recomputed differs from the model by ${difference}")
endif()
expect_svg("${work}/multihead.svg" "P3" "head 3" "h3:" "share of the output")

# Averaged over a file of texts.
file(WRITE "${work}/texts.txt" "The cat sat.\n\nA dog ran to the cat.\nThe end.\n")
tinygpt(0 attention --model "${GPT}" --summary --texts "${work}/texts.txt" --max-texts 2)
expect("${output}" "of 2 text\\(s\\)" "the count of texts averaged")

# An encoder-decoder: a tiny one trained for 2 steps on generated translation pairs.
tinygpt(0 data generate --seed 1 --out "${work}/world" --kinds translation --size 20000)
file(WRITE "${work}/tiny-seq2seq.json"
     "{\"family\": \"seq2seq\", \"vocab_size\": 300, \"context_length\": 32, \"width\": 16,"
     " \"layers\": 1, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
tinygpt(0 train --config "${work}/tiny-seq2seq.json" --data "${work}/world" --out "${work}/run"
        --steps 2 --batch 2 --context 24)
set(seq2seq "${work}/run/model")
tinygpt(0 attention --model "${seq2seq}" --source "Garmund washed the small dog."
        --prompt "Garmund meli" --out "${work}/cross.svg" --summary)
expect("${output}" "wrote 1 layers x 2 heads" "one layer of cross-attention drawn")
expect("${output}" "layer\\.head +first +last +max +entropy +copy +copy@1" "the cross table")
expect_svg("${work}/cross.svg" "decoder.h.0.cross head 1" "key (source)")
tinygpt(0 attention --model "${seq2seq}" --source "Garmund washed the small dog." --part encoder
        --out "${work}/encoder.svg")
expect_svg("${work}/encoder.svg" "encoder.h.0.attn head 0")
tinygpt(0 attention --model "${seq2seq}" --summary --texts "${work}/world/translation.txt"
        --max-texts 5)
expect("${output}" "of 5 text\\(s\\)" "the count of translation pairs averaged")

# What it refuses.
tinygpt(1 attention --model "${GPT}" --prompt "The cat" --source "Le chat" --out "${work}/x.svg")
expect("${errors}" "--source is the source text of an encoder-decoder; .* holds a gpt model"
       "--source refused for a GPT")
tinygpt(1 attention --model "${seq2seq}" --prompt "Garmund" --out "${work}/x.svg")
expect("${errors}" "holds an encoder-decoder; give --source" "a missing --source named")
tinygpt(1 attention --model "${seq2seq}" --source "A dog." --multihead "${work}/x.svg")
expect("${errors}" "--multihead draws a GPT's first layer" "--multihead refused for a seq2seq")
tinygpt(1 attention --model "${seq2seq}" --source "A dog." --part heads --out "${work}/x.svg")
expect("${errors}" "--part of an encoder-decoder is cross, encoder or decoder, not 'heads'"
       "an unknown --part named")
tinygpt(1 attention --model "${GPT}" --prompt "The cat")
expect("${errors}" "nothing to do; give --out, --summary or --multihead" "nothing asked for")
tinygpt(1 attention --model "${seq2seq}" --summary --texts "${work}/texts.txt")
expect("${errors}" "texts.txt line 1: an encoder-decoder needs \"source<TAB>target\" lines"
       "a texts file without pairs refused")
file(REMOVE_RECURSE "${work}")
message(STATUS "attention: summary, multi-head figure, cross-attention and refusals as expected")
