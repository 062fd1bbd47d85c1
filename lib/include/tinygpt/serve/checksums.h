/// @file checksums.h
/// @brief The check digits that tell a payment card number or an IBAN from any other run of
/// digits: Luhn's mod-10 check (exercise 07.6) and ISO 13616's mod-97 check.
///
/// A redactor that hid every 16-digit number would hide order numbers and timestamps too;
/// one that hid none would leak cards. Both numbers carry a checksum designed to catch typing
/// mistakes, and it serves here to catch false alarms: a random run of digits passes Luhn's
/// check one time in ten, a random IBAN-shaped string passes mod 97 about one time in 97.
#pragma once

#include <string_view>

namespace tinygpt::serve {

/// @brief Luhn's check (ISO/IEC 7812-1), used by every payment card number (exercise 07.6).
///
/// From the rightmost digit (the check digit) leftwards, every second digit is doubled, and
/// a doubled digit above 9 loses 9 (the sum of its two digits); the number is valid when the
/// sum of all digits is a multiple of 10. "79927398713" is the classic valid example.
/// Throws Error on a character that is not a digit (strip spaces and dashes first).
/// @param digits the number's digits, check digit last.
/// @return whether it passes; false for fewer than two digits.
bool luhn_valid(std::string_view digits);

/// @brief ISO 13616's IBAN check: the first four characters move to the end, each letter
/// becomes two digits (A = 10 ... Z = 35), and the resulting number mod 97 must be 1.
/// @param iban the IBAN without spaces: two capital letters, two check digits, then capital
///        letters and digits (15 to 34 characters in all).
/// @return whether it has that form and passes the check.
bool iban_valid(std::string_view iban);

}  // namespace tinygpt::serve
