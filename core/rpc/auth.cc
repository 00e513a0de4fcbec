#include "core/rpc/auth.h"

namespace photon {
namespace rpc {
bool TokensEqual(const std::string& given, const std::string& expected) {
  if (given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); i++) diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

void SetAuthToken(grpc::ClientContext* context, const std::string& token) {
  context->AddMetadata(kAuthMetadataKey, "Bearer " + token);
}

grpc::Status CheckAuthToken(const grpc::ServerContextBase& context, const std::string& expected) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kAuthMetadataKey);
  if (it == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing cluster token: set PHOTON_CLUSTER_TOKEN or run on a node of the cluster");
  }
  std::string value(it->second.data(), it->second.size());
  static const std::string kPrefix = "Bearer ";
  std::string given = value.rfind(kPrefix, 0) == 0 ? value.substr(kPrefix.size()) : value;
  if (!TokensEqual(given, expected)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong cluster token");
  }
  return grpc::Status::OK;
}

}  // namespace rpc
}  // namespace photon
