#include "xml.h"

#include <cstdint>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"

namespace tinygpt::course {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_name_char(char c) {
  return c != '\0' && !is_space(c) && c != '<' && c != '>' && c != '/' && c != '=' && c != '"' &&
         c != '\'';
}

std::string trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

class Parser {
 public:
  Parser(std::string_view document, const std::string& source) : text_(document), source_(source) {}

  XmlElement document() {
    skip_misc();
    XmlElement root = element();
    skip_misc();
    if (pos_ != text_.size()) fail("text after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(detail::concat(source_, ": malformed XML at byte ", pos_, ": ", problem));
  }

  bool at(std::string_view prefix) const { return text_.substr(pos_).starts_with(prefix); }

  void expect(std::string_view token) {
    if (!at(token)) {
      fail(pos_ >= text_.size() ? detail::concat("the document ends where '", token,
                                                 "' was expected (was its writer interrupted?)")
                                : detail::concat("expected '", token, "'"));
    }
    pos_ += token.size();
  }

  void skip_spaces() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  /// Skips up to and including `end`.
  void skip_past(std::string_view end) {
    const std::size_t found = text_.find(end, pos_);
    if (found == std::string_view::npos) {
      pos_ = text_.size();
      expect(end);
    }
    pos_ = found + end.size();
  }

  /// White space, comments, processing instructions and a DOCTYPE around the root.
  void skip_misc() {
    for (;;) {
      skip_spaces();
      if (at("<!--")) {
        skip_past("-->");
      } else if (at("<?")) {
        skip_past("?>");
      } else if (at("<!")) {
        skip_past(">");
      } else {
        return;
      }
    }
  }

  std::string name() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail("expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }

  /// Decodes the entities in raw text up to (not including) a character in `stops`.
  std::string decoded(std::string_view stops) {
    std::string out;
    while (pos_ < text_.size() && stops.find(text_[pos_]) == std::string_view::npos) {
      if (text_[pos_] != '&') {
        out += text_[pos_++];
        continue;
      }
      const std::size_t semicolon = text_.find(';', pos_);
      if (semicolon == std::string_view::npos || semicolon - pos_ > 12) fail("a bad entity");
      const std::string_view entity = text_.substr(pos_ + 1, semicolon - pos_ - 1);
      if (entity == "amp") {
        out += '&';
      } else if (entity == "lt") {
        out += '<';
      } else if (entity == "gt") {
        out += '>';
      } else if (entity == "quot") {
        out += '"';
      } else if (entity == "apos") {
        out += '\'';
      } else if (entity.starts_with("#")) {
        const bool hex = entity.starts_with("#x") || entity.starts_with("#X");
        const std::string digits(entity.substr(hex ? 2 : 1));
        std::size_t used = 0;
        unsigned long code = 0;
        try {
          code = std::stoul(digits, &used, hex ? 16 : 10);
        } catch (const std::exception&) {
          used = 0;
        }
        if (digits.empty() || used != digits.size() || code > 0x10FFFF)
          fail("a bad character reference");
        append_utf8(out, static_cast<char32_t>(code));
      } else {
        fail(detail::concat("unknown entity &", entity, ";"));
      }
      pos_ = semicolon + 1;
    }
    return out;
  }

  XmlElement element() {
    expect("<");
    XmlElement node;
    node.name = name();
    for (;;) {
      skip_spaces();
      if (at("/>")) {
        pos_ += 2;
        return node;
      }
      if (at(">")) {
        ++pos_;
        break;
      }
      if (pos_ >= text_.size()) expect(">");
      std::string key = name();
      skip_spaces();
      expect("=");
      skip_spaces();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
        fail("expected a quoted attribute value");
      }
      const char quote = text_[pos_++];
      std::string value = decoded(std::string_view(&quote, 1));
      expect(std::string_view(&quote, 1));
      node.attributes.emplace_back(std::move(key), std::move(value));
    }

    std::string text;
    for (;;) {
      if (pos_ >= text_.size()) expect("</" + node.name + ">");
      if (at("</")) {
        pos_ += 2;
        if (name() != node.name) fail(detail::concat("expected </", node.name, ">"));
        skip_spaces();
        expect(">");
        node.text = trim(text);
        return node;
      }
      if (at("<!--")) {
        skip_past("-->");
      } else if (at("<![CDATA[")) {
        pos_ += 9;
        const std::size_t end = text_.find("]]>", pos_);
        if (end == std::string_view::npos) expect("]]>");
        text += text_.substr(pos_, end - pos_);
        pos_ = end + 3;
      } else if (at("<?")) {
        skip_past("?>");
      } else if (at("<")) {
        node.children.push_back(element());
      } else {
        text += decoded("<");
      }
    }
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string XmlElement::attribute(std::string_view key) const {
  for (const auto& [attribute_key, value] : attributes) {
    if (attribute_key == key) return value;
  }
  return {};
}

XmlElement parse_xml(std::string_view document, const std::string& source) {
  return Parser(document, source).document();
}

}  // namespace tinygpt::course
