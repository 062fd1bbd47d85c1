// The pieces of `tinygpt figures` shared by its files: figures_command.cpp registers the
// command and draws the pictures of steps 02 and 03, figures_step01.cpp those of step 01.
#pragma once

#include <filesystem>
#include <string>

namespace tinygpt::cli {

/// @brief Writes one picture atomically and says so on stdout.
/// @param path the SVG file; its folder must exist.
/// @param svg the picture.
void write_figure(const std::filesystem::path& path, const std::string& svg);

/// @brief Draws step 01's four pictures into root/steps/01-basics/images and prints the
/// figures their captions quote: the spiral's decision regions during training, the pair
/// counts and first merges of BPE on one sentence, the autograd tape of a tiny expression,
/// and the bigram's next-token probabilities before and after training on fortunes.
/// @param root the repository's root.
/// @param bigram_steps SGD steps of the bigram (the language demo's 1500 by default; a test
///        takes fewer).
void write_step01_figures(const std::filesystem::path& root, int bigram_steps);

}  // namespace tinygpt::cli
