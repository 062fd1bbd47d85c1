// The server tinygpt's HTTP front-ends share (server.h).
#include "http/server.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

namespace tinygpt::http {
namespace {

// Set by the signal handler; a handler may only touch a volatile sig_atomic_t, so a watcher
// thread polls it and calls httplib's stop(), which is not safe inside a handler.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int signal_number) {
  g_stop_signal = signal_number;
}

std::string_view status_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "no such path";
    case 405:
      return "method not allowed";
    case 413:
      return "the request body is too large";
    case 414:
      return "the URI is too long";
    case 415:
      return "unsupported media type";
    default:
      return status >= 500 ? "internal server error" : "the request was refused";
  }
}

// An HTTPS server when given a certificate and key, plain HTTP otherwise.
std::unique_ptr<httplib::Server> make_server(const ServerOptions& options) {
  const bool certificate = !options.tls_certificate.empty(), key = !options.tls_key.empty();
  TINYGPT_CHECK(certificate == key,
                "TLS needs both a certificate (--tls-cert) and its private "
                "key (--tls-key)");
  if (!certificate) return std::make_unique<httplib::Server>();
  for (const std::filesystem::path& file : {options.tls_certificate, options.tls_key}) {
    TINYGPT_CHECK(std::filesystem::is_regular_file(file), "TLS: ", file.string(), " is not a file");
  }
  auto server = std::make_unique<httplib::SSLServer>(options.tls_certificate.c_str(),
                                                     options.tls_key.c_str());
  TINYGPT_CHECK(server->is_valid(), "TLS: cannot use the certificate ",
                options.tls_certificate.string(), " with the key ", options.tls_key.string(),
                " (not PEM, or they do not belong together)");
  return server;
}

}  // namespace

std::string_view content_type_for(std::string_view path) {
  const auto ends_with = [&](std::string_view tail) { return path.ends_with(tail); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js") || ends_with(".mjs")) return "text/javascript; charset=utf-8";
  if (ends_with(".json")) return "application/json";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  if (ends_with(".ico")) return "image/x-icon";
  if (ends_with(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Server::Server(ServerOptions options)
    : options_(std::move(options)), server_(make_server(options_)) {
  httplib::Server& http = *server_;
  const std::size_t threads = options_.threads;
  TINYGPT_CHECK(threads >= 1, "a server needs at least one thread");
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(options_.max_body_bytes);
  http.set_read_timeout(options_.read_timeout);
  http.set_write_timeout(options_.write_timeout);
  http.set_keep_alive_timeout(options_.keep_alive_timeout.count());
  // Small writes go out at once: a streamed token must not wait for Nagle's algorithm to
  // gather more bytes (or for the client's delayed acknowledgement).
  http.set_tcp_nodelay(true);
  // Statuses httplib sets itself (404 no route, 413 too large, 400 unreadable request) get
  // a JSON body too, unless a handler already wrote one.
  const std::size_t limit = options_.max_body_bytes;
  http.set_error_handler([limit](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    std::string message(status_message(response.status));
    if (response.status == 404) message += ": " + request.method + " " + request.path;
    if (response.status == 413) message += ": the limit is " + std::to_string(limit) + " bytes";
    send_error(response, response.status, message);
  });
  // A handler's unexpected exception: a 500 with its message, and the server goes on.
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr thrown) {
        std::string message = "unexpected error";
        try {
          std::rethrow_exception(thrown);
        } catch (const std::exception& error) {
          message += ": " + std::string(error.what());
        } catch (...) {
        }
        send_error(response, 500, message);
      });
}

void Server::answer(const JsonHandler& handler, const httplib::Request& request,
                    httplib::Response& response) {
  try {
    send_json(response, handler(request));
  } catch (const HttpError& error) {
    send_error(response, error.status(), error.what());
  } catch (const std::exception& error) {
    send_error(response, 500, error.what());
  }
}

void Server::get_json(const std::string& pattern, JsonHandler handler) {
  server_->Get(pattern, [handler](const httplib::Request& request, httplib::Response& response) {
    answer(handler, request, response);
  });
}

void Server::post_json(const std::string& pattern, JsonHandler handler) {
  server_->Post(pattern, [handler](const httplib::Request& request, httplib::Response& response) {
    answer(handler, request, response);
  });
}

void Server::serve_files(std::span<const EmbeddedFile> files) {
  for (const EmbeddedFile& file : files) {
    const auto send = [file](const httplib::Request&, httplib::Response& response) {
      response.set_content(file.bytes.data(), file.bytes.size(),
                           std::string(content_type_for(file.path)).c_str());
      // The page is part of the program: a new build must not meet a stale cached copy.
      response.set_header("Cache-Control", "no-cache");
    };
    server_->Get(std::string(file.path), send);
    if (file.path == "/index.html") server_->Get("/", send);
  }
}

int Server::bind() {
  if (port_ >= 0) return port_;
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else {
    port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  TINYGPT_CHECK(port_ > 0, "cannot listen on ", options_.host, " port ", options_.port,
                ": the port is in use or the host is not an address of this machine (try --port "
                "0 for a free port)");
  return port_;
}

std::string Server::url() const {
  if (port_ < 0) return "";
  const bool ipv6 = options_.host.find(':') != std::string::npos;
  const bool tls = !options_.tls_certificate.empty();
  return (tls ? "https://" : "http://") + (ipv6 ? "[" + options_.host + "]" : options_.host) + ":" +
         std::to_string(port_);
}

void Server::run(std::ostream& announce, bool stop_on_signals) {
  bind();
  using Handler = void (*)(int);
  Handler previous_int = SIG_DFL, previous_term = SIG_DFL;
  std::atomic<bool> done{false};
  std::thread watcher;
  if (stop_on_signals) {
    g_stop_signal = 0;
    previous_int = std::signal(SIGINT, on_stop_signal);
    previous_term = std::signal(SIGTERM, on_stop_signal);
    // Polls ten times a second: a signal stops the server within 0.1 s.
    watcher = std::thread([this, &done] {
      while (!done.load()) {
        if (g_stop_signal != 0) {
          if (drain_) drain_();
          server_->stop();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  announce << "listening on " << url() << std::endl;
  server_->listen_after_bind();
  done = true;
  if (stop_on_signals) {
    watcher.join();
    std::signal(SIGINT, previous_int);
    std::signal(SIGTERM, previous_term);
    if (g_stop_signal != 0) {
      announce << "stopped by " << (g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM") << std::endl;
    }
  }
}

void Server::stop() {
  server_->stop();
}

void Server::wait_until_running() const {
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace tinygpt::http
