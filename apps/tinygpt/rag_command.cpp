// `tinygpt rag`: retrieval over the generated world's encyclopedia (retrieve/bm25.h) and
// retrieval-augmented generation (retrieve/rag.h). `rag index` builds a BM25 index of a
// world's fact sentences into one file, `rag search` prints the passages that best match a
// question, with their scores, `rag evaluate` measures recall@k and MRR on the world's
// question/answer pairs; `rag ask` answers a question from its passages, `rag
// training-data` writes a world copy to instruction-tune a model on that format, and `rag
// hallucination` compares closed-book and retrieval-augmented answers on held-out facts.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/retrieve/bm25.h"
#include "tinygpt/retrieve/dense.h"
#include "tinygpt/retrieve/hallucination.h"
#include "tinygpt/retrieve/rag.h"
#include "tinygpt/retrieve/world_retrieval.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::cli {

namespace {

struct RagOptions {
  std::filesystem::path data;
  std::filesystem::path index;
  std::filesystem::path model;  // rag evaluate --model: the dense retriever as well
  std::string question;
  std::int64_t k = 5;
  std::vector<std::int64_t> ks = {1, 5, 10};
  retrieve::RagOptions rag;  // BM25's k1 and b (every subcommand); passages per prompt
  double threshold = 0.0;    // rag ask: "I don't know." when the best score is below it
  std::int64_t max_new_tokens = 48;
};

void run_index(const RagOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const retrieve::Bm25Index index(retrieve::read_world_passages(options.data));
  index.save(options.index);
  std::cout << "indexed " << index.size() << " passages of "
            << (options.data / "facts.jsonl").string() << " (" << index.term_count() << " terms, "
            << std::fixed << std::setprecision(2) << index.average_length()
            << " terms per passage on average) into " << options.index.string() << " in "
            << std::setprecision(3) << seconds_since(start) << " s\n";
}

void run_search(const RagOptions& options) {
  const retrieve::Bm25Index index = retrieve::Bm25Index::load(options.index);
  const std::vector<retrieve::Hit> hits =
      index.search(options.question, options.k, options.rag.bm25);
  if (hits.empty()) {
    std::cout << "no passage shares a word with the question\n";
    return;
  }
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const retrieve::Passage& passage = index.passages()[static_cast<std::size_t>(hits[i].passage)];
    std::ostringstream score;
    score << std::setprecision(5) << hits[i].score;
    std::cout << std::setw(2) << i + 1 << "  " << std::setw(8) << score.str() << "  " << passage.id
              << "  " << passage.text << "\n";
  }
}

void run_evaluate(const RagOptions& options) {
  const retrieve::Bm25Index index = retrieve::Bm25Index::load(options.index);
  const std::vector<retrieve::Question> questions = retrieve::read_world_questions(options.data);
  std::vector<retrieve::Question> seen;
  std::vector<retrieve::Question> held_out;
  for (const retrieve::Question& question : questions) {
    (question.held_out ? held_out : seen).push_back(question);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto print = [&](const char* name, const std::vector<retrieve::Question>& subset) {
    if (subset.empty()) return;
    const retrieve::RetrievalQuality quality =
        retrieve::evaluate_bm25(index, subset, options.ks, index.size(), options.rag.bm25);
    std::cout << std::left << std::setw(10) << name << std::right << std::setw(6)
              << quality.questions;
    std::cout << std::fixed << std::setprecision(3);
    for (const double recall : quality.recall) std::cout << std::setw(11) << recall;
    std::cout << std::setw(8) << quality.mrr << "\n";
  };
  std::cout << "BM25 (k1 " << options.rag.bm25.k1 << ", b " << options.rag.bm25.b << ") on "
            << (options.data / "qa.jsonl").string() << ", " << index.size() << " passages\n";
  std::cout << std::left << std::setw(10) << "questions" << std::right << std::setw(6) << "n";
  for (const std::int64_t k : options.ks)
    std::cout << std::setw(11) << ("recall@" + std::to_string(k));
  std::cout << std::setw(8) << "MRR"
            << "\n";
  print("all", questions);
  print("seen", seen);
  print("held-out", held_out);
  if (!options.model.empty()) {
    // The dense retriever on the same passages and questions, ranked to the same depth.
    models::ModelFolder model = models::load_model_folder(options.model);
    const retrieve::DenseIndex dense(model, index.passages());
    std::vector<std::vector<retrieve::Hit>> ranking;
    std::vector<std::int64_t> relevant;
    for (const retrieve::Question& question : questions) {
      std::int64_t position = -1;
      for (std::size_t p = 0; p < index.passages().size(); ++p) {
        if (index.passages()[p].id == question.relevant) position = static_cast<std::int64_t>(p);
      }
      TINYGPT_CHECK(position >= 0, "question ", question.id, " asks about '", question.relevant,
                    "', which is not in ", options.index.string());
      relevant.push_back(position);
      ranking.push_back(dense.search(question.text, index.size()));
    }
    const retrieve::RetrievalQuality quality =
        retrieve::retrieval_quality(retrieve::relevant_ranks(ranking, relevant), options.ks);
    std::cout << std::left << std::setw(10) << "dense" << std::right << std::setw(6)
              << quality.questions << std::fixed << std::setprecision(3);
    for (const double recall : quality.recall) std::cout << std::setw(11) << recall;
    std::cout << std::setw(8) << quality.mrr << "  (all questions; mean-pooled "
              << options.model.string() << ")\n";
  }
  std::cout << std::setprecision(2) << "(" << seconds_since(start) << " s)\n";
}

void run_ask(const RagOptions& options) {
  const retrieve::Bm25Index index = retrieve::Bm25Index::load(options.index);
  const retrieve::Retrieved retrieved =
      retrieve::retrieve_passages(index, options.question, options.rag);
  std::cout << "passages (BM25 score):\n";
  for (std::size_t i = 0; i < retrieved.hits.size(); ++i) {
    std::cout << "[" << i + 1 << "] (" << std::fixed << std::setprecision(3)
              << retrieved.hits[i].score << ") " << retrieved.texts[i] << "\n";
  }
  if (retrieved.hits.empty() || retrieved.top_score < options.threshold) {
    std::cout << "answer (best score below the threshold " << options.threshold
              << ", the model is not asked): I don't know.\n";
    return;
  }
  models::PretrainedGpt model = models::load_pretrained_gpt(options.model);
  TINYGPT_CHECK(model.chat.has_value(), "--model ", options.model.string(),
                " has no chat markers: give an instruction-tuned model");
  const std::vector<std::vector<text::ChatTurn>> conversation = {
      {{"user", retrieve::rag_request(options.question, retrieved.texts)}}};
  const models::GenerateOptions greedy{.max_new_tokens = options.max_new_tokens,
                                       .sampling = {.temperature = 0.0f}};
  std::cout << "answer: "
            << tune::answer_questions(model.model, model.tokenizer, *model.chat, conversation,
                                      greedy)
                   .front()
            << "\n";
}

void run_training_data(const RagOptions& options) {
  const retrieve::RagWorld written =
      retrieve::write_rag_world(options.data, options.index, options.rag);
  std::cout << options.index.string() << ": " << written.conversations
            << " RAG conversations about seen facts, " << written.counterfactual
            << " of them counterfactual (" << written.not_retrieved
            << " training questions left out: their passage was not in the top "
            << options.rag.passages << ") after the world's " << written.instructions
            << " instructions; instruction-tune on it with `tinygpt finetune --task instruct "
               "--data "
            << options.index.string() << "`\n";
}

void add_bm25_options(CLI::App* command, RagOptions& options) {
  command->add_option("--k1", options.rag.bm25.k1, "BM25's term-frequency saturation")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_option("--b", options.rag.bm25.b, "BM25's length normalisation")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
}

}  // namespace

void register_rag_command(CLI::App& app) {
  CLI::App* rag = app.add_subcommand(
      "rag", "Retrieval over the world's encyclopedia and retrieval-augmented answers");
  rag->require_subcommand(1);
  auto options = std::make_shared<RagOptions>();

  CLI::App* index = rag->add_subcommand(
      "index", "Index the fact sentences of a generated world (facts.jsonl) into one file");
  index->add_option("--data", options->data, "A folder made by `tinygpt data generate`")
      ->required();
  index->add_option("--out", options->index, "The index file to write")->required();
  index->callback([options] { run_index(*options); });

  CLI::App* search = rag->add_subcommand(
      "search", "Print the passages of an index that best match a question, with BM25 scores");
  search->add_option("--index", options->index, "An index made by `tinygpt rag index`")->required();
  search->add_option("question", options->question, "The question")->required();
  search->add_option("--k", options->k, "How many passages to print")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000}));
  add_bm25_options(search, *options);
  search->callback([options] { run_search(*options); });

  CLI::App* evaluate = rag->add_subcommand(
      "evaluate", "Recall@k and MRR of BM25 on a world's question/answer pairs (qa.jsonl)");
  evaluate->add_option("--index", options->index, "An index made by `tinygpt rag index`")
      ->required();
  evaluate->add_option("--data", options->data, "The world the index was made from")->required();
  evaluate->add_option("--ks", options->ks, "The cut-offs of recall")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  evaluate->add_option("--model", options->model,
                       "Also rank with a dense retriever: the mean-pooled hidden states of this "
                       "GPT or encoder model folder (cosine, exact search)");
  add_bm25_options(evaluate, *options);
  evaluate->callback([options] { run_evaluate(*options); });

  const auto add_passages = [&options](CLI::App* command) {
    command->add_option("--k", options->rag.passages, "Passages put into the prompt")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{64}));
    add_bm25_options(command, *options);
  };
  CLI::App* ask = rag->add_subcommand(
      "ask", "Answer a question with a chat model, the passages BM25 finds put into its prompt");
  ask->add_option("--model", options->model, "An instruction-tuned model folder")->required();
  ask->add_option("--index", options->index, "An index made by `tinygpt rag index`")->required();
  ask->add_option("question", options->question, "The question")->required();
  ask->add_option("--threshold", options->threshold,
                  "Answer \"I don't know.\" when the best BM25 score is below this (0: never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  ask->add_option("--max-new-tokens", options->max_new_tokens, "The longest answer")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{4096}));
  add_passages(ask);
  ask->callback([options] { run_ask(*options); });

  CLI::App* training = rag->add_subcommand(
      "training-data",
      "Write a world copy whose instructions add RAG conversations about seen facts");
  training->add_option("--data", options->data, "A folder made by `tinygpt data generate`")
      ->required();
  training->add_option("--out", options->index, "The world copy: a new or empty folder")
      ->required();
  training
      ->add_option("--counterfactual", options->rag.counterfactual,
                   "Share of the conversations whose fact states another value in its passage "
                   "and answer, so that only reading gives the answer")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  training->add_option("--seed", options->rag.seed, "Which conversations are counterfactual")
      ->capture_default_str();
  add_passages(training);
  training->callback([options] { run_training_data(*options); });

  auto experiment = std::make_shared<retrieve::HallucinationConfig>();
  CLI::App* hallucination = rag->add_subcommand(
      "hallucination",
      "Closed-book against retrieval-augmented answers on held-out and seen facts");
  hallucination->add_option("--chat", experiment->chat, "An instruction-tuned model folder")
      ->required();
  hallucination->add_option("--rag-model", experiment->rag_model,
                            "A model tuned on `rag training-data` (optional)");
  hallucination->add_option("--data", experiment->data, "The world (kinds facts and qa)")
      ->required();
  hallucination->add_option("--out", experiment->out, "The report folder: new or empty")
      ->required();
  hallucination
      ->add_option("--questions", experiment->questions,
                   "Test questions per group, held-out and seen (0: all)")
      ->capture_default_str();
  hallucination
      ->add_option("--dev-questions", experiment->dev_questions,
                   "Dev questions per group for the threshold (0: all)")
      ->capture_default_str();
  hallucination->add_option("--max-new-tokens", experiment->max_new_tokens, "The longest answer")
      ->capture_default_str();
  add_passages(hallucination);
  hallucination->callback([options, experiment] {
    experiment->rag.passages = options->rag.passages;
    experiment->rag.bm25 = options->rag.bm25;
    const retrieve::HallucinationReport report =
        retrieve::run_hallucination(*experiment, std::cout);
    std::cout << report.markdown << "\nwritten to " << report.folder.string() << "\n";
  });
}

}  // namespace tinygpt::cli
