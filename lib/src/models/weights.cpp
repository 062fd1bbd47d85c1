#include "tinygpt/models/weights.h"

#include <algorithm>
#include <vector>

#include "tinygpt/core/check.h"

namespace tinygpt::models {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_text(const std::vector<std::int64_t>& dims) {
  std::string text = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(dims[i]);
  }
  return text + ")";
}

// The parameter a file's tensor name refers to, or "" for a tensor to skip.
std::string parameter_name(const std::string& tensor_name) {
  const std::string prefix = "transformer.";
  std::string name =
      tensor_name.rfind(prefix, 0) == 0 ? tensor_name.substr(prefix.size()) : tensor_name;
  // GPT-2's causal-mask buffers: constants of the implementation, not weights.
  if (ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias")) return "";
  return name;
}

}  // namespace

void save_weights(const std::filesystem::path& path, const ModelConfig& config,
                  const ParameterSet& parameters,
                  const std::map<std::string, std::string>& metadata) {
  std::vector<NamedTensor> tensors;
  for (const Parameter& parameter : parameters) {
    tensors.push_back({parameter.name, parameter.shape.dims(), parameter.value});
  }
  std::map<std::string, std::string> all_metadata = metadata;
  all_metadata["config"] = to_json(config);
  all_metadata["format"] = "tinygpt";
  write_safetensors(path, tensors, all_metadata);
}

ModelConfig config_from_weights(const SafetensorsFile& file) {
  const auto found = file.metadata().find("config");
  if (found == file.metadata().end()) {
    throw Error(file.origin() +
                ": no \"config\" in the metadata; give the model's config file as well");
  }
  return parse_model_config(found->second, file.origin() + " (metadata \"config\")");
}

void load_weights(const SafetensorsFile& file, ParameterSet& parameters) {
  // Check everything first, so that a bad file leaves the model as it was.
  std::map<std::string, std::string> source;  // parameter name -> tensor name
  bool has_lm_head = false;
  for (const std::string& tensor_name : file.names()) {
    if (tensor_name == "lm_head.weight") {
      has_lm_head = true;
      continue;
    }
    const std::string name = parameter_name(tensor_name);
    if (name.empty()) continue;
    if (!parameters.contains(name)) {
      throw Error(file.origin() + ": tensor '" + tensor_name +
                  "' matches no parameter of this model (is it the right model family and "
                  "config?)");
    }
    if (source.count(name) != 0) {
      throw Error(file.origin() + ": tensors '" + source[name] + "' and '" + tensor_name +
                  "' are both parameter '" + name + "'");
    }
    source[name] = tensor_name;
  }
  for (const Parameter& parameter : parameters) {
    if (source.count(parameter.name) == 0) {
      throw Error(file.origin() + ": missing tensor '" + parameter.name + "' of shape " +
                  parameter.shape.str());
    }
    const std::vector<std::int64_t> expected = parameter.shape.dims();
    const TensorInfo& info = file.info(source[parameter.name]);
    if (info.shape != expected) {
      throw Error(file.origin() + ": tensor '" + source[parameter.name] + "' has shape " +
                  shape_text(info.shape) + " but the model's config needs " + shape_text(expected));
    }
  }
  if (has_lm_head && (source.count("wte.weight") == 0 ||
                      file.floats("lm_head.weight") != file.floats(source["wte.weight"]))) {
    throw Error(file.origin() +
                ": lm_head.weight differs from wte.weight; this GPT ties its output layer to "
                "the token embeddings");
  }
  for (Parameter& parameter : parameters) {
    file.read_into(source[parameter.name], parameter.shape.dims(), parameter.value);
  }
}

}  // namespace tinygpt::models
