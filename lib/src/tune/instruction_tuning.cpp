#include "tinygpt/tune/instruction_tuning.h"

#include <algorithm>
#include <map>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/infer/engine.h"

namespace tinygpt::tune {

models::Gpt grow_vocabulary(models::Gpt& gpt, std::int64_t vocab_size) {
  const models::ModelConfig& old_config = gpt.config();
  TINYGPT_CHECK(vocab_size >= old_config.vocab_size, "grow_vocabulary: ", vocab_size,
                " tokens is fewer than the model's ", old_config.vocab_size);
  models::ModelConfig config = old_config;
  config.vocab_size = vocab_size;
  models::Gpt grown(config);
  for (Parameter& parameter : grown.parameters()) {
    const Parameter& old = gpt.parameters().at(parameter.name);
    std::copy(old.value.begin(), old.value.end(), parameter.value.begin());
  }
  Parameter& wte = grown.parameters().at("wte.weight");
  const auto width = static_cast<Eigen::Index>(config.width);
  const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
      old_rows(gpt.parameters().at("wte.weight").value.data(), old_config.vocab_size, width);
  const Eigen::RowVectorXf mean = old_rows.colwise().mean();
  for (std::int64_t row = old_config.vocab_size; row < vocab_size; ++row) {
    Eigen::Map<Eigen::RowVectorXf>(wte.value.data() + row * config.width, width) = mean;
  }
  return grown;
}

void add_chat_markers(models::ModelFolder& folder) {
  if (!folder.chat) folder.chat = text::ChatTemplate{};
  folder.tokenizer = folder.tokenizer.with_specials(folder.chat->markers());
  if (folder.tokenizer.vocab_size() > folder.config.vocab_size) {
    folder.model =
        grow_vocabulary(std::get<models::Gpt>(folder.model), folder.tokenizer.vocab_size());
    folder.config = std::get<models::Gpt>(folder.model).config();
  }
}

ChatBatch chat_batch(std::span<const text::ChatTokens* const> conversations, std::int64_t context) {
  TINYGPT_CHECK(!conversations.empty(), "chat_batch: no conversations");
  ChatBatch out;
  out.batch = static_cast<std::int64_t>(conversations.size());
  for (const text::ChatTokens* conversation : conversations) {
    out.time =
        std::max(out.time, std::min(context, static_cast<std::int64_t>(conversation->ids.size())));
  }
  const auto size = static_cast<std::size_t>(out.batch * out.time);
  out.inputs.assign(size, 0);
  out.targets.assign(size, -1);
  out.mask.assign(size, 0);
  for (std::int64_t b = 0; b < out.batch; ++b) {
    const text::ChatTokens& conversation = *conversations[b];
    const auto length = static_cast<std::size_t>(
        std::min(out.time, static_cast<std::int64_t>(conversation.ids.size())));
    const std::span<const std::int32_t> ids(conversation.ids.data(), length);
    const std::vector<std::int32_t> targets =
        supervised_targets(ids, std::span(conversation.assistant.data(), length));
    std::copy(ids.begin(), ids.end(), out.inputs.begin() + b * out.time);
    std::copy(targets.begin(), targets.end(), out.targets.begin() + b * out.time);
    std::fill_n(out.mask.begin() + b * out.time, length, std::uint8_t{1});
  }
  return out;
}

std::vector<std::vector<std::int32_t>> answer_tokens(
    models::Gpt& gpt, const text::BpeTokenizer& tokenizer, const text::ChatTemplate& chat,
    std::span<const std::vector<text::ChatTurn>> questions,
    const models::GenerateOptions& generation, models::Adapter* adapter,
    models::MatrixProducts* products) {
  const std::int32_t end = tokenizer.special_id(chat.end);
  std::vector<std::vector<std::int32_t>> tokens(questions.size());
  infer::Engine engine(gpt, {.slots = 16, .adapter = adapter, .products = products});
  for (std::size_t i = 0; i < questions.size(); ++i) {
    infer::Request request;
    request.prompt = chat.prompt(tokenizer, questions[i]);
    request.options = generation;
    request.options.seed = generation.seed + i;
    // Room for the answer: a prompt near the context's end (which an adapter's virtual
    // tokens share) would leave none.
    const std::int64_t room = gpt.config().context_length -
                              (adapter != nullptr ? adapter->virtual_tokens() : 0) -
                              static_cast<std::int64_t>(request.prompt.size());
    request.options.max_new_tokens =
        std::max<std::int64_t>(0, std::min(generation.max_new_tokens, room));
    request.options.usable_vocab = tokenizer.vocab_size();
    request.stop_tokens = {end};
    request.on_event = [&tokens, i](const infer::TokenEvent& event) {
      if (event.token) tokens[i].push_back(*event.token);
    };
    if (request.options.max_new_tokens > 0) engine.submit(std::move(request));
  }
  engine.run_until_idle();
  return tokens;
}

std::string answer_text(std::span<const std::int32_t> tokens, const text::BpeTokenizer& tokenizer,
                        const text::ChatTemplate& chat) {
  if (!tokens.empty() && tokens.back() == tokenizer.special_id(chat.end)) {
    tokens = tokens.first(tokens.size() - 1);
  }
  // An untrained model can stop inside a character: reports are JSON, so UTF-8 only.
  return valid_utf8(tokenizer.decode(tokens));
}

std::vector<std::string> answer_questions(models::Gpt& gpt, const text::BpeTokenizer& tokenizer,
                                          const text::ChatTemplate& chat,
                                          std::span<const std::vector<text::ChatTurn>> questions,
                                          const models::GenerateOptions& generation,
                                          models::Adapter* adapter,
                                          models::MatrixProducts* products) {
  std::vector<std::string> answers;
  for (const std::vector<std::int32_t>& answer :
       answer_tokens(gpt, tokenizer, chat, questions, generation, adapter, products)) {
    answers.push_back(answer_text(answer, tokenizer, chat));
  }
  return answers;
}

std::vector<ChatAnswer> answer_all(models::Gpt& gpt, const text::BpeTokenizer& tokenizer,
                                   const text::ChatTemplate& chat,
                                   std::span<const ChatExample> examples,
                                   std::int64_t max_new_tokens, models::Adapter* adapter,
                                   models::MatrixProducts* products) {
  std::vector<std::vector<text::ChatTurn>> questions;
  for (const ChatExample& example : examples) {
    TINYGPT_CHECK(!example.turns.empty() && example.turns.back().role == "assistant", example.id,
                  ": the last turn must be the assistant's reference answer");
    questions.emplace_back(example.turns.begin(), example.turns.end() - 1);
  }
  const std::vector<std::string> texts = answer_questions(
      gpt, tokenizer, chat, questions,
      {.max_new_tokens = max_new_tokens, .sampling = {.temperature = 0.0f}}, adapter, products);
  std::vector<ChatAnswer> answers;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    answers.push_back(
        {examples[i].id, examples[i].skill, examples[i].turns.back().content, texts[i]});
  }
  return answers;
}

std::vector<SkillScore> exact_match_by_skill(std::span<const ChatAnswer> answers) {
  const auto trim = [](const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \n");
    const std::size_t last = text.find_last_not_of(" \n");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  };
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> scores;
  for (const ChatAnswer& answer : answers) {
    if (!scores.contains(answer.skill)) order.push_back(answer.skill);
    scores[answer.skill].push_back(trim(answer.answer) == trim(answer.expected) ? 1.0 : 0.0);
  }
  std::vector<SkillScore> out;
  for (const std::string& skill : order) {
    const std::vector<double>& skill_scores = scores[skill];
    out.push_back(
        {skill, static_cast<std::int64_t>(skill_scores.size()), bootstrap_mean(skill_scores)});
  }
  return out;
}

}  // namespace tinygpt::tune
