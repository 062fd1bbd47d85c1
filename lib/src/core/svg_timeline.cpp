// Timelines as SVG text: lanes of bars on a shared x axis (an engine's slots over its steps).
#include <algorithm>
#include <cmath>

#include "svg_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/svg.h"

namespace tinygpt::svg {

using namespace detail;

std::string timeline(const std::vector<Bar>& bars, std::int64_t rows,
                     const TimelineOptions& options) {
  TINYGPT_CHECK(rows >= 1, "svg::timeline: rows must be at least 1, got ", rows);
  TINYGPT_CHECK(options.width >= 200 && options.row_height >= 8,
                "svg::timeline: the picture must be at least 200 pixels wide and 8 per row, got ",
                options.width, " and ", options.row_height);
  double low = 0.0, high = 1.0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    TINYGPT_CHECK(bar.row >= 0 && bar.row < rows, "svg::timeline: bar ", i, " is in row ", bar.row,
                  ", outside [0, ", rows, ")");
    TINYGPT_CHECK(std::isfinite(bar.start) && std::isfinite(bar.end) && bar.end > bar.start,
                  "svg::timeline: bar ", i, " runs from ", bar.start, " to ", bar.end,
                  "; its end must come after its start");
    low = i == 0 ? bar.start : std::min(low, bar.start);
    high = i == 0 ? bar.end : std::max(high, bar.end);
  }
  const std::vector<double> ticks = nice_ticks(low, high, 10);
  const std::string title = escape(options.title);
  const std::string x_label = escape(options.x_label);
  const double row_height = options.row_height;
  const double font = std::clamp(0.45 * row_height, 8.0, 12.0);
  const std::string last_row = options.row_prefix + std::to_string(rows - 1);
  const double left = 12.0 + sans_width(last_row, 12.0);
  const double right = options.width - 16.0;
  const double top = title.empty() ? 12.0 : 40.0;
  const double bottom = top + row_height * static_cast<double>(rows);
  const double height = bottom + (x_label.empty() ? 28.0 : 48.0);
  const auto map_x = [&](double x) {
    return left + (x - ticks.front()) / (ticks.back() - ticks.front()) * (right - left);
  };

  std::string out;
  begin_document(out, options.width, height);
  if (!title.empty()) write_title(out, title, (left + right) / 2, 26);
  // Lanes: alternate light bands, each with its label on the left.
  for (std::int64_t row = 0; row < rows; ++row) {
    const double y = top + row_height * static_cast<double>(row);
    if (row % 2 == 0) {
      out += "<rect x=\"" + px(left) + "\" y=\"" + px(y) + "\" width=\"" + px(right - left) +
             "\" height=\"" + px(row_height) + "\" fill=\"#f4f4f4\"/>\n";
    }
    out += "<text x=\"" + px(left - 6) + "\" y=\"" + px(y + row_height / 2 + 4) +
           "\" text-anchor=\"end\">" + escape(options.row_prefix + std::to_string(row)) +
           "</text>\n";
  }
  // Ticks and grid lines.
  const int decimals = decimals_for_step(ticks[1] - ticks[0]);
  for (const double x : ticks) {
    out += "<line x1=\"" + px(map_x(x)) + "\" y1=\"" + px(top) + "\" x2=\"" + px(map_x(x)) +
           "\" y2=\"" + px(bottom) + "\" stroke=\"#dddddd\"/>\n";
    out += "<text x=\"" + px(map_x(x)) + "\" y=\"" + px(bottom + 16) +
           "\" text-anchor=\"middle\">" + number(x, decimals) + "</text>\n";
  }
  if (!x_label.empty()) {
    out += "<text x=\"" + px((left + right) / 2) + "\" y=\"" + px(bottom + 38) +
           "\" text-anchor=\"middle\">" + x_label + "</text>\n";
  }
  // Bars, with their label inside when it fits.
  for (const Bar& bar : bars) {
    const double x0 = map_x(bar.start), x1 = map_x(bar.end);
    const double y = top + row_height * static_cast<double>(bar.row) + 3;
    const std::string label = escape(bar.label);
    const char* colour =
        kSeriesColours[static_cast<std::size_t>(bar.colour) % kSeriesColours.size()];
    out += "<g><title>" + label + "</title><rect x=\"" + px(x0) + "\" y=\"" + px(y) +
           "\" width=\"" + px(x1 - x0) + "\" height=\"" + px(row_height - 6) +
           "\" rx=\"3\" fill=\"" + colour + "\"/>";
    if (sans_width(label, font) + 6 <= x1 - x0) {
      out += "<text x=\"" + px((x0 + x1) / 2) + "\" y=\"" +
             px(y + (row_height - 6) / 2 + font / 3) +
             "\" text-anchor=\"middle\" fill=\"#ffffff\" font-size=\"" + px(font) + "\">" + label +
             "</text>";
    }
    out += "</g>\n";
  }
  end_document(out);
  return out;
}

}  // namespace tinygpt::svg
