#pragma once

// The cluster token on every gRPC call.
//
// Clients put `authorization: Bearer <token>` on each call (SetAuthToken);
// servers refuse a call without it, or with a wrong one, with UNAUTHENTICATED
// before any handler runs (CheckAuthToken, used by ServeOnLoop).

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <string>

namespace photon {
namespace rpc {

inline constexpr char kAuthMetadataKey[] = "authorization";

void SetAuthToken(grpc::ClientContext* context, const std::string& token);

// True when `given` equals `expected`, in time that does not depend on where
// they differ (so a wrong guess teaches nothing).
bool TokensEqual(const std::string& given, const std::string& expected);

// OK when the call carries `expected`; else UNAUTHENTICATED saying whether the
// token was missing or wrong (never echoing either token). The comparison
// takes the same time wherever the tokens differ.
grpc::Status CheckAuthToken(const grpc::ServerContextBase& context, const std::string& expected);

}  // namespace rpc
}  // namespace photon
