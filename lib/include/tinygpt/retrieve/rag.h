/// @file rag.h
/// @brief Retrieval-augmented generation (Lewis et al., 2020) over the generated world: the
/// passages BM25 finds for a question go into the chat model's prompt, so a model can state
/// a fact it never read in training, copied from the passage that states it.
///
/// The prompt is one user turn of the chat template, built the way an instruction record
/// is (tune::load_instructions(): instruction, a blank line, input):
///
///     Answer the question from the passages.
///
///     [1] Draenvan lies on the river Losel.
///     [2] Draenvan is in the region of Ardmoor.
///     [3] ...
///     Question: Which river is Draenvan on?
///
/// A model never taught this format may ignore the passages, so write_rag_world() writes
/// instruction-tuning data in it: one conversation per training question about a **seen**
/// fact, its passages retrieved from an index of the seen facts only, so no held-out fact
/// (data/generator.h) appears in any training text, prompt or answer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/retrieve/bm25.h"

namespace tinygpt::retrieve {

/// The instruction of every RAG prompt.
inline constexpr std::string_view kRagInstruction = "Answer the question from the passages.";

/// @brief The input of a RAG prompt: the passages numbered from 1, one per line, then the
/// question ("[1] ...\n[2] ...\nQuestion: ...").
/// @param question the question.
/// @param passages the passages' texts, best first; may be empty.
/// @return the input.
std::string rag_input(std::string_view question, std::span<const std::string> passages);

/// @brief The user's turn of a RAG prompt: kRagInstruction, a blank line and rag_input(), as
/// tune::load_instructions() builds it from a record with that instruction and input.
/// @param question the question.
/// @param passages the passages' texts, best first.
/// @return the user's turn.
std::string rag_request(std::string_view question, std::span<const std::string> passages);

/// @brief How many passages go into a prompt and how they are ranked, and (for training
/// data) how many conversations are counterfactual.
struct RagOptions {
  std::int64_t passages = 3;  ///< k: the top-k passages, >= 1
  Bm25Options bm25;           ///< k1 and b
  /// write_rag_world(): the share of conversations, in [0, 1], whose fact's passage and
  /// answer state another value of the attribute, one the model never read with that
  /// entity: the answer can then come from the passage only, not from memory (a model
  /// trained on seen facts alone learns to recall them and ignores the passages of facts it
  /// does not know).
  double counterfactual = 0.0;
  std::uint64_t seed = 1;  ///< which conversations are counterfactual, and their values
};

/// @brief What retrieval found for one question.
struct Retrieved {
  std::vector<Hit> hits;           ///< the top passages, best first (fewer when few match)
  std::vector<std::string> texts;  ///< their texts, in the same order
  double top_score = 0.0;          ///< the best BM25 score, 0 when nothing matched
};

/// @brief The top passages of a question.
/// @param index the index.
/// @param question the question.
/// @param options k, k1 and b; Error when k < 1.
/// @return the passages.
Retrieved retrieve_passages(const Bm25Index& index, std::string_view question,
                            const RagOptions& options);

/// @brief What write_rag_world() wrote.
struct RagWorld {
  std::int64_t conversations = 0;  ///< RAG conversations added to instructions.jsonl
  /// Training questions left out because their fact's passage was not among the top k (a
  /// conversation whose answer is in no passage would teach the model to invent it).
  std::int64_t not_retrieved = 0;
  std::int64_t instructions = 0;    ///< the world's own instruction records, kept as they are
  std::int64_t counterfactual = 0;  ///< conversations whose fact states another value
};

/// @brief A fact's sentence with its value replaced: the first whole-word occurrence of
/// `value` ("Ossel", "42 crowns") becomes `replacement`. Error when the value is not in it.
/// @param sentence the fact's sentence.
/// @param value the fact's value as in text.
/// @param replacement another value of the same attribute.
/// @return the counterfactual sentence.
std::string replace_value(std::string_view sentence, std::string_view value,
                          std::string_view replacement);

/// @brief Writes a copy of a world for instruction tuning on the RAG format: every file as it
/// is, but instructions.jsonl holds the world's instruction records and then one RAG
/// conversation (skill "rag", instruction kRagInstruction, input rag_input(), response the
/// fact's sentence) per question of qa.jsonl in the training split about a seen fact, with
/// ids that stay in the training split ("instruction:rag-K"). The passages come from a BM25
/// index of the seen facts alone. A share options.counterfactual of them (drawn from
/// options.seed) state another value of the fact's attribute in its passage and answer
/// (replace_value(); never a pair the held-out rule forbids). Errors name the missing file
/// or bad option; `out` must be a new or empty folder outside the world.
/// @param world a folder written by `tinygpt data generate` with kinds facts and qa (and
///        instructions, dialogues to keep the model's other skills).
/// @param out the copy's folder.
/// @param options k, k1 and b.
/// @return what was written.
RagWorld write_rag_world(const std::filesystem::path& world, const std::filesystem::path& out,
                         const RagOptions& options = {});

}  // namespace tinygpt::retrieve
