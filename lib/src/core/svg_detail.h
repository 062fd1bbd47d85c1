// What the SVG drawings (svg.cpp, svg_heatmap.cpp, svg_timeline.cpp) share: labels,
// numbers, colours and the document frame. Private to the library.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace tinygpt::svg::detail {

/// A label as drawn: visible, cut to max_chars code points (the last one "…"), escaped.
struct Label {
  std::string text;   ///< escaped, ready to write
  int chars = 0;      ///< code points drawn, to estimate the width
  std::string whole;  ///< escaped, uncut, for tooltips
};

/// @return `raw` as a Label; spaces drawn as "␣" when show_spaces.
Label make_label(std::string_view raw, bool show_spaces, int max_chars);

/// @return `value` with `decimals` decimals (trailing zeros cut when trim_zeros), never in a
/// locale's format.
std::string number(double value, int decimals, bool trim_zeros = true);
/// @return a pixel coordinate, two decimals at most.
std::string px(double value);
/// @return the decimals that show ticks spaced `step` apart exactly.
int decimals_for_step(double step);
/// @return the estimated width of `chars` monospace glyphs.
double mono_width(int chars, double font_size);
/// @return the estimated width of sans-serif text.
double sans_width(std::string_view escaped_or_plain, double font_size);

/// @return the sequential scale's colour at t in [0, 1]: white, a middle blue, dark blue.
std::string sequential_colour(double t);
/// Colours of lines or bars, one per series, chosen to stay apart (they repeat after ten).
inline constexpr std::array<const char*, 10> kSeriesColours = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/// @brief Starts a document of width x height pixels on a white background.
void begin_document(std::string& out, double width, double height);
/// @brief Ends it.
void end_document(std::string& out);
/// @brief A bold title centred on x.
void write_title(std::string& out, const std::string& escaped, double x, double y);

}  // namespace tinygpt::svg::detail
