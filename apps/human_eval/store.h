/// @file store.h
/// @brief The ratings of a human evaluation in one SQLite file: the items, the raters, what
/// each rater was shown in which order, and their ratings.
///
/// **Blind and randomised.** Raters see answers labelled A, B, ... only. Each rater gets
/// the items in an order of their own, and each item's answers in an order of their own,
/// both drawn from the counter-based generator, so that no system is always on the left
/// (raters favour one side; a position bias then cancels out) and no item is always rated
/// first or last (when raters are fresh, or tired):
///
///     key = FNV-1a 64 of the rater's name, low 32 bits
///     item order:    Fisher-Yates with CounterRng(seed, kDemo, step = key, index 0)
///     answer order:  Fisher-Yates with CounterRng(seed, kDemo, step = key, index 1 + item)
///
/// The orders are a pure function of (seed, name, item), so they are reproducible, and the
/// order a rater actually saw is LOGGED with each presentation and rating (`shown_order`,
/// the systems from left to right): the analysis never needs to recompute it.
///
/// **Resumable.** A rater is known by name: coming back with the same name continues with
/// their next unrated item; an item shown but not rated is shown again, in the same order.
/// Every write is one transaction, so a crash loses at most the rating being written.
///
/// **Schema** (version 1; `sqlite3 ratings.sqlite .schema` shows it):
///
///     meta(key, value)              schema, schema_version, mode, seed, items_file, created
///     items(item_index, id, prompt, better)
///     answers(item_index, slot, system, text)          slot: the position in the items file
///     raters(rater_id, name, first_seen)
///     presentations(rater_id, item_index, sequence, shown_order, shown_at)
///     ratings(rater_id, item_index, shown_order, choice, winner, scores, rated_at)
///
/// `choice` is left, right or tie (pairwise) and `winner` the system it means (or "tie");
/// `scores` (scale) is a JSON object from system to score. Times are UTC, ISO 8601.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "human_eval/items.h"
#include "human_eval/sqlite.h"
#include "tinygpt/core/check.h"

namespace tinygpt::human_eval {

/// @brief A pairwise rater's answer, in the positions the rater saw.
enum class Choice {
  kLeft,   ///< the left answer (labelled A) is better
  kRight,  ///< the right answer (labelled B) is better
  kTie,    ///< neither
};

/// @param name "left", "right" or "tie" (anything else throws Error).
/// @return the choice.
Choice parse_choice(std::string_view name);

/// @param choice a choice.
/// @return its name.
std::string_view choice_name(Choice choice);

/// @brief A rating the store refuses, and why (the server answers with a 4xx per reason).
class RatingRefused : public Error {
 public:
  /// @brief Why.
  enum class Reason {
    kBadValue,      ///< a choice in scale mode, scores in pairwise mode, a score outside 1-5
    kUnknownItem,   ///< no item has that id
    kUnknownRater,  ///< no rater of that name has asked for an item
    kNotShown,      ///< the item was not shown to that rater
    kAlreadyRated,  ///< that rater rated that item already
  };
  /// @param reason why.
  /// @param message the message for the client.
  RatingRefused(Reason reason, const std::string& message) : Error(message), reason_(reason) {}
  /// @return why.
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

/// @brief One item as a rater sees it next.
struct Presentation {
  int item_index = 0;      ///< the item's position in the items file
  int sequence = 0;        ///< 1 for the rater's first item, 2 for the second, ...
  std::vector<int> order;  ///< answer slots from left to right
};

/// @brief Where a rater stands.
struct Progress {
  int rated = 0;                     ///< items rated
  int total = 0;                     ///< items in the study
  std::optional<Presentation> next;  ///< the next item to rate, none when all are done
};

/// @brief One stored rating, as export and report read it.
struct RatingRecord {
  std::string rater;               ///< the rater's name
  int item_index = 0;              ///< the item's position in the items file
  std::string item_id;             ///< the item's id
  int sequence = 0;                ///< the k-th item this rater was shown
  std::vector<std::string> shown;  ///< the systems from left to right, as shown
  std::optional<Choice> choice;    ///< pairwise: the choice in shown positions
  std::string winner;              ///< pairwise: the system chosen, or "tie"
  std::vector<int> scores;         ///< scale: the scores, in shown order
  std::string shown_at;            ///< when the item was first shown (UTC)
  std::string rated_at;            ///< when the rating was stored (UTC)
};

/// @param seed the study's seed.
/// @param rater the rater's name.
/// @param items how many items.
/// @return the order in which this rater sees the items (item indices).
std::vector<int> item_sequence(std::uint64_t seed, const std::string& rater, int items);

/// @param seed the study's seed.
/// @param rater the rater's name.
/// @param item_index the item's position in the items file.
/// @param answers how many answers it has.
/// @return its answers' slots from left to right for this rater.
std::vector<int> answer_order(std::uint64_t seed, const std::string& rater, int item_index,
                              int answers);

/// @brief Checks a rater's name: 1 to 64 characters of UTF-8, no control characters, no
/// white space at either end. Throws RatingRefused (kBadValue) saying what is wrong.
/// @param name the name.
void check_rater_name(std::string_view name);

/// @brief The ratings database (see the file). Every method is safe to call from the
/// server's threads at once (one lock around the connection).
class RatingStore {
 public:
  /// @brief Opens a database for a study. A missing or empty file gets the schema and the
  /// items; an existing one must hold exactly these items, this mode and this seed. Throws
  /// Error naming the file when it is not a SQLite database, has another schema, or holds
  /// other items (saying the first difference), another mode or another seed.
  /// @param db the database file.
  /// @param items the items (as load_items() read them).
  /// @param items_file where they came from, for the database's record and for messages.
  /// @param mode the mode; none: the database's (pairwise for a new one).
  /// @param seed the seed of the orders; none: the database's (1 for a new one).
  /// @return the store.
  static std::unique_ptr<RatingStore> open_study(const std::filesystem::path& db,
                                                 const std::vector<Item>& items,
                                                 const std::filesystem::path& items_file,
                                                 std::optional<Mode> mode,
                                                 std::optional<std::uint64_t> seed);

  /// @brief Opens an existing database read-only (export, report). Throws Error naming the
  /// file when it does not exist, is not a SQLite database or has another schema.
  /// @param db the database file.
  /// @return the store.
  static std::unique_ptr<RatingStore> open_existing(const std::filesystem::path& db);

  /// @return the items, in file order.
  const std::vector<Item>& items() const { return items_; }
  /// @return the mode.
  Mode mode() const { return mode_; }
  /// @return the seed of the orders.
  std::uint64_t seed() const { return seed_; }
  /// @return the database file.
  const std::filesystem::path& path() const { return db_->path(); }
  /// @return the items file the database was made from.
  const std::string& items_file() const { return items_file_; }

  /// @brief Where a rater stands, registering a new name, and logging the next item's
  /// presentation (its answer order, the time) the first time it is shown. Throws
  /// RatingRefused for a bad name.
  /// @param rater the rater's name.
  /// @return the rater's progress and next item.
  Progress next_for(const std::string& rater);

  /// @brief Stores a pairwise rating. Throws RatingRefused for an unknown rater or item,
  /// an item not shown to the rater, an item already rated, or a store in scale mode.
  /// @param rater the rater's name.
  /// @param item_id the item's id.
  /// @param choice the choice, in the positions shown.
  void rate_pairwise(const std::string& rater, const std::string& item_id, Choice choice);

  /// @brief Stores a scale rating; as rate_pairwise, and refuses a store in pairwise mode,
  /// a score outside 1-5 and a number of scores other than the item's answers.
  /// @param rater the rater's name.
  /// @param item_id the item's id.
  /// @param scores one score a shown answer, from left to right.
  void rate_scale(const std::string& rater, const std::string& item_id,
                  const std::vector<int>& scores);

  /// @brief Runs `work` (calls of the methods above) as one transaction: all of it is
  /// stored or none, with one disk sync instead of one per call (a simulated panel writes
  /// a thousand ratings in a fraction of a second this way). Other threads wait meanwhile.
  /// @param work the calls.
  void in_one_transaction(const std::function<void()>& work);

  /// @return the raters' names, in the order they arrived.
  std::vector<std::string> raters() const;

  /// @return every rating, by rater (arrival order) then sequence.
  std::vector<RatingRecord> ratings() const;

 private:
  RatingStore(std::unique_ptr<Database> db, bool writable);
  void create(const std::vector<Item>& items, const std::filesystem::path& items_file, Mode mode,
              std::uint64_t seed);
  void check_schema();
  void read_study();
  std::optional<std::int64_t> rater_id(const std::string& rater);
  // The checks both kinds of rating share; returns (rater id, item index, shown order).
  struct Target {
    std::int64_t rater_id = 0;
    int item_index = 0;
    std::vector<int> order;
  };
  Target check_target(const std::string& rater, const std::string& item_id, Mode needed);
  void insert_rating(const Target& target, std::optional<Choice> choice,
                     const std::vector<int>& scores);

  std::unique_ptr<Database> db_;
  bool writable_ = false;
  mutable std::recursive_mutex mutex_;  // recursive: in_one_transaction() calls the others
  std::vector<Item> items_;
  Mode mode_ = Mode::kPairwise;
  std::uint64_t seed_ = 1;
  std::string items_file_;
};

}  // namespace tinygpt::human_eval
