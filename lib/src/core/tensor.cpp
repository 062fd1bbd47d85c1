#include "tinygpt/core/tensor.h"

#include "tinygpt/core/check.h"

namespace tinygpt {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  TINYGPT_CHECK(dims.size() <= static_cast<std::size_t>(kMaxRank), "Shape: rank ", dims.size(),
                " is more than the maximum ", kMaxRank);
  for (std::int64_t dim : dims) {
    TINYGPT_CHECK(dim >= 0, "Shape: dimension ", rank_, " is negative (", dim, ")");
    dims_[rank_++] = dim;
  }
}

std::int64_t Shape::operator[](int axis) const {
  TINYGPT_CHECK(axis >= 0 && axis < rank_, "Shape ", str(), ": axis ", axis, " is out of range");
  return dims_[axis];
}

std::int64_t Shape::numel() const {
  std::int64_t count = 1;
  for (int axis = 0; axis < rank_; ++axis) count *= dims_[axis];
  return count;
}

std::int64_t Shape::rows() const {
  std::int64_t count = 1;
  for (int axis = 0; axis + 1 < rank_; ++axis) count *= dims_[axis];
  return count;
}

std::int64_t Shape::cols() const {
  return rank_ == 0 ? 1 : dims_[rank_ - 1];
}

std::string Shape::str() const {
  std::string text = "(";
  for (int axis = 0; axis < rank_; ++axis) {
    if (axis > 0) text += ", ";
    text += std::to_string(dims_[axis]);
  }
  return text + ")";
}

std::vector<std::int64_t> Shape::dims() const {
  std::vector<std::int64_t> dims;
  for (int axis = 0; axis < rank_; ++axis) dims.push_back((*this)[axis]);
  return dims;
}

Shape Shape::with_last(std::int64_t last) const {
  TINYGPT_CHECK(last >= 0, "Shape::with_last: size ", last, " is negative");
  Shape result = *this;
  if (result.rank_ == 0) result.rank_ = 1;
  result.dims_[result.rank_ - 1] = last;
  return result;
}

bool Shape::operator==(const Shape& other) const {
  if (rank_ != other.rank_) return false;
  for (int axis = 0; axis < rank_; ++axis) {
    if (dims_[axis] != other.dims_[axis]) return false;
  }
  return true;
}

MatrixMap Tensor::grad_matrix() const {
  if (grad == nullptr) return MatrixMap(nullptr, 0, 0);
  return MatrixMap(grad, shape.rows(), shape.cols());
}

Tensor Tensor::reshaped(const Shape& new_shape) const {
  TINYGPT_CHECK(new_shape.numel() == shape.numel(), "reshape: cannot view ", shape.str(), " (",
                shape.numel(), " elements) as ", new_shape.str(), " (", new_shape.numel(),
                " elements)");
  return Tensor{new_shape, data, grad};
}

float Tensor::item() const {
  TINYGPT_CHECK(shape.numel() == 1, "item(): tensor ", shape.str(), " has ", shape.numel(),
                " elements, not 1");
  return data[0];
}

}  // namespace tinygpt
