#include "commands.h"

namespace tinygpt::cli {

void register_commands(CLI::App& app) {
  register_journey_command(app);
  register_course_command(app);
  register_data_command(app);
  register_tokenizer_command(app);
  register_bigram_command(app);
  register_generate_command(app);
  register_attention_command(app);
  register_train_command(app);
  register_finetune_command(app);
  register_adapter_command(app);
  register_align_command(app);
  register_eval_command(app);
  register_rag_command(app);
  register_prompt_command(app);
  register_chat_command(app);
  register_plot_command(app);
  register_figures_command(app);
  register_serve_command(app);
  register_privacy_command(app);
  register_model_card_command(app);
  register_policy_command(app);
}

}  // namespace tinygpt::cli
