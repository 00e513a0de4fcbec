#pragma once

// KubeClient: the few HTTPS calls the Kubernetes provider makes to the API
// server, over libcurl, with the pod's service-account credentials.
//
// It exists so that KubernetesProvider speaks in pods and ConfigMaps while
// this class owns the transport concerns: TLS verification against the
// cluster's CA, the bearer token (re-read from its file for every request,
// since the kubelet rotates projected tokens), and retries. A request that
// gets 429 or a 5xx, or no answer at all (timeout, refused or reset
// connection), is tried again after an exponential backoff, or after the
// server's Retry-After when that is longer, up to `max_attempts` in all.
// Creating a pod twice is safe (the second create gets 409), so POSTs are
// retried too. A TLS failure is not retried: it is a configuration error.
//
//   KubeClient::Options o;
//   o.api_server = "https://10.96.0.1:443";
//   o.ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
//   o.token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
//   ASSIGN_OR_RETURN(std::unique_ptr<KubeClient> client, KubeClient::Create(o));
//   ASSIGN_OR_RETURN(KubeResponse r, client->Request("GET", "/api/v1/namespaces/ns/pods"));
//   if (r.http_code != 200) return KubeError("GET", "/api/v1/namespaces/ns/pods", r);
//
// Thread-compatible: one libcurl handle, reused so that connections are kept
// alive between requests. Request blocks for its retries (seconds at most
// with the defaults).

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace photon {
namespace autoscaler {

// What the API server answered to the last attempt of a request.
struct KubeResponse {
  int http_code = 0;
  // The body parsed as JSON; null when it was empty or not JSON (then `raw`
  // still holds it, for messages).
  nlohmann::json body;
  std::string raw;
  int attempts = 1;  // how many tries it took, retries included
};

class KubeClient {
 public:
  struct Options {
    // "https://HOST:PORT"; only https is accepted (the token must not travel
    // in the clear).
    std::string api_server;
    // PEM bundle the server's certificate must chain to; "" trusts the
    // system's CAs instead.
    std::string ca_file;
    // File holding the bearer token; "" sends no Authorization header.
    std::string token_file;
    // Limits of one attempt: connecting, and the whole exchange.
    absl::Duration connect_timeout = absl::Seconds(5);
    absl::Duration request_timeout = absl::Seconds(10);
    // Attempts in all (1: no retry).
    int max_attempts = 5;
    // The wait before retry k (k = 1, 2, ...) is initial_backoff * 2^(k-1),
    // at most max_backoff; a Retry-After header can lengthen it up to
    // max_retry_after.
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(5);
    absl::Duration max_retry_after = absl::Seconds(30);
    // How to wait between attempts; absl::SleepFor when empty (tests may
    // record the waits instead).
    std::function<void(absl::Duration)> sleep;
  };

  // InvalidArgument for an api_server that is not https://HOST[:PORT].
  static absl::StatusOr<std::unique_ptr<KubeClient>> Create(Options options);
  ~KubeClient();

  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  // Sends `method` `path` (from the server root, query included) with `body`
  // as JSON when given. Returns the response, whatever its HTTP code, once it
  // is one not worth retrying or the attempts are spent: the caller decides
  // what 404 or 409 mean (KubeError turns a response into a Status). Errors
  // only when no response came back: Unavailable (cannot connect, reset),
  // DeadlineExceeded (timed out), FailedPrecondition (TLS verification failed,
  // unreadable token file); each names the request and the cause.
  absl::StatusOr<KubeResponse> Request(const std::string& method, const std::string& path,
                                       const nlohmann::json* body = nullptr);

  const Options& options() const { return options_; }

 private:
  struct Attempt;
  KubeClient(Options options, void* curl);
  absl::StatusOr<KubeResponse> TryOnce(const std::string& method, const std::string& path,
                                       const std::string& body, bool has_body, Attempt& attempt);
  absl::Duration RetryDelay(int retry, absl::Duration retry_after) const;

  const Options options_;
  void* const curl_;  // CURL*, owned
};

// A Status for a response the caller did not expect: the canonical code for
// its HTTP code (403 PermissionDenied, 404 NotFound, 409 AlreadyExists or
// Aborted, 422 InvalidArgument, 429 ResourceExhausted, 5xx Unavailable, ...)
// and a message with the request, the HTTP code, the API's reason and its
// Status message: `POST /api/v1/namespaces/ns/pods: HTTP 403 (Forbidden):
// pods "x" is forbidden: User "system:serviceaccount:ns:sa" cannot create
// resource "pods"`.
absl::Status KubeError(const std::string& method, const std::string& path, const KubeResponse& response);

// `text` as JSON; InvalidArgument with the parser's message ("syntax error
// while parsing object key - ... at line 3, column 5") otherwise.
absl::StatusOr<nlohmann::json> ParseJson(const std::string& text);

// The `reason` of a Kubernetes Status body ("AlreadyExists", "NotFound"), or "".
std::string KubeReason(const KubeResponse& response);

}  // namespace autoscaler
}  // namespace photon
