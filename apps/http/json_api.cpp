// JSON bodies and JSON errors (json_api.h).
#include "http/json_api.h"

#include <httplib.h>

namespace tinygpt::http {

std::string_view error_type(int status) {
  if (status == 404) return "not_found_error";
  if (status == 413) return "request_too_large";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

nlohmann::json error_body(int status, std::string_view message) {
  return {{"error", {{"message", message}, {"type", error_type(status)}, {"code", status}}}};
}

void send_json(httplib::Response& response, const nlohmann::json& body, int status) {
  response.status = status;
  // replace: invalid UTF-8 in a stored text must not turn an answer into a 500.
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json");
}

void send_error(httplib::Response& response, int status, std::string_view message) {
  send_json(response, error_body(status, message), status);
}

nlohmann::json parse_json_body(const httplib::Request& request) {
  const std::string type = request.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    throw HttpError(415,
                    "the body must be JSON with Content-Type application/json, not '" + type + "'");
  }
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::exception& error) {
    // The parser's message names the byte where it stopped (or the number that overflows).
    throw HttpError(400, "the body is not valid JSON: " + std::string(error.what()));
  }
  if (!body.is_object()) {
    throw HttpError(400, "the body must be a JSON object, not " + std::string(body.type_name()));
  }
  return body;
}

std::string string_field(const nlohmann::json& object, std::string_view field) {
  const auto found = object.find(field);
  if (found == object.end()) {
    throw HttpError(400, "the body has no field '" + std::string(field) + "'");
  }
  if (!found->is_string()) {
    throw HttpError(400, "field '" + std::string(field) + "' must be a string, not " +
                             std::string(found->type_name()));
  }
  return found->get<std::string>();
}

std::string query_parameter(const httplib::Request& request, std::string_view name) {
  const std::string key(name);
  if (!request.has_param(key)) {
    throw HttpError(400, "the query has no parameter '" + key + "' (?" + key + "=...)");
  }
  return request.get_param_value(key);
}

}  // namespace tinygpt::http
