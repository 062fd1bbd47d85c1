// `tinygpt attention`: looks inside a model folder of any family. It draws the attention
// weights of a text as SVG heatmaps (a GPT's or an encoder's self-attention; an
// encoder-decoder's cross-attention, decoder or encoder self-attention), measures what
// each head does (--summary, averaged over a file of texts with --texts), and draws the
// steps of multi-head attention in a GPT's first layer (--multihead).
//
// Shapes: T queries (tokens of the text, or of the decoder's input), S keys (T for
// self-attention, the source's tokens for cross-attention), C width, H heads, D = C / H.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "attention_multihead.h"
#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/attention.h"
#include "tinygpt/nn/embedding.h"
#include "tinygpt/nn/layernorm.h"
#include "tinygpt/nn/linear.h"
#include "tinygpt/nn/positions.h"

namespace tinygpt::cli {
namespace {

struct AttentionArgs {
  std::string model;
  std::string prompt;
  std::optional<std::string> source;
  std::string out;
  std::string part;
  bool summary = false;
  std::string texts;
  int max_texts = 50;
  std::string multihead;
  int dims = 8;
};

// One text as the model reads it: the query tokens, the key tokens (the source's for an
// encoder-decoder), and for each query the token that follows it when it is known.
struct Example {
  std::vector<std::int32_t> queries;  // (T) the GPT's or encoder's text, or BOS + target
  std::vector<std::int32_t> source;   // (S) encoder-decoder only
  std::vector<std::optional<std::int32_t>> next;  // (T) the token query t predicts
  std::vector<std::uint8_t> stops;  // (T) 1 where a query token ends a sentence (. ! ?)
};

// Marks the tokens that end a sentence: their text ends in '.', '!' or '?' (spaces aside).
std::vector<std::uint8_t> sentence_ends(const text::BpeTokenizer& tokenizer,
                                        std::span<const std::int32_t> ids) {
  std::vector<std::uint8_t> stops;
  for (std::int32_t id : ids) {
    std::string text = tokenizer.decode({&id, 1});
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    stops.push_back(!text.empty() &&
                    (text.back() == '.' || text.back() == '!' || text.back() == '?'));
  }
  return stops;
}

const char* family_of(const models::ModelFolder& folder) {
  return models::family_name(folder.config.family);
}

bool is_seq2seq(const models::ModelFolder& folder) {
  return folder.config.family == models::Family::kSeq2Seq;
}

// Reads a text as the folder's model does: a GPT the text itself (empty: end-of-text), an
// encoder [CLS] text [SEP] when its tokenizer has them, an encoder-decoder the source and
// [BOS] + the target prefix.
Example make_example(const models::ModelFolder& folder, const std::string& text,
                     const std::string& source) {
  const text::BpeTokenizer& tokenizer = folder.tokenizer;
  Example example;
  std::vector<std::int32_t> ids = tokenizer.encode(text);
  if (is_seq2seq(folder)) {
    example.source = tokenizer.encode(source);
    TINYGPT_CHECK(!example.source.empty(), "attention: the source text is empty");
    TINYGPT_CHECK(tokenizer.has_special("[BOS]"),
                  "attention: the encoder-decoder's tokenizer has no [BOS] token to start the "
                  "decoder with");
    example.queries.push_back(tokenizer.special_id("[BOS]"));
  } else if (folder.config.family == models::Family::kEncoder && tokenizer.has_special("[CLS]") &&
             tokenizer.has_special("[SEP]")) {
    example.queries.push_back(tokenizer.special_id("[CLS]"));
    ids.push_back(tokenizer.special_id("[SEP]"));
  } else if (ids.empty() && folder.end_of_text) {
    ids.push_back(*folder.end_of_text);  // an empty prompt starts a new document
  }
  example.queries.insert(example.queries.end(), ids.begin(), ids.end());
  TINYGPT_CHECK(!example.queries.empty(),
                "attention: the prompt is empty and the tokenizer has no <|endoftext|> token to "
                "start from; give --prompt");
  example.next.resize(example.queries.size());
  example.stops = sentence_ends(tokenizer, example.queries);
  for (std::size_t t = 0; t + 1 < example.queries.size(); ++t)
    example.next[t] = example.queries[t + 1];
  return example;
}

// Runs the model on one example and returns every attention layer's weights (B = 1).
std::vector<models::AttentionMap> attention_maps(models::ModelFolder& folder,
                                                 const Example& example) {
  std::vector<models::AttentionMap> maps;
  Tape tape;
  const NoGradGuard no_grad(tape);
  const models::RunOptions options{.attention = &maps};
  std::visit(
      [&](auto& model) {
        using Model = std::decay_t<decltype(model)>;
        if constexpr (std::is_same_v<Model, models::Gpt>) {
          model.forward(tape, example.queries, 1, {}, options);
        } else if constexpr (std::is_same_v<Model, models::Encoder>) {
          model.forward(tape, example.queries, {}, 1, {}, options);
        } else {
          model.forward(tape, {example.source, {}}, {example.queries, {}}, 1, options);
        }
      },
      folder.model);
  return maps;
}

// Which maps a part names: a GPT's and an encoder's "self" layers are h.N.attn; an
// encoder-decoder's "encoder" are encoder.h.N.attn, "decoder" decoder.h.N.attn and
// "cross" decoder.h.N.cross.
bool in_part(const std::string& name, const std::string& part) {
  const auto ends_with = [&](const std::string& suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (part == "self") return name.rfind("h.", 0) == 0;
  if (part == "cross") return ends_with(".cross");
  return name.rfind(part + ".", 0) == 0 && ends_with(".attn");
}

std::vector<models::AttentionMap> select_part(std::vector<models::AttentionMap> maps,
                                              const std::string& part) {
  std::erase_if(maps, [&](const models::AttentionMap& map) { return !in_part(map.name, part); });
  TINYGPT_CHECK(!maps.empty(), "attention: the model has no attention layer of part '", part, "'");
  return maps;
}

// ---------------------------------------------------------------------------------------
// --summary: what each head does, as averages over queries.

// Sums over the queries that count for each figure; divided by their counts when printed.
struct HeadSums {
  double queries = 0, previous = 0, first = 0, self = 0, max = 0, entropy = 0;
  double stop_queries = 0, stop = 0;            // queries after a sentence's end: the latest one
  double start_queries = 0, start = 0;          // queries inside a sentence: its first token
  double same_queries = 0, same = 0;            // queries whose token occurred before
  double induction_queries = 0, induction = 0;  // ... at j with j + 1 < t
  double last = 0;                              // cross-attention: the last source token
  double copy_queries = 0, copy = 0, copy_top = 0;
};

double entropy_of(std::span<const float> row) {
  double h = 0.0;
  for (float p : row)
    if (p > 0.0f) h -= p * std::log(static_cast<double>(p));
  return h;
}

// Self-attention row t of one head, `visible` keys (t + 1 when causal, else all). Query 0
// of a causal map sees only itself and is left out.
void add_self_row(HeadSums& sums, std::span<const float> row, const Example& example, std::size_t t,
                  std::size_t visible) {
  if (t == 0) return;
  const std::vector<std::int32_t>& ids = example.queries;
  std::size_t start = 0;  // the first token of query t's sentence
  for (std::size_t j = t; j-- > 0;) {
    if (example.stops[j]) {
      sums.stop_queries += 1;
      sums.stop += row[j];
      start = j + 1;
      break;
    }
  }
  if (start < t) sums.start_queries += 1, sums.start += row[start];
  sums.queries += 1;
  sums.previous += row[t - 1];
  sums.first += row[0];
  sums.self += row[t];
  sums.max += *std::max_element(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(visible));
  sums.entropy += entropy_of(row.first(visible));
  double same = 0.0, induction = 0.0;
  bool seen = false, induced = false;
  for (std::size_t j = 0; j < t; ++j) {
    if (ids[j] != ids[t]) continue;
    seen = true;
    same += row[j];
    if (j + 1 < t) {  // the token after an earlier copy of this one: an induction head's target
      induced = true;
      induction += row[j + 1];
    }
  }
  if (seen) sums.same_queries += 1, sums.same += same;
  if (induced) sums.induction_queries += 1, sums.induction += induction;
}

// Cross-attention row t of one head over the S source tokens.
void add_cross_row(HeadSums& sums, std::span<const float> row, const Example& example,
                   std::size_t t) {
  sums.queries += 1;
  sums.first += row[0];
  sums.last += row.back();
  sums.max += *std::max_element(row.begin(), row.end());
  sums.entropy += entropy_of(row);
  const std::optional<std::int32_t> next = example.next[t];
  if (!next) return;
  double copy = 0.0;
  bool occurs = false;
  for (std::size_t s = 0; s < row.size(); ++s) {
    if (example.source[s] == *next) occurs = true, copy += row[s];
  }
  if (!occurs) return;
  // copy@1: is the largest weight on a copy? Tied largest weights (uniform attention) share
  // the answer, so uniform attention scores the fraction of source tokens that are copies.
  const float top = *std::max_element(row.begin(), row.end());
  double tops = 0.0, copies = 0.0;
  for (std::size_t s = 0; s < row.size(); ++s) {
    if (row[s] != top) continue;
    tops += 1.0;
    copies += example.source[s] == *next ? 1.0 : 0.0;
  }
  sums.copy_queries += 1;
  sums.copy += copy;
  sums.copy_top += copies / tops;
}

// The example as the part's queries see it: the encoder of an encoder-decoder reads the
// source, so its self-attention's queries are the source's tokens.
Example as_read_by(const Example& example, const std::string& part) {
  if (part != "encoder") return example;
  Example source{.queries = example.source, .source = {}, .next = {}, .stops = {}};
  source.next.resize(source.queries.size());
  source.stops.resize(source.queries.size());
  return source;
}

// Accumulates one example into sums[map * H + head]; the last H entries hold what uniform
// attention over the visible keys would give, the baseline every head is compared with.
void add_example(std::vector<HeadSums>& sums, const std::vector<models::AttentionMap>& maps,
                 const Example& example, bool cross, bool causal) {
  const std::int64_t heads = maps.front().heads;
  sums.resize(static_cast<std::size_t>((maps.size() + 1) * heads));
  HeadSums& uniform = sums.back();
  for (std::size_t m = 0; m <= maps.size(); ++m) {
    const models::AttentionMap& map = maps[std::min(m, maps.size() - 1)];
    for (std::int64_t h = 0; h < (m < maps.size() ? heads : 1); ++h) {
      HeadSums& target = m < maps.size() ? sums[m * heads + h] : uniform;
      for (std::int64_t t = 0; t < map.queries; ++t) {
        const auto visible = static_cast<std::size_t>(causal ? t + 1 : map.keys);
        std::vector<float> row(static_cast<std::size_t>(map.keys), 0.0f);
        if (m < maps.size()) {
          const auto weights = head_weights(map, h).row(t);
          std::copy(weights.data(), weights.data() + map.keys, row.begin());
        } else {
          std::fill(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(visible),
                    1.0f / static_cast<float>(visible));
        }
        if (cross) {
          add_cross_row(target, row, example, static_cast<std::size_t>(t));
        } else {
          add_self_row(target, row, example, static_cast<std::size_t>(t), visible);
        }
      }
    }
  }
}

std::string figure(double sum, double count) {
  char text[16];
  std::snprintf(text, sizeof text, "%.3f", count > 0 ? sum / count : NAN);
  return text;
}

// One column of the summary: its heading and a head's mean (sum / count).
struct Column {
  const char* heading;
  double HeadSums::*sum;
  double HeadSums::*count;
};

void print_summary(const std::vector<HeadSums>& sums, const std::vector<models::AttentionMap>& maps,
                   bool cross, std::size_t texts) {
  using S = HeadSums;
  const S& u = sums.back();
  const auto count = [](double n) { return std::to_string(static_cast<long>(n)); };
  std::vector<Column> columns;
  if (cross) {
    std::cout << "cross-attention: mean over " << count(u.queries) << " decoder queries of "
              << texts << " text(s)\n"
              << "  first, last: weight on the first and last source token; max: the largest "
                 "weight of a query's row; entropy: of the row, in nats\n"
              << "  copy: weight on the source token(s) equal to the token the query predicts, "
                 "copy@1: how often that is the largest weight ("
              << count(u.copy_queries) << " queries)\n";
    columns = {{"first", &S::first, &S::queries},    {"last", &S::last, &S::queries},
               {"max", &S::max, &S::queries},        {"entropy", &S::entropy, &S::queries},
               {"copy", &S::copy, &S::copy_queries}, {"copy@1", &S::copy_top, &S::copy_queries}};
  } else {
    std::cout << "self-attention: mean over " << count(u.queries) << " queries of " << texts
              << " text(s) (query 0 left out)\n"
              << "  previous, first, self: weight on the token before the query, on token 0, on "
                 "the query's own token\n"
              << "  stop: on the latest sentence end (. ! ?) before the query ("
              << count(u.stop_queries) << " queries); start: on the first token of the "
              << "query's sentence (" << count(u.start_queries) << ")\n"
              << "  same: on earlier copies of the query's token (" << count(u.same_queries)
              << "); induction: on the tokens just after them (" << count(u.induction_queries)
              << ")\n"
              << "  max: the largest weight of a query's row; entropy: of the row, in nats\n";
    columns = {{"previous", &S::previous, &S::queries},
               {"first", &S::first, &S::queries},
               {"self", &S::self, &S::queries},
               {"stop", &S::stop, &S::stop_queries},
               {"start", &S::start, &S::start_queries},
               {"same", &S::same, &S::same_queries},
               {"induction", &S::induction, &S::induction_queries},
               {"max", &S::max, &S::queries},
               {"entropy", &S::entropy, &S::queries}};
  }
  const auto line = [&](const std::string& name, const S* head) {
    char cell[32];
    std::snprintf(cell, sizeof cell, "%-10s", name.c_str());
    std::cout << cell;
    for (const Column& column : columns) {
      const std::string text =
          head == nullptr ? column.heading : figure(head->*column.sum, head->*column.count);
      std::snprintf(cell, sizeof cell, " %9s", text.c_str());
      std::cout << cell;
    }
    std::cout << "\n";
  };
  line("layer.head", nullptr);
  const std::int64_t heads = maps.front().heads;
  for (std::size_t m = 0; m < maps.size(); ++m) {
    for (std::int64_t h = 0; h < heads; ++h)
      line(std::to_string(m) + "." + std::to_string(h), &sums[m * heads + h]);
  }
  line("uniform", &u);
}

// The texts of --texts: one per non-empty line; for an encoder-decoder "source<TAB>target"
// (a translation.txt line).
std::vector<std::pair<std::string, std::string>> read_texts(const std::string& path, bool pairs,
                                                            int limit) {
  std::ifstream in(path);
  TINYGPT_CHECK(in.good(), "--texts ", path, ": cannot read the file");
  std::vector<std::pair<std::string, std::string>> texts;
  std::string line;
  for (int number = 1; std::getline(in, line) && static_cast<int>(texts.size()) < limit; ++number) {
    if (line.empty()) continue;
    if (!pairs) {
      texts.emplace_back(line, "");
      continue;
    }
    const std::size_t tab = line.find('\t');
    TINYGPT_CHECK(tab != std::string::npos, "--texts ", path, " line ", number,
                  ": an encoder-decoder needs \"source<TAB>target\" lines (as translation.txt)");
    texts.emplace_back(line.substr(tab + 1), line.substr(0, tab));
  }
  TINYGPT_CHECK(!texts.empty(), "--texts ", path, ": no text in the file");
  return texts;
}

// Cuts a text's tokens to the context (a story can be longer than a small model's).
Example cut_to_context(Example example, std::int64_t context) {
  const auto limit = static_cast<std::size_t>(context);
  if (example.queries.size() > limit) {
    example.queries.resize(limit);
    example.next.resize(limit);
    example.next.back() = std::nullopt;
  }
  if (example.source.size() > limit) example.source.resize(limit);
  return example;
}

// ---------------------------------------------------------------------------------------

void check_arguments(const models::ModelFolder& folder, AttentionArgs& args) {
  TINYGPT_CHECK(!args.out.empty() || args.summary || !args.multihead.empty(),
                "attention: nothing to do; give --out, --summary or --multihead");
  TINYGPT_CHECK(args.texts.empty() || args.summary, "attention: --texts is for --summary");
  if (is_seq2seq(folder)) {
    TINYGPT_CHECK(args.source || !args.texts.empty(), "attention: ", args.model,
                  " holds an encoder-decoder; give --source, the text it translates (and "
                  "--prompt, the start of the translation)");
    TINYGPT_CHECK(args.multihead.empty(), "attention: --multihead draws a GPT's first layer; ",
                  args.model, " holds an encoder-decoder");
    if (args.part.empty()) args.part = "cross";
    TINYGPT_CHECK(args.part == "cross" || args.part == "encoder" || args.part == "decoder",
                  "attention: --part of an encoder-decoder is cross, encoder or decoder, not '",
                  args.part, "'");
    return;
  }
  TINYGPT_CHECK(!args.source, "attention: --source is the source text of an encoder-decoder; ",
                args.model, " holds a ", family_of(folder), " model");
  TINYGPT_CHECK(args.part.empty(), "attention: --part chooses the layers of an encoder-decoder; ",
                args.model, " holds a ", family_of(folder), " model");
  TINYGPT_CHECK(args.multihead.empty() || folder.config.family == models::Family::kGpt,
                "attention: --multihead draws a GPT's first layer; ", args.model, " holds a ",
                family_of(folder), " model");
  args.part = "self";
}

void run(AttentionArgs& args) {
  models::ModelFolder folder = models::load_model_folder(args.model);
  check_arguments(folder, args);
  const bool cross = args.part == "cross";
  const bool causal = args.part == "decoder" ||
                      (args.part == "self" && folder.config.family == models::Family::kGpt);

  if (!args.out.empty() || !args.multihead.empty() || (args.summary && args.texts.empty())) {
    const Example example = make_example(folder, args.prompt, args.source.value_or(""));
    const auto context = static_cast<std::size_t>(folder.config.context_length);
    TINYGPT_CHECK(example.queries.size() <= context && example.source.size() <= context,
                  "attention: the text has ",
                  std::max(example.queries.size(), example.source.size()),
                  " tokens, more than the context length ", context);
    const std::vector<models::AttentionMap> all = attention_maps(folder, example);
    const std::vector<models::AttentionMap> maps = select_part(all, args.part);
    const std::vector<std::string> queries = token_texts(folder.tokenizer, example.queries);
    const bool encoder_part = args.part == "encoder";
    const std::vector<std::string> keys =
        cross || encoder_part ? token_texts(folder.tokenizer, example.source) : queries;
    if (!args.out.empty()) {
      std::vector<Matrix> pictures;
      std::vector<std::string> captions;
      for (const models::AttentionMap& map : maps) {
        for (std::int64_t h = 0; h < map.heads; ++h) {
          pictures.push_back(head_weights(map, h));
          captions.push_back(map.name + " head " + std::to_string(h));
        }
      }
      const std::string title =
          is_seq2seq(folder) ? (cross ? "cross-attention: " : args.part + " self-attention: ") +
                                   args.source.value_or("") + "  ->  " + args.prompt
                             : "attention weights: " + args.prompt;
      const int columns = static_cast<int>(maps.front().heads);
      write_file_atomically(
          args.out,
          svg::heatmap_grid(pictures, captions, columns, encoder_part ? keys : queries, keys,
                            {.title = title,
                             .row_title = cross ? "query (decoder input)" : "query",
                             .column_title = cross ? "key (source)" : "key"}));
      std::cout << "wrote " << maps.size() << " layers x " << columns << " heads to " << args.out
                << "\n";
    }
    if (!args.multihead.empty()) {
      write_multihead(folder, example.queries, all.front(),
                      {args.prompt, args.dims, args.multihead});
    }
    if (args.summary && args.texts.empty()) {
      std::vector<HeadSums> sums;
      add_example(sums, maps, as_read_by(example, args.part), cross, causal);
      print_summary(sums, maps, cross, 1);
    }
  }
  if (args.summary && !args.texts.empty()) {
    const auto texts = read_texts(args.texts, is_seq2seq(folder), args.max_texts);
    std::vector<HeadSums> sums;
    std::vector<models::AttentionMap> first_maps;
    for (const auto& [text, source] : texts) {
      Example example =
          cut_to_context(make_example(folder, text, source), folder.config.context_length);
      if (is_seq2seq(folder)) example.next.back() = std::nullopt;  // it predicts [EOS]
      const std::vector<models::AttentionMap> maps =
          select_part(attention_maps(folder, example), args.part);
      add_example(sums, maps, as_read_by(example, args.part), cross, causal);
      if (first_maps.empty()) first_maps = maps;
    }
    print_summary(sums, first_maps, cross, texts.size());
  }
}

}  // namespace

void register_attention_command(CLI::App& app) {
  auto args = std::make_shared<AttentionArgs>();
  CLI::App* command = app.add_subcommand(
      "attention",
      "Draw and measure a model's attention weights (a GPT, an encoder or an encoder-decoder)");
  command->add_option("--model", args->model, "Model folder of any family")
      ->required()
      ->check(CLI::ExistingDirectory);
  command->add_option("--prompt", args->prompt,
                      "The text to look at; for an encoder-decoder, the start of the "
                      "translation (the decoder's input after [BOS])");
  command->add_option("--source", args->source,
                      "Encoder-decoder only: the source text the encoder reads");
  command->add_option("--out", args->out, "SVG file of every layer's and head's weights");
  command->add_option("--part", args->part,
                      "Encoder-decoder only: which layers, cross (the default), encoder or "
                      "decoder (self-attention)");
  command->add_flag("--summary", args->summary,
                    "Print a table of what each head does (weight on the previous, first and "
                    "own token, on earlier copies, entropy; for cross-attention on the source "
                    "token being copied) beside uniform attention");
  command
      ->add_option("--texts", args->texts,
                   "With --summary: average over this file's lines instead of the prompt (for "
                   "an encoder-decoder \"source<TAB>target\" lines, as translation.txt)")
      ->check(CLI::ExistingFile);
  command->add_option("--max-texts", args->max_texts, "With --texts: at most this many lines")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  command->add_option("--multihead", args->multihead,
                      "GPT only: SVG file of layer 0's heads, their concatenation and the "
                      "output projection, for the prompt");
  command->add_option("--dims", args->dims, "With --multihead: columns shown per head")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  command->callback([args] { run(*args); });
}

}  // namespace tinygpt::cli
