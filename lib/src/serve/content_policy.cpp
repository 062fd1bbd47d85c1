// The content policy: rules compiled once and shared read-only by every server thread, and
// the optional model checks behind one mutex each (a model runs on its own tape).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tinygpt/serve/content_policy.h"

#include <pcre2.h>

#include <array>
#include <cctype>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "tinygpt/align/preference_data.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::serve {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A regex match may take at most this many backtracking steps and this much heap for its
// backtracking state. GPT-2's pre-tokenisation pattern needs a few per byte; a nested
// quantifier like (a+)+$ on 30 letters needs a billion. A million keeps every sane pattern
// on texts of a server's size limit and stops a catastrophic one within milliseconds.
constexpr std::uint32_t kMatchLimit = 1'000'000;
constexpr std::uint32_t kHeapLimitKiB = 20'000;
constexpr std::size_t kLongestPattern = 1000;

enum class Applies { kInput, kOutput, kBoth };

bool applies_to_input(Applies applies) {
  return applies != Applies::kOutput;
}
bool applies_to_output(Applies applies) {
  return applies != Applies::kInput;
}

std::string pcre2_message(int code) {
  std::array<PCRE2_UCHAR, 256> buffer{};
  pcre2_get_error_message(code, buffer.data(), buffer.size());
  return reinterpret_cast<const char*>(buffer.data());
}

// Letters, digits, '_' and every byte of a multi-byte UTF-8 character: a word boundary is
// between one of these and anything else.
bool is_word_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || std::isalnum(byte) != 0 || c == '_';
}

// Lower-cases ASCII letters and turns every run of whitespace into one space, so "Pipe\n
// Bomb" and "pipe bomb" are the same words.
std::string fold(std::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  bool space = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = true;
      continue;
    }
    if (space && !folded.empty()) folded.push_back(' ');
    space = false;
    folded.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return folded;
}

// Whether `pattern` (folded) occurs in `text` (folded) with word boundaries on each side
// where the pattern itself starts or ends with a word byte ("c++" needs none after it).
bool contains_word(std::string_view text, std::string_view pattern) {
  const bool left = is_word_byte(pattern.front());
  const bool right = is_word_byte(pattern.back());
  for (std::size_t at = text.find(pattern); at != std::string_view::npos;
       at = text.find(pattern, at + 1)) {
    const std::size_t end = at + pattern.size();
    const bool starts = !left || at == 0 || !is_word_byte(text[at - 1]);
    const bool ends = !right || end == text.size() || !is_word_byte(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

struct CompiledPattern {
  pcre2_code* code = nullptr;
  explicit CompiledPattern(pcre2_code* compiled) : code(compiled) {}
  CompiledPattern(const CompiledPattern&) = delete;
  CompiledPattern& operator=(const CompiledPattern&) = delete;
  ~CompiledPattern() { pcre2_code_free(code); }
};

struct Rule {
  std::string name;
  Applies applies = Applies::kBoth;
  bool regex = false;
  std::vector<std::string> words;                             // folded, for word rules
  std::vector<std::unique_ptr<CompiledPattern>> expressions;  // for regex rules
  std::string message;
};

enum class RegexResult { kNoMatch, kMatch, kTooExpensive };

RegexResult regex_search(const CompiledPattern& pattern, std::string_view text) {
  // Match data and limits per call: pcre2_match on a shared compiled pattern is thread-safe,
  // a shared match data block is not.
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(pattern.code, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  TINYGPT_CHECK(data != nullptr && context != nullptr, "content policy: out of memory");
  pcre2_set_match_limit(context, kMatchLimit);
  pcre2_set_heap_limit(context, kHeapLimitKiB);
  const int found = pcre2_match(pattern.code, reinterpret_cast<PCRE2_SPTR>(text.data()),
                                text.size(), 0, 0, data, context);
  pcre2_match_context_free(context);
  pcre2_match_data_free(data);
  if (found >= 0) return RegexResult::kMatch;
  if (found == PCRE2_ERROR_NOMATCH) return RegexResult::kNoMatch;
  // The step or memory limit, or anything else the matcher could not finish: refuse.
  return RegexResult::kTooExpensive;
}

// The optional classifier: TextClassifier runs on its own tape, so one text at a time.
struct ClassifierCheck {
  std::string name;
  Applies applies = Applies::kOutput;
  std::string label;
  std::int32_t column = 0;
  double threshold = 0.5;
  std::string message;
  mutable std::mutex mutex;
  mutable std::unique_ptr<tune::TextClassifier> classifier;
};

// The optional reward model: a GPT with a reward head and chat markers.
struct RewardCheck {
  std::string name;
  double min_score = 0.0;
  std::string message;
  mutable std::mutex mutex;
  mutable std::optional<models::ModelFolder> folder;
};

// ---------------------------------------------------------------------------------------
// Reading the file: every error names the file, the place and the field.

std::string where_rule(const fs::path& origin, std::size_t index) {
  return origin.string() + ": rules[" + std::to_string(index) + "]";
}

void check_fields(const json& object, std::initializer_list<std::string_view> allowed,
                  const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const std::string_view field : allowed) known = known || key == field;
    std::string list;
    for (const std::string_view field : allowed)
      list += (list.empty() ? "" : ", ") + std::string(field);
    TINYGPT_CHECK(known, where, ": unknown field \"", key, "\" (the fields are ", list, ")");
  }
}

std::string string_field(const json& object, const char* field, const std::string& where,
                         std::optional<std::string> fallback = std::nullopt) {
  if (!object.contains(field) && fallback) return *fallback;
  TINYGPT_CHECK(object.contains(field), where, ": field \"", field, "\" is missing");
  TINYGPT_CHECK(object[field].is_string(), where, ": field \"", field, "\" must be a string, got ",
                object[field].dump());
  std::string value = object[field].get<std::string>();
  TINYGPT_CHECK(!value.empty(), where, ": field \"", field, "\" is empty");
  return value;
}

double number_field(const json& object, const char* field, const std::string& where) {
  TINYGPT_CHECK(object.contains(field), where, ": field \"", field, "\" is missing");
  TINYGPT_CHECK(object[field].is_number(), where, ": field \"", field, "\" must be a number, got ",
                object[field].dump());
  return object[field].get<double>();
}

Applies parse_applies(const json& object, const std::string& where,
                      std::optional<std::string> fallback) {
  const std::string value = string_field(object, "applies_to", where, fallback);
  if (value == "input") return Applies::kInput;
  if (value == "output") return Applies::kOutput;
  TINYGPT_CHECK(value == "both", where, ": field \"applies_to\" is \"", value,
                "\"; expected \"input\", \"output\" or \"both\"");
  return Applies::kBoth;
}

std::string check_name(const json& object, const std::string& where, std::set<std::string>& seen) {
  std::string name = string_field(object, "name", where);
  for (const char c : name) {
    TINYGPT_CHECK(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_', where,
                  ": field \"name\" is \"", name, "\"; use letters, digits, '-' and '_'");
  }
  TINYGPT_CHECK(seen.insert(name).second, where, ": field \"name\": \"", name,
                "\" names an earlier rule too");
  return name;
}

std::unique_ptr<CompiledPattern> compile_regex(const std::string& pattern,
                                               const std::string& where) {
  TINYGPT_CHECK(pattern.size() <= kLongestPattern, where, " is ", pattern.size(),
                " bytes long; at most ", kLongestPattern);
  int error = 0;
  PCRE2_SIZE offset = 0;
  // MATCH_INVALID_UTF: a text with broken UTF-8 is still searched, never an error.
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS, &error, &offset, nullptr);
  TINYGPT_CHECK(code != nullptr, where,
                " is not a valid regular expression: ", pcre2_message(error), " at offset ", offset,
                " of \"", pattern, "\"");
  return std::make_unique<CompiledPattern>(code);
}

Rule parse_rule(const json& object, std::size_t index, const fs::path& origin,
                std::set<std::string>& names) {
  const std::string where = where_rule(origin, index);
  TINYGPT_CHECK(object.is_object(), where, " must be an object, got ", object.dump());
  check_fields(object, {"name", "applies_to", "match", "patterns", "message"}, where);
  Rule rule;
  rule.name = check_name(object, where, names);
  rule.applies = parse_applies(object, where, std::nullopt);
  const std::string match = string_field(object, "match", where);
  TINYGPT_CHECK(match == "word" || match == "regex", where, ": field \"match\" is \"", match,
                "\"; expected \"word\" or \"regex\"");
  rule.regex = match == "regex";
  rule.message = string_field(object, "message", where);
  TINYGPT_CHECK(
      object.contains("patterns") && object["patterns"].is_array() && !object["patterns"].empty(),
      where, ": field \"patterns\" must be a non-empty array of strings");
  const json& patterns = object["patterns"];
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    const std::string at = where + ": patterns[" + std::to_string(p) + "]";
    TINYGPT_CHECK(patterns[p].is_string(), at, " must be a string, got ", patterns[p].dump());
    const std::string pattern = patterns[p].get<std::string>();
    if (rule.regex) {
      TINYGPT_CHECK(!pattern.empty(), at, " is empty (it would match every text)");
      rule.expressions.push_back(compile_regex(pattern, at));
    } else {
      std::string folded = fold(pattern);
      TINYGPT_CHECK(!folded.empty(), at, " is empty (it would match every text)");
      rule.words.push_back(std::move(folded));
    }
  }
  return rule;
}

}  // namespace

struct ContentPolicy::Impl {
  std::vector<Rule> rules;
  std::unique_ptr<ClassifierCheck> classifier;  // or nullptr
  std::unique_ptr<RewardCheck> reward;          // or nullptr
};

namespace {

std::unique_ptr<ClassifierCheck> parse_classifier(const json& object, const fs::path& origin,
                                                  std::set<std::string>& names) {
  const std::string where = origin.string() + ": classifier";
  TINYGPT_CHECK(object.is_object(), where, " must be an object, got ", object.dump());
  check_fields(object, {"name", "model", "adapter", "label", "threshold", "applies_to", "message"},
               where);
  auto check = std::make_unique<ClassifierCheck>();
  check->name = check_name(object, where, names);
  check->applies = parse_applies(object, where, "output");
  check->label = string_field(object, "label", where);
  check->threshold = number_field(object, "threshold", where);
  TINYGPT_CHECK(check->threshold > 0.0 && check->threshold <= 1.0, where,
                ": field \"threshold\" is ", check->threshold,
                "; expected a probability in (0, 1]");
  check->message = string_field(object, "message", where);
  const fs::path base = origin.parent_path();
  const fs::path model = base / string_field(object, "model", where);
  const fs::path adapter =
      object.contains("adapter") ? base / string_field(object, "adapter", where) : fs::path();
  try {
    check->classifier = std::make_unique<tune::TextClassifier>(model, adapter);
    check->column = check->classifier->label_index(check->label);
  } catch (const Error& error) {
    throw Error(where + ": " + error.what());
  }
  return check;
}

std::unique_ptr<RewardCheck> parse_reward(const json& object, const fs::path& origin,
                                          std::set<std::string>& names) {
  const std::string where = origin.string() + ": reward_model";
  TINYGPT_CHECK(object.is_object(), where, " must be an object, got ", object.dump());
  check_fields(object, {"name", "model", "min_score", "message"}, where);
  auto check = std::make_unique<RewardCheck>();
  check->name = check_name(object, where, names);
  check->min_score = number_field(object, "min_score", where);
  check->message = string_field(object, "message", where);
  const fs::path model = origin.parent_path() / string_field(object, "model", where);
  try {
    check->folder = models::load_model_folder(model);
  } catch (const Error& error) {
    throw Error(where + ": " + error.what());
  }
  const bool reward_head = check->folder->head.has_value() && check->folder->head->task == "reward";
  TINYGPT_CHECK(reward_head && check->folder->chat.has_value() &&
                    std::holds_alternative<models::Gpt>(check->folder->model),
                where, ": ", model.string(),
                " is not a reward model (a GPT with chat markers and a \"reward\" head, as "
                "`tinygpt align --method reward` writes)");
  return check;
}

PolicyDecision refuse(const std::string& name, const std::string& message) {
  return {.allowed = false, .policy = name, .message = message};
}

// The rules of one side, in file order.
std::optional<PolicyDecision> check_rules(const std::vector<Rule>& rules, std::string_view text,
                                          bool input) {
  std::string folded;  // folded once, on the first word rule
  for (const Rule& rule : rules) {
    if (!(input ? applies_to_input(rule.applies) : applies_to_output(rule.applies))) continue;
    if (!rule.regex) {
      if (folded.empty()) folded = fold(text);
      for (const std::string& word : rule.words) {
        if (contains_word(folded, word)) return refuse(rule.name, rule.message);
      }
      continue;
    }
    for (const auto& expression : rule.expressions) {
      const RegexResult result = regex_search(*expression, text);
      if (result == RegexResult::kMatch) return refuse(rule.name, rule.message);
      if (result == RegexResult::kTooExpensive) {
        return refuse(rule.name, "The content policy could not finish checking this text.");
      }
    }
  }
  return std::nullopt;
}

std::optional<PolicyDecision> check_classifier(const ClassifierCheck* check, std::string_view text,
                                               bool input) {
  if (check == nullptr) return std::nullopt;
  if (!(input ? applies_to_input(check->applies) : applies_to_output(check->applies))) {
    return std::nullopt;
  }
  const std::string texts[] = {std::string(text)};
  double probability = 0.0;
  {
    const std::lock_guard<std::mutex> lock(check->mutex);
    probability = check->classifier->probabilities(texts, 1)(0, check->column);
  }
  if (probability >= check->threshold) return refuse(check->name, check->message);
  return std::nullopt;
}

std::optional<PolicyDecision> check_reward(const RewardCheck* check, std::string_view text,
                                           std::string_view prompt) {
  if (check == nullptr) return std::nullopt;
  float score = 0.0f;
  {
    const std::lock_guard<std::mutex> lock(check->mutex);
    models::ModelFolder& folder = *check->folder;
    const text::ChatTokens tokens = align::encode_answer(std::string(prompt), std::string(text),
                                                         folder.tokenizer, *folder.chat);
    const text::ChatTokens* rows[] = {&tokens};
    // An answer longer than the context is scored on its beginning (chat_batch keeps the
    // first tokens), like the reward model saw its training pairs.
    const tune::ChatBatch batch = tune::chat_batch(rows, folder.config.context_length);
    Tape tape;
    const NoGradGuard no_grad(tape);
    const Tensor scores = align::reward_scores(tape, std::get<models::Gpt>(folder.model), batch);
    score = scores.matrix()(0, 0);
  }
  if (score < check->min_score) return refuse(check->name, check->message);
  return std::nullopt;
}

}  // namespace

ContentPolicy::ContentPolicy() : impl_(std::make_shared<const Impl>()) {}

ContentPolicy::ContentPolicy(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

PolicyDecision ContentPolicy::check_input(std::string_view text) const {
  if (auto decision = check_rules(impl_->rules, text, true)) return *decision;
  if (auto decision = check_classifier(impl_->classifier.get(), text, true)) return *decision;
  return {};
}

PolicyDecision ContentPolicy::check_output(std::string_view text, std::string_view prompt) const {
  if (auto decision = check_rules(impl_->rules, text, false)) return *decision;
  if (auto decision = check_classifier(impl_->classifier.get(), text, false)) return *decision;
  if (auto decision = check_reward(impl_->reward.get(), text, prompt)) return *decision;
  return {};
}

std::vector<std::string> ContentPolicy::names() const {
  std::vector<std::string> names;
  for (const Rule& rule : impl_->rules) names.push_back(rule.name);
  if (impl_->classifier) names.push_back(impl_->classifier->name);
  if (impl_->reward) names.push_back(impl_->reward->name);
  return names;
}

ContentPolicy parse_content_policy(std::string_view json_text, const fs::path& origin) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw Error(origin.string() + ": not valid JSON: " + error.what());
  }
  const std::string where = origin.string();
  TINYGPT_CHECK(document.is_object(), where, ": a policy must be a JSON object");
  check_fields(document, {"rules", "classifier", "reward_model"}, where);
  TINYGPT_CHECK(document.contains("rules") && document["rules"].is_array(), where,
                ": field \"rules\" must be an array (it may be empty)");
  auto impl = std::make_shared<ContentPolicy::Impl>();
  std::set<std::string> names;
  const json& rules = document["rules"];
  for (std::size_t i = 0; i < rules.size(); ++i) {
    impl->rules.push_back(parse_rule(rules[i], i, origin, names));
  }
  if (document.contains("classifier")) {
    impl->classifier = parse_classifier(document["classifier"], origin, names);
  }
  if (document.contains("reward_model")) {
    impl->reward = parse_reward(document["reward_model"], origin, names);
  }
  return ContentPolicy(std::move(impl));
}

ContentPolicy load_content_policy(const fs::path& file) {
  return parse_content_policy(read_file(file), file);
}

// ---------------------------------------------------------------------------------------
// Politeness: the world's polite preference pairs as a classification task and as a test.

double PolitenessFigures::precision() const {
  const std::int64_t refused = refused_polite + refused_rude;
  return refused == 0 ? 0.0 : static_cast<double>(refused_rude) / static_cast<double>(refused);
}

double PolitenessFigures::recall() const {
  return rude == 0 ? 0.0 : static_cast<double>(refused_rude) / static_cast<double>(rude);
}

double PolitenessFigures::accuracy() const {
  const std::int64_t all = polite + rude;
  return all == 0 ? 0.0
                  : static_cast<double>(refused_rude + polite - refused_polite) /
                        static_cast<double>(all);
}

PolitenessFigures measure_politeness(const ContentPolicy& policy, const fs::path& world,
                                     std::string_view split) {
  PolitenessFigures figures;
  for (const tune::PreferencePair& pair : tune::load_preferences(world, tune::parse_split(split))) {
    if (pair.reason != "polite") continue;
    ++figures.polite;
    ++figures.rude;
    if (!policy.check_output(pair.chosen, pair.prompt).allowed) ++figures.refused_polite;
    if (!policy.check_output(pair.rejected, pair.prompt).allowed) ++figures.refused_rude;
  }
  TINYGPT_CHECK(figures.polite > 0, "world ", world.string(),
                ": no \"polite\" preference pairs in ", "the ", split,
                " split (generate it with --kinds preferences)");
  return figures;
}

std::int64_t write_politeness_task(const fs::path& world, const fs::path& out) {
  std::ostringstream lines;
  std::int64_t records = 0;
  std::int64_t counter = 0;  // makes every record's id unique
  for (const tune::Split split : {tune::Split::kTrain, tune::Split::kDev, tune::Split::kTest}) {
    for (const tune::PreferencePair& pair : tune::load_preferences(world, split)) {
      if (pair.reason != "polite") continue;
      for (const auto& [label, text] :
           {std::pair{"polite", &pair.chosen}, {"rude", &pair.rejected}}) {
        // The first id of this answer that split_of() puts in the pair's own split.
        std::string id;
        do {
          id = "politeness:" + std::to_string(counter++);
        } while (tune::split_of(id) != split);
        lines << json{{"id", id}, {"text", *text}, {"label", label}, {"construction", "politeness"}}
                     .dump()
              << "\n";
        ++records;
      }
    }
  }
  TINYGPT_CHECK(records > 0, "world ", world.string(),
                ": no \"polite\" preference pairs (generate it with --kinds preferences)");
  write_file_atomically(out / "reviews.jsonl", lines.str());
  return records;
}

}  // namespace tinygpt::serve
