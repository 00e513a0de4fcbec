#include "gcs/store/store_client_factory.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs/store/redis_store_client.h"

namespace photon {
namespace gcs {
namespace {

constexpr absl::string_view kRedisScheme = "redis://";

absl::Status BadStorage(const std::string& storage, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("bad storage \"", storage, "\": ", why,
                                                 "; expected \"memory\" (or empty) or "
                                                 "\"redis://HOST:PORT\" with PORT in 1..65535"));
}

// The port, or nullopt unless `text` is plain digits ("+80", " 80" and "80x"
// are rejected) in 1..65535.
std::optional<int> ParsePort(absl::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int port = 0;
  if (!absl::SimpleAtoi(text, &port) || port < 1 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StoreClient>> MakeStoreClient(const std::string& storage) {
  if (storage.empty() || storage == "memory") return std::make_unique<InMemoryStoreClient>();
  if (!absl::StartsWith(storage, kRedisScheme)) return BadStorage(storage, "unknown backend");

  absl::string_view address = absl::string_view(storage).substr(kRedisScheme.size());
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return BadStorage(storage, "missing :PORT");
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return BadStorage(storage, "missing HOST");
  std::optional<int> port = ParsePort(address.substr(colon + 1));
  if (!port.has_value()) return BadStorage(storage, "PORT is not a number in 1..65535");

  absl::StatusOr<std::unique_ptr<RedisStoreClient>> redis =
      RedisStoreClient::Connect(std::string(host), *port);
  if (!redis.ok()) return redis.status();
  return std::unique_ptr<StoreClient>(std::move(*redis));
}

}  // namespace gcs
}  // namespace photon
