// Step 01's pictures for `tinygpt figures`: each comes from the library's own code (the
// spiral demo, the BPE trainer and its pair counting, a real Tape, the language demo), and
// the figures their captions quote are printed on stdout.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "figures.h"
#include "spiral_demo.h"
#include "text_demo.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/parameters.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/nn/activations.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/nn/matmul.h"
#include "tinygpt/nn/reductions.h"
#include "tinygpt/nn/softmax.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/bpe_pairs.h"
#include "tinygpt/text/pretokenize.h"

namespace tinygpt::cli {
namespace {

namespace fs = std::filesystem;

// ---- The spiral's decision regions ------------------------------------------------------

// The spiral demo with its default settings, the plane's predicted class recorded at four
// moments, and the training points drawn on the same grid as a first panel.
void spiral_regions(const fs::path& images) {
  demo::SpiralOptions options;
  options.log_every = 0;
  options.region_steps = {0, 100, 300, options.steps};
  std::ostringstream log;
  const demo::SpiralResult result = demo::run_spiral_demo(options, log);
  std::vector<Matrix> maps = {result.region_data};
  std::vector<std::string> captions = {"training points"};
  std::cout << "spiral demo: predicted class over a " << options.region_grid << "x"
            << options.region_grid << " grid of [-" << demo::kSpiralExtent << ", "
            << demo::kSpiralExtent << "]^2\n";
  for (const demo::SpiralRegions& regions : result.regions) {
    std::ostringstream caption;
    caption << "step " << regions.step << ": acc " << std::fixed << std::setprecision(2)
            << regions.train_accuracy;
    maps.push_back(regions.classes);
    captions.push_back(caption.str());
    std::cout << "  after " << std::setw(4) << regions.step << " steps: train accuracy "
              << std::fixed << std::setprecision(3) << regions.train_accuracy
              << ", validation accuracy " << regions.validation_accuracy << "\n";
  }
  // The cells' coordinates: x across, y up, labelled at the ends and the middle.
  const int grid = options.region_grid;
  std::vector<std::string> xs(static_cast<std::size_t>(grid));
  std::vector<std::string> ys(static_cast<std::size_t>(grid));
  std::ostringstream extent;
  extent << demo::kSpiralExtent;
  const std::string high = extent.str(), low = "-" + high;
  xs.front() = low;
  xs.back() = high;
  xs[static_cast<std::size_t>(grid / 2)] = "0";
  ys.front() = high;
  ys.back() = low;
  ys[static_cast<std::size_t>(grid / 2)] = "0";
  write_figure(images / "spiral-regions.svg",
               svg::heatmap_grid(maps, captions, static_cast<int>(maps.size()), ys, xs,
                                 {.title = "Spiral demo: the class predicted over the plane, with "
                                           "the training accuracy (shades: class 0, 1, 2; "
                                           "white: no point)",
                                  .row_title = "y",
                                  .column_title = "x",
                                  .cell_size = 7.0f,
                                  .min_value = -1.0f,
                                  .max_value = 2.0f,
                                  .show_spaces = false}));
}

// ---- One worked BPE merge -------------------------------------------------------------

constexpr std::string_view kBpeSentence = "the cat sat on the mat with the hat";
constexpr int kBpeMerges = 4;

// The sentence's words (GPT-2's pre-tokenisation) with their frequencies, in the order they
// first appear.
struct Words {
  std::vector<std::string> text;
  std::vector<std::int64_t> frequency;
};

Words split_words(std::string_view sentence) {
  Words words;
  for (std::string_view word : text::Pretokenizer().split(sentence)) {
    const auto found = std::ranges::find(words.text, word);
    if (found == words.text.end()) {
      words.text.emplace_back(word);
      words.frequency.push_back(1);
    } else {
      ++words.frequency[static_cast<std::size_t>(found - words.text.begin())];
    }
  }
  return words;
}

// Pair counts of the words as `tokenizer` cuts them, with the library's count_pairs.
text::PairCounts pair_counts(const text::BpeTokenizer& tokenizer, const Words& words) {
  std::vector<std::vector<text::TokenId>> ids;
  for (const std::string& word : words.text) ids.push_back(tokenizer.encode(word));
  return text::count_pairs(ids, words.frequency);
}

// A token as stdout shows it: a space as "␣", a newline as "\n".
std::string visible(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == ' ') {
      out += "\xE2\x90\xA3";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string joined_tokens(const text::BpeTokenizer& tokenizer, std::string_view sentence) {
  const std::vector<std::int32_t> ids = tokenizer.encode(sentence);
  std::string out;
  for (std::int32_t id : ids) {
    if (!out.empty()) out += '|';
    out += visible(tokenizer.token_bytes(id));
  }
  return out + "  (" + std::to_string(ids.size()) + " tokens)";
}

// The pair merge `merges` (counted from 1) learnt: the most frequent pair of the previous
// counts, ties to the smallest (left, right) as the trainer documents; checked against the
// token the trainer made.
text::TokenPair learnt_pair(const text::PairCounts& counts, const text::BpeTokenizer& trained,
                            int merges) {
  text::TokenPair best;
  std::int64_t best_count = 0;
  for (const auto& [pair, count] : counts) {
    if (count > best_count || (count == best_count && std::pair(pair.left, pair.right) <
                                                          std::pair(best.left, best.right))) {
      best = pair;
      best_count = count;
    }
  }
  const std::string& made = trained.token_bytes(255 + merges);
  TINYGPT_CHECK(trained.token_bytes(best.left) + trained.token_bytes(best.right) == made, "merge ",
                merges, " made \"", made, "\", not the most frequent pair");
  return best;
}

void bpe_merges(const fs::path& images) {
  const Words words = split_words(kBpeSentence);
  std::cout << "BPE on \"" << kBpeSentence << "\": " << words.text.size()
            << " distinct words after pre-tokenisation\n";
  // Merge k's tokenizer is the trainer run to 256 + k tokens (training is deterministic).
  std::vector<text::BpeTokenizer> tokenizers;
  std::vector<text::PairCounts> counts;
  for (int k = 0; k <= kBpeMerges; ++k) {
    tokenizers.push_back(text::BpeTokenizer::train(kBpeSentence, 256 + k));
    counts.push_back(pair_counts(tokenizers.back(), words));
  }
  std::cout << "  0 merges: " << joined_tokens(tokenizers[0], kBpeSentence) << "\n";
  for (int k = 1; k <= kBpeMerges; ++k) {
    const text::TokenPair pair = learnt_pair(counts[k - 1], tokenizers[k], k);
    std::cout << "  merge " << k << ": \"" << visible(tokenizers[k].token_bytes(pair.left))
              << "\" + \"" << visible(tokenizers[k].token_bytes(pair.right)) << "\" (count "
              << counts[k - 1].at(pair) << "): " << joined_tokens(tokenizers[k], kBpeSentence)
              << "\n";
  }
  // The symbols of the sentence in order of appearance, and the counts before any merge.
  std::vector<unsigned char> symbols;
  for (char c : kBpeSentence) {
    if (std::ranges::find(symbols, static_cast<unsigned char>(c)) == symbols.end())
      symbols.push_back(static_cast<unsigned char>(c));
  }
  const auto n = static_cast<Eigen::Index>(symbols.size());
  Matrix table = Matrix::Zero(n, n);
  for (const auto& [pair, count] : counts[0]) {
    const auto row = std::ranges::find(symbols, pair.left) - symbols.begin();
    const auto column = std::ranges::find(symbols, pair.right) - symbols.begin();
    table(row, column) = static_cast<float>(count);
  }
  std::vector<std::string> labels;
  for (unsigned char symbol : symbols) labels.emplace_back(1, static_cast<char>(symbol));
  write_figure(images / "bpe-pair-counts.svg",
               svg::heatmap(table, labels, labels,
                            {.title = "Pair counts before the first merge: \"" +
                                      std::string(kBpeSentence) + "\"",
                             .row_title = "first symbol",
                             .column_title = "second symbol",
                             .max_value = table.maxCoeff()}));
}

// ---- The autograd tape of a tiny expression ---------------------------------------------

void tape_order(const fs::path& images) {
  ParameterSet parameters;
  const Tensor w = parameters.add("W", Shape{3, 4});  // (3, 4)
  const Tensor b = parameters.add("b", Shape{4});     // (4)
  fill_normal(parameters.at("W").value, 1, RngStream::kInit, 0, 0.0f, 0.5f);
  parameters.zero_grad();
  Tape tape;
  const std::vector<float> inputs = {0.5f, -1.0f, 2.0f, 1.5f, 0.0f, -0.5f};
  const Tensor x = tape.constant(Shape{2, 3}, inputs);  // (2, 3)
  const Tensor loss = nn::sum(tape, nn::tanh(tape, nn::add(tape, nn::matmul(tape, x, w), b)));
  tape.backward(loss);

  const std::span<const Node> nodes = tape.nodes();
  const auto count = static_cast<std::int64_t>(nodes.size());
  std::cout << "tape of loss = sum(tanh(x W + b)), x (2, 3), W (3, 4), b (4): " << count
            << " nodes, loss " << std::setprecision(4) << loss.item() << "\n";
  std::vector<svg::Bar> bars;
  for (std::int64_t i = 0; i < count; ++i) {
    const Node& node = nodes[static_cast<std::size_t>(i)];
    std::cout << "  node " << i << ": " << node.op << ", out " << node.out.shape.str()
              << "; recorded " << i + 1 << " of " << count << ", replayed " << count - i << " of "
              << count << "\n";
    // Tape::backward calls the nodes' backward functions last node first (tape.h), so node
    // i's is call 2 count - 1 - i of the whole sequence.
    const auto forward = static_cast<double>(i);
    const auto backward = static_cast<double>(2 * count - 1 - i);
    bars.push_back({i, forward, forward + 1, std::string(node.op) + " forward", 0});
    bars.push_back({i, backward, backward + 1, std::string(node.op) + " backward", 1});
  }
  std::cout << "  dloss/db = (" << b.grad_matrix() << ")\n";
  write_figure(images / "tape-order.svg",
               svg::timeline(bars, count,
                             {.title = "The tape of loss = sum(tanh(x W + b)): recorded "
                                       "forward, replayed backward",
                              .x_label = "order of the calls",
                              .row_prefix = "node ",
                              .width = 960}));
}

// ---- The bigram's next-token probabilities -----------------------------------------------

constexpr std::string_view kBigramContext = " of";
constexpr int kBigramTop = 15;

void bigram_probabilities(const fs::path& images, int steps) {
  demo::TextDemoOptions options;
  options.training.steps = steps;
  options.training.log_every = 0;
  options.samples = 0;
  std::map<std::string, Eigen::VectorXf, std::less<>> probabilities;  // moment -> (V)
  std::vector<std::string> tokens;                                    // id -> text
  options.inspect = [&](std::string_view moment, models::BigramModel& model,
                        const text::Tokenizer& tokenizer) {
    const std::vector<std::int32_t> context = tokenizer.encode(kBigramContext);
    TINYGPT_CHECK(context.size() == 1, "\"", kBigramContext, "\" is ", context.size(),
                  " tokens in the demo's tokenizer; the picture needs one");
    Tape tape;
    NoGradGuard no_grad(tape);
    probabilities[std::string(moment)] =
        nn::softmax(tape, model.logits(tape, context)).matrix().row(0).transpose();
    tokens.clear();
    for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id)
      tokens.push_back(tokenizer.decode(std::span(&id, 1)));
  };
  std::cout << "bigram of the language demo (fortunes, byte-level BPE), " << steps << " steps:\n";
  const demo::TextDemoResult result = demo::run_text_demo(options, std::cout);
  const Eigen::VectorXf& before = probabilities.at("before");
  const Eigen::VectorXf& after = probabilities.at("after");
  std::vector<Eigen::Index> order(static_cast<std::size_t>(after.size()));
  for (Eigen::Index j = 0; j < after.size(); ++j) order[static_cast<std::size_t>(j)] = j;
  std::ranges::stable_sort(order,
                           [&](Eigen::Index a, Eigen::Index c) { return after(a) > after(c); });
  order.resize(kBigramTop);

  Matrix table(2, kBigramTop);
  std::vector<std::string> labels;
  double top_mass = 0.0;
  std::cout << "  validation loss " << std::fixed << std::setprecision(3)
            << result.bigram.initial_validation_loss << " -> " << result.bigram.validation_loss
            << "; after \"" << visible(std::string(kBigramContext)) << "\", the top " << kBigramTop
            << " next tokens:\n";
  for (int k = 0; k < kBigramTop; ++k) {
    const Eigen::Index id = order[static_cast<std::size_t>(k)];
    table(0, k) = before(id);
    table(1, k) = after(id);
    labels.push_back(tokens[static_cast<std::size_t>(id)]);
    top_mass += after(id);
    std::cout << "    " << std::setw(2) << k + 1 << ". \"" << visible(labels.back()) << "\" "
              << std::setprecision(4) << after(id) << " (before training " << before(id) << ")\n";
  }
  std::cout << "  together " << std::setprecision(3) << top_mass << " of the probability\n";
  write_figure(
      images / "bigram-next-token.svg",
      svg::heatmap(table, {"before", "after"}, labels,
                   {.title = "Bigram: P(next token | \"" + std::string(kBigramContext) +
                             "\") before and after " + std::to_string(steps) +
                             " training steps (its top " + std::to_string(kBigramTop) + ")",
                    .column_title = "next token",
                    .cell_size = 30.0f,
                    .max_value = table.maxCoeff()}));
}

}  // namespace

void write_step01_figures(const fs::path& root, int bigram_steps) {
  const fs::path images = root / "steps/01-basics/images";
  spiral_regions(images);
  bpe_merges(images);
  tape_order(images);
  bigram_probabilities(images, bigram_steps);
}

}  // namespace tinygpt::cli
