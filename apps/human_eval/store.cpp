// The ratings database (store.h).
#include "human_eval/store.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/utf8.h"

namespace tinygpt::human_eval {
namespace {

constexpr std::string_view kSchemaName = "tinygpt-human-eval";
constexpr std::string_view kSchemaVersion = "1";
constexpr std::string_view kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

// The tables and their columns, in order: created from this list and checked against it.
struct TableSpec {
  std::string_view name;
  std::vector<std::string_view> columns;
  std::string_view definition;
};

const std::vector<TableSpec>& table_specs() {
  static const std::vector<TableSpec> specs = {
      {"meta", {"key", "value"}, "key TEXT PRIMARY KEY, value TEXT NOT NULL"},
      {"items",
       {"item_index", "id", "prompt", "better"},
       "item_index INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, prompt TEXT NOT NULL, better "
       "TEXT"},
      {"answers",
       {"item_index", "slot", "system", "text"},
       "item_index INTEGER NOT NULL REFERENCES items(item_index), slot INTEGER NOT NULL, "
       "system TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (item_index, slot)"},
      {"raters",
       {"rater_id", "name", "first_seen"},
       "rater_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, first_seen TEXT NOT NULL"},
      {"presentations",
       {"rater_id", "item_index", "sequence", "shown_order", "shown_at"},
       "rater_id INTEGER NOT NULL REFERENCES raters(rater_id), "
       "item_index INTEGER NOT NULL REFERENCES items(item_index), sequence INTEGER NOT NULL, "
       "shown_order TEXT NOT NULL, shown_at TEXT NOT NULL, PRIMARY KEY (rater_id, item_index)"},
      {"ratings",
       {"rater_id", "item_index", "shown_order", "choice", "winner", "scores", "rated_at"},
       "rater_id INTEGER NOT NULL, item_index INTEGER NOT NULL, shown_order TEXT NOT NULL, "
       "choice TEXT CHECK (choice IN ('left', 'right', 'tie')), winner TEXT, scores TEXT, "
       "rated_at TEXT NOT NULL, PRIMARY KEY (rater_id, item_index), "
       "FOREIGN KEY (rater_id, item_index) REFERENCES presentations(rater_id, item_index)"},
  };
  return specs;
}

// A rater's 32-bit key: the step of their draws (rng.h wants a step below 2^32).
std::uint64_t rater_key(const std::string& rater) {
  return fnv1a_64(rater) & 0xffffffffull;
}

std::vector<int> shuffled(int count, CounterRng rng) {
  std::vector<int> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  for (int i = count - 1; i > 0; --i) {
    const int j = static_cast<int>(rng.below(static_cast<std::uint32_t>(i) + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  return order;
}

std::string order_json(const Item& item, const std::vector<int>& order) {
  nlohmann::json systems = nlohmann::json::array();
  for (int slot : order) systems.push_back(item.answers[static_cast<std::size_t>(slot)].system);
  return systems.dump();
}

// The answer slots of a logged order (system names from left to right).
std::vector<int> order_slots(const Item& item, const std::string& json) {
  std::vector<int> order;
  for (const nlohmann::json& system : nlohmann::json::parse(json)) {
    for (std::size_t slot = 0; slot < item.answers.size(); ++slot) {
      if (item.answers[slot].system == system.get<std::string>()) {
        order.push_back(static_cast<int>(slot));
      }
    }
  }
  return order;
}

// 'PATH', for messages (built by appends: GCC 12 warns falsely on "'" + a temporary).
std::string quoted(const std::filesystem::path& path) {
  std::string text = "'";
  text += path.string();
  text += "'";
  return text;
}

std::string describe_item(const Item& item) {
  std::string text = "id '" + item.id + "', " + std::to_string(item.answers.size()) + " answers (";
  for (std::size_t k = 0; k < item.answers.size(); ++k) {
    if (k > 0) text += ", ";
    text += item.answers[k].system;
  }
  return text + ")";
}

}  // namespace

Choice parse_choice(std::string_view name) {
  if (name == "left") return Choice::kLeft;
  if (name == "right") return Choice::kRight;
  if (name == "tie") return Choice::kTie;
  throw RatingRefused(RatingRefused::Reason::kBadValue,
                      "choice '" + std::string(name) + "' is not left, right or tie");
}

std::string_view choice_name(Choice choice) {
  switch (choice) {
    case Choice::kLeft:
      return "left";
    case Choice::kRight:
      return "right";
    case Choice::kTie:
      break;
  }
  return "tie";
}

std::vector<int> item_sequence(std::uint64_t seed, const std::string& rater, int items) {
  return shuffled(items, CounterRng(seed, RngStream::kDemo, rater_key(rater), 0));
}

std::vector<int> answer_order(std::uint64_t seed, const std::string& rater, int item_index,
                              int answers) {
  return shuffled(answers, CounterRng(seed, RngStream::kDemo, rater_key(rater),
                                      1 + static_cast<std::uint64_t>(item_index)));
}

void check_rater_name(std::string_view name) {
  const auto refuse = [](const std::string& why) {
    throw RatingRefused(RatingRefused::Reason::kBadValue, "rater name " + why);
  };
  if (name.empty()) refuse("is empty: enter a name");
  if (name.front() == ' ' || name.back() == ' ') refuse("starts or ends with a space");
  int characters = 0;
  for (std::size_t i = 0; i < name.size();) {
    const std::int32_t code = next_code_point(name, i);
    if (code < 0) refuse("is not valid UTF-8");
    if (code < 0x20 || code == 0x7f) refuse("contains a control character");
    ++characters;
  }
  if (characters > 64) refuse("has " + std::to_string(characters) + " characters; at most 64");
}

RatingStore::RatingStore(std::unique_ptr<Database> db, bool writable)
    : db_(std::move(db)), writable_(writable) {}

std::unique_ptr<RatingStore> RatingStore::open_existing(const std::filesystem::path& db) {
  std::unique_ptr<RatingStore> store(
      new RatingStore(std::make_unique<Database>(db, /*writable=*/false), false));
  store->check_schema();
  store->read_study();
  return store;
}

std::unique_ptr<RatingStore> RatingStore::open_study(const std::filesystem::path& db,
                                                     const std::vector<Item>& items,
                                                     const std::filesystem::path& items_file,
                                                     std::optional<Mode> mode,
                                                     std::optional<std::uint64_t> seed) {
  std::unique_ptr<RatingStore> store(
      new RatingStore(std::make_unique<Database>(db, /*writable=*/true), true));
  Statement tables = store->db_->prepare("SELECT count(*) FROM sqlite_master");
  tables.step();
  if (tables.integer(0) == 0) {
    store->create(items, items_file, mode.value_or(Mode::kPairwise), seed.value_or(1));
    return store;
  }
  store->check_schema();
  store->read_study();
  const std::string file = quoted(db);
  if (mode && *mode != store->mode_) {
    throw Error("the ratings database " + file + " is a study in mode " +
                std::string(mode_name(store->mode_)) + ", not " + std::string(mode_name(*mode)) +
                ": leave --mode out, or use a new --db");
  }
  if (seed && *seed != store->seed_) {
    throw Error("the ratings database " + file + " orders answers with seed " +
                std::to_string(store->seed_) + ", not " + std::to_string(*seed) +
                ": leave --seed out, or use a new --db");
  }
  if (items != store->items_) {
    std::string difference;
    const std::size_t common = std::min(items.size(), store->items_.size());
    for (std::size_t i = 0; i < common && difference.empty(); ++i) {
      if (items[i] != store->items_[i]) {
        difference = "item " + std::to_string(i + 1) + " is " + describe_item(store->items_[i]) +
                     " in the database but " + describe_item(items[i]) + " in the file" +
                     (items[i].id == store->items_[i].id ? " (the same id, other content)" : "");
      }
    }
    if (difference.empty()) {
      difference = "the database has " + std::to_string(store->items_.size()) +
                   " items, the file " + std::to_string(items.size());
    }
    throw Error("the items file '" + items_file.string() +
                "' is not the one the ratings database " + file + " was made with ('" +
                store->items_file_ + "'): " + difference +
                "; use that file, or a new --db for new items");
  }
  return store;
}

void RatingStore::create(const std::vector<Item>& items, const std::filesystem::path& items_file,
                         Mode mode, std::uint64_t seed) {
  Transaction transaction(*db_);
  for (const TableSpec& spec : table_specs()) {
    db_->exec("CREATE TABLE " + std::string(spec.name) + " (" + std::string(spec.definition) + ")");
  }
  const std::vector<std::pair<std::string, std::string>> meta = {
      {"schema", std::string(kSchemaName)},
      {"schema_version", std::string(kSchemaVersion)},
      {"mode", std::string(mode_name(mode))},
      {"seed", std::to_string(seed)},
      {"items_file", items_file.string()}};
  for (const auto& [key, value] : meta) {
    db_->prepare("INSERT INTO meta (key, value) VALUES (?, ?)").bind(1, key).bind(2, value).run();
  }
  db_->exec("INSERT INTO meta (key, value) VALUES ('created', " + std::string(kNow) + ")");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& item = items[i];
    Statement insert =
        db_->prepare("INSERT INTO items (item_index, id, prompt, better) VALUES (?, ?, ?, ?)");
    insert.bind(1, static_cast<std::int64_t>(i)).bind(2, item.id).bind(3, item.prompt);
    if (item.better.empty()) {
      insert.bind_null(4);
    } else {
      insert.bind(4, item.better);
    }
    insert.run();
    for (std::size_t slot = 0; slot < item.answers.size(); ++slot) {
      db_->prepare("INSERT INTO answers (item_index, slot, system, text) VALUES (?, ?, ?, ?)")
          .bind(1, static_cast<std::int64_t>(i))
          .bind(2, static_cast<std::int64_t>(slot))
          .bind(3, item.answers[slot].system)
          .bind(4, item.answers[slot].text)
          .run();
    }
  }
  transaction.commit();
  items_ = items;
  mode_ = mode;
  seed_ = seed;
  items_file_ = items_file.string();
}

void RatingStore::check_schema() {
  const std::string file = quoted(db_->path());
  const std::string not_ours =
      file + " is a SQLite database but not a ratings database of " + "`tinygpt eval human`";
  std::set<std::string> tables;
  Statement names = db_->prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
  while (names.step()) tables.insert(names.text(0));
  for (const TableSpec& spec : table_specs()) {
    TINYGPT_CHECK(tables.contains(std::string(spec.name)), not_ours, ": it has no table '",
                  spec.name, "'");
    std::vector<std::string> columns;
    Statement info = db_->prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
    info.bind(1, spec.name);
    while (info.step()) columns.push_back(info.text(0));
    TINYGPT_CHECK(columns == std::vector<std::string>(spec.columns.begin(), spec.columns.end()),
                  not_ours, ": its table '", spec.name, "' has other columns");
  }
  Statement schema = db_->prepare("SELECT value FROM meta WHERE key = 'schema'");
  TINYGPT_CHECK(schema.step() && schema.text(0) == kSchemaName, not_ours,
                ": its meta table names no schema '", kSchemaName, "'");
  Statement version = db_->prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  TINYGPT_CHECK(version.step() && version.text(0) == kSchemaVersion, "the ratings database ", file,
                " has schema version '", version.text(0), "'; this tinygpt reads version ",
                kSchemaVersion);
}

void RatingStore::read_study() {
  std::map<std::string, std::string> meta;
  Statement rows = db_->prepare("SELECT key, value FROM meta");
  while (rows.step()) meta[rows.text(0)] = rows.text(1);
  const std::string file = quoted(db_->path());
  try {
    mode_ = parse_mode(meta["mode"]);
    seed_ = std::stoull(meta["seed"]);
  } catch (const std::exception& error) {
    throw Error("the ratings database " + file + " has a bad mode or seed in its meta table (" +
                error.what() + ")");
  }
  items_file_ = meta["items_file"];
  items_.clear();
  Statement items = db_->prepare("SELECT item_index, id, prompt, better FROM items ORDER BY 1");
  while (items.step()) {
    TINYGPT_CHECK(items.integer(0) == static_cast<std::int64_t>(items_.size()),
                  "the ratings database ", file, " misses item ", items_.size());
    items_.push_back({.id = items.text(1), .prompt = items.text(2), .better = items.text(3)});
  }
  Statement answers =
      db_->prepare("SELECT item_index, system, text FROM answers ORDER BY item_index, slot");
  while (answers.step()) {
    const std::int64_t index = answers.integer(0);
    TINYGPT_CHECK(index >= 0 && index < static_cast<std::int64_t>(items_.size()),
                  "the ratings database ", file, " has an answer of no item (", index, ")");
    items_[static_cast<std::size_t>(index)].answers.push_back(
        {.system = answers.text(1), .text = answers.text(2)});
  }
  TINYGPT_CHECK(!items_.empty(), "the ratings database ", file, " holds no items");
}

std::optional<std::int64_t> RatingStore::rater_id(const std::string& rater) {
  Statement find = db_->prepare("SELECT rater_id FROM raters WHERE name = ?");
  find.bind(1, rater);
  if (!find.step()) return std::nullopt;
  return find.integer(0);
}

Progress RatingStore::next_for(const std::string& rater) {
  check_rater_name(rater);
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  TINYGPT_CHECK(writable_, "the ratings database is open read-only");
  Transaction transaction(*db_);
  std::optional<std::int64_t> id = rater_id(rater);
  if (!id) {
    db_->prepare("INSERT INTO raters (name, first_seen) VALUES (?, " + std::string(kNow) + ")")
        .bind(1, rater)
        .run();
    id = rater_id(rater);
  }
  Progress progress;
  progress.total = static_cast<int>(items_.size());
  std::set<int> rated;
  Statement done = db_->prepare("SELECT item_index FROM ratings WHERE rater_id = ?");
  done.bind(1, *id);
  while (done.step()) rated.insert(static_cast<int>(done.integer(0)));
  progress.rated = static_cast<int>(rated.size());
  // An item shown and not rated yet (a reload, a crash) comes back as it was shown.
  Statement pending = db_->prepare(
      "SELECT item_index, sequence, shown_order FROM presentations p WHERE rater_id = ? AND NOT "
      "EXISTS (SELECT 1 FROM ratings r WHERE r.rater_id = p.rater_id AND r.item_index = "
      "p.item_index) ORDER BY sequence LIMIT 1");
  pending.bind(1, *id);
  if (pending.step()) {
    const int index = static_cast<int>(pending.integer(0));
    progress.next = Presentation{
        .item_index = index,
        .sequence = static_cast<int>(pending.integer(1)),
        .order = order_slots(items_[static_cast<std::size_t>(index)], pending.text(2))};
    transaction.commit();
    return progress;
  }
  for (int index : item_sequence(seed_, rater, progress.total)) {
    if (rated.contains(index)) continue;
    const Item& item = items_[static_cast<std::size_t>(index)];
    Statement shown = db_->prepare("SELECT count(*) FROM presentations WHERE rater_id = ?");
    shown.bind(1, *id);
    shown.step();
    const Presentation next{
        .item_index = index,
        .sequence = static_cast<int>(shown.integer(0)) + 1,
        .order = answer_order(seed_, rater, index, static_cast<int>(item.answers.size()))};
    db_->prepare(
           "INSERT INTO presentations (rater_id, item_index, sequence, shown_order, "
           "shown_at) VALUES (?, ?, ?, ?, " +
           std::string(kNow) + ")")
        .bind(1, *id)
        .bind(2, static_cast<std::int64_t>(index))
        .bind(3, static_cast<std::int64_t>(next.sequence))
        .bind(4, order_json(item, next.order))
        .run();
    progress.next = next;
    break;
  }
  transaction.commit();
  return progress;
}

RatingStore::Target RatingStore::check_target(const std::string& rater, const std::string& item_id,
                                              Mode needed) {
  using Reason = RatingRefused::Reason;
  TINYGPT_CHECK(writable_, "the ratings database is open read-only");
  if (needed != mode_) {
    throw RatingRefused(Reason::kBadValue,
                        "this study is in mode " + std::string(mode_name(mode_)) + ": send " +
                            (mode_ == Mode::kPairwise ? "a 'choice' (left, right or tie)"
                                                      : "'scores' (1 to 5, one per answer)"));
  }
  const auto item = std::find_if(items_.begin(), items_.end(),
                                 [&](const Item& candidate) { return candidate.id == item_id; });
  if (item == items_.end()) {
    throw RatingRefused(Reason::kUnknownItem, "no item has the id '" + item_id + "'");
  }
  const std::optional<std::int64_t> id = rater_id(rater);
  if (!id) {
    throw RatingRefused(Reason::kUnknownRater,
                        "no rater is called '" + rater + "' (ask /api/next for an item first)");
  }
  Target target{.rater_id = *id, .item_index = static_cast<int>(item - items_.begin())};
  Statement shown =
      db_->prepare("SELECT shown_order FROM presentations WHERE rater_id = ? AND item_index = ?");
  shown.bind(1, *id).bind(2, static_cast<std::int64_t>(target.item_index));
  if (!shown.step()) {
    throw RatingRefused(Reason::kNotShown,
                        "item '" + item_id + "' was not shown to rater '" + rater + "'");
  }
  target.order = order_slots(*item, shown.text(0));
  Statement rated =
      db_->prepare("SELECT rated_at FROM ratings WHERE rater_id = ? AND item_index = ?");
  rated.bind(1, *id).bind(2, static_cast<std::int64_t>(target.item_index));
  if (rated.step()) {
    throw RatingRefused(Reason::kAlreadyRated, "rater '" + rater + "' rated item '" + item_id +
                                                   "' already, at " + rated.text(0));
  }
  return target;
}

void RatingStore::insert_rating(const Target& target, std::optional<Choice> choice,
                                const std::vector<int>& scores) {
  const Item& item = items_[static_cast<std::size_t>(target.item_index)];
  Statement insert = db_->prepare(
      "INSERT INTO ratings (rater_id, item_index, shown_order, choice, winner, scores, rated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, " +
      std::string(kNow) + ")");
  insert.bind(1, target.rater_id)
      .bind(2, static_cast<std::int64_t>(target.item_index))
      .bind(3, order_json(item, target.order));
  if (choice) {
    const std::string winner =
        *choice == Choice::kTie
            ? "tie"
            : item.answers[static_cast<std::size_t>(target.order[*choice == Choice::kLeft ? 0 : 1])]
                  .system;
    insert.bind(4, choice_name(*choice)).bind(5, winner).bind_null(6);
  } else {
    nlohmann::ordered_json by_system;
    for (std::size_t k = 0; k < scores.size(); ++k) {
      by_system[item.answers[static_cast<std::size_t>(target.order[k])].system] = scores[k];
    }
    insert.bind_null(4).bind_null(5).bind(6, by_system.dump());
  }
  insert.run();
}

void RatingStore::rate_pairwise(const std::string& rater, const std::string& item_id,
                                Choice choice) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Transaction transaction(*db_);
  insert_rating(check_target(rater, item_id, Mode::kPairwise), choice, {});
  transaction.commit();
}

void RatingStore::rate_scale(const std::string& rater, const std::string& item_id,
                             const std::vector<int>& scores) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Transaction transaction(*db_);
  const Target target = check_target(rater, item_id, Mode::kScale);
  if (scores.size() != target.order.size()) {
    throw RatingRefused(RatingRefused::Reason::kBadValue,
                        "item '" + item_id + "' has " + std::to_string(target.order.size()) +
                            " answers but " + std::to_string(scores.size()) + " scores came");
  }
  for (int score : scores) {
    if (score < 1 || score > 5) {
      throw RatingRefused(RatingRefused::Reason::kBadValue,
                          "score " + std::to_string(score) + " is not in 1 to 5");
    }
  }
  insert_rating(target, std::nullopt, scores);
  transaction.commit();
}

void RatingStore::in_one_transaction(const std::function<void()>& work) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Transaction transaction(*db_);
  work();
  transaction.commit();
}

std::vector<std::string> RatingStore::raters() const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::vector<std::string> names;
  Statement rows = db_->prepare("SELECT name FROM raters ORDER BY rater_id");
  while (rows.step()) names.push_back(rows.text(0));
  return names;
}

std::vector<RatingRecord> RatingStore::ratings() const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::vector<RatingRecord> records;
  Statement rows = db_->prepare(
      "SELECT raters.name, r.item_index, p.sequence, r.shown_order, r.choice, r.scores, "
      "p.shown_at, r.rated_at FROM ratings r JOIN raters USING (rater_id) JOIN presentations p "
      "USING (rater_id, item_index) ORDER BY r.rater_id, p.sequence");
  while (rows.step()) {
    RatingRecord record{.rater = rows.text(0),
                        .item_index = static_cast<int>(rows.integer(1)),
                        .sequence = static_cast<int>(rows.integer(2)),
                        .shown_at = rows.text(6),
                        .rated_at = rows.text(7)};
    const Item& item = items_.at(static_cast<std::size_t>(record.item_index));
    record.item_id = item.id;
    for (int slot : order_slots(item, rows.text(3))) {
      record.shown.push_back(item.answers[static_cast<std::size_t>(slot)].system);
    }
    if (!rows.is_null(4)) {
      record.choice = parse_choice(rows.text(4));
      record.winner = *record.choice == Choice::kTie    ? "tie"
                      : *record.choice == Choice::kLeft ? record.shown.front()
                                                        : record.shown.back();
    }
    if (!rows.is_null(5)) {
      const nlohmann::json scores = nlohmann::json::parse(rows.text(5));
      for (const std::string& system : record.shown) record.scores.push_back(scores.at(system));
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace tinygpt::human_eval
