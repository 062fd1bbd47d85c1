// Exercise 06.4 (reference): one character edit of one word, given its random draws
// (eval/perturb.h). The driver, char_noise() in lib/src/eval/perturb.cpp, chooses the words
// and draws u_position and u_letter.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "tinygpt/eval/perturb.h"

namespace tinygpt::eval {
namespace {

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// floor(u * count) for u in [0, 1), kept below count when rounding reaches it.
std::size_t pick_index(float u, std::size_t count) {
  const auto i = static_cast<std::size_t>(static_cast<double>(u) * static_cast<double>(count));
  return std::min(i, count - 1);
}

// A neighbour of `letter` in its case: uppercase letters type uppercase neighbours.
char neighbour(char letter, float u_letter) {
  const std::string_view keys = qwerty_neighbours(letter);
  const char key = keys[pick_index(u_letter, keys.size())];
  return (letter >= 'A' && letter <= 'Z') ? static_cast<char>(key - 'a' + 'A') : key;
}

}  // namespace

std::string perturb_word_characters(std::string_view word, CharEdit edit, float u_position,
                                    float u_letter) {
  // The candidate positions, left to right: a swap needs two different letters side by
  // side (swapping "ee" would change nothing); the other edits need one letter.
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (!is_ascii_letter(word[i])) continue;
    if (edit != CharEdit::kSwap) {
      candidates.push_back(i);
    } else if (i + 1 < word.size() && is_ascii_letter(word[i + 1]) && word[i] != word[i + 1]) {
      candidates.push_back(i);
    }
  }
  std::string out(word);
  // A word of one byte keeps it: deleting it would remove the word.
  if (candidates.empty() || (edit == CharEdit::kDelete && word.size() < 2)) return out;
  const std::size_t i = candidates[pick_index(u_position, candidates.size())];
  switch (edit) {
    case CharEdit::kSwap:
      std::swap(out[i], out[i + 1]);
      break;
    case CharEdit::kInsert:
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(i) + 1, neighbour(word[i], u_letter));
      break;
    case CharEdit::kDelete:
      out.erase(i, 1);
      break;
    case CharEdit::kKeyboard:
      out[i] = neighbour(word[i], u_letter);
      break;
  }
  return out;
}

}  // namespace tinygpt::eval
