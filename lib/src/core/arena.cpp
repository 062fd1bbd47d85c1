#include "tinygpt/core/arena.h"

#include <algorithm>

namespace tinygpt {

namespace {
// One cache line, and the alignment AVX-512 loads like.
constexpr std::size_t kAlignment = 64;

std::size_t round_up(std::size_t bytes) {
  return (std::max<std::size_t>(bytes, 1) + kAlignment - 1) / kAlignment * kAlignment;
}
}  // namespace

void Arena::AlignedDelete::operator()(std::byte* block) const {
  ::operator delete[](block, std::align_val_t{kAlignment});
}

Arena::Arena(std::size_t block_bytes) : block_bytes_(round_up(block_bytes)) {}

void* Arena::allocate_bytes(std::size_t bytes) {
  const std::size_t needed = round_up(bytes);
  // Same requests in the same order make the same decisions here, so a replayed step
  // lands every buffer where it landed the first time and allocates nothing.
  while (current_ < blocks_.size() && used_ + needed > blocks_[current_].capacity) {
    ++current_;
    used_ = 0;
  }
  if (current_ == blocks_.size()) {
    Block block;
    block.capacity = std::max(needed, block_bytes_);
    block.storage.reset(
        static_cast<std::byte*>(::operator new[](block.capacity, std::align_val_t{kAlignment})));
    blocks_.push_back(std::move(block));
    used_ = 0;
  }
  std::byte* result = blocks_[current_].storage.get() + used_;
  used_ += needed;
  bytes_in_use_ += needed;
  return result;
}

void Arena::reset() {
  current_ = 0;
  used_ = 0;
  bytes_in_use_ = 0;
}

std::size_t Arena::bytes_reserved() const {
  std::size_t total = 0;
  for (const Block& block : blocks_) total += block.capacity;
  return total;
}

}  // namespace tinygpt
