// Personal data in text (serve/pii.h): each kind's formats found with their exact extent,
// the look-alikes left alone, the placeholders, and the scores on the generated labelled set
// (serve/pii_examples.h). Cards need Luhn's check, exercise 07.6.
#include <string>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/serve/pii.h"
#include "tinygpt/serve/pii_examples.h"
#include "tinygpt_catch.hpp"

using namespace tinygpt;
using serve::PiiKind;
using serve::PiiSpan;

namespace {

// The one span found in `text`, as its kind's name and its bytes ("" when none or several).
std::string only(std::string_view text) {
  const std::vector<PiiSpan> spans = serve::find_pii(text);
  if (spans.size() != 1) return std::to_string(spans.size()) + " spans";
  return std::string(serve::pii_kind_name(spans[0].kind)) + " " +
         std::string(text.substr(spans[0].begin, spans[0].end - spans[0].begin));
}

bool nothing(std::string_view text) {
  return serve::find_pii(text).empty();
}

}  // namespace

TEST_CASE("e-mail addresses are found with their exact extent", "[step07][pii]") {
  CHECK(only("write to anna.smith@example.com.") == "EMAIL anna.smith@example.com");
  CHECK(only("<J.Doe+news@mail.example.co.uk>") == "EMAIL J.Doe+news@mail.example.co.uk");
  CHECK(only("mailto:pierre.o'brien@web.de, thanks") == "EMAIL pierre.o'brien@web.de");
  CHECK(only("ANNA_SMITH99@EXAMPLE.ORG") == "EMAIL ANNA_SMITH99@EXAMPLE.ORG");
}

TEST_CASE("words with an at sign are not e-mail addresses", "[step07][pii]") {
  CHECK(nothing("Working @home today, meet @ 5pm, thanks @jane_doe"));
  CHECK(nothing("use logo@2x.png and icon@3x.JPG for retina screens"));
  CHECK(nothing("user@localhost and a@b.c and x@y.123"));
  // What it misses on purpose: obfuscated addresses.
  CHECK(nothing("anna at example dot com, anna[at]example.com"));
}

TEST_CASE("phone numbers in international and national forms", "[step07][pii]") {
  CHECK(only("call +44 20 7946 0958 now") == "PHONE +44 20 7946 0958");
  CHECK(only("Tel: +44 (0)20 7946 0958") == "PHONE +44 (0)20 7946 0958");
  CHECK(only("Tel: (+44) 20 7946 0958") == "PHONE (+44) 20 7946 0958");
  CHECK(only("+1 (415) 555-0132.") == "PHONE +1 (415) 555-0132");
  CHECK(only("+1-415-555-0132") == "PHONE +1-415-555-0132");
  CHECK(only("(415) 555-0132") == "PHONE (415) 555-0132");
  CHECK(only("at 415.555.0132.") == "PHONE 415.555.0132");
  CHECK(only("1-800-555-0199") == "PHONE 1-800-555-0199");
  CHECK(only("+33 1 23 45 67 89") == "PHONE +33 1 23 45 67 89");
  CHECK(only("01 23 45 67 89") == "PHONE 01 23 45 67 89");
  CHECK(only("030/12345678") == "PHONE 030/12345678");
  CHECK(only("0151 1234 5678") == "PHONE 0151 1234 5678");
  CHECK(only("0044 20 7946 0958") == "PHONE 0044 20 7946 0958");
  CHECK(only("+4915112345678") == "PHONE +4915112345678");
  // Ten digits in one run only after a word that announces a phone.
  CHECK(only("call me at 4155550132") == "PHONE 4155550132");
  CHECK(nothing("loyalty account 4155550132"));
}

TEST_CASE("dates, times, versions, prices and ISBNs are not phone numbers", "[step07][pii]") {
  CHECK(nothing("2024-05-17, 17.05.2024, 05/17/2024, 2024-05-17T12:30:45Z"));
  CHECK(nothing("at 12:30:45, open 9:00-17:30, ratio 16:9"));
  CHECK(nothing("version 10.0.19045, v1.2.3.4, Chrome 120.0.6099.109"));
  CHECK(nothing("$1,299.99, 1.299,00 EUR, 8 045 311 447 people"));
  CHECK(nothing("ISBN 978-3-16-148410-0, SSN 123-45-6789, ZIP 94105-1234"));
  CHECK(nothing("INV-2024-000123, Order #A-20240517-0042, serial 4821-7730-2291"));
  CHECK(nothing("123-456-7890"));  // an area code never starts with 1
  CHECK(nothing("USPS 9400 1000 0000 0000 0000 00 in transit"));
  // What it misses: nine-digit national numbers and seven-digit local ones.
  CHECK(nothing("912 345 678 and 555-0132"));
}

TEST_CASE("card numbers need Luhn's check and a brand's length", "[step07][pii][ex07.6]") {
  CHECK(only("card 4111 1111 1111 1111 exp 04/27") == "CARD 4111 1111 1111 1111");
  CHECK(only("card 4111-1111-1111-1111.") == "CARD 4111-1111-1111-1111");
  CHECK(only("card 4111111111111111") == "CARD 4111111111111111");
  CHECK(only("Amex 3782 822463 10005") == "CARD 3782 822463 10005");
  CHECK(only("Diners 3056 930902 5904") == "CARD 3056 930902 5904");
  CHECK(only("MC 5555 5555 5555 4444") == "CARD 5555 5555 5555 4444");
  CHECK(nothing("card 4111 1111 1111 1112"));  // fails Luhn
  CHECK(nothing("IMEI 490154203237518"));      // passes Luhn, but 15 digits are Amex's alone
  CHECK(nothing("0000 0000 0000 0000"));       // passes Luhn, no brand starts with 0
  CHECK(nothing("4111 1111 1111 1111 1"));     // longer than the card
  CHECK(nothing("4111 11 1111 1111 11"));      // not a card's grouping
}

TEST_CASE("IBANs need the mod-97 check and their country's length", "[step07][pii]") {
  CHECK(only("IBAN: DE89 3704 0044 0532 0130 00.") == "IBAN DE89 3704 0044 0532 0130 00");
  CHECK(only("to DE89370400440532013000 today") == "IBAN DE89370400440532013000");
  CHECK(only("GB29 NWBK 6016 1331 9268 19") == "IBAN GB29 NWBK 6016 1331 9268 19");
  CHECK(only("BE68 5390 0754 7034 then") == "IBAN BE68 5390 0754 7034");
  CHECK(only("de89 3704 0044 0532 0130 00") == "IBAN de89 3704 0044 0532 0130 00");
  CHECK(nothing("DE88 3704 0044 0532 0130 00"));  // wrong check digits
  CHECK(nothing("DE89 3704 0044 0532 0130 0"));   // a digit short
  CHECK(nothing("NL02 JEIN 0048 1498 83 (typo)"));
}

TEST_CASE("IPv4 and IPv6 addresses", "[step07][pii]") {
  CHECK(only("from 192.168.0.1.") == "IP 192.168.0.1");
  CHECK(only("GET http://203.0.113.7/admin") == "IP 203.0.113.7");
  CHECK(only("allow 10.0.0.0/8") == "IP 10.0.0.0");
  CHECK(only("peer 10.1.2.3:51234") == "IP 10.1.2.3");
  CHECK(only("client=2001:db8::8a2e:370:7334 x") == "IP 2001:db8::8a2e:370:7334");
  CHECK(only("2001:0db8:85a3:0000:0000:8a2e:0370:7334") ==
        "IP 2001:0db8:85a3:0000:0000:8a2e:0370:7334");
  CHECK(only("loopback ::1.") == "IP ::1");
  CHECK(only("prefix 2001:db8:: here") == "IP 2001:db8::");
  CHECK(only("mapped ::ffff:192.0.2.128") == "IP ::ffff:192.0.2.128");
  CHECK(only("[fe80::1%eth0]:8443") == "IP fe80::1");
  CHECK(nothing("999.1.2.3, 256.10.10.10, 1.2.3, v1.2.3.4"));
  CHECK(nothing("MAC 00:1A:2B:3C:4D:5E, std::vector, 12:30:45, 1:2:3:4:5:6:7:8:9"));
}

TEST_CASE("redaction replaces each span by its placeholder", "[step07][pii][ex07.6]") {
  const std::string text =
      "Anna (anna.smith@example.com, +44 20 7946 0958) paid 4111 1111 1111 1111 from "
      "DE89 3704 0044 0532 0130 00 at 10.0.0.1 on 2024-05-17.";
  CHECK(serve::redact_pii(text) ==
        "Anna ([EMAIL], [PHONE]) paid [CARD] from [IBAN] at [IP] on 2024-05-17.");
  CHECK(serve::redact_pii("") == "");
  CHECK(serve::redact_pii("nothing to hide") == "nothing to hide");
  CHECK(serve::redact_spans("abcdef", {{PiiKind::kIp, 1, 3}}) == "a[IP]def");
  CHECK_THROWS_AS(serve::redact_spans("abc", {{PiiKind::kIp, 2, 5}}), Error);
  CHECK_THROWS_AS(serve::redact_spans("abcdef", {{PiiKind::kIp, 2, 4}, {PiiKind::kEmail, 3, 5}}),
                  Error);
}

TEST_CASE("the labelled set is deterministic and its labels point at their values",
          "[step07][pii][ex07.6]") {
  const std::vector<serve::PiiExample> a = serve::make_pii_examples(200, 7);
  const std::vector<serve::PiiExample> b = serve::make_pii_examples(300, 7);
  const std::vector<serve::PiiExample> c = serve::make_pii_examples(200, 8);
  REQUIRE(a.size() == 200);
  int differ = 0;
  std::size_t labels = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].text == b[i].text);  // a prefix of a larger set is the smaller set
    CHECK(a[i].labels.size() == b[i].labels.size());
    differ += a[i].text != c[i].text ? 1 : 0;
    for (const serve::PiiLabel& label : a[i].labels) {
      REQUIRE(label.span.end <= a[i].text.size());
      CHECK(label.span.begin < label.span.end);
      CHECK(!label.format.empty());
      ++labels;
    }
  }
  CHECK(differ > 150);  // another seed, other sentences
  CHECK(labels > 150);
  CHECK_THROWS_AS(serve::make_pii_examples(0, 7), Error);
}

TEST_CASE("precision and recall on the generated set stay above their measured floors",
          "[step07][pii][ex07.6]") {
  // Measured on 2000 examples of seed 7 (tinygpt privacy evaluate): precision 98.3 (cards)
  // to 100 percent, recall 88.0 (e-mail: obfuscated addresses) to 100 percent, F1 97.7
  // overall. The floors leave a margin of about two points.
  const serve::PiiScores scores = serve::evaluate_pii(serve::make_pii_examples(2000, 7));
  const auto& kind = [&scores](PiiKind k) { return scores.per_kind[static_cast<std::size_t>(k)]; };
  CHECK(scores.examples == 2000);
  CHECK(kind(PiiKind::kEmail).precision() >= 0.98);
  CHECK(kind(PiiKind::kEmail).recall() >= 0.86);
  CHECK(kind(PiiKind::kPhone).precision() >= 0.98);
  CHECK(kind(PiiKind::kPhone).recall() >= 0.90);
  CHECK(kind(PiiKind::kCard).precision() >= 0.96);
  CHECK(kind(PiiKind::kCard).recall() >= 0.98);
  CHECK(kind(PiiKind::kIban).precision() >= 0.98);
  CHECK(kind(PiiKind::kIban).recall() >= 0.98);
  CHECK(kind(PiiKind::kIp).precision() >= 0.97);
  CHECK(kind(PiiKind::kIp).recall() >= 0.98);
  CHECK(scores.overall.f1() >= 0.95);
  // The counts add up: every error of pii_errors() is a false positive or negative.
  const std::vector<serve::PiiError> errors = serve::pii_errors(serve::make_pii_examples(2000, 7));
  CHECK(static_cast<std::int64_t>(errors.size()) ==
        scores.overall.false_positives + scores.overall.false_negatives);
}

TEST_CASE("exact spans: a span found with the wrong extent is both kinds of error",
          "[step07][pii]") {
  serve::PiiExample example;
  example.text = "call 020 7946 0958 now";
  example.labels.push_back({{PiiKind::kPhone, 5, 13}, "phone/truncated-label"});
  const serve::PiiScores scores = serve::evaluate_pii({example});
  const serve::PiiCounts& phone = scores.per_kind[static_cast<std::size_t>(PiiKind::kPhone)];
  CHECK(phone.true_positives == 0);
  CHECK(phone.false_positives == 1);
  CHECK(phone.false_negatives == 1);
  CHECK(phone.precision() == 0.0);
  CHECK(phone.f1() == 0.0);
  const std::vector<serve::PiiError> errors = serve::pii_errors({example});
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].missed);
  CHECK(errors[0].label == "phone/truncated-label");
  CHECK(!errors[1].missed);
  CHECK(errors[1].label == "overlaps phone/truncated-label");
}
