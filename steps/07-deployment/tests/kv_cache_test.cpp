// The KV cache (infer/kv_cache.h) and generation with it (infer/generate.h): every decode
// step gives the logits of the full forward pass, sequences of different lengths decode
// together, a slot is cleared without touching the others, the context is a hard stop,
// and PyTorch's greedy tokens come out of a Hugging Face GPT-2 folder.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/infer/generate.h"
#include "tinygpt/infer/kv_cache.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/models/seq2seq.h"

namespace fs = std::filesystem;
using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// The journey's GPT (L 4, H 4, C 256, V 1,024, P 256) with random weights.
models::ModelConfig journey_config() {
  return {.vocab_size = 1024, .context_length = 256, .width = 256, .layers = 4, .heads = 4};
}

std::vector<std::int32_t> token_ids(std::size_t count, std::int64_t vocab, std::uint32_t seed) {
  std::vector<std::int32_t> ids(count);
  std::uint32_t x = seed;
  for (std::int32_t& id : ids) {
    x = x * 1664525u + 1013904223u;
    id = static_cast<std::int32_t>((x >> 8) % static_cast<std::uint32_t>(vocab));
  }
  return ids;
}

// The logits of every position of one sequence, without a cache: (T, V).
Matrix full_logits(models::Gpt& model, std::span<const std::int32_t> ids) {
  Tape tape;
  NoGradGuard no_grad(tape);
  return model.forward(tape, ids, 1).matrix();
}

// Runs `ids` through the cache in slot `slot`: a prefill of `prompt` tokens, then one token
// per pass. Returns each pass's last-position logits, (passes, V).
Matrix cached_logits(models::Gpt& model, infer::KvCache& cache, std::int64_t slot,
                     std::span<const std::int32_t> ids, std::size_t prompt) {
  models::RunOptions run;
  run.cache = &cache;
  Tape tape;
  NoGradGuard no_grad(tape);
  const std::int64_t vocab = model.config().vocab_size;
  Matrix rows(static_cast<Eigen::Index>(ids.size() - prompt + 1), vocab);
  std::size_t done = 0;
  for (Eigen::Index pass = 0; pass < rows.rows(); ++pass) {
    const std::size_t count = pass == 0 ? prompt : 1;
    tape.reset();
    cache.bind({&slot, 1});
    const Tensor logits = model.forward(tape, ids.subspan(done, count), 1, {}, run);
    cache.advance(static_cast<std::int64_t>(count));
    rows.row(pass) = logits.matrix().row(static_cast<Eigen::Index>(count) - 1);
    done += count;
  }
  return rows;
}

float max_difference(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("every decode step gives the logits of the full forward pass", "[step07][kv_cache]") {
  // The journey's GPT with random weights, and the tiny Hugging Face GPT-2 folder (Conv1D
  // weights, GPT-2's names): prefill 8 tokens, then decode one at a time.
  models::Gpt journey(journey_config());
  journey.init(7);
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  for (models::Gpt* model : {&journey, &gpt2.model}) {
    const models::ModelConfig& config = model->config();
    const std::vector<std::int32_t> ids =
        token_ids(static_cast<std::size_t>(std::min<std::int64_t>(40, config.context_length)),
                  config.vocab_size, 11);
    const Matrix full = full_logits(*model, ids);
    infer::KvCache cache(config, 2);
    const Matrix cached = cached_logits(*model, cache, 1, ids, 8);
    INFO("layers " << config.layers << ", width " << config.width);
    REQUIRE(cached.rows() == static_cast<Eigen::Index>(ids.size()) - 7);
    CHECK(max_difference(cached, full.bottomRows(cached.rows())) < 1e-5f);
    CHECK(cache.length(1) == static_cast<std::int64_t>(ids.size()));
    CHECK(cache.length(0) == 0);
  }
}

TEST_CASE("an encoder-decoder's decoder decodes from its cache as in one pass",
          "[step07][kv_cache]") {
  // Sinusoidal positions, a padded source; the cross-attention keys and values are
  // computed on the first pass only: afterwards the encoder's output is overwritten with
  // zeros, and the logits stay those of the full pass.
  models::ModelConfig config;
  config.family = models::Family::kSeq2Seq;
  config.vocab_size = 512;
  config.context_length = 64;
  config.width = 64;
  config.layers = 2;
  config.heads = 4;
  config.positions = models::Positions::kSinusoidal;
  models::Seq2Seq model(config);
  model.init(9);
  const std::vector<std::int32_t> source = token_ids(12, 512, 31), target = token_ids(10, 512, 32);
  std::vector<std::uint8_t> source_mask(12, 1);
  source_mask[10] = source_mask[11] = 0;

  Tape tape;
  NoGradGuard no_grad(tape);
  const Tensor memory = model.encode(tape, {source, source_mask}, 1);
  std::vector<float> kept(memory.data, memory.data + memory.numel());
  const Matrix full = model.decode(tape, memory, source_mask, {target, {}}, 1).matrix();

  infer::KvCache cache(config, 1);
  models::RunOptions run;
  run.cache = &cache;
  const Tensor memory_copy{memory.shape, kept.data(), nullptr};
  const std::int64_t slot = 0;
  Matrix cached(8, 512);
  std::size_t done = 0;
  for (Eigen::Index pass = 0; pass < 8; ++pass) {
    const std::size_t count = pass == 0 ? 3 : 1;
    tape.reset();
    cache.bind({&slot, 1});
    const Tensor logits = model.decode(tape, memory_copy, source_mask,
                                       {std::span(target).subspan(done, count), {}}, 1, run);
    cache.advance(static_cast<std::int64_t>(count));
    cached.row(pass) = logits.matrix().row(static_cast<Eigen::Index>(count) - 1);
    done += count;
    std::fill(kept.begin(), kept.end(), 0.0f);  // later passes must not read it
  }
  CHECK(max_difference(cached, full.bottomRows(8)) < 1e-5f);
}

TEST_CASE("sequences of different lengths decode together as they do alone", "[step07][kv_cache]") {
  models::Gpt model(journey_config());
  model.init(3);
  const std::vector<std::int32_t> a = token_ids(20, 1024, 1), b = token_ids(9, 1024, 2);
  infer::KvCache alone(model.config(), 1), together(model.config(), 4);
  const Matrix a_alone = cached_logits(model, alone, 0, a, a.size() - 1);
  alone.clear(0);
  const Matrix b_alone = cached_logits(model, alone, 0, b, b.size() - 1);

  // Prefill each in its own slot, then one decode pass for both: positions 19 and 8.
  models::RunOptions run;
  run.cache = &together;
  Tape tape;
  NoGradGuard no_grad(tape);
  const std::int64_t slot_a = 3, slot_b = 0;
  for (const auto& [slot, ids] : {std::pair{slot_a, &a}, std::pair{slot_b, &b}}) {
    tape.reset();
    together.bind({&slot, 1});
    model.forward(tape, std::span(*ids).first(ids->size() - 1), 1, {}, run);
    together.advance(static_cast<std::int64_t>(ids->size()) - 1);
  }
  const std::vector<std::int64_t> slots = {slot_a, slot_b};
  const std::vector<std::int32_t> last = {a.back(), b.back()};
  tape.reset();
  together.bind(slots);
  const Tensor logits = model.forward(tape, last, 2, {}, run);
  together.advance(1);
  CHECK(max_difference(logits.matrix().row(0), a_alone.bottomRows(1)) < 1e-5f);
  CHECK(max_difference(logits.matrix().row(1), b_alone.bottomRows(1)) < 1e-5f);
  CHECK(together.length(slot_a) == 20);
  CHECK(together.length(slot_b) == 9);
}

TEST_CASE("clearing a slot leaves the other sequences' keys and values alone",
          "[step07][kv_cache]") {
  models::Gpt model(journey_config());
  model.init(5);
  const std::vector<std::int32_t> kept = token_ids(16, 1024, 21), other = token_ids(12, 1024, 22);
  infer::KvCache reference(model.config(), 1);
  const Matrix expected = cached_logits(model, reference, 0, kept, 4);

  // Slot 0 reads the first half of `kept`; slot 1 reads `other`, is cleared (a cancelled
  // request) and reads something else; then slot 0 goes on.
  infer::KvCache cache(model.config(), 2);
  const Matrix first = cached_logits(model, cache, 0, std::span(kept).first(10), 4);
  cached_logits(model, cache, 1, other, 12);
  cache.clear(1);
  CHECK(cache.length(1) == 0);
  cached_logits(model, cache, 1, token_ids(30, 1024, 23), 5);
  models::RunOptions run;
  run.cache = &cache;
  Tape tape;
  NoGradGuard no_grad(tape);
  const std::int64_t slot = 0;
  Matrix rest(6, 1024);
  for (Eigen::Index i = 0; i < 6; ++i) {
    tape.reset();
    cache.bind({&slot, 1});
    rest.row(i) = model.forward(tape, std::span(kept).subspan(10 + i, 1), 1, {}, run).matrix();
    cache.advance(1);
  }
  CHECK(max_difference(first, expected.topRows(first.rows())) == 0.0f);
  CHECK(max_difference(rest, expected.bottomRows(6)) == 0.0f);
}

TEST_CASE("cached generation gives PyTorch's greedy tokens of a Hugging Face GPT-2 folder",
          "[step07][kv_cache]") {
  const nlohmann::json expected =
      nlohmann::json::parse(read_file(fs::path(TINYGPT_TINY_GPT2) / "expected.json"));
  const auto prompt = expected.at("prompt_ids").get<std::vector<std::int32_t>>();
  const auto greedy = expected.at("greedy_ids").get<std::vector<std::int32_t>>();
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  models::GenerateOptions options;
  options.max_new_tokens = static_cast<std::int64_t>(greedy.size());
  options.sampling.temperature = 0.0f;
  const infer::Generation result = infer::generate(gpt2.model, prompt, options);
  CHECK(result.tokens == greedy);
  CHECK(result.finish == infer::FinishReason::kLength);
  // Sampled, the cached loop and the uncached one make the same choices too.
  options.sampling.temperature = 0.9f;
  options.seed = 4;
  CHECK(infer::generate(gpt2.model, prompt, options).tokens ==
        models::generate(gpt2.model, prompt, options));
}

TEST_CASE("generation stops at the context with finish reason length, or at the stop token",
          "[step07][kv_cache]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);  // P = 32
  const std::vector<std::int32_t> prompt = {400, 271, 298, 351, 341, 460};
  models::GenerateOptions options;
  options.max_new_tokens = 100;
  const infer::Generation full = infer::generate(gpt2.model, prompt, options);
  // 6 prompt tokens and 26 generated fill the 32 positions; the 27th token is chosen from
  // the last position's logits, and the next pass would need position 32.
  CHECK(full.tokens.size() == 27);
  CHECK(full.finish == infer::FinishReason::kLength);
  CHECK(std::string(infer::finish_reason_name(full.finish)) == "length");

  options.stop_token = full.tokens[3];
  const infer::Generation stopped = infer::generate(gpt2.model, prompt, options);
  CHECK(stopped.finish == infer::FinishReason::kStop);
  CHECK(stopped.tokens.back() == full.tokens[3]);
  CHECK(stopped.tokens.size() <= 4);

  options.stop_token.reset();
  options.on_token = [](std::int32_t) { return false; };
  const infer::Generation cancelled = infer::generate(gpt2.model, prompt, options);
  CHECK(cancelled.finish == infer::FinishReason::kCancelled);
  CHECK(cancelled.tokens.size() == 1);
}

TEST_CASE("the cache refuses what does not fit, naming it", "[step07][kv_cache]") {
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);
  const models::ModelConfig& config = gpt2.model.config();
  CHECK_THROWS_WITH(infer::generate(gpt2.model, std::vector<std::int32_t>(33, 5), {}),
                    contains("the prompt has 33 tokens, more than the model's context of 32"));
  CHECK_THROWS_WITH(infer::generate(gpt2.model, {}, {}), contains("the prompt is empty"));
  CHECK_THROWS_WITH(infer::KvCache(config, 0), contains("slots must be at least 1"));

  infer::KvCache cache(config, 2);
  const std::vector<std::int64_t> twice = {1, 1};
  CHECK_THROWS_WITH(cache.bind(twice), contains("slot 1 appears twice"));
  const std::vector<std::int64_t> outside = {2};
  CHECK_THROWS_WITH(cache.bind(outside), contains("slot 2 is outside [0, 2)"));

  // A pass whose new tokens would not fit after the cached ones.
  models::RunOptions run;
  run.cache = &cache;
  Tape tape;
  NoGradGuard no_grad(tape);
  const std::int64_t slot = 0;
  cache.bind({&slot, 1});
  gpt2.model.forward(tape, std::vector<std::int32_t>(30, 5), 1, {}, run);
  cache.advance(30);
  tape.reset();
  cache.bind({&slot, 1});
  CHECK_THROWS_WITH(gpt2.model.forward(tape, std::vector<std::int32_t>(3, 5), 1, {}, run),
                    contains("30 cached positions; 3 more exceed the context length 32"));
}

TEST_CASE("ids the tokenizer cannot decode are never chosen", "[step07][kv_cache]") {
  // A tokenizer with fewer tokens than the model's vocabulary (a BPE that ran out of
  // merges): generation rules the extra ids out (usable_vocab) instead of failing on them.
  models::PretrainedGpt gpt2 = models::load_pretrained_gpt(TINYGPT_TINY_GPT2);  // V = 657
  const std::vector<std::int32_t> prompt = {400, 271, 298};
  models::GenerateOptions options;
  options.max_new_tokens = 25;
  options.usable_vocab = 300;
  options.sampling.temperature = 2.0f;  // flat: the tail would be drawn often
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    options.seed = seed;
    const infer::Generation result = infer::generate(gpt2.model, prompt, options);
    CHECK(result.tokens.size() == 25);
    for (const std::int32_t token : result.tokens) CHECK(token < 300);
  }
}
