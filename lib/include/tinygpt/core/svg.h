/// @file svg.h
/// @brief The course's one plotting code: heatmaps (attention maps), line charts (loss
/// curves), timelines and bar charts (per-group figures) as standalone SVG text.
///
/// Every function returns the whole picture as a string; save it with
/// write_file_atomically (core/files.h) and open it in a browser:
///
///     write_file_atomically("attention.svg", svg::heatmap(weights, tokens, tokens, options));
///
/// The output is plain, deterministic SVG 1.1: the same input gives the same bytes on every
/// machine (numbers are written with std::to_chars, independent of the locale). Any text
/// (tokens, titles, series names) may hold any bytes: it is XML-escaped, invalid UTF-8
/// becomes U+FFFD and control characters are written as visible escapes (a newline as "\\n").
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/tensor.h"

namespace tinygpt::svg {

/// @brief Makes any bytes safe as SVG text or attribute value.
///
/// Escapes & < > " ' as entities; replaces bytes that are not valid UTF-8 (and the
/// non-characters U+FFFE, U+FFFF) with U+FFFD; writes control characters, which XML forbids
/// or turns into plain blanks, as visible C escapes in ASCII (every font has them): a
/// newline as the two characters "\\n", a tab "\\t", a carriage return "\\r", any other
/// control byte (and DEL) as "\\x00" .. "\\x1f", "\\x7f". A backslash stays as it is.
/// @param text any bytes.
/// @return valid UTF-8 that an XML parser reads back as the (visible) text.
std::string escape(std::string_view text);

/// @brief How a heatmap looks.
struct HeatmapOptions {
  std::string title;         ///< drawn above the picture; empty for none
  std::string row_title;     ///< names the rows' axis, e.g. "query"; empty for none
  std::string column_title;  ///< names the columns' axis, e.g. "key"; empty for none
  float cell_size = 24.0f;   ///< side of one cell in pixels, at least 2
  float min_value = 0.0f;    ///< value drawn white (smaller values are clamped to it)
  float max_value = 1.0f;    ///< value drawn darkest (larger values are clamped to it)
  /// Ignore min_value and max_value and use the smallest and largest value of the data.
  bool auto_range = false;
  /// Draw spaces in labels as "␣", so that " the" and "the" differ (tokens often start with
  /// a space).
  bool show_spaces = true;
  int max_label_chars = 16;  ///< longer labels are cut with "…" (the tooltip has them whole)
};

/// @brief A heatmap of a matrix: one square cell per value, coloured on a sequential scale
/// from white (min_value) to dark blue (max_value), row labels on the left, column labels
/// rotated below, a colour legend on the right, and a tooltip per cell with its labels and
/// value.
///
/// For attention weights: rows are the queries, columns the keys, both labelled with the
/// tokens. Throws Error for an empty matrix, label counts that do not match its shape, a
/// non-finite value, or an empty value range.
/// @param values (R, C) the values, finite.
/// @param row_labels R labels, top to bottom.
/// @param column_labels C labels, left to right.
/// @param options title, axis names, sizes and value range.
/// @return the SVG document.
std::string heatmap(ConstMatrixRef values, const std::vector<std::string>& row_labels,
                    const std::vector<std::string>& column_labels,
                    const HeatmapOptions& options = {});

/// @brief Several heatmaps of the same shape and labels in one picture: a grid with
/// `columns` panels per row, each with its caption, one shared colour scale and one legend.
///
/// For attention: one panel per (layer, head), panels in layer-major order, `columns` =
/// number of heads, captions such as "layer 0 head 1". The options' title heads the whole
/// picture.
/// @param maps P matrices of shape (R, C), finite, P >= 1.
/// @param captions P captions, one per panel (may be empty strings).
/// @param columns panels per row of the grid, at least 1.
/// @param row_labels R labels shared by every panel.
/// @param column_labels C labels shared by every panel.
/// @param options title, axis names, sizes and value range (auto_range spans all maps).
/// @return the SVG document.
std::string heatmap_grid(const std::vector<Matrix>& maps, const std::vector<std::string>& captions,
                         int columns, const std::vector<std::string>& row_labels,
                         const std::vector<std::string>& column_labels,
                         const HeatmapOptions& options = {});

/// @brief One point of a line chart.
struct Point {
  double x = 0.0;  ///< e.g. the training step
  double y = 0.0;  ///< e.g. the loss
};

/// @brief A named line of a chart, e.g. "train loss".
struct Series {
  std::string name;  ///< shown in the legend
  std::vector<Point>
      points;  ///< in drawing order; points with a NaN or infinite x or y are skipped
};

/// @brief How a line chart looks.
struct LineChartOptions {
  std::string title;    ///< drawn above the chart; empty for none
  std::string x_label;  ///< names the x axis, e.g. "step"
  std::string y_label;  ///< names the y axis, e.g. "loss"
  int width = 720;      ///< of the whole picture in pixels, at least 200
  int height = 420;     ///< of the whole picture in pixels, at least 150
};

/// @brief A line chart: one polyline per series (each in its own colour; the series may
/// have different x values and lengths), axes with "nice" ticks (steps of 1, 2 or 5 times a
/// power of ten) that cover all finite points, grid lines, axis labels, a legend and a
/// title. Throws Error when there is no series or no finite point at all.
/// @param series the lines, at most a few (colours repeat after ten).
/// @param options title, axis labels, size.
/// @return the SVG document.
std::string line_chart(const std::vector<Series>& series, const LineChartOptions& options = {});

/// @brief One bar of a timeline: something that occupies a row from start to end.
struct Bar {
  std::int64_t row = 0;  ///< the row, from 0 at the top
  double start = 0.0;    ///< where it begins on the x axis
  double end = 0.0;      ///< where it ends, > start
  std::string label;     ///< written inside the bar when it fits, and in its tooltip
  int colour = 0;        ///< which of ten colours (repeating)
};

/// @brief How a timeline looks.
struct TimelineOptions {
  std::string title;       ///< drawn above; empty for none
  std::string x_label;     ///< names the x axis, e.g. "engine step"
  std::string row_prefix;  ///< rows are labelled prefix + index, e.g. "slot 3"
  int width = 720;         ///< of the whole picture in pixels, at least 200
  int row_height = 28;     ///< pixels per row, at least 8
};

/// @brief A timeline (a Gantt chart): `rows` horizontal lanes, each bar drawn in its lane
/// from start to end, with an x axis of "nice" ticks. For an inference engine: a lane per
/// KV-cache slot, a bar per request from its admission to its end.
///
/// Throws Error for no rows, a bar in a row outside [0, rows), or a bar whose end is not
/// after its start.
/// @param bars the bars.
/// @param rows the number of lanes, at least 1.
/// @param options title, labels, size.
/// @return the SVG document.
std::string timeline(const std::vector<Bar>& bars, std::int64_t rows,
                     const TimelineOptions& options = {});

/// @brief One bar of a bar chart, with an optional interval drawn as an error bar.
struct BarValue {
  std::string label;   ///< written under the bar, e.g. a group's name
  double value = 0.0;  ///< the bar's height (negative values go down from 0), finite
  double low = NAN;    ///< the interval's lower end; NaN for no error bar
  double high = NAN;   ///< the interval's upper end; NaN for no error bar
};

/// @brief A block of bars side by side under one caption, e.g. the groups of one slice.
struct BarCategory {
  std::string label;           ///< written under the block
  std::vector<BarValue> bars;  ///< coloured by position: the i-th bar of every block alike
};

/// @brief How a bar chart looks.
struct BarChartOptions {
  std::string title;    ///< drawn above; empty for none
  std::string y_label;  ///< names the value axis, e.g. "positive rate"
  int width = 720;      ///< of the whole picture in pixels, at least 200
  int height = 420;     ///< of the whole picture in pixels, at least 150
};

/// @brief A grouped bar chart: one block per category, its bars side by side, each with
/// its label below it and its value (and interval) in a tooltip; error bars where an
/// interval is given; a value axis of "nice" ticks that covers 0, every value and every
/// interval. Throws Error when there is no bar, or a value or interval end is not finite
/// (NaN for "no interval" excepted) or an interval does not hold its value.
/// @param categories the blocks, in drawing order, each with at least one bar.
/// @param options title, axis label, size.
/// @return the SVG document.
std::string bar_chart(const std::vector<BarCategory>& categories,
                      const BarChartOptions& options = {});

/// @brief Tick values for an axis over [low, high]: multiples of a step of 1, 2 or 5 times a
/// power of ten, from the largest multiple <= low to the smallest multiple >= high, with
/// at most about `max_ticks` of them. An empty range (low == high) is widened around its
/// value first.
/// @param low smallest value to cover, finite.
/// @param high largest value to cover, finite, >= low.
/// @param max_ticks wanted number of ticks, at least 2.
/// @return the ticks, increasing; the first <= low, the last >= high.
std::vector<double> nice_ticks(double low, double high, int max_ticks = 6);

}  // namespace tinygpt::svg
