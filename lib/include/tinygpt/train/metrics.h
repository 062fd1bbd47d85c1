/// @file metrics.h
/// @brief Reading a run's metrics.jsonl back (loop.h writes it), to draw or compare runs.
///
///     svg::Series curve = read_metric_series("runs/adamw/metrics.jsonl", "tokens", "val_loss");
///     curve.name = "AdamW";
///
/// `tinygpt plot` draws several runs this way in one chart.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "tinygpt/core/svg.h"

namespace tinygpt::train {

/// @brief One field of a run's metrics against another: a point per line that has both
/// (validation fields appear on evaluation steps only).
///
/// Throws Error naming the file and the line when the file cannot be read, a line is not a
/// JSON object or a field is not a number, and when no line has both fields (the message
/// lists the fields the file has).
/// @param metrics a metrics.jsonl.
/// @param x the field along x, e.g. "step", "tokens" or "train_s".
/// @param y the field along y, e.g. "loss" or "val_loss".
/// @param smooth the number of lines a y is averaged over (a trailing moving average; 1:
///        none), at least 1: a step's training loss is noisy.
/// @return the points, in the file's order, with the name `y`.
svg::Series read_metric_series(const std::filesystem::path& metrics, std::string_view x,
                               std::string_view y, std::int64_t smooth = 1);

}  // namespace tinygpt::train
