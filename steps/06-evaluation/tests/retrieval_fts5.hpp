// SQLite's FTS5 as the reference for BM25 (retrieve/bm25.h): the same passages in an FTS5
// table with the default unicode61 tokenizer, searched with an OR of the query's terms and
// ranked by bm25(). Used by retrieval_test.cpp and bench/bench_retrieval.cpp; it links
// Debian's libsqlite3 (pkg-config sqlite3), which the library itself never does.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/retrieve/bm25.h"

namespace tinygpt::testing {

/// An in-memory SQLite database holding one FTS5 table `passages(text)`, rowid = the
/// passage's position + 1.
class Fts5Index {
 public:
  explicit Fts5Index(const std::vector<retrieve::Passage>& passages) {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) fail("opening :memory:");
    exec("CREATE VIRTUAL TABLE passages USING fts5(text, tokenize = 'unicode61')");
    exec("BEGIN");
    sqlite3_stmt* insert = prepare("INSERT INTO passages(rowid, text) VALUES (?, ?)");
    for (std::size_t p = 0; p < passages.size(); ++p) {
      sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(p) + 1);
      sqlite3_bind_text(insert, 2, passages[p].text.data(),
                        static_cast<int>(passages[p].text.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(insert) != SQLITE_DONE) fail("inserting a passage");
      sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    exec("COMMIT");
    // One b-tree instead of one per flush, as a built index would be kept.
    exec("INSERT INTO passages(passages) VALUES ('optimize')");
    search_ = prepare(
        "SELECT rowid, bm25(passages) FROM passages WHERE passages MATCH ? "
        "ORDER BY bm25(passages), rowid LIMIT ?");
  }
  ~Fts5Index() {
    sqlite3_finalize(search_);
    sqlite3_close(db_);
  }
  Fts5Index(const Fts5Index&) = delete;
  Fts5Index& operator=(const Fts5Index&) = delete;

  /// One term of FTS5's own vocabulary (an fts5vocab table of kind 'row').
  struct VocabularyRow {
    std::string term;
    std::int64_t documents = 0;    // rows that contain it
    std::int64_t occurrences = 0;  // times it occurs in all rows
  };

  /// Every term FTS5's tokenizer found in the passages, in its order (sorted by term).
  std::vector<VocabularyRow> vocabulary() {
    exec("CREATE VIRTUAL TABLE IF NOT EXISTS vocabulary USING fts5vocab(passages, 'row')");
    sqlite3_stmt* rows = prepare("SELECT term, doc, cnt FROM vocabulary ORDER BY term");
    std::vector<VocabularyRow> out;
    while (sqlite3_step(rows) == SQLITE_ROW) {
      out.push_back({reinterpret_cast<const char*>(sqlite3_column_text(rows, 0)),
                     sqlite3_column_int64(rows, 1), sqlite3_column_int64(rows, 2)});
    }
    sqlite3_finalize(rows);
    return out;
  }

  /// The FTS5 query for a question: its terms (retrieval_terms), each quoted, joined by OR;
  /// "" when it has none.
  static std::string match_expression(std::string_view question) {
    std::string match;
    for (const std::string& term : retrieve::retrieval_terms(question)) {
      if (!match.empty()) match += " OR ";
      match += "\"" + term + "\"";
    }
    return match;
  }

  /// The k best rows for a question: passage = rowid - 1, score = -bm25() (so larger is
  /// better, as in the library).
  std::vector<retrieve::Hit> search(std::string_view question, std::int64_t k) {
    const std::string match = match_expression(question);
    std::vector<retrieve::Hit> hits;
    if (match.empty()) return hits;
    sqlite3_bind_text(search_, 1, match.data(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(search_, 2, k);
    int code = SQLITE_ROW;
    while ((code = sqlite3_step(search_)) == SQLITE_ROW) {
      hits.push_back({sqlite3_column_int64(search_, 0) - 1, -sqlite3_column_double(search_, 1)});
    }
    sqlite3_reset(search_);
    if (code != SQLITE_DONE) fail("searching for " + match);
    return hits;
  }

 private:
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) fail(sql);
    return statement;
  }
  [[noreturn]] void fail(const std::string& doing) {
    throw std::runtime_error("SQLite FTS5: " + doing + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* search_ = nullptr;
};

}  // namespace tinygpt::testing
