// Fine-tuning task classify (finetune_detail.h): a sequence classifier on reviews, a GPT
// reading the last token or an encoder its first ([CLS]), scored against the keyword
// baseline per construction.
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

// A head on a GPT's last token or an encoder's first, trained on reviews.
class ClassifyRun final : public ModelTaskRun {
 public:
  explicit ClassifyRun(const FinetuneConfig& config) : ModelTaskRun(config) {
    const bool encoder = std::holds_alternative<models::Encoder>(folder_.model);
    if (encoder) {
      // BERT's input: [CLS] text [SEP], the head reading [CLS] (classifier_tokens()).
      for (const char* special : {"[CLS]", "[SEP]"}) {
        TINYGPT_CHECK(folder_.tokenizer.has_special(special), "--model ", config.model.string(),
                      ": the encoder's tokenizer has no ", special);
      }
    }
    std::vector<LabelledText> train = load_reviews(config.data, Split::kTrain);
    if (config.train_examples > 0 &&
        static_cast<std::size_t>(config.train_examples) < train.size()) {
      train.resize(static_cast<std::size_t>(config.train_examples));
    }
    TINYGPT_CHECK(!train.empty(), "--data ", config.data.string(), ": no training reviews");
    head_ = {"classification", label_set(train), encoder ? "first" : "last"};
    if (folder_.head) {
      TINYGPT_CHECK(folder_.head->labels == head_.labels && folder_.head->task == head_.task,
                    "--model ", config.model.string(), " already has a ", folder_.head->task,
                    " head with other labels than the data's");
    } else {
      models::add_head_parameters(folder_.parameters(), folder_.config.width, head_, config.seed);
      folder_.head = head_;
    }
    train_ = encode(train);
    dev_ = encode(load_reviews(config.data, Split::kDev));
    TINYGPT_CHECK(!dev_.sequences.empty(), "--data ", config.data.string(), ": no dev reviews");
    attach_adapter();
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
    batch_ = pad_batch(sequences, labels, text_context());
    return nn::softmax_cross_entropy(tape, logits(tape, run(options)), batch_.labels);
  }

  train::Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::size_t e = static_cast<std::size_t>(first + row) % dev_.sequences.size();
      sequences.push_back(dev_.sequences[e]);
      labels.push_back(dev_.labels[e]);
    }
    batch_ = pad_batch(sequences, labels, text_context());
    const Tensor scores = logits(tape, run({}));
    return {{"loss", nn::softmax_cross_entropy(tape, scores, batch_.labels).item()},
            {"accuracy", accuracy(best_labels(scores), batch_.labels)}};
  }

 private:
  struct Encoded {
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::int32_t> labels;
    std::int64_t mean_length = 0;
  };

  // (B, K) scores of batch_.
  Tensor logits(Tape& tape, const models::RunOptions& options) {
    return folder_classifier_logits(tape, folder_, batch_, head_.pooling, options);
  }

  Encoded encode(const std::vector<LabelledText>& examples) const {
    Encoded out;
    std::int64_t tokens = 0;
    for (const LabelledText& example : examples) {
      const auto label = std::find(head_.labels.begin(), head_.labels.end(), example.label);
      TINYGPT_CHECK(label != head_.labels.end(), example.id, ": label \"", example.label,
                    "\" is not among the training labels");
      out.sequences.push_back(classifier_tokens(folder_, example.text, text_context()));
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
  std::vector<std::int32_t> gold;
  std::vector<std::int32_t> keyword;
  const auto index_of = [&head](std::string_view label) {
    const auto found = std::find(head.labels.begin(), head.labels.end(), label);
    return found == head.labels.end() ? -1 : static_cast<std::int32_t>(found - head.labels.begin());
  };
  for (const LabelledText& example : test) {
    gold.push_back(index_of(example.label));
    keyword.push_back(index_of(data::sentiment_name(data::keyword_sentiment(example.text))));
  }
  // In batches of 32, in evaluation mode.
  std::vector<std::int32_t> predicted;
  const Encoded encoded = encode(test);
  Tape tape;
  const NoGradGuard no_grad(tape);
  for (std::size_t first = 0; first < test.size(); first += 32) {
    const std::size_t count = std::min<std::size_t>(32, test.size() - first);
    batch_ = pad_batch(std::span(encoded.sequences).subspan(first, count),
                       std::span(encoded.labels).subspan(first, count), text_context());
    tape.reset();
    for (const std::int32_t label : best_labels(logits(tape, run({})))) predicted.push_back(label);
  }
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
