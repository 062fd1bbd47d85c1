// Exercise 07.6: Luhn's check of a payment card number.
// Lesson: steps/07-deployment/README.md, "Privacy: redacting personal data".
// Check your work: tinygpt course check 07        Stuck? tinygpt course hint 07.6
#include "tinygpt/core/check.h"
#include "tinygpt/serve/checksums.h"

namespace tinygpt::serve {

bool luhn_valid(std::string_view digits) {
  // Walk from the rightmost digit; double every second one (subtracting 9 when it exceeds
  // 9), add them all up, and test the sum against 10. Refuse non-digits with TINYGPT_CHECK.
  throw NotImplemented("exercise 07.6 (luhn_valid)");
}

}  // namespace tinygpt::serve
