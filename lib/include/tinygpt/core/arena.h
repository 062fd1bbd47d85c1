/// @file arena.h
/// @brief Arena: storage for activations, gradients and token ids, reused across steps.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace tinygpt {

/// @brief Hands out buffers from large blocks and takes them all back at once.
///
/// A training step asks for the same buffers in the same order every time. The arena
/// keeps its blocks when reset() is called and replays the same placement decisions, so
/// once the first step has sized the blocks, later steps allocate nothing.
class Arena {
 public:
  /// @param block_bytes the size of a new block (a larger request gets a block of its own).
  explicit Arena(std::size_t block_bytes = std::size_t{4} << 20);

  /// @brief Storage for `count` values of a trivial type (float, int32_t), 64-byte
  /// aligned, contents undefined, valid until reset() or destruction.
  /// @param count number of values.
  /// @return the first value.
  template <typename T>
  T* allocate(std::size_t count) {
    static_assert(std::is_trivial_v<T>, "the arena holds plain values only");
    T* first = static_cast<T*>(allocate_bytes(count * sizeof(T)));
    std::uninitialized_default_construct_n(first, count);  // starts lifetimes; no code
    return first;
  }
  /// @brief Like allocate(), with every value set to zero.
  /// @param count number of values.
  /// @return the first value.
  template <typename T>
  T* allocate_zeroed(std::size_t count) {
    T* first = allocate<T>(count);
    std::fill_n(first, count, T{});
    return first;
  }
  /// @brief Takes every buffer back; the blocks stay for the next step.
  void reset();

  /// @return how many blocks were ever obtained from the system (to test reuse).
  std::size_t blocks_allocated() const { return blocks_.size(); }
  /// @return the total capacity of all blocks, in bytes.
  std::size_t bytes_reserved() const;
  /// @return the bytes handed out since the last reset() (alignment included): what one
  /// step's activations, gradients and scratch take.
  std::size_t bytes_in_use() const { return bytes_in_use_; }

 private:
  struct AlignedDelete {
    void operator()(std::byte* block) const;
  };
  struct Block {
    std::unique_ptr<std::byte[], AlignedDelete> storage;
    std::size_t capacity = 0;  // bytes
  };

  void* allocate_bytes(std::size_t bytes);

  std::size_t block_bytes_;
  std::vector<Block> blocks_;
  std::size_t current_ = 0;  // index of the block being filled
  std::size_t used_ = 0;     // bytes used in blocks_[current_]
  std::size_t bytes_in_use_ = 0;
};

}  // namespace tinygpt
