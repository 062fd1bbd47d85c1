// What an attack reports (eval/attack.h): per-review scores for paired comparisons, the
// figures as JSON and Markdown, and the adversarial examples.
#include <cstdio>
#include <sstream>

#include "tinygpt/eval/attack.h"

namespace tinygpt::eval {

namespace {

// Text in a Markdown table cell: a '|' would end the cell.
std::string table_cell(std::string_view text) {
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// A review's text in a Markdown table cell, the attack's words in bold.
std::string marked(const AttackedText& text) {
  std::vector<std::string> words = attack_words(text.attacked);
  for (const WordSubstitution& change : text.substitutions) {
    const auto w = static_cast<std::size_t>(change.word);
    if (w < words.size()) words[w] = "**" + words[w] + "**";
  }
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return table_cell(out);
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

}  // namespace

std::vector<double> AttackReport::attacked_scores() const {
  std::vector<double> scores;
  for (const AttackedText& text : texts) scores.push_back(text.attempted && !text.success);
  return scores;
}

std::vector<double> AttackReport::clean_scores() const {
  std::vector<double> scores;
  for (const AttackedText& text : texts) scores.push_back(text.attempted);
  return scores;
}

std::vector<const AttackedText*> AttackReport::examples() const {
  std::vector<const AttackedText*> out;
  for (const AttackedText& text : texts) {
    if (text.success) out.push_back(&text);
  }
  return out;
}

nlohmann::ordered_json AttackReport::to_json(std::size_t examples) const {
  using nlohmann::ordered_json;
  const auto interval = [](const tune::Interval& x) {
    return ordered_json{{"value", x.value}, {"low", x.low}, {"high", x.high}};
  };
  ordered_json out;
  out["options"] = {{"budget", options.budget},
                    {"typos_per_edit", options.typos_per_edit},
                    {"synonyms", options.synonyms},
                    {"seed", options.seed}};
  out["reviews"] = texts.size();
  out["attempted"] = attempted;
  out["successes"] = successes;
  out["success_rate"] = success_rate;
  out["clean_accuracy"] = interval(clean_accuracy);
  out["attacked_accuracy"] = interval(attacked_accuracy);
  out["mean_words_changed"] = mean_words_changed;
  out["mean_queries"] = mean_queries;
  out["seconds"] = seconds;
  ordered_json listed = ordered_json::array();
  for (const AttackedText* text : this->examples()) {
    if (listed.size() >= examples) break;
    ordered_json changes = ordered_json::array();
    for (const WordSubstitution& change : text->substitutions) {
      changes.push_back({{"word", change.word},
                         {"from", change.from},
                         {"to", change.to},
                         {"kind", change.synonym ? "synonym" : "typo"}});
    }
    listed.push_back({{"id", text->id},
                      {"original", text->original},
                      {"attacked", text->attacked},
                      {"label", labels[static_cast<std::size_t>(text->label)]},
                      {"prediction", labels[static_cast<std::size_t>(text->prediction)]},
                      {"label_probability_before", text->clean_probability},
                      {"label_probability_after", text->final_probability},
                      {"queries", text->queries},
                      {"substitutions", std::move(changes)}});
  }
  out["examples"] = std::move(listed);
  return out;
}

std::string AttackReport::markdown(std::size_t examples) const {
  std::ostringstream out;
  out << "| reviews | clean accuracy % | attacked | successes | success rate % | accuracy "
         "under attack % | words changed per success | queries per attacked review |\n"
      << "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
      << "| " << texts.size() << " | " << tune::percent(clean_accuracy) << " | " << attempted
      << " | " << successes << " | " << tune::percent(success_rate) << " | "
      << tune::percent(attacked_accuracy) << " | " << fixed(mean_words_changed, 2) << " | "
      << fixed(mean_queries, 1) << " |\n";
  const std::vector<const AttackedText*> found = this->examples();
  if (found.empty() || examples == 0) return out.str();
  out << "\n| label | predicted after | original | adversarial (changed words in bold) |\n"
      << "|---|---|---|---|\n";
  for (std::size_t i = 0; i < found.size() && i < examples; ++i) {
    const AttackedText& text = *found[i];
    out << "| " << labels[static_cast<std::size_t>(text.label)] << " | "
        << labels[static_cast<std::size_t>(text.prediction)] << " | " << table_cell(text.original)
        << " | " << marked(text) << " |\n";
  }
  return out.str();
}

}  // namespace tinygpt::eval
