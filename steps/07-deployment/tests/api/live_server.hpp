// A `tinygpt serve` inside the test program: a tiny chat model (random weights: the tests
// check the API's mechanics, not the answers), the engine, the API server on 127.0.0.1 and
// a free port, and HTTP clients for it.
#pragma once

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/instruction_tuning.h"
// After Eigen: httplib's headers define _res.
#include "server_thread.h"

namespace tinygpt::testing {

/// A chat model folder in `folder`: a BPE trained on a small world's stories (no
/// end-of-text token), a GPT (V 301, C 16, one layer) with `context` positions, and the
/// chat markers.
inline std::filesystem::path make_chat_model(const std::filesystem::path& folder,
                                             std::int64_t context) {
  data::generate({.seed = 1, .size = 20000, .kinds = {"stories"}}, folder / "world");
  // No end-of-text token: a completion then always runs to its max_tokens, which the tests
  // of long streams need (random weights would end one anywhere).
  const text::BpeTokenizer tokenizer =
      text::BpeTokenizer::train(read_file(folder / "world" / "stories.txt"), 301, {});
  models::Gpt gpt({.family = models::Family::kGpt,
                   .vocab_size = 301,
                   .context_length = context,
                   .width = 16,
                   .layers = 1,
                   .heads = 2});
  gpt.init(5);
  models::save_pretrained_gpt(folder / "base", gpt, tokenizer);
  models::ModelFolder model = models::load_model_folder(folder / "base");
  tune::add_chat_markers(model);
  models::save_model_folder(folder / "chat", model.config, model.parameters(), model.tokenizer,
                            std::nullopt, model.chat);
  return folder / "chat";
}

/// The server, running on a thread of its own until the object goes.
class LiveServer {
 public:
  LiveServer(const std::filesystem::path& model, serve::ApiServerOptions options)
      : pretrained_(models::load_pretrained_gpt(model)),
        served_(serve::served_model(pretrained_, "tiny")) {
    engine_ = std::make_unique<infer::Engine>(
        pretrained_.model,
        infer::EngineOptions{.slots = options.slots, .tokenizer = &pretrained_.tokenizer});
    options.http.port = 0;
    server_ = std::make_unique<serve::ApiServer>(served_, *engine_, std::move(options), log_);
    port_ = server_->http().bind();
    thread_ = std::make_unique<serve::ServerThread>(*server_, false);
  }

  /// Stops the server (once).
  /// @return its access log, safe to read now that no thread writes it.
  std::string stop() {
    thread_->stop();
    return log_.str();
  }

  /// A new client (one per thread: httplib's client is not shared between threads).
  std::unique_ptr<httplib::Client> client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client->set_read_timeout(30, 0);
    return client;
  }
  /// The server's state.
  serve::ApiServer& server() { return *server_; }

 private:
  models::PretrainedGpt pretrained_;
  serve::ServedModel served_;
  std::unique_ptr<infer::Engine> engine_;
  std::ostringstream log_;  // written by the server's threads; read after stop()
  std::unique_ptr<serve::ApiServer> server_;
  int port_ = 0;
  std::unique_ptr<serve::ServerThread> thread_;  // declared last: it stops first
};

}  // namespace tinygpt::testing
