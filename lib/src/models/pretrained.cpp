#include "tinygpt/models/pretrained.h"

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/models/weights.h"

namespace tinygpt::models {
namespace {

std::filesystem::path required(const std::filesystem::path& folder, const char* name,
                               const char* what) {
  const std::filesystem::path path = folder / name;
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(folder.string() + ": no " + name + " (" + what + ")");
  }
  return path;
}

text::BpeTokenizer load_tokenizer(const std::filesystem::path& folder) {
  if (std::filesystem::is_regular_file(folder / "tokenizer.bpe")) {
    return text::BpeTokenizer::load(folder / "tokenizer.bpe");
  }
  if (std::filesystem::is_regular_file(folder / "vocab.json")) {
    return text::BpeTokenizer::load_gpt2(
        folder / "vocab.json", required(folder, "merges.txt", "GPT-2's merges, with vocab.json"));
  }
  throw Error(folder.string() +
              ": no tokenizer; it needs tokenizer.bpe (ours) or vocab.json + merges.txt (GPT-2)");
}

}  // namespace

PretrainedGpt load_pretrained_gpt(const std::filesystem::path& folder) {
  if (!std::filesystem::is_directory(folder)) {
    throw Error(folder.string() + ": no such model folder");
  }
  const ModelConfig config =
      load_model_config(required(folder, "config.json", "the model's config"));
  PretrainedGpt pretrained{Gpt(config), load_tokenizer(folder), std::nullopt};
  // Checked before the weights are read: a real checkpoint is hundreds of megabytes.
  if (pretrained.tokenizer.vocab_size() > config.vocab_size) {
    throw Error(folder.string() + ": the tokenizer has " +
                std::to_string(pretrained.tokenizer.vocab_size()) + " tokens but the model only " +
                std::to_string(config.vocab_size));
  }
  load_weights(SafetensorsFile::read(required(folder, "model.safetensors", "the model's weights")),
               pretrained.model.parameters());
  try {
    pretrained.end_of_text = pretrained.tokenizer.special_id("<|endoftext|>");
  } catch (const Error&) {
    // A tokenizer without an end-of-text token: generation stops at the length limit.
  }
  return pretrained;
}

void save_pretrained_gpt(const std::filesystem::path& folder, Gpt& model,
                         const text::BpeTokenizer& tokenizer) {
  std::filesystem::create_directories(folder);
  write_file_atomically(folder / "config.json", to_json(model.config()) + "\n");
  save_weights(folder / "model.safetensors", model.config(), model.parameters());
  tokenizer.save(folder / "tokenizer.bpe");
}

}  // namespace tinygpt::models
