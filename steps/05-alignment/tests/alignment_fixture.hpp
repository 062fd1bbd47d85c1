// What step 05's tests align: a small generated world with preference pairs and a tiny GPT
// chat model folder (random weights: the tests check mechanics, not skill).
#pragma once

#include <filesystem>
#include <string>

#include "test_support.hpp"
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

}  // namespace tinygpt::testing
