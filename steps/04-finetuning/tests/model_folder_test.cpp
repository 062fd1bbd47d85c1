// Model folders of every family with what fine-tuning adds (models/pretrained.h): a head
// with its labels, chat markers, one loader for all, and clear errors for folders that do
// not fit.
#include <fstream>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/models/pretrained.h"

using namespace tinygpt;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

text::BpeTokenizer tokenizer_with(std::initializer_list<std::string> specials) {
  const std::vector<std::string> list(specials);
  return text::BpeTokenizer::train("a small text for a small tokenizer", 270, list);
}

}  // namespace

TEST_CASE("a GPT folder with a classification head and chat markers round-trips",
          "[step04][folders]") {
  TempDir folder("head-folder");
  auto gpt = testing::small_model<models::Gpt>(280, 8, 8, 1, 1);
  const models::TaskHead head{"classification", {"negative", "neutral", "positive"}, "last"};
  models::add_head_parameters(gpt.parameters(), 8, head, 1);
  const text::ChatTemplate chat;
  const text::BpeTokenizer tokenizer = tokenizer_with({"<|user|>", "<|assistant|>", "<|end|>"});
  models::save_model_folder(folder.path(), gpt.config(), gpt.parameters(), tokenizer, head, chat);

  const models::FolderConfig config = models::read_folder_config(folder.path());
  REQUIRE(config.head.has_value());
  CHECK(config.head->labels == head.labels);
  CHECK(config.head->pooling == "last");
  REQUIRE(config.chat.has_value());
  CHECK(config.chat->end == "<|end|>");

  models::PretrainedGpt loaded = models::load_pretrained_gpt(folder.path());
  CHECK(loaded.head->task == "classification");
  CHECK(loaded.model.parameters().at("head.weight").value ==
        gpt.parameters().at("head.weight").value);
  CHECK(loaded.model.parameters().at("h.0.mlp.c_fc.weight").value ==
        gpt.parameters().at("h.0.mlp.c_fc.weight").value);
  CHECK(loaded.tokenizer.special_id("<|assistant|>") == tokenizer.special_id("<|assistant|>"));
}

TEST_CASE("one loader reads encoder and seq2seq folders, which the GPT loader refuses",
          "[step04][folders]") {
  TempDir folder("families");
  const text::BpeTokenizer tokenizer = tokenizer_with({"[CLS]", "[SEP]", "[PAD]", "[MASK]"});
  auto encoder = testing::small_model<models::Encoder>(280, 8, 8, 1, 1);
  const models::TaskHead tags{"tagging", {"O", "B-person", "I-person"}, ""};
  models::add_head_parameters(encoder.parameters(), 8, tags, 1);
  models::save_model_folder(folder.path() / "encoder", encoder.config(), encoder.parameters(),
                            tokenizer, tags);
  models::ModelFolder loaded = models::load_model_folder(folder.path() / "encoder");
  CHECK(std::holds_alternative<models::Encoder>(loaded.model));
  CHECK(loaded.head->task == "tagging");
  CHECK(loaded.parameters().at("head.weight").value ==
        encoder.parameters().at("head.weight").value);
  CHECK_THROWS_WITH(models::load_pretrained_gpt(folder.path() / "encoder"),
                    contains("family encoder; a gpt is needed"));

  models::Seq2Seq seq2seq({.family = models::Family::kSeq2Seq,
                           .vocab_size = 280,
                           .context_length = 8,
                           .width = 8,
                           .layers = 1,
                           .heads = 2,
                           .positions = models::Positions::kSinusoidal});
  seq2seq.init(2);
  models::save_model_folder(folder.path() / "seq2seq", seq2seq.config(), seq2seq.parameters(),
                            tokenizer);
  CHECK(std::holds_alternative<models::Seq2Seq>(
      models::load_model_folder(folder.path() / "seq2seq").model));
}

TEST_CASE("bad heads and chat markers are refused with the file and the field",
          "[step04][folders]") {
  TempDir folder("bad-head");
  auto gpt = testing::small_model<models::Gpt>(280, 8, 8, 1, 1);
  const text::BpeTokenizer tokenizer = tokenizer_with({"<|endoftext|>"});
  models::save_model_folder(folder.path(), gpt.config(), gpt.parameters(), tokenizer);
  const std::string model = models::to_json(gpt.config());
  const auto write_config = [&](const std::string& extra) {
    write_file_atomically(folder.path() / "config.json",
                          model.substr(0, model.size() - 1) + "," + extra + "}");
  };
  write_config(R"("head": {"task": "regression", "labels": ["a", "b"]})");
  CHECK_THROWS_WITH(models::load_model_folder(folder.path()), contains("regression"));
  write_config(R"("head": {"task": "classification", "labels": ["a"], "pooling": "last"})");
  CHECK_THROWS_WITH(models::load_model_folder(folder.path()), contains("at least 2 labels"));
  write_config(R"("head": {"task": "classification", "labels": ["a", "a"], "pooling": "last"})");
  CHECK_THROWS_WITH(models::load_model_folder(folder.path()), contains("listed twice"));
  write_config(R"("head": {"task": "classification", "labels": ["a", "b"], "pooling": "mean"})");
  CHECK_THROWS_WITH(models::load_model_folder(folder.path()), contains("pooling"));
  // A head the config names but the weights lack.
  write_config(R"("head": {"task": "classification", "labels": ["a", "b"], "pooling": "last"})");
  CHECK_THROWS_WITH(models::load_model_folder(folder.path()), contains("head.weight"));
  write_config(R"("chat": {"user": "<|user|>", "assistant": "<|assistant|>", "end": "<|end|>"})");
  CHECK_THROWS_WITH(models::load_model_folder(folder.path()),
                    contains("<|user|> is not a special token"));
  write_config(R"("heads_up": 1)");
  CHECK_THROWS_WITH(models::load_model_folder(folder.path()), contains("heads_up"));
}
