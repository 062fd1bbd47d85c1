// Grouped bar charts as SVG text: blocks of bars on a shared value axis (per-group figures
// of a fairness report, one block per slice), with error bars for intervals.
#include <algorithm>
#include <cmath>

#include "svg_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/svg.h"

namespace tinygpt::svg {

using namespace detail;

std::string bar_chart(const std::vector<BarCategory>& categories, const BarChartOptions& options) {
  TINYGPT_CHECK(options.width >= 200 && options.height >= 150,
                "svg::bar_chart: the chart must be at least 200 x 150 pixels, got ", options.width,
                " x ", options.height);
  // The value axis covers 0 (a bar starts there), every value and every interval end.
  double low = 0.0, high = 0.0;
  std::size_t bar_count = 0;
  for (std::size_t c = 0; c < categories.size(); ++c) {
    for (std::size_t b = 0; b < categories[c].bars.size(); ++b) {
      const BarValue& bar = categories[c].bars[b];
      TINYGPT_CHECK(std::isfinite(bar.value), "svg::bar_chart: bar ", b, " of category ", c,
                    " has the value ", bar.value, "; values must be finite");
      const bool interval = !std::isnan(bar.low) || !std::isnan(bar.high);
      if (interval) {
        TINYGPT_CHECK(std::isfinite(bar.low) && std::isfinite(bar.high) && bar.low <= bar.value &&
                          bar.value <= bar.high,
                      "svg::bar_chart: bar ", b, " of category ", c, " has the interval [", bar.low,
                      ", ", bar.high, "] around ", bar.value,
                      "; give finite ends around the value, or NaN for none");
        low = std::min(low, bar.low), high = std::max(high, bar.high);
      }
      low = std::min(low, bar.value), high = std::max(high, bar.value);
      ++bar_count;
    }
  }
  TINYGPT_CHECK(bar_count > 0, "svg::bar_chart: there are no bars to draw");
  const std::vector<double> ticks = nice_ticks(low, high, 8);
  const int decimals = decimals_for_step(ticks[1] - ticks[0]);
  std::size_t tick_chars = 1;
  for (const double y : ticks) tick_chars = std::max(tick_chars, number(y, decimals).size());

  // Layout: title on top, ticks and the axis label on the left; under the plot, each bar's
  // label and then each block's caption. Blocks are as wide as their bars, with a gap of
  // one bar between blocks.
  const std::string title = escape(options.title);
  const std::string y_label = escape(options.y_label);
  const double width = options.width, height = options.height;
  const double left = 12.0 + (y_label.empty() ? 0.0 : 20.0) + 7.0 * tick_chars + 8.0;
  const double right = width - 16.0;
  const double top = title.empty() ? 16.0 : 42.0;
  const double bottom = height - 44.0;
  const double slots = static_cast<double>(bar_count + categories.size() + 1);
  const double slot = (right - left) / slots;
  TINYGPT_CHECK(slot >= 4.0, "svg::bar_chart: ", bar_count, " bars do not fit in ", options.width,
                " pixels; make the chart wider");
  const auto map_y = [&](double y) {
    return bottom - (y - ticks.front()) / (ticks.back() - ticks.front()) * (bottom - top);
  };

  std::string out;
  begin_document(out, width, height);
  if (!title.empty()) write_title(out, title, (left + right) / 2, 26);
  out += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n";
  for (const double y : ticks) {
    out += "<line x1=\"" + px(left) + "\" y1=\"" + px(map_y(y)) + "\" x2=\"" + px(right) +
           "\" y2=\"" + px(map_y(y)) + "\"/>\n";
  }
  out += "</g>\n<g font-size=\"11\" fill=\"#333333\">\n";
  for (const double y : ticks) {
    out += "<text class=\"tick-y\" x=\"" + px(left - 6) + "\" y=\"" + px(map_y(y)) +
           "\" dy=\"0.35em\" text-anchor=\"end\">" + number(y, decimals) + "</text>\n";
  }
  out += "</g>\n";
  if (!y_label.empty()) {
    const double cy = (top + bottom) / 2;
    out += "<text class=\"axis-title\" x=\"18\" y=\"" + px(cy) +
           "\" text-anchor=\"middle\" transform=\"rotate(-90 18 " + px(cy) + ")\">" + y_label +
           "</text>\n";
  }

  // Bars from 0 to their value, an error bar over each interval, labels below.
  const double zero = map_y(0.0);
  const double label_font = std::clamp(0.28 * slot, 7.0, 11.0);
  const int label_chars = std::max(3, static_cast<int>(slot / (0.6 * label_font)));
  double x = left + slot;
  for (const BarCategory& category : categories) {
    const double block_left = x;
    for (std::size_t b = 0; b < category.bars.size(); ++b, x += slot) {
      const BarValue& bar = category.bars[b];
      const Label label = make_label(bar.label, false, label_chars);
      const bool interval = std::isfinite(bar.low);
      const double y0 = std::min(zero, map_y(bar.value)), y1 = std::max(zero, map_y(bar.value));
      std::string tooltip = label.whole + ": " + number(bar.value, 4);
      if (interval) tooltip += " [" + number(bar.low, 4) + ", " + number(bar.high, 4) + "]";
      out += "<g class=\"bar\"><title>" + tooltip + "</title><rect x=\"" + px(x + 0.1 * slot) +
             "\" y=\"" + px(y0) + "\" width=\"" + px(0.8 * slot) + "\" height=\"" +
             px(std::max(y1 - y0, 0.5)) + "\" fill=\"" + kSeriesColours[b % kSeriesColours.size()] +
             "\"/>";
      if (interval) {
        const double cx = x + 0.5 * slot, cap = 0.15 * slot;
        const double ylow = map_y(bar.low), yhigh = map_y(bar.high);
        out += "<path class=\"interval\" d=\"M" + px(cx) + " " + px(ylow) + "V" + px(yhigh) + "M" +
               px(cx - cap) + " " + px(ylow) + "H" + px(cx + cap) + "M" + px(cx - cap) + " " +
               px(yhigh) + "H" + px(cx + cap) +
               "\" stroke=\"#222222\" stroke-width=\"1.2\" "
               "fill=\"none\"/>";
      }
      out += "</g>\n<text x=\"" + px(x + 0.5 * slot) + "\" y=\"" + px(bottom + 14) +
             "\" text-anchor=\"middle\" font-size=\"" + px(label_font) + "\">" + label.text +
             "</text>\n";
    }
    out += "<text class=\"category\" x=\"" + px((block_left + x) / 2) + "\" y=\"" +
           px(bottom + 32) + "\" text-anchor=\"middle\" font-weight=\"bold\">" +
           escape(category.label) + "</text>\n";
    x += slot;
  }
  out += "<line x1=\"" + px(left) + "\" y1=\"" + px(zero) + "\" x2=\"" + px(right) + "\" y2=\"" +
         px(zero) + "\" stroke=\"#444444\"/>\n";
  end_document(out);
  return out;
}

}  // namespace tinygpt::svg
