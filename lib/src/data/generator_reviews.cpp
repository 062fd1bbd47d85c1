// Product reviews with known labels, and the keyword-counting baseline they are built to
// defeat: negation flips a sentiment word, and in "A, but C" the clause after "but" wins.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <span>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/generator.h"
#include "world_detail.h"

namespace tinygpt::data {

using detail::pick;

namespace {

// The sentiment words (generator_detail.h) are shared by the reviews, the keyword baseline
// and the audit: the baseline knows every word the reviews use, so its mistakes come from
// structure, not vocabulary.
using detail::kNegativeWords;
using detail::kPositiveWords;
constexpr std::string_view kIntensifiers[] = {"very", "really", "extremely", "truly", "incredibly"};
constexpr std::string_view kNegations[] = {"not", "never", "hardly"};
constexpr std::string_view kAspects[] = {"design", "colour", "handle", "box", "finish", "size"};
constexpr std::string_view kNeutralVerdicts[] = {
    "It does what it says and nothing more.",
    "It arrived on time and I have used it a few times.",
    "It is about what I expected for the price.",
};

std::string_view sentiment_word(CounterRng& rng, bool positive) {
  return positive ? pick(rng, kPositiveWords) : pick(rng, kNegativeWords);
}

Sentiment polarity(bool positive) {
  return positive ? Sentiment::kPositive : Sentiment::kNegative;
}

// The verdict sentence of a review and its label, by construction. Shares: plain 25%,
// intensified 15%, negated 20%, contrast 20%, neutral 20%.
void add_verdict(CounterRng& rng, Review& review) {
  const std::uint32_t roll = rng.below(100);
  const bool positive = rng.below(2) == 0;
  if (roll < 25) {
    review.construction = "plain";
    review.text += "It is " + std::string(sentiment_word(rng, positive)) + ".";
    review.label = polarity(positive);
  } else if (roll < 40) {
    review.construction = "intensified";
    review.text += "It is " + std::string(pick(rng, kIntensifiers)) + " " +
                   std::string(sentiment_word(rng, positive)) + ".";
    review.label = polarity(positive);
  } else if (roll < 60) {
    // "not good" is negative; "not bad at all" is positive.
    review.construction = "negated";
    if (positive) {
      review.text += "It is not " + std::string(sentiment_word(rng, false)) + " at all.";
    } else {
      review.text += "It is " + std::string(pick(rng, kNegations)) + " " +
                     std::string(sentiment_word(rng, true)) + ".";
    }
    review.label = polarity(positive);
  } else if (roll < 80) {
    // One or two clauses of the opposite polarity, then the verdict after "but": the
    // keywords before it outvote or tie the one after it.
    review.construction = "contrast";
    std::string first = "The " + std::string(pick(rng, kAspects)) + " is " +
                        std::string(sentiment_word(rng, !positive));
    if (rng.below(2) == 0) {
      first += " and the " + std::string(pick(rng, kAspects)) + " is " +
               std::string(sentiment_word(rng, !positive));
    }
    review.text +=
        first + ", but overall it is " + std::string(sentiment_word(rng, positive)) + ".";
    review.label = polarity(positive);
  } else {
    review.construction = "neutral";
    if (rng.below(2) == 0) {
      review.text += pick(rng, kNeutralVerdicts);
    } else {
      review.text += "It is neither " + std::string(sentiment_word(rng, true)) + " nor " +
                     std::string(sentiment_word(rng, false)) + ".";
    }
    review.label = Sentiment::kNeutral;
  }
}

const Fact& fact_of(const std::vector<Fact>& facts, const std::string& id) {
  for (const Fact& fact : facts) {
    if (fact.id == id) return fact;
  }
  throw Error("make_reviews: no fact '" + id + "'");
}

int count_words(std::string_view text, std::span<const std::string_view> words) {
  int count = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = start;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    if (end > start) {
      std::string word(text.substr(start, end - start));
      std::transform(word.begin(), word.end(), word.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      for (const std::string_view known : words) count += word == known ? 1 : 0;
    }
    start = end + 1;
  }
  return count;
}

}  // namespace

std::string_view sentiment_name(Sentiment sentiment) {
  switch (sentiment) {
    case Sentiment::kNegative:
      return "negative";
    case Sentiment::kNeutral:
      return "neutral";
    case Sentiment::kPositive:
      return "positive";
  }
  return "neutral";
}

std::vector<Review> make_reviews(const World& world, const std::vector<Fact>& facts,
                                 std::int64_t count) {
  TINYGPT_CHECK(count > 0, "make_reviews: count must be positive, got ", count);
  std::vector<Review> reviews;
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kReviewStep,
                   static_cast<std::uint64_t>(i));
    const Product& product = world.products[detail::below(rng, world.products.size())];
    const std::string& maker = world.companies[product.maker].name;
    const std::string kind = with_article(kProductKinds[product.kind]);
    const bool kind_held_out = fact_of(facts, product.id + "/kind").held_out;
    const bool maker_held_out = fact_of(facts, product.id + "/maker").held_out;
    const std::string bought = "I bought the " + product.name;
    Review review;
    review.product = product.id;
    // The last candidate names only the product, so one always fits.
    review.text =
        detail::first_allowed(
            rng,
            {bought + ", " + kind + " from " + maker + ".", bought + " from " + maker + ".",
             bought + ", " + kind + ".", bought + "."},
            facts, {kind_held_out || maker_held_out, maker_held_out, kind_held_out, false}) +
        " ";
    add_verdict(rng, review);
    // Sometimes the price, which carries no sentiment, so it never changes the label.
    if (rng.below(3) == 0 && !fact_of(facts, product.id + "/price").held_out) {
      review.text += " I paid " + std::to_string(product.price) + " crowns for it.";
    }
    reviews.push_back(review);
  }
  return reviews;
}

Sentiment keyword_sentiment(std::string_view text) {
  const int score = count_words(text, kPositiveWords) - count_words(text, kNegativeWords);
  if (score > 0) return Sentiment::kPositive;
  if (score < 0) return Sentiment::kNegative;
  return Sentiment::kNeutral;
}

double keyword_baseline_accuracy(const std::vector<Review>& reviews) {
  TINYGPT_CHECK(!reviews.empty(), "keyword_baseline_accuracy: no reviews");
  std::int64_t correct = 0;
  for (const Review& review : reviews) {
    if (keyword_sentiment(review.text) == review.label) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(reviews.size());
}

std::vector<detail::OutputFile> detail::reviews_files(const World& world,
                                                      const std::vector<Fact>& facts,
                                                      std::int64_t size, double& keyword_accuracy) {
  // One review per 256 bytes of story text, at least 300 so that accuracies measured on
  // them are stable to a few percent.
  const std::vector<Review> reviews = make_reviews(world, facts, scaled_count(size, 256, 300));
  keyword_accuracy = keyword_baseline_accuracy(reviews);
  KindFiles files;
  for (std::size_t i = 0; i < reviews.size(); ++i) {
    const Review& review = reviews[i];
    nlohmann::ordered_json record;
    record["id"] = "review:" + std::to_string(i);
    record["product"] = review.product;
    record["text"] = review.text;
    record["label"] = sentiment_name(review.label);
    record["construction"] = review.construction;
    files.add(record, review.text + "\n");
  }
  return files.files("reviews");
}

}  // namespace tinygpt::data
