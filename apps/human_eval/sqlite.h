/// @file sqlite.h
/// @brief A thin RAII layer over SQLite 3's C API: a connection, prepared statements and
/// transactions, every error a tinygpt::Error naming the database file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace tinygpt::human_eval {

class Database;

/// @brief A prepared statement: bind parameters (1-based), step through rows, read columns
/// (0-based). Finalised when it goes.
class Statement {
 public:
  /// @param database the connection (must outlive the statement).
  /// @param sql one SQL statement.
  Statement(Database& database, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  /// @brief Binds text to parameter `index` (1-based). @return *this.
  /// @param index the parameter.
  /// @param value its text (copied).
  Statement& bind(int index, std::string_view value);
  /// @brief Binds an integer. @return *this.
  /// @param index the parameter.
  /// @param value its value.
  Statement& bind(int index, std::int64_t value);
  /// @brief Binds NULL. @return *this.
  /// @param index the parameter.
  Statement& bind_null(int index);

  /// @brief Runs to the next row. Throws Error naming the file on a failure.
  /// @return true when a row is ready, false when the statement is done.
  bool step();
  /// @brief Runs a statement that returns no rows (INSERT, UPDATE, CREATE).
  void run();

  /// @param column a column of the current row (0-based).
  /// @return its text ("" for NULL).
  std::string text(int column) const;
  /// @param column a column of the current row.
  /// @return its integer value.
  std::int64_t integer(int column) const;
  /// @param column a column of the current row.
  /// @return whether it is NULL.
  bool is_null(int column) const;

 private:
  Database& database_;
  sqlite3_stmt* statement_ = nullptr;
};

/// @brief A connection to one database file.
class Database {
 public:
  /// @brief Opens `path`. Throws Error naming it when SQLite cannot open it (or, read-only,
  /// when it does not exist). A file that is not a database is only noticed at the first
  /// statement, which then throws Error "'PATH' is not a SQLite database".
  /// @param path the file.
  /// @param writable false: read-only; true: read-write, created when missing.
  Database(const std::filesystem::path& path, bool writable);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// @brief Runs SQL without parameters or results (several statements allowed).
  /// @param sql the SQL.
  void exec(std::string_view sql);

  /// @param sql one SQL statement.
  /// @return it prepared.
  Statement prepare(std::string_view sql) { return Statement(*this, sql); }

  /// @return the file.
  const std::filesystem::path& path() const { return path_; }

  /// @brief Throws Error naming the file, with SQLite's message, for result code `code`.
  /// @param code SQLite's result code.
  /// @param doing what was being done ("reading the items").
  [[noreturn]] void fail(int code, std::string_view doing) const;

  /// @return the raw handle, for Statement.
  sqlite3* handle() { return db_; }

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

/// @brief BEGIN IMMEDIATE in the constructor (the write lock at once, so two writers never
/// deadlock halfway), COMMIT by commit(), ROLLBACK when it goes without one (an exception).
/// Inside another transaction it is a SAVEPOINT instead, committed or rolled back with the
/// outer one, so that many writes can share one transaction (and one disk sync).
class Transaction {
 public:
  /// @param database the connection.
  explicit Transaction(Database& database);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  /// @brief Commits everything since the constructor.
  void commit();

 private:
  Database& database_;
  bool nested_ = false;
  bool done_ = false;
};

}  // namespace tinygpt::human_eval
