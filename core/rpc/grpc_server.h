#pragma once

// GrpcServer: a gRPC server whose handlers run on a daemon's EventLoop.
//
// Services are gRPC *callback* services. Each method override hands its call
// to ServeOnLoop, which checks the cluster token on the gRPC thread, then
// posts the named handler to the loop; the handler answers through `reply`
// (now, or later for a long poll). gRPC threads only move messages.
//
//   class NodeInfoService : public rpc::NodeInfoGcsService::CallbackService {
//     grpc::ServerUnaryReactor* RegisterNode(grpc::CallbackServerContext* ctx,
//                                            const RegisterNodeRequest* req,
//                                            RegisterNodeReply* reply) override {
//       return ServeOnLoop(server_, "NodeInfo.RegisterNode", ctx, req, reply,
//                          [this](const auto& req, auto* reply, ReplyFn done) {
//                            done(manager_.Register(req, reply));
//                          });
//     }
//   };
//
//   GrpcServer server("gcs", {.port = 6379, .token = token}, loop);
//   server.RegisterService(&node_info_service);
//   RETURN_IF_ERROR(server.Start());   // "port 6379 is already in use" on failure
//
// Thread-safe after Start; RegisterService only before it.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/common/event_loop.h"
#include "core/common/logging.h"
#include "core/rpc/auth.h"
#include "core/rpc/status_util.h"

namespace photon {
namespace rpc {

// Finishes a call. Call exactly once, from any thread.
using ReplyFn = std::function<void(grpc::Status)>;

class GrpcServer {
 public:
  struct Options {
    // Address to bind; 0.0.0.0 listens on every interface.
    std::string host = "0.0.0.0";
    // 0 picks a free port (see port()).
    int port = 0;
    // Calls without this token are refused. Empty disables the check (tests only).
    std::string token;
  };

  GrpcServer(std::string name, Options options, EventLoop& loop);
  ~GrpcServer();

  // REQUIRES: before Start; `service` outlives the server.
  void RegisterService(grpc::Service* service);

  // Binds and starts serving. Fails with Unavailable naming the port when it
  // cannot be bound.
  absl::Status Start();

  // Stops taking calls; waits up to `grace` for calls in flight. The loop must
  // still be running so posted handlers can finish their calls.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(1000));

  int port() const { return bound_port_; }
  const std::string& name() const { return name_; }
  const std::string& token() const { return options_.token; }
  EventLoop& loop() { return loop_; }

 private:
  std::string name_;
  Options options_;
  EventLoop& loop_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int bound_port_ = 0;
};

// Checks the token, then runs `handler(const Req&, Reply*, ReplyFn)` on the
// server's loop under `name`. Returns the reactor gRPC expects.
template <typename Req, typename Reply, typename Handler>
grpc::ServerUnaryReactor* ServeOnLoop(GrpcServer& server, const char* name,
                                      grpc::CallbackServerContext* context, const Req* request,
                                      Reply* reply, Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!server.token().empty()) {
    grpc::Status auth = CheckAuthToken(*context, server.token());
    if (!auth.ok()) {
      PHOTON_LOG(WARNING) << server.name() << ": refused " << name << " from " << context->peer()
                          << ": " << auth.error_message();
      reactor->Finish(auth);
      return reactor;
    }
  }
  server.loop().Post(name, [reactor, request, reply, handler = std::move(handler)]() mutable {
    handler(*request, reply, [reactor](grpc::Status status) { reactor->Finish(status); });
  });
  return reactor;
}

// ServeOnLoop for handlers that answer at once: `absl::Status(const Req&, Reply*)`.
template <typename Req, typename Reply, typename Handler>
grpc::ServerUnaryReactor* ServeSync(GrpcServer& server, const char* name,
                                    grpc::CallbackServerContext* context, const Req* request,
                                    Reply* reply, Handler handler) {
  return ServeOnLoop(server, name, context, request, reply,
                     [handler = std::move(handler)](const Req& req, Reply* rep, ReplyFn done) {
                       done(ToGrpcStatus(handler(req, rep)));
                     });
}

}  // namespace rpc
}  // namespace photon
