// The labelled set of pii_examples.h. Each clause is a carrier sentence with one slot; the
// slot gets a value in one of the formats people actually write (personal data) or a
// look-alike (a decoy), and the builder records where it went.
#include "tinygpt/serve/pii_examples.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <string_view>

#include "pii_examples_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/serve/checksums.h"

namespace tinygpt::serve {

using namespace pii_examples_detail;

namespace {

// ---- personal data ---------------------------------------------------------------------

struct Value {
  std::string text;
  std::string format;
};

constexpr std::array<std::string_view, 10> kDomains = {
    "example.com", "mail.example.org", "example.co.uk", "uni-example.edu", "company.io",
    "gmail.com",   "outlook.de",       "web.de",        "orange.fr",       "post.example.net"};

Value make_email(CounterRng& rng) {
  const std::string first(pick(rng, kFirst));
  const std::string last(pick(rng, kLast));
  const std::string domain(pick(rng, kDomains));
  // Shares in twentieths: the plain forms most often, one address in ten obfuscated (as
  // people write them on web pages and in chats to fool harvesters).
  switch (rng.below(20)) {
    case 0:
    case 1:
    case 2:
      return {first + "." + last + "@" + domain, "email/first.last"};
    case 3:
    case 4:
      return {first.substr(0, 1) + last + "@" + domain, "email/flast"};
    case 5:
      return {first + "_" + last + "+" + "newsletter@" + domain, "email/plus-tag"};
    case 6:
    case 7:
      return {first + digits(rng, 2) + "@" + domain, "email/name-digits"};
    case 8: {
      std::string capital = first;
      capital[0] = static_cast<char>(capital[0] - 'a' + 'A');
      std::string capital_last = last;
      capital_last[0] = static_cast<char>(capital_last[0] - 'a' + 'A');
      return {capital + "." + capital_last + "@Example.com", "email/capitals"};
    }
    case 9:
      return {first + ".o'brien@" + domain, "email/apostrophe"};
    case 10:
      return {first + " at " + domain.substr(0, domain.find('.')) + " dot " +
                  domain.substr(domain.rfind('.') + 1),
              "email/obfuscated-at-dot"};
    case 11:
      return {first + "." + last + "[at]" + domain, "email/obfuscated-brackets"};
    case 12: {
      std::string upper = first + "." + last + "@" + domain;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
      return {upper, "email/upper-case"};
    }
    case 13:
      return {first + "-" + last + "@" + domain, "email/first-last"};
    case 14:
    case 15:
      return {last + "." + first + "@" + domain, "email/last.first"};
    default:
      return {first + "@" + domain, "email/first"};
  }
}

Value make_phone(CounterRng& rng) {
  const std::string area = digits(rng, 3, 2);
  const std::string exchange = "555";
  const std::string line = "01" + digits(rng, 2);
  switch (rng.below(30)) {
    case 0:
      return {area + "-" + exchange + "-" + line, "phone/us-dashes"};
    case 1:
      return {"(" + area + ") " + exchange + "-" + line, "phone/us-parentheses"};
    case 2:
      return {area + "." + exchange + "." + line, "phone/us-dots"};
    case 3:
      return {area + " " + exchange + " " + line, "phone/us-spaces"};
    case 4:
      return {"+1 " + area + " " + exchange + " " + line, "phone/us-intl-spaces"};
    case 5:
      return {"+1-" + area + "-" + exchange + "-" + line, "phone/us-intl-dashes"};
    case 6:
      return {"+1 (" + area + ") " + exchange + "-" + line, "phone/us-intl-parentheses"};
    case 7:
      return {"1-800-" + exchange + "-" + line, "phone/us-toll-free"};
    case 8:
      return {"+44 20 " + digits(rng, 4, 3) + " " + digits(rng, 4), "phone/uk-intl"};
    case 9:
      return {"+44 (0)20 " + digits(rng, 4, 3) + " " + digits(rng, 4), "phone/uk-intl-trunk"};
    case 10:
      return {"020 " + digits(rng, 4, 3) + " " + digits(rng, 4), "phone/uk-national"};
    case 11:
      return {"07700 900" + digits(rng, 3), "phone/uk-mobile"};
    case 12:
      return {"+33 " + digits(rng, 1, 1) + " " + grouped(digits(rng, 8), {2}, " "),
              "phone/fr-intl"};
    case 13:
      return {"0" + digits(rng, 1, 1) + " " + grouped(digits(rng, 8), {2}, " "),
              "phone/fr-national"};
    case 14:
      return {"0" + digits(rng, 1, 1) + "." + grouped(digits(rng, 8), {2}, "."),
              "phone/fr-national-dots"};
    case 15:
      return {"+49 30 " + digits(rng, 8, 1), "phone/de-intl"};
    case 16:
      return {"030 " + digits(rng, 8, 1), "phone/de-national"};
    case 17:
      return {"030/" + digits(rng, 8, 1), "phone/de-national-slash"};
    case 18:
      return {"+49151" + digits(rng, 8), "phone/intl-compact"};
    case 19:
      return {"0044 20 " + digits(rng, 4, 3) + " " + digits(rng, 4), "phone/uk-00-prefix"};
    case 20:
      return {"+41 44 " + digits(rng, 3, 2) + " " + digits(rng, 2) + " " + digits(rng, 2),
              "phone/ch-intl"};
    case 21:
      return {digits(rng, 3, 6) + " " + digits(rng, 3) + " " + digits(rng, 3),
              "phone/es-national-9-digits"};
    case 22:
      return {exchange + "-" + line, "phone/us-local-7-digits"};
    case 23:
      return {area + exchange + line, "phone/us-digits-only"};
    case 24:
      return {"(+44) 20 " + digits(rng, 4, 3) + " " + digits(rng, 4),
              "phone/uk-code-in-parentheses"};
    case 25:
      return {"+33 (0)" + digits(rng, 1, 1) + " " + grouped(digits(rng, 8), {2}, " "),
              "phone/fr-intl-trunk"};
    case 26:
      return {"+91 " + digits(rng, 5, 7) + " " + digits(rng, 5), "phone/in-intl"};
    case 27:
      return {"0151 " + digits(rng, 4) + " " + digits(rng, 4), "phone/de-mobile"};
    case 28:
      return {"+1 " + area + "-" + exchange + "-" + line, "phone/us-intl-mixed"};
    default:
      return {"06 " + digits(rng, 4, 1) + " " + digits(rng, 4), "phone/it-national"};
  }
}

Value make_card(CounterRng& rng) {
  switch (rng.below(9)) {
    case 0:
      return {grouped(card_digits(rng, "4", 16, true), {4}, " "), "card/visa-spaces"};
    case 1:
      return {grouped(card_digits(rng, "4", 16, true), {4}, "-"), "card/visa-dashes"};
    case 2:
      return {card_digits(rng, "4", 16, true), "card/visa-compact"};
    case 3:
      return {grouped(card_digits(rng, "5" + std::to_string(uniform_int(rng, 1, 5)), 16, true), {4},
                      " "),
              "card/mastercard-spaces"};
    case 4:
      return {grouped(card_digits(rng, "2221", 16, true), {4}, " "), "card/mastercard-2-series"};
    case 5:
      return {grouped(card_digits(rng, rng.below(2) ? "34" : "37", 15, true), {4, 6, 5}, " "),
              "card/amex-4-6-5"};
    case 6:
      return {grouped(card_digits(rng, "36", 14, true), {4, 6, 4}, " "), "card/diners-4-6-4"};
    case 7:
      return {grouped(card_digits(rng, "6011", 16, true), {4}, " "), "card/discover-spaces"};
    default:
      return {grouped(card_digits(rng, "4", 19, true), {4}, " "), "card/visa-19-digits"};
  }
}

Value make_iban(CounterRng& rng) {
  const IbanCountry& country = pick(rng, kIbanCountries);
  const std::string compact = iban_compact(rng, country.code, country.pattern, true);
  const std::string name = std::string(country.code);
  const std::uint32_t form = rng.below(20);
  if (form < 13) return {grouped(compact, {4}, " "), "iban/grouped-" + name};
  if (form < 19) return {compact, "iban/compact-" + name};
  std::string lower = grouped(compact, {4}, " ");
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return {lower, "iban/lower-case"};
}

std::string ipv4(CounterRng& rng) {
  switch (rng.below(4)) {
    case 0:
      return "192.168." + std::to_string(rng.below(256)) + "." + std::to_string(rng.below(255) + 1);
    case 1:
      return "10." + std::to_string(rng.below(256)) + "." + std::to_string(rng.below(256)) + "." +
             std::to_string(rng.below(255) + 1);
    default:
      return std::to_string(uniform_int(rng, 1, 223)) + "." + std::to_string(rng.below(256)) + "." +
             std::to_string(rng.below(256)) + "." + std::to_string(rng.below(256));
  }
}

Value make_ip(CounterRng& rng) {
  switch (rng.below(11)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return {ipv4(rng), "ip/v4"};
    case 10: {
      // Some logs pad every octet to three digits.
      std::string padded;
      for (int i = 0; i < 4; ++i) {
        const std::string octet = std::to_string(rng.below(256));
        padded += (i ? "." : "") + std::string(3 - octet.size(), '0') + octet;
      }
      return {padded, "ip/v4-zero-padded"};
    }
    case 4: {
      std::string full;
      for (int i = 0; i < 8; ++i) full += (i ? ":" : "") + hex_group(rng, true);
      return {full, "ip/v6-full"};
    }
    case 5:
      return {"2001:db8::" + hex_group(rng, false) + ":" + hex_group(rng, false),
              "ip/v6-compressed"};
    case 6:
      return {"fe80::" + hex_group(rng, false) + ":" + hex_group(rng, false) + ":" +
                  hex_group(rng, false) + ":" + hex_group(rng, false),
              "ip/v6-link-local"};
    case 7:
      return {"::ffff:" + ipv4(rng), "ip/v6-mapped-v4"};
    case 8: {
      std::string upper = "2001:DB8:" + hex_group(rng, false) + "::" + hex_group(rng, false);
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 32) : c; });
      return {upper, "ip/v6-upper-case"};
    }
    default:
      return {"::1", "ip/v6-loopback"};
  }
}

// Carrier sentences per kind; "{}" is the slot.
constexpr std::array<std::string_view, 8> kEmailCarriers = {"Please write to {} for the invoice.",
                                                            "Contact: {}",
                                                            "My e-mail is {}, reply there.",
                                                            "CC {} on the thread.",
                                                            "From: Jane Doe <{}>",
                                                            "reach me at mailto:{} anytime",
                                                            "Forwarded by {} on Monday.",
                                                            "({}) asked for a refund."};
constexpr std::array<std::string_view, 8> kPhoneCarriers = {
    "Call me on {} after six.",
    "Tel: {}",
    "My number is {}.",
    "You can reach the office at {} (weekdays).",
    "Support line {}, open 24/7.",
    "Ring {} if the door is locked.",
    "Emergency contact - {}",
    "Mobile {}; landline unknown."};
constexpr std::array<std::string_view, 6> kCardCarriers = {
    "Card number: {}",         "I paid with {} yesterday.",   "Please charge {} for the order.",
    "my visa is {} exp 04/27", "The card ({}) was declined.", "CC# {}, CVV on the back."};
constexpr std::array<std::string_view, 5> kIbanCarriers = {
    "IBAN: {}", "Please transfer the deposit to {}.", "Bank account {} (BIC DEUTDEFF).",
    "Refund to my account {}, thanks!", "Kontoverbindung {}"};
constexpr std::array<std::string_view, 7> kIpCarriers = {
    "Login from {} failed.",        "The server listens on {}.", "client={} status=403",
    "Blocked {} after 5 attempts.", "connecting to [{}]:8443",   "GET /index.html from {}:PORT",
    "Your IP address is {}."};

// Places only an IPv4 address goes (an IPv6 one needs brackets in a URL).
constexpr std::array<std::string_view, 3> kIpv4Carriers = {
    "Open http://{}/admin to log in.", "Allow {}/24 through the firewall.", "ssh root@{} -p 2222"};

Value make_personal(CounterRng& rng, PiiKind kind, std::string_view& carrier) {
  switch (kind) {
    case PiiKind::kEmail:
      carrier = pick(rng, kEmailCarriers);
      return make_email(rng);
    case PiiKind::kPhone:
      carrier = pick(rng, kPhoneCarriers);
      return make_phone(rng);
    case PiiKind::kCard:
      carrier = pick(rng, kCardCarriers);
      return make_card(rng);
    case PiiKind::kIban:
      carrier = pick(rng, kIbanCarriers);
      return make_iban(rng);
    case PiiKind::kIp: {
      carrier = pick(rng, kIpCarriers);
      Value value = make_ip(rng);
      if (value.format == "ip/v4" && chance(rng, 0.3f)) carrier = pick(rng, kIpv4Carriers);
      return value;
    }
  }
  return {};
}

// Builds one example's text and its labels.
class Builder {
 public:
  void clause(std::string_view carrier, std::string_view value, const PiiKind* kind,
              std::string_view label) {
    if (!example_.text.empty()) example_.text.push_back(' ');
    const std::size_t slot = carrier.find("{}");
    example_.text.append(carrier.substr(0, slot));
    const std::size_t begin = example_.text.size();
    example_.text.append(value);
    const std::size_t end = example_.text.size();
    example_.text.append(carrier.substr(slot + 2));
    if (kind != nullptr) {
      example_.labels.push_back({PiiSpan{*kind, begin, end}, std::string(label)});
    } else {
      example_.decoys.push_back({std::string(label), begin, end});
    }
  }
  PiiExample take() { return std::move(example_); }

 private:
  PiiExample example_;
};

}  // namespace

std::vector<PiiExample> make_pii_examples(std::int64_t count, std::uint64_t seed) {
  TINYGPT_CHECK(count >= 1, "make_pii_examples: count must be at least 1, got ", count);
  std::vector<PiiExample> examples;
  examples.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(seed, RngStream::kDemo, 0, static_cast<std::uint64_t>(i));
    Builder builder;
    const int clauses = uniform_int(rng, 1, 3);
    for (int c = 0; c < clauses; ++c) {
      if (chance(rng, 0.6f)) {
        const auto kind = static_cast<PiiKind>(rng.below(kPiiKindCount));
        std::string_view carrier;
        const Value value = make_personal(rng, kind, carrier);
        // A client's port is an ephemeral one (Linux draws them from 32768 to 60999).
        std::string text(carrier);
        if (const std::size_t port = text.find("PORT"); port != std::string::npos) {
          text.replace(port, 4, std::to_string(uniform_int(rng, 32768, 60999)));
        }
        builder.clause(text, value.text, &kind, value.format);
      } else {
        const Decoy decoy = make_decoy(rng);
        builder.clause(decoy.carrier, decoy.value, nullptr, decoy.what);
      }
    }
    examples.push_back(builder.take());
  }
  return examples;
}

}  // namespace tinygpt::serve
