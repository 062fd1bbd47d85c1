// The SVG plotting code: well-formed XML whatever the labels, heatmap cells and colours,
// line-chart series and ticks, errors, and byte-identical output.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

// A small well-formedness checker for the subset of XML the plots use (no external parser is
// installed): an optional <?xml ...?> declaration, comments, elements with quoted
// attributes, text. It checks that the bytes are valid UTF-8 without characters XML
// forbids, that tags nest and close, that an element has no attribute twice, that every
// '&' starts a known or numeric entity, that '<' never appears in text or attribute values,
// and that there is exactly one root element. Returns "" when all holds, else the problem.
std::string xml_problem(std::string_view xml) {
  // UTF-8 and forbidden control characters.
  for (std::size_t i = 0; i < xml.size();) {
    const auto b = static_cast<unsigned char>(xml[i]);
    if (b < 0x20 && b != '\n' && b != '\t' && b != '\r') {
      return "control byte at " + std::to_string(i);
    }
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > xml.size()) return "bad UTF-8 at " + std::to_string(i);
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(xml[i + k]) & 0xC0) != 0x80) {
        return "bad UTF-8 at " + std::to_string(i);
      }
    }
    i += n;
  }
  auto entity_ok = [&](std::size_t at) {  // xml[at] == '&'
    const std::size_t end = xml.find(';', at);
    if (end == std::string_view::npos || end - at > 10) return false;
    const std::string_view name = xml.substr(at + 1, end - at - 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
      return true;
    }
    if (name.size() >= 2 && name[0] == '#') {
      const bool hex = name[1] == 'x';
      const std::string_view digits = name.substr(hex ? 2 : 1);
      return !digits.empty() && std::all_of(digits.begin(), digits.end(), [hex](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) ||
               (hex && std::isxdigit(static_cast<unsigned char>(c)));
      });
    }
    return false;
  };
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.';
  };

  std::vector<std::string> open;
  int roots = 0;
  std::size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] == '&') {
      if (!entity_ok(i)) return "bad entity in text at " + std::to_string(i);
      ++i;
      continue;
    }
    if (xml[i] == '>') return "'>' in text at " + std::to_string(i);
    if (xml[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i]))) {
        return "text outside the root at " + std::to_string(i);
      }
      ++i;
      continue;
    }
    if (xml.substr(i, 5) == "<?xml") {
      if (i != 0) return "declaration not at the start";
      const std::size_t end = xml.find("?>", i);
      if (end == std::string_view::npos) return "unclosed declaration";
      i = end + 2;
      continue;
    }
    if (xml.substr(i, 4) == "<!--") {
      const std::size_t end = xml.find("-->", i);
      if (end == std::string_view::npos) return "unclosed comment";
      i = end + 3;
      continue;
    }
    const bool closing = i + 1 < xml.size() && xml[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < xml.size() && is_name_char(xml[j])) ++j;
    const std::string name(xml.substr(name_start, j - name_start));
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    if (closing) {
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size() || xml[j] != '>') return "bad closing tag </" + name;
      if (open.empty() || open.back() != name) {
        return "</" + name + "> closes <" + (open.empty() ? "nothing" : open.back()) + ">";
      }
      open.pop_back();
      i = j + 1;
      continue;
    }
    // Attributes: name="value" or name='value', separated by blanks.
    std::set<std::string> attributes;
    for (;;) {
      const std::size_t before = j;
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size()) return "unclosed tag <" + name;
      if (xml[j] == '>' || xml.substr(j, 2) == "/>") break;
      if (j == before) return "no blank before an attribute of <" + name;
      const std::size_t attribute_start = j;
      while (j < xml.size() && is_name_char(xml[j])) ++j;
      const std::string attribute(xml.substr(attribute_start, j - attribute_start));
      if (attribute.empty() || j + 1 >= xml.size() || xml[j] != '=' ||
          (xml[j + 1] != '"' && xml[j + 1] != '\'')) {
        return "bad attribute in <" + name;
      }
      if (!attributes.insert(attribute).second) return "attribute " + attribute + " twice";
      const char quote = xml[j + 1];
      const std::size_t end = xml.find(quote, j + 2);
      if (end == std::string_view::npos) return "unclosed attribute value in <" + name;
      for (std::size_t k = j + 2; k < end; ++k) {
        if (xml[k] == '<') return "'<' in an attribute of <" + name;
        if (xml[k] == '&' && !entity_ok(k)) return "bad entity in an attribute of <" + name;
      }
      j = end + 1;
    }
    if (open.empty()) ++roots;
    if (xml[j] == '/') {
      i = j + 2;  // self-closing
    } else {
      open.push_back(name);
      i = j + 1;
    }
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

int count(std::string_view text, std::string_view part) {
  int n = 0;
  for (std::size_t at = text.find(part); at != std::string_view::npos;
       at = text.find(part, at + part.size())) {
    ++n;
  }
  return n;
}

// Value of attribute `name` in the tag starting at `tag`.
std::string attribute(std::string_view xml, std::size_t tag, const std::string& name) {
  const std::size_t end = xml.find('>', tag);
  const std::size_t at = xml.find(" " + name + "=\"", tag);
  REQUIRE(at < end);
  const std::size_t value = at + name.size() + 3;
  return std::string(xml.substr(value, xml.find('"', value) - value));
}

// Every element starting with `prefix` (e.g. "<rect class=\"cell\""), in document order.
std::vector<std::size_t> tags(std::string_view xml, std::string_view prefix) {
  std::vector<std::size_t> found;
  for (std::size_t at = xml.find(prefix); at != std::string_view::npos;
       at = xml.find(prefix, at + 1)) {
    found.push_back(at);
  }
  return found;
}

// The texts of the <text class="NAME"> elements, in order.
std::vector<std::string> texts_of_class(std::string_view xml, const std::string& name) {
  std::vector<std::string> found;
  for (const std::size_t at : tags(xml, "<text class=\"" + name + "\"")) {
    const std::size_t begin = xml.find('>', at) + 1;
    found.emplace_back(xml.substr(begin, xml.find("</text>", begin) - begin));
  }
  return found;
}

// An attention-like matrix: causal, each row a softmax over the keys up to the query.
Matrix causal_attention(int t, float sharpness) {
  Matrix weights = Matrix::Zero(t, t);
  for (int i = 0; i < t; ++i) {
    float total = 0.0f;
    for (int j = 0; j <= i; ++j) {
      weights(i, j) = std::exp(sharpness * std::cos(0.9f * static_cast<float>(i * j + j)));
      total += weights(i, j);
    }
    weights.row(i) /= total;
  }
  return weights;
}

std::filesystem::path picture_dir() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "tinygpt_step02_svg_pictures";
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("the checker itself flags broken XML", "[step02][svg]") {
  CHECK(xml_problem("<svg><g></g></svg>").empty());
  CHECK(xml_problem("<?xml version=\"1.0\"?>\n<svg a=\"1\"/>").empty());
  CHECK_FALSE(xml_problem("<svg><g></svg></g>").empty());
  CHECK_FALSE(xml_problem("<svg>a & b</svg>").empty());
  CHECK_FALSE(xml_problem("<svg>&bogus;</svg>").empty());
  CHECK_FALSE(xml_problem("<svg a=\"<\"/>").empty());
  CHECK_FALSE(xml_problem("<svg a=\"1\" a=\"2\"/>").empty());
  CHECK_FALSE(xml_problem("<svg/><svg/>").empty());
  CHECK_FALSE(xml_problem("<svg>\xff</svg>").empty());
  CHECK_FALSE(xml_problem(std::string("<svg>\x01</svg>")).empty());
}

TEST_CASE("escape makes any bytes valid, visible XML text", "[step02][svg]") {
  CHECK(svg::escape("<b>&\"'") == "&lt;b&gt;&amp;&quot;&apos;");
  CHECK(svg::escape("a\nb\tc\rd") == R"(a\nb\tc\rd)");  // visible, in ASCII
  CHECK(svg::escape(std::string("\x00\x1f\x7f|\\", 5)) == R"(\x00\x1f\x7f|\)");
  CHECK(svg::escape("\xff\xfe") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // two U+FFFD
  CHECK(svg::escape("caf\xC3\xA9 \xE2\x82\xAC") == "caf\xC3\xA9 \xE2\x82\xAC");  // é €, kept
  CHECK(svg::escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/', refused
  CHECK(svg::escape("\xED\xA0\x80").find("\xEF\xBF\xBD") == 0);  // a surrogate, refused
  CHECK(svg::escape("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
  CHECK(xml_problem("<t>" + svg::escape(std::string("\x00\x1f\x7f", 3)) + "</t>").empty());
}

TEST_CASE("a heatmap is well-formed and escapes hostile labels", "[step02][svg]") {
  const Matrix values = testing::matrix_of({{0.0f, 0.25f, 0.5f}, {0.75f, 1.0f, 0.1f}});
  const std::vector<std::string> rows = {"<b>&\"'", "line\nbreak"};
  const std::vector<std::string> columns = {"\xff\xfe", " the", "</svg>"};
  svg::HeatmapOptions options;
  options.title = "attention & \"friends\" <layer 0>";
  options.row_title = "query";
  options.column_title = "key";
  const std::string svg = svg::heatmap(values, rows, columns, options);
  INFO(svg);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find("&lt;b&gt;&amp;&quot;&apos;") != std::string::npos);
  CHECK(svg.find(R"(line\nbreak)") != std::string::npos);
  CHECK(svg.find("\xEF\xBF\xBD\xEF\xBF\xBD") != std::string::npos);  // U+FFFD twice
  CHECK(svg.find("\xE2\x90\xA3the") != std::string::npos);           // ␣ for the space
  CHECK(svg.find("&lt;/svg&gt;") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(count(svg, "</svg>") == 1);
  // Tooltips carry the value with four decimals.
  CHECK(svg.find(": 0.7500</title>") != std::string::npos);
}

TEST_CASE("a heatmap has one cell per value, the max darker than the min", "[step02][svg]") {
  const Matrix values = testing::matrix_of(
      {{0.0f, 0.2f, 0.4f, 0.6f}, {0.8f, 1.0f, 0.5f, 0.3f}, {0.1f, 0.9f, 0.7f, 0.05f}});
  const std::vector<std::string> rows = {"a", "b", "c"};
  const std::vector<std::string> columns = {"w", "x", "y", "z"};
  const std::string svg = svg::heatmap(values, rows, columns);
  CHECK(xml_problem(svg) == "");
  const std::vector<std::size_t> cells = tags(svg, "<rect class=\"cell\"");
  REQUIRE(cells.size() == 12);
  // Cells are written row by row: (0, 0) holds the min, (1, 1) the max.
  const std::string min_fill = attribute(svg, cells[0], "fill");
  const std::string max_fill = attribute(svg, cells[5], "fill");
  CHECK(min_fill == "#ffffff");
  CHECK(max_fill != min_fill);
  // Darker: a smaller sum of the three channels.
  auto brightness = [](const std::string& hex) {
    return std::strtol(hex.substr(1, 2).c_str(), nullptr, 16) +
           std::strtol(hex.substr(3, 2).c_str(), nullptr, 16) +
           std::strtol(hex.substr(5, 2).c_str(), nullptr, 16);
  };
  CHECK(brightness(max_fill) < brightness(attribute(svg, cells[4], "fill")));  // 1.0 < 0.8
  CHECK(brightness(attribute(svg, cells[4], "fill")) < brightness(min_fill));
  // Values outside the range are clamped to its ends.
  svg::HeatmapOptions options;
  options.max_value = 0.5f;
  const std::string clamped = svg::heatmap(values, rows, columns, options);
  const std::vector<std::size_t> clamped_cells = tags(clamped, "<rect class=\"cell\"");
  CHECK(attribute(clamped, clamped_cells[5], "fill") ==
        attribute(clamped, clamped_cells[4], "fill"));
  // auto_range spans the data: here [0.05, 1] -> the 0.05 cell is white, not the 0 one.
  options.auto_range = true;
  const std::string automatic =
      svg::heatmap(values * 2.0f + Matrix::Constant(3, 4, 5.0f), rows, columns, options);
  const std::vector<std::size_t> auto_cells = tags(automatic, "<rect class=\"cell\"");
  CHECK(attribute(automatic, auto_cells[0], "fill") == "#ffffff");
  CHECK(attribute(automatic, auto_cells[5], "fill") == max_fill);
}

TEST_CASE("a heatmap refuses bad input, naming the shape", "[step02][svg]") {
  const Matrix values = Matrix::Constant(2, 3, 0.5f);
  const std::vector<std::string> two = {"a", "b"};
  const std::vector<std::string> three = {"x", "y", "z"};
  REQUIRE_THROWS_WITH(svg::heatmap(values, three, three),
                      contains("3 row labels for a (2, 3) matrix"));
  REQUIRE_THROWS_WITH(svg::heatmap(values, two, two),
                      contains("2 column labels for a (2, 3) matrix"));
  REQUIRE_THROWS_WITH(svg::heatmap(Matrix(0, 3), {}, three),
                      contains("nothing to draw, the matrix is (0, 3)"));
  Matrix broken = values;
  broken(1, 2) = NAN;
  REQUIRE_THROWS_WITH(svg::heatmap(broken, two, three),
                      contains("value (1, 2) of the (2, 3) matrix is nan"));
  svg::HeatmapOptions options;
  options.min_value = 1.0f;
  REQUIRE_THROWS_WITH(svg::heatmap(values, two, three, options), contains("min_value < max_value"));
  REQUIRE_THROWS_WITH(svg::heatmap_grid({values, Matrix::Zero(3, 2)}, {"", ""}, 2, two, three),
                      contains("map 1 is (3, 2) but map 0 is (2, 3)"));
  REQUIRE_THROWS_WITH(svg::heatmap_grid({values}, {}, 1, two, three),
                      contains("0 captions for 1 maps"));
}

TEST_CASE("a heatmap grid draws every panel with its caption", "[step02][svg]") {
  const int layers = 2, heads = 3, t = 5;
  std::vector<Matrix> maps;
  std::vector<std::string> captions;
  for (int layer = 0; layer < layers; ++layer) {
    for (int head = 0; head < heads; ++head) {
      maps.push_back(causal_attention(t, 1.0f + static_cast<float>(layer * heads + head)));
      captions.push_back("layer " + std::to_string(layer) + " head " + std::to_string(head));
    }
  }
  const std::vector<std::string> tokens = {"The", " cat", " sat", " on", "\n"};
  const std::string svg = svg::heatmap_grid(maps, captions, heads, tokens, tokens);
  CHECK(xml_problem(svg) == "");
  CHECK(count(svg, "<rect class=\"cell\"") == layers * heads * t * t);
  CHECK(count(svg, "<g class=\"panel\"") == layers * heads);
  CHECK(count(svg, "<g class=\"legend\"") == 1);
  CHECK(texts_of_class(svg, "caption") ==
        std::vector<std::string>{"layer 0 head 0", "layer 0 head 1", "layer 0 head 2",
                                 "layer 1 head 0", "layer 1 head 1", "layer 1 head 2"});
}

TEST_CASE("nice ticks are 1-2-5 steps that cover the range", "[step02][svg]") {
  CHECK(svg::nice_ticks(0.0, 1.0, 6) == std::vector<double>{0.0, 0.2, 0.4, 0.6, 0.8, 1.0});
  CHECK(svg::nice_ticks(0.0, 10.0, 6) == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(svg::nice_ticks(1.3, 4.2, 5) == std::vector<double>{1, 2, 3, 4, 5});
  const std::vector<std::pair<double, double>> ranges = {
      {0.0, 1.0},   {2.31, 7.94}, {-3.5, 12.25}, {0.0001, 0.00093}, {1.0, 5000.0},
      {-1e6, -2e5}, {3.0, 3.0},   {0.0, 0.0},    {4.1, 4.1000001},  {1234.5, 98765.4}};
  for (const auto& [low, high] : ranges) {
    for (int max_ticks : {2, 4, 6, 10}) {
      const std::vector<double> ticks = svg::nice_ticks(low, high, max_ticks);
      INFO("range [" << low << ", " << high << "], max_ticks " << max_ticks);
      REQUIRE(ticks.size() >= 2);
      CHECK(ticks.size() <= static_cast<std::size_t>(max_ticks) + 3);
      CHECK(ticks.front() <= low);
      CHECK(ticks.back() >= high);
      // The step is 1, 2 or 5 times a power of ten, and the same between all ticks.
      const double step = ticks[1] - ticks[0];
      const double exponent = std::floor(std::log10(step) + 1e-9);
      const double mantissa = step / std::pow(10.0, exponent);
      CHECK((std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
             std::abs(mantissa - 5) < 1e-6));
      // Rounding of values far from 0 (a range like [4.1, 4.1000001]) blurs the computed
      // differences by a few units in the last place of the ticks themselves.
      const double slack =
          1e-9 * step + 1e-14 * std::max(std::abs(ticks.front()), std::abs(ticks.back()));
      for (std::size_t k = 1; k < ticks.size(); ++k) {
        CHECK(std::abs(ticks[k] - ticks[k - 1] - step) <= slack);
        // Every tick is a whole multiple of the step (1, 2 or 5 times 10^exponent exactly).
        const double exact_step = std::round(mantissa) * std::pow(10.0, exponent);
        CHECK(std::abs(ticks[k] / exact_step - std::round(ticks[k] / exact_step)) < 1e-6);
      }
    }
  }
}

TEST_CASE("a line chart draws each series through its finite points", "[step02][svg]") {
  std::vector<svg::Series> series(3);
  series[0].name = "train loss";
  for (int step = 0; step <= 200; step += 10) {
    series[0].points.push_back({double(step), 4.0 * std::exp(-step / 60.0) + 1.2});
  }
  series[1].name = "validation <loss> & co";
  for (int step = 0; step <= 200; step += 50) {
    series[1].points.push_back({double(step), 4.1 * std::exp(-step / 70.0) + 1.4});
  }
  series[1].points[2].y = NAN;  // a diverged evaluation
  series[1].points.push_back({INFINITY, 1.0});
  series[2].name = "one point";
  series[2].points.push_back({100.0, 3.0});
  svg::LineChartOptions options;
  options.title = "loss";
  options.x_label = "step";
  options.y_label = "cross-entropy (nats)";
  const std::string svg = svg::line_chart(series, options);
  INFO(svg);
  CHECK(xml_problem(svg) == "");
  const std::vector<std::size_t> lines = tags(svg, "<polyline class=\"series\"");
  REQUIRE(lines.size() == 3);
  const std::vector<int> expected_points = {21, 4, 1};
  for (std::size_t s = 0; s < lines.size(); ++s) {
    const std::string points = attribute(svg, lines[s], "points");
    CHECK(count(points, ",") == expected_points[s]);
    CHECK(points.find("nan") == std::string::npos);
    CHECK(points.find("inf") == std::string::npos);
  }
  CHECK(svg.find("validation &lt;loss&gt; &amp; co") != std::string::npos);
  CHECK(count(svg, "<circle") == 1);  // the one-point series

  // Tick labels are evenly spaced numbers that cover the data.
  auto values_of = [&](const std::string& name) {
    std::vector<double> values;
    for (const std::string& text : texts_of_class(svg, name)) values.push_back(std::stod(text));
    return values;
  };
  const std::vector<double> x_ticks = values_of("tick-x");
  const std::vector<double> y_ticks = values_of("tick-y");
  REQUIRE(x_ticks.size() >= 3);
  REQUIRE(y_ticks.size() >= 3);
  CHECK(x_ticks.front() <= 0.0);
  CHECK(x_ticks.back() >= 200.0);
  CHECK(y_ticks.front() <= 1.2 + 4.0 * std::exp(-200.0 / 60.0));
  CHECK(y_ticks.back() >= 5.5);
  // Tick labels are written with the decimals their step needs: here none.
  for (const std::string& label : texts_of_class(svg, "tick-x")) {
    CHECK(label.find('.') == std::string::npos);  // steps of 20 or 50: whole numbers
  }
}

TEST_CASE("a line chart refuses empty data", "[step02][svg]") {
  REQUIRE_THROWS_WITH(svg::line_chart({}), contains("there are no series"));
  std::vector<svg::Series> series(2);
  series[0].points.push_back({NAN, 1.0});
  REQUIRE_THROWS_WITH(svg::line_chart(series),
                      contains("none of the 2 series has a point with finite x and y"));
}

TEST_CASE("a timeline draws each bar in its lane, and refuses bars that do not fit",
          "[step02][svg]") {
  std::vector<svg::Bar> bars = {{.row = 0, .start = 0, .end = 12, .label = "r0 <a&b>"},
                                {.row = 1, .start = 2, .end = 5, .label = "r1", .colour = 1},
                                {.row = 1, .start = 5, .end = 30, .label = "r2", .colour = 2}};
  svg::TimelineOptions options;
  options.title = "slots";
  options.row_prefix = "slot ";
  const std::string svg = svg::timeline(bars, 3, options);
  CHECK(xml_problem(svg) == "");
  CHECK(count(svg, "<title>") == 3);             // a tooltip per bar
  CHECK(count(svg, "r0 &lt;a&amp;b&gt;") >= 1);  // escaped
  CHECK(count(svg, ">slot 2<") == 1);            // every lane labelled, the empty one too
  CHECK(svg == svg::timeline(bars, 3, options));
  bars[1].row = 3;
  REQUIRE_THROWS_WITH(svg::timeline(bars, 3), contains("bar 1 is in row 3, outside [0, 3)"));
  bars[1].row = 1;
  bars[2].end = 5;
  REQUIRE_THROWS_WITH(svg::timeline(bars, 3), contains("bar 2 runs from 5 to 5"));
  REQUIRE_THROWS_WITH(svg::timeline({}, 0), contains("rows must be at least 1"));
}

TEST_CASE("a bar chart draws every bar with its label, error bars and a zero line",
          "[step02][svg]") {
  const std::vector<svg::BarCategory> categories = {
      {"names <&>", {{"amber", 40.0, 30.0, 50.0}, {"cedar", 55.0, 45.0, 65.0}, {"slate", 20.0}}},
      {"pronouns", {{"she", -5.0, -12.0, 1.0}, {"he", 10.0}}}};
  svg::BarChartOptions options;
  options.title = "positive rate";
  options.y_label = "%";
  const std::string svg = svg::bar_chart(categories, options);
  CHECK(xml_problem(svg) == "");
  CHECK(count(svg, "<g class=\"bar\">") == 5);
  CHECK(count(svg, "class=\"interval\"") == 3);           // only the bars with an interval
  CHECK(count(svg, "names &lt;&amp;&gt;") == 1);          // escaped caption
  CHECK(count(svg, "amber: 40 [30, 50]") == 1);           // tooltip with the interval
  CHECK(count(svg, ">-20<") + count(svg, ">-10<") >= 1);  // the axis covers -12
  CHECK(svg == svg::bar_chart(categories, options));
  REQUIRE_THROWS_WITH(svg::bar_chart({}), contains("there are no bars"));
  REQUIRE_THROWS_WITH(svg::bar_chart({{"x", {{"a", 1.0, 2.0, 3.0}}}}),
                      contains("bar 0 of category 0 has the interval [2, 3] around 1"));
  REQUIRE_THROWS_WITH(svg::bar_chart({{"x", {{"a", NAN}}}}), contains("must be finite"));
}

TEST_CASE("the same input gives the same bytes", "[step02][svg]") {
  const Matrix weights = causal_attention(6, 2.0f);
  const std::vector<std::string> tokens = {"a", "b", "c", "d", "e", "f"};
  CHECK(svg::heatmap(weights, tokens, tokens) == svg::heatmap(weights, tokens, tokens));
  std::vector<svg::Series> series(1);
  for (int i = 0; i < 50; ++i) series[0].points.push_back({i * 0.1, std::sin(i * 0.1)});
  CHECK(svg::line_chart(series) == svg::line_chart(series));
}

TEST_CASE("example pictures: an attention map and a loss curve", "[step02][svg]") {
  // Written to <temp>/tinygpt_step02_svg_pictures/ (e.g. /tmp/...) to look at in a browser.
  const std::vector<std::string> tokens = {"The", " cat", " sat", " on",  " the",     " mat",
                                           ".",   "\n",   "It",   " was", " <happy>", " & purred"};
  const int t = static_cast<int>(tokens.size());
  svg::HeatmapOptions options;
  options.title = "layer 0, head 1: attention weights";
  options.row_title = "query";
  options.column_title = "key";
  const std::string attention = svg::heatmap(causal_attention(t, 2.5f), tokens, tokens, options);
  CHECK(xml_problem(attention) == "");
  write_file_atomically(picture_dir() / "attention.svg", attention);

  std::vector<Matrix> maps;
  std::vector<std::string> captions;
  for (int layer = 0; layer < 2; ++layer) {
    for (int head = 0; head < 4; ++head) {
      maps.push_back(causal_attention(8, 0.5f + static_cast<float>(layer * 4 + head)));
      captions.push_back("layer " + std::to_string(layer) + " head " + std::to_string(head));
    }
  }
  options.title = "every layer and head";
  options.cell_size = 14.0f;
  const std::vector<std::string> first(tokens.begin(), tokens.begin() + 8);
  const std::string grid = svg::heatmap_grid(maps, captions, 4, first, first, options);
  CHECK(xml_problem(grid) == "");
  write_file_atomically(picture_dir() / "attention_grid.svg", grid);

  std::vector<svg::Series> series(2);
  series[0].name = "train";
  series[1].name = "validation";
  for (int step = 0; step <= 3000; step += 20) {
    const double noise = 0.08 * std::sin(step * 0.37) * std::cos(step * 0.11);
    series[0].points.push_back({double(step), 1.4 + 3.2 * std::exp(-step / 500.0) + noise});
    if (step % 250 == 0) {
      series[1].points.push_back({double(step), 1.55 + 3.1 * std::exp(-step / 550.0)});
    }
  }
  svg::LineChartOptions chart;
  chart.title = "pre-training loss";
  chart.x_label = "step";
  chart.y_label = "loss (nats per token)";
  const std::string loss = svg::line_chart(series, chart);
  CHECK(xml_problem(loss) == "");
  write_file_atomically(picture_dir() / "loss.svg", loss);
}
