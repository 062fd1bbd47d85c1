// GPT-2's pre-tokenisation with PCRE2. The pattern is compiled once, JIT-compiled to
// machine code, and then matched once per piece.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tinygpt/text/pretokenize.h"

#include <pcre2.h>

#include <array>
#include <string>

#include "tinygpt/core/check.h"

namespace tinygpt::text {
namespace {

// GPT-2's pattern, character for character (encoder.py of openai/gpt-2).
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string pcre2_message(int code) {
  std::array<PCRE2_UCHAR, 256> buffer{};
  pcre2_get_error_message(code, buffer.data(), buffer.size());
  return std::string(reinterpret_cast<const char*>(buffer.data()));
}

// Match data holds the result of one match, so threads must not share it. One per thread,
// made once, independent of the pattern (it needs room for one match: the whole piece).
pcre2_match_data* thread_match_data() {
  struct Owner {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~Owner() { pcre2_match_data_free(data); }
  };
  thread_local Owner owner;
  return owner.data;
}

}  // namespace

struct Pretokenizer::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

Pretokenizer::Pretokenizer() : compiled_(std::make_unique<Compiled>()) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  // PCRE2_UTF: work on code points, not bytes. PCRE2_UCP: \s means Unicode white space,
  // as in Python, not only ASCII. PCRE2_MATCH_INVALID_UTF: accept any bytes; an invalid
  // sequence simply matches nothing.
  compiled_->code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kGpt2Pattern.data()), kGpt2Pattern.size(),
                    PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  TINYGPT_CHECK(compiled_->code != nullptr,
                "Pretokenizer: PCRE2 cannot compile GPT-2's pattern at ", offset, ": ",
                pcre2_message(error));
  const int jit = pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);
  TINYGPT_CHECK(jit == 0, "Pretokenizer: PCRE2 JIT compilation failed: ", pcre2_message(jit),
                " (PCRE2 must be built with JIT support)");
}

Pretokenizer::~Pretokenizer() = default;
Pretokenizer::Pretokenizer(Pretokenizer&& other) noexcept = default;
Pretokenizer& Pretokenizer::operator=(Pretokenizer&& other) noexcept = default;

std::size_t Pretokenizer::next_piece_end(std::string_view text, std::size_t begin) const {
  pcre2_match_data* data = thread_match_data();
  const int result = pcre2_jit_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(text.data()),
                                     text.size(), begin, 0, data, nullptr);
  // Every valid character starts a match (it is a letter, a digit, white space or "other"),
  // so no match means only invalid UTF-8 is left: it becomes one piece.
  if (result == PCRE2_ERROR_NOMATCH) return text.size();
  TINYGPT_CHECK(result > 0, "Pretokenizer: PCRE2 match failed at byte ", begin, ": ",
                pcre2_message(result));
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
  // A match that starts later leaves a gap of invalid bytes: that gap is the next piece.
  return ovector[0] > begin ? ovector[0] : ovector[1];
}

std::vector<std::string_view> Pretokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  split(text, [&](std::string_view piece) { pieces.push_back(piece); });
  return pieces;
}

}  // namespace tinygpt::text
