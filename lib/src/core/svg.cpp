// Heatmaps and line charts as SVG text. Everything is laid out by hand with a few fixed
// sizes: text widths are estimated from the number of characters (labels use a monospace
// font, where that estimate is good), which is all a picture of tokens and losses needs.
#include "tinygpt/core/svg.h"

#include "svg_detail.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"

namespace tinygpt::svg {
namespace {

// ---------------------------------------------------------------------------------------
// Text: bytes -> visible code points -> escaped UTF-8.

constexpr char32_t kReplacement = 0xFFFD;  // "�", for bytes that are not UTF-8

// Decodes UTF-8 strictly (next_code_point: no overlong forms, no surrogates, nothing above
// U+10FFFF); each byte that does not start a valid character becomes one U+FFFD.
// Characters that XML forbids or shows as blanks become visible.
std::u32string visible_code_points(std::string_view text, bool show_spaces) {
  std::u32string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::int32_t decoded = next_code_point(text, i);
    if (decoded < 0) {
      out.push_back(kReplacement);
      continue;
    }
    const auto code_point = static_cast<char32_t>(decoded);

    // Control characters as their C escapes, in plain ASCII that every font can draw (the
    // Unicode "control pictures" such as U+2424 are missing from common fonts).
    if (code_point == U'\n') {
      out += U"\\n";
    } else if (code_point == U'\t') {
      out += U"\\t";
    } else if (code_point == U'\r') {
      out += U"\\r";
    } else if (code_point < 0x20 || code_point == 0x7F) {
      static constexpr char32_t kHex[] = U"0123456789abcdef";
      out += U"\\x";
      out.push_back(kHex[code_point / 16]);
      out.push_back(kHex[code_point % 16]);
    } else if (code_point == U' ' && show_spaces) {
      out.push_back(0x2423);  // ␣ OPEN BOX
    } else if (code_point == 0xFFFE || code_point == 0xFFFF) {
      out.push_back(kReplacement);  // non-characters, not allowed in XML
    } else {
      out.push_back(code_point);
    }
  }
  return out;
}

// UTF-8 of code points that visible_code_points produced, with XML's five special
// characters as entities.
std::string escaped_utf8(const std::u32string& code_points) {
  std::string out;
  for (const char32_t c : code_points) {
    switch (c) {
      case U'&':
        out += "&amp;";
        continue;
      case U'<':
        out += "&lt;";
        continue;
      case U'>':
        out += "&gt;";
        continue;
      case U'"':
        out += "&quot;";
        continue;
      case U'\'':
        out += "&apos;";
        continue;
      default:
        break;
    }
    append_utf8(out, c);
  }
  return out;
}

}  // namespace

namespace detail {

Label make_label(std::string_view raw, bool show_spaces, int max_chars) {
  std::u32string code_points = visible_code_points(raw, show_spaces);
  Label label;
  label.whole = escaped_utf8(code_points);
  if (max_chars >= 1 && code_points.size() > static_cast<std::size_t>(max_chars)) {
    code_points.resize(static_cast<std::size_t>(max_chars) - 1);
    code_points.push_back(0x2026);  // …
  }
  label.text = escaped_utf8(code_points);
  label.chars = static_cast<int>(code_points.size());
  return label;
}

// ---------------------------------------------------------------------------------------
// Numbers: fixed precision through std::to_chars, so no locale ever turns 0.5 into "0,5".

std::string number(double value, int decimals, bool trim_zeros) {
  std::array<char, 64> buffer{};
  char* const first = buffer.data();
  char* const last = buffer.data() + buffer.size();
  std::to_chars_result result =
      std::to_chars(first, last, value, std::chars_format::fixed, decimals);
  if (result.ec != std::errc{}) {  // too long for fixed notation: e.g. 1e80
    result = std::to_chars(first, last, value, std::chars_format::general, 6);
  }
  std::string text(first, result.ptr);
  if (trim_zeros && text.find('.') != std::string::npos && text.find('e') == std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text.find_first_not_of("-0.") == std::string::npos) text = std::string(text, text[0] == '-');
  return text;
}

// Pixel coordinates: two decimals are far below what a screen shows.
std::string px(double value) {
  return number(value, 2);
}

// Decimals that show the ticks spaced `step` apart exactly: 0.2 -> 1, 0.05 -> 2, 5 -> 0.
int decimals_for_step(double step) {
  return std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
}

// Widths of text, estimated: a monospace glyph is 0.6 em wide; sans-serif averages less.
double mono_width(int chars, double font_size) {
  return 0.6 * font_size * chars;
}
double sans_width(std::string_view escaped_or_plain, double font_size) {
  return 0.58 * font_size * static_cast<double>(escaped_or_plain.size());
}

// ---------------------------------------------------------------------------------------
// Colours.

// Sequential scale from white through a middle blue to a dark blue, linear in sRGB between
// the stops; t in [0, 1].
std::string sequential_colour(double t) {
  struct Rgb {
    double r, g, b;
  };
  constexpr std::array<Rgb, 3> stops = {{{255, 255, 255}, {107, 164, 214}, {8, 38, 96}}};
  t = std::clamp(t, 0.0, 1.0);
  const double position = t * (stops.size() - 1);
  const auto low = std::min(static_cast<std::size_t>(position), stops.size() - 2);
  const double f = position - static_cast<double>(low);
  const Rgb& a = stops[low];
  const Rgb& b = stops[low + 1];
  const std::array<double, 3> rgb = {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g),
                                     a.b + f * (b.b - a.b)};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string colour = "#";
  for (const double channel : rgb) {
    const int v = static_cast<int>(std::lround(channel));
    colour += kHex[v / 16];
    colour += kHex[v % 16];
  }
  return colour;
}

// ---------------------------------------------------------------------------------------
// Document frame.

void begin_document(std::string& out, double width, double height) {
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + px(width) +
         "\" height=\"" + px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) +
         "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + px(width) + "\" height=\"" + px(height) +
         "\" fill=\"#ffffff\"/>\n";
}

void end_document(std::string& out) {
  out += "</svg>\n";
}

void write_title(std::string& out, const std::string& escaped, double x, double y) {
  out += "<text class=\"title\" x=\"" + px(x) + "\" y=\"" + px(y) +
         "\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">" + escaped + "</text>\n";
}

}  // namespace detail

using namespace detail;

std::string escape(std::string_view text) {
  return escaped_utf8(visible_code_points(text, false));
}

std::vector<double> nice_ticks(double low, double high, int max_ticks) {
  TINYGPT_CHECK(std::isfinite(low) && std::isfinite(high) && low <= high,
                "svg::nice_ticks: need finite low <= high, got [", low, ", ", high, "]");
  TINYGPT_CHECK(max_ticks >= 2, "svg::nice_ticks: max_ticks must be at least 2, got ", max_ticks);
  if (low == high) {  // one value: a small range around it
    const double half = low == 0.0 ? 1.0 : 0.1 * std::abs(low);
    low -= half;
    high += half;
  }
  // The step is mantissa * 10^exponent with mantissa 1, 2 or 5: the smallest such step
  // that splits the range into at most max_ticks - 1 intervals, grown while rounding the
  // ends outwards makes too many ticks.
  int exponent = static_cast<int>(std::floor(std::log10((high - low) / (max_ticks - 1))));
  int mantissa_index = 0;
  constexpr std::array<int, 3> kMantissas = {1, 2, 5};
  // Tick k is k * mantissa * 10^exponent, computed so that 0.1-style steps stay exact
  // (3 * 1 / 10 is 0.3, while 3 * 0.1 is 0.30000000000000004).
  auto tick = [&](double k) {
    const double m = k * kMantissas[static_cast<std::size_t>(mantissa_index)];
    return exponent >= 0 ? m * std::pow(10.0, exponent) : m / std::pow(10.0, -exponent);
  };
  for (;;) {
    const double step = tick(1.0);
    const double first = std::floor(low / step);
    const double last = std::ceil(high / step);
    if (last - first + 1 <= max_ticks + 1) {
      std::vector<double> ticks;
      for (double k = first; k <= last; k += 1.0) ticks.push_back(tick(k));
      // Rounding in low / step can leave the ends a hair inside the range; widen them.
      if (ticks.front() > low) ticks.insert(ticks.begin(), tick(first - 1));
      if (ticks.back() < high) ticks.push_back(tick(last + 1));
      return ticks;
    }
    if (++mantissa_index == static_cast<int>(kMantissas.size())) {
      mantissa_index = 0;
      ++exponent;
    }
  }
}

std::string line_chart(const std::vector<Series>& series, const LineChartOptions& options) {
  TINYGPT_CHECK(!series.empty(), "svg::line_chart: there are no series to draw");
  TINYGPT_CHECK(options.width >= 200 && options.height >= 150,
                "svg::line_chart: the chart must be at least 200 x 150 pixels, got ", options.width,
                " x ", options.height);
  auto finite = [](const Point& p) { return std::isfinite(p.x) && std::isfinite(p.y); };
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  for (const Series& s : series) {
    for (const Point& p : s.points) {
      if (!finite(p)) continue;
      x_low = std::min(x_low, p.x), x_high = std::max(x_high, p.x);
      y_low = std::min(y_low, p.y), y_high = std::max(y_high, p.y);
    }
  }
  TINYGPT_CHECK(x_low <= x_high, "svg::line_chart: none of the ", series.size(),
                " series has a point with finite x and y");
  const std::vector<double> x_ticks = nice_ticks(x_low, x_high, 8);
  const std::vector<double> y_ticks = nice_ticks(y_low, y_high, 8);

  // Layout: title on top, y tick labels and y label on the left, x tick labels and x label
  // below, the legend on the right of the plot area.
  std::vector<Label> names;
  int name_chars = 1;
  for (const Series& s : series) {
    names.push_back(make_label(s.name, false, 28));
    name_chars = std::max(name_chars, names.back().chars);
  }
  const int x_decimals = decimals_for_step(x_ticks[1] - x_ticks[0]);
  const int y_decimals = decimals_for_step(y_ticks[1] - y_ticks[0]);
  std::size_t y_tick_chars = 1;
  for (const double y : y_ticks)
    y_tick_chars = std::max(y_tick_chars, number(y, y_decimals, false).size());

  const std::string title = escape(options.title);
  const std::string x_label = escape(options.x_label);
  const std::string y_label = escape(options.y_label);
  const double width = options.width, height = options.height;
  const double legend_width = 34.0 + 0.6 * 12.0 * name_chars;
  const double left = 12.0 + (y_label.empty() ? 0.0 : 20.0) + 7.0 * y_tick_chars + 8.0;
  const double right = width - 16.0 - legend_width;
  const double top = title.empty() ? 16.0 : 42.0;
  const double bottom = height - (x_label.empty() ? 28.0 : 48.0);
  TINYGPT_CHECK(right - left >= 60.0, "svg::line_chart: ", options.width,
                " pixels are too narrow for the legend; make the chart wider or the names shorter");
  auto map_x = [&](double x) {
    return left + (x - x_ticks.front()) / (x_ticks.back() - x_ticks.front()) * (right - left);
  };
  auto map_y = [&](double y) {
    return bottom - (y - y_ticks.front()) / (y_ticks.back() - y_ticks.front()) * (bottom - top);
  };

  std::string out;
  begin_document(out, width, height);
  if (!title.empty()) write_title(out, title, (left + right) / 2, 26);

  // Grid lines and ticks.
  out += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n";
  for (const double x : x_ticks) {
    out += "<line x1=\"" + px(map_x(x)) + "\" y1=\"" + px(top) + "\" x2=\"" + px(map_x(x)) +
           "\" y2=\"" + px(bottom) + "\"/>\n";
  }
  for (const double y : y_ticks) {
    out += "<line x1=\"" + px(left) + "\" y1=\"" + px(map_y(y)) + "\" x2=\"" + px(right) +
           "\" y2=\"" + px(map_y(y)) + "\"/>\n";
  }
  out += "</g>\n";
  out += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(right - left) +
         "\" height=\"" + px(bottom - top) + "\" fill=\"none\" stroke=\"#444444\"/>\n";
  out += "<g font-size=\"11\" fill=\"#333333\">\n";
  for (const double x : x_ticks) {
    out += "<text class=\"tick-x\" x=\"" + px(map_x(x)) + "\" y=\"" + px(bottom + 16) +
           "\" text-anchor=\"middle\">" + number(x, x_decimals, false) + "</text>\n";
  }
  for (const double y : y_ticks) {
    out += "<text class=\"tick-y\" x=\"" + px(left - 6) + "\" y=\"" + px(map_y(y)) +
           "\" dy=\"0.35em\" text-anchor=\"end\">" + number(y, y_decimals, false) + "</text>\n";
  }
  out += "</g>\n";
  if (!x_label.empty()) {
    out += "<text class=\"axis-title\" x=\"" + px((left + right) / 2) + "\" y=\"" +
           px(height - 10) + "\" text-anchor=\"middle\">" + x_label + "</text>\n";
  }
  if (!y_label.empty()) {
    const double cy = (top + bottom) / 2;
    out += "<text class=\"axis-title\" x=\"18\" y=\"" + px(cy) +
           "\" text-anchor=\"middle\" transform=\"rotate(-90 18 " + px(cy) + ")\">" + y_label +
           "</text>\n";
  }

  // One polyline per series, through its finite points in the given order; a series with a
  // single point gets a dot, as a polyline of one point draws nothing.
  for (std::size_t s = 0; s < series.size(); ++s) {
    const char* colour = kSeriesColours[s % kSeriesColours.size()];
    std::string points;
    int count = 0;
    double last_x = 0, last_y = 0;
    for (const Point& p : series[s].points) {
      if (!finite(p)) continue;
      last_x = map_x(p.x), last_y = map_y(p.y);
      if (count++ > 0) points += ' ';
      points += px(last_x) + "," + px(last_y);
    }
    out += "<polyline class=\"series\" fill=\"none\" stroke=\"" + std::string(colour) +
           "\" stroke-width=\"1.8\" stroke-linejoin=\"round\" points=\"" + points + "\"><title>" +
           names[s].whole + "</title></polyline>\n";
    if (count == 1) {
      out += "<circle cx=\"" + px(last_x) + "\" cy=\"" + px(last_y) + "\" r=\"3\" fill=\"" +
             colour + "\"/>\n";
    }
  }

  // Legend: a short line in each series' colour and its name.
  out += "<g class=\"legend\">\n";
  const double legend_x = right + 16.0;
  for (std::size_t s = 0; s < series.size(); ++s) {
    const double y = top + 10.0 + 18.0 * static_cast<double>(s);
    out += "<line x1=\"" + px(legend_x) + "\" y1=\"" + px(y) + "\" x2=\"" + px(legend_x + 22) +
           "\" y2=\"" + px(y) + "\" stroke=\"" + kSeriesColours[s % kSeriesColours.size()] +
           "\" stroke-width=\"2.5\"/>\n";
    out += "<text x=\"" + px(legend_x + 28) + "\" y=\"" + px(y) + "\" dy=\"0.35em\">" +
           names[s].text + "</text>\n";
  }
  out += "</g>\n";
  end_document(out);
  return out;
}

}  // namespace tinygpt::svg
