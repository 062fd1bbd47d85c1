// Pool-based active learning (eval/active_learning.h): the acquisition functions but entropy
// (exercise 06.6), batch selection, the oracles, and the loop of fine-tuning rounds.
#include "tinygpt/eval/active_learning.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <fstream>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <ostream>
#include <set>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::eval {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr Acquisition kAllAcquisitions[] = {Acquisition::kRandom, Acquisition::kLeastConfidence,
                                            Acquisition::kMargin, Acquisition::kEntropy};

}  // namespace

Acquisition parse_acquisition(std::string_view name) {
  for (const Acquisition acquisition : kAllAcquisitions) {
    if (acquisition_name(acquisition) == name) return acquisition;
  }
  throw Error("unknown strategy \"" + std::string(name) +
              "\"; use one of: random, least_confidence, margin, entropy");
}

std::string acquisition_name(Acquisition acquisition) {
  switch (acquisition) {
    case Acquisition::kRandom:
      return "random";
    case Acquisition::kLeastConfidence:
      return "least_confidence";
    case Acquisition::kMargin:
      return "margin";
    case Acquisition::kEntropy:
      return "entropy";
  }
  return "?";
}

std::vector<double> least_confidence_scores(ConstMatrixRef probabilities) {
  std::vector<double> scores(static_cast<std::size_t>(probabilities.rows()));
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    scores[static_cast<std::size_t>(i)] =
        1.0 - static_cast<double>(probabilities.row(i).maxCoeff());
  }
  return scores;
}

std::vector<double> margin_scores(ConstMatrixRef probabilities) {
  TINYGPT_CHECK(probabilities.cols() >= 2, "margin_scores: needs K >= 2 labels, got ",
                probabilities.cols());
  std::vector<double> scores(static_cast<std::size_t>(probabilities.rows()));
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    // The two largest in one pass: p_(1) >= p_(2).
    double first = -1.0, second = -1.0;
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k) {
      const double p = probabilities(i, k);
      if (p > first) {
        second = first;
        first = p;
      } else if (p > second) {
        second = p;
      }
    }
    scores[static_cast<std::size_t>(i)] = first - second;
  }
  return scores;
}

std::vector<double> acquisition_scores(ConstMatrixRef probabilities, Acquisition acquisition) {
  TINYGPT_CHECK(acquisition != Acquisition::kRandom,
                "acquisition_scores: random choice scores nothing; use random_batch");
  TINYGPT_CHECK(probabilities.cols() >= 2,
                "acquisition_scores: probabilities need K >= 2 "
                "columns (labels), got ",
                probabilities.cols());
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    double sum = 0.0;
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k) {
      const float p = probabilities(i, k);
      TINYGPT_CHECK(std::isfinite(p) && p >= 0.0f && p <= 1.0f, "acquisition_scores: row ", i,
                    " column ", k, " is ", p, ", not a probability in [0, 1]");
      sum += p;
    }
    TINYGPT_CHECK(std::abs(sum - 1.0) <= 1e-3, "acquisition_scores: row ", i, " sums to ", sum,
                  ", not 1");
  }
  switch (acquisition) {
    case Acquisition::kLeastConfidence:
      return least_confidence_scores(probabilities);
    case Acquisition::kMargin:
      return margin_scores(probabilities);
    default:
      return entropy_scores(probabilities);
  }
}

std::vector<std::size_t> most_uncertain(std::span<const double> scores, Acquisition acquisition,
                                        std::size_t count) {
  TINYGPT_CHECK(acquisition != Acquisition::kRandom,
                "most_uncertain: random choice has no scores; use random_batch");
  TINYGPT_CHECK(count <= scores.size(), "most_uncertain: ", count, " asked of ", scores.size(),
                " scores");
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Margin: a small gap between the two likeliest labels is uncertain; the others: a large
  // score is. Ties keep the lower index first, so the choice never depends on the sort.
  const bool smaller_first = acquisition == Acquisition::kMargin;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return smaller_first ? scores[a] < scores[b] : scores[a] > scores[b];
  });
  order.resize(count);
  return order;
}

std::vector<std::size_t> random_batch(std::size_t pool, std::size_t count, std::uint64_t seed,
                                      std::uint64_t round) {
  TINYGPT_CHECK(count <= pool, "random_batch: ", count, " asked of a pool of ", pool);
  TINYGPT_CHECK(pool < (std::size_t{1} << 32), "random_batch: a pool of ", pool, " is too large");
  std::vector<std::size_t> order(pool);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Partial Fisher-Yates: position i takes a uniform pick of what is left; the i-th pick
  // uses the i-th draw, so a smaller count is a prefix of a larger one.
  CounterRng rng(seed, RngStream::kDemo, kActiveLearningStep, round);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t j = i + rng.below(static_cast<std::uint32_t>(pool - i));
    std::swap(order[i], order[j]);
  }
  order.resize(count);
  return order;
}

std::string GroundTruthOracle::label(const tune::LabelledText& review,
                                     const std::vector<std::string>&) {
  return review.label;
}

std::string PromptOracle::label(const tune::LabelledText& review,
                                const std::vector<std::string>& labels) {
  ++asked_;
  out_ << "\n[" << asked_ << "] " << review.id << ": " << review.text << "\n";
  std::string choices;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    choices += (k == 0 ? "" : ", ") + std::to_string(k + 1) + " " + labels[k];
  }
  for (;;) {
    out_ << "label? (" << choices << "): " << std::flush;
    std::string line;
    if (!std::getline(in_, line)) {
      throw Error("the oracle's input ended before an answer about " + review.id + " (question " +
                  std::to_string(asked_) + "); answer each question with a " +
                  "label's name or number");
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    const std::size_t first = line.find_first_not_of(" \t");
    line = first == std::string::npos ? "" : line.substr(first);
    for (std::size_t k = 0; k < labels.size(); ++k) {
      if (line == labels[k] || line == std::to_string(k + 1)) return labels[k];
    }
    out_ << "\"" << line << "\" is not a label; answer one of: " << choices << "\n";
  }
}

std::vector<std::int64_t> label_schedule(std::int64_t start, std::int64_t batch,
                                         std::int64_t budget) {
  TINYGPT_CHECK(start > 0, "--start must be positive, got ", start);
  TINYGPT_CHECK(batch >= 0, "--batch must be 0 (double each round) or positive, got ", batch);
  TINYGPT_CHECK(budget >= start, "--budget ", budget, " is below --start ", start,
                ": the budget counts every labelled review, the seed set's included");
  std::vector<std::int64_t> counts = {start};
  while (counts.back() < budget) {
    counts.push_back(std::min(budget, counts.back() + (batch > 0 ? batch : counts.back())));
  }
  return counts;
}

void check_active_learning(const ActiveLearningConfig& config) {
  TINYGPT_CHECK(!config.strategies.empty(), "--strategy: give at least one strategy");
  TINYGPT_CHECK(!config.seeds.empty(), "--seeds: give at least one seed");
  label_schedule(config.start, config.batch, config.budget);
  TINYGPT_CHECK(config.steps > 0, "--steps must be positive, got ", config.steps);
  TINYGPT_CHECK(config.finetune_batch > 0, "--finetune-batch must be positive, got ",
                config.finetune_batch);
  TINYGPT_CHECK(config.pool >= 0, "--pool must be 0 (every training review) or positive, got ",
                config.pool);
  TINYGPT_CHECK(config.score_batch > 0, "score_batch must be positive, got ", config.score_batch);
  TINYGPT_CHECK(fs::is_regular_file(config.model / "config.json"), "--model ",
                config.model.string(), ": not a model folder (no config.json)");
  TINYGPT_CHECK(fs::is_regular_file(config.data / "reviews.jsonl"), "--data ", config.data.string(),
                ": no reviews.jsonl; generate it with `tinygpt data generate --kinds reviews "
                "--out ",
                config.data.string(), "`");
  TINYGPT_CHECK(!config.out.empty(), "--out: an output folder is needed");
  TINYGPT_CHECK(!fs::exists(config.out) || fs::is_empty(config.out), "--out ", config.out.string(),
                " is not empty; give a new folder (active learning writes world copies and "
                "fine-tuning runs into it)");
  const fs::path inputs[] = {config.model, config.data};
  check_report_folder(config.out, inputs);
}

namespace {

// What one round's classifier measured, and where it is.
struct RoundModel {
  double accuracy = 0.0;
  double macro_f1 = 0.0;
  fs::path model;
};

// The state of one comparison: the world's reviews, the pool, the oracle's answers.
class Loop {
 public:
  Loop(const ActiveLearningConfig& config, Oracle& oracle, std::ostream& log)
      : config_(config), oracle_(oracle), log_(log) {
    std::vector<tune::LabelledText> train = tune::load_reviews(config.data, tune::Split::kTrain);
    labels_ = tune::label_set(train);
    if (config.pool > 0 && static_cast<std::size_t>(config.pool) < train.size()) {
      train.resize(static_cast<std::size_t>(config.pool));
    }
    pool_ = std::move(train);
    TINYGPT_CHECK(static_cast<std::int64_t>(pool_.size()) >= config.budget, "--budget ",
                  config.budget, " is more than the pool's ", pool_.size(),
                  " training reviews (--pool ", config.pool, ")");
    TINYGPT_CHECK(labels_.size() >= 2, "--data ", config.data.string(),
                  ": the training reviews have fewer than two labels");
    // The original records, in file order, to write each round's world copy from.
    records_ = tune::review_records(config.data);
    fs::create_directories(config.out);
    oracle_log_.open(config.out / "oracle.jsonl", std::ios::app);
    TINYGPT_CHECK(oracle_log_.good(), "cannot write ", (config.out / "oracle.jsonl").string());
    test_ = static_cast<std::int64_t>(tune::load_reviews(config.data, tune::Split::kTest).size());
  }

  ActiveLearningReport run() {
    ActiveLearningReport report;
    report.pool = static_cast<std::int64_t>(pool_.size());
    report.test = test_;
    report.oracle = oracle_.name();
    const std::vector<std::int64_t> schedule =
        label_schedule(config_.start, config_.batch, config_.budget);
    for (const std::uint64_t seed : config_.seeds) {
      // The seed set, shared by every strategy: `start` random pool reviews, and more from
      // the same draw while a label is missing (the classifier's head needs every label).
      const std::vector<std::size_t> order = random_batch(pool_.size(), pool_.size(), seed, 0);
      std::map<std::size_t, std::string> labelled;
      std::vector<std::string> added;
      std::set<std::string> seen;
      for (std::size_t i = 0; i < order.size(); ++i) {
        if (static_cast<std::int64_t>(i) >= config_.start && seen.size() == labels_.size()) break;
        const std::string label = ask(order[i], "start", seed, 0);
        labelled[order[i]] = label;
        seen.insert(label);
        added.push_back(pool_[order[i]].id);
      }
      TINYGPT_CHECK(seen.size() == labels_.size(), "the oracle gave only ", seen.size(), " of the ",
                    labels_.size(), " labels to the whole pool; the classifier needs each");
      const fs::path seed_dir = config_.out / ("seed" + std::to_string(seed));
      log_ << "seed " << seed << ": the seed set, " << labelled.size() << " reviews\n";
      const RoundModel start = finetune(seed_dir / "start", labelled, seed);
      log_ << "  " << labelled.size() << " labels: test accuracy " << tune::percent(start.accuracy)
           << "%\n"
           << std::flush;
      Matrix start_probabilities;
      for (const Acquisition strategy : config_.strategies) {
        ActiveLearningCurve curve{strategy, seed, {}};
        curve.rounds.push_back(
            {static_cast<std::int64_t>(labelled.size()), start.accuracy, start.macro_f1, added});
        std::map<std::size_t, std::string> own = labelled;
        std::map<std::string, std::int64_t> round_of;
        for (const auto& [index, label] : own) round_of[pool_[index].id] = 0;
        RoundModel last = start;
        const std::string name = acquisition_name(strategy);
        for (std::size_t r = 1; r < schedule.size(); ++r) {
          const auto want = static_cast<std::size_t>(schedule[r]);
          if (want <= own.size()) continue;
          // The unlabelled pool, in pool order.
          std::vector<std::size_t> unlabelled;
          for (std::size_t i = 0; i < pool_.size(); ++i) {
            if (!own.contains(i)) unlabelled.push_back(i);
          }
          const std::size_t count = want - own.size();
          std::vector<std::size_t> chosen;
          if (strategy == Acquisition::kRandom) {
            chosen = random_batch(unlabelled.size(), count, seed, r);
          } else {
            Matrix fresh;
            const bool from_start = last.model == start.model;
            if (!from_start || start_probabilities.size() == 0) {
              fresh = probabilities(last.model, unlabelled);
              if (from_start) start_probabilities = fresh;
            }
            const std::vector<double> scores =
                acquisition_scores(from_start ? start_probabilities : fresh, strategy);
            chosen = most_uncertain(scores, strategy, count);
          }
          std::vector<std::string> ids;
          for (const std::size_t c : chosen) {
            const std::size_t index = unlabelled[c];
            own[index] = ask(index, name, seed, static_cast<std::int64_t>(r));
            round_of[pool_[index].id] = static_cast<std::int64_t>(r);
            ids.push_back(pool_[index].id);
          }
          last = finetune(seed_dir / name / ("round-" + std::to_string(r)), own, seed);
          curve.rounds.push_back(
              {static_cast<std::int64_t>(own.size()), last.accuracy, last.macro_f1, ids});
          log_ << "  " << name << ", round " << r << ": " << own.size() << " labels, test accuracy "
               << tune::percent(last.accuracy) << "%\n"
               << std::flush;
        }
        std::string jsonl;
        for (const auto& [index, label] : own) {
          jsonl +=
              ordered_json{
                  {"id", pool_[index].id}, {"label", label}, {"round", round_of[pool_[index].id]}}
                  .dump() +
              "\n";
        }
        write_file_atomically(seed_dir / name / "labelled.jsonl", jsonl);
        report.curves.push_back(std::move(curve));
      }
    }
    report.queries = queries_;
    return report;
  }

 private:
  // The oracle's label of pool review `index`: asked once per comparison and logged.
  std::string ask(std::size_t index, const std::string& strategy, std::uint64_t seed,
                  std::int64_t round) {
    const tune::LabelledText& review = pool_[index];
    const auto known = answers_.find(review.id);
    if (known != answers_.end()) return known->second;
    TINYGPT_CHECK(tune::split_of(review.id) == tune::Split::kTrain, "active learning asked about ",
                  review.id, ", which is not a training review");
    std::string label = oracle_.label(review, labels_);
    TINYGPT_CHECK(std::find(labels_.begin(), labels_.end(), label) != labels_.end(), "the ",
                  oracle_.name(), " oracle labelled ", review.id, " \"", label,
                  "\", which is not one of the task's labels");
    ++queries_;
    oracle_log_ << ordered_json{{"strategy", strategy},    {"seed", seed},        {"round", round},
                                {"id", review.id},         {"text", review.text}, {"label", label},
                                {"oracle", oracle_.name()}}
                       .dump()
                << "\n"
                << std::flush;
    answers_[review.id] = label;
    return label;
  }

  // A world copy with only the labelled training reviews (with the oracle's labels) and
  // every dev and test review, in the original order, and a fine-tuning run on it from the
  // pre-trained model.
  RoundModel finetune(const fs::path& dir, const std::map<std::size_t, std::string>& labelled,
                      std::uint64_t seed) {
    std::map<std::string, std::string> label_of;
    for (const auto& [index, label] : labelled) label_of[pool_[index].id] = label;
    std::string reviews;
    for (const ordered_json& record : records_) {
      const std::string id = record["id"].get<std::string>();
      if (tune::split_of(id) != tune::Split::kTrain) {
        reviews += record.dump() + "\n";
        continue;
      }
      const auto found = label_of.find(id);
      if (found == label_of.end()) continue;
      ordered_json copy = record;
      copy["label"] = found->second;
      reviews += copy.dump() + "\n";
    }
    write_file_atomically(dir / "world" / "reviews.jsonl", reviews);

    tune::FinetuneConfig run;
    run.model = config_.model;
    run.data = dir / "world";
    run.out = dir / "finetune";
    run.task = "classify";
    run.method = "full";
    run.seed = seed;
    run.steps = config_.steps;
    run.batch = config_.finetune_batch;
    run.lr = config_.lr;
    run.min_lr = config_.min_lr;
    run.context = config_.context;
    run.eval_interval = config_.steps;
    run.eval_batches = 1;
    run.keep = 1;
    const tune::FinetuneResult result = tune::run_finetune(run);
    const auto report = nlohmann::json::parse(read_file(result.report));
    return {report["groups"]["all"]["accuracy"].get<double>(),
            report["groups"]["all"]["macro_f1"].get<double>(), result.model_dir};
  }

  Matrix probabilities(const fs::path& model, const std::vector<std::size_t>& indices) {
    std::vector<std::string> texts;
    texts.reserve(indices.size());
    for (const std::size_t i : indices) texts.push_back(pool_[i].text);
    tune::TextClassifier classifier(model);
    TINYGPT_CHECK(classifier.labels() == labels_, "the classifier's labels differ from the task's");
    return classifier.probabilities(texts, config_.score_batch);
  }

  const ActiveLearningConfig& config_;
  Oracle& oracle_;
  std::ostream& log_;
  std::vector<tune::LabelledText> pool_;
  std::vector<std::string> labels_;
  std::vector<ordered_json> records_;
  std::map<std::string, std::string> answers_;
  std::ofstream oracle_log_;
  std::int64_t queries_ = 0;
  std::int64_t test_ = 0;
};

// The curves of one strategy, in config order of strategies.
std::vector<Acquisition> strategies_of(const ActiveLearningReport& report) {
  std::vector<Acquisition> out;
  for (const ActiveLearningCurve& curve : report.curves) {
    if (std::find(out.begin(), out.end(), curve.strategy) == out.end()) {
      out.push_back(curve.strategy);
    }
  }
  return out;
}

// Per round index: the accuracies and the labelled counts of one strategy's curves.
struct RoundFigures {
  std::vector<double> accuracy;
  std::vector<std::int64_t> labelled;
};

std::vector<RoundFigures> rounds_of(const ActiveLearningReport& report, Acquisition strategy) {
  std::vector<RoundFigures> rounds;
  for (const ActiveLearningCurve& curve : report.curves) {
    if (curve.strategy != strategy) continue;
    if (rounds.size() < curve.rounds.size()) rounds.resize(curve.rounds.size());
    for (std::size_t r = 0; r < curve.rounds.size(); ++r) {
      rounds[r].accuracy.push_back(curve.rounds[r].accuracy);
      rounds[r].labelled.push_back(curve.rounds[r].labelled);
    }
  }
  return rounds;
}

double mean_of(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

std::string ActiveLearningReport::json() const {
  ordered_json out = {{"oracle", oracle}, {"pool", pool}, {"test", test}, {"queries", queries}};
  out["curves"] = ordered_json::array();
  for (const ActiveLearningCurve& curve : curves) {
    ordered_json rounds = ordered_json::array();
    for (const ActiveLearningRound& round : curve.rounds) {
      rounds.push_back({{"labelled", round.labelled},
                        {"accuracy", round.accuracy},
                        {"macro_f1", round.macro_f1},
                        {"added", round.added}});
    }
    out["curves"].push_back(
        {{"strategy", acquisition_name(curve.strategy)}, {"seed", curve.seed}, {"rounds", rounds}});
  }
  return out.dump(2) + "\n";
}

std::string ActiveLearningReport::markdown() const {
  const std::vector<Acquisition> strategies = strategies_of(*this);
  std::vector<std::vector<RoundFigures>> figures;
  std::size_t rows = 0;
  for (const Acquisition strategy : strategies) {
    figures.push_back(rounds_of(*this, strategy));
    rows = std::max(rows, figures.back().size());
  }
  std::ostringstream md;
  md << "| labelled reviews |";
  for (const Acquisition strategy : strategies) md << " " << acquisition_name(strategy) << " |";
  md << "\n|---:|";
  for (std::size_t s = 0; s < strategies.size(); ++s) md << "---:|";
  md << "\n";
  for (std::size_t r = 0; r < rows; ++r) {
    std::int64_t low = INT64_MAX, high = 0;
    for (const auto& rounds : figures) {
      if (r >= rounds.size()) continue;
      for (const std::int64_t n : rounds[r].labelled)
        low = std::min(low, n), high = std::max(high, n);
    }
    md << "| " << low << (high != low ? " to " + std::to_string(high) : std::string()) << " |";
    for (const auto& rounds : figures) {
      if (r >= rounds.size()) {
        md << " |";
        continue;
      }
      const auto [worst, best] =
          std::minmax_element(rounds[r].accuracy.begin(), rounds[r].accuracy.end());
      md << " " << tune::percent(mean_of(rounds[r].accuracy)) << " (" << tune::percent(*worst)
         << " to " << tune::percent(*best) << ") |";
    }
    md << "\n";
  }
  return md.str();
}

std::string ActiveLearningReport::svg() const {
  const std::vector<Acquisition> strategies = strategies_of(*this);
  std::vector<svg::Series> series;
  std::size_t seeds = 0;
  for (std::size_t s = 0; s < strategies.size(); ++s) {
    const std::vector<RoundFigures> rounds = rounds_of(*this, strategies[s]);
    // Strategies are moved a little sideways so that their whiskers do not overlap.
    const double dodge = 0.05 * (static_cast<double>(s) - 0.5 * (strategies.size() - 1.0));
    svg::Series line{acquisition_name(strategies[s]), {}};
    for (const RoundFigures& round : rounds) {
      seeds = std::max(seeds, round.accuracy.size());
      double labelled = 0.0;
      for (const std::int64_t n : round.labelled) labelled += static_cast<double>(n);
      const double x = std::log2(labelled / static_cast<double>(round.labelled.size())) + dodge;
      const auto [worst, best] = std::minmax_element(round.accuracy.begin(), round.accuracy.end());
      const double mean = 100.0 * mean_of(round.accuracy);
      // One polyline draws the mean's line and, at each point, a whisker from the worst seed
      // to the best: along the line to the mean, down to the worst, up to the best, back.
      line.points.push_back({x, mean});
      line.points.push_back({x, 100.0 * *worst});
      line.points.push_back({x, 100.0 * *best});
      line.points.push_back({x, mean});
    }
    series.push_back(std::move(line));
  }
  return svg::line_chart(
      series, {.title = "Active learning on the reviews: mean test accuracy of " +
                        std::to_string(seeds) + " seed" + (seeds == 1 ? "" : "s"),
               .x_label = "labelled reviews, log2 (4 = 16, 6 = 64, 8 = 256); whiskers: min to "
                          "max over seeds",
               .y_label = "test accuracy %",
               .width = 820});
}

ActiveLearningReport run_active_learning(const ActiveLearningConfig& config, Oracle& oracle,
                                         std::ostream& log) {
  check_active_learning(config);
  Loop loop(config, oracle, log);
  ActiveLearningReport report = loop.run();
  write_file_atomically(config.out / "curves.json", report.json());
  const std::string table = report.markdown();
  write_file_atomically(config.out / "curves.md", table);
  write_file_atomically(config.out / "active_learning.svg", report.svg());
  std::ostringstream md;
  md << "# Active learning\n\nThe pre-trained model `" << config.model.string()
     << "` fine-tuned afresh from its pre-trained weights in every round (" << config.steps
     << " steps of " << config.finetune_batch << " reviews) on the labelled training reviews of `"
     << config.data.string() << "`, chosen from a pool of " << report.pool
     << " by each strategy; the " << report.oracle << " oracle answered " << report.queries
     << " questions (oracle.jsonl). Test accuracy % on " << report.test
     << " test reviews, mean (min to max) over seeds. Written by `tinygpt eval "
        "active-learning`.\n\n"
     << table << "\n![test accuracy against labels](active_learning.svg)\n";
  write_file_atomically(config.out / "REPORT.md", md.str());
  return report;
}

}  // namespace tinygpt::eval
