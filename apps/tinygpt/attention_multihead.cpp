// `tinygpt attention --multihead`: the steps of multi-head attention in a GPT's first layer,
// recomputed from its parameters with the library's ops and drawn as one SVG.
#include "attention_multihead.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/nn/attention.h"
#include "tinygpt/nn/embedding.h"
#include "tinygpt/nn/layernorm.h"
#include "tinygpt/nn/linear.h"
#include "tinygpt/nn/positions.h"

namespace tinygpt::cli {
namespace {

// The steps of multi-head attention in a GPT's first layer, recomputed from its parameters
// with the library's ops:
//   x = wte[ids] + positions, h = ln_1(x), [Q K V] = h W_qkv + b          (T, 3C)
//   head_i = softmax(Q_i K_i^T / sqrt(D) + causal mask) V_i               (T, D) each
//   out = concat(head_0 .. head_{H-1}) W_O + b_O                          (T, C)

struct MultiHead {
  std::vector<Matrix> probs;   // H of (T, T): each head's attention weights
  std::vector<Matrix> heads;   // H of (T, D): each head's output
  Matrix concat;               // (T, C): the heads side by side
  Matrix out;                  // (T, C): after the output projection
  Matrix share;                // (T, H): each head's part of |out - b_O|, by norms
  float probs_difference = 0;  // largest |difference| from the weights the model recorded
};

MultiHead first_layer(models::Gpt& gpt, std::span<const std::int32_t> ids,
                      const models::AttentionMap& recorded) {
  const models::ModelConfig& config = gpt.config();
  ParameterSet& p = gpt.parameters();
  const std::int64_t time = static_cast<std::int64_t>(ids.size());
  const std::int64_t width = config.width;
  const std::int64_t heads = config.heads;
  const std::int64_t d = width / heads;
  Tape tape;
  const NoGradGuard no_grad(tape);
  Matrix sinusoidal;
  Tensor table;
  if (config.positions == models::Positions::kLearned) {
    table = p.tensor("wpe.weight");
  } else {
    sinusoidal.resize(config.context_length, width);
    nn::sinusoidal_positions(sinusoidal);
    table = Tensor{Shape{config.context_length, width}, sinusoidal.data(), nullptr};
  }
  const auto bias = [&](const std::string& name) {
    return config.bias ? p.tensor(name) : Tensor{};
  };
  const Tensor tokens = nn::embedding(tape, p.tensor("wte.weight"), ids).reshaped({1, time, width});
  const Tensor x = nn::add_positions(tape, tokens, table);
  const Tensor h = nn::layernorm(tape, x, p.tensor("h.0.ln_1.weight"), p.tensor("h.0.ln_1.bias"));
  const Tensor qkv =
      nn::linear(tape, h, p.tensor("h.0.attn.c_attn.weight"), bias("h.0.attn.c_attn.bias"));

  // Split each of Q, K, V into H (T, D) slices, attend per head, merge.
  const MatrixMap fused = qkv.matrix();
  Matrix q(heads * time, d), k(heads * time, d), v(heads * time, d);
  nn::split_heads_forward(q, fused.leftCols(width), 1, heads);
  nn::split_heads_forward(k, fused.middleCols(width, width), 1, heads);
  nn::split_heads_forward(v, fused.rightCols(width), 1, heads);
  Matrix outputs(heads * time, d);
  MultiHead result;
  for (std::int64_t i = 0; i < heads; ++i) {
    Matrix probs(time, time);
    nn::attention_forward(outputs.middleRows(i * time, time), probs, q.middleRows(i * time, time),
                          k.middleRows(i * time, time), v.middleRows(i * time, time),
                          /*causal=*/true, {});
    result.probs_difference = std::max(result.probs_difference,
                                       (probs - head_weights(recorded, i)).cwiseAbs().maxCoeff());
    result.probs.push_back(probs);
    result.heads.push_back(outputs.middleRows(i * time, time));
  }
  result.concat.resize(time, width);
  nn::merge_heads_forward(result.concat, outputs, 1, heads);

  const MatrixMap w_o = p.tensor("h.0.attn.c_proj.weight").matrix();
  result.out = result.concat * w_o;
  if (config.bias) result.out.rowwise() += p.tensor("h.0.attn.c_proj.bias").matrix().row(0);
  // out - b_O is the sum over heads of head_i W_O[iD : iD + D, :]: head i's contribution.
  result.share.resize(time, heads);
  for (std::int64_t i = 0; i < heads; ++i) {
    const Matrix part = result.heads[i] * w_o.middleRows(i * d, d);
    result.share.col(i) = part.rowwise().norm();
  }
  for (std::int64_t t = 0; t < time; ++t) result.share.row(t) /= result.share.row(t).sum();
  return result;
}

// Places standalone SVG documents one below the other in one document, under a title.
std::string stack_figures(const std::vector<std::string>& figures, const std::string& title) {
  const auto attribute = [](const std::string& svg, const std::string& name) {
    const std::size_t root = svg.find("<svg ");
    const std::size_t at = svg.find(" " + name + "=\"", root);
    TINYGPT_CHECK(root != std::string::npos && at != std::string::npos,
                  "stack_figures: a figure without <svg ", name, ">");
    return std::stod(svg.substr(at + name.size() + 3));
  };
  double width = 0.0, height = 40.0;
  std::string body;
  for (const std::string& figure : figures) {
    std::string inner = figure.substr(figure.find("<svg "));
    inner.replace(0, 5, "<svg x=\"0\" y=\"" + std::to_string(static_cast<int>(height)) + "\" ");
    body += inner;
    width = std::max(width, attribute(figure, "width"));
    height += attribute(figure, "height");
  }
  const std::string w = std::to_string(static_cast<int>(std::ceil(width)));
  const std::string h = std::to_string(static_cast<int>(std::ceil(height)));
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
         w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
         "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
         "<rect x=\"0\" y=\"0\" width=\"" +
         w + "\" height=\"" + h +
         "\" fill=\"#ffffff\"/>\n"
         "<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">" +
         svg::escape(title) + "</text>\n" + body + "</svg>\n";
}

}  // namespace

void write_multihead(models::ModelFolder& folder, std::span<const std::int32_t> ids,
                     const models::AttentionMap& recorded, const MultiheadPicture& picture_args) {
  auto& gpt = std::get<models::Gpt>(folder.model);
  const MultiHead m = first_layer(gpt, ids, recorded);
  const std::int64_t heads = gpt.config().heads;
  const std::int64_t d = gpt.config().width / heads;
  const std::int64_t shown = std::min<std::int64_t>(picture_args.dims, d);
  const std::vector<std::string> tokens = token_texts(folder.tokenizer, ids);

  std::vector<Matrix> panels;
  std::vector<std::string> weight_captions, captions, head_columns, concat_columns, out_columns,
      head_names;
  Matrix concat(ids.size(), heads * shown);
  for (std::int64_t i = 0; i < heads; ++i) {
    panels.push_back(m.heads[i].leftCols(shown));
    captions.push_back("head " + std::to_string(i));
    concat.middleCols(i * shown, shown) = m.concat.middleCols(i * d, shown);
    head_names.push_back("head " + std::to_string(i));
    weight_captions.push_back("P" + std::to_string(i));
  }
  for (std::int64_t c = 0; c < shown; ++c) head_columns.push_back(std::to_string(c));
  for (std::int64_t i = 0; i < heads; ++i)
    for (std::int64_t c = 0; c < shown; ++c)
      concat_columns.push_back("h" + std::to_string(i) + ":" + std::to_string(i * d + c));
  for (std::int64_t c = 0; c < heads * shown; ++c) out_columns.push_back(std::to_string(c));
  const float low = std::min(concat.minCoeff(), m.concat.minCoeff());
  const float high = std::max(concat.maxCoeff(), m.concat.maxCoeff());
  const std::string of =
      " (first " + std::to_string(shown) + " of each head's " + std::to_string(d) + ")";
  const svg::HeatmapOptions options{
      .row_title = "token", .cell_size = 16.0f, .min_value = low, .max_value = high};
  auto weights_options = options;
  weights_options.title = "1. each head's weights P_i = softmax(Q_i K_i^T / sqrt(D) + M), (T, T)";
  weights_options.column_title = "key";
  weights_options.min_value = 0.0f;
  weights_options.max_value = 1.0f;
  auto heads_options = options;
  heads_options.title = "2. each head's output head_i = P_i V_i, (T, D = C/H)" + of;
  heads_options.column_title = "dimension of the head";
  auto concat_options = options;
  concat_options.title = "3. concatenated, (T, C): head i fills columns iD .. iD + D - 1" + of;
  concat_options.column_title = "head : column";
  auto out_options = options;
  out_options.title = "4. times W_O (C, C) plus b_O: every column mixes all heads" +
                      std::string(" (first ") + std::to_string(heads * shown) + " of " +
                      std::to_string(gpt.config().width) + ")";
  out_options.column_title = "column";
  out_options.auto_range = true;
  auto share_options = options;
  share_options.title =
      "5. each head's share of the output: |head_i W_O[iD .. iD + D - 1, :]|, divided by the sum";
  share_options.column_title = "";
  share_options.cell_size = 24.0f;
  share_options.min_value = 0.0f;
  share_options.max_value = 1.0f;
  share_options.show_spaces = false;
  const std::string picture =
      stack_figures({svg::heatmap_grid(m.probs, weight_captions, static_cast<int>(heads), tokens,
                                       tokens, weights_options),
                     svg::heatmap_grid(panels, captions, static_cast<int>(heads), tokens,
                                       head_columns, heads_options),
                     svg::heatmap(concat, tokens, concat_columns, concat_options),
                     svg::heatmap(m.out.leftCols(heads * shown), tokens, out_columns, out_options),
                     svg::heatmap(m.share, tokens, head_names, share_options)},
                    "Multi-head attention in layer 0: \"" + picture_args.prompt + "\"");
  write_file_atomically(picture_args.out, picture);
  std::cout << "wrote layer 0's " << heads << " heads, their concatenation and the output to "
            << picture_args.out << "\n"
            << "recomputed attention weights differ from the model's by at most "
            << m.probs_difference << "\nmean share of the output per head:";
  std::cout << std::fixed << std::setprecision(3);
  for (std::int64_t i = 0; i < heads; ++i) std::cout << " " << m.share.col(i).mean();
  std::cout << std::defaultfloat;
  std::cout << "\n";
}

}  // namespace tinygpt::cli
