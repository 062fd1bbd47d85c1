/// @file tape.h
/// @brief The autograd tape: records which op ran on which tensors, then runs the ops'
/// backward functions in reverse.
///
/// A graph function such as nn::matmul(tape, a, b) asks the tape for an output tensor,
/// calls nn::matmul_forward on 2-D views, and records one Node whose backward function
/// calls nn::matmul_backward. One node per op call, never per element. All activations
/// and gradients come from the tape's Arena, so reset() between steps makes the next step
/// reuse the same memory.
///
/// The tape can also time every op (set_profiling()): where the time of a training step
/// goes, per op and per direction, read from nodes() after backward().
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "tinygpt/core/arena.h"
#include "tinygpt/core/precision.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt {

struct Node;

/// Differentiates one recorded op: reads node.out.grad, accumulates (+=) into node.in[i].grad.
using BackwardFn = void (*)(const Node& node);

/// @brief Settings of a recorded op that its backward needs besides tensors.
/// Each op uses the fields it documents and leaves the others at their defaults.
struct OpArgs {
  bool transpose_a = false;           ///< matmul: the first operand is used transposed
  bool transpose_b = false;           ///< matmul: the second operand is used transposed
  std::int32_t ignore_index = -1;     ///< cross-entropy: target id that contributes nothing
  std::span<const std::int32_t> ids;  ///< embedding, cross-entropy: ids, kept in the arena
  std::int64_t heads = 0;             ///< self/cross-attention: H, the number of heads
  bool causal = false;                ///< self-attention: the causal mask was applied
  std::int64_t time = 0;              ///< add_positions: T, the sequence length
  std::int64_t start = 0;             ///< add_positions: position of each sequence's first row
  float scale = 1.0f;                 ///< lora_update: alpha / r
};

/// @brief One recorded op call.
struct Node {
  /// Most inputs an op records; more would go in saved buffers.
  static constexpr int kMaxInputs = 3;

  const char* op = "";                  ///< the op's name, for error messages
  BackwardFn backward = nullptr;        ///< differentiates this call
  Tensor out;                           ///< the op's output (with gradient)
  std::array<Tensor, kMaxInputs> in{};  ///< its inputs; grad is nullptr where none is wanted
  float* saved = nullptr;               ///< op-specific buffer kept for backward
  OpArgs args;                          ///< op-specific settings
  double forward_seconds = 0.0;         ///< profiling only: wall time of the op's forward call
  double backward_seconds = 0.0;        ///< profiling only: wall time of its backward call
};

/// @brief Records op calls for reverse-mode differentiation and owns their memory.
class Tape {
 public:
  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// @brief A new output tensor for an op whose inputs are `inputs`.
  ///
  /// It gets a zeroed gradient buffer when gradients are enabled and any input has one;
  /// its values are undefined until the op writes them.
  /// @param shape the output's shape.
  /// @param inputs the op's inputs.
  /// @return the tensor, valid until reset().
  Tensor output(const Shape& shape, std::initializer_list<Tensor> inputs);
  /// @brief A tensor that holds a copy of `values` and needs no gradient (data, targets).
  /// @param shape its shape.
  /// @param values shape.numel() values, row-major.
  /// @return the tensor, valid until reset().
  Tensor constant(const Shape& shape, std::span<const float> values);
  /// @brief Keeps a copy of token ids in the arena, so a recorded op can use them in backward.
  /// @param ids the ids.
  /// @return the copy, valid until reset().
  std::span<const std::int32_t> keep(std::span<const std::int32_t> ids);
  /// @brief Keeps a copy of byte flags (an attention mask's key_keep, say) in the arena, so
  /// they outlive the caller's buffer until reset().
  /// @param flags the flags.
  /// @return the copy, valid until reset().
  std::span<const std::uint8_t> keep(std::span<const std::uint8_t> flags);
  /// @brief A scratch buffer of `count` floats from the arena, valid until reset().
  /// @param count number of floats.
  /// @return the buffer, contents undefined.
  float* scratch(std::size_t count) { return arena_.allocate<float>(count); }

  /// @brief Records an op call. An input without a gradient (a constant, a frozen weight)
  /// keeps none: its backward sees an empty grad_matrix() and skips that gradient's work.
  /// @param node the call; node.out must have a gradient.
  void record(Node node);
  /// @brief Runs every recorded backward function in reverse order, starting from d loss = 1.
  /// @param loss a one-element tensor produced on this tape with gradients enabled.
  void backward(const Tensor& loss);
  /// @brief Runs backward from a given gradient of a non-scalar output (a vector-Jacobian
  /// product): afterwards every input's gradient holds sum_i output_grad[i] d output[i] / d input.
  /// @param output a tensor produced on this tape with gradients enabled.
  /// @param output_grad output.numel() values.
  void backward(const Tensor& output, std::span<const float> output_grad);
  /// @brief Forgets all nodes and takes back all memory; call it at the start of every step.
  void reset();

  /// @return true when ops record themselves (gradients enabled).
  bool grad_enabled() const { return grad_enabled_; }
  /// @param enabled whether ops record themselves; see NoGradGuard.
  void set_grad_enabled(bool enabled) { grad_enabled_ = enabled; }
  /// @return the number format of the matrix products recorded on this tape.
  Precision precision() const { return precision_; }
  /// @brief Sets the number format of the products that follow: in Precision::kBfloat16,
  /// linear, matmul and attention multiply operands rounded to bfloat16, summing in float32
  /// (core/precision.h); every other op is float32 either way.
  /// @param precision the format.
  void set_precision(Precision precision) { precision_ = precision; }
  /// @return the number of recorded op calls.
  std::size_t node_count() const { return nodes_.size(); }
  /// @return the arena, to check how much memory a step uses.
  const Arena& arena() const { return arena_; }

  /// @brief Turns the per-op profiler on or off (off by default; when off it costs one
  /// branch per op). When on, every recorded node gets its forward_seconds (wall time from
  /// the op's first output() to its record(): the op's own work, not the model code
  /// between ops) and, in backward(), its backward_seconds.
  /// @param enabled whether to time ops.
  void set_profiling(bool enabled) { profiling_ = enabled; }
  /// @return the recorded op calls of this step, in order (with their times when profiling).
  std::span<const Node> nodes() const { return nodes_; }

 private:
  using Clock = std::chrono::steady_clock;

  Arena arena_;
  std::vector<Node> nodes_;
  bool grad_enabled_ = true;
  Precision precision_ = Precision::kFloat32;
  bool backward_done_ = false;
  bool profiling_ = false;
  bool op_open_ = false;        // profiling: an op has asked for its output, not yet recorded
  Clock::time_point op_start_;  // profiling: when that op asked
};

/// @brief Turns gradient recording off for its lifetime (inference, evaluation).
class NoGradGuard {
 public:
  /// @param tape the tape to pause; it must outlive the guard.
  explicit NoGradGuard(Tape& tape) : tape_(tape), previous_(tape.grad_enabled()) {
    tape_.set_grad_enabled(false);
  }
  ~NoGradGuard() { tape_.set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  Tape& tape_;
  bool previous_;
};

}  // namespace tinygpt
