// The human evaluation's ratings store on a real SQLite file (apps/human_eval): items files
// and their errors, each rater's random orders (logged, reproducible by seed), resuming,
// the refusals, the exports, and the errors for a file that is not a ratings database.
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "human_eval/export.h"
#include "human_eval/items.h"
#include "human_eval/report.h"
#include "human_eval/simulate.h"
#include "human_eval/sqlite.h"
#include "human_eval/store.h"
#include "test_support.hpp"

using namespace tinygpt;
using namespace tinygpt::human_eval;
using tinygpt::testing::contains;
using tinygpt::testing::TempDir;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// n pairwise items of systems "x" and "y", "x" the better one.
std::vector<Item> make_items(int n, const std::string& tag = "") {
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    items.push_back({.id = "item-" + k,
                     .prompt = "prompt " + k + tag,
                     .answers = {{"x", "x answers " + k}, {"y", "y answers " + k}},
                     .better = "x"});
  }
  return items;
}

std::unique_ptr<RatingStore> open(const std::filesystem::path& db, const std::vector<Item>& items,
                                  std::optional<std::uint64_t> seed = 5,
                                  std::optional<Mode> mode = Mode::kPairwise) {
  return RatingStore::open_study(db, items, "items.jsonl", mode, seed);
}

// Rates `count` items for `rater`: always the left answer.
void rate_left(RatingStore& store, const std::string& rater, int count) {
  for (int k = 0; k < count; ++k) {
    const Progress progress = store.next_for(rater);
    REQUIRE(progress.next);
    store.rate_pairwise(rater, store.items()[progress.next->item_index].id, Choice::kLeft);
  }
}

}  // namespace

TEST_CASE(
    "human eval items: a good file loads, and each bad line is named with its file, line and field",
    "[step06][human_eval]") {
  TempDir dir("items");
  const std::filesystem::path path = dir.path() / "items.jsonl";
  const std::vector<Item> items = make_items(3);
  write(path, items_to_jsonl(items) + "\n");  // a blank line is allowed
  CHECK(load_items(path, Mode::kPairwise) == items);
  CHECK(load_items(path, Mode::kScale) == items);

  const std::string good = items_to_jsonl(make_items(1));
  const auto error_of = [&](const std::string& second_line, Mode mode = Mode::kPairwise) {
    write(path, good + second_line + "\n");
    try {
      load_items(path, mode);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  const std::string where = "items file '" + path.string() + "' line 2";
  CHECK_THAT(error_of("{\"id\": \"b\""), contains(where + ": not JSON"));
  CHECK_THAT(error_of("[1, 2]"), contains(where + ": must be a JSON object"));
  CHECK_THAT(error_of(R"({"prompt": "p", "answers": []})"),
             contains(where + ", field 'id': missing"));
  CHECK_THAT(
      error_of(
          R"({"id": "item-0", "prompt": "p", "answers": [{"system": "a", "text": "t"}, {"system": "b", "text": "u"}]})"),
      contains(where + ", field 'id': id 'item-0' is used by an earlier line"));
  CHECK_THAT(error_of(R"({"id": "b", "prompt": "", "answers": []})"),
             contains(where + ", field 'prompt': must not be empty"));
  CHECK_THAT(
      error_of(R"({"id": "b", "prompt": "p", "answers": [{"system": "a", "text": "t"}]})"),
      contains(where + ", field 'answers': has 1 answers; mode pairwise compares exactly 2"));
  CHECK(error_of(R"({"id": "b", "prompt": "p", "answers": [{"system": "a", "text": "t"}]})",
                 Mode::kScale) == "no error");
  CHECK_THAT(
      error_of(
          R"({"id": "b", "prompt": "p", "answers": [{"system": "a", "text": "t"}, {"system": "a", "text": "u"}]})"),
      contains(where + ", field 'answers[1].system': system 'a' answers twice"));
  CHECK_THAT(
      error_of(
          R"({"id": "b", "prompt": "p", "answers": [{"system": "a", "text": 3}, {"system": "c", "text": "u"}]})"),
      contains(where + ", field 'answers[0].text': must be a string, not number"));
  CHECK_THAT(
      error_of(
          R"({"id": "b", "prompt": "p", "answers": [{"system": "a", "text": "t"}, {"system": "c", "text": "u"}], "better": "z"})"),
      contains(where + ", field 'better': 'z' is not one of the item's systems"));
  write(path, "\n\n");
  CHECK_THROWS_WITH(load_items(path, Mode::kPairwise), contains("has no items"));
  CHECK_THROWS_WITH(load_items(dir.path() / "missing.jsonl", Mode::kPairwise),
                    contains("no items file"));
}

TEST_CASE("human eval store: each rater's orders are random, logged, and reproducible by seed",
          "[step06][human_eval]") {
  TempDir dir("orders");
  const std::vector<Item> items = make_items(20);
  std::unique_ptr<RatingStore> store = open(dir.path() / "a.sqlite", items, 5);
  std::vector<int> sequence;
  int left_is_x = 0;
  for (int k = 0; k < 20; ++k) {
    const Progress progress = store->next_for("ada");
    REQUIRE(progress.next);
    CHECK(progress.rated == k);
    CHECK(progress.next->sequence == k + 1);
    // The order shown is the documented function of (seed, rater, item).
    CHECK(progress.next->order == answer_order(5, "ada", progress.next->item_index, 2));
    sequence.push_back(progress.next->item_index);
    left_is_x += progress.next->order[0] == 0;
    store->rate_pairwise("ada", items[progress.next->item_index].id, Choice::kLeft);
  }
  CHECK(sequence == item_sequence(5, "ada", 20));
  CHECK(std::set<int>(sequence.begin(), sequence.end()).size() == 20);
  CHECK(sequence != item_sequence(5, "bob", 20));  // another rater, another order
  CHECK(sequence != item_sequence(6, "ada", 20));  // another seed, another order
  // Both sides used: 20 fair coins give 3 to 17 x-left with probability 0.997; this seed's
  // draw is fixed, so the check is deterministic.
  CHECK(left_is_x >= 3);
  CHECK(left_is_x <= 17);
  CHECK_FALSE(store->next_for("ada").next);

  // The log: each rating's left system is the one the rater saw on the left.
  for (const RatingRecord& record : store->ratings()) {
    const std::vector<int> order = answer_order(5, "ada", record.item_index, 2);
    CHECK(record.shown[0] == items[record.item_index].answers[order[0]].system);
    CHECK(record.winner == record.shown[0]);  // always chose left
  }
  // The same seed in another file gives the same orders.
  std::unique_ptr<RatingStore> again = open(dir.path() / "b.sqlite", items, 5);
  const Progress first = again->next_for("ada");
  CHECK(first.next->item_index == sequence[0]);
}

TEST_CASE("human eval store: a rater who comes back continues, and a restart keeps everything",
          "[step06][human_eval]") {
  TempDir dir("resume");
  const std::filesystem::path db = dir.path() / "ratings.sqlite";
  const std::vector<Item> items = make_items(5);
  Presentation pending;
  {
    std::unique_ptr<RatingStore> store = open(db, items);
    rate_left(*store, "ada", 2);
    rate_left(*store, "bob", 1);
    pending = *store->next_for("ada").next;
    // Asked again without rating: the same item, in the same order (a reload).
    const Progress again = store->next_for("ada");
    CHECK(again.next->item_index == pending.item_index);
    CHECK(again.next->order == pending.order);
    CHECK(again.rated == 2);
  }
  // The server restarts on the same file, without --seed and --mode: the database's.
  std::unique_ptr<RatingStore> store =
      RatingStore::open_study(db, items, "items.jsonl", std::nullopt, std::nullopt);
  CHECK(store->seed() == 5);
  CHECK(store->raters() == std::vector<std::string>{"ada", "bob"});
  CHECK(store->ratings().size() == 3);
  const Progress resumed = store->next_for("ada");
  CHECK(resumed.rated == 2);
  CHECK(resumed.total == 5);
  CHECK(resumed.next->item_index == pending.item_index);
  CHECK(resumed.next->sequence == 3);
  CHECK(resumed.next->order == pending.order);
  rate_left(*store, "ada", 3);
  const Progress done = store->next_for("ada");
  CHECK_FALSE(done.next);
  CHECK(done.rated == 5);
}

TEST_CASE("human eval store: refuses unknown items and raters, items not shown, second ratings",
          "[step06][human_eval]") {
  TempDir dir("refusals");
  const std::vector<Item> items = make_items(3);
  std::unique_ptr<RatingStore> store = open(dir.path() / "r.sqlite", items);
  const Progress progress = store->next_for("ada");
  const std::string shown = items[progress.next->item_index].id;
  const std::string not_shown = items[(progress.next->item_index + 1) % 3].id;
  const auto reason_of = [&](auto rate) {
    try {
      rate();
    } catch (const RatingRefused& refused) {
      return refused.reason();
    }
    FAIL("no refusal");
    return RatingRefused::Reason::kBadValue;
  };
  using Reason = RatingRefused::Reason;
  CHECK(reason_of([&] { store->rate_pairwise("ada", "nope", Choice::kTie); }) ==
        Reason::kUnknownItem);
  CHECK(reason_of([&] { store->rate_pairwise("eve", shown, Choice::kTie); }) ==
        Reason::kUnknownRater);
  CHECK(reason_of([&] { store->rate_pairwise("ada", not_shown, Choice::kTie); }) ==
        Reason::kNotShown);
  CHECK(reason_of([&] { store->rate_scale("ada", shown, {3, 4}); }) == Reason::kBadValue);
  CHECK(reason_of([&] { store->next_for(" ada"); }) == Reason::kBadValue);
  CHECK(reason_of([&] { store->next_for(""); }) == Reason::kBadValue);
  CHECK(reason_of([&] { store->next_for(std::string(65, 'a')); }) == Reason::kBadValue);
  CHECK(reason_of([&] { store->next_for("a\nb"); }) == Reason::kBadValue);
  store->rate_pairwise("ada", shown, Choice::kRight);
  CHECK(reason_of([&] { store->rate_pairwise("ada", shown, Choice::kLeft); }) ==
        Reason::kAlreadyRated);
  CHECK(store->ratings().size() == 1);  // nothing else was written

  // In one transaction, a refusal undoes everything the transaction wrote before it.
  const auto refused_halfway = [&] {
    const Progress zoe = store->next_for("zoe");  // registers zoe, logs a presentation
    store->rate_pairwise("zoe", items[zoe.next->item_index].id, Choice::kLeft);
    store->rate_pairwise("zoe", "nope", Choice::kTie);
  };
  CHECK_THROWS_AS(store->in_one_transaction(refused_halfway), RatingRefused);
  CHECK(store->raters() == std::vector<std::string>{"ada"});
  CHECK(store->ratings().size() == 1);
  store->in_one_transaction([&] { rate_left(*store, "zoe", 2); });
  CHECK(store->ratings().size() == 3);
}

TEST_CASE("human eval export: CSV and JSONL hold each rating with its logged order and winner",
          "[step06][human_eval]") {
  TempDir dir("export");
  std::vector<Item> items = make_items(2);
  std::unique_ptr<RatingStore> store = open(dir.path() / "e.sqlite", items);
  const std::string rater = "Smith, \"Ann\"";  // CSV must quote it
  for (Choice choice : {Choice::kRight, Choice::kTie}) {
    const Progress progress = store->next_for(rater);
    store->rate_pairwise(rater, items[progress.next->item_index].id, choice);
  }
  const std::vector<RatingRecord> records = store->ratings();
  REQUIRE(records.size() == 2);

  const std::string csv = export_csv(*store);
  CHECK(csv.starts_with(
      "rater,item,sequence,left_system,right_system,choice,winner,shown_at,rated_at\r\n"));
  const RatingRecord& first = records[0];
  CHECK_THAT(csv, contains("\"Smith, \"\"Ann\"\"\"," + first.item_id + ",1," + first.shown[0] +
                           "," + first.shown[1] + ",right," + first.shown[1] + ","));
  CHECK_THAT(csv, contains(",2," + records[1].shown[0] + "," + records[1].shown[1] + ",tie,tie,"));

  std::vector<nlohmann::json> lines;
  std::istringstream jsonl(export_jsonl(*store));
  for (std::string line; std::getline(jsonl, line);) lines.push_back(nlohmann::json::parse(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["rater"] == rater);
  CHECK(lines[0]["mode"] == "pairwise");
  CHECK(lines[0]["shown"] == nlohmann::json(first.shown));
  CHECK(lines[0]["left"] == first.shown[0]);
  CHECK(lines[0]["right"] == first.shown[1]);
  CHECK(lines[0]["choice"] == "right");
  CHECK(lines[0]["winner"] == first.shown[1]);
  CHECK(lines[1]["winner"] == "tie");
  CHECK(lines[0]["rated_at"].get<std::string>().ends_with("Z"));

  // Scale mode: scores in shown order, mapped back to their systems.
  std::unique_ptr<RatingStore> scale = open(dir.path() / "s.sqlite", items, 5, Mode::kScale);
  const Progress progress = scale->next_for("ada");
  scale->rate_scale("ada", items[progress.next->item_index].id, {5, 2});
  const std::string left = items[progress.next->item_index].answers[progress.next->order[0]].system;
  const std::string right = left == "x" ? "y" : "x";
  const nlohmann::json line = nlohmann::json::parse(export_jsonl(*scale));
  CHECK(line["scores"][left] == 5);
  CHECK(line["scores"][right] == 2);
  CHECK_THAT(export_csv(*scale), contains(",1," + left + ",5,"));
  CHECK_THAT(export_csv(*scale), contains(",2," + right + ",2,"));
  CHECK_THROWS_AS(scale->rate_scale("ada", items[progress.next->item_index].id, {6, 1}),
                  RatingRefused);
}

TEST_CASE("human eval store: a file that is no ratings database, or other items, is named",
          "[step06][human_eval]") {
  TempDir dir("errors");
  const std::vector<Item> items = make_items(3);
  const std::filesystem::path text = dir.path() / "notes.txt";
  write(text, "these are my notes, not a database, but long enough to look like one....\n");
  CHECK_THROWS_WITH(open(text, items),
                    contains("'" + text.string() + "' is not a SQLite database"));
  CHECK_THROWS_WITH(RatingStore::open_existing(text),
                    contains("'" + text.string() + "' is not a SQLite database"));

  const std::filesystem::path other = dir.path() / "other.sqlite";
  {
    Database database(other, true);
    database.exec("CREATE TABLE songs (title TEXT)");
  }
  CHECK_THROWS_WITH(open(other, items), contains("'" + other.string() +
                                                 "' is a SQLite database but not a ratings "
                                                 "database"));
  CHECK_THROWS_WITH(RatingStore::open_existing(dir.path() / "missing.sqlite"),
                    contains("no ratings database"));

  const std::filesystem::path db = dir.path() / "ratings.sqlite";
  open(db, items);
  std::vector<Item> changed = items;
  changed[1].answers[0].text = "edited";
  CHECK_THROWS_WITH(
      RatingStore::open_study(db, changed, "items-v2.jsonl", std::nullopt, std::nullopt),
      contains("the items file 'items-v2.jsonl' is not the one the ratings database '" +
               db.string() + "' was made with ('items.jsonl'): item 2"));
  CHECK_THROWS_WITH(
      RatingStore::open_study(db, make_items(4), "more.jsonl", std::nullopt, std::nullopt),
      contains("the database has 3 items, the file 4"));
  CHECK_THROWS_WITH(open(db, items, 5, Mode::kScale), contains("is a study in mode pairwise"));
  CHECK_THROWS_WITH(open(db, items, 9), contains("orders answers with seed 5, not 9"));
  CHECK_NOTHROW(open(db, items));
}

TEST_CASE("human eval simulate and report: a perfect panel agrees fully and ranks the truth first",
          "[step06][human_eval]") {
  TempDir dir("simulate");
  std::vector<Item> items = make_items(12);
  for (std::size_t i = 0; i < items.size(); i += 2) {
    std::swap(items[i].answers[0], items[i].answers[1]);  // "x" first on half the items
  }
  std::unique_ptr<RatingStore> store = open(dir.path() / "p.sqlite", items);
  CHECK(simulate_panel(*store, {.raters = 3, .accuracy = 1.0, .seed = 3}) == 36);
  CHECK(simulate_panel(*store, {.raters = 3, .accuracy = 1.0, .seed = 3}) == 0);  // all rated
  for (const RatingRecord& record : store->ratings()) CHECK(record.winner == "x");
  const StudyReport report = make_report(*store, {.resamples = 0});
  CHECK(report.raters == 3);
  CHECK(report.ratings_per_unit[3] == 12);
  CHECK(report.raw_agreement == Approx(1.0));
  REQUIRE(report.agreement.size() == 3);
  CHECK_FALSE(report.agreement[0].value);           // Cohen's kappa needs exactly 2 raters
  CHECK(report.agreement[1].value == Approx(1.0));  // Fleiss
  CHECK(report.agreement[2].value == Approx(1.0));  // Krippendorff
  // x always wins: no maximum-likelihood strengths exist, and the report says why.
  CHECK_FALSE(report.ranking);
  CHECK_THAT(report.ranking_note, contains("never"));
  CHECK_THAT(format_report(report), contains("ranking: not available"));

  // No ratings yet: each figure is missing under its own name, saying why.
  std::unique_ptr<RatingStore> empty = open(dir.path() / "e.sqlite", make_items(2));
  const StudyReport none = make_report(*empty, {.resamples = 0});
  CHECK_FALSE(none.raw_agreement);
  REQUIRE(none.agreement.size() == 3);
  CHECK(none.agreement[2].name == "Krippendorff's alpha");
  CHECK_FALSE(none.agreement[2].value);
  CHECK_THAT(format_report(none), contains("Krippendorff's alpha         -  krippendorff_alpha"));

  // A noisy panel of two: Cohen's kappa is there, and x ranks first.
  std::unique_ptr<RatingStore> noisy = open(dir.path() / "n.sqlite", make_items(40));
  simulate_panel(*noisy, {.raters = 2, .accuracy = 0.6, .seed = 4});
  const StudyReport second = make_report(*noisy, {.resamples = 200});
  REQUIRE(second.agreement[0].value);
  REQUIRE(second.ranking);
  CHECK(second.ranking->systems[0].system == "x");
  CHECK(second.left + second.right == 80);
}

TEST_CASE("human eval simulate and report in mode scale: ordinal alpha, mean scores, a ranking",
          "[step06][human_eval]") {
  TempDir dir("scale");
  std::vector<Item> items;
  for (int i = 0; i < 30; ++i) {
    const std::string k = std::to_string(i);
    items.push_back({.id = "s" + k,
                     .prompt = "prompt " + k,
                     .answers = {{"x", "x " + k}, {"y", "y " + k}, {"z", "z " + k}},
                     .better = i % 2 == 0 ? "x" : "y"});
  }
  std::unique_ptr<RatingStore> store = open(dir.path() / "s.sqlite", items, 5, Mode::kScale);
  CHECK(simulate_panel(*store, {.raters = 2, .accuracy = 0.9, .seed = 8}) == 60);
  const StudyReport report = make_report(*store, {.resamples = 100});
  CHECK(report.rated_units == 90);  // every (item, answer) unit
  REQUIRE(report.agreement.size() == 3);
  CHECK(report.agreement[0].note.starts_with("quadratic weights, 90 units"));
  REQUIRE(report.agreement[0].value);
  CHECK(*report.agreement[0].value > 0.5);
  CHECK(report.agreement[2].note == "ordinal");
  REQUIRE(report.agreement[2].value);
  CHECK(*report.agreement[2].value > 0.5);
  // x and y are better on half the items each (true score 4), z never (true score 2).
  REQUIRE(report.mean_scores.size() == 3);
  CHECK(report.mean_scores[2].first == "z");
  CHECK(report.mean_scores[2].second < report.mean_scores[0].second);
  CHECK(report.mean_scores[2].second < report.mean_scores[1].second);
  REQUIRE(report.ranking);
  CHECK(report.ranking->systems.back().system == "z");
  CHECK_THAT(format_report(report), contains("mean score (1-5)"));
}
