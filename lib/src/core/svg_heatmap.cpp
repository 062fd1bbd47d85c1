// Heatmaps as SVG text: one matrix, or a grid of panels that share labels and a colour
// scale (attention weights per layer and head).
#include <algorithm>
#include <cmath>

#include "svg_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/svg.h"

namespace tinygpt::svg {
namespace {

using namespace detail;

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

}  // namespace tinygpt::svg
