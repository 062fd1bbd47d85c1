// ISO 13616's mod-97 check (checksums.h); Luhn's check is exercise 07.6
// (solutions/07-deployment/luhn.cpp).
#include "tinygpt/serve/checksums.h"

namespace tinygpt::serve {

bool iban_valid(std::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!upper(iban[0]) || !upper(iban[1]) || !digit(iban[2]) || !digit(iban[3])) return false;
  // The number is far too long for any integer, but mod 97 can be taken digit by digit:
  // (r * 10 + d) mod 97 for a digit, (r * 100 + v) mod 97 for a letter's two digits.
  int remainder = 0;
  for (std::size_t k = 0; k < iban.size(); ++k) {
    const char c = iban[(k + 4) % iban.size()];  // the first four characters go last
    if (digit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (upper(c)) {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

}  // namespace tinygpt::serve
