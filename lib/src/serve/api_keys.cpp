// API keys and their comparison (api_keys.h).
#include "tinygpt/serve/api_keys.h"

#include <fstream>
#include <set>
#include <sstream>

#include "tinygpt/core/check.h"

namespace tinygpt::serve {

bool constant_time_equal(std::string_view presented, std::string_view stored) {
  // Every byte of `stored` is visited whatever `presented` holds; differences accumulate
  // with OR instead of ending the loop. volatile keeps the compiler from turning the loop
  // back into an early exit.
  volatile unsigned char difference = presented.size() == stored.size() ? 0 : 1;
  for (std::size_t k = 0; k < stored.size(); ++k) {
    const unsigned char mine = static_cast<unsigned char>(stored[k]);
    const unsigned char theirs =
        k < presented.size() ? static_cast<unsigned char>(presented[k]) : 0;
    difference = difference | static_cast<unsigned char>(mine ^ theirs);
  }
  return difference == 0;
}

ApiKeys ApiKeys::read(const std::filesystem::path& file) {
  std::ifstream in(file);
  TINYGPT_CHECK(in.good(), "--api-keys ", file.string(), ": cannot read the file");
  ApiKeys keys;
  std::set<std::string> names, secrets;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = file.string() + " line " + std::to_string(number);
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    if (fields.empty() || fields[0].front() == '#') continue;
    TINYGPT_CHECK(fields.size() <= 2, where, ": expected KEY or NAME KEY, got ", fields.size(),
                  " words");
    Key key{fields.size() == 2 ? fields[0] : "key-" + std::to_string(number), fields.back()};
    TINYGPT_CHECK(key.secret.size() >= 16, where, ": a key of ", key.secret.size(),
                  " characters is too short to be secret (at least 16; e.g. openssl rand "
                  "-hex 24)");
    TINYGPT_CHECK(names.insert(key.name).second, where, ": the name '", key.name,
                  "' is used twice");
    TINYGPT_CHECK(secrets.insert(key.secret).second, where, ": the key is repeated");
    keys.keys_.push_back(std::move(key));
  }
  TINYGPT_CHECK(!keys.keys_.empty(), "--api-keys ", file.string(), " holds no key");
  return keys;
}

std::optional<std::string> ApiKeys::find(std::string_view presented) const {
  std::optional<std::string> found;
  for (const Key& key : keys_) {
    if (constant_time_equal(presented, key.secret)) found = key.name;  // no early exit
  }
  return found;
}

}  // namespace tinygpt::serve
