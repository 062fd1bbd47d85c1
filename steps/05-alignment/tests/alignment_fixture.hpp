// What step 05's tests align: a small generated world with preference pairs and a tiny GPT
// chat model folder (random weights: the tests check mechanics, not skill).
#pragma once

#include <filesystem>
#include <string>

#include "test_support.hpp"
#include "tinygpt/align/alignment.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::testing {

/// A world (stories and preference pairs, about 20,000 bytes of stories) in `folder`/world,
/// a tiny GPT (V 301, P 96, C 16, two layers) with a BPE trained on the stories in
/// `folder`/base, and the same model with the chat markers added in `folder`/`chat`.
inline void make_world_and_chat_model(const std::filesystem::path& folder,
                                      const std::filesystem::path& chat = "chat") {
  data::generate({.seed = 1, .size = 20000, .kinds = {"stories", "preferences"}}, folder / "world");
  const std::string text = read_file(folder / "world" / "stories.txt");
  const std::string specials[] = {"<|endoftext|>"};
  const text::BpeTokenizer tokenizer = text::BpeTokenizer::train(text, 300, specials);
  models::Gpt gpt({.family = models::Family::kGpt,
                   .vocab_size = 301,
                   .context_length = 96,
                   .width = 16,
                   .layers = 2,
                   .heads = 2});
  gpt.init(3);
  models::save_pretrained_gpt(folder / "base", gpt, tokenizer);
  models::ModelFolder model = models::load_model_folder(folder / "base");
  tune::add_chat_markers(model);
  models::save_model_folder(folder / chat, model.config, model.parameters(), model.tokenizer,
                            std::nullopt, model.chat);
}

/// A run of `method` on make_world_and_chat_model()'s chat model and world in `dir`, into
/// `dir`/`name`: 4 steps of 4 pairs at rate 1e-3, validation every 2 steps on one batch,
/// the report on 6 test pairs.
inline align::AlignConfig config_for(const TempDir& dir, const std::string& method,
                                     const std::string& name) {
  align::AlignConfig config;
  config.model = dir.path() / "chat";
  config.data = dir.path() / "world";
  config.out = dir.path() / name;
  config.method = method;
  config.steps = 4;
  config.batch = 4;
  config.lr = 1e-3f;
  config.eval_interval = 2;
  config.eval_batches = 1;
  config.test_pairs = 6;
  return config;
}

}  // namespace tinygpt::testing
