/// @file server.h
/// @brief What tinygpt's HTTP servers share (the rating page of step 06, the chat server of
/// step 07), on cpp-httplib: binding an address (port 0: a free one) and announcing the URL,
/// JSON handlers whose HttpError becomes a JSON 4xx, JSON errors for unknown paths, bodies
/// over the size limit (413) and anything a handler did not expect (500), read and write
/// timeouts, files embedded in the program, and a graceful stop on SIGINT or SIGTERM.
///
/// A server binds 127.0.0.1 unless told otherwise: a rating page or a model is not meant to
/// be reachable from the network by accident.
///
/// Include this header AFTER Eigen in a file that includes both: <httplib.h> pulls in
/// <resolv.h>, whose `_res` macro breaks Eigen's headers.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "http/json_api.h"

namespace tinygpt::http {

/// @brief Where and how a server listens.
struct ServerOptions {
  std::string host = "127.0.0.1";          ///< the address to bind (a name or an IP)
  int port = 8080;                         ///< the port; 0: a free one the system picks
  std::size_t max_body_bytes = 1 << 20;    ///< larger request bodies get 413
  std::chrono::seconds read_timeout{10};   ///< a client that sends nothing for this long is dropped
  std::chrono::seconds write_timeout{10};  ///< a client that reads nothing for this long is dropped
  /// idle keep-alive connections close after this; short, because httplib's stop() waits
  /// for them (a browser left open would hold a Ctrl-C for the whole timeout)
  std::chrono::seconds keep_alive_timeout{1};
  /// threads that answer requests; a request waiting for the model holds one, so a model
  /// server needs at least its concurrent requests plus a few for /metrics and probes
  std::size_t threads = 8;
  /// With both set: HTTPS with this certificate and private key (PEM files).
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_key;  ///< the certificate's private key (PEM)
};

/// @brief A file served from the program's own bytes (made at build time by
/// tinygpt_embed_files() in apps/http/CMakeLists.txt).
struct EmbeddedFile {
  std::string_view path;   ///< its URL path, e.g. "/index.html"
  std::string_view bytes;  ///< its content
};

/// @param path a file's name or URL path.
/// @return its Content-Type by extension (text/html; charset=utf-8, text/css, ...;
/// application/octet-stream when unknown).
std::string_view content_type_for(std::string_view path);

/// @brief A handler of a JSON endpoint: reads the request, returns the response's body.
/// Throws HttpError for a bad request.
using JsonHandler = std::function<nlohmann::json(const httplib::Request&)>;

/// @brief An HTTP server with tinygpt's conventions (see the file).
class Server {
 public:
  /// @param options the address, limits and timeouts.
  explicit Server(ServerOptions options);

  /// @brief Adds GET `pattern` (httplib's regular expression) answering JSON.
  /// @param pattern the path, e.g. "/api/next".
  /// @param handler its handler.
  void get_json(const std::string& pattern, JsonHandler handler);

  /// @brief Adds POST `pattern` answering JSON.
  /// @param pattern the path.
  /// @param handler its handler.
  void post_json(const std::string& pattern, JsonHandler handler);

  /// @brief Serves the files at their paths; "/" serves "/index.html".
  /// @param files the files, which must outlive the server.
  void serve_files(std::span<const EmbeddedFile> files);

  /// @return the httplib server, for what the helpers here do not cover (streaming).
  httplib::Server& raw() { return *server_; }

  /// @brief Sets what a stop signal does before the server stops: e.g. refuse new work
  /// and wait for the requests under way (a graceful drain). Called on a watcher thread.
  /// @param drain the function; it returns when the server may stop.
  void set_drain(std::function<void()> drain) { drain_ = std::move(drain); }

  /// @brief Binds the address. Throws Error naming host and port when it cannot (in use,
  /// not a local address).
  /// @return the port bound (the system's choice for port 0).
  int bind();

  /// @return "http://HOST:PORT" ("https://..." with TLS) of the bound server ("" before
  /// bind()).
  std::string url() const;

  /// @brief Binds if needed, writes "listening on URL" as one line to `announce` (flushed,
  /// so that a parent process waiting for it sees it), and serves until stop() or, with
  /// `stop_on_signals`, SIGINT or SIGTERM: then it runs the drain (set_drain()), stops
  /// accepting, lets the requests under way finish and returns.
  /// @param announce where the line goes.
  /// @param stop_on_signals whether SIGINT and SIGTERM stop the server (the program's
  ///        handlers are replaced while it runs and put back after).
  void run(std::ostream& announce, bool stop_on_signals);

  /// @brief Stops a running server from any thread; run() then returns.
  void stop();

  /// @brief Waits until run() accepts connections (for a test that runs it on a thread).
  void wait_until_running() const;

 private:
  // Runs `handler` and writes its JSON, or the JSON error of what it threw.
  static void answer(const JsonHandler& handler, const httplib::Request& request,
                     httplib::Response& response);

  ServerOptions options_;
  std::unique_ptr<httplib::Server> server_;  // an httplib::SSLServer with TLS
  std::function<void()> drain_;
  int port_ = -1;
};

}  // namespace tinygpt::http
