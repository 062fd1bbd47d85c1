/// @file tensor.h
/// @brief Shapes, tensors (views over contiguous float32 storage) and their 2-D Eigen views.
///
/// Shape legend used across the library (see docs/notation.md):
///   B = batch, T = time (sequence position), C = channels, V = vocabulary,
///   N = rows of a 2-D view (often B*T).
/// A tensor of shape (B, T, C) is viewed for compute as the row-major matrix (B*T, C):
/// all dimensions but the last become rows.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tinygpt {

/// Row-major float32 matrix: the one storage order of the library.
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// Writable view of a row-major matrix, as op functions take their outputs and gradients.
using MatrixRef = Eigen::Ref<Matrix>;
/// Read-only view of a row-major matrix, as op functions take their inputs.
using ConstMatrixRef = Eigen::Ref<const Matrix>;
/// Map of raw contiguous storage as a row-major matrix.
using MatrixMap = Eigen::Map<Matrix>;
/// Writable view of a contiguous float vector (a flattened parameter, say).
using VectorRef = Eigen::Ref<Eigen::VectorXf>;
/// Read-only view of a contiguous float vector.
using ConstVectorRef = Eigen::Ref<const Eigen::VectorXf>;

/// @brief The dimensions of a tensor: rank 0 (a scalar) to 4.
class Shape {
 public:
  /// Largest rank a tensor can have.
  static constexpr int kMaxRank = 4;

  /// @brief A scalar: rank 0, one element.
  Shape() = default;
  /// @brief Shape from its dimensions, outermost first: Shape{B, T, C}.
  /// @param dims 0 to 4 non-negative sizes; anything else throws Error.
  Shape(std::initializer_list<std::int64_t> dims);

  /// @return the number of dimensions.
  int rank() const { return rank_; }
  /// @param axis 0 <= axis < rank().
  /// @return the size of that dimension.
  std::int64_t operator[](int axis) const;
  /// @return the number of elements (1 for a scalar).
  std::int64_t numel() const;
  /// @return rows of the 2-D view: the product of all dimensions but the last (1 if rank < 2).
  std::int64_t rows() const;
  /// @return columns of the 2-D view: the last dimension (1 for a scalar).
  std::int64_t cols() const;
  /// @return the shape as text, e.g. "(2, 3, 4)"; a scalar is "()".
  std::string str() const;
  /// @return the dimensions, outermost first (empty for a scalar), e.g. for safetensors.
  std::vector<std::int64_t> dims() const;

  /// @param last the new size of the last dimension.
  /// @return this shape with its last dimension replaced (a scalar becomes (last)).
  Shape with_last(std::int64_t last) const;

  /// @param other another shape.
  /// @return true when rank and every dimension agree.
  bool operator==(const Shape& other) const;

 private:
  std::array<std::int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

/// @brief A tensor: a shape and non-owning pointers to its values and, when it takes part
/// in autograd, its gradient.
///
/// Storage is contiguous float32 in row-major order. Tensors are cheap handles; the
/// storage belongs to a ParameterSet (parameters) or a Tape's arena (activations).
struct Tensor {
  Shape shape;            ///< dimensions, outermost first
  float* data = nullptr;  ///< shape.numel() values
  float* grad = nullptr;  ///< shape.numel() gradient values, or nullptr: no gradient needed

  /// @return the values as the 2-D matrix (shape.rows(), shape.cols()).
  MatrixMap matrix() const { return MatrixMap(data, shape.rows(), shape.cols()); }
  /// @return the gradient as the 2-D matrix (shape.rows(), shape.cols()), or an empty (0, 0)
  /// view when the tensor has no gradient: an op's backward skips a gradient that is empty
  /// (not wanted), so a frozen weight or a constant costs no gradient work.
  MatrixMap grad_matrix() const;
  /// @return the number of elements.
  std::int64_t numel() const { return shape.numel(); }
  /// @param new_shape a shape with as many elements.
  /// @return a view of the same values and gradient with another shape.
  Tensor reshaped(const Shape& new_shape) const;
  /// @return the single value of a one-element tensor (a loss, say).
  float item() const;
};

}  // namespace tinygpt
