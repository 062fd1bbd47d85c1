// Byte-level BPE: pre-tokenisation, training, encoding, specials, the round trip of any
// bytes, the tinygpt-bpe file format, and GPT-2's files (fixture written by
// steps/01-basics/reference/gpt2_bpe_fixture.py).
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/pretokenize.h"

using namespace tinygpt;
using namespace tinygpt::text;
using tinygpt::testing::contains;

namespace {

const std::filesystem::path kFixtureDir =
    std::filesystem::path(__FILE__).parent_path() / "data" / "gpt2_small";

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("tinygpt_bpe_test_" + name);
}

void write(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The error message of a call, or "no error".
template <typename Call>
std::string message_of(Call&& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

std::vector<std::string> pieces(std::string_view text) {
  const std::vector<std::string_view> views = Pretokenizer().split(text);
  return std::vector<std::string>(views.begin(), views.end());
}

const std::string kTrainingText =
    "The cat's toy isn't here; we've looked, they're sure. I'll check, you'd know, I'm done.\n"
    "Café crème brûlée, naïve résumé. Grüße über Öl. Ελληνικά, Русский текст, 日本語. "
    "🙂\n"
    "Numbers 3.14159 and 2718 and 1000000.\tTabs\tand    spaces   here.\n";

std::string repeated(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

}  // namespace

TEST_CASE("pre-tokenisation splits as GPT-2 does", "[step01][bpe][pretokenize]") {
  using V = std::vector<std::string>;
  CHECK(pieces("Hello world") == V{"Hello", " world"});
  CHECK(pieces("it's 42 apples!!") == V{"it", "'s", " 42", " apples", "!!"});
  CHECK(pieces("we've they're I'll you'd I'm don't") ==
        V{"we", "'ve", " they", "'re", " I", "'ll", " you", "'d", " I", "'m", " don", "'t"});
  CHECK(pieces("a   b") == V{"a", "  ", " b"});  // the last space goes with the word
  CHECK(pieces("end  \n\n") == V{"end", "  \n\n"});
  CHECK(pieces("x\ty") == V{"x", "\t", "y"});
  CHECK(pieces("naïve 日本語 ab12") == V{"naïve", " 日本語", " ab", "12"});
  CHECK(pieces("\xc2\xa0word") == V{"\xc2\xa0", "word"});  // U+00A0 is white space
  CHECK(pieces("").empty());
}

TEST_CASE("pre-tokenisation of very long runs", "[step01][bpe][pretokenize]") {
  // Long runs must not exhaust PCRE2's JIT stack: the repeats need no backtracking.
  const std::string spaces(1 << 20, ' ');
  const std::string letters(1 << 20, 'a');
  CHECK(pieces(spaces + "x") == std::vector<std::string>{spaces.substr(1), " x"});
  CHECK(pieces(letters).size() == 1);
  CHECK(pieces(std::string(1 << 20, '\xff')).size() == 1);
}

TEST_CASE("pre-tokenisation keeps invalid UTF-8 as pieces of its own",
          "[step01][bpe][pretokenize]") {
  using V = std::vector<std::string>;
  CHECK(pieces("a\xff"
               "b") == V{"a", "\xff", "b"});
  CHECK(pieces("\xe2\x82 x") == V{"\xe2\x82", " x"});
  CHECK(pieces("\xc0\x80\xc0\x80") == V{"\xc0\x80\xc0\x80"});
}

TEST_CASE("GPT-2's byte to unicode table", "[step01][bpe]") {
  CHECK(gpt2_bytes_to_unicode("a!~") == "a!~");
  CHECK(gpt2_bytes_to_unicode(" ") == "\xc4\xa0");                   // U+0120 "Ġ"
  CHECK(gpt2_bytes_to_unicode("\n") == "\xc4\x8a");                  // U+010A "Ċ"
  CHECK(gpt2_bytes_to_unicode(std::string(1, '\0')) == "\xc4\x80");  // U+0100
  CHECK(gpt2_bytes_to_unicode("\xad") == "\xc5\x83");  // soft hyphen, the last shifted byte
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
  std::string back;
  REQUIRE(gpt2_unicode_to_bytes(gpt2_bytes_to_unicode(all), back));
  CHECK(back == all);
  CHECK_FALSE(gpt2_unicode_to_bytes("\xe2\x82\xac", back));  // € stands for no byte
  CHECK_FALSE(gpt2_unicode_to_bytes("\xff", back));
}

TEST_CASE("BPE training: known merges", "[step01][bpe]") {
  // Words "abab" and " abab": (a b) occurs 4 times, then (ab ab) twice.
  const BpeTokenizer tokenizer = BpeTokenizer::train("abab abab", 258);
  CHECK(tokenizer.vocab_size() == 258);
  CHECK(tokenizer.merge_count() == 2);
  CHECK(tokenizer.token_bytes(256) == "ab");
  CHECK(tokenizer.token_bytes(257) == "abab");
  CHECK(tokenizer.encode("abab abab") == std::vector<std::int32_t>{257, ' ', 257});
  CHECK(tokenizer.encode("aba") == std::vector<std::int32_t>{256, 'a'});
  CHECK(tokenizer.describe() == "byte-level BPE, 258 tokens (256 bytes, 2 merges, 0 specials)");
}

TEST_CASE("BPE training: ties go to the smallest pair, and it stops when nothing is left",
          "[step01][bpe]") {
  // Pairs (a b), (' ' c), (c d) all occur once: (' ' c) = (32, 99) is the smallest.
  const BpeTokenizer tokenizer = BpeTokenizer::train("ab cd", 257);
  CHECK(tokenizer.token_bytes(256) == " c");
  // Only 3 merges are possible in "ab cd": asking for more gives a smaller vocabulary.
  CHECK(BpeTokenizer::train("ab cd", 1000).vocab_size() == 259);
}

TEST_CASE("BPE training with incremental counts equals recounting after every merge",
          "[step01][bpe]") {
  // The naive trainer: recount every pair of every word before each merge.
  const auto naive_tokens = [](const std::string& text, int merges) {
    std::map<std::string, std::int64_t> word_counts;
    Pretokenizer().split(text, [&](std::string_view word) { ++word_counts[std::string(word)]; });
    std::vector<std::pair<std::vector<std::int32_t>, std::int64_t>> words;
    for (const auto& [word, count] : word_counts) {
      std::vector<std::int32_t> ids;
      for (const char c : word) ids.push_back(static_cast<unsigned char>(c));
      words.emplace_back(ids, count);
    }
    std::vector<std::string> tokens;
    for (int byte = 0; byte < 256; ++byte) tokens.emplace_back(1, static_cast<char>(byte));
    for (int m = 0; m < merges; ++m) {
      std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> counts;
      for (const auto& [ids, count] : words) {
        for (std::size_t i = 0; i + 1 < ids.size(); ++i) counts[{ids[i], ids[i + 1]}] += count;
      }
      if (counts.empty()) break;
      auto best = counts.begin();  // std::map is ordered: the first maximum is the smallest pair
      for (auto it = counts.begin(); it != counts.end(); ++it) {
        if (it->second > best->second) best = it;
      }
      const auto [left, right] = best->first;
      const auto new_id = static_cast<std::int32_t>(tokens.size());
      tokens.push_back(tokens[left] + tokens[right]);
      for (auto& [ids, count] : words) {
        std::vector<std::int32_t> out;
        for (std::size_t i = 0; i < ids.size(); ++i) {
          const bool match = i + 1 < ids.size() && ids[i] == left && ids[i + 1] == right;
          out.push_back(match ? new_id : ids[i]);
          if (match) ++i;
        }
        ids = out;
      }
    }
    return tokens;
  };
  for (std::uint64_t trial = 0; trial < 20; ++trial) {
    CounterRng rng(5, RngStream::kDemo, 0, trial);
    // Few distinct letters make many ties and many overlapping pairs ("aaaa").
    const std::vector<std::string> parts = {"a", "b", "ab", "aa", " ", "  ", "é", "\n", "1"};
    std::string text;
    for (int i = 0; i < 300; ++i)
      text += parts[rng.below(static_cast<std::uint32_t>(parts.size()))];
    const std::vector<std::string> expected = naive_tokens(text, 60);
    const BpeTokenizer tokenizer =
        BpeTokenizer::train(text, static_cast<std::int32_t>(expected.size()));
    INFO("trial " << trial);
    REQUIRE(tokenizer.vocab_size() == static_cast<std::int32_t>(expected.size()));
    for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
      CHECK(tokenizer.token_bytes(id) == expected[static_cast<std::size_t>(id)]);
    }
  }
}

TEST_CASE("BPE training is deterministic", "[step01][bpe]") {
  const std::string text = repeated(kTrainingText, 3);
  const BpeTokenizer a = BpeTokenizer::train(text, 400);
  const BpeTokenizer b = BpeTokenizer::train(text, 400);
  for (std::int32_t id = 0; id < a.vocab_size(); ++id)
    CHECK(a.token_bytes(id) == b.token_bytes(id));
}

TEST_CASE("BPE training: bad arguments", "[step01][bpe]") {
  const std::vector<std::string> specials = {"<|endoftext|>"};
  CHECK_THAT(message_of([&] { BpeTokenizer::train("abc", 256, specials); }),
             contains("vocab_size 256 is below 256 bytes + 1 special tokens = 257"));
  CHECK_THAT(message_of([] { BpeTokenizer::train("abc", 255); }), contains("vocab_size 255"));
  CHECK_THAT(message_of([] { BpeTokenizer::train("", 300); }),
             contains("the training text is empty"));
  CHECK_THAT(message_of([&] { BpeTokenizer::train("<|endoftext|>", 300, specials); }),
             contains("only special tokens"));
  CHECK_THAT(message_of([] { BpeTokenizer::train("abc", 300, std::vector<std::string>{""}); }),
             contains("a special token is empty"));
  CHECK_THAT(message_of([] {
               BpeTokenizer::train("abc", 300, std::vector<std::string>{"<s>", "<s>"});
             }),
             contains("'<s>' is given twice"));
}

TEST_CASE("BPE: special tokens", "[step01][bpe]") {
  const std::vector<std::string> specials = {"<|endoftext|>", "<|end|>", "<|end|>x"};
  const BpeTokenizer tokenizer =
      BpeTokenizer::train(repeated(kTrainingText + "<|endoftext|>", 4), 320, specials);
  CHECK(tokenizer.vocab_size() == 320);
  const std::int32_t eot = tokenizer.special_id("<|endoftext|>");
  CHECK(eot == 317);
  CHECK(tokenizer.special_id("<|end|>x") == 319);
  CHECK_THROWS_AS(tokenizer.special_id("<|start|>"), Error);
  // Specials never come out of BPE merges: the text between them is encoded on its own.
  const std::vector<std::int32_t> ids =
      tokenizer.encode("<|endoftext|>The<|endoftext|><|endoftext|>");
  REQUIRE(ids.size() >= 4);
  CHECK(ids.front() == eot);
  CHECK(ids[ids.size() - 1] == eot);
  CHECK(ids[ids.size() - 2] == eot);
  CHECK(tokenizer.decode(ids) == "<|endoftext|>The<|endoftext|><|endoftext|>");
  // The longer of two specials that start at the same place wins.
  CHECK(tokenizer.encode("<|end|>x") == std::vector<std::int32_t>{319});
  CHECK(tokenizer.encode("<|end|>y").front() == 318);
  // An incomplete special is ordinary text.
  const std::vector<std::int32_t> partial = tokenizer.encode("<|endoftext");
  for (const std::int32_t id : partial) CHECK(id < 317);
  CHECK(tokenizer.decode(partial) == "<|endoftext");
}

TEST_CASE("BPE: decode(encode(x)) == x for any bytes", "[step01][bpe]") {
  const std::vector<std::string> specials = {"<|endoftext|>"};
  const BpeTokenizer tokenizer = BpeTokenizer::train(repeated(kTrainingText, 5), 500, specials);
  const std::vector<std::string> snippets = {
      "the",    " cat", "'s",   "'ll",  " ",        "   ",      "\n", "\t",
      "é",      "ü",    "λ",    "ж",    "日",       "🙂",     "42", "<|endoftext|>",
      "<|endo", "\xff", "\xc0", "\x80", "\xe2\x82", "\xf0\x9f", "\0"};
  CHECK(tokenizer.encode("").empty());
  CHECK(tokenizer.decode(std::vector<std::int32_t>{}).empty());
  for (std::uint64_t trial = 0; trial < 2000; ++trial) {
    CounterRng rng(7, RngStream::kDemo, 0, trial);
    std::string text;
    const std::uint32_t parts = rng.below(16);
    for (std::uint32_t p = 0; p < parts; ++p) {
      if (rng.below(3) == 0) {
        text += static_cast<char>(rng.below(256));  // any byte, often invalid UTF-8
      } else {
        text += snippets[rng.below(static_cast<std::uint32_t>(snippets.size()))];
      }
    }
    const std::vector<std::int32_t> ids = tokenizer.encode(text);
    for (const std::int32_t id : ids) REQUIRE((id >= 0 && id < tokenizer.vocab_size()));
    INFO("trial " << trial);
    REQUIRE(tokenizer.decode(ids) == text);
  }
  CHECK_THROWS_AS(tokenizer.decode(std::vector<std::int32_t>{tokenizer.vocab_size()}), Error);
  CHECK_THROWS_AS(tokenizer.decode(std::vector<std::int32_t>{-1}), Error);
}

TEST_CASE("BPE: encoding from several threads gives the same ids", "[step01][bpe]") {
  const BpeTokenizer tokenizer = BpeTokenizer::train(repeated(kTrainingText, 4), 400);
  const std::string text = repeated(kTrainingText, 50);
  const std::vector<std::int32_t> expected = tokenizer.encode(text);
  std::vector<std::vector<std::int32_t>> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] { results[t] = tokenizer.encode(text); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const auto& result : results) CHECK(result == expected);
}

TEST_CASE("BPE: save and load give the same tokenizer", "[step01][bpe]") {
  const std::vector<std::string> specials = {"<|endoftext|>"};
  const BpeTokenizer tokenizer = BpeTokenizer::train(repeated(kTrainingText, 4), 420, specials);
  const auto path = temp_file("saved.bpe");
  tokenizer.save(path);
  CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  CHECK(read(path).starts_with("tinygpt-bpe 1\ntokens 420\n00\n01\n"));
  const BpeTokenizer loaded = BpeTokenizer::load(path);
  CHECK(loaded.describe() == tokenizer.describe());
  CHECK(loaded.special_id("<|endoftext|>") == tokenizer.special_id("<|endoftext|>"));
  for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    CHECK(loaded.token_bytes(id) == tokenizer.token_bytes(id));
  }
  const std::string text = kTrainingText + "<|endoftext|> unseen wörds \xff";
  CHECK(loaded.encode(text) == tokenizer.encode(text));
  std::filesystem::remove(path);
}

TEST_CASE("BPE: a bad tinygpt-bpe file names the file and line", "[step01][bpe]") {
  const auto path = temp_file("bad.bpe");
  std::string bytes;
  for (int byte = 0; byte < 256; ++byte) {
    const char hex[] = "0123456789abcdef";
    bytes += std::string{hex[byte >> 4], hex[byte & 15], '\n'};
  }
  const std::string header = "tinygpt-bpe 1\ntokens 257\n";
  const auto load_message = [&](const std::string& content) {
    write(path, content);
    return message_of([&] { BpeTokenizer::load(path); });
  };
  // A good file first, so the cases below fail for the reason they name.
  CHECK(load_message(header + bytes + "6162\nmerges 1\n97 98 256\n") == "no error");
  // Each file content with (part of) the message it must give.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tinygpt-bpe 2\n", path.string() + ":1: not a tinygpt-bpe version 1 file"},
      {header + "00\n01\n", ":4: the file ends after 2 of 257 tokens"},
      {header + bytes + "6g\nmerges 0\n", ":259: token 256 is not hex"},
      {header + bytes + "6162\n", ":259: the file ends where 'merges <count>'"},
      {header + bytes + "6162\nmerges 2\n97 98 256\n", ":261: the file ends after 1 of 2 merges"},
      {header + bytes + "6162\nmerges 1\n97 98\n", ":261: expected '<left> <right> <merged>'"},
      {header + bytes + "6162\nmerges 1\n97 300 256\n",
       ":261: merge '97 300 256' names a token id outside [0, 257)"},
      {header + bytes + "6162\nmerges 1\n97 99 256\n",
       ":261: merge '97 99 256': token 256 is not the concatenation"},
      {header + bytes + "6162\nmerges 1\n97 98 256\nextra\n",
       ":262: unexpected line after the last merge"},
      {"tinygpt-bpe 1\ntokens 1\n61\nmerges 0\n", "no token for byte 0x00"},
  };
  for (const auto& [content, message] : cases) CHECK_THAT(load_message(content), contains(message));
  CHECK_THAT(message_of([] { BpeTokenizer::load(temp_file("missing.bpe")); }), contains("no file"));
  std::filesystem::remove(path);
}

TEST_CASE("BPE: GPT-2's vocab.json and merges.txt give GPT-2's ids", "[step01][bpe][gpt2]") {
  const BpeTokenizer tokenizer =
      BpeTokenizer::load_gpt2(kFixtureDir / "vocab.json", kFixtureDir / "merges.txt");
  CHECK(tokenizer.vocab_size() == 657);
  CHECK(tokenizer.merge_count() == 400);
  CHECK(tokenizer.special_id("<|endoftext|>") == 656);
  CHECK(tokenizer.token_bytes(0) == "!");  // GPT-2's order: printable bytes first
  std::ifstream expected(kFixtureDir / "expected.txt");
  std::string hex;
  std::string ids_line;
  int cases = 0;
  while (std::getline(expected, hex) && std::getline(expected, ids_line)) {
    std::string text;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      text += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    std::vector<std::int32_t> ids;
    std::istringstream in(ids_line);
    for (std::int32_t id = 0; in >> id;) ids.push_back(id);
    INFO("text: " << text);
    CHECK(tokenizer.encode(text) == ids);
    CHECK(tokenizer.decode(ids) == text);
    ++cases;
  }
  CHECK(cases == 14);
}

TEST_CASE("BPE: bad GPT-2 files name the file, line and token", "[step01][bpe][gpt2]") {
  const auto vocab = temp_file("vocab.json");
  const auto merges = temp_file("merges.txt");
  std::string byte_entries;
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
  const std::string spelled = gpt2_bytes_to_unicode(all);
  // Every byte's character as a JSON key, with \u escapes as GPT-2 writes them.
  std::string back;
  int id = 0;
  for (std::size_t position = 0; position < spelled.size(); ++id) {
    const std::size_t length = static_cast<unsigned char>(spelled[position]) < 0x80 ? 1 : 2;
    std::string key = spelled.substr(position, length);
    if (key == "\"" || key == "\\") key = "\\" + key;
    byte_entries += "\"" + key + "\": " + std::to_string(id) + ",\n";
    position += length;
  }
  const auto load_message = [&](const std::string& vocab_tail, const std::string& merge_lines) {
    write(vocab, "{\n" + byte_entries + vocab_tail + "\n}\n");
    write(merges, "#version: 0.2\n" + merge_lines);
    return message_of([&] { BpeTokenizer::load_gpt2(vocab, merges); });
  };
  CHECK(load_message("\"ab\": 256, \"<|endoftext|>\": 257", "a b\n") == "no error");
  CHECK_THAT(load_message("\"ab\": 256", "a b\nx q\n"),
             contains(merges.string() + ":3: the merged token 'xq' of merge 'x q' is not in"));
  CHECK_THAT(load_message("\"ab\": 256", "a b\nab \xe2\x82\xac\n"),
             contains(merges.string() + ":3: token '\xe2\x82\xac' of merge"));
  CHECK_THAT(load_message("\"ab\": 256", "a  b\n"),
             contains(":2: expected two tokens separated by one space"));
  CHECK_THAT(load_message("\"ab\" 256", ""),
             contains("malformed JSON in '" + vocab.string() + "' at line 258: expected ':'"));
  CHECK_THAT(load_message("\"ab\": 256,", ""), contains("at line 259: expected '\"'"));
  CHECK_THAT(load_message("\"ab\": -1", ""), contains("line 258: expected a non-negative integer"));
  CHECK_THAT(load_message("\"ab\": 999", ""),
             contains("token 'ab' has id 999, but ids must be 0..256"));
  CHECK_THAT(load_message("\"ab\": 255", ""), contains("id 255 is given twice (token 'ab')"));
  CHECK_THAT(load_message("\"\\u00e9\\ud83d\": 256", ""),
             contains("a high surrogate without its pair"));
  std::filesystem::remove(vocab);
  std::filesystem::remove(merges);
}
