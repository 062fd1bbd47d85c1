// safetensors I/O: round trips, F16/BF16/integer decoding from bytes built here, a file
// written by Python, and every malformed file the reader must refuse with a clear Error.
#include "tinygpt/core/safetensors.h"

#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace fs = std::filesystem;
using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// A fresh path under the temporary folder (not created); removed when the test ends.
class TempPath {
 public:
  explicit TempPath(const std::string& label)
      : path_(fs::temp_directory_path() /
              ("tinygpt-safetensors-test-" + std::to_string(getpid()) + "-" + label)) {
    fs::remove_all(path_);
  }
  ~TempPath() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// `value` as `count` (at most 8) little-endian bytes.
std::string le(std::uint64_t value, int count) {
  REQUIRE(count <= 8);
  std::string bytes;
  for (int i = 0; i < count; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return bytes;
}

// Little-endian bytes of 16-bit patterns (F16, BF16).
std::string u16_bytes(std::initializer_list<std::uint16_t> values) {
  std::string bytes;
  for (const std::uint16_t value : values) bytes += le(value, 2);
  return bytes;
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string bytes;
  for (const float value : values) bytes += le(std::bit_cast<std::uint32_t>(value), 4);
  return bytes;
}

// A safetensors file: the header size, the header text as given (no padding), the data.
std::string file_of(const std::string& header, const std::string& data = "") {
  return le(header.size(), 8) + header + data;
}

constexpr const char* kOrigin = "bad.safetensors";

// The message of the Error that parsing `bytes` throws; fails the test when none is thrown.
// Any other exception type escapes and fails the test as well.
std::string error_of(std::string bytes) {
  try {
    SafetensorsFile::parse(std::move(bytes), kOrigin);
  } catch (const Error& error) {
    return error.what();
  }
  FAIL("parsing succeeded, an Error was expected");
  return "";
}

// The same for a header with one tensor entry and `data`.
std::string entry_error(const std::string& entry, const std::string& data) {
  return error_of(file_of(R"({"w":)" + entry + "}", data));
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("write then read gives the same tensors, bit for bit", "[step02][safetensors]") {
  TempPath dir("round-trip");
  const fs::path path = dir.path() / "model.safetensors";
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> a = {1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                inf,  -inf,  std::numeric_limits<float>::max()};
  const std::vector<float> scalar = {3.25f};
  const std::vector<float> empty;
  const std::vector<float> b = {0.1f, -0.2f, 1e-30f, std::numeric_limits<float>::quiet_NaN()};
  // Deliberately not in sorted order: the layout follows the given order.
  const std::vector<NamedTensor> tensors = {
      {"z.weight", {2, 3}, a}, {"scalar", {}, scalar}, {"empty", {0, 4}, empty}, {"b", {4}, b}};
  const std::map<std::string, std::string> metadata = {{"step", "12"}, {"note", "h\xc3\xa9llo"}};
  write_safetensors(path, tensors, metadata);

  const SafetensorsFile file = SafetensorsFile::read(path);
  CHECK(file.origin() == path.string());
  CHECK(file.names() == std::vector<std::string>{"b", "empty", "scalar", "z.weight"});
  CHECK(file.metadata() == metadata);
  CHECK(file.contains("scalar"));
  CHECK_FALSE(file.contains("missing"));
  CHECK(same_bits(file.floats("z.weight"), a));
  CHECK(same_bits(file.floats("scalar"), scalar));
  CHECK(file.floats("empty").empty());
  CHECK(same_bits(file.floats("b"), b));

  // Offsets follow the given order, contiguously.
  const TensorInfo& first = file.info("z.weight");
  CHECK(first.dtype == Dtype::kF32);
  CHECK(first.shape == std::vector<std::int64_t>{2, 3});
  CHECK(first.numel() == 6);
  CHECK((first.begin == 0 && first.end == 24));
  CHECK((file.info("scalar").begin == 24 && file.info("scalar").end == 28));
  CHECK(file.info("scalar").shape.empty());
  CHECK(file.info("scalar").numel() == 1);
  CHECK((file.info("empty").begin == 28 && file.info("empty").end == 28));
  CHECK(file.info("empty").numel() == 0);
  CHECK((file.info("b").begin == 28 && file.info("b").end == 44));

  // The header is padded with spaces so that the data starts at a multiple of 8.
  const std::string bytes = read_file(path);
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i)
    header_size = header_size << 8 | static_cast<unsigned char>(bytes[i]);
  CHECK(header_size % 8 == 0);
  CHECK(bytes.size() == 8 + header_size + 44);
  const std::string header = bytes.substr(8, header_size);
  CHECK(header.find("__metadata__") != std::string::npos);
  CHECK(header.find_last_not_of(' ') == header.find_last_of('}'));

  // Writing what was read gives the same bytes (and replaces the file in place).
  const std::vector<float> a2 = file.floats("z.weight"), scalar2 = file.floats("scalar"),
                           b2 = file.floats("b");
  const std::vector<NamedTensor> again = {{"z.weight", file.info("z.weight").shape, a2},
                                          {"scalar", {}, scalar2},
                                          {"empty", {0, 4}, empty},
                                          {"b", {4}, b2}};
  write_safetensors(path, again, file.metadata());
  CHECK(read_file(path) == bytes);
}

TEST_CASE("a file without metadata has no __metadata__ entry", "[step02][safetensors]") {
  TempPath dir("no-metadata");
  const fs::path path = dir.path() / "plain.safetensors";
  const std::vector<float> values = {1.0f, 2.0f, 3.0f};
  write_safetensors(path, std::vector<NamedTensor>{{"v", {3}, values}});
  CHECK(read_file(path).find("__metadata__") == std::string::npos);
  const SafetensorsFile file = SafetensorsFile::read(path);
  CHECK(file.metadata().empty());
  CHECK(file.floats("v") == values);

  write_safetensors(path, std::vector<NamedTensor>{});
  CHECK(SafetensorsFile::read(path).names().empty());
}

TEST_CASE("read_into checks the shape and fills the caller's storage", "[step02][safetensors]") {
  const SafetensorsFile file =
      SafetensorsFile::parse(file_of(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
                                     f32_bytes({1, 2, 3, 4, 5, 6})),
                             kOrigin);
  std::vector<float> out(6);
  const std::vector<std::int64_t> shape = {2, 3};
  file.read_into("w", shape, out);
  CHECK(out == std::vector<float>{1, 2, 3, 4, 5, 6});

  const std::vector<std::int64_t> transposed = {3, 2};
  CHECK_THROWS_WITH(file.read_into("w", transposed, out),
                    contains(kOrigin) && contains("tensor 'w' has shape [2, 3]") &&
                        contains("[3, 2] was expected"));
  const std::vector<std::int64_t> flat = {6};
  CHECK_THROWS_WITH(file.read_into("w", flat, out), contains("[6] was expected"));
  std::vector<float> small(5);
  CHECK_THROWS_WITH(file.read_into("w", shape, small), contains("room for 5 values"));
}

TEST_CASE("F16 values are converted exactly, subnormals, infinities and NaN included",
          "[step02][safetensors]") {
  const std::string data = u16_bytes({0x3c00,    // 1
                                      0xc000,    // -2
                                      0x7bff,    // 65504, the largest F16
                                      0x0001,    // 2^-24, the smallest subnormal
                                      0x03ff,    // 1023 * 2^-24, the largest subnormal
                                      0x0400,    // 2^-14, the smallest normal
                                      0x3555,    // 0.333251953125, the F16 nearest 1/3
                                      0x7c00,    // +inf
                                      0xfc00,    // -inf
                                      0x8000,    // -0
                                      0x7e00,    // quiet NaN
                                      0xfd01});  // negative signalling NaN with a payload
  const SafetensorsFile file = SafetensorsFile::parse(
      file_of(R"({"h":{"dtype":"F16","shape":[3,4],"data_offsets":[0,24]}})", data), kOrigin);
  CHECK(file.info("h").dtype == Dtype::kF16);
  const std::vector<float> v = file.floats("h");
  REQUIRE(v.size() == 12);
  CHECK(v[0] == 1.0f);
  CHECK(v[1] == -2.0f);
  CHECK(v[2] == 65504.0f);
  CHECK(v[3] == std::ldexp(1.0f, -24));
  CHECK(v[4] == std::ldexp(1023.0f, -24));
  CHECK(v[5] == std::ldexp(1.0f, -14));
  CHECK(v[6] == 0.333251953125f);
  CHECK(v[7] == std::numeric_limits<float>::infinity());
  CHECK(v[8] == -std::numeric_limits<float>::infinity());
  CHECK((v[9] == 0.0f && std::signbit(v[9])));
  CHECK(std::isnan(v[10]));
  CHECK((std::isnan(v[11]) && std::signbit(v[11])));
}

#if defined(__FLT16_MAX__)
TEST_CASE("every F16 bit pattern converts as the compiler's _Float16 does",
          "[step02][safetensors]") {
  std::string data;
  for (std::uint32_t bits = 0; bits < 65536; ++bits) data += le(bits, 2);
  const SafetensorsFile file = SafetensorsFile::parse(
      file_of(R"({"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}})", data),
      kOrigin);
  const std::vector<float> v = file.floats("all");
  int mismatches = 0;
  for (std::uint32_t bits = 0; bits < 65536; ++bits) {
    const float expected =
        static_cast<float>(std::bit_cast<_Float16>(static_cast<std::uint16_t>(bits)));
    const bool same = std::isnan(expected) ? std::isnan(v[bits])
                                           : std::bit_cast<std::uint32_t>(v[bits]) ==
                                                 std::bit_cast<std::uint32_t>(expected);
    if (!same) ++mismatches;
  }
  CHECK(mismatches == 0);
}
#endif

TEST_CASE("BF16 values are the top half of a float32", "[step02][safetensors]") {
  const std::string data = u16_bytes({0x4049,    // 3.140625
                                      0xbf80,    // -1
                                      0x7f7f,    // the largest BF16, about 3.39e38
                                      0x0001,    // a subnormal, 2^-133
                                      0x7f80,    // +inf
                                      0x8000,    // -0
                                      0x7fc0});  // NaN
  const SafetensorsFile file = SafetensorsFile::parse(
      file_of(R"({"b":{"dtype":"BF16","shape":[7],"data_offsets":[0,14]}})", data), kOrigin);
  const std::vector<float> v = file.floats("b");
  REQUIRE(v.size() == 7);
  CHECK(v[0] == 3.140625f);
  CHECK(v[1] == -1.0f);
  CHECK(v[2] == std::bit_cast<float>(0x7f7f0000u));
  CHECK(v[3] == std::ldexp(1.0f, -133));
  CHECK(v[4] == std::numeric_limits<float>::infinity());
  CHECK((v[5] == 0.0f && std::signbit(v[5])));
  CHECK(std::isnan(v[6]));
}

TEST_CASE("I64 and I32 tensors read as integers, and dtypes are not confused",
          "[step02][safetensors]") {
  const std::string ids = le(0, 8) + le(50256, 8) + le(static_cast<std::uint64_t>(-1), 8) +
                          le(std::uint64_t{1} << 40, 8);
  const std::string counts = le(7, 4) + le(static_cast<std::uint32_t>(-8), 4) + le(0x7fffffff, 4);
  const SafetensorsFile file = SafetensorsFile::parse(
      file_of(R"({"ids":{"dtype":"I64","shape":[2,2],"data_offsets":[0,32]},)"
              R"("counts":{"dtype":"I32","shape":[3],"data_offsets":[32,44]},)"
              R"("w":{"dtype":"F32","shape":[1],"data_offsets":[44,48]}})",
              ids + counts + f32_bytes({2.5f})),
      kOrigin);
  CHECK(file.integers("ids") == std::vector<std::int64_t>{0, 50256, -1, std::int64_t{1} << 40});
  CHECK(file.integers("counts") == std::vector<std::int64_t>{7, -8, 2147483647});
  CHECK(file.info("counts").dtype == Dtype::kI32);
  CHECK(std::string(dtype_name(file.info("ids").dtype)) == "I64");

  CHECK_THROWS_WITH(file.floats("ids"),
                    contains(kOrigin) && contains("tensor 'ids' is I64") && contains("integers()"));
  std::vector<float> out(3);
  const std::vector<std::int64_t> shape = {3};
  CHECK_THROWS_WITH(file.read_into("counts", shape, out), contains("tensor 'counts' is I32"));
  CHECK_THROWS_WITH(file.integers("w"),
                    contains("tensor 'w' is F32, a floating-point type") && contains("floats()"));
}

TEST_CASE("a missing tensor is an error naming it and the file", "[step02][safetensors]") {
  const SafetensorsFile file = SafetensorsFile::parse(
      file_of(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", f32_bytes({1.0f})),
      kOrigin);
  CHECK_THROWS_WITH(file.info("nope"), contains(kOrigin) && contains("no tensor 'nope'"));
  CHECK_THROWS_WITH(file.floats("nope"), contains("no tensor 'nope'"));
  CHECK_THROWS_WITH(file.integers("nope"), contains("no tensor 'nope'"));
  CHECK_THROWS_WITH(SafetensorsFile::read("/nonexistent/tinygpt/model.safetensors"),
                    contains("no file") && contains("/nonexistent/tinygpt/model.safetensors"));
}

TEST_CASE("a file written by Python reads back with every dtype", "[step02][safetensors]") {
  // Written by steps/02-transformer/reference/make_safetensors_sample.py (standard library
  // only); its I64 tensor starts at an offset that is not a multiple of 8.
  const SafetensorsFile file =
      SafetensorsFile::read(fs::path(TINYGPT_STEP02_TEST_DATA) / "python_sample.safetensors");
  CHECK(file.names() ==
        std::vector<std::string>{"brain", "counts", "half", "ids", "scalar", "weight"});
  CHECK(file.metadata() == std::map<std::string, std::string>{
                               {"format", "pt"}, {"producer", "make_safetensors_sample.py"}});
  CHECK(file.floats("weight") == std::vector<float>{0.5f, -1.25f, 3.0f, 1e-3f, -7.0f, 1024.0f});
  CHECK(file.info("weight").shape == std::vector<std::int64_t>{2, 3});

  const std::vector<float> half = file.floats("half");
  REQUIRE(half.size() == 6);
  CHECK(half[0] == 1.0f);
  CHECK(half[1] == -2.0f);
  CHECK(half[2] == 65504.0f);
  CHECK(half[3] == std::ldexp(1.0f, -24));
  CHECK(half[4] == std::numeric_limits<float>::infinity());
  CHECK((half[5] == 0.0f && std::signbit(half[5])));

  CHECK(file.floats("brain") == std::vector<float>{3.140625f, -0.5f, std::ldexp(1.0f, 100)});
  CHECK(file.info("brain").dtype == Dtype::kBF16);
  CHECK(file.integers("ids") == std::vector<std::int64_t>{0, 50256, -1, std::int64_t{1} << 40});
  CHECK(file.info("ids").begin % 8 != 0);
  CHECK(file.integers("counts") == std::vector<std::int64_t>{7, -8, 2147483647});
  CHECK(file.floats("scalar") == std::vector<float>{42.0f});
  CHECK(file.info("scalar").shape.empty());
}

TEST_CASE("files too short for a header are refused", "[step02][safetensors]") {
  SECTION("empty file") {
    CHECK_THAT(error_of(""), contains(kOrigin) && contains("empty"));
  }
  SECTION("shorter than the 8-byte size") {
    CHECK_THAT(error_of("abc"), contains(kOrigin) && contains("3 bytes, too short"));
  }
  SECTION("header size beyond the file") {
    CHECK_THAT(error_of(le(100, 8) + "{}"),
               contains("header size is 100 bytes but only 2 bytes follow"));
  }
  SECTION("absurd header sizes are refused before any allocation") {
    CHECK_THAT(error_of(le(std::uint64_t{1} << 62, 8) + "{}"), contains("more than the limit"));
    CHECK_THAT(error_of(le(~std::uint64_t{0}, 8)), contains("more than the limit"));
  }
}

TEST_CASE("headers that are not a JSON object are refused", "[step02][safetensors]") {
  SECTION("not JSON") {
    CHECK_THAT(error_of(file_of(R"({"w":)")), contains(kOrigin) && contains("not valid JSON"));
  }
  SECTION("empty header") {
    CHECK_THAT(error_of(file_of("")), contains("not valid JSON"));
  }
  SECTION("not UTF-8") {
    CHECK_THAT(error_of(file_of("{\"\xff\":1}")), contains("not valid JSON"));
  }
  SECTION("trailing garbage") {
    CHECK_THAT(error_of(file_of("{} x")), contains("not valid JSON"));
  }
  SECTION("not an object") {
    CHECK_THAT(error_of(file_of("[1,2]")), contains("must be a JSON object, it is array"));
  }
  SECTION("deeply nested values do not overflow the stack") {
    const std::string deep = R"({"w":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    CHECK_THAT(error_of(file_of(deep)), contains("tensor 'w'"));
  }
  SECTION("a tensor name twice") {
    const std::string entry = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
    CHECK_THAT(error_of(file_of(R"({"w":)" + entry + R"(,"w":)" + entry + "}", le(0, 4))),
               contains("names 'w' twice"));
  }
  SECTION("metadata that is not an object") {
    CHECK_THAT(error_of(file_of(R"({"__metadata__":"x"})")),
               contains("__metadata__ must be an object of strings"));
  }
  SECTION("a metadata value that is not a string") {
    CHECK_THAT(error_of(file_of(R"({"__metadata__":{"ok":"yes","step":12}})")),
               contains("__metadata__ value of 'step' must be a string"));
  }
}

TEST_CASE("malformed tensor entries are refused, naming the tensor and the field",
          "[step02][safetensors]") {
  const std::string four = le(0, 4);  // data for one F32 value
  SECTION("entry not an object") {
    CHECK_THAT(entry_error("5", four),
               contains(kOrigin) && contains("tensor 'w'") && contains("must be a JSON object"));
  }
  SECTION("missing dtype") {
    CHECK_THAT(entry_error(R"({"shape":[1],"data_offsets":[0,4]})", four),
               contains("tensor 'w'") && contains("no \"dtype\""));
  }
  SECTION("missing shape") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","data_offsets":[0,4]})", four),
               contains("no \"shape\""));
  }
  SECTION("missing data_offsets") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[1]})", four),
               contains("no \"data_offsets\""));
  }
  SECTION("unknown dtype") {
    CHECK_THAT(entry_error(R"({"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]})", four),
               contains("tensor 'w'") && contains("unknown dtype \"F8_E4M3\""));
  }
  SECTION("dtype not a string") {
    CHECK_THAT(entry_error(R"({"dtype":32,"shape":[1],"data_offsets":[0,4]})", four),
               contains("dtype must be a string"));
  }
  SECTION("shape not an array") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":1,"data_offsets":[0,4]})", four),
               contains("shape must be an array of non-negative integers"));
  }
  SECTION("shape holding a string") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":["1"],"data_offsets":[0,4]})", four),
               contains("dimension 0 of shape is \"1\""));
  }
  SECTION("shape holding a fraction") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[1,1.5],"data_offsets":[0,4]})", four),
               contains("dimension 1 of shape is 1.5, not an integer"));
  }
  SECTION("negative dimension") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[-1,-1],"data_offsets":[0,4]})", four),
               contains("dimension 0 of shape is -1, a negative dimension"));
  }
  SECTION("dimension beyond 64 bits") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[18446744073709551616],)"
                           R"("data_offsets":[0,4]})",
                           four),
               contains("not an integer (or too large for 64 bits)"));
  }
  SECTION("dimension beyond int64") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[9223372036854775808],)"
                           R"("data_offsets":[0,4]})",
                           four),
               contains("9223372036854775808, which overflows int64"));
  }
  SECTION("product of dimensions overflowing int64") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[4294967296,4294967296],)"
                           R"("data_offsets":[0,4]})",
                           four),
               contains("shape [4294967296, 4294967296] has more elements than int64 can count"));
  }
  SECTION("byte size overflowing int64") {
    CHECK_THAT(entry_error(R"({"dtype":"I64","shape":[4611686018427387904],)"
                           R"("data_offsets":[0,4]})",
                           four),
               contains("takes more bytes than int64 can count"));
  }
  SECTION("a zero dimension makes an empty tensor whatever the others are") {
    const SafetensorsFile file =
        SafetensorsFile::parse(file_of(R"({"w":{"dtype":"F32","shape":[4294967296,0,4294967296],)"
                                       R"("data_offsets":[0,0]}})"),
                               kOrigin);
    CHECK(file.floats("w").empty());
  }
}

TEST_CASE("bad data offsets and layouts are refused", "[step02][safetensors]") {
  const std::string eight = le(0, 8);  // data for two F32 values
  SECTION("data_offsets not an array of two integers") {
    for (const char* offsets : {"4", "[0]", "[0,4,8]", R"(["0",4])", "[0,4.0]", "[-4,4]"}) {
      CAPTURE(offsets);
      CHECK_THAT(
          entry_error(std::string(R"({"dtype":"F32","shape":[1],"data_offsets":)") + offsets + "}",
                      eight),
          contains("tensor 'w'") && contains("data_offsets must be two non-negative"));
    }
  }
  SECTION("begin after end") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})", eight),
               contains("data_offsets [8, 4] are out of order"));
  }
  SECTION("offsets beyond the data") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})", eight),
               contains("tensor 'w'") && contains("go beyond the data section, which has 8"));
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,)"
                           R"(18446744073709551615]})",
                           eight),
               contains("go beyond the data section"));
  }
  SECTION("byte size not matching shape and dtype") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})", eight),
               contains("hold 8 bytes but shape [3] of F32 needs 12"));
    CHECK_THAT(entry_error(R"({"dtype":"F16","shape":[2],"data_offsets":[0,8]})", eight),
               contains("shape [2] of F16 needs 4"));
  }
  SECTION("overlapping tensors") {
    CHECK_THAT(error_of(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                std::string(12, '\0'))),
               contains("tensor 'b'") && contains("overlaps tensor 'a'"));
  }
  SECTION("a zero-size tensor inside another one") {
    CHECK_THAT(error_of(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
                                eight)),
               contains("tensor 'e'") && contains("overlaps tensor 'a'"));
  }
  SECTION("a hole between tensors") {
    CHECK_THAT(error_of(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                std::string(12, '\0'))),
               contains("bytes [4, 8) of the data section belong to no tensor") &&
                   contains("before tensor 'b'"));
  }
  SECTION("bytes after the last tensor") {
    CHECK_THAT(entry_error(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})", eight),
               contains("the last 4 bytes of the data section belong to no tensor"));
    CHECK_THAT(error_of(file_of("{}", "x")), contains("the last 1 bytes"));
  }
}

TEST_CASE("every truncated copy of a valid file is refused", "[step02][safetensors]") {
  TempPath dir("truncated");
  const fs::path path = dir.path() / "small.safetensors";
  const std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {7};
  write_safetensors(path, std::vector<NamedTensor>{{"a", {2, 3}, a}, {"b", {}, b}},
                    {{"kind", "test"}});
  const std::string bytes = read_file(path);
  REQUIRE_NOTHROW(SafetensorsFile::parse(bytes, "whole"));
  int refused = 0;
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    try {
      SafetensorsFile::parse(bytes.substr(0, length), "truncated");
    } catch (const Error&) {
      ++refused;
    }
  }
  CHECK(refused == static_cast<int>(bytes.size()));
}

TEST_CASE("write_safetensors refuses bad tensors before writing anything",
          "[step02][safetensors]") {
  TempPath dir("write-errors");
  const fs::path path = dir.path() / "out.safetensors";
  const std::vector<float> two = {1.0f, 2.0f};
  const auto write = [&](std::vector<NamedTensor> tensors) { write_safetensors(path, tensors); };
  CHECK_THROWS_WITH(write({{"w", {2}, two}, {"w", {2}, two}}),
                    contains(path.string()) && contains("tensor 'w' appears twice"));
  CHECK_THROWS_WITH(write({{"__metadata__", {2}, two}}), contains("\"__metadata__\" is reserved"));
  CHECK_THROWS_WITH(write({{"", {2}, two}}), contains("empty name"));
  CHECK_THROWS_WITH(write({{"w", {3}, two}}),
                    contains("tensor 'w' has shape [3] (3 values) but 2 values were given"));
  CHECK_THROWS_WITH(write({{"w", {-1, -2}, two}}),
                    contains("tensor 'w' has shape [-1, -2]: dimension 0 is negative"));
  CHECK_THROWS_WITH(write({{"w", {std::int64_t{1} << 62, 4}, two}}),
                    contains("more elements than int64 can count"));
  CHECK_THROWS_WITH(write({{"bad\xff", {2}, two}}), contains("not valid UTF-8"));
  CHECK_FALSE(fs::exists(path));

  // A folder where the file should be: the atomic write reports it.
  fs::create_directories(path);
  CHECK_THROWS_WITH(write({{"w", {2}, two}}), contains("cannot write") && contains(path.string()));
}
