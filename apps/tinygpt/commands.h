// The one place where the subcommands of `tinygpt` are registered.
#pragma once

#include <CLI/CLI.hpp>

namespace tinygpt::cli {

/// Adds every subcommand to the program; each is defined in its own <name>_command.cpp.
void register_commands(CLI::App& app);

/// `tinygpt journey`: the end-to-end run of every step built so far.
void register_journey_command(CLI::App& app);

/// `tinygpt course`: exercises (status, hint, reset, check) and classroom tools.
void register_course_command(CLI::App& app);

/// `tinygpt data`: corpora (stats of fortunes or your own files) and the generated world.
void register_data_command(CLI::App& app);

/// `tinygpt tokenizer`: byte-level BPE: train, encode, decode, bench.
void register_tokenizer_command(CLI::App& app);

/// `tinygpt bigram`: a tokenizer and the bigram language model on real text.
void register_bigram_command(CLI::App& app);

/// `tinygpt generate` and `tinygpt perplexity`: a GPT from a model folder (ours or GPT-2's).
void register_generate_command(CLI::App& app);

/// `tinygpt attention`: draws and measures the attention of a model folder of any family.
void register_attention_command(CLI::App& app);

/// `tinygpt train`: pre-training from a model config and data, with checkpoints and resume.
void register_train_command(CLI::App& app);

/// `tinygpt finetune`: task fine-tuning and instruction tuning of a model folder.
void register_finetune_command(CLI::App& app);

/// `tinygpt align`: a reward model or DPO on preference pairs (step 05).
void register_align_command(CLI::App& app);

/// `tinygpt eval`: scoring outputs (step 06): BLEU and chrF as sacreBLEU computes them.
void register_eval_command(CLI::App& app);

/// `tinygpt rag`: a BM25 index of the world's encyclopedia, search, recall and MRR.
void register_rag_command(CLI::App& app);

/// `tinygpt adapter merge`: a LoRA adapter merged into its base model folder.
void register_adapter_command(CLI::App& app);

/// `tinygpt prompt`: in-context learning and hard prompt search on a model folder.
void register_prompt_command(CLI::App& app);

/// `tinygpt chat`: a terminal chat with an instruction-tuned model folder.
void register_chat_command(CLI::App& app);

/// `tinygpt plot`: several training runs in one chart.
void register_plot_command(CLI::App& app);

/// `tinygpt figures`: the lessons' pictures of schedules and position tables.
void register_figures_command(CLI::App& app);

/// `tinygpt serve`: a model folder behind OpenAI's API over HTTP (step 07).
void register_serve_command(CLI::App& app);

/// `tinygpt model-card`: MODEL_CARD.md for a model folder from its records (step 07).
void register_model_card_command(CLI::App& app);

/// `tinygpt policy`: the server's content policy: check, measure, politeness data (step 07).
void register_policy_command(CLI::App& app);

/// `tinygpt privacy`: personal data in text: redact it, score the redactor (step 07).
void register_privacy_command(CLI::App& app);

}  // namespace tinygpt::cli
