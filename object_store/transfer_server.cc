#include "object_store/transfer_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/rpc/auth.h"
#include "object_store/framing.h"
#include "object_store/store_calls.h"
#include "object_store/tcp.h"

namespace photon {
namespace object_store {
namespace {

absl::Status SendHeader(int fd, const rpc::TransferHeader& header) {
  return WriteFrame(fd, header.SerializeAsString());
}

rpc::TransferHeader ErrorHeader(const absl::Status& status) {
  rpc::TransferHeader header;
  header.set_code(static_cast<int>(status.code()));
  header.set_message(std::string(status.message()));
  return header;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TransferServer>> TransferServer::Start(Options options, StoreServer& store) {
  std::unique_ptr<TransferServer> server(new TransferServer(std::move(options), store));
  absl::StatusOr<std::pair<int, int>> listening = ListenTcp(server->options_.host, server->options_.port);
  if (!listening.ok()) return listening.status();
  server->listen_fd_ = listening->first;
  server->port_ = listening->second;
  server->pool_ = std::make_unique<ThreadPool>("transfer-out", server->options_.threads);
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

TransferServer::~TransferServer() { Stop(); }

void TransferServer::Stop() {
  if (stopping_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  close(listen_fd_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);  // wakes idle connections
  }
  pool_->Shutdown();
}

void TransferServer::AcceptLoop() {
  while (!stopping_) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      PHOTON_LOG(WARNING) << "object manager: accept failed: " << std::strerror(errno);
      continue;
    }
    TuneSocket(fd, options_.io_timeout);
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.insert(fd);
    }
    pool_->Submit([this, fd] { Serve(fd); });
  }
}

void TransferServer::Serve(int fd) {
  const ClientId client = store_.NewInternalClient();
  // Objects pinned by this connection: id -> (offset, data size, metadata size).
  absl::flat_hash_map<ObjectID, LocalStore::GetResult> pinned;
  while (!stopping_) {
    absl::StatusOr<std::string> frame = ReadFrame(fd);
    if (!frame.ok()) break;  // the puller is done (or gone)
    rpc::TransferRequest request;
    if (!request.ParseFromString(*frame)) {
      (void)SendHeader(fd, ErrorHeader(absl::InvalidArgumentError("malformed transfer request")));
      break;
    }
    if (!rpc::TokensEqual(request.token(), options_.token)) {
      PHOTON_LOG(WARNING) << "object manager: refused a transfer request with a wrong or missing token";
      (void)SendHeader(fd, ErrorHeader(absl::UnauthenticatedError("wrong cluster token")));
      break;
    }
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(request.object_id());
    if (!id.ok()) {
      (void)SendHeader(fd, ErrorHeader(id.status()));
      break;
    }
    auto it = pinned.find(*id);
    if (it == pinned.end()) {
      LocalStore::GetResult got = GetOnLoop(store_, client, {*id}, 0)[0];
      if (!got.found) {
        absl::Status missing = absl::NotFoundError(absl::StrCat(
            "object ", id->Hex(), " is not in this node's store", got.error.empty() ? "" : ": " + got.error));
        if (!SendHeader(fd, ErrorHeader(missing)).ok()) break;
        continue;
      }
      it = pinned.emplace(*id, got).first;
    }
    const LocalStore::GetResult& object = it->second;
    const int64_t total = object.data_size + object.metadata_size;
    if (request.offset() < 0 || request.length() < 0 || request.offset() + request.length() > total) {
      (void)SendHeader(fd, ErrorHeader(absl::InvalidArgumentError(absl::StrCat(
                               "range ", request.offset(), "+", request.length(), " is outside object ",
                               id->Hex(), " of ", total, " bytes"))));
      break;
    }
    rpc::TransferHeader header;
    header.set_data_size(object.data_size);
    header.set_metadata_size(object.metadata_size);
    header.set_offset(request.offset());
    header.set_length(request.length());
    if (!SendHeader(fd, header).ok()) break;
    if (!SendAll(fd, store_.base() + object.offset + request.offset(), request.length()).ok()) break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(fd);
  }
  close(fd);
  for (const auto& [id, got] : pinned) {
    ObjectID object_id = id;
    (void)RunOnLoop(store_, "Transfer.Release",
                    [client, object_id](LocalStore& store) { return store.Release(client, object_id); });
  }
}

}  // namespace object_store
}  // namespace photon
