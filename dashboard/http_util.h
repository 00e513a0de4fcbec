#pragma once

// Helpers every dashboard handler shares: the request's path and query, JSON
// answers, and errors as {"error": "..."} with the HTTP status an
// absl::Status code stands for.
//
//   Target t = ParseTarget(request.target());   // "/api/v0/tasks?limit=5"
//   int limit = t.IntParam("limit", 100);
//   return JsonResponse(request, 200, {{"result", true}});
//   return ErrorResponse(request, absl::NotFoundError("no job 'x'"));  // 404
//
// Thread-safe (no state).

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "core/http/http_server.h"

namespace photon {
namespace dashboard {

using Json = nlohmann::json;
using http::Request;
using http::Response;

struct Target {
  std::string path;                           // without the query
  std::map<std::string, std::string> params;  // decoded; a repeated key keeps its last value
  // `name` as an integer, `fallback` when absent or not a number.
  int64_t IntParam(const std::string& name, int64_t fallback) const;
  std::string Param(const std::string& name, const std::string& fallback = "") const;
};

// Splits and decodes a request target (uriparser does the decoding).
Target ParseTarget(const std::string& target);

// The HTTP status for a Status code: InvalidArgument/AlreadyExists/
// FailedPrecondition 400, Unauthenticated 401, PermissionDenied 403,
// NotFound 404, ResourceExhausted 413, Unavailable 503, others 500.
int HttpStatusOf(const absl::Status& status);

Response JsonResponse(const Request& request, int status, const Json& body);
Response ErrorResponse(const Request& request, const absl::Status& status);

}  // namespace dashboard
}  // namespace photon
