#include "core/rpc/grpc_server.h"

#include "absl/strings/str_cat.h"

namespace photon {
namespace rpc {

GrpcServer::GrpcServer(std::string name, Options options, EventLoop& loop)
    : name_(std::move(name)), options_(std::move(options)), loop_(loop) {}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::milliseconds(0)); }

void GrpcServer::RegisterService(grpc::Service* service) { services_.push_back(service); }

absl::Status GrpcServer::Start() {
  grpc::ServerBuilder builder;
  std::string address = absl::StrCat(options_.host, ":", options_.port);
  // Without this, gRPC lets a second server share the port (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.SetMaxReceiveMessageSize(512 << 20);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port_);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || bound_port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat(name_, ": cannot listen on ", address, ": port ",
                                               options_.port, " is already in use or not bindable"));
  }
  PHOTON_LOG(INFO) << name_ << ": gRPC server listening on " << options_.host << ":" << bound_port_;
  return absl::OkStatus();
}

void GrpcServer::Shutdown(std::chrono::milliseconds grace) {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_.reset();
}

}  // namespace rpc
}  // namespace photon
