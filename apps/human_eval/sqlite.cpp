// SQLite 3 with tinygpt's errors (sqlite.h).
#include "human_eval/sqlite.h"

#include <sqlite3.h>

#include "tinygpt/core/check.h"

namespace tinygpt::human_eval {

Database::Database(const std::filesystem::path& path, bool writable) : path_(path) {
  if (!writable) {
    TINYGPT_CHECK(std::filesystem::is_regular_file(path), "no ratings database '", path.string(),
                  "' (tinygpt eval human serve or simulate makes one)");
  }
  const int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  const int code =
      sqlite3_open_v2(path.string().c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("cannot open the ratings database '" + path.string() + "': " + message);
  }
  // Another process (an export while the server runs) may hold the lock for a moment.
  sqlite3_busy_timeout(db_, 5000);
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  sqlite3_close(db_);
}

void Database::fail(int code, std::string_view doing) const {
  const int primary = code & 0xff;
  if (primary == SQLITE_NOTADB) {
    throw Error(std::string("'") + path_.string() +
                "' is not a SQLite database (SQLite: file is not a database); give --db a ratings "
                "database or the name of a new file");
  }
  if (primary == SQLITE_CORRUPT) {
    throw Error("the ratings database '" + path_.string() +
                "' is damaged (SQLite: " + sqlite3_errmsg(db_) + ")");
  }
  throw Error("ratings database '" + path_.string() + "': " + std::string(doing) +
              " failed (SQLite: " + sqlite3_errmsg(db_) + ")");
}

void Database::exec(std::string_view sql) {
  char* message = nullptr;
  const int code = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (code != SQLITE_OK) fail(code, "running '" + std::string(sql.substr(0, 40)) + "'");
}

Statement::Statement(Database& database, std::string_view sql) : database_(database) {
  const int code = sqlite3_prepare_v2(database.handle(), sql.data(), static_cast<int>(sql.size()),
                                      &statement_, nullptr);
  if (code != SQLITE_OK) database.fail(code, "preparing '" + std::string(sql.substr(0, 60)) + "'");
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

Statement& Statement::bind(int index, std::string_view value) {
  const int code = sqlite3_bind_text(statement_, index, value.data(),
                                     static_cast<int>(value.size()), SQLITE_TRANSIENT);
  if (code != SQLITE_OK) database_.fail(code, "binding a value");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int code = sqlite3_bind_int64(statement_, index, value);
  if (code != SQLITE_OK) database_.fail(code, "binding a value");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int code = sqlite3_bind_null(statement_, index);
  if (code != SQLITE_OK) database_.fail(code, "binding a value");
  return *this;
}

bool Statement::step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  database_.fail(code,
                 "the statement '" + std::string(sqlite3_sql(statement_)).substr(0, 60) + "'");
}

void Statement::run() {
  while (step()) {
  }
}

std::string Statement::text(int column) const {
  const unsigned char* value = sqlite3_column_text(statement_, column);
  if (value == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(value),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

Transaction::Transaction(Database& database)
    : database_(database), nested_(sqlite3_get_autocommit(database.handle()) == 0) {
  database_.exec(nested_ ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (done_) return;
  const char* undo = nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK";
  sqlite3_exec(database_.handle(), undo, nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  database_.exec(nested_ ? "RELEASE nested" : "COMMIT");
  done_ = true;
}

}  // namespace tinygpt::human_eval
