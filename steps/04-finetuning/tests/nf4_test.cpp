// NF4 weights (infer/nf4.h): the published codebook, one block's quantise and dequantise
// (exercise 04.6), the double-quantised matrix, its tile-by-tile products, its file, and
// NF4 as a serving format; the bits, the memory and the error against a uniform 4-bit code.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/infer/nf4.h"
#include "tinygpt/infer/packed_matrix.h"
#include "tinygpt/infer/serving_weights.h"
#include "tinygpt/models/gpt.h"

using namespace tinygpt;
using infer::kNf4BlockSize;
using infer::kNf4Levels;
using tinygpt::testing::contains;

namespace {

// Normal weights, as trained weights roughly are.
Matrix normal_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t index, float stddev) {
  Matrix m(rows, cols);
  fill_normal(std::span(m.data(), static_cast<std::size_t>(m.size())), 42, RngStream::kDemo, index,
              0.0f, stddev);
  return m;
}

float largest_gap() {
  float gap = 0.0f;
  for (std::size_t i = 0; i + 1 < kNf4Levels.size(); ++i) {
    gap = std::max(gap, kNf4Levels[i + 1] - kNf4Levels[i]);
  }
  return gap;
}

// Relative difference ||a - b|| / ||b||.
double relative(const Matrix& a, const Matrix& b) {
  return static_cast<double>((a - b).norm()) / static_cast<double>(b.norm());
}

// The standard normal CDF and its inverse (by bisection: a test needs no speed).
double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}
double normal_quantile(double p) {
  double low = -10.0;
  double high = 10.0;
  for (int i = 0; i < 200; ++i) {
    const double middle = 0.5 * (low + high);
    (normal_cdf(middle) < p ? low : high) = middle;
  }
  return 0.5 * (low + high);
}

// A file's header as JSON and its data, to corrupt one and write it back.
struct RawFile {
  nlohmann::json header;
  std::string data;
};

RawFile read_raw(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  std::uint64_t size = 0;
  for (int i = 7; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(bytes[i]);
  return {nlohmann::json::parse(bytes.substr(8, size)), bytes.substr(8 + size)};
}

void write_raw(const std::filesystem::path& path, const RawFile& file) {
  const std::string header = file.header.dump();
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  write_file_atomically(path, bytes + header + file.data);
}

}  // namespace

// --- The codebook ----------------------------------------------------------------------------

TEST_CASE("the NF4 levels are QLoRA's: sorted, -1, 0 and 1 exact, quantiles of N(0, 1)",
          "[step04][nf4]") {
  REQUIRE(kNf4Levels.size() == 16);
  CHECK(std::is_sorted(kNf4Levels.begin(), kNf4Levels.end()));
  CHECK(std::adjacent_find(kNf4Levels.begin(), kNf4Levels.end()) == kNf4Levels.end());
  CHECK(kNf4Levels[0] == -1.0f);
  CHECK(kNf4Levels[7] == 0.0f);
  CHECK(kNf4Levels[15] == 1.0f);
  // Asymmetric so that 0 is a level: 7 negative levels, 8 positive, each half the
  // quantiles of N(0, 1) at evenly spaced probabilities from 0.5 to
  // p = (1 - 1 / (2 * 15) + 1 - 1 / (2 * 16)) / 2 = 0.9677083, divided by the quantile at p.
  const double top = 0.5 * ((1.0 - 1.0 / 30.0) + (1.0 - 1.0 / 32.0));
  const double z = normal_quantile(top);
  for (int k = 0; k < 8; ++k) {
    INFO("positive level " << 15 - k);
    CHECK(normal_cdf(kNf4Levels[15 - k] * z) == Approx(top - (top - 0.5) * k / 8.0).margin(1e-6));
  }
  for (int k = 0; k < 7; ++k) {
    INFO("negative level " << k);
    CHECK(normal_cdf(-kNf4Levels[k] * z) == Approx(top - (top - 0.5) * k / 7.0).margin(1e-6));
  }
  // Symmetric-ish: each negative level has a positive one within 0.06 of its size.
  for (int i = 0; i < 7; ++i) {
    float closest = 1.0f;
    for (int j = 8; j < 16; ++j) {
      closest = std::min(closest, std::abs(kNf4Levels[j] + kNf4Levels[i]));
    }
    CHECK(closest < 0.06f);
  }
}

// --- One block (exercise 04.6) -----------------------------------------------------------------

TEST_CASE("every NF4 level times the absmax comes back exactly", "[step04][nf4][ex04.6]") {
  std::vector<float> block(kNf4BlockSize);
  const float absmax = 0.37f;
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = absmax * kNf4Levels[i % 16];
  std::vector<std::uint8_t> codes(kNf4BlockSize / 2);
  const float scale = infer::nf4_quantize_block(block, codes);
  CHECK(scale == absmax);
  for (std::size_t i = 0; i < block.size(); i += 2) {
    // Weight 2j in the high 4 bits, weight 2j + 1 in the low 4 bits.
    CHECK(codes[i / 2] == ((i % 16) << 4 | (i + 1) % 16));
  }
  std::vector<float> restored(kNf4BlockSize);
  infer::nf4_dequantize_block(codes, absmax, restored);
  CHECK(restored == block);
}

TEST_CASE("an NF4 block's error is at most half the largest gap between levels times its absmax",
          "[step04][nf4][ex04.6]") {
  const float bound = 0.5f * largest_gap();  // (1 - 0.6962) / 2 = 0.1519
  CHECK(bound == Approx(0.1519).margin(1e-4));
  const Matrix weights = normal_matrix(100, kNf4BlockSize, 1, 0.02f);
  std::vector<std::uint8_t> codes(kNf4BlockSize / 2);
  std::vector<float> restored(kNf4BlockSize);
  for (std::int64_t b = 0; b < weights.rows(); ++b) {
    const std::span<const float> block(weights.row(b).data(), kNf4BlockSize);
    const float absmax = infer::nf4_quantize_block(block, codes);
    CHECK(absmax == weights.row(b).cwiseAbs().maxCoeff());
    infer::nf4_dequantize_block(codes, absmax, restored);
    for (std::int64_t i = 0; i < kNf4BlockSize; ++i) {
      CHECK(std::abs(block[i] - restored[i]) <= bound * absmax * (1.0f + 1e-6f));
      // Nearest: no other level is closer.
      for (const float level : kNf4Levels) {
        CHECK(std::abs(block[i] - restored[i]) <= std::abs(block[i] - absmax * level) + 1e-7f);
      }
    }
  }
}

TEST_CASE("an all-zero NF4 block has absmax 0 and every code 7, the level 0",
          "[step04][nf4][ex04.6]") {
  const std::vector<float> zeros(kNf4BlockSize, 0.0f);
  std::vector<std::uint8_t> codes(kNf4BlockSize / 2, 0xff);
  const float absmax = infer::nf4_quantize_block(zeros, codes);
  CHECK(absmax == 0.0f);
  CHECK(std::all_of(codes.begin(), codes.end(), [](std::uint8_t c) { return c == 0x77; }));
  std::vector<float> restored(kNf4BlockSize, 1.0f);
  infer::nf4_dequantize_block(codes, 0.0f, restored);
  CHECK(restored == zeros);
}

TEST_CASE("one huge outlier is kept exactly and flattens the rest of its block to 0",
          "[step04][nf4][ex04.6]") {
  // Why blocks are small: the absmax is the outlier's, so every ordinary weight of its
  // block falls below the first level's midpoint (0.0398 s) and becomes 0.
  const Matrix normal = normal_matrix(1, kNf4BlockSize, 2, 0.02f);
  std::vector<float> block(normal.data(), normal.data() + kNf4BlockSize);
  block[13] = -100.0f;
  std::vector<std::uint8_t> codes(kNf4BlockSize / 2);
  const float absmax = infer::nf4_quantize_block(block, codes);
  CHECK(absmax == 100.0f);
  std::vector<float> restored(kNf4BlockSize);
  infer::nf4_dequantize_block(codes, 100.0f, restored);
  CHECK(restored[13] == -100.0f);
  for (std::int64_t i = 0; i < kNf4BlockSize; ++i) {
    if (i != 13) CHECK(restored[i] == 0.0f);
  }
}

TEST_CASE("NF4 blocks of any even size, and sizes that do not fit, are refused",
          "[step04][nf4][ex04.6]") {
  const std::vector<float> pair = {0.5f, -1.0f};
  std::vector<std::uint8_t> code(1);
  const float absmax = infer::nf4_quantize_block(pair, code);
  CHECK(absmax == 1.0f);
  CHECK(code[0] == (12 << 4 | 0));  // 0.5 is nearest level 12, 0.4407 (13 is 0.5626)
  std::vector<std::uint8_t> two(2);
  std::vector<float> three(3);
  CHECK_THROWS_WITH(infer::nf4_quantize_block(pair, two), contains("two codes a byte"));
  CHECK_THROWS_WITH(infer::nf4_dequantize_block(code, 1.0f, three), contains("two codes a byte"));
}

// --- The matrix ------------------------------------------------------------------------------

TEST_CASE("an Nf4Matrix pads its last block, and dequantises any rows as the blocks say",
          "[step04][nf4]") {
  // 7 x 13 = 91 weights: two blocks, the second with 64 - 27 = 37 zeros of padding, and
  // blocks that run over the ends of rows.
  const Matrix weight = normal_matrix(7, 13, 3, 0.05f);
  const infer::Nf4Matrix nf4(weight);
  REQUIRE(nf4.blocks() == 2);
  REQUIRE(nf4.groups() == 1);
  CHECK(nf4.codes().size() == 64);
  std::vector<float> flat(weight.data(), weight.data() + weight.size());
  flat.resize(2 * kNf4BlockSize, 0.0f);
  std::vector<std::uint8_t> codes(kNf4BlockSize / 2);
  Matrix expected(7, 13);
  for (std::int64_t b = 0; b < 2; ++b) {
    const float absmax =
        infer::nf4_quantize_block(std::span(flat).subspan(b * kNf4BlockSize, kNf4BlockSize), codes);
    CHECK(std::equal(codes.begin(), codes.end(), nf4.codes().begin() + b * 32));
    // With two blocks, m is their mean and each scale is m -+ 127 c exactly (up to rounding).
    CHECK(nf4.block_scale(b) == Approx(absmax).epsilon(1e-6));
    std::vector<float> restored(kNf4BlockSize);
    infer::nf4_dequantize_block(codes, nf4.block_scale(b), restored);
    for (std::int64_t i = 0; i < kNf4BlockSize; ++i) {
      const std::int64_t element = b * kNf4BlockSize + i;
      if (element < weight.size()) {
        expected(element / 13, element % 13) = restored[i];
      } else {
        CHECK((i % 2 == 0 ? codes[i / 2] >> 4 : codes[i / 2] & 0x0f) == 7);  // padding: level 0
      }
    }
  }
  CHECK(nf4.dequantize() == expected);
  // Any range of rows, into a wider buffer whose extra columns are left alone.
  Matrix wide = Matrix::Constant(3, 16, -7.0f);
  nf4.dequantize_rows(2, 3, wide.data(), 16);
  CHECK(wide.leftCols(13) == expected.middleRows(2, 3));
  CHECK((wide.rightCols(3).array() == -7.0f).all());
  CHECK(nf4.dequantize_rows(6, 1) == expected.bottomRows(1));
  CHECK(nf4.dequantize_rows(0, 0).size() == 0);
  CHECK_THROWS_WITH(nf4.dequantize_rows(5, 3), contains("rows [5, 8) of 7"));
  CHECK_THROWS_WITH(infer::Nf4Matrix(Matrix(0, 4)), contains("empty"));
  Matrix bad = weight;
  bad(3, 4) = std::nanf("");
  CHECK_THROWS_WITH(infer::Nf4Matrix(bad), contains("NaN"));
}

TEST_CASE("double quantisation keeps every block scale within half a step of 8 bits",
          "[step04][nf4]") {
  // 1024 x 1024: 16384 blocks, 64 groups of 256 scales.
  const Matrix weight = normal_matrix(1024, 1024, 4, 0.02f);
  const infer::Nf4Matrix nf4(weight);
  REQUIRE(nf4.blocks() == 16384);
  REQUIRE(nf4.groups() == 64);
  double largest_relative = 0.0;
  for (std::int64_t b = 0; b < nf4.blocks(); ++b) {
    const float* block = weight.data() + b * kNf4BlockSize;
    float absmax = 0.0f;
    for (std::int64_t i = 0; i < kNf4BlockSize; ++i) absmax = std::max(absmax, std::abs(block[i]));
    const float step = nf4.scale_constants()[b / infer::kNf4ScaleGroupSize];
    CHECK(std::abs(nf4.block_scale(b) - absmax) <= 0.5f * step * 1.001f + 1e-7f);
    largest_relative =
        std::max(largest_relative, std::abs(nf4.block_scale(b) - absmax) / double{absmax});
  }
  // The whole matrix: NF4's own error, plus the scales' (a small share of it).
  const Matrix restored = nf4.dequantize();
  const double error = relative(restored, weight);
  const double bits = nf4.bits_per_parameter();
  const double memory =
      static_cast<double>(nf4.bytes()) / (4.0 * static_cast<double>(weight.size()));
  WARN("NF4 1024 x 1024, normal weights: "
       << bits << " bits a weight, " << memory << " x float32's memory, relative RMS error "
       << error << ", largest relative scale error " << largest_relative);
  CHECK(largest_relative < 0.01);
  CHECK(bits == Approx(4.127).margin(0.001));  // 4 + 8/64 + 32/(64 * 256)
  CHECK(memory == Approx(0.129).margin(0.001));
  CHECK(error < 0.11);
  const std::span<const float> values(weight.data(), static_cast<std::size_t>(weight.size()));
  CHECK(error < 1.01 * infer::blockwise_relative_rms_error(values, kNf4Levels));
}

TEST_CASE("NF4 reconstructs normal weights better than 16 evenly spaced levels", "[step04][nf4]") {
  const std::array<float, 16> uniform = infer::uniform_4bit_levels();
  CHECK(uniform[0] == -1.0f);
  CHECK(uniform[15] == 1.0f);
  CHECK(uniform[1] - uniform[0] == Approx(2.0 / 15.0));
  const Matrix weight = normal_matrix(256, 1024, 5, 0.02f);
  const std::span<const float> values(weight.data(), static_cast<std::size_t>(weight.size()));
  const double nf4 = infer::blockwise_relative_rms_error(values, kNf4Levels);
  const double even = infer::blockwise_relative_rms_error(values, uniform);
  WARN("blocks of 64 normal weights, relative RMS error: NF4 " << nf4 << ", uniform 4-bit " << even
                                                               << " (" << even / nf4 << "x)");
  CHECK(nf4 < even);
  CHECK(nf4 > 0.05);
  CHECK(nf4 < 0.11);
  CHECK(infer::blockwise_relative_rms_error(std::vector<float>(10, 0.0f), kNf4Levels) == 0.0);
}

TEST_CASE("Nf4Matrix products equal the float products of its dequantised matrix",
          "[step04][nf4]") {
  // 150 rows: tiles of 64, 64 and 22 rows.
  const Matrix weight = normal_matrix(150, 70, 6, 0.1f);
  const infer::Nf4Matrix nf4(weight);
  const Matrix w = nf4.dequantize();
  const Matrix x = normal_matrix(5, 150, 7, 1.0f);
  CHECK(relative(nf4.multiply(x), x * w) < 1e-5);
  Matrix out = Matrix::Constant(5, 70, 3.0f);  // overwritten
  nf4.multiply(x, out);
  CHECK(relative(out, x * w) < 1e-5);
  const Matrix dy = normal_matrix(5, 70, 8, 1.0f);
  CHECK(relative(nf4.multiply_transposed(dy), dy * w.transpose()) < 1e-5);
  Matrix dx = Matrix::Ones(5, 150);  // added to, as a backward does
  nf4.multiply_transposed_add(dy, dx);
  CHECK(relative(dx, Matrix(Matrix::Ones(5, 150) + dy * w.transpose())) < 1e-5);
  CHECK_THROWS_WITH(nf4.multiply(dy), contains("x is (5, 70)"));
  CHECK_THROWS_WITH(nf4.multiply_transposed(x), contains("dy is (5, 150)"));
}

// --- The file --------------------------------------------------------------------------------

TEST_CASE("NF4 matrices survive a safetensors file", "[step04][nf4]") {
  testing::TempDir dir("nf4");
  const std::filesystem::path path = dir.path() / "base.safetensors";
  const infer::Nf4Matrix first(normal_matrix(40, 30, 9, 0.02f));
  const infer::Nf4Matrix second(normal_matrix(3, 5, 10, 1.0f));
  infer::write_nf4_safetensors(path, {{"h.0.attn.qkv", &first}, {"lm_head", &second}});
  const std::map<std::string, infer::Nf4Matrix> read = infer::read_nf4_safetensors(path);
  REQUIRE(read.size() == 2);
  for (const auto& [name, original] :
       {std::pair{"h.0.attn.qkv", &first}, std::pair{"lm_head", &second}}) {
    INFO(name);
    const infer::Nf4Matrix& copy = read.at(name);
    CHECK(copy.rows() == original->rows());
    CHECK(copy.cols() == original->cols());
    CHECK(copy.codes() == original->codes());
    CHECK(copy.scales() == original->scales());
    CHECK(copy.scale_constants() == original->scale_constants());
    CHECK(copy.scale_offset() == original->scale_offset());
    CHECK(copy.dequantize() == original->dequantize());
  }
  // The header says what it holds: U8 codes, I8 scales, F32 constants, shapes in metadata.
  const RawFile raw = read_raw(path);
  CHECK(raw.header["lm_head.codes"]["dtype"] == "U8");
  CHECK(raw.header["lm_head.scales"]["dtype"] == "I8");
  CHECK(raw.header["lm_head.scale_constants"]["dtype"] == "F32");
  CHECK(raw.header["__metadata__"]["lm_head.shape"] == "3,5");
  CHECK(raw.header["__metadata__"]["lm_head.block_size"] == "64");
}

TEST_CASE("a corrupt NF4 file is refused with the file and the tensor named", "[step04][nf4]") {
  testing::TempDir dir("nf4-corrupt");
  const std::filesystem::path good = dir.path() / "good.safetensors";
  const std::filesystem::path bad = dir.path() / "bad.safetensors";
  const infer::Nf4Matrix matrix(normal_matrix(20, 20, 11, 0.02f));
  infer::write_nf4_safetensors(good, {{"w", &matrix}});
  const auto refused = [&](const auto& corrupt) {
    RawFile raw = read_raw(good);
    corrupt(raw);
    write_raw(bad, raw);
    return [&] { infer::read_nf4_safetensors(bad); };
  };
  const std::string file = bad.string();
  CHECK_THROWS_WITH(refused([](RawFile& f) { f.header.erase("w.scales"); })(),
                    contains(file) && contains("'w.scales' is missing"));
  CHECK_THROWS_WITH(refused([](RawFile& f) { f.header["__metadata__"]["w.block_size"] = "32"; })(),
                    contains(file) && contains("block size 32"));
  CHECK_THROWS_WITH(
      refused([](RawFile& f) { f.header["__metadata__"]["w.scale_group_size"] = "x"; })(),
      contains(file) && contains("w.scale_group_size"));
  CHECK_THROWS_WITH(refused([](RawFile& f) { f.header["w.codes"]["dtype"] = "F32"; })(),
                    contains(file) && contains("'w.codes' is \"F32\", expected U8"));
  CHECK_THROWS_WITH(refused([](RawFile& f) { f.data.resize(f.data.size() - 3); })(),
                    contains(file) && contains("'w.scale_offset'") && contains("truncated"));
  // Sizes that do not fit the shape: 30 x 20 needs 10 blocks, the file has 7.
  CHECK_THROWS_WITH(refused([](RawFile& f) { f.header["__metadata__"]["w.shape"] = "30,20"; })(),
                    contains(file) && contains("matrix 'w'") && contains("10 blocks"));
  CHECK_THROWS_WITH(refused([](RawFile& f) { f.header["__metadata__"].erase("format"); })(),
                    contains(file) && contains("not an NF4 file"));
  CHECK_THROWS_WITH(infer::read_nf4_safetensors(dir.path() / "none.safetensors"),
                    contains("no file"));
  // Nothing half written: a refused write leaves the old file as it was.
  const std::string before = read_file(good);
  CHECK_THROWS_WITH(infer::write_nf4_safetensors(good, {{"", &matrix}}), contains("empty"));
  CHECK(read_file(good) == before);
}

// --- NF4 as a serving format -----------------------------------------------------------------

TEST_CASE("NF4 serving weights multiply like their dequantised floats, whatever the batch",
          "[step04][nf4]") {
  CHECK(infer::weight_format("nf4") == infer::WeightFormat::kNf4);
  CHECK(std::string(infer::weight_format_name(infer::WeightFormat::kNf4)) == "nf4");
  // (C_in, C_out) = (100, 40): blocks of 64 along C_in of each channel (W^T's rows).
  const Matrix weight = normal_matrix(100, 40, 12, 0.05f);
  const Matrix bias = normal_matrix(1, 40, 13, 0.1f);
  const Matrix x = normal_matrix(6, 100, 14, 1.0f);
  const Matrix w = infer::Nf4Matrix(Matrix(weight.transpose())).dequantize().transpose();
  const Matrix expected = (x * w).rowwise() + bias.row(0);
  for (const bool transposed : {false, true}) {
    INFO("transposed " << transposed);
    const auto packed = infer::pack(transposed ? Matrix(weight.transpose()) : weight, transposed,
                                    infer::WeightFormat::kNf4);
    CHECK(packed->bytes() == infer::Nf4Matrix(weight).bytes());
    Matrix out(6, 40);
    infer::multiply(*packed, x, bias.data(), out);
    CHECK(relative(out, expected) < 1e-5);
    // Batch invariance: a row alone gets the same bits as in the batch.
    Matrix alone(1, 40);
    infer::multiply(*packed, x.topRows(1), bias.data(), alone);
    CHECK(alone == out.topRows(1));
  }
}

TEST_CASE("a GPT served from NF4 weights stays near its float32 logits in an eighth of the bytes",
          "[step04][nf4]") {
  models::Gpt model(
      {.vocab_size = 300, .context_length = 32, .width = 64, .layers = 2, .heads = 4});
  model.init(7);
  const std::vector<std::int32_t> ids = {5, 99, 210, 42, 7, 280, 12, 64};
  Tape tape;
  NoGradGuard no_grad(tape);
  const Matrix full = model.forward(tape, ids, 1).matrix();
  // Every weight in each format: the logits' relative error and the bytes.
  std::vector<double> errors;
  std::vector<double> bytes;
  for (const infer::WeightFormat format :
       {infer::WeightFormat::kFloat32, infer::WeightFormat::kInt8, infer::WeightFormat::kNf4}) {
    infer::ServingWeights weights(format);
    tape.reset();
    errors.push_back(
        relative(model.forward(tape, ids, 1, {}, {.products = &weights}).matrix(), full));
    bytes.push_back(static_cast<double>(weights.bytes()));
  }
  WARN("GPT (C 64, 2 layers, random weights), logits' relative error: int8 "
       << errors[1] << ", NF4 " << errors[2] << "; bytes: int8 " << bytes[1] / bytes[0]
       << " x float32, NF4 " << bytes[2] / bytes[0] << " x");
  CHECK(errors[0] < 1e-5);
  CHECK(errors[1] < errors[2]);  // 255 levels a channel against 16 a block
  CHECK(errors[2] < 0.25);       // each matrix ~0.09, compounded over 2 layers and the output
  CHECK(bytes[2] / bytes[0] == Approx(0.129).margin(0.002));
}
