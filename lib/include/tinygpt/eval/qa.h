/// @file qa.h
/// @brief Extractive question answering's two figures, exact match and token F1, as the
/// official SQuAD v1.1 evaluation defines them (Rajpurkar, Zhang, Lopyrev, Liang: "SQuAD:
/// 100,000+ Questions for Machine Comprehension of Text", EMNLP 2016, section 6.1).
///
/// Both compare normalised answers. Normalising lowercases the text, removes ASCII
/// punctuation (Python's string.punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~), removes the
/// articles a, an and the where they stand as whole words, and collapses whitespace, in
/// that order (so "The U.S." becomes "us" and "the-end" becomes "theend").
/// - Exact match: 1 when the normalised prediction equals the normalised gold answer.
/// - Token F1: the prediction and the gold answer as bags of whitespace tokens; with c
///   tokens in common (counted with multiplicity), P = c / |prediction|, R = c / |gold|,
///   F1 = 2 P R / (P + R), and 0 when c = 0 (so also when either side normalises to
///   nothing).
/// A question with several gold answers takes the best score over them; a corpus figure is
/// the mean over questions. The official script prints both as percentages (x 100); here
/// they are shares in [0, 1], like accuracy.
///
/// Text is UTF-8 (invalid UTF-8 is refused, naming the byte). Every step is Python's, as
/// the script runs it: lowercasing is str.lower() and white space str.split()'s set (both
/// from mt_text.h), and the article rule's word boundary \b uses Python's \w (every
/// Unicode letter, digit and number, and '_'; lib/src/eval/python_word_tables.h, written by
/// steps/06-evaluation/reference/python_word_characters.py), so "the" goes from "the™"
/// (U+2122 is a symbol) but not from "theé".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::eval {

/// @brief The SQuAD normalisation: lowercase, punctuation removed, articles removed,
/// whitespace collapsed to single spaces (none at either end).
/// @param text an answer, UTF-8.
/// @return the normalised answer.
std::string normalize_answer(std::string_view text);

/// @param prediction the predicted answer.
/// @param gold one gold answer.
/// @return 1 when the two normalise to the same text, else 0.
double exact_match(std::string_view prediction, std::string_view gold);

/// @param prediction the predicted answer.
/// @param gold one gold answer.
/// @return the F1 of their normalised tokens (see the file), in [0, 1].
double token_f1(std::string_view prediction, std::string_view gold);

/// @param prediction the predicted answer.
/// @param golds the question's gold answers, at least one.
/// @return the best exact_match() over them.
double best_exact_match(std::string_view prediction, std::span<const std::string> golds);

/// @param prediction the predicted answer.
/// @param golds the question's gold answers, at least one.
/// @return the best token_f1() over them.
double best_token_f1(std::string_view prediction, std::span<const std::string> golds);

/// @brief One question's scores.
struct QaScore {
  double exact_match = 0.0;  ///< best_exact_match(): 0 or 1
  double f1 = 0.0;           ///< best_token_f1(), in [0, 1]
};

/// @brief A set of questions' scores.
struct QaScores {
  double exact_match = 0.0;    ///< mean exact match over the questions, in [0, 1]
  double f1 = 0.0;             ///< mean token F1 over the questions, in [0, 1]
  std::vector<QaScore> items;  ///< (N) each question's scores, in order (for a bootstrap)
};

/// @brief Scores every question's prediction against its gold answers.
/// @param predictions (N) one predicted answer per question, N >= 1.
/// @param golds (N) each question's gold answers, at least one per question.
/// @return the means and the per-question scores.
QaScores qa_scores(std::span<const std::string> predictions,
                   std::span<const std::vector<std::string>> golds);

}  // namespace tinygpt::eval
