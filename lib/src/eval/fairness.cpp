// Group metrics on predictions (positive rates, demographic parity, flips, accuracy,
// equalised odds), their bootstrap over probe sets, and the counterfactual texts the
// classifier suite reads: the world's probes and the reviews with a name or pronoun put in.
#include "tinygpt/eval/fairness.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// max - min of some values (0 for none).
double spread(std::span<const double> values) {
  if (values.empty()) return 0.0;
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return *high - *low;
}

// The index of every prediction's group in `groups`; Error for a group not among them.
std::vector<std::size_t> group_indices(std::span<const GroupPrediction> predictions,
                                       std::span<const std::string> groups) {
  std::vector<std::size_t> indices;
  for (const GroupPrediction& p : predictions) {
    const auto at = std::find(groups.begin(), groups.end(), p.group);
    indices.push_back(static_cast<std::size_t>(at - groups.begin()));
  }
  return indices;
}

// The share of predictions of each group for which `hit` holds, among those for which
// `counted` holds; NaN for a group with none counted.
template <typename Counted, typename Hit>
std::vector<double> group_shares(std::span<const GroupPrediction> predictions,
                                 std::span<const std::string> groups, Counted counted, Hit hit) {
  std::vector<double> hits(groups.size(), 0.0), totals(groups.size(), 0.0);
  const std::vector<std::size_t> indices = group_indices(predictions, groups);
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    if (indices[i] == groups.size() || !counted(predictions[i])) continue;
    totals[indices[i]] += 1.0;
    hits[indices[i]] += hit(predictions[i]) ? 1.0 : 0.0;
  }
  std::vector<double> shares;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    shares.push_back(totals[g] > 0.0 ? hits[g] / totals[g] : kNaN);
  }
  return shares;
}

void require_all(std::span<const double> shares, std::span<const std::string> groups,
                 std::string_view what) {
  for (std::size_t g = 0; g < shares.size(); ++g) {
    TINYGPT_CHECK(!std::isnan(shares[g]), what, ": group \"", groups[g],
                  "\" has no prediction to count");
  }
}

void require_gold(std::span<const GroupPrediction> predictions, std::string_view what) {
  for (const GroupPrediction& p : predictions) {
    TINYGPT_CHECK(p.gold >= 0, what, ": a variant of set ", p.set, " (group \"", p.group,
                  "\") has no gold label; accuracy and equalised odds need labelled probes");
  }
}

// The probe sets in order of first appearance, each the indices of its variants.
std::vector<std::vector<std::size_t>> sets_of(std::span<const GroupPrediction> predictions) {
  std::vector<std::vector<std::size_t>> sets;
  std::map<std::int64_t, std::size_t> position;
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    const auto [at, added] = position.try_emplace(predictions[i].set, sets.size());
    if (added) sets.emplace_back();
    sets[at->second].push_back(i);
  }
  return sets;
}

bool labelled(std::span<const GroupPrediction> predictions) {
  return std::all_of(predictions.begin(), predictions.end(),
                     [](const GroupPrediction& p) { return p.gold >= 0; });
}

std::string lowercase_first(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

// Whole-word occurrences of `word` in `text` (letters and digits on neither side).
std::size_t find_word(std::string_view text, std::string_view word, std::size_t from = 0) {
  const auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t at = text.find(word, from); at != std::string_view::npos;
       at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !is_word(text[at - 1]);
    const std::size_t end = at + word.size();
    if (starts && (end == text.size() || !is_word(text[end]))) return at;
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::string> groups_of(std::span<const GroupPrediction> predictions) {
  TINYGPT_CHECK(!predictions.empty(), "fairness: there are no predictions to compare");
  std::vector<std::string> groups;
  for (const GroupPrediction& p : predictions) {
    if (std::find(groups.begin(), groups.end(), p.group) == groups.end()) groups.push_back(p.group);
  }
  TINYGPT_CHECK(groups.size() >= 2, "fairness: every prediction is of group \"", groups[0],
                "\"; a comparison needs at least two groups");
  return groups;
}

std::vector<double> positive_rates(std::span<const GroupPrediction> predictions,
                                   std::int32_t positive, std::span<const std::string> groups) {
  std::vector<double> rates = group_shares(
      predictions, groups, [](const GroupPrediction&) { return true; },
      [positive](const GroupPrediction& p) { return p.predicted == positive; });
  require_all(rates, groups, "positive_rates");
  return rates;
}

double demographic_parity_difference(std::span<const GroupPrediction> predictions,
                                     std::int32_t positive) {
  const std::vector<std::string> groups = groups_of(predictions);
  return spread(positive_rates(predictions, positive, groups));
}

double flip_rate(std::span<const GroupPrediction> predictions) {
  TINYGPT_CHECK(!predictions.empty(), "flip_rate: there are no predictions");
  const std::vector<std::vector<std::size_t>> sets = sets_of(predictions);
  double flipped = 0.0;
  for (const std::vector<std::size_t>& set : sets) {
    const GroupPrediction& first = predictions[set[0]];
    TINYGPT_CHECK(set.size() >= 2, "flip_rate: probe set ", first.set,
                  " has a single variant; a flip needs at least two");
    std::set<std::string> seen;
    bool same = true;
    for (const std::size_t i : set) {
      TINYGPT_CHECK(seen.insert(predictions[i].group).second, "flip_rate: probe set ", first.set,
                    " has group \"", predictions[i].group, "\" twice");
      same = same && predictions[i].predicted == first.predicted;
    }
    flipped += same ? 0.0 : 1.0;
  }
  return flipped / static_cast<double>(sets.size());
}

std::vector<double> group_accuracies(std::span<const GroupPrediction> predictions,
                                     std::span<const std::string> groups) {
  require_gold(predictions, "group_accuracies");
  std::vector<double> accuracies = group_shares(
      predictions, groups, [](const GroupPrediction&) { return true; },
      [](const GroupPrediction& p) { return p.predicted == p.gold; });
  require_all(accuracies, groups, "group_accuracies");
  return accuracies;
}

EqualisedOdds equalised_odds(std::span<const GroupPrediction> predictions, std::int32_t positive,
                             std::span<const std::string> groups) {
  require_gold(predictions, "equalised_odds");
  std::set<std::int32_t> golds;
  for (const GroupPrediction& p : predictions) golds.insert(p.gold);
  // For a gold label y: P(yhat = pos | y, g). With y the positive label this is group g's
  // true-positive rate; with any other y, a false-positive rate.
  EqualisedOdds odds;
  for (const std::int32_t gold : golds) {
    OddsRow row;
    row.gold = gold;
    row.rates = group_shares(
        predictions, groups, [gold](const GroupPrediction& p) { return p.gold == gold; },
        [positive](const GroupPrediction& p) { return p.predicted == positive; });
    for (std::size_t g = 0; g < groups.size(); ++g) {
      TINYGPT_CHECK(!std::isnan(row.rates[g]), "equalised_odds: group \"", groups[g],
                    "\" has no item of gold label ", gold,
                    " while another group has; equalised odds compares groups label by label");
    }
    row.gap = spread(row.rates);
    odds.difference = std::max(odds.difference, row.gap);
    odds.rows.push_back(std::move(row));
  }
  return odds;
}

tune::Interval bootstrap_over_sets(
    std::span<const GroupPrediction> predictions,
    const std::function<double(std::span<const GroupPrediction>)>& statistic, int resamples,
    std::uint64_t seed) {
  TINYGPT_CHECK(resamples >= 1, "bootstrap_over_sets: resamples must be at least 1, got ",
                resamples);
  const std::vector<std::vector<std::size_t>> sets = sets_of(predictions);
  tune::Interval interval;
  interval.value = statistic(predictions);
  std::vector<std::size_t> picks(sets.size());
  std::vector<double> values;
  std::vector<GroupPrediction> sample;
  for (int r = 0; r < resamples; ++r) {
    tune::bootstrap_resample(seed, r, picks);
    sample.clear();
    // A set drawn twice is two sets: its copies get their own set numbers.
    for (std::size_t k = 0; k < picks.size(); ++k) {
      for (const std::size_t i : sets[picks[k]]) {
        sample.push_back(predictions[i]);
        sample.back().set = static_cast<std::int64_t>(k);
      }
    }
    const double value = statistic(sample);
    if (!std::isnan(value)) values.push_back(value);
  }
  if (values.empty()) {
    interval.low = interval.high = interval.value;
    return interval;
  }
  std::sort(values.begin(), values.end());
  interval.low = tune::bootstrap_percentile(values, 0.025);
  interval.high = tune::bootstrap_percentile(values, 0.975);
  return interval;
}

GroupFairness group_fairness(std::span<const GroupPrediction> predictions, std::int32_t positive,
                             int resamples, std::uint64_t seed) {
  const std::vector<std::string> groups = groups_of(predictions);
  GroupFairness figures;
  figures.sets = static_cast<std::int64_t>(sets_of(predictions).size());
  figures.labelled = labelled(predictions);
  // In a resample every group is there when the sets are complete; when one is missing,
  // its figure is NaN and that resample is left out.
  const auto rate_of = [&](std::size_t g) {
    return [&, g](std::span<const GroupPrediction> sample) {
      return group_shares(
          sample, std::span(groups).subspan(g, 1), [](const GroupPrediction&) { return true; },
          [positive](const GroupPrediction& p) { return p.predicted == positive; })[0];
    };
  };
  const auto accuracy_of = [&](std::size_t g) {
    return [&, g](std::span<const GroupPrediction> sample) {
      return group_shares(
          sample, std::span(groups).subspan(g, 1), [](const GroupPrediction&) { return true; },
          [](const GroupPrediction& p) { return p.predicted == p.gold; })[0];
    };
  };
  const auto all_groups = [&](std::span<const double> values) {
    return std::none_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
  };
  const std::vector<double> rates = positive_rates(predictions, positive, groups);
  // Error when a group has no prediction (or, labelled, no gold label) at all.
  if (figures.labelled) group_accuracies(predictions, groups);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    GroupRow row;
    row.group = groups[g];
    row.items = std::count_if(predictions.begin(), predictions.end(),
                              [&](const GroupPrediction& p) { return p.group == groups[g]; });
    row.positive_rate = bootstrap_over_sets(predictions, rate_of(g), resamples, seed);
    row.accuracy = {-1.0, -1.0, -1.0};
    if (figures.labelled) {
      row.accuracy = bootstrap_over_sets(predictions, accuracy_of(g), resamples, seed);
    }
    figures.groups.push_back(row);
  }
  figures.parity_difference = bootstrap_over_sets(
      predictions,
      [&](std::span<const GroupPrediction> sample) {
        const std::vector<double> values = group_shares(
            sample, groups, [](const GroupPrediction&) { return true; },
            [positive](const GroupPrediction& p) { return p.predicted == positive; });
        return all_groups(values) ? spread(values) : kNaN;
      },
      resamples, seed);
  figures.flip_rate = bootstrap_over_sets(
      predictions, [](std::span<const GroupPrediction> sample) { return flip_rate(sample); },
      resamples, seed);
  if (!figures.labelled) return figures;
  figures.accuracy_gap = bootstrap_over_sets(
      predictions,
      [&](std::span<const GroupPrediction> sample) {
        const std::vector<double> values = group_shares(
            sample, groups, [](const GroupPrediction&) { return true; },
            [](const GroupPrediction& p) { return p.predicted == p.gold; });
        return all_groups(values) ? spread(values) : kNaN;
      },
      resamples, seed);
  figures.odds = equalised_odds(predictions, positive, groups).rows;
  figures.equalised_odds = bootstrap_over_sets(
      predictions,
      [&](std::span<const GroupPrediction> sample) {
        std::set<std::int32_t> golds;
        for (const GroupPrediction& p : sample) golds.insert(p.gold);
        double difference = 0.0;
        for (const std::int32_t gold : golds) {
          const std::vector<double> values = group_shares(
              sample, groups, [gold](const GroupPrediction& p) { return p.gold == gold; },
              [positive](const GroupPrediction& p) { return p.predicted == positive; });
          if (!all_groups(values)) return kNaN;
          difference = std::max(difference, spread(values));
        }
        return difference;
      },
      resamples, seed);
  return figures;
}

// ---------------------------------------------------------------------------------------
// Counterfactual texts.

std::vector<data::FairnessProbe> load_fairness_probes(const std::filesystem::path& world,
                                                      std::int64_t sets) {
  const std::filesystem::path file = world / "fairness.jsonl";
  if (!std::filesystem::is_regular_file(file)) {
    const data::World loaded = data::load_world(world);
    return data::make_fairness_probes(loaded, data::make_facts(loaded), sets);
  }
  std::vector<data::FairnessProbe> probes;
  const std::string text = read_file(file);
  std::size_t start = 0;
  for (int line = 1; start < text.size(); ++line) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view record(text.data() + start, end - start);
    start = end + 1;
    if (record.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(line);
    const nlohmann::json json = nlohmann::json::parse(record, nullptr, false);
    TINYGPT_CHECK(json.is_object(), where, ": not a JSON object");
    const auto field = [&](const char* name) -> const nlohmann::json& {
      TINYGPT_CHECK(json.contains(name), where, ": no field \"", name, "\"");
      return json[name];
    };
    const auto string_field = [&](const char* name) {
      const nlohmann::json& value = field(name);
      TINYGPT_CHECK(value.is_string(), where, ": field \"", name, "\" is not a string");
      return value.get<std::string>();
    };
    data::FairnessProbe probe;
    TINYGPT_CHECK(field("probe").is_number_integer(), where, ": field \"probe\" is not an integer");
    probe.probe = field("probe").get<int>();
    probe.template_id = string_field("template");
    probe.axis = string_field("axis");
    TINYGPT_CHECK(probe.axis == "name" || probe.axis == "pronoun", where, ": axis \"", probe.axis,
                  "\" is neither \"name\" nor \"pronoun\"");
    probe.group = string_field("group");
    probe.pattern = string_field("pattern");
    probe.text = string_field("text");
    const nlohmann::json& terms = field("terms");
    TINYGPT_CHECK(terms.is_array() && !terms.empty(), where,
                  ": field \"terms\" is not a list of the words put in");
    for (const nlohmann::json& term : terms) {
      TINYGPT_CHECK(term.is_string(), where, ": field \"terms\" holds a value that is no string");
      probe.terms.push_back(term.get<std::string>());
    }
    if (json.contains("person") && json["person"].is_string()) probe.person = json["person"];
    probes.push_back(std::move(probe));
  }
  TINYGPT_CHECK(!probes.empty(), file.string(), " holds no probe");
  return probes;
}

std::vector<ProbeText> probe_texts(std::span<const data::FairnessProbe> probes,
                                   bool verdict_labels) {
  std::vector<ProbeText> texts;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const data::FairnessProbe& probe = probes[i];
    ProbeText text{probe.probe, probe.axis, probe.group,
                   probe.text,  "",         "fairness:" + std::to_string(i)};
    if (verdict_labels && probe.template_id == "name:4") {
      // "... and it is {verdict}.": the verdict is the pattern's last word.
      for (const auto& [word, label] : {std::pair{"good", "positive"},
                                        {"great", "positive"},
                                        {"bad", "negative"},
                                        {"awful", "negative"}}) {
        if (probe.pattern.ends_with(" " + std::string(word) + ".")) text.label = label;
      }
      TINYGPT_CHECK(!text.label.empty(), "probe_texts: the verdict probe \"", probe.pattern,
                    "\" ends in none of good, great, bad, awful");
    }
    texts.push_back(std::move(text));
  }
  return texts;
}

std::vector<ProbeText> review_name_variants(const data::World& world,
                                            std::span<const tune::LabelledText> reviews) {
  const std::vector<std::vector<std::string>> names = world_names(world);
  std::vector<ProbeText> texts;
  std::int64_t kept = 0;
  for (const tune::LabelledText& review : reviews) {
    // The seller: "I bought the Zorvi from Olvalin." or "..., a kettle from Olvalin.".
    std::size_t at = std::string::npos;
    std::string company;
    for (const data::Company& c : world.companies) {
      const std::size_t found = find_word(review.text, c.name);
      const bool sold = found != std::string::npos && found >= 5 &&
                        std::string_view(review.text).substr(found - 5, 5) == "from ";
      if (sold && (at == std::string::npos || found < at)) {
        at = found;
        company = c.name;
      }
    }
    if (at == std::string::npos) continue;
    const std::size_t person = static_cast<std::size_t>(kept) % names[0].size();
    for (std::size_t g = 0; g < names.size(); ++g) {
      std::string text = review.text;
      text.replace(at, company.size(), names[g][person]);
      texts.push_back({kept, "name", std::string(data::kNamingGroups[g]), std::move(text),
                       review.label, review.id});
    }
    ++kept;
  }
  return texts;
}

std::vector<ProbeText> review_pronoun_variants(std::span<const tune::LabelledText> reviews) {
  std::vector<ProbeText> texts;
  std::int64_t kept = 0;
  for (const tune::LabelledText& review : reviews) {
    if (!review.text.starts_with("I bought ")) continue;
    for (const char* subject : {"She", "He", "They"}) {
      texts.push_back({kept, "pronoun", lowercase_first(subject), subject + review.text.substr(1),
                       review.label, review.id});
    }
    ++kept;
  }
  return texts;
}

}  // namespace tinygpt::eval
