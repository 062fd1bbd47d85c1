// `tinygpt eval`: the subcommands that score outputs, and what they share.
//
// A new metric is a function `register_eval_<name>(CLI::App& eval)`, declared here and
// defined in its own eval_<name>_command.cpp (apps/CMakeLists.txt picks every *.cpp up),
// plus one line in register_eval_command() (eval_command.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::cli {

/// @brief The segments of a text file, one per line, as sacreBLEU's command line reads
/// them: lines end at "\n", the last one may lack it, and each loses its trailing white
/// space (Python's rstrip(), so a "\r" too). Throws Error naming the file when it does not
/// exist, has no line at all, or is not UTF-8 (with the line and the byte).
/// @param path the file.
/// @param role what the file is, for messages ("hypothesis file", "reference file").
/// @return its segments.
std::vector<std::string> read_segments(const std::filesystem::path& path, std::string_view role);

/// @brief Throws Error naming both files and their counts unless every file has as many
/// segments as the first.
/// @param files the files, in the order of `counts`.
/// @param counts each file's number of segments.
void check_same_line_counts(const std::vector<std::filesystem::path>& files,
                            const std::vector<std::size_t>& counts);

/// @brief `tinygpt eval bleu` and `tinygpt eval chrf`: translation metrics as sacreBLEU's.
/// @param eval the `eval` command.
void register_eval_translation(CLI::App& eval);

/// @brief `tinygpt eval human`: the rating page (serve), its ratings (export), agreement and
/// ranking (report), a simulated panel (simulate) and demo items (items).
/// @param eval the `eval` command.
void register_eval_human(CLI::App& eval);

/// @brief `tinygpt eval run`: model folders evaluated on named suites, one report folder.
/// @param eval the `eval` command.
void register_eval_run(CLI::App& eval);

/// @brief `tinygpt eval robustness`, `eval attack` and `eval adversarial-training`: a
/// classifier under perturbations, under a word-substitution attack, and adversarially
/// trained against its control.
/// @param eval the `eval` command.
void register_eval_robustness(CLI::App& eval);

/// @brief `tinygpt eval fairness`: a classifier or a GPT probed with names and pronouns.
/// @param eval the `eval` command.
void register_eval_fairness(CLI::App& eval);

/// @brief `tinygpt eval active-learning`: uncertainty sampling against random choice on the
/// reviews, fine-tuning a pre-trained model each round, with the world or a person as oracle.
/// @param eval the `eval` command.
void register_eval_active_learning(CLI::App& eval);

/// @brief `tinygpt eval eda`: a world copy with few training reviews and EDA's copies.
/// @param eval the `eval` command.
void register_eval_eda(CLI::App& eval);

/// @brief `tinygpt eval continual`: a chat model fine-tuned on a changed world's new facts
/// (naive, with replay, with a LoRA adapter), and what it learns and forgets.
/// @param eval the `eval` command.
void register_eval_continual(CLI::App& eval);

/// @brief `tinygpt eval drift`: a GPT's loss (and a classifier's confidence) watched along a
/// stream of texts that switches worlds, with a calibrated retraining trigger.
/// @param eval the `eval` command.
void register_eval_drift(CLI::App& eval);

/// @brief `tinygpt eval back-translate` and `eval translate`: world copies with back-translated
/// pairs, and a seq2seq model's BLEU and chrF on a split, compared with another's.
/// @param eval the `eval` command.
void register_eval_back_translation(CLI::App& eval);

}  // namespace tinygpt::cli
