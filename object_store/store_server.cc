#include "object_store/store_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <future>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "object_store/framing.h"

namespace photon {
namespace object_store {

using boost::asio::local::stream_protocol;

struct StoreServer::Acceptor {
  explicit Acceptor(boost::asio::io_context& io) : acceptor(io) {}
  stream_protocol::acceptor acceptor;
};

// One client connection: reads framed requests, dispatches them to the
// store, writes replies in order. Runs only on the store loop.
class StoreServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(StoreServer& server, ClientId id, stream_protocol::socket socket)
      : server_(server), id_(id), socket_(std::move(socket)) {}

  void Start() { Read(); }
  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void Reply(rpc::StoreReply reply) {
    bool idle = outbox_.empty();
    outbox_.push_back(EncodeFrame(reply.SerializeAsString()));
    if (idle) WriteNext();
  }

 private:
  // Reads what the socket has and dispatches every whole frame in it.
  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(boost::asio::buffer(chunk_), [self](const boost::system::error_code& ec, size_t n) {
      if (ec) return self->Gone();
      self->inbox_.append(self->chunk_, n);
      while (true) {
        absl::StatusOr<std::optional<std::string>> frame = TakeFrame(&self->inbox_);
        if (!frame.ok()) return self->Gone();
        if (!frame->has_value()) break;
        rpc::StoreRequest request;
        if (!request.ParseFromString(**frame)) {
          PHOTON_LOG(WARNING) << "object store: malformed request from client " << self->id_ << "; closing it";
          return self->Gone();
        }
        self->Dispatch(request);
        if (self->gone_) return;
      }
      self->Read();
    });
  }

  void WriteNext() {
    auto self = shared_from_this();
    boost::asio::async_write(socket_, boost::asio::buffer(outbox_.front()),
                             [self](const boost::system::error_code& ec, size_t) {
                               if (ec) return self->Gone();
                               self->outbox_.pop_front();
                               if (!self->outbox_.empty()) self->WriteNext();
                             });
  }

  void Gone() {
    if (gone_) return;
    gone_ = true;
    Close();
    server_.OnDisconnected(id_);
  }

  void Dispatch(const rpc::StoreRequest& request);
  // One handler per request kind; each replies (or not) on its own.
  void OnCreate(uint64_t rid, const rpc::StoreCreateRequest& create);
  void OnSeal(uint64_t rid, const rpc::StoreSealRequest& seal);
  void OnAbortOrRelease(const rpc::StoreRequest& request);
  void OnGet(uint64_t rid, const rpc::StoreGetRequest& get);
  void OnContains(uint64_t rid, const rpc::StoreContainsRequest& contains);
  void OnDelete(uint64_t rid, const rpc::StoreDeleteRequest& del);
  void OnStats(uint64_t rid);

  StoreServer& server_;
  const ClientId id_;
  stream_protocol::socket socket_;
  char chunk_[16384];
  std::string inbox_;
  std::deque<std::string> outbox_;
  bool gone_ = false;
};

namespace {

rpc::StoreReply ErrorReply(uint64_t request_id, const absl::Status& status) {
  rpc::StoreReply reply;
  reply.set_request_id(request_id);
  reply.set_code(static_cast<int>(status.code()));
  reply.set_message(std::string(status.message()));
  return reply;
}

// Parses an id from the wire; the error names the request.
absl::StatusOr<ObjectID> ParseId(const std::string& bytes, const char* what) {
  absl::StatusOr<ObjectID> id = ObjectID::FromBinary(bytes);
  if (!id.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", id.status().message()));
  return id;
}

// The ids of a request; the error names it.
absl::StatusOr<std::vector<ObjectID>> ParseIds(const google::protobuf::RepeatedPtrField<std::string>& raw,
                                               const char* what) {
  std::vector<ObjectID> ids;
  ids.reserve(raw.size());
  for (const std::string& bytes : raw) {
    absl::StatusOr<ObjectID> id = ParseId(bytes, what);
    if (!id.ok()) return id.status();
    ids.push_back(*id);
  }
  return ids;
}

rpc::StoreReply EmptyReply(uint64_t request_id) {
  rpc::StoreReply reply;
  reply.set_request_id(request_id);
  return reply;
}

}  // namespace

void StoreServer::Connection::Dispatch(const rpc::StoreRequest& request) {
  const uint64_t rid = request.request_id();
  switch (request.body_case()) {
    case rpc::StoreRequest::kCreate: return OnCreate(rid, request.create());
    case rpc::StoreRequest::kSeal: return OnSeal(rid, request.seal());
    case rpc::StoreRequest::kAbort:
    case rpc::StoreRequest::kRelease: return OnAbortOrRelease(request);
    case rpc::StoreRequest::kGet: return OnGet(rid, request.get());
    case rpc::StoreRequest::kContains: return OnContains(rid, request.contains());
    case rpc::StoreRequest::kDelete: return OnDelete(rid, request.delete_());
    case rpc::StoreRequest::kStats: return OnStats(rid);
    case rpc::StoreRequest::BODY_NOT_SET:
      return Reply(ErrorReply(rid, absl::InvalidArgumentError("object store request has no body")));
  }
}

void StoreServer::Connection::OnCreate(uint64_t rid, const rpc::StoreCreateRequest& c) {
  absl::StatusOr<ObjectID> id = ParseId(c.object_id(), "create");
  if (!id.ok()) return Reply(ErrorReply(rid, id.status()));
  LocalStore::CreateArgs args{*id, c.data_size(), c.metadata_size(), c.owner(), c.primary()};
  std::weak_ptr<Connection> weak = weak_from_this();
  server_.store().Create(id_, args, [weak, rid](absl::StatusOr<int64_t> offset) {
    auto self = weak.lock();
    if (!self) return;
    if (!offset.ok()) return self->Reply(ErrorReply(rid, offset.status()));
    rpc::StoreReply reply = EmptyReply(rid);
    reply.mutable_create()->set_offset(*offset);
    self->Reply(std::move(reply));
  });
}

void StoreServer::Connection::OnSeal(uint64_t rid, const rpc::StoreSealRequest& seal) {
  // Answered: once Seal returns, every client and node can see the object.
  absl::StatusOr<ObjectID> id = ParseId(seal.object_id(), "seal");
  absl::Status s = id.ok() ? server_.store().Seal(id_, *id) : id.status();
  Reply(s.ok() ? EmptyReply(rid) : ErrorReply(rid, s));
}

void StoreServer::Connection::OnAbortOrRelease(const rpc::StoreRequest& request) {
  const std::string& raw = request.has_abort() ? request.abort().object_id() : request.release().object_id();
  absl::StatusOr<ObjectID> id = ParseId(raw, "abort/release");
  absl::Status s = !id.ok()               ? id.status()
                   : request.has_abort() ? server_.store().Abort(id_, *id)
                                         : server_.store().Release(id_, *id);
  // These have no reply; a failure is a client bug worth a log line.
  if (!s.ok()) PHOTON_LOG(WARNING) << "object store client " << id_ << ": " << s.message();
}

void StoreServer::Connection::OnGet(uint64_t rid, const rpc::StoreGetRequest& get) {
  absl::StatusOr<std::vector<ObjectID>> ids = ParseIds(get.object_ids(), "get");
  if (!ids.ok()) return Reply(ErrorReply(rid, ids.status()));
  std::weak_ptr<Connection> weak = weak_from_this();
  server_.store().Get(id_, *ids, get.timeout_ms(), [weak, rid](std::vector<LocalStore::GetResult> results) {
    auto self = weak.lock();
    if (!self) return;
    rpc::StoreReply reply = EmptyReply(rid);
    for (const LocalStore::GetResult& r : results) {
      rpc::StoreObject* o = reply.mutable_get()->add_objects();
      o->set_object_id(r.id.Binary());
      o->set_found(r.found);
      o->set_offset(r.offset);
      o->set_data_size(r.data_size);
      o->set_metadata_size(r.metadata_size);
      o->set_error(r.error);
    }
    self->Reply(std::move(reply));
  });
}

void StoreServer::Connection::OnContains(uint64_t rid, const rpc::StoreContainsRequest& contains) {
  absl::StatusOr<ObjectID> id = ParseId(contains.object_id(), "contains");
  if (!id.ok()) return Reply(ErrorReply(rid, id.status()));
  rpc::StoreReply reply = EmptyReply(rid);
  reply.mutable_contains()->set_contains(server_.store().Contains(*id));
  Reply(std::move(reply));
}

void StoreServer::Connection::OnDelete(uint64_t rid, const rpc::StoreDeleteRequest& del) {
  absl::StatusOr<std::vector<ObjectID>> ids = ParseIds(del.object_ids(), "delete");
  if (!ids.ok()) return Reply(ErrorReply(rid, ids.status()));
  rpc::StoreReply reply = EmptyReply(rid);
  reply.mutable_delete_()->set_deleted(server_.store().Delete(*ids));
  Reply(std::move(reply));
}

void StoreServer::Connection::OnStats(uint64_t rid) {
  rpc::StoreReply reply = EmptyReply(rid);
  *reply.mutable_stats() = server_.store().Stats();
  Reply(std::move(reply));
}

StoreServer::StoreServer(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<StoreServer>> StoreServer::Start(Options options) {
  std::unique_ptr<StoreServer> server(new StoreServer(std::move(options)));
  absl::StatusOr<std::unique_ptr<SharedMemory>> shm =
      SharedMemory::Create(server->options_.shm_dir, server->options_.capacity);
  if (!shm.ok()) return shm.status();
  server->shm_ = std::move(*shm);
  server->background_ = std::make_unique<ThreadPool>("store-io", server->options_.spill_threads);
  StoreServer* raw = server.get();
  LocalStore::Env env;
  env.run_after = [raw](std::chrono::milliseconds delay, std::function<void()> fn) {
    raw->loop_.RunAfter("Store.Timer", delay, std::move(fn));
  };
  env.run_in_background = [raw](std::function<void()> work, std::function<void()> done) {
    raw->background_->Submit([raw, work = std::move(work), done = std::move(done)]() mutable {
      work();
      raw->loop_.Post("Store.BackgroundDone", std::move(done));
    });
  };
  LocalStore::Options store_options;
  store_options.capacity = server->options_.capacity;
  store_options.spill_dir = server->options_.spill_dir;
  store_options.create_grace = server->options_.create_grace;
  store_options.min_spill_bytes = server->options_.min_spill_bytes;
  server->store_ = std::make_unique<LocalStore>(store_options, server->shm_->base(), std::move(env));
  absl::Status listening = server->Listen();
  if (!listening.ok()) return listening;
  server->loop_.SetSpinBeforeSleep(server->options_.spin);
  server->loop_.StartThread("object-store");
  PHOTON_LOG(INFO) << "object store: " << server->options_.capacity << " bytes of shared memory, socket "
                   << server->options_.socket_path << ", spilling to "
                   << (server->options_.spill_dir.empty() ? "(off)" : server->options_.spill_dir);
  return server;
}

absl::Status StoreServer::Listen() {
  acceptor_ = std::make_unique<Acceptor>(loop_.io_context());
  unlink(options_.socket_path.c_str());
  boost::system::error_code ec;
  stream_protocol::endpoint endpoint(options_.socket_path);
  acceptor_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor_->acceptor.bind(endpoint, ec);
  if (!ec) acceptor_->acceptor.listen(128, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("object store: cannot listen on ", options_.socket_path, ": ",
                                               ec.message()));
  }
  chmod(options_.socket_path.c_str(), 0600);
  loop_.Post("Store.Accept", [this] { Accept(); });
  return absl::OkStatus();
}

void StoreServer::Accept() {
  acceptor_->acceptor.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket socket) {
    if (ec) {
      if (ec != boost::asio::error::operation_aborted) {
        PHOTON_LOG(WARNING) << "object store: accept failed: " << ec.message();
        Accept();
      }
      return;
    }
    ClientId id = next_client_++;
    rpc::StoreHello hello;
    hello.set_capacity(options_.capacity);
    absl::Status sent = SendFrameWithFd(socket.native_handle(), hello.SerializeAsString(), shm_->fd());
    if (!sent.ok()) {
      PHOTON_LOG(WARNING) << "object store: " << sent.message();
    } else {
      auto connection = std::make_shared<Connection>(*this, id, std::move(socket));
      connections_[id] = connection;
      connection->Start();
    }
    Accept();
  });
}

void StoreServer::OnDisconnected(ClientId client) {
  connections_.erase(client);
  store_->Disconnect(client);
}

rpc::StoreStats StoreServer::Stats() {
  std::promise<rpc::StoreStats> stats;
  loop_.Post("Store.Stats", [&] { stats.set_value(store_->Stats()); });
  return stats.get_future().get();
}

int64_t StoreServer::Delete(const std::vector<ObjectID>& ids) {
  std::promise<int64_t> deleted;
  loop_.Post("Store.Delete", [&] { deleted.set_value(store_->Delete(ids)); });
  return deleted.get_future().get();
}

void StoreServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  std::promise<void> closed;
  loop_.Post("Store.Stop", [&] {
    boost::system::error_code ignored;
    acceptor_->acceptor.close(ignored);
    for (auto& [id, c] : connections_) c->Close();
    closed.set_value();
  });
  closed.get_future().wait();
  background_->Shutdown();  // finishes spills in flight; their completions never run
  loop_.Stop();
  unlink(options_.socket_path.c_str());
}

StoreServer::~StoreServer() {
  Stop();
  connections_.clear();
  acceptor_.reset();
}

}  // namespace object_store
}  // namespace photon
