// An API server running on a thread of its own, so that the program that started it can
// talk to it over loopback: the journey's deployment stage and the API tests.
#pragma once

#include <sstream>
#include <thread>

// After Eigen (through the engine's headers): httplib's <resolv.h> defines _res.
#include "api_server.h"

namespace tinygpt::serve {

/// @brief Runs an ApiServer on a thread from construction until stop() (or, when it
/// listens to signals, until SIGINT or SIGTERM drains it).
class ServerThread {
 public:
  /// @brief Binds the server's address and starts serving; returns once it accepts
  /// connections.
  /// @param server the server; it must outlive this object.
  /// @param stop_on_signals whether SIGINT and SIGTERM drain and stop it (ApiServer::run):
  ///        for a server a person uses; a test stops its server itself.
  ServerThread(ApiServer& server, bool stop_on_signals) : server_(server) {
    server_.http().bind();
    thread_ = std::thread([this, stop_on_signals] {
      std::ostringstream announce;  // the URL is known already: url()
      if (stop_on_signals) {
        server_.run(announce);
      } else {
        server_.http().run(announce, false);
      }
    });
    server_.http().wait_until_running();
  }
  ~ServerThread() { stop(); }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  /// @brief Stops the server now and waits for its thread (once; later calls do nothing).
  void stop() {
    if (!thread_.joinable()) return;
    server_.http().stop();
    thread_.join();
  }

  /// @brief Waits until a signal has drained and stopped the server.
  void wait_for_signal() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  ApiServer& server_;
  std::thread thread_;
};

}  // namespace tinygpt::serve
