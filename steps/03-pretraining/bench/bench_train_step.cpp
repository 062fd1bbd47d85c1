// How long does one whole training step of a GPT take, and how close is that to what this
// machine can do (the GEMM peak of steps/common/bench_support.hpp, measured first)?
//
// One step, as the trainer does it: zero the gradients, forward, softmax + cross-entropy,
// backward, one AdamW update of every parameter.
//
// Configurations (float32, 2 threads, no dropout):
//   small:  4 layers, 4 heads, width 256, vocabulary 4096, batch 8, context 128
//   gpt2:   GPT-2 124M: 12 layers, 12 heads, width 768, vocabulary 50257, batch 4, context 64
//           (position table of 1024 rows, as GPT-2's)
// Model FLOPs per token of forward + backward (the PaLM paper's appendix): 6N + 12 L T C,
// where N counts the parameters without the position embeddings (the tied LM head once) and
// 12 L T C the attention products q k^T and p v in both directions. MFU, the model FLOPs
// utilisation, is that rate over the GEMM peak.
//
// Each benchmark takes warm-up steps (the arena and the optimizer state are sized, the
// caches are warm), then times kTimedSteps steps one by one and reports their median:
//   ms_per_step, tokens_per_s, GFLOP/s, MFU, peak_rss_MB (this process's, so run one
//   configuration per process to see its own: --benchmark_filter=small), trained_M (the
//   parameters that train, millions) and tape_MB (activations and gradients of a step).
// train_step/gpt2_last_block trains GPT-2's last block alone (the rest frozen): what
// freezing saves. Its GFLOP/s and MFU still count the full model's FLOPs.
//
// Run: build/release/steps/03-pretraining/bench/bench_train_step [--benchmark_filter=small]
//      [--benchmark_format=json]
// Where the time goes, op by op, forward and backward (the tape's profiler):
//      build/release/steps/03-pretraining/bench/bench_train_step --profile=small
// and in bf16 mixed precision (core/precision.h; also train_step/small_bf16, gpt2_bf16):
//      build/release/steps/03-pretraining/bench/bench_train_step --profile=small --precision=bf16
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/core/precision.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/train/optimizers.h"

namespace {

using tinygpt::seconds_since;

using namespace tinygpt;
using namespace tinygpt::bench;
using Clock = std::chrono::steady_clock;

constexpr int kWarmUpSteps = 2;
constexpr int kTimedSteps = 7;

// A model, its optimizer and one fixed batch: everything a training step touches.
class TrainStep {
 public:
  // trained: the prefix of the parameters that train ("h.11." for GPT-2's last block), the
  // others frozen; empty: all train.
  explicit TrainStep(const GptSetup& setup, const std::string& trained = "",
                     Precision precision = Precision::kFloat32)
      : setup_(setup),
        model_(setup.config),
        inputs_(random_token_ids(setup.batch * setup.time, setup.config.vocab_size, 0)),
        targets_(random_token_ids(setup.batch * setup.time, setup.config.vocab_size, 1)) {
    model_.init(1);
    for (Parameter& parameter : model_.parameters()) {
      const bool trains = trained.empty() || parameter.name.starts_with(trained);
      model_.parameters().set_trainable(parameter.name, trains);
    }
    optimizer_ = std::make_unique<train::AdamW>(model_.parameters(),
                                                train::AdamWSettings{.learning_rate = 6e-4f});
    tape_.set_precision(precision);
  }

  Tape& tape() { return tape_; }
  ParameterSet& parameters() { return model_.parameters(); }
  train::AdamW& optimizer() { return *optimizer_; }

  // Forward, loss and backward; the profile times the other parts of step() on their own.
  float forward_backward() {
    tape_.reset();
    const Tensor logits = model_.forward(tape_, inputs_, setup_.batch);
    const Tensor loss = nn::softmax_cross_entropy(tape_, logits, targets_);
    tape_.backward(loss);
    return loss.data[0];
  }

  float step() {
    model_.parameters().zero_grad();
    const float loss = forward_backward();
    optimizer_->step(model_.parameters());
    return loss;
  }

  // 6N + 12 L T C per token (see the top of the file).
  double flops_per_step() {
    const models::ModelConfig& c = setup_.config;
    const std::int64_t n = model_.parameters().numel() - c.context_length * c.width;
    return model_flops_per_token(setup_, n, /*backward=*/true) *
           static_cast<double>(setup_.batch * setup_.time);
  }

 private:
  const GptSetup& setup_;
  models::Gpt model_;
  std::unique_ptr<train::AdamW> optimizer_;
  Tape tape_;
  std::vector<std::int32_t> inputs_;
  std::vector<std::int32_t> targets_;
};

// Args: index into kGptSetups; 1 to train the last block only (the rest frozen: no
// gradient work below it, no weight gradients outside it), 0 to train everything; 1 for
// bf16 mixed precision (core/precision.h), 0 for float32. One iteration of the benchmark
// loop is one training step.
void BM_train_step(benchmark::State& state) {
  const GptSetup& setup = kGptSetups[state.range(0)];
  const bool last_block_only = state.range(1) == 1;
  const Precision precision = state.range(2) == 1 ? Precision::kBfloat16 : Precision::kFloat32;
  TrainStep run(setup, last_block_only ? "h." + std::to_string(setup.config.layers - 1) + "." : "",
                precision);
  for (int i = 0; i < kWarmUpSteps; ++i) run.step();
  std::vector<double> seconds;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    benchmark::DoNotOptimize(run.step());
    seconds.push_back(seconds_since(start));
  }
  const double step_seconds = median(seconds);
  const double tokens = static_cast<double>(setup.batch * setup.time);
  const double gflops = run.flops_per_step() / step_seconds * 1e-9;
  state.counters["ms_per_step"] = step_seconds * 1e3;
  state.counters["tokens_per_s"] = tokens / step_seconds;
  state.counters["GFLOP/s"] = gflops;
  state.counters["MFU"] = gflops / peak_gflops;
  state.counters["peak_rss_MB"] = peak_rss_mb();
  state.counters["trained_M"] = static_cast<double>(run.parameters().trainable_numel()) * 1e-6;
  state.counters["tape_MB"] = static_cast<double>(run.tape().arena().bytes_in_use()) / 1e6;
  state.SetLabel(std::string(setup.name) + (last_block_only ? ", last block only" : "") +
                 (precision == Precision::kBfloat16 ? ", bf16" : ""));
}

// --- The per-op profile ----------------------------------------------------------------

// The row of the profile a recorded op belongs to. Linear layers are told apart by their
// shapes: (C -> 3C) is the fused QKV projection, (C -> 4C) the MLP's first layer, (4C -> C)
// its second, (C -> C) the attention's output projection.
std::string profile_row(const Node& node) {
  const std::string op = node.op;
  if (op == "linear") {
    const std::int64_t in = node.in[0].shape.cols();
    const std::int64_t out = node.out.shape.cols();
    if (out == 3 * in) return "linear: attention QKV (C -> 3C)";
    if (out == 4 * in) return "linear: MLP fc (C -> 4C)";
    if (in == 4 * out) return "linear: MLP proj (4C -> C)";
    return "linear: attention proj (C -> C)";
  }
  if (op == "matmul") return "LM head: x wte^T (C -> V)";
  if (op == "self_attention") return "attention (B*H heads)";
  if (op == "softmax_cross_entropy") return "softmax + cross-entropy";
  if (op == "embedding" || op == "add_positions") return "embedding + positions";
  if (op == "add") return "residual add";
  return op;
}

struct ProfileRow {
  double forward = 0.0;  // seconds, summed over the profiled steps
  double backward = 0.0;
};

// Runs warm-up steps, then kTimedSteps profiled ones, and prints where a step's time goes.
void print_profile(const GptSetup& setup, Precision precision) {
  TrainStep run(setup, "", precision);
  for (int i = 0; i < kWarmUpSteps; ++i) run.step();
  run.tape().set_profiling(true);
  std::map<std::string, ProfileRow> rows;
  double total = 0.0;
  for (int i = 0; i < kTimedSteps; ++i) {
    const Clock::time_point step_start = Clock::now();
    Clock::time_point start = Clock::now();
    run.parameters().zero_grad();
    rows["zero_grad"].forward += seconds_since(start);
    run.forward_backward();
    start = Clock::now();
    run.optimizer().step(run.parameters());
    rows["AdamW update"].backward += seconds_since(start);
    total += seconds_since(step_start);
    for (const Node& node : run.tape().nodes()) {
      ProfileRow& row = rows[profile_row(node)];
      row.forward += node.forward_seconds;
      row.backward += node.backward_seconds;
    }
  }
  std::vector<std::pair<std::string, ProfileRow>> sorted(rows.begin(), rows.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second.forward + a.second.backward > b.second.forward + b.second.backward;
  });
  const double steps = kTimedSteps;
  std::printf("\nWhere one training step of %s in %s goes (mean of %d steps, ms):\n", setup.name,
              precision_name(precision), kTimedSteps);
  std::printf("| %-34s | %9s | %9s | %9s | %6s |\n", "op", "forward", "backward", "total", "share");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str(),
              std::string(8, '-').c_str());
  double accounted = 0.0;
  for (const auto& [name, row] : sorted) {
    const double sum = row.forward + row.backward;
    accounted += sum;
    std::printf("| %-34s | %9.2f | %9.2f | %9.2f | %5.1f%% |\n", name.c_str(),
                row.forward / steps * 1e3, row.backward / steps * 1e3, sum / steps * 1e3,
                100.0 * sum / total);
  }
  std::printf("| %-34s | %9s | %9s | %9.2f | %5.1f%% |\n", "other (between ops)", "", "",
              (total - accounted) / steps * 1e3, 100.0 * (total - accounted) / total);
  std::printf("| %-34s | %9s | %9s | %9.2f | %5.1f%% |\n", "whole step", "", "",
              total / steps * 1e3, 100.0);
}

// Handles --profile[=name] (all configurations without a name) and --precision=bf16 beside
// it; returns false when --profile is absent.
bool run_profile(int argc, char** argv) {
  Precision precision = Precision::kFloat32;
  const char* name = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--precision=", 12) == 0) precision = parse_precision(argv[i] + 12);
    if (std::strncmp(argv[i], "--profile", 9) == 0) name = argv[i][9] == '=' ? argv[i] + 10 : "";
  }
  if (name == nullptr) return false;
  Eigen::setNbThreads(kThreads);
  for (const GptSetup& setup : kGptSetups) {
    if (*name == '\0' || std::strcmp(name, setup.name) == 0) print_profile(setup, precision);
  }
  return true;
}

BENCHMARK(BM_eigen_gemm_peak)
    ->Arg(kPeakSize)
    ->ArgName("n")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_train_step)
    ->Name("train_step/small")
    ->Args({0, 0, 0})
    ->Iterations(kTimedSteps)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_train_step)
    ->Name("train_step/gpt2")
    ->Args({1, 0, 0})
    ->Iterations(kTimedSteps)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_train_step)
    ->Name("train_step/small_bf16")
    ->Args({0, 0, 1})
    ->Iterations(kTimedSteps)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_train_step)
    ->Name("train_step/gpt2_bf16")
    ->Args({1, 0, 1})
    ->Iterations(kTimedSteps)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_train_step)
    ->Name("train_step/gpt2_last_block")
    ->Args({1, 1, 0})
    ->Iterations(kTimedSteps)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  tinygpt::use_fast_blas_kernel(argv);
  if (run_profile(argc, argv)) return 0;
  return tinygpt::bench::run_benchmarks(argc, argv);
}
