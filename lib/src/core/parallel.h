// The driver's one tool (DESIGN.md, "Ops and autograd"): run an op function on independent
// pieces of the work (row blocks, attention slices, chunks of a parameter) across OpenMP
// threads. Private to the library; the ops (nn) and the optimizers (train) use it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>

namespace tinygpt::detail {

/// Below this much work (about the number of floats touched) a thread costs more than it saves.
inline constexpr std::int64_t kParallelMinWork = std::int64_t{1} << 15;

/// Rows per block when an op is split by rows. Fixed, not derived from the thread count, so a
/// sum over blocks (LayerNorm's dgamma) adds the same numbers in the same order on every machine.
inline constexpr std::int64_t kRowsPerBlock = 16;

/// @return the number of blocks of `block` rows (or columns) that cover `size` (the last may
/// be shorter).
inline std::int64_t blocks_of(std::int64_t size, std::int64_t block) {
  return (size + block - 1) / block;
}

/// @param rows N.
/// @return the number of kRowsPerBlock blocks that cover N rows.
inline std::int64_t row_blocks(std::int64_t rows) {
  return blocks_of(rows, kRowsPerBlock);
}

/// @brief Rows per block when a matrix product is split by rows (linear's forward, dx and da
/// in the backward of linear and matmul), each block a one-thread product.
///
/// 256 rows, so that a block runs near the GEMM's full speed (the other operand is packed
/// once per block), but at least two blocks, so that no thread idles (a GPT-2 batch of
/// 4 x 64 = 256 rows makes two blocks of 128). It depends on the shape only, never on the
/// thread count, so results are the same on every machine.
/// @param rows N, the rows of the product.
inline std::int64_t product_block_rows(std::int64_t rows) {
  return std::clamp<std::int64_t>((rows + 1) / 2, 1, 256);
}

/// Values per chunk when long vectors (a parameter and its optimizer state) are split: 32K
/// floats, so that the four vectors of an AdamW update (value, m, v, grad) take 512 KB,
/// within a core's L2 cache. Fixed, like kRowsPerBlock, so results never depend on threads.
inline constexpr std::int64_t kChunk = std::int64_t{1} << 15;

/// @brief Calls body(piece) for every piece in [0, count), across threads when `work` is large
/// enough. The pieces must write disjoint memory.
///
/// An exception must not leave an OpenMP region (the program would terminate), so each is
/// caught in its thread and the first one is rethrown here: a stub's NotImplemented or a
/// failed check reaches the caller as it would from a plain loop.
/// @param count number of pieces.
/// @param work the whole job's size, to decide whether threads are worth it.
/// @param body called with each piece's index.
template <typename Body>
void parallel_for(std::int64_t count, std::int64_t work, const Body& body) {
  // Too little to share: a plain loop, outside any OpenMP region. Not an `if` clause on the
  // region: inside even an inactive region Eigen's products stop using threads of their own,
  // and one piece (a short sequence during generation) would then run on one core.
  if (count < 2 || work < kParallelMinWork) {
    for (std::int64_t piece = 0; piece < count; ++piece) body(piece);
    return;
  }
  std::exception_ptr error;
#pragma omp parallel for schedule(static)
  for (std::int64_t piece = 0; piece < count; ++piece) {
    try {
      body(piece);
    } catch (...) {
#pragma omp critical(tinygpt_parallel_for_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

/// @brief Calls body(first, count) for every block of `block` rows (or columns) covering
/// [0, size) — the last one may be shorter — across threads as parallel_for does.
/// @param size rows (or columns) in all.
/// @param block rows (or columns) per block.
/// @param work the whole job's size, as for parallel_for.
/// @param body called with each block's first row and its row count.
template <typename Body>
void parallel_for_blocks(std::int64_t size, std::int64_t block, std::int64_t work,
                         const Body& body) {
  parallel_for(blocks_of(size, block), work, [&](std::int64_t index) {
    const std::int64_t first = index * block;
    body(first, std::min(block, size - first));
  });
}

}  // namespace tinygpt::detail
