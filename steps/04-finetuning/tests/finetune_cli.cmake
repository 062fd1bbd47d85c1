cmake_minimum_required(VERSION 3.25)
# `tinygpt finetune` and `tinygpt chat` from the command line, on a tiny GPT pre-trained for
# a few steps and a small generated world. Run by ctest with -DTINYGPT=<the program>
# -DWORK_DIR=<a scratch folder>:
#   - a classifier (method head) writes its model folder with the head and labels, the
#     report and the table; a second fresh run into the folder is refused, --resume goes on;
#   - instruction tuning writes a chat model that `tinygpt chat --once` answers with;
#   - LoRA writes a PEFT adapter folder that generate and chat use on the base, and that
#     `tinygpt adapter merge` turns into a model folder generating the same greedy text;
#   - a soft prompt and a prefix write PEFT adapter folders that generate and chat use, and
#     that `tinygpt adapter merge` refuses (virtual tokens are no weights);
#   - an encoder pre-trained by `tinygpt train` is a model folder that tags entities;
#   - bad input (unknown task, a method that does not fit, no model folder, data without the
#     task's file, chat with a model that has no chat template) fails with status 1 and one
#     line on stderr naming the problem, before any training.
set(work "${WORK_DIR}/finetune-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

# The pre-trained model: 4 steps of a tiny GPT on the world's stories.
file(WRITE "${work}/model.json"
     "{\"family\": \"gpt\", \"vocab_size\": 320, \"context_length\": 64, \"width\": 16, "
     "\"layers\": 2, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
run(0 data generate --out "${work}/world" --size 20000
    --kinds stories,facts,reviews,instructions,dialogues,entities)
run(0 train --config "${work}/model.json" --data "${work}/world" --out "${work}/pretrained"
    --steps 4 --batch 4)
set(model "${work}/pretrained/model")
set(common --model "${model}" --data "${work}/world" --batch 4 --eval-interval 2)

# A linear probe.
run(0 finetune ${common} --task classify --method head --steps 4 --out "${work}/probe")
foreach(file model/config.json model/model.safetensors model/tokenizer.bpe report.json
             metrics.jsonl loss.svg checkpoint-00000004.safetensors)
  if(NOT EXISTS "${work}/probe/${file}")
    message(FATAL_ERROR "tinygpt finetune did not write ${file}:\n${output}")
  endif()
endforeach()
file(READ "${work}/probe/model/config.json" config)
if(NOT config MATCHES "\"labels\": \\[\n *\"negative\",\n *\"neutral\",\n *\"positive\"")
  message(FATAL_ERROR "the classifier's config has no head with the data's labels:\n${config}")
endif()
if(NOT output MATCHES "\\| negated \\| [0-9]+ \\|" OR NOT output MATCHES "keyword accuracy")
  message(FATAL_ERROR "no test table in the output:\n${output}")
endif()
expect_refused("--resume" finetune ${common} --task classify --method head --steps 4
               --out "${work}/probe")
run(0 finetune ${common} --task classify --method head --steps 4 --out "${work}/probe" --resume)
if(NOT output MATCHES "resuming from .*checkpoint-00000004")
  message(FATAL_ERROR "--resume did not resume:\n${output}")
endif()

# Instruction tuning, then a chat.
run(0 finetune ${common} --task instruct --steps 4 --test-per-skill 2 --hold-out-skill list
    --out "${work}/sft")
if(NOT output MATCHES "list \\(not trained\\)")
  message(FATAL_ERROR "no held-out skill in the table:\n${output}")
endif()
run(0 chat --model "${work}/sft/model" --once "Copy the input exactly." --max-tokens 5)
expect_refused("not instruction-tuned" chat --model "${work}/probe/model" --once "Hello")

# LoRA: an adapter folder in PEFT's layout, used by generate and chat on the base, then
# merged into a model folder that generates the same greedy text without it.
run(0 finetune ${common} --task instruct --method lora --lora-rank 2 --lora-alpha 4
    --lora-targets attn.c_attn,mlp.c_fc --steps 4 --test-per-skill 1 --out "${work}/lora")
foreach(file adapter/adapter_config.json adapter/adapter_model.safetensors)
  if(NOT EXISTS "${work}/lora/${file}")
    message(FATAL_ERROR "tinygpt finetune --method lora did not write ${file}:\n${output}")
  endif()
endforeach()
if(EXISTS "${work}/lora/model")
  message(FATAL_ERROR "a LoRA run wrote a whole model folder besides its adapter")
endif()
file(READ "${work}/lora/adapter/adapter_config.json" adapter_config)
if(NOT adapter_config MATCHES "\"peft_type\": \"LORA\"" OR NOT adapter_config MATCHES "\"r\": 2")
  message(FATAL_ERROR "not a PEFT LoRA config:\n${adapter_config}")
endif()
set(greedy generate --prompt "Once upon" --max-tokens 12 --greedy --ids)
run(0 ${greedy} --model "${model}" --adapter "${work}/lora/adapter")
set(adapted_text "${output}")
run(0 chat --model "${model}" --adapter "${work}/lora/adapter" --once "Copy this." --max-tokens 4)
run(0 adapter merge --model "${model}" --adapter "${work}/lora/adapter" --out "${work}/merged")
run(0 ${greedy} --model "${work}/merged")
if(NOT output STREQUAL adapted_text)
  message(FATAL_ERROR "the merged model generates otherwise than base + adapter:\n"
                      "${adapted_text}\nagainst\n${output}")
endif()
expect_refused("trained on another base" generate --model "${work}/sft/model"
               --adapter "${work}/lora/adapter" --prompt "Hi")
expect_refused("unknown layer 'attn.c_q'; the layers are attn.c_attn" finetune ${common}
               --task classify --method lora --lora-targets attn.c_q --out "${work}/bad")
expect_refused("--lora-rank must be in \\[1, 16\\]" finetune ${common} --task classify
               --method lora --lora-rank 32 --out "${work}/bad")

# A soft prompt and a prefix: adapter folders in PEFT's layout that generate and chat use
# on the base; virtual tokens have no weights to merge into.
run(0 finetune ${common} --task instruct --method soft_prompt --virtual-tokens 4
    --prompt-init text --prompt-init-text "Answer the instruction." --steps 4 --test-per-skill 1
    --out "${work}/soft")
run(0 finetune ${common} --task instruct --method prefix --virtual-tokens 4 --prefix-hidden 8
    --steps 4 --test-per-skill 1 --out "${work}/prefix")
foreach(run_name soft prefix)
  file(READ "${work}/${run_name}/adapter/adapter_config.json" adapter_config)
  if(NOT adapter_config MATCHES "\"num_virtual_tokens\": 4")
    message(FATAL_ERROR "not a PEFT prompt-learning config:\n${adapter_config}")
  endif()
  run(0 ${greedy} --model "${model}" --adapter "${work}/${run_name}/adapter")
  if(NOT output MATCHES "generated ids: [0-9]+ [0-9]+")
    message(FATAL_ERROR "--adapter ${run_name} generated nothing:\n${output}")
  endif()
  run(0 chat --model "${model}" --adapter "${work}/${run_name}/adapter" --once "Copy this."
      --max-tokens 4)
endforeach()
file(READ "${work}/prefix/adapter/adapter_config.json" adapter_config)
if(NOT adapter_config MATCHES "\"peft_type\": \"PREFIX_TUNING\"" OR
   NOT adapter_config MATCHES "\"prefix_projection\": true")
  message(FATAL_ERROR "not a PEFT prefix config:\n${adapter_config}")
endif()
expect_refused("PROMPT_TUNING adapter has no weights to merge into" adapter merge --model
               "${model}" --adapter "${work}/soft/adapter" --out "${work}/bad")
expect_refused("--virtual-tokens must be in \\[1, 32\\]" finetune ${common} --task classify
               --method prefix --virtual-tokens 40 --out "${work}/bad")

# Named entities with an encoder that `tinygpt train` pre-trained.
file(WRITE "${work}/encoder.json"
     "{\"family\": \"encoder\", \"vocab_size\": 320, \"context_length\": 64, \"width\": 16, "
     "\"layers\": 1, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
run(0 train --config "${work}/encoder.json" --data "${work}/world" --out "${work}/encoder"
    --steps 2 --batch 4)
run(0 finetune --model "${work}/encoder/model" --data "${work}/world" --task tokens --steps 4
    --batch 4 --out "${work}/tagger")
if(NOT output MATCHES "\\| person \\| [0-9]+ \\|")
  message(FATAL_ERROR "no entity table in the output:\n${output}")
endif()
expect_refused("of family encoder; --task instruct fine-tunes a gpt" finetune
               --model "${work}/encoder/model" --data "${work}/world" --task instruct
               --out "${work}/bad")

# Bad input, refused before any work.
expect_refused("--task \"summarise\" is unknown" finetune ${common} --task summarise
               --out "${work}/bad")
expect_refused("--method head trains a classification head only" finetune ${common}
               --task instruct --method head --out "${work}/bad")
expect_refused("not a model folder" finetune --model "${work}/absent" --data "${work}/world"
               --out "${work}/bad")
file(MAKE_DIRECTORY "${work}/empty")
expect_refused("no reviews.jsonl" finetune --model "${model}" --data "${work}/empty"
               --out "${work}/bad")
if(EXISTS "${work}/bad")
  message(FATAL_ERROR "a refused run created its output folder")
endif()
