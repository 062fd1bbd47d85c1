// The greedy word-substitution attack (eval/attack.h): each review is a small state machine
// (its clean score, then the words' importance, then one word at a time), and every round
// scores the texts of all the reviews still under attack in one call of the classifier.
#include "tinygpt/eval/attack.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/eval/perturb.h"

namespace tinygpt::eval {

namespace {

constexpr CharEdit kEdits[] = {CharEdit::kSwap, CharEdit::kInsert, CharEdit::kDelete,
                               CharEdit::kKeyboard};

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string lowercase(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A word's first run of ASCII letters ("good" in "good."): what the tables are about.
struct Core {
  std::size_t begin = 0;
  std::size_t end = 0;
};

Core letter_core(std::string_view word) {
  Core core;
  while (core.begin < word.size() && !is_ascii_letter(word[core.begin])) ++core.begin;
  core.end = core.begin;
  while (core.end < word.size() && is_ascii_letter(word[core.end])) ++core.end;
  return core;
}

// The words a typo must not spell: the synonym table (sentiment words and their synonyms
// among them) and the structural words. A typo that lands on one is a different word, not a
// misspelling, and might carry another polarity.
const std::set<std::string, std::less<>>& reserved_words() {
  static const std::set<std::string, std::less<>> words = [] {
    // The structural words (perturb.h) are never attacked and a typo never produces them.
    std::set<std::string, std::less<>> out(structural_words().begin(), structural_words().end());
    for (const std::vector<std::string_view>& group : synonym_groups()) {
      for (const std::string_view word : group) {
        out.emplace(word);
        const std::string_view antonym = sentiment_antonym(word);
        if (!antonym.empty()) out.emplace(antonym);
      }
    }
    return out;
  }();
  return words;
}

// `replacement` (lowercase) with the first letter in the case of `original`'s.
std::string in_case_of(std::string_view original, std::string_view replacement) {
  std::string out(replacement);
  if (!original.empty() && original[0] >= 'A' && original[0] <= 'Z' && !out.empty()) {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  return out;
}

// The column with the largest probability (the first on a tie, as predict() does).
std::int32_t best_column(const Matrix& probabilities, Eigen::Index row) {
  Eigen::Index column = 0;
  probabilities.row(row).maxCoeff(&column);
  return static_cast<std::int32_t>(column);
}

// substitution_candidates(), and in `synonyms` how many of them (the first ones) are synonyms.
std::vector<std::string> candidates_of(std::string_view word, const AttackOptions& options,
                                       std::span<const float> draws, std::size_t& synonyms) {
  const auto typos = static_cast<std::size_t>(options.typos_per_edit);
  TINYGPT_CHECK(draws.size() == std::size(kEdits) * 2 * typos, "substitution_candidates: expected ",
                std::size(kEdits) * 2 * typos, " draws, got ", draws.size());
  const Core core = letter_core(word);
  const std::string lower = lowercase(word.substr(core.begin, core.end - core.begin));
  std::vector<std::string> out;
  synonyms = 0;
  if (is_structural_word(lower)) return out;
  const auto add = [&out, word](std::string candidate) {
    if (candidate != word && std::find(out.begin(), out.end(), candidate) == out.end()) {
      out.push_back(std::move(candidate));
    }
  };
  if (options.synonyms && !lower.empty()) {
    for (const std::vector<std::string_view>& group : synonym_groups()) {
      if (std::find(group.begin(), group.end(), lower) == group.end()) continue;
      for (const std::string_view other : group) {
        if (other == lower) continue;
        add(std::string(word.substr(0, core.begin)) + in_case_of(word.substr(core.begin), other) +
            std::string(word.substr(core.end)));
      }
    }
  }
  synonyms = out.size();
  if (!is_noise_eligible(word)) return out;
  const std::set<std::string, std::less<>>& reserved = reserved_words();
  for (std::size_t e = 0; e < std::size(kEdits); ++e) {
    for (std::size_t k = 0; k < typos; ++k) {
      const std::size_t at = 2 * (e * typos + k);
      std::string typo = perturb_word_characters(word, kEdits[e], draws[at], draws[at + 1]);
      if (reserved.count(word_core(typo)) > 0) continue;
      add(std::move(typo));
    }
  }
  return out;
}

// One review under attack.
class ReviewAttack {
 public:
  enum class Phase { kClean, kImportance, kSubstitute, kConfirm, kDone };

  ReviewAttack(const tune::LabelledText& review, std::int32_t label, std::uint64_t index,
               const AttackOptions& options) {
    result_.id = review.id;
    result_.original = review.text;
    result_.attacked = review.text;
    result_.label = label;
    // The text as separators and words: separators_[i] precedes word i, the last one
    // trails.
    const std::string_view text = review.text;
    std::size_t i = 0;
    while (true) {
      const std::size_t start = i;
      while (i < text.size() && is_ascii_space(text[i])) ++i;
      separators_.emplace_back(text.substr(start, i - start));
      if (i == text.size()) break;
      const std::size_t begin = i;
      while (i < text.size() && !is_ascii_space(text[i])) ++i;
      words_.emplace_back(text.substr(begin, i - begin));
    }
    const auto n = static_cast<std::int64_t>(words_.size());
    result_.words = n;
    result_.budget = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(options.budget * static_cast<double>(n)));
    // Every word's draws, in text order, before any is used: word i's typos do not depend
    // on the order in which the attack visits the words.
    CounterRng rng(options.seed, RngStream::kDemo, kAttackStep, index);
    std::vector<float> draws(std::size(kEdits) * 2 *
                             static_cast<std::size_t>(options.typos_per_edit));
    for (const std::string& word : words_) {
      for (float& u : draws) u = rng.uniform();
      candidates_.push_back(candidates_of(word, options, draws, synonyms_.emplace_back()));
    }
  }

  Phase phase() const { return phase_; }
  const AttackedText& result() const { return result_; }

  // The texts this round asks the classifier about.
  std::vector<std::string> queries() {
    pending_.clear();
    switch (phase_) {
      case Phase::kClean:
      case Phase::kConfirm:
        pending_.push_back(text());
        break;
      case Phase::kImportance:
        for (std::size_t w = 0; w < words_.size(); ++w) {
          if (!candidates_[w].empty()) pending_.push_back(text_without(w));
        }
        break;
      case Phase::kSubstitute: {
        const std::size_t w = order_[next_];
        const std::string kept = words_[w];
        for (const std::string& candidate : candidates_[w]) {
          words_[w] = candidate;
          pending_.push_back(text());
        }
        words_[w] = kept;
        break;
      }
      case Phase::kDone:
        break;
    }
    result_.queries += static_cast<std::int64_t>(pending_.size());
    return pending_;
  }

  // The classifier's answers to queries(): rows [first, first + queries) of `scores`.
  void update(const Matrix& scores, Eigen::Index first) {
    const std::int32_t y = result_.label;
    const auto p_true = [&](std::size_t q) {
      return static_cast<double>(scores(first + static_cast<Eigen::Index>(q), y));
    };
    const auto prediction = [&](std::size_t q) {
      return best_column(scores, first + static_cast<Eigen::Index>(q));
    };
    switch (phase_) {
      case Phase::kClean:
        p_ = result_.clean_probability = p_true(0);
        result_.clean_prediction = result_.prediction = prediction(0);
        result_.attempted = result_.prediction == y;
        phase_ = Phase::kImportance;
        // Not attacked: already wrong, or no word has a candidate.
        if (!result_.attempted || attackable_words() == 0) finish();
        break;
      case Phase::kImportance: {
        // I(w) = p_y(x) - p_y(x without w), visited largest first, ties left first.
        std::vector<double> importance;
        for (std::size_t w = 0, q = 0; w < words_.size(); ++w) {
          if (candidates_[w].empty()) continue;
          order_.push_back(w);
          importance.push_back(p_ - p_true(q++));
        }
        std::vector<std::size_t> rank(order_.size());
        std::iota(rank.begin(), rank.end(), std::size_t{0});
        std::stable_sort(rank.begin(), rank.end(), [&importance](std::size_t a, std::size_t b) {
          return importance[a] > importance[b];
        });
        std::vector<std::size_t> sorted;
        for (const std::size_t r : rank) sorted.push_back(order_[r]);
        order_ = std::move(sorted);
        phase_ = Phase::kSubstitute;
        break;
      }
      case Phase::kSubstitute:
        substitute(scores, first);
        break;
      case Phase::kConfirm:
        result_.prediction = prediction(0);
        p_ = p_true(0);
        if (result_.prediction != y) {
          result_.success = true;
          finish();
        } else {
          // Scored alone the text keeps its label (a near tie the batch tipped): go on.
          phase_ = Phase::kSubstitute;
          if (spent()) finish();
        }
        break;
      case Phase::kDone:
        break;
    }
  }

 private:
  std::size_t attackable_words() const {
    return static_cast<std::size_t>(std::count_if(candidates_.begin(), candidates_.end(),
                                                  [](const auto& c) { return !c.empty(); }));
  }

  bool spent() const {
    return static_cast<std::int64_t>(result_.substitutions.size()) >= result_.budget ||
           next_ >= order_.size();
  }

  // The best candidate of the word being visited: one that changes the prediction, with
  // the lowest p_y, else the lowest p_y of all; kept when it changes the prediction or
  // lowers p_y.
  void substitute(const Matrix& scores, Eigen::Index first) {
    const std::size_t w = order_[next_++];
    const std::int32_t y = result_.label;
    std::size_t best = 0;
    bool best_flips = false;
    double best_p = 2.0;
    for (std::size_t q = 0; q < pending_.size(); ++q) {
      const Eigen::Index row = first + static_cast<Eigen::Index>(q);
      const double p = scores(row, y);
      const bool flips = best_column(scores, row) != y;
      if ((flips && !best_flips) || (flips == best_flips && p < best_p)) {
        best = q;
        best_flips = flips;
        best_p = p;
      }
    }
    if (best_flips || best_p < p_) {
      result_.substitutions.push_back({.word = static_cast<std::int64_t>(w),
                                       .from = words_[w],
                                       .to = candidates_[w][best],
                                       .synonym = best < synonyms_[w]});
      words_[w] = candidates_[w][best];
      p_ = best_p;
      result_.prediction = best_column(scores, first + static_cast<Eigen::Index>(best));
      if (best_flips) {
        phase_ = Phase::kConfirm;
        return;
      }
    }
    if (spent()) finish();
  }

  void finish() {
    phase_ = Phase::kDone;
    result_.attacked = text();
    result_.final_probability = p_;
  }

  std::string text() const {
    std::string out = separators_[0];
    for (std::size_t w = 0; w < words_.size(); ++w) out += words_[w] + separators_[w + 1];
    return out;
  }

  // The text without word w and the white space after it (before it, for the last word).
  std::string text_without(std::size_t w) const {
    std::string out = separators_[0];
    const std::size_t n = words_.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (i == w) continue;
      out += words_[i];
      const bool last_kept = i + 1 == w && w + 1 == n;
      out += last_kept ? separators_[n] : separators_[i + 1];
    }
    if (w + 1 == n && n == 1) out += separators_[1];
    return out;
  }

  AttackedText result_;
  std::vector<std::string> separators_;               // n + 1
  std::vector<std::string> words_;                    // n, as they stand now
  std::vector<std::vector<std::string>> candidates_;  // n, from the original words
  std::vector<std::size_t> synonyms_;                 // n, how many candidates are synonyms
  std::vector<std::size_t> order_;                    // words by importance
  std::size_t next_ = 0;                              // the next word of order_ to try
  double p_ = 0.0;                                    // p_y of the current text
  Phase phase_ = Phase::kClean;
  std::vector<std::string> pending_;  // this round's queries
};

}  // namespace

void check_attack_options(const AttackOptions& options) {
  TINYGPT_CHECK(options.budget > 0.0 && options.budget <= 1.0,
                "attack: budget (the share of a review's words that may change) must be in "
                "(0, 1], got ",
                options.budget);
  TINYGPT_CHECK(options.typos_per_edit >= 0 && options.typos_per_edit <= 16,
                "attack: typos_per_edit must be in [0, 16], got ", options.typos_per_edit);
  TINYGPT_CHECK(options.synonyms || options.typos_per_edit > 0,
                "attack: no candidates (synonyms off and typos_per_edit 0)");
  TINYGPT_CHECK(options.batch > 0, "attack: batch must be positive, got ", options.batch);
  TINYGPT_CHECK(options.resamples >= 1, "attack: resamples must be positive, got ",
                options.resamples);
}

std::vector<std::string> attack_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_ascii_space(text[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < text.size() && !is_ascii_space(text[i])) ++i;
    words.emplace_back(text.substr(begin, i - begin));
  }
  return words;
}

std::vector<std::string> substitution_candidates(std::string_view word,
                                                 const AttackOptions& options,
                                                 std::span<const float> draws) {
  std::size_t synonyms = 0;
  return candidates_of(word, options, draws, synonyms);
}

AttackReport attack_reviews(tune::TextClassifier& classifier,
                            std::span<const tune::LabelledText> reviews,
                            const AttackOptions& options) {
  check_attack_options(options);
  TINYGPT_CHECK(!reviews.empty(), "attack: no reviews to attack");
  const auto start = std::chrono::steady_clock::now();
  std::vector<ReviewAttack> attacks;
  attacks.reserve(reviews.size());
  for (std::size_t i = 0; i < reviews.size(); ++i) {
    attacks.emplace_back(reviews[i], classifier.label_index(reviews[i].label), i, options);
  }
  using Phase = ReviewAttack::Phase;
  while (true) {
    // One round: every review's texts in one call, except the confirmations, which are
    // scored alone so that an example's verdict does not depend on its batch.
    std::vector<std::string> texts;
    std::vector<std::pair<std::size_t, Eigen::Index>> owners;  // (attack, first row)
    std::vector<std::size_t> confirming;
    for (std::size_t a = 0; a < attacks.size(); ++a) {
      const Phase phase = attacks[a].phase();
      if (phase == Phase::kDone) continue;
      if (phase == Phase::kConfirm) {
        confirming.push_back(a);
        continue;
      }
      owners.emplace_back(a, static_cast<Eigen::Index>(texts.size()));
      for (std::string& text : attacks[a].queries()) texts.push_back(std::move(text));
    }
    if (owners.empty() && confirming.empty()) break;
    if (!texts.empty()) {
      const Matrix scores = classifier.probabilities(texts, options.batch);
      for (const auto& [a, first] : owners) attacks[a].update(scores, first);
    }
    for (const std::size_t a : confirming) {
      const Matrix scores = classifier.probabilities(attacks[a].queries(), 1);
      attacks[a].update(scores, 0);
    }
  }

  AttackReport report;
  report.labels = classifier.labels();
  report.options = options;
  std::int64_t words_changed = 0;
  std::int64_t queries = 0;
  for (const ReviewAttack& attack : attacks) {
    const AttackedText& text = attack.result();
    report.texts.push_back(text);
    report.attempted += text.attempted ? 1 : 0;
    report.successes += text.success ? 1 : 0;
    if (text.success) words_changed += static_cast<std::int64_t>(text.substitutions.size());
    if (text.attempted) queries += text.queries;
  }
  report.clean_accuracy =
      tune::bootstrap_mean(report.clean_scores(), options.resamples, options.seed);
  report.attacked_accuracy =
      tune::bootstrap_mean(report.attacked_scores(), options.resamples, options.seed);
  const auto per = [](std::int64_t total, std::int64_t count) {
    return count == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(count);
  };
  report.success_rate = per(report.successes, report.attempted);
  report.mean_words_changed = per(words_changed, report.successes);
  report.mean_queries = per(queries, report.attempted);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace tinygpt::eval
