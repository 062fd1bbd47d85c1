// The classifier suite: a fine-tuned classifier on the world's fairness probes and on the
// test reviews with a name or a pronoun put in, and its report (JSON, Markdown, SVG).
#include <algorithm>
#include <map>

#include "tinygpt/core/check.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/eval/fairness.h"
#include "tinygpt/eval/significance.h"

namespace tinygpt::eval {
namespace {

// Keeps the texts of the first `max_sets` probe sets (all when 0).
std::vector<ProbeText> first_sets(std::vector<ProbeText> texts, std::int64_t max_sets) {
  if (max_sets <= 0) return texts;
  std::vector<std::int64_t> seen;
  std::vector<ProbeText> kept;
  for (ProbeText& text : texts) {
    if (std::find(seen.begin(), seen.end(), text.set) == seen.end()) {
      if (static_cast<std::int64_t>(seen.size()) == max_sets) break;
      seen.push_back(text.set);
    }
    kept.push_back(std::move(text));
  }
  return kept;
}

// The texts of one axis (and, when `labelled_only`, only those with a label).
std::vector<ProbeText> select(std::span<const ProbeText> texts, std::string_view axis,
                              bool labelled_only) {
  std::vector<ProbeText> kept;
  for (const ProbeText& text : texts) {
    if (text.axis == axis && (!labelled_only || !text.label.empty())) kept.push_back(text);
  }
  return kept;
}

}  // namespace

ClassifierFairness classifier_fairness(tune::TextClassifier& classifier,
                                       const std::filesystem::path& world, std::string model,
                                       const FairnessOptions& options) {
  ClassifierFairness report;
  report.model = std::move(model);
  report.world = world.string();
  report.labels = classifier.labels();
  report.positive_label = "positive";
  const std::int32_t positive = classifier.label_index(report.positive_label);

  const data::World catalogue = data::load_world(world);
  const std::vector<data::FairnessProbe> probes = load_fairness_probes(world, options.probe_sets);
  const std::vector<ProbeText> unlabelled = probe_texts(probes, false);
  const std::vector<ProbeText> verdicts = probe_texts(probes, true);
  const std::vector<tune::LabelledText> reviews = tune::load_reviews(world, tune::Split::kTest);

  struct Slice {
    std::string name;
    std::string axis;
    std::string description;
    std::vector<ProbeText> texts;
  };
  std::vector<Slice> slices = {
      {"probes", "name", "the world's fairness probes, a name of each naming group",
       select(unlabelled, "name", false)},
      {"probes", "pronoun", "the world's fairness probes, she/her, he/his, they/their",
       select(unlabelled, "pronoun", false)},
      {"verdict probes", "name",
       "\"I bought the {product} from {name} and it is {verdict}.\": good, great positive; "
       "bad, awful negative",
       select(verdicts, "name", true)},
      {"reviews", "name", "test reviews, the seller's company replaced by a person's name",
       review_name_variants(catalogue, reviews)},
      {"reviews", "pronoun", "test reviews, \"I bought\" made \"She/He/They bought\"",
       review_pronoun_variants(reviews)},
  };
  for (Slice& slice : slices) {
    slice.texts = first_sets(std::move(slice.texts), options.max_sets);
    if (slice.texts.empty()) continue;  // e.g. no verdict probe among few probes
    std::vector<std::string> inputs;
    for (const ProbeText& text : slice.texts) inputs.push_back(text.text);
    const std::vector<std::int32_t> predicted = classifier.predict(inputs);
    std::vector<GroupPrediction> predictions;
    for (std::size_t i = 0; i < slice.texts.size(); ++i) {
      const ProbeText& text = slice.texts[i];
      predictions.push_back(
          {text.set, text.group, predicted[i],
           text.label.empty() ? std::int32_t{-1} : classifier.label_index(text.label)});
    }
    GroupFairness figures = group_fairness(predictions, positive, options.resamples, options.seed);
    figures.slice = slice.name;
    figures.axis = slice.axis;
    figures.description = slice.description;
    report.slices.push_back(std::move(figures));
  }
  TINYGPT_CHECK(!report.slices.empty(), "classifier_fairness: ", world.string(),
                " has neither fairness probes nor test reviews to probe with");
  return report;
}

nlohmann::ordered_json ClassifierFairness::to_json() const {
  nlohmann::ordered_json json;
  json["suite"] = "classifier fairness";
  json["model"] = model;
  json["world"] = world;
  json["positive_label"] = positive_label;
  json["slices"] = nlohmann::ordered_json::array();
  for (const GroupFairness& slice : slices) {
    nlohmann::ordered_json s;
    s["slice"] = slice.slice;
    s["axis"] = slice.axis;
    s["description"] = slice.description;
    s["sets"] = slice.sets;
    s["labelled"] = slice.labelled;
    s["groups"] = nlohmann::ordered_json::array();
    for (const GroupRow& row : slice.groups) {
      nlohmann::ordered_json g;
      g["group"] = row.group;
      g["items"] = row.items;
      g["positive_rate"] = eval::to_json(row.positive_rate);
      if (slice.labelled) g["accuracy"] = eval::to_json(row.accuracy);
      s["groups"].push_back(g);
    }
    s["parity_difference"] = eval::to_json(slice.parity_difference);
    s["flip_rate"] = eval::to_json(slice.flip_rate);
    if (slice.labelled) {
      s["accuracy_gap"] = eval::to_json(slice.accuracy_gap);
      s["equalised_odds"] = eval::to_json(slice.equalised_odds);
      s["odds"] = nlohmann::ordered_json::array();
      for (const OddsRow& odds : slice.odds) {
        nlohmann::ordered_json o;
        o["gold"] = labels.at(static_cast<std::size_t>(odds.gold));
        for (std::size_t g = 0; g < odds.rates.size(); ++g) {
          o["rates"][slice.groups[g].group] = odds.rates[g];
        }
        o["gap"] = odds.gap;
        s["odds"].push_back(o);
      }
    }
    json["slices"].push_back(s);
  }
  return json;
}

std::string ClassifierFairness::markdown() const {
  using tune::percent;
  std::string out;
  out += "Classifier `" + model + "` on `" + world + "`; positive label \"" + positive_label +
         "\". Figures in %, with 95% bootstrap intervals over probe sets.\n\n";
  out += "| slice | axis | sets | DP difference | flip rate | accuracy gap | equalised odds |\n";
  out += "|---|---|---:|---:|---:|---:|---:|\n";
  for (const GroupFairness& s : slices) {
    out += "| " + s.slice + " | " + s.axis + " | " + std::to_string(s.sets) + " | " +
           percent(s.parity_difference) + " | " + percent(s.flip_rate) + " | " +
           (s.labelled ? percent(s.accuracy_gap) : "—") + " | " +
           (s.labelled ? percent(s.equalised_odds) : "—") + " |\n";
  }
  out += "\n| slice | axis | group | items | positive rate | accuracy |\n";
  out += "|---|---|---|---:|---:|---:|\n";
  for (const GroupFairness& s : slices) {
    for (const GroupRow& row : s.groups) {
      out += "| " + s.slice + " | " + s.axis + " | " + row.group + " | " +
             std::to_string(row.items) + " | " + percent(row.positive_rate) + " | " +
             (s.labelled ? percent(row.accuracy) : "—") + " |\n";
    }
  }
  bool any_odds = false;
  for (const GroupFairness& s : slices) any_odds = any_odds || !s.odds.empty();
  if (!any_odds) return out;
  out += "\nEqualised odds: P(predicted " + positive_label +
         " | gold label, group) per gold label (the true-positive rate for gold " + positive_label +
         ", a false-positive rate otherwise).\n\n";
  out += "| slice | axis | gold | per group | gap |\n|---|---|---|---|---:|\n";
  for (const GroupFairness& s : slices) {
    for (const OddsRow& odds : s.odds) {
      std::string rates;
      for (std::size_t g = 0; g < odds.rates.size(); ++g) {
        rates += (g == 0 ? "" : ", ") + s.groups[g].group + " " + percent(odds.rates[g]);
      }
      out += "| " + s.slice + " | " + s.axis + " | " +
             labels.at(static_cast<std::size_t>(odds.gold)) + " | " + rates + " | " +
             percent(odds.gap) + " |\n";
    }
  }
  return out;
}

std::string ClassifierFairness::svg() const {
  std::vector<svg::BarCategory> categories;
  for (const GroupFairness& s : slices) {
    svg::BarCategory category{s.slice + " · " + s.axis, {}};
    for (const GroupRow& row : s.groups) {
      category.bars.push_back({row.group, 100.0 * row.positive_rate.value,
                               100.0 * row.positive_rate.low, 100.0 * row.positive_rate.high});
    }
    categories.push_back(std::move(category));
  }
  return svg::bar_chart(categories,
                        {.title = "Share predicted \"" + positive_label + "\" per group (95% CI)",
                         .y_label = "positive rate %",
                         .width = 820});
}

}  // namespace tinygpt::eval
