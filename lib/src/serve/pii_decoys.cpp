// The look-alikes of the labelled set (pii_examples.h): dates, versions, prices, order and
// tracking numbers, numbers that fail their checksums, and other text a redactor must leave
// alone, each in a carrier sentence.
#include <string>

#include "pii_examples_detail.h"
#include "tinygpt/serve/checksums.h"

namespace tinygpt::serve::pii_examples_detail {
namespace {

// ---- look-alikes -------------------------------------------------------------------------

constexpr std::array<std::string_view, 3> kPictures = {"logo", "icon", "hero"};

std::string two(int value) {
  return (value < 10 ? "0" : "") + std::to_string(value);
}

}  // namespace

Decoy make_decoy(CounterRng& rng) {
  const int year = uniform_int(rng, 1990, 2030);
  const int month = uniform_int(rng, 1, 12);
  const int day = uniform_int(rng, 1, 28);
  switch (rng.below(36)) {
    case 30:
      return {"ts={} level=info", "17" + digits(rng, 11), "number/epoch-milliseconds"};
    case 31:
      return {"request {} done",
              hex_group(rng, true) + hex_group(rng, true) + "-" + hex_group(rng, true) + "-" +
                  hex_group(rng, true) + "-" + hex_group(rng, true) + "-" + hex_group(rng, true) +
                  hex_group(rng, true) + hex_group(rng, true),
              "id/uuid"};
    case 32:
      return {"Barcode {} scanned.", "40" + digits(rng, 11), "product/ean-13"};
    case 33:
      return {"IMEI {} registered.", card_digits(rng, "35", 15, true), "device/imei"};
    case 34:
      return {"Open {} on weekdays.", "9:00-17:30", "time/range"};
    case 35:
      return {"ZIP code {}", digits(rng, 5, 1) + "-" + digits(rng, 4), "number/zip-plus-4"};
    case 0:
      return {"The meeting moved to {}.", std::to_string(year) + "-" + two(month) + "-" + two(day),
              "date/iso"};
    case 1:
      return {"Geburtsdatum {}", two(day) + "." + two(month) + "." + std::to_string(year),
              "date/dots"};
    case 2:
      return {"Due {} at the latest.", two(month) + "/" + two(day) + "/" + std::to_string(year),
              "date/slashes"};
    case 3:
      return {"event at {} UTC",
              std::to_string(year) + "-" + two(month) + "-" + two(day) + "T" +
                  two(uniform_int(rng, 0, 23)) + ":" + two(uniform_int(rng, 0, 59)) + ":" +
                  two(uniform_int(rng, 0, 59)) + "Z",
              "date/timestamp"};
    case 4:
      return {"The train leaves at {} sharp.",
              two(uniform_int(rng, 0, 23)) + ":" + two(uniform_int(rng, 0, 59)) + ":" +
                  two(uniform_int(rng, 0, 59)),
              "time/h-m-s"};
    case 5:
      return {"Upgrade to version {} first.",
              std::to_string(uniform_int(rng, 1, 20)) + "." +
                  std::to_string(uniform_int(rng, 0, 20)) + "." +
                  std::to_string(uniform_int(rng, 0, 300)),
              "version/three-part"};
    case 6:
      return {"Firmware {} fixes the bug.",
              std::to_string(uniform_int(rng, 1, 9)) + "." +
                  std::to_string(uniform_int(rng, 0, 9)) + "." +
                  std::to_string(uniform_int(rng, 0, 30)) + "." +
                  std::to_string(uniform_int(rng, 0, 2000)),
              "version/four-part"};
    case 7:
      return {"Chrome {} on Windows",
              "1" + digits(rng, 2) + ".0." + digits(rng, 4, 1) + "." +
                  std::to_string(uniform_int(rng, 1, 200)),
              "version/browser"};
    case 8:
      return {"Total: {} incl. VAT",
              "$" + std::to_string(uniform_int(rng, 1, 99)) + "," + digits(rng, 3) + "." +
                  digits(rng, 2),
              "price/dollars"};
    case 9:
      return {"Preis {} pro Monat",
              std::to_string(uniform_int(rng, 1, 99)) + "." + digits(rng, 3) + "," +
                  digits(rng, 2) + " EUR",
              "price/euros"};
    case 10:
      return {"See ISBN {} for details.",
              "978-" + digits(rng, 1) + "-" + digits(rng, 2) + "-" + digits(rng, 6) + "-" +
                  digits(rng, 1),
              "isbn/13"};
    case 11:
      return {"Order #{} has shipped.",
              "A-" + std::to_string(year) + two(month) + two(day) + "-" + digits(rng, 4),
              "order/with-date"};
    case 12:
      return {"Your order number is {}.", digits(rng, 16, 1), "order/16-digits"};
    case 13:
      return {"Tracking: {}", "1Z" + alphanumerics(rng, 6) + digits(rng, 10), "tracking/ups"};
    case 14:
      return {"USPS tracking {} (in transit)", grouped("9400" + digits(rng, 18), {4}, " "),
              "tracking/usps-22-digits"};
    case 15:
      return {"Card {} was rejected as invalid.",
              grouped(card_digits(rng, "4", 16, false), {4}, " "), "card/luhn-fails"};
    case 16: {
      const IbanCountry& country = pick(rng, kIbanCountries);
      return {"IBAN {} (typo?)",
              grouped(iban_compact(rng, country.code, country.pattern, false), {4}, " "),
              "iban/wrong-check-digits"};
    }
    case 17:
      return {"ping {} returned an error",
              std::to_string(uniform_int(rng, 256, 999)) + "." + std::to_string(rng.below(256)) +
                  "." + std::to_string(rng.below(256)) + "." + std::to_string(rng.below(256)),
              "ip/octet-over-255"};
    case 18:
      return {"Working {} today.", "@home", "at/handle-like"};
    case 19:
      return {"Use {} for retina screens.",
              std::string(pick(rng, kPictures)) + "@" + std::to_string(uniform_int(rng, 2, 3)) +
                  "x.png",
              "at/image-file"};
    case 20:
      return {"Thanks {} for the review!",
              "@" + std::string(pick(rng, kFirst)) + "_" + std::string(pick(rng, kLast)),
              "at/social-handle"};
    case 21:
      return {"Device MAC {}",
              grouped(hex_group(rng, true) + hex_group(rng, true) + hex_group(rng, true), {2}, ":"),
              "mac/address"};
    case 22:
      return {"Use {} instead of arrays.", "std::vector", "code/cpp-scope"};
    case 23:
      return {"The screen is {} widescreen.", "16:9", "ratio"};
    case 24:
      return {"Serial number {}", digits(rng, 4, 1) + "-" + digits(rng, 4) + "-" + digits(rng, 4),
              "serial/4-4-4"};
    case 25:
      return {"World population passed {} people.",
              std::to_string(uniform_int(rng, 7, 9)) + " " + digits(rng, 3) + " " + digits(rng, 3) +
                  " " + digits(rng, 3),
              "number/thousands-spaces"};
    case 26:
      return {"SSN {} on file", digits(rng, 3, 1) + "-" + digits(rng, 2) + "-" + digits(rng, 4),
              "number/ssn-like"};
    case 27:
      return {"Coordinates {}",
              std::to_string(uniform_int(rng, 10, 60)) + "." + digits(rng, 4) + ", " +
                  std::to_string(uniform_int(rng, 1, 30)) + "." + digits(rng, 4),
              "number/coordinates"};
    case 28:
      return {"Invoice {} is overdue.", "INV-" + std::to_string(year) + "-" + digits(rng, 6),
              "order/invoice"};
    default:
      return {"Account {} (loyalty points)", digits(rng, 10, 1), "number/10-digits-no-cue"};
  }
}

}  // namespace tinygpt::serve::pii_examples_detail
