cmake_minimum_required(VERSION 3.25)
# `tinygpt align` from the command line, on a tiny GPT pre-trained and instruction-tuned for
# a few steps and a small generated world. Run by ctest with -DTINYGPT=<the program>
# -DWORK_DIR=<a scratch folder>:
#   - a reward model, DPO, PPO and contrastive post-training write model folders (the
#     reward model with its head, PPO's without its value head), their reports and tables;
#     PPO its rollouts.jsonl and over-optimisation chart; `tinygpt chat` answers with the
#     DPO and PPO models; a config file works as the options do;
#   - bad input (a model without chat markers, an unknown method, PPO without a reward model
#     or with a model that is not one, rollouts that do not split into batches, contrastive
#     without a weaker model, a world without preferences, an unknown config field) fails with status 1 and one line on stderr naming
#     the problem, before any training.
set(work "${WORK_DIR}/align-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

file(WRITE "${work}/model.json"
     "{\"family\": \"gpt\", \"vocab_size\": 320, \"context_length\": 96, \"width\": 16, "
     "\"layers\": 2, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
run(0 data generate --out "${work}/world" --size 20000
    --kinds stories,facts,instructions,dialogues,preferences)
run(0 train --config "${work}/model.json" --data "${work}/world" --out "${work}/pretrained"
    --steps 4 --batch 4)
run(0 finetune --model "${work}/pretrained/model" --data "${work}/world" --task instruct
    --steps 4 --batch 4 --test-per-skill 1 --out "${work}/sft")
set(sft "${work}/sft/model")
set(common --model "${sft}" --data "${work}/world" --steps 2 --batch 4 --eval-interval 2
    --test-pairs 6)

run(0 align ${common} --method reward --out "${work}/reward")
file(READ "${work}/reward/model/config.json" config)
if(NOT config MATCHES "\"task\": \"reward\"")
  message(FATAL_ERROR "the reward model's folder has no reward head:\n${config}")
endif()
if(NOT output MATCHES "\\| correct_fact \\| [0-9]+ \\|" OR NOT output MATCHES "correlation")
  message(FATAL_ERROR "no reward table in the output:\n${output}")
endif()

file(WRITE "${work}/dpo.json"
     "{\"model\": \"sft/model\", \"data\": \"world\", \"method\": \"dpo\", \"beta\": 0.2, "
     "\"steps\": 2, \"batch\": 4, \"eval_interval\": 2, \"test_pairs\": 6, \"out\": \"dpo\"}\n")
run(0 align --train-config "${work}/dpo.json")
foreach(file model/config.json model/model.safetensors report.json metrics.jsonl loss.svg)
  if(NOT EXISTS "${work}/dpo/${file}")
    message(FATAL_ERROR "tinygpt align --method dpo did not write ${file}:\n${output}")
  endif()
endforeach()
if(NOT output MATCHES "Win rate of DPO over its reference")
  message(FATAL_ERROR "no judged comparison in the output:\n${output}")
endif()
run(0 chat --model "${work}/dpo/model" --once "What is the Faroello?" --max-tokens 5)

# PPO with the reward model above: two iterations of 4 samples, one minibatch each.
run(0 align ${common} --method ppo --reward-model "${work}/reward/model" --rollouts 4
    --ppo-epochs 1 --answer-tokens 8 --adaptive-kl --out "${work}/ppo")
foreach(file model/config.json model/model.safetensors report.json rollouts.jsonl
        overoptimisation.svg)
  if(NOT EXISTS "${work}/ppo/${file}")
    message(FATAL_ERROR "tinygpt align --method ppo did not write ${file}:\n${output}")
  endif()
endforeach()
file(STRINGS "${work}/ppo/rollouts.jsonl" rollouts)
list(LENGTH rollouts iterations)
if(NOT iterations EQUAL 2 OR NOT output MATCHES "Win rate of PPO over its reference")
  message(FATAL_ERROR "expected 2 lines in rollouts.jsonl and a judged comparison:\n${output}")
endif()
file(READ "${work}/ppo/model/model.safetensors" weights HEX LIMIT 65536)
if(weights MATCHES "76616c75655f68656164")  # "value_head"
  message(FATAL_ERROR "the PPO model folder kept the value head")
endif()
run(0 chat --model "${work}/ppo/model" --once "What is the Faroello?" --max-tokens 5)

# Contrastive post-training against a weaker chat model: an SFT of one step.
run(0 finetune --model "${work}/pretrained/model" --data "${work}/world" --task instruct
    --steps 1 --batch 4 --test-per-skill 1 --out "${work}/sft-weak")
run(0 align ${common} --method contrastive --weaker "${work}/sft-weak/model"
    --out "${work}/contrastive")
if(NOT output MATCHES "Win rate of contrastive over its reference" OR
   NOT output MATCHES "pairs per stage of the curriculum")
  message(FATAL_ERROR "no contrastive report in the output:\n${output}")
endif()

expect_refused("has no chat template" align --model "${work}/pretrained/model"
               --data "${work}/world" --out "${work}/bad")
expect_refused("--method \"sft\" is unknown" align ${common} --method sft --out "${work}/bad")
expect_refused("--reward-model is missing" align ${common} --method ppo --out "${work}/bad")
expect_refused("has no reward head" align ${common} --method ppo
               --reward-model "${work}/dpo/model" --out "${work}/bad")
expect_refused("must be a positive multiple of --batch" align ${common} --method ppo
               --reward-model "${work}/reward/model" --rollouts 6 --out "${work}/bad")
expect_refused("--weaker is missing" align ${common} --method contrastive --out "${work}/bad")
file(MAKE_DIRECTORY "${work}/empty")
expect_refused("no preferences.jsonl" align --model "${sft}" --data "${work}/empty"
               --out "${work}/bad")
file(WRITE "${work}/bad.json" "{\"model\": \"sft/model\", \"betta\": 1}\n")
expect_refused("unknown field 'betta'" align --train-config "${work}/bad.json")
if(EXISTS "${work}/bad")
  message(FATAL_ERROR "a refused run created its output folder")
endif()
