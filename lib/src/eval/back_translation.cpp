#include "tinygpt/eval/back_translation.h"

#include <unistd.h>
#include <algorithm>
#include <map>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/eval/bleu.h"
#include "tinygpt/eval/chrf.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/models/seq2seq.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::eval {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

tune::Split split_of(const ordered_json& record) {
  return tune::split_of(record["id"].get<std::string>());
}

// One special token's id, or an Error that says where the model came from.
std::int32_t special(const text::BpeTokenizer& tokenizer, const char* name,
                     const fs::path& origin) {
  TINYGPT_CHECK(tokenizer.has_special(name), origin.string(), ": its tokenizer has no ", name,
                " token; translate with a model folder that `tinygpt train` wrote for a seq2seq "
                "config");
  return tokenizer.special_id(name);
}

// The index of the largest of the first `usable` scores (the first one on ties, as greedy
// decoding does everywhere in the library).
std::int32_t best_token(const float* scores, std::int64_t usable) {
  return static_cast<std::int32_t>(std::max_element(scores, scores + usable) - scores);
}

// One batch of sources, greedily. The encoder runs once; the decoder runs again on the whole
// prefix for each new token (no cache: these sentences are short, and the cached path is
// step 07's engine, for GPTs).
void translate_batch(models::Seq2Seq& model, const text::BpeTokenizer& tokenizer,
                     std::span<const std::vector<std::int32_t>> sources, std::int32_t bos,
                     std::int32_t eos, std::int32_t pad, std::int64_t context,
                     std::vector<std::vector<std::int32_t>>& out) {
  const auto rows = static_cast<std::int64_t>(sources.size());
  std::int64_t source_time = 1;
  for (const auto& source : sources) {
    source_time = std::max<std::int64_t>(source_time, static_cast<std::int64_t>(source.size()));
  }
  std::vector<std::int32_t> source_ids(static_cast<std::size_t>(rows * source_time), pad);
  std::vector<std::uint8_t> source_mask(source_ids.size(), 0);
  for (std::int64_t b = 0; b < rows; ++b) {
    const auto& source = sources[static_cast<std::size_t>(b)];
    for (std::size_t s = 0; s < source.size(); ++s) {
      source_ids[static_cast<std::size_t>(b * source_time) + s] = source[s];
      source_mask[static_cast<std::size_t>(b * source_time) + s] = 1;
    }
  }
  Tape tape;
  const NoGradGuard no_grad(tape);
  const Tensor memory = model.encode(tape, {source_ids, source_mask}, rows);
  out.assign(static_cast<std::size_t>(rows), {});
  std::vector<bool> done(static_cast<std::size_t>(rows), false);
  const auto usable = static_cast<std::int64_t>(tokenizer.vocab_size());
  for (std::int64_t time = 1; time <= context; ++time) {
    // Row b's input: [BOS] and its tokens so far; a finished row is padded (and masked).
    std::vector<std::int32_t> inputs(static_cast<std::size_t>(rows * time), pad);
    std::vector<std::uint8_t> mask(inputs.size(), 0);
    for (std::int64_t b = 0; b < rows; ++b) {
      const auto& tokens = out[static_cast<std::size_t>(b)];
      const auto length =
          std::min<std::int64_t>(time, static_cast<std::int64_t>(tokens.size()) + 1);
      for (std::int64_t t = 0; t < length; ++t) {
        inputs[static_cast<std::size_t>(b * time + t)] =
            t == 0 ? bos : tokens[static_cast<std::size_t>(t - 1)];
        mask[static_cast<std::size_t>(b * time + t)] = 1;
      }
    }
    const MatrixMap logits =
        model.decode(tape, memory, source_mask, {inputs, mask}, rows).matrix();  // (B*T, V)
    bool all_done = true;
    for (std::int64_t b = 0; b < rows; ++b) {
      if (done[static_cast<std::size_t>(b)]) continue;
      const std::int32_t next = best_token(&logits(b * time + time - 1, 0), usable);
      if (next == eos) {
        done[static_cast<std::size_t>(b)] = true;
      } else {
        out[static_cast<std::size_t>(b)].push_back(next);
        all_done = false;
      }
    }
    if (all_done) break;
  }
}

// A system's corpus metric over item lists, from its per-sentence statistics.
template <typename Statistics, typename Score>
CorpusMetric summed(std::vector<Statistics> sentences, Score score) {
  return [sentences = std::move(sentences), score](std::span<const std::size_t> items) {
    Statistics total = sentences[items[0]];
    for (std::size_t i = 1; i < items.size(); ++i) total.add(sentences[items[i]]);
    return score(total);
  };
}

}  // namespace

BackTranslationData read_back_translation_data(const fs::path& world, std::int64_t real) {
  TINYGPT_CHECK(real >= 1, "--real must be at least 1 (the real training pairs kept), got ", real);
  const std::vector<ordered_json> records = tune::translation_records(world);
  BackTranslationData data;
  std::set<std::string> held_out_targets;
  for (const ordered_json& record : records) {
    if (split_of(record) == tune::Split::kTrain) continue;
    data.held_out.push_back(record);
    held_out_targets.insert(record["conlang"].get<std::string>());
  }
  std::set<std::string> seen;
  for (const ordered_json& record : records) {
    if (split_of(record) != tune::Split::kTrain) continue;
    if (static_cast<std::int64_t>(data.real.size()) < real) {
      data.real.push_back(record);
      continue;
    }
    const std::string conlang = record["conlang"].get<std::string>();
    if (held_out_targets.count(conlang) > 0 || !seen.insert(conlang).second) continue;
    data.monolingual.push_back(conlang);
    data.monolingual_ids.push_back(record["id"].get<std::string>());
  }
  TINYGPT_CHECK(static_cast<std::int64_t>(data.real.size()) == real,
                (world / "translation.jsonl").string(), " has ", data.real.size(),
                " training pairs, fewer than --real ", real,
                "; generate a larger world (`tinygpt data generate --size`)");
  return data;
}

std::vector<std::pair<std::string, std::string>> translation_split(const fs::path& world,
                                                                   std::string_view split) {
  const tune::Split wanted = tune::parse_split(split);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const ordered_json& record : tune::translation_records(world)) {
    if (split_of(record) != wanted) continue;
    pairs.emplace_back(record["english"].get<std::string>(), record["conlang"].get<std::string>());
  }
  return pairs;
}

std::vector<std::string> translate_greedy(models::ModelFolder& model, const fs::path& origin,
                                          std::span<const std::string> sources,
                                          std::int64_t batch) {
  TINYGPT_CHECK(batch >= 1, "translate: --batch must be at least 1, got ", batch);
  auto* seq2seq = std::get_if<models::Seq2Seq>(&model.model);
  TINYGPT_CHECK(seq2seq != nullptr, origin.string(), " holds a ",
                models::family_name(model.config.family),
                " model; translating needs an encoder-decoder (a seq2seq config trained on "
                "translation pairs)");
  const text::BpeTokenizer& tokenizer = model.tokenizer;
  const std::int32_t bos = special(tokenizer, "[BOS]", origin);
  const std::int32_t eos = special(tokenizer, "[EOS]", origin);
  const std::int32_t pad = special(tokenizer, "[PAD]", origin);
  const std::int64_t context = model.config.context_length;
  std::vector<std::string> translations;
  translations.reserve(sources.size());
  std::vector<std::vector<std::int32_t>> encoded;
  std::vector<std::vector<std::int32_t>> decoded;
  for (std::size_t first = 0; first < sources.size(); first += static_cast<std::size_t>(batch)) {
    const std::size_t count = std::min(static_cast<std::size_t>(batch), sources.size() - first);
    encoded.clear();
    for (std::size_t i = first; i < first + count; ++i) {
      encoded.push_back(tokenizer.encode(sources[i]));
      if (static_cast<std::int64_t>(encoded.back().size()) > context) {
        encoded.back().resize(static_cast<std::size_t>(context));
      }
    }
    translate_batch(*seq2seq, tokenizer, encoded, bos, eos, pad, context, decoded);
    for (const auto& tokens : decoded) {
      // A translation is one line of text, whatever bytes an undertrained model picks.
      std::string line = valid_utf8(tokenizer.decode(tokens));
      std::replace_if(
          line.begin(), line.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; },
          ' ');
      translations.push_back(std::move(line));
    }
  }
  return translations;
}

BackTranslationWorld write_back_translation_world(const fs::path& world,
                                                  const BackTranslationData& data,
                                                  const BackTranslationCopy& copy,
                                                  const fs::path& out) {
  TINYGPT_CHECK(copy.synthetic.size() <= data.monolingual.size(), "--synthetic ",
                copy.synthetic.size(), " is more than the ", data.monolingual.size(),
                " monolingual sentences of ", world.string());
  TINYGPT_CHECK(!copy.reverse || copy.synthetic.empty(),
                "--reverse writes the reverse model's data, the real pairs alone; give no "
                "synthetic pairs with it");
  const fs::path inputs[] = {world};
  check_report_folder(out, inputs);
  TINYGPT_CHECK(!fs::exists(out) || fs::is_empty(out), "--out ", out.string(),
                " is not empty; give a new folder for the world copy");
  std::string jsonl;
  std::string text;
  const auto add_training = [&](const ordered_json& record) {
    jsonl += record.dump() + "\n";
    const std::string english = record["english"].get<std::string>();
    const std::string conlang = record["conlang"].get<std::string>();
    text += copy.reverse ? conlang + "\t" + english + "\n" : english + "\t" + conlang + "\n";
  };
  BackTranslationWorld written;
  for (const ordered_json& record : data.real) {
    add_training(record);
    ++written.real;
  }
  // The monolingual sentences' own records give the synthetic pairs their "form".
  std::map<std::string, ordered_json> by_id;
  for (const ordered_json& record : tune::translation_records(world)) {
    by_id.emplace(record["id"].get<std::string>(), record);
  }
  std::int64_t counter = 0;
  for (std::size_t k = 0; k < copy.synthetic.size(); ++k) {
    TINYGPT_CHECK(copy.synthetic[k].find_first_of("\t\n\r") == std::string::npos,
                  "synthetic English ", k, " (of '", data.monolingual[k],
                  "') holds a tab or a line break; it cannot be a translation.txt line");
    // An empty source is no pair (translation.txt cannot even hold it).
    if (copy.synthetic[k].empty()) {
      ++written.empty;
      continue;
    }
    ordered_json record;
    record["id"] = tune::next_training_id("translation", "bt", counter);
    record["english"] = copy.synthetic[k];
    record["conlang"] = data.monolingual[k];
    const auto source = by_id.find(data.monolingual_ids[k]);
    if (source != by_id.end() && source->second.contains("form")) {
      record["form"] = source->second["form"];
    }
    record["back_translation_of"] = data.monolingual_ids[k];
    add_training(record);
    ++written.synthetic;
  }
  for (const ordered_json& record : data.held_out) {
    jsonl += record.dump() + "\n";
    ++written.held_out;
  }
  // Written beside `out` and renamed when complete: a copy that stops half-way (a full disk,
  // Ctrl-C) never looks like a finished world.
  const fs::path staging =
      out.parent_path() / (out.filename().string() + ".partial-" + std::to_string(::getpid()));
  fs::remove_all(staging);
  tune::copy_world_except(world, staging, {"translation.jsonl", "translation.txt"});
  write_file_atomically(staging / "translation.jsonl", jsonl);
  write_file_atomically(staging / "translation.txt", text);
  if (fs::exists(out)) fs::remove(out);  // empty, checked above
  fs::rename(staging, out);
  return written;
}

TranslationComparison compare_translations(std::span<const std::string> a,
                                           std::span<const std::string> b,
                                           std::span<const std::string> references,
                                           const BootstrapOptions& options) {
  TINYGPT_CHECK(
      !references.empty() && a.size() == references.size() && b.size() == references.size(),
      "compare_translations: ", a.size(), " and ", b.size(), " translations for ",
      references.size(), " references; give one translation per reference, at least one");
  const BleuOptions bleu;
  const ChrfOptions chrf;
  const auto statistics = [&](std::span<const std::string> system) {
    std::vector<BleuStatistics> bleu_sentences;
    std::vector<ChrfStatistics> chrf_sentences;
    for (std::size_t i = 0; i < system.size(); ++i) {
      const std::span<const std::string> reference(&references[i], 1);
      bleu_sentences.push_back(bleu_statistics(system[i], reference, bleu));
      chrf_sentences.push_back(chrf_statistics(system[i], reference, chrf));
    }
    return std::make_pair(
        summed(std::move(bleu_sentences),
               [bleu](const BleuStatistics& total) { return bleu_score(total, bleu, 1).score; }),
        summed(std::move(chrf_sentences), [chrf](const ChrfStatistics& total) {
          return chrf_from_counts(total.counts, chrf);
        }));
  };
  const auto [bleu_a, chrf_a] = statistics(a);
  const auto [bleu_b, chrf_b] = statistics(b);
  return {paired_bootstrap_corpus(references.size(), bleu_a, bleu_b, options),
          paired_bootstrap_corpus(references.size(), chrf_a, chrf_b, options)};
}

}  // namespace tinygpt::eval
