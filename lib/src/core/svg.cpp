// Heatmaps and line charts as SVG text. Everything is laid out by hand with a few fixed
// sizes: text widths are estimated from the number of characters (labels use a monospace
// font, where that estimate is good), which is all a picture of tokens and losses needs.
#include "tinygpt/core/svg.h"

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

// A label as drawn: visible, cut to max_chars code points (the last one "…"), escaped.
struct Label {
  std::string text;   // escaped, ready to write
  int chars = 0;      // code points drawn, to estimate the width
  std::string whole;  // escaped, uncut, for tooltips
};

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

std::string number(double value, int decimals, bool trim_zeros = true) {
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

// Line colours, one per series, chosen to stay apart from each other (they repeat after
// ten series).
constexpr std::array<const char*, 10> kSeriesColours = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                                        "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                        "#bcbd22", "#17becf"};

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

// ---------------------------------------------------------------------------------------
// Heatmaps.

// Everything the panels of a heatmap (or a grid of them) share: labels and sizes.
struct HeatmapLayout {
  std::vector<Label> rows, columns;
  std::string row_title, column_title;  // escaped
  double cell = 0, font = 0;
  double caption_height = 0;  // above the cells
  double left = 0;            // row title and row labels, left of the cells
  double below = 0;           // column labels and column title, below the cells
  double grid_width = 0, grid_height = 0;
  double width = 0, height = 0;  // of one panel
  double low = 0, high = 1;      // value range of the colour scale
};

HeatmapLayout layout_heatmap(Eigen::Index rows, Eigen::Index cols,
                             const std::vector<std::string>& row_labels,
                             const std::vector<std::string>& column_labels,
                             const HeatmapOptions& options, bool captions) {
  HeatmapLayout layout;
  for (const std::string& raw : row_labels) {
    layout.rows.push_back(make_label(raw, options.show_spaces, options.max_label_chars));
  }
  for (const std::string& raw : column_labels) {
    layout.columns.push_back(make_label(raw, options.show_spaces, options.max_label_chars));
  }
  layout.row_title = escape(options.row_title);
  layout.column_title = escape(options.column_title);
  layout.cell = options.cell_size;
  // Labels as tall as about half a cell, readable from 7 px up, never above 12 px.
  layout.font = std::clamp(0.55 * layout.cell, 7.0, 12.0);
  int row_chars = 1, column_chars = 1;
  for (const Label& label : layout.rows) row_chars = std::max(row_chars, label.chars);
  for (const Label& label : layout.columns) column_chars = std::max(column_chars, label.chars);
  const double axis_title = 18.0;
  layout.caption_height = captions ? 20.0 : 0.0;
  layout.left =
      (options.row_title.empty() ? 0.0 : axis_title) + mono_width(row_chars, layout.font) + 6.0;
  layout.below = mono_width(column_chars, layout.font) + 6.0 +
                 (options.column_title.empty() ? 0.0 : axis_title);
  layout.grid_width = static_cast<double>(cols) * layout.cell;
  layout.grid_height = static_cast<double>(rows) * layout.cell;
  layout.width = layout.left + layout.grid_width;
  layout.height = layout.caption_height + layout.grid_height + layout.below;
  return layout;
}

// One panel with its top-left corner at (x, y): caption, cells, labels, axis titles.
void draw_heatmap_panel(std::string& out, const HeatmapLayout& layout, ConstMatrixRef values,
                        const std::string& caption, double x, double y) {
  out += "<g class=\"panel\" transform=\"translate(" + px(x) + " " + px(y) + ")\">\n";
  const double gx = layout.left;  // top-left corner of the cells
  const double gy = layout.caption_height;
  if (!caption.empty()) {
    out += "<text class=\"caption\" x=\"" + px(gx + layout.grid_width / 2) + "\" y=\"" +
           px(gy - 6) + "\" text-anchor=\"middle\" font-size=\"13\">" + escape(caption) +
           "</text>\n";
  }
  const std::string row_name = layout.row_title.empty() ? "row" : layout.row_title;
  const std::string column_name = layout.column_title.empty() ? "column" : layout.column_title;
  const std::string size = px(layout.cell);
  for (Eigen::Index i = 0; i < values.rows(); ++i) {
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      const double value = values(i, j);
      const double t = (value - layout.low) / (layout.high - layout.low);
      // The tooltip names both labels in full: "query 3 “the”, key 1 “cat”: 0.1250".
      out += "<rect class=\"cell\" x=\"" + px(gx + static_cast<double>(j) * layout.cell) +
             "\" y=\"" + px(gy + static_cast<double>(i) * layout.cell) + "\" width=\"" + size +
             "\" height=\"" + size + "\" fill=\"" + sequential_colour(t) + "\"><title>" + row_name +
             " " + std::to_string(i) + " \xE2\x80\x9C" + layout.rows[i].whole + "\xE2\x80\x9D, " +
             column_name + " " + std::to_string(j) + " \xE2\x80\x9C" + layout.columns[j].whole +
             "\xE2\x80\x9D: " + number(value, 4, false) + "</title></rect>\n";
    }
  }
  out += "<rect x=\"" + px(gx) + "\" y=\"" + px(gy) + "\" width=\"" + px(layout.grid_width) +
         "\" height=\"" + px(layout.grid_height) +
         "\" fill=\"none\" stroke=\"#888888\" stroke-width=\"0.5\"/>\n";

  // Row labels right-aligned left of their row; column labels read upwards below theirs.
  const std::string font = px(layout.font);
  out += "<g class=\"row-labels\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"" + font +
         "\" text-anchor=\"end\">\n";
  for (std::size_t i = 0; i < layout.rows.size(); ++i) {
    out += "<text x=\"" + px(gx - 4) + "\" y=\"" +
           px(gy + (static_cast<double>(i) + 0.5) * layout.cell) + "\" dy=\"0.35em\">" +
           layout.rows[i].text + "</text>\n";
  }
  out += "</g>\n";
  out += "<g class=\"column-labels\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"" +
         font + "\" text-anchor=\"end\">\n";
  const double label_top = gy + layout.grid_height + 4;
  for (std::size_t j = 0; j < layout.columns.size(); ++j) {
    const std::string cx = px(gx + (static_cast<double>(j) + 0.5) * layout.cell);
    out += "<text x=\"" + cx + "\" y=\"" + px(label_top) +
           "\" dy=\"0.35em\" transform=\"rotate(-90 " + cx + " " + px(label_top) + ")\">" +
           layout.columns[j].text + "</text>\n";
  }
  out += "</g>\n";
  if (!layout.row_title.empty()) {
    const double cy = gy + layout.grid_height / 2;
    out += "<text class=\"axis-title\" x=\"12\" y=\"" + px(cy) +
           "\" text-anchor=\"middle\" transform=\"rotate(-90 12 " + px(cy) + ")\">" +
           layout.row_title + "</text>\n";
  }
  if (!layout.column_title.empty()) {
    out += "<text class=\"axis-title\" x=\"" + px(gx + layout.grid_width / 2) + "\" y=\"" +
           px(gy + layout.grid_height + layout.below - 4) + "\" text-anchor=\"middle\">" +
           layout.column_title + "</text>\n";
  }
  out += "</g>\n";
}

// The colour legend: a vertical bar, darkest at the top, with the range's ends and middle.
constexpr double kLegendBar = 14.0;
constexpr double kLegendText = 52.0;

void draw_colour_legend(std::string& out, double x, double y, double height, double low,
                        double high) {
  out += "<g class=\"legend\">\n";
  constexpr int kSteps = 32;
  const double step = height / kSteps;
  for (int s = 0; s < kSteps; ++s) {
    const double t = 1.0 - (s + 0.5) / kSteps;
    // Each strip overlaps the next by a hair so no background shows between them.
    out += "<rect x=\"" + px(x) + "\" y=\"" + px(y + s * step) + "\" width=\"" + px(kLegendBar) +
           "\" height=\"" + px(step + 0.3) + "\" fill=\"" + sequential_colour(t) + "\"/>\n";
  }
  out += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(kLegendBar) +
         "\" height=\"" + px(height) +
         "\" fill=\"none\" stroke=\"#888888\" stroke-width=\"0.5\"/>\n";
  const double range = high - low;
  const int decimals = std::clamp(2 - static_cast<int>(std::floor(std::log10(range))), 0, 6);
  const std::array<double, 3> marks = {high, (low + high) / 2, low};
  for (std::size_t m = 0; m < marks.size(); ++m) {
    const double my = y + height * static_cast<double>(m) / 2.0;
    out += "<line x1=\"" + px(x + kLegendBar) + "\" y1=\"" + px(my) + "\" x2=\"" +
           px(x + kLegendBar + 3) + "\" y2=\"" + px(my) + "\" stroke=\"#444444\"/>\n";
    out += "<text x=\"" + px(x + kLegendBar + 5) + "\" y=\"" + px(my) +
           "\" dy=\"0.35em\" font-size=\"11\">" + number(marks[m], decimals) + "</text>\n";
  }
  out += "</g>\n";
}

void check_heatmap_values(ConstMatrixRef values, const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& column_labels, const char* what) {
  TINYGPT_CHECK(values.rows() > 0 && values.cols() > 0, "svg::", what,
                ": nothing to draw, the matrix is (", values.rows(), ", ", values.cols(), ")");
  TINYGPT_CHECK(row_labels.size() == static_cast<std::size_t>(values.rows()), "svg::", what, ": ",
                row_labels.size(), " row labels for a (", values.rows(), ", ", values.cols(),
                ") matrix; give one label per row");
  TINYGPT_CHECK(column_labels.size() == static_cast<std::size_t>(values.cols()), "svg::", what,
                ": ", column_labels.size(), " column labels for a (", values.rows(), ", ",
                values.cols(), ") matrix; give one label per column");
  for (Eigen::Index i = 0; i < values.rows(); ++i) {
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      TINYGPT_CHECK(std::isfinite(values(i, j)), "svg::", what, ": value (", i, ", ", j,
                    ") of the (", values.rows(), ", ", values.cols(), ") matrix is ", values(i, j));
    }
  }
}

std::string draw_heatmaps(const std::vector<ConstMatrixRef>& maps,
                          const std::vector<std::string>& captions, int columns,
                          const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& column_labels,
                          const HeatmapOptions& options) {
  TINYGPT_CHECK(options.cell_size >= 2.0f && std::isfinite(options.cell_size),
                "svg::heatmap: cell_size must be at least 2 pixels, got ", options.cell_size);
  double low = options.min_value;
  double high = options.max_value;
  if (options.auto_range) {
    low = maps[0].minCoeff();
    high = maps[0].maxCoeff();
    for (const ConstMatrixRef& map : maps) {
      low = std::min(low, static_cast<double>(map.minCoeff()));
      high = std::max(high, static_cast<double>(map.maxCoeff()));
    }
    if (low == high) {  // a constant matrix: any range that contains it
      low -= 0.5;
      high += 0.5;
    }
  }
  TINYGPT_CHECK(std::isfinite(low) && std::isfinite(high) && low < high,
                "svg::heatmap: the value range must have min_value < max_value, got [", low, ", ",
                high, "]");

  bool any_caption = false;
  for (const std::string& caption : captions) any_caption = any_caption || !caption.empty();
  HeatmapLayout layout = layout_heatmap(maps[0].rows(), maps[0].cols(), row_labels, column_labels,
                                        options, any_caption);
  layout.low = low;
  layout.high = high;

  const double margin = 12.0, gap = 20.0;
  const std::string title = escape(options.title);
  const double title_height = title.empty() ? 0.0 : 30.0;
  const int grid_columns = std::min<int>(columns, static_cast<int>(maps.size()));
  const int grid_rows = (static_cast<int>(maps.size()) + grid_columns - 1) / grid_columns;
  const double panels_width = grid_columns * layout.width + (grid_columns - 1) * gap;
  const double legend_x = margin + panels_width + gap;
  double width = legend_x + kLegendBar + kLegendText + margin;
  width = std::max(width, sans_width(title, 16.0) + 2 * margin);
  const double height =
      margin + title_height + grid_rows * layout.height + (grid_rows - 1) * gap + margin;

  std::string out;
  begin_document(out, width, height);
  if (!title.empty()) write_title(out, title, width / 2, margin + 16);
  for (std::size_t p = 0; p < maps.size(); ++p) {
    const int r = static_cast<int>(p) / grid_columns;
    const int c = static_cast<int>(p) % grid_columns;
    draw_heatmap_panel(out, layout, maps[p], captions.empty() ? std::string() : captions[p],
                       margin + c * (layout.width + gap),
                       margin + title_height + r * (layout.height + gap));
  }
  // The legend stands beside the first row of cells, at least 60 px and at most 240 px tall.
  const double legend_height = std::clamp(layout.grid_height, 60.0, 240.0);
  draw_colour_legend(out, legend_x, margin + title_height + layout.caption_height, legend_height,
                     low, high);
  end_document(out);
  return out;
}

}  // namespace

std::string escape(std::string_view text) {
  return escaped_utf8(visible_code_points(text, false));
}

std::string heatmap(ConstMatrixRef values, const std::vector<std::string>& row_labels,
                    const std::vector<std::string>& column_labels, const HeatmapOptions& options) {
  check_heatmap_values(values, row_labels, column_labels, "heatmap");
  return draw_heatmaps({values}, {}, 1, row_labels, column_labels, options);
}

std::string heatmap_grid(const std::vector<Matrix>& maps, const std::vector<std::string>& captions,
                         int columns, const std::vector<std::string>& row_labels,
                         const std::vector<std::string>& column_labels,
                         const HeatmapOptions& options) {
  TINYGPT_CHECK(!maps.empty(), "svg::heatmap_grid: there are no maps to draw");
  TINYGPT_CHECK(captions.size() == maps.size(), "svg::heatmap_grid: ", captions.size(),
                " captions for ", maps.size(), " maps; give one per map (empty strings are fine)");
  TINYGPT_CHECK(columns >= 1, "svg::heatmap_grid: columns must be at least 1, got ", columns);
  std::vector<ConstMatrixRef> views;
  for (std::size_t p = 0; p < maps.size(); ++p) {
    TINYGPT_CHECK(maps[p].rows() == maps[0].rows() && maps[p].cols() == maps[0].cols(),
                  "svg::heatmap_grid: map ", p, " is (", maps[p].rows(), ", ", maps[p].cols(),
                  ") but map 0 is (", maps[0].rows(), ", ", maps[0].cols(),
                  "); every panel shares the labels, so every map needs the same shape");
    check_heatmap_values(maps[p], row_labels, column_labels, "heatmap_grid");
    views.emplace_back(maps[p]);
  }
  return draw_heatmaps(views, captions, columns, row_labels, column_labels, options);
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
