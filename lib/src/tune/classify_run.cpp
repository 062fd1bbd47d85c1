// Fine-tuning task classify (finetune_detail.h): a sequence classifier on reviews, scored
// against the keyword baseline per construction.
#include <algorithm>
#include <sstream>

#include "finetune_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/tune/classifier.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune::detail {

namespace {

// A head on the GPT's last token, trained on reviews.
class ClassifyRun final : public GptTaskRun {
 public:
  explicit ClassifyRun(const FinetuneConfig& config) : GptTaskRun(config) {
    models::PretrainedGpt& pretrained = pretrained_;
    std::vector<LabelledText> train = load_reviews(config.data, Split::kTrain);
    if (config.train_examples > 0 &&
        static_cast<std::size_t>(config.train_examples) < train.size()) {
      train.resize(static_cast<std::size_t>(config.train_examples));
    }
    TINYGPT_CHECK(!train.empty(), "--data ", config.data.string(), ": no training reviews");
    head_ = {"classification", label_set(train), "last"};
    if (pretrained.head) {
      TINYGPT_CHECK(pretrained.head->labels == head_.labels && pretrained.head->task == head_.task,
                    "--model ", config.model.string(), " already has a ", pretrained.head->task,
                    " head with other labels than the data's");
    } else {
      models::add_head_parameters(pretrained.model.parameters(), pretrained.model.config().width,
                                  head_, config.seed);
    }
    train_ = encode(train);
    dev_ = encode(load_reviews(config.data, Split::kDev));
    TINYGPT_CHECK(!dev_.sequences.empty(), "--data ", config.data.string(), ": no dev reviews");
  }

  std::string test_report(nlohmann::ordered_json& report) override;

  train::DataSize data_size() const override {
    return {static_cast<std::int64_t>(train_.sequences.size()), config_.batch, "reviews",
            config_.batch * train_.mean_length};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    for (std::int64_t row = 0; row < key.batch; ++row) {
      const std::size_t e = draw_example(key, row, train_.sequences.size());
      sequences.push_back(train_.sequences[e]);
      labels.push_back(train_.labels[e]);
    }
    batch_ = pad_batch(sequences, labels, context());
    return nn::softmax_cross_entropy(
        tape, classifier_logits(tape, pretrained_.model, batch_, head_.pooling, options),
        batch_.labels);
  }

  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::size_t e = static_cast<std::size_t>(first + row) % dev_.sequences.size();
      sequences.push_back(dev_.sequences[e]);
      labels.push_back(dev_.labels[e]);
    }
    batch_ = pad_batch(sequences, labels, context());
    const Tensor logits = classifier_logits(tape, pretrained_.model, batch_, head_.pooling);
    std::vector<std::int32_t> predicted;
    for (Eigen::Index row = 0; row < logits.matrix().rows(); ++row) {
      Eigen::Index best = 0;
      logits.matrix().row(row).maxCoeff(&best);
      predicted.push_back(static_cast<std::int32_t>(best));
    }
    return {{"loss", nn::softmax_cross_entropy(tape, logits, batch_.labels).item()},
            {"accuracy", accuracy(predicted, batch_.labels)}};
  }

  void save_model(const std::filesystem::path& folder) override {
    models::save_model_folder(folder, pretrained_.model.config(), pretrained_.model.parameters(),
                              pretrained_.tokenizer, head_, pretrained_.chat);
  }

 private:
  struct Encoded {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    std::int64_t mean_length = 0;
  };

  std::int64_t context() const {
    return config_.context > 0 ? config_.context : pretrained_.model.config().context_length;
  }

  Encoded encode(const std::vector<LabelledText>& examples) const {
    Encoded out;
    std::int64_t tokens = 0;
    for (const LabelledText& example : examples) {
      const auto label = std::find(head_.labels.begin(), head_.labels.end(), example.label);
      TINYGPT_CHECK(label != head_.labels.end(), example.id, ": label \"", example.label,
                    "\" is not among the training labels");
      out.sequences.push_back(pretrained_.tokenizer.encode(example.text));
      out.labels.push_back(static_cast<std::int32_t>(label - head_.labels.begin()));
      tokens += static_cast<std::int64_t>(out.sequences.back().size());
    }
    out.mean_length = examples.empty() ? 0 : tokens / static_cast<std::int64_t>(examples.size());
    return out;
  }

  models::TaskHead head_;
  Encoded train_;
  Encoded dev_;
  TextBatch batch_;  // kept until the next batch: the tape's views point into it
};

// The test split: the classifier against the keyword baseline, overall and per construction.
std::string ClassifyRun::test_report(nlohmann::ordered_json& report) {
  const models::TaskHead& head = head_;
  const std::vector<LabelledText> test = load_reviews(config_.data, Split::kTest);
  std::vector<std::string> texts;
  std::vector<std::int32_t> gold;
  std::vector<std::int32_t> keyword;
  const auto index_of = [&head](std::string_view label) {
    const auto found = std::find(head.labels.begin(), head.labels.end(), label);
    return found == head.labels.end() ? -1 : static_cast<std::int32_t>(found - head.labels.begin());
  };
  for (const LabelledText& example : test) {
    texts.push_back(example.text);
    gold.push_back(index_of(example.label));
    keyword.push_back(index_of(data::sentiment_name(data::keyword_sentiment(example.text))));
  }
  const std::vector<std::int32_t> predicted =
      classify(pretrained_.model, pretrained_.tokenizer, texts, head.pooling);
  const auto labels = static_cast<std::int32_t>(head.labels.size());
  std::ostringstream table;
  table << "| reviews (test) | n | model accuracy % [95% CI] | keyword accuracy % | model - "
           "keyword, points [95% CI] | model macro F1 |\n"
        << "|---|---:|---:|---:|---:|---:|\n";
  std::vector<std::string> groups = {"all"};
  for (const LabelledText& example : test) {
    if (std::find(groups.begin(), groups.end(), example.group) == groups.end())
      groups.push_back(example.group);
  }
  std::sort(groups.begin() + 1, groups.end());
  for (const std::string& group : groups) {
    std::vector<std::int32_t> p, g, k;
    for (std::size_t i = 0; i < test.size(); ++i) {
      if (group != "all" && test[i].group != group) continue;
      p.push_back(predicted[i]);
      g.push_back(gold[i]);
      k.push_back(keyword[i]);
    }
    const Interval model = bootstrap_mean(as_scores(p, g));
    const Interval difference = paired_bootstrap(as_scores(p, g), as_scores(k, g));
    const double f1 = macro_f1(p, g, labels);
    table << "| " << group << " | " << g.size() << " | " << percent(model) << " | "
          << percent(accuracy(k, g)) << " | " << percent(difference) << " | " << percent(f1)
          << " |\n";
    report["groups"][group] = {{"examples", g.size()},
                               {"accuracy", model.value},
                               {"accuracy_low", model.low},
                               {"accuracy_high", model.high},
                               {"macro_f1", f1},
                               {"keyword_accuracy", accuracy(k, g)},
                               {"difference", difference.value},
                               {"difference_low", difference.low},
                               {"difference_high", difference.high}};
  }
  return table.str();
}

}  // namespace

std::unique_ptr<TaskRun> classify_run(const FinetuneConfig& config) {
  return std::make_unique<ClassifyRun>(config);
}

}  // namespace tinygpt::tune::detail
