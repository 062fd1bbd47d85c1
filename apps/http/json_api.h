/// @file json_api.h
/// @brief JSON requests and responses of tinygpt's HTTP servers (the rating page's API in
/// step 06, the OpenAI-compatible API in step 07): parsing a body, reading its fields, and
/// errors as JSON objects with a 4xx status.
///
/// Every error body has OpenAI's shape, so that one client library reads the errors of both
/// servers:
///
///     {"error": {"message": "field 'choice' is 'middle': it must be left, right or tie",
///                "type": "invalid_request_error", "code": 400}}
///
/// A handler reports a bad request by throwing HttpError; Server (server.h) turns it into
/// that body and keeps serving.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tinygpt/core/check.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace tinygpt::http {

/// @brief A request the server refuses: its status (4xx) and a message for the client.
class HttpError : public Error {
 public:
  /// @param status the HTTP status, 400-499 for the client's mistakes.
  /// @param message what was wrong and what to send instead.
  HttpError(int status, const std::string& message) : Error(message), status_(status) {}
  /// @return the HTTP status.
  int status() const { return status_; }

 private:
  int status_;
};

/// @param status an HTTP status.
/// @return OpenAI's error type for it: "invalid_request_error" for most 4xx,
/// "not_found_error", "request_too_large", "server_error" for 5xx.
std::string_view error_type(int status);

/// @param status an HTTP status (4xx or 5xx).
/// @param message what went wrong.
/// @return {"error": {"message", "type", "code"}}.
nlohmann::json error_body(int status, std::string_view message);

/// @brief Writes `body` as the response, with Content-Type application/json.
/// @param response the response to fill.
/// @param body the JSON value.
/// @param status the HTTP status.
void send_json(httplib::Response& response, const nlohmann::json& body, int status = 200);

/// @brief Writes error_body(status, message) as the response.
/// @param response the response to fill.
/// @param status the HTTP status.
/// @param message what went wrong.
void send_error(httplib::Response& response, int status, std::string_view message);

/// @brief The request's body as a JSON object. Throws HttpError 415 when the Content-Type
/// is not application/json, 400 when the body is not JSON (with the parser's position) or
/// not an object.
/// @param request the request.
/// @return the object.
nlohmann::json parse_json_body(const httplib::Request& request);

/// @brief A string field of a request object. Throws HttpError 400 naming the field when it
/// is missing or not a string.
/// @param object the request's JSON object.
/// @param field the field's name.
/// @return its value.
std::string string_field(const nlohmann::json& object, std::string_view field);

/// @brief A query parameter. Throws HttpError 400 naming it when it is missing.
/// @param request the request.
/// @param name the parameter's name.
/// @return its (URL-decoded) value.
std::string query_parameter(const httplib::Request& request, std::string_view name);

}  // namespace tinygpt::http
