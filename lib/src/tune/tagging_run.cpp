// Fine-tuning task tokens (finetune_detail.h): named-entity tagging with an encoder, BIO
// tags on the byte-level tokens, scored by CoNLL's span-level precision, recall and F1.
#include <algorithm>
#include <set>
#include <sstream>

#include "finetune_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/linear.h"
#include "tinygpt/tune/tagging.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune::detail {

namespace {

// One sentence as the encoder reads it: [CLS] tokens [SEP], a tag index per position
// (-1 on [CLS] and [SEP], which carry no tag).
struct TaggedTokens {
  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> tags;
};

// A batch: ids, padding mask and targets (-1 on padding), B x T.
struct TagBatch {
  std::int64_t batch = 0;
  std::int64_t time = 0;
  std::vector<std::int32_t> ids;
  std::vector<std::uint8_t> mask;
  std::vector<std::int32_t> targets;
};

class TaggingRun final : public ModelTaskRun {
 public:
  explicit TaggingRun(const FinetuneConfig& config)
      : ModelTaskRun(config), encoder_(&std::get<models::Encoder>(folder_.model)) {
    for (const char* special : {"[CLS]", "[SEP]"}) {
      TINYGPT_CHECK(folder_.tokenizer.has_special(special), "--model ", config.model.string(),
                    ": the tokenizer has no ", special,
                    " (an encoder's tokenizer from `tinygpt train` has it)");
    }
    cls_ = folder_.tokenizer.special_id("[CLS]");
    sep_ = folder_.tokenizer.special_id("[SEP]");
    std::vector<TaggedSentence> train = load_entities(config.data, Split::kTrain);
    if (config.train_examples > 0 &&
        static_cast<std::size_t>(config.train_examples) < train.size()) {
      train.resize(static_cast<std::size_t>(config.train_examples));
    }
    TINYGPT_CHECK(!train.empty(), "--data ", config.data.string(), ": no training sentences");
    std::set<std::string> labels;
    for (const TaggedSentence& sentence : train) {
      for (const TaggedSpan& span : sentence.spans) labels.insert(span.label);
    }
    const std::vector<std::string> entity_labels(labels.begin(), labels.end());
    head_ = {"tagging", bio_tag_set(entity_labels), ""};
    if (folder_.head) {
      TINYGPT_CHECK(folder_.head->task == "tagging" && folder_.head->labels == head_.labels,
                    "--model ", config.model.string(), " already has a ", folder_.head->task,
                    " head with other labels than the data's");
    } else {
      models::add_head_parameters(encoder_->parameters(), encoder_->config().width, head_,
                                  config.seed);
      folder_.head = head_;
    }
    for (const TaggedSentence& sentence : train) train_.push_back(encode(sentence));
    for (const TaggedSentence& sentence : load_entities(config.data, Split::kDev))
      dev_.push_back(encode(sentence));
    TINYGPT_CHECK(!dev_.empty(), "--data ", config.data.string(), ": no dev sentences");
    attach_adapter();
  }

  std::string test_report(nlohmann::ordered_json& report) override;

  train::DataSize data_size() const override {
    std::int64_t tokens = 0;
    for (const TaggedTokens& sentence : train_)
      tokens += static_cast<std::int64_t>(sentence.ids.size());
    return {static_cast<std::int64_t>(train_.size()), config_.batch, "sentences",
            config_.batch * tokens / static_cast<std::int64_t>(train_.size())};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    std::vector<const TaggedTokens*> rows;
    for (std::int64_t row = 0; row < key.batch; ++row)
      rows.push_back(&train_[draw_example(key, row, train_.size())]);
    batch_ = make_batch(rows);
    return nn::softmax_cross_entropy(tape, logits(tape, run(options)), batch_.targets);
  }

  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    std::vector<const TaggedTokens*> batch;
    for (std::int64_t row = 0; row < rows; ++row)
      batch.push_back(&dev_[static_cast<std::size_t>(first + row) % dev_.size()]);
    batch_ = make_batch(batch);
    return {
        {"loss", nn::softmax_cross_entropy(tape, logits(tape, run({})), batch_.targets).item()}};
  }

 private:
  TaggedTokens encode(const TaggedSentence& sentence) const {
    const std::vector<std::int32_t> tokens = folder_.tokenizer.encode(sentence.text);
    // A byte-level token's bytes are a run of the sentence's: their lengths give the ranges.
    std::vector<ByteRange> ranges;
    int at = 0;
    for (const std::int32_t id : tokens) {
      const int length = static_cast<int>(folder_.tokenizer.token_bytes(id).size());
      ranges.push_back({at, at + length});
      at += length;
    }
    const std::vector<std::string> tags = bio_tags(ranges, sentence.spans);
    TaggedTokens out{{cls_}, {-1}};
    const auto room = static_cast<std::size_t>(text_context() - 2);
    for (std::size_t t = 0; t < tokens.size() && t < room; ++t) {
      out.ids.push_back(tokens[t]);
      out.tags.push_back(static_cast<std::int32_t>(
          std::find(head_.labels.begin(), head_.labels.end(), tags[t]) - head_.labels.begin()));
      TINYGPT_CHECK(out.tags.back() < static_cast<std::int32_t>(head_.labels.size()), sentence.id,
                    ": tag ", tags[t], " is not among the training tags");
    }
    out.ids.push_back(sep_);
    out.tags.push_back(-1);
    return out;
  }

  static TagBatch make_batch(std::span<const TaggedTokens* const> rows) {
    TagBatch out;
    out.batch = static_cast<std::int64_t>(rows.size());
    for (const TaggedTokens* row : rows)
      out.time = std::max(out.time, static_cast<std::int64_t>(row->ids.size()));
    const auto size = static_cast<std::size_t>(out.batch * out.time);
    out.ids.assign(size, 0);
    out.mask.assign(size, 0);
    out.targets.assign(size, -1);
    for (std::int64_t b = 0; b < out.batch; ++b) {
      const TaggedTokens& row = *rows[b];
      std::copy(row.ids.begin(), row.ids.end(), out.ids.begin() + b * out.time);
      std::copy(row.tags.begin(), row.tags.end(), out.targets.begin() + b * out.time);
      std::fill_n(out.mask.begin() + b * out.time, row.ids.size(), std::uint8_t{1});
    }
    return out;
  }

  // (B*T, K) tag scores of batch_.
  Tensor logits(Tape& tape, const models::RunOptions& options) {
    const models::EncoderOutput out =
        encoder_->forward(tape, batch_.ids, {}, batch_.batch, batch_.mask, options);
    ParameterSet& parameters = encoder_->parameters();
    return nn::linear(tape, out.hidden, parameters.tensor("head.weight"),
                      parameters.tensor("head.bias"));
  }

  models::Encoder* encoder_;
  models::TaskHead head_;
  std::int32_t cls_ = 0;
  std::int32_t sep_ = 0;
  std::vector<TaggedTokens> train_;
  std::vector<TaggedTokens> dev_;
  TagBatch batch_;  // kept until the next batch: the tape's views point into it
};

// Span-level precision, recall and F1 on the test split, per entity label and in all.
std::string TaggingRun::test_report(nlohmann::ordered_json& report) {
  std::vector<std::vector<std::string>> predicted;
  std::vector<std::vector<std::string>> gold;
  const std::vector<TaggedSentence> test = load_entities(config_.data, Split::kTest);
  std::vector<TaggedTokens> encoded;
  for (const TaggedSentence& sentence : test) encoded.push_back(encode(sentence));
  Tape tape;
  const NoGradGuard no_grad(tape);
  constexpr std::size_t kBatch = 32;
  for (std::size_t first = 0; first < encoded.size(); first += kBatch) {
    std::vector<const TaggedTokens*> rows;
    for (std::size_t i = first; i < std::min(encoded.size(), first + kBatch); ++i)
      rows.push_back(&encoded[i]);
    batch_ = make_batch(rows);
    tape.reset();
    const MatrixMap scores = logits(tape, run({})).matrix();
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::vector<std::string> p;
      std::vector<std::string> g;
      for (std::size_t t = 0; t < rows[r]->ids.size(); ++t) {
        if (rows[r]->tags[t] < 0) continue;  // [CLS], [SEP]
        Eigen::Index best = 0;
        scores.row(static_cast<Eigen::Index>(r * batch_.time + t)).maxCoeff(&best);
        p.push_back(head_.labels[static_cast<std::size_t>(best)]);
        g.push_back(head_.labels[static_cast<std::size_t>(rows[r]->tags[t])]);
      }
      predicted.push_back(std::move(p));
      gold.push_back(std::move(g));
    }
  }
  std::set<std::string> labels;
  for (const std::string& tag : head_.labels) {
    if (tag != "O") labels.insert(tag.substr(2));
  }
  std::vector<std::string> rows = {""};
  rows.insert(rows.end(), labels.begin(), labels.end());
  std::ostringstream table;
  table << "| entities (test) | gold | predicted | precision % | recall % | F1 % |\n"
        << "|---|---:|---:|---:|---:|---:|\n";
  for (const std::string& label : rows) {
    SpanScores scores;
    for (std::size_t s = 0; s < gold.size(); ++s)
      add_span_scores(predicted[s], gold[s], label, scores);
    const std::string name = label.empty() ? "all" : label;
    table << "| " << name << " | " << scores.gold << " | " << scores.predicted << " | "
          << percent(scores.precision()) << " | " << percent(scores.recall()) << " | "
          << percent(scores.f1()) << " |\n";
    report["entities"][name] = {{"gold", scores.gold},       {"predicted", scores.predicted},
                                {"right", scores.right},     {"precision", scores.precision()},
                                {"recall", scores.recall()}, {"f1", scores.f1()}};
  }
  return table.str();
}

}  // namespace

std::unique_ptr<TaskRun> tagging_run(const FinetuneConfig& config) {
  return std::make_unique<TaggingRun>(config);
}

}  // namespace tinygpt::tune::detail
