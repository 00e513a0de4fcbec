#include "autoscaler/kube_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/common/logging.h"

namespace photon {
namespace autoscaler {

struct KubeClient::Attempt {
  std::string body;
  // From a Retry-After header in seconds; zero when absent or an HTTP date.
  absl::Duration retry_after = absl::ZeroDuration();
  char error[CURL_ERROR_SIZE] = {0};
};

namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* attempt) {
  static_cast<std::string*>(attempt)->append(data, size * count);
  return size * count;
}

// libcurl hands every header line here, the status line included.
size_t ReadHeader(char* data, size_t size, size_t count, void* retry_after) {
  const absl::string_view line(data, size * count);
  constexpr absl::string_view kName = "retry-after:";
  int64_t seconds = 0;
  if (absl::StartsWithIgnoreCase(line, kName) &&
      absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(kName.size())), &seconds) && seconds > 0) {
    *static_cast<absl::Duration*>(retry_after) = absl::Seconds(seconds);
  }
  return size * count;
}

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the service account token ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

bool Retryable(int http_code) { return http_code == 429 || (http_code >= 500 && http_code != 501); }

bool Retryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

absl::Status TransportError(CURLcode rc, const std::string& url, const KubeClient::Options& options,
                            const char* detail) {
  const std::string what =
      absl::StrCat(url, ": ", curl_easy_strerror(rc), *detail != '\0' ? absl::StrCat(" (", detail, ")") : "");
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(
          absl::StrCat(what, " [limit ", absl::FormatDuration(options.request_timeout), "]"));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
      return absl::FailedPreconditionError(absl::StrCat(
          "TLS with the API server failed: ", what, "; the server's certificate must chain to ",
          options.ca_file.empty() ? std::string("the system's CAs") : absl::StrCat("ca_file ", options.ca_file)));
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return absl::InvalidArgumentError(what);
    default:
      return absl::UnavailableError(what);
  }
}

absl::Status WithAttempts(const absl::Status& status, int attempts) {
  if (attempts <= 1) return status;
  return absl::Status(status.code(), absl::StrCat(status.message(), " (after ", attempts, " attempts)"));
}

// Accepts every token and keeps the parser's message for the first error:
// run on text already known to be malformed, to say why without exceptions.
class ParseErrorReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& error) override {
    message = error.what();
    return false;
  }
  std::string message;
};

}  // namespace

absl::StatusOr<nlohmann::json> ParseJson(const std::string& text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!value.is_discarded()) return value;
  ParseErrorReader reader;
  nlohmann::json::sax_parse(text, &reader);
  return absl::InvalidArgumentError(reader.message.empty() ? "not JSON" : reader.message);
}

absl::StatusOr<std::unique_ptr<KubeClient>> KubeClient::Create(Options options) {
  while (absl::EndsWith(options.api_server, "/")) options.api_server.pop_back();
  constexpr absl::string_view kScheme = "https://";
  if (!absl::StartsWith(options.api_server, kScheme) || options.api_server.size() == kScheme.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("api_server must be https://HOST[:PORT], not \"", options.api_server, "\""));
  }
  if (options.max_attempts < 1) options.max_attempts = 1;
  static std::once_flag curl_initialized;
  std::call_once(curl_initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  return std::unique_ptr<KubeClient>(new KubeClient(std::move(options), curl));
}

KubeClient::KubeClient(Options options, void* curl) : options_(std::move(options)), curl_(curl) {}

KubeClient::~KubeClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

absl::StatusOr<KubeResponse> KubeClient::Request(const std::string& method, const std::string& path,
                                                 const nlohmann::json* body) {
  const std::string payload = body != nullptr ? body->dump() : "";
  for (int attempt = 1;; ++attempt) {
    Attempt state;
    absl::StatusOr<KubeResponse> response = TryOnce(method, path, payload, body != nullptr, state);
    const bool retry = response.ok() ? Retryable(response->http_code) : Retryable(response.status());
    if (!retry || attempt >= options_.max_attempts) {
      if (!response.ok()) return WithAttempts(response.status(), attempt);
      response->attempts = attempt;
      return response;
    }
    const absl::Duration delay = RetryDelay(attempt, state.retry_after);
    // A transport error's message names the request already.
    PHOTON_LOG(WARNING) << (response.ok() ? absl::StrCat(method, " ", path, ": HTTP ", response->http_code)
                                          : std::string(response.status().message()))
                        << "; retry " << attempt << " of " << options_.max_attempts - 1 << " in "
                        << absl::FormatDuration(delay);
    if (options_.sleep) {
      options_.sleep(delay);
    } else {
      absl::SleepFor(delay);
    }
  }
}

absl::StatusOr<KubeResponse> KubeClient::TryOnce(const std::string& method, const std::string& path,
                                                 const std::string& body, bool has_body, Attempt& attempt) {
  std::string token;
  if (!options_.token_file.empty()) {
    absl::StatusOr<std::string> read = ReadToken(options_.token_file);
    if (!read.ok()) return read.status();
    token = std::move(*read);
  }
  CURL* curl = static_cast<CURL*>(curl_);
  // Keeps the connection cache, so a kept-alive connection is reused.
  curl_easy_reset(curl);
  const std::string url = options_.api_server + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options_.request_timeout)));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "photon-autoscaler");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, attempt.error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &attempt.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &attempt.retry_after);
  if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (method != (has_body ? "POST" : "GET")) curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());

  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  // No "Expect: 100-continue" round trip before a large body.
  headers = curl_slist_append(headers, "Expect:");
  if (has_body) headers = curl_slist_append(headers, "Content-Type: application/json");
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) return TransportError(rc, method + " " + url, options_, attempt.error);

  long http_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_code);
  KubeResponse response;
  response.http_code = static_cast<int>(http_code);
  response.body = nlohmann::json::parse(attempt.body, nullptr, /*allow_exceptions=*/false);
  if (response.body.is_discarded()) response.body = nullptr;
  response.raw = std::move(attempt.body);
  return response;
}

absl::Duration KubeClient::RetryDelay(int retry, absl::Duration retry_after) const {
  absl::Duration delay = options_.initial_backoff;
  for (int i = 1; i < retry && delay < options_.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, options_.max_backoff);
  if (retry_after > delay) delay = std::min(retry_after, options_.max_retry_after);
  return delay;
}

std::string KubeReason(const KubeResponse& response) {
  if (response.body.is_object() && response.body.contains("reason") && response.body["reason"].is_string()) {
    return response.body["reason"].get<std::string>();
  }
  return "";
}

absl::Status KubeError(const std::string& method, const std::string& path, const KubeResponse& response) {
  const int code = response.http_code;
  const std::string reason = KubeReason(response);
  std::string message;
  if (response.body.is_object() && response.body.contains("message") && response.body["message"].is_string()) {
    message = response.body["message"].get<std::string>();
  } else if (!response.raw.empty()) {
    message = response.raw.substr(0, 300);
  } else {
    message = "(empty body)";
  }
  std::string text = absl::StrCat(method, " ", path, ": HTTP ", code, reason.empty() ? "" : " (" + reason + ")",
                                   ": ", message);
  if (response.attempts > 1) absl::StrAppend(&text, " (after ", response.attempts, " attempts)");
  absl::StatusCode status;
  switch (code) {
    case 400:
    case 422: status = absl::StatusCode::kInvalidArgument; break;
    case 401: status = absl::StatusCode::kUnauthenticated; break;
    case 403: status = absl::StatusCode::kPermissionDenied; break;
    case 404: status = absl::StatusCode::kNotFound; break;
    case 409:
      status = reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists : absl::StatusCode::kAborted;
      break;
    case 410: status = absl::StatusCode::kAborted; break;
    case 429: status = absl::StatusCode::kResourceExhausted; break;
    case 504: status = absl::StatusCode::kDeadlineExceeded; break;
    default: status = code >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown;
  }
  return absl::Status(status, text);
}

}  // namespace autoscaler
}  // namespace photon
