// Exercise 07.6: Luhn's check of a payment card number. Reference solution.
#include "tinygpt/core/check.h"
#include "tinygpt/serve/checksums.h"

namespace tinygpt::serve {

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 2) return false;
  int sum = 0;
  // Counting from the right, the check digit is position 0; odd positions are doubled.
  for (std::size_t k = 0; k < digits.size(); ++k) {
    const char c = digits[digits.size() - 1 - k];
    TINYGPT_CHECK(c >= '0' && c <= '9', "luhn_valid: '", c, "' in \"", digits,
                  "\" is not a digit (strip spaces and dashes first)");
    int value = c - '0';
    if (k % 2 == 1) {
      value *= 2;
      if (value > 9) value -= 9;  // the sum of the two digits of 10..18
    }
    sum += value;
  }
  return sum % 10 == 0;
}

}  // namespace tinygpt::serve
