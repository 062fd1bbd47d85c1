/// @file xml.h
/// @brief Just enough XML to read a Catch2 report: elements, attributes, text and the
/// standard entities; comments, processing instructions and CDATA are understood too.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinygpt::course {

/// @brief One element of an XML document.
struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  ///< in document order.
  std::string text;  ///< its own text (not its children's), entities decoded, surrounding
                     ///< white space trimmed.
  std::vector<XmlElement> children;

  /// @brief The value of attribute `key`, or "" when it has none.
  std::string attribute(std::string_view key) const;
};

/// @brief Parses a whole document and returns its root element.
/// @param document the XML text.
/// @param source what the text is (a file name), for error messages.
/// Errors name the source and the byte offset; a document cut short (a crashed writer)
/// is an error too.
XmlElement parse_xml(std::string_view document, const std::string& source);

}  // namespace tinygpt::course
