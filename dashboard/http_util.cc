#include "dashboard/http_util.h"

#include <uriparser/Uri.h>

#include "absl/strings/numbers.h"

namespace photon {
namespace dashboard {

int64_t Target::IntParam(const std::string& name, int64_t fallback) const {
  auto it = params.find(name);
  int64_t value;
  if (it == params.end() || !absl::SimpleAtoi(it->second, &value)) return fallback;
  return value;
}

std::string Target::Param(const std::string& name, const std::string& fallback) const {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

Target ParseTarget(const std::string& target) {
  Target out;
  size_t question = target.find('?');
  out.path = target.substr(0, question);
  if (question == std::string::npos) return out;
  std::string query = target.substr(question + 1);
  UriQueryListA* list = nullptr;
  int count = 0;
  if (uriDissectQueryMallocA(&list, &count, query.data(), query.data() + query.size()) != URI_SUCCESS) return out;
  for (UriQueryListA* item = list; item != nullptr; item = item->next) {
    out.params[item->key] = item->value != nullptr ? item->value : "";
  }
  uriFreeQueryListA(list);
  return out;
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kResourceExhausted: return 413;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

Response JsonResponse(const Request& request, int status, const Json& body) {
  // Invalid UTF-8 from a log or a user string is replaced, not thrown on.
  return http::MakeResponse(request, status, body.dump(-1, ' ', false, Json::error_handler_t::replace),
                            "application/json");
}

Response ErrorResponse(const Request& request, const absl::Status& status) {
  return JsonResponse(request, HttpStatusOf(status), {{"error", std::string(status.message())}});
}

}  // namespace dashboard
}  // namespace photon
