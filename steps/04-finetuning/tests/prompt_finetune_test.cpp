// Fine-tuning with soft prompts and prefixes (tune/finetune.h, adapter_files.h): the
// adapter and the head train alone and the base stays bit-identical; the adapter folder is
// PEFT's (a prefix saved with its MLP folded away) and loads back to the same model; an
// instruction-tuned prompt answers as in its report; a stopped run resumes exactly; an
// encoder classifies through a soft prompt; prompts refuse to merge.
#include <nlohmann/json.hpp>

#include "finetune_fixture.hpp"
#include "tinygpt/tune/adapter_files.h"
#include "tinygpt/tune/prompt_tuning.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// A classify or instruct run with 4 virtual tokens (a prefix through an MLP of width 8).
tune::FinetuneConfig prompt_config(const testing::FinetuneSetup& setup, const std::string& name,
                                   const std::string& task, const std::string& method) {
  tune::FinetuneConfig config = setup.config(name, task, method);
  config.prompt = {.virtual_tokens = 4, .projection_hidden = 8};
  config.test_per_skill = 1;
  return config;
}

// The parameters each method adds to the tiny GPT (C 16, L 2), sorted.
std::vector<std::string> adapter_parameters(const std::string& method) {
  if (method == "soft_prompt") return {"prompt_embeddings"};
  return {"prefix.embedding",       "prefix.mlp.0.bias",       "prefix.mlp.0.weight",
          "prefix.mlp.2.h.0.bias",  "prefix.mlp.2.h.0.weight", "prefix.mlp.2.h.1.bias",
          "prefix.mlp.2.h.1.weight"};
}

std::vector<float> logits_of(models::ModelFolder& folder, models::Adapter* adapter) {
  Tape tape;
  NoGradGuard no_grad(tape);
  const std::vector<std::int32_t> ids = {11, 52, 93, 20, 7, 31, 110, 40};
  models::RunOptions options;
  options.adapter = adapter;
  const Tensor logits = std::get<models::Gpt>(folder.model).forward(tape, ids, 2, {}, options);
  return {logits.data, logits.data + logits.numel()};
}

}  // namespace

TEST_CASE(
    "soft-prompt and prefix fine-tuning train the adapter and head alone and save PEFT "
    "folders that load back",
    "[step04][prompt]") {
  const testing::FinetuneSetup setup;
  for (const std::string method : {"soft_prompt", "prefix"}) {
    INFO(method);
    const tune::FinetuneResult result =
        tune::run_finetune(prompt_config(setup, method, "classify", method));
    CHECK(result.model_dir == setup.dir.path() / method / "adapter");
    std::vector<std::string> trained = adapter_parameters(method);
    trained.insert(trained.end(), {"head.bias", "head.weight"});
    std::sort(trained.begin(), trained.end());
    CHECK(testing::optimizer_slots(result.training.checkpoint) == trained);
    const SafetensorsFile base =
        SafetensorsFile::read(setup.dir.path() / "model/model.safetensors");
    const SafetensorsFile checkpoint = SafetensorsFile::read(result.training.checkpoint);
    for (const std::string& name : base.names()) {
      INFO(name);
      CHECK(checkpoint.floats("param." + name) == base.floats(name));
    }

    const nlohmann::json config =
        nlohmann::json::parse(read_file(result.model_dir / "adapter_config.json"));
    CHECK(config["peft_type"] == (method == "prefix" ? "PREFIX_TUNING" : "PROMPT_TUNING"));
    CHECK(config["task_type"] == "SEQ_CLS");
    CHECK(config["num_virtual_tokens"] == 4);
    CHECK(config["token_dim"] == 16);
    CHECK(config["num_layers"] == 2);
    CHECK(config["modules_to_save"] == nlohmann::json({"head"}));
    const SafetensorsFile adapter =
        SafetensorsFile::read(result.model_dir / "adapter_model.safetensors");
    // A soft prompt's (n, C); a prefix's folded (n, L 2C): the MLP is not saved.
    CHECK(adapter.info("prompt_embeddings").shape ==
          std::vector<std::int64_t>{4, method == "prefix" ? 2 * 2 * 16 : 16});
    CHECK(adapter.names().size() == 3);

    tune::AdaptedModel loaded = tune::load_adapter(setup.dir.path() / "model", result.model_dir);
    CHECK(loaded.adapter->peft_type() == config["peft_type"]);
    // The trained adapter, rebuilt from the checkpoint on a fresh base, gives the loaded
    // one's outputs: for a prefix, the MLP folded into the saved prefixes.
    models::ModelFolder rebuilt = models::load_model_folder(setup.dir.path() / "model");
    std::unique_ptr<tune::PeftAdapter> trained_adapter;
    if (method == "prefix") {
      trained_adapter = std::make_unique<tune::Prefix>(
          rebuilt.parameters(), rebuilt.config,
          tune::PromptSettings{.virtual_tokens = 4, .projection_hidden = 8}, 0);
    } else {
      trained_adapter = std::make_unique<tune::SoftPrompt>(
          rebuilt.parameters(), rebuilt.config, tune::PromptSettings{.virtual_tokens = 4},
          std::span<const std::int32_t>{}, 0);
    }
    for (const std::string& name : adapter_parameters(method)) {
      const std::vector<float> values = checkpoint.floats("param." + name);
      std::copy(values.begin(), values.end(), rebuilt.parameters().at(name).value.begin());
    }
    const double error = testing::relative_error(logits_of(loaded.folder, loaded.adapter.get()),
                                                 logits_of(rebuilt, trained_adapter.get()));
    INFO("loaded against trained: " << error);
    CHECK(error < 1e-6);
    const nlohmann::json report = nlohmann::json::parse(read_file(result.report));
    const std::vector<std::int64_t> head = checkpoint.info("param.head.weight").shape;
    CHECK(report["trainable_parameters"] == trained_adapter->numel() + head[0] * head[1] + head[1]);
  }
}

TEST_CASE("an instruction-tuned soft prompt and prefix answer after loading as in their reports",
          "[step04][prompt]") {
  const testing::FinetuneSetup setup;
  for (const std::string method : {"soft_prompt", "prefix"}) {
    INFO(method);
    const tune::FinetuneResult result =
        tune::run_finetune(prompt_config(setup, method, "instruct", method));
    const nlohmann::json config =
        nlohmann::json::parse(read_file(result.model_dir / "adapter_config.json"));
    CHECK(config["modules_to_save"] == nlohmann::json({"wte"}));
    CHECK(config["task_type"] == "CAUSAL_LM");
    tune::AdaptedModel loaded = tune::load_adapter(setup.dir.path() / "model", result.model_dir);
    testing::check_report_answers(setup, result, loaded);
  }
}

TEST_CASE("a stopped prefix run resumes exactly", "[step04][prompt]") {
  const testing::FinetuneSetup setup;
  tune::run_finetune(prompt_config(setup, "straight", "classify", "prefix"));
  testing::run_stopped_and_resumed(prompt_config(setup, "parts", "classify", "prefix"), 3);
  testing::check_same_adapters(setup, "straight", "parts");
}

TEST_CASE("an encoder classifies through a soft prompt started from a text", "[step04][prompt]") {
  const testing::FinetuneSetup setup;
  tune::FinetuneConfig config = prompt_config(setup, "encoder", "classify", "soft_prompt");
  config.model = testing::make_encoder_folder(setup);
  config.prompt.init = "text";
  config.prompt.init_text = "The review says";
  const tune::FinetuneResult result = tune::run_finetune(config);
  CHECK_THAT(result.summary, contains("| negated |"));
  const nlohmann::json saved =
      nlohmann::json::parse(read_file(result.model_dir / "adapter_config.json"));
  CHECK(saved["prompt_tuning_init"] == "TEXT");
  CHECK(saved["prompt_tuning_init_text"] == "The review says");
  tune::AdaptedModel loaded = tune::load_adapter(config.model, result.model_dir);
  CHECK(std::holds_alternative<models::Encoder>(loaded.folder.model));
}

TEST_CASE("prompt adapters refuse to merge, and a bad adapter config names the field",
          "[step04][prompt]") {
  const testing::FinetuneSetup setup;
  const tune::FinetuneResult result =
      tune::run_finetune(prompt_config(setup, "run", "classify", "prefix"));
  const std::filesystem::path base = setup.dir.path() / "model";
  CHECK_THROWS_WITH(tune::merge_adapter(base, result.model_dir, setup.dir.path() / "merged"),
                    contains("PREFIX_TUNING adapter has no weights to merge into"));
  CHECK_FALSE(std::filesystem::exists(setup.dir.path() / "merged"));

  const std::filesystem::path broken = setup.dir.path() / "broken";
  std::filesystem::copy(result.model_dir, broken);
  nlohmann::json config =
      nlohmann::json::parse(read_file(result.model_dir / "adapter_config.json"));
  config["num_layers"] = 3;
  write_file_atomically(broken / "adapter_config.json", config.dump());
  CHECK_THROWS_WITH(tune::load_adapter(base, broken),
                    contains("num_layers is 3, the base model's 2"));
  config["peft_type"] = "IA3";
  write_file_atomically(broken / "adapter_config.json", config.dump());
  CHECK_THROWS_WITH(tune::load_adapter(base, broken),
                    contains("peft_type is 'IA3'") && contains("PREFIX_TUNING"));

  tune::FinetuneConfig bad = prompt_config(setup, "bad", "classify", "soft_prompt");
  bad.prompt.virtual_tokens = 200;
  CHECK_THROWS_WITH(tune::check_finetune_config(bad),
                    contains("--virtual-tokens must be in [1, 96]"));
}
