#include "object_store/object_store_client.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "object_store/framing.h"

namespace photon {
namespace object_store {
absl::StatusOr<std::unique_ptr<ObjectStoreClient>> ObjectStoreClient::Connect(const std::string& socket_path) {
  std::unique_ptr<ObjectStoreClient> client(new ObjectStoreClient(socket_path));
  std::unique_lock<std::mutex> lock(client->mu_);
  absl::Status s = client->EnsureConnected(lock);
  if (!s.ok()) return s;
  lock.unlock();
  return client;
}

ObjectStoreClient::~ObjectStoreClient() {
  std::unique_lock<std::mutex> lock(mu_);
  if (socket_ >= 0) close(socket_);
  for (int fd : retired_sockets_) close(fd);
  for (const auto& [addr, size] : mappings_) munmap(addr, size);
}

absl::Status ObjectStoreClient::EnsureConnected(std::unique_lock<std::mutex>& lock) {
  if (socket_ >= 0) return absl::OkStatus();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path)) {
    close(fd);
    return absl::InvalidArgumentError("object store socket path is too long: " + socket_path_);
  }
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot reach the object store at ", socket_path_, ": ",
                                               std::strerror(err), " (is the raylet running?)"));
  }
  absl::StatusOr<std::pair<std::string, int>> hello = ReceiveFrameWithFd(fd);
  if (!hello.ok()) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("object store at ", socket_path_, ": ", hello.status().message()));
  }
  rpc::StoreHello info;
  info.ParseFromString(hello->first);
  const int shm = hello->second;
  const size_t size = static_cast<size_t>(info.capacity());
  void* rw = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
  void* ro = rw == MAP_FAILED ? MAP_FAILED : mmap(nullptr, size, PROT_READ, MAP_SHARED, shm, 0);
  close(shm);
  if (rw == MAP_FAILED || ro == MAP_FAILED) {
    int err = errno;
    if (rw != MAP_FAILED) munmap(rw, size);
    close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("cannot map the object store's ", size,
                                                     " bytes of shared memory: ", std::strerror(err)));
  }
  mappings_.emplace_back(rw, size);
  mappings_.emplace_back(ro, size);
  socket_ = fd;
  capacity_ = info.capacity();
  writable_ = static_cast<uint8_t*>(rw);
  readable_ = static_cast<const uint8_t*>(ro);
  generation_++;
  pins_.clear();
  inbox_.clear();
  return absl::OkStatus();
}

void ObjectStoreClient::DisconnectLocked(const std::string& why) {
  if (socket_ < 0) return;
  // Wakes a thread blocked reading. The descriptor and the mappings stay
  // until the client is destroyed, so no thread ever uses a reused
  // descriptor and buffers handed out stay readable.
  shutdown(socket_, SHUT_RDWR);
  retired_sockets_.push_back(socket_);
  socket_ = -1;
  generation_++;
  pins_.clear();
  replies_.clear();
  replies_cv_.notify_all();
  (void)why;
}

absl::StatusOr<rpc::StoreReply> ObjectStoreClient::Call(rpc::StoreRequest request, bool no_reply) {
  std::unique_lock<std::mutex> lock(mu_);
  absl::Status connected = EnsureConnected(lock);
  if (!connected.ok()) return connected;
  const uint64_t id = next_request_id_++;
  request.set_request_id(id);
  const int sock = socket_;
  const uint64_t generation = generation_;
  lock.unlock();
  absl::Status written;
  {
    std::lock_guard<std::mutex> write_lock(write_mu_);
    written = WriteFrame(sock, request.SerializeAsString());
  }
  lock.lock();
  auto lost = [&](absl::string_view what) {
    if (generation == generation_) DisconnectLocked(std::string(what));
    return absl::UnavailableError(absl::StrCat("object store at ", socket_path_, " went away (", what,
                                               "); its pins are released"));
  };
  if (!written.ok()) return lost(written.message());
  if (no_reply) return rpc::StoreReply();
  rpc::StoreReply reply;
  while (true) {
    if (generation != generation_) return lost("connection closed");
    auto it = replies_.find(id);
    if (it != replies_.end()) {
      reply = std::move(it->second);
      replies_.erase(it);
      break;
    }
    if (reading_) {
      replies_cv_.wait(lock);
      continue;
    }
    reading_ = true;
    lock.unlock();
    // Store replies take tens of microseconds: poll briefly before sleeping.
    absl::StatusOr<std::string> frame = ReadFrameBuffered(sock, &inbox_, std::chrono::microseconds(50));
    lock.lock();
    reading_ = false;
    if (!frame.ok()) {
      replies_cv_.notify_all();
      return lost(frame.status().message());
    }
    rpc::StoreReply incoming;
    if (!incoming.ParseFromString(*frame)) {
      replies_cv_.notify_all();
      return lost("malformed reply");
    }
    replies_[incoming.request_id()] = std::move(incoming);
    replies_cv_.notify_all();
  }
  if (reply.code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(reply.code()), reply.message());
  }
  return reply;
}

absl::StatusOr<MutableObject> ObjectStoreClient::Create(const ObjectID& id, int64_t data_size,
                                                        int64_t metadata_size, const rpc::Address& owner,
                                                        bool primary) {
  rpc::StoreRequest request;
  auto* c = request.mutable_create();
  c->set_object_id(id.Binary());
  c->set_data_size(data_size);
  c->set_metadata_size(metadata_size);
  *c->mutable_owner() = owner;
  c->set_primary(primary);
  absl::StatusOr<rpc::StoreReply> reply = Call(std::move(request));
  if (!reply.ok()) return reply.status();
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t offset = reply->create().offset();
  MutableObject object{writable_ + offset, data_size, writable_ + offset + data_size, metadata_size};
  Pin& pin = pins_[id];
  pin.count++;
  pin.buffer = ObjectBuffer{id, true, readable_ + offset, data_size, readable_ + offset + data_size,
                            metadata_size, ""};
  return object;
}

absl::Status ObjectStoreClient::Seal(const ObjectID& id) {
  rpc::StoreRequest request;
  request.mutable_seal()->set_object_id(id.Binary());
  return Call(std::move(request)).status();
}

absl::Status ObjectStoreClient::Abort(const ObjectID& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pins_.erase(id);
  }
  rpc::StoreRequest request;
  request.mutable_abort()->set_object_id(id.Binary());
  return Call(std::move(request), /*no_reply=*/true).status();
}

ObjectBuffer ObjectStoreClient::MakeBuffer(const rpc::StoreObject& o) const {
  ObjectBuffer b;
  b.id = *ObjectID::FromBinary(o.object_id());
  b.found = o.found();
  b.error = o.error();
  if (b.found) {
    b.data = readable_ + o.offset();
    b.data_size = o.data_size();
    b.metadata = readable_ + o.offset() + o.data_size();
    b.metadata_size = o.metadata_size();
  }
  return b;
}

absl::StatusOr<std::vector<ObjectBuffer>> ObjectStoreClient::Get(const std::vector<ObjectID>& ids,
                                                                  int64_t timeout_ms) {
  std::vector<ObjectBuffer> out(ids.size());
  rpc::StoreRequest request;
  std::vector<size_t> asked;  // positions the store must answer
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < ids.size(); i++) {
      auto it = pins_.find(ids[i]);
      if (it != pins_.end()) {
        it->second.count++;
        out[i] = it->second.buffer;
      } else {
        request.mutable_get()->add_object_ids(ids[i].Binary());
        asked.push_back(i);
      }
    }
  }
  if (asked.empty()) return out;
  request.mutable_get()->set_timeout_ms(timeout_ms);
  absl::StatusOr<rpc::StoreReply> reply = Call(std::move(request));
  if (!reply.ok()) return reply.status();
  std::vector<ObjectID> extra_pins;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t k = 0; k < asked.size() && k < static_cast<size_t>(reply->get().objects_size()); k++) {
      ObjectBuffer b = MakeBuffer(reply->get().objects(static_cast<int>(k)));
      if (b.found) {
        Pin& pin = pins_[b.id];
        if (pin.count > 0) extra_pins.push_back(b.id);  // another thread pinned it meanwhile
        pin.count++;
        pin.buffer = b;
      }
      out[asked[k]] = std::move(b);
    }
  }
  for (const ObjectID& id : extra_pins) {
    rpc::StoreRequest release;
    release.mutable_release()->set_object_id(id.Binary());
    (void)Call(std::move(release), true);
  }
  return out;
}

absl::Status ObjectStoreClient::Release(const ObjectID& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pins_.find(id);
    if (it == pins_.end()) {
      return absl::FailedPreconditionError("release: this client holds no pin on object " + id.Hex());
    }
    if (--it->second.count > 0) return absl::OkStatus();
    pins_.erase(it);
  }
  rpc::StoreRequest request;
  request.mutable_release()->set_object_id(id.Binary());
  return Call(std::move(request), /*no_reply=*/true).status();
}

absl::StatusOr<bool> ObjectStoreClient::Contains(const ObjectID& id) {
  rpc::StoreRequest request;
  request.mutable_contains()->set_object_id(id.Binary());
  absl::StatusOr<rpc::StoreReply> reply = Call(std::move(request));
  if (!reply.ok()) return reply.status();
  return reply->contains().contains();
}

absl::StatusOr<int64_t> ObjectStoreClient::Delete(const std::vector<ObjectID>& ids) {
  rpc::StoreRequest request;
  for (const ObjectID& id : ids) request.mutable_delete_()->add_object_ids(id.Binary());
  absl::StatusOr<rpc::StoreReply> reply = Call(std::move(request));
  if (!reply.ok()) return reply.status();
  return reply->delete_().deleted();
}

absl::StatusOr<rpc::StoreStats> ObjectStoreClient::Stats() {
  rpc::StoreRequest request;
  request.mutable_stats();
  absl::StatusOr<rpc::StoreReply> reply = Call(std::move(request));
  if (!reply.ok()) return reply.status();
  return reply->stats();
}

absl::Status ObjectStoreClient::Put(const ObjectID& id, const void* data, int64_t size,
                                    const std::string& metadata) {
  absl::StatusOr<MutableObject> object = Create(id, size, static_cast<int64_t>(metadata.size()));
  if (!object.ok()) return object.status();
  if (size > 0) std::memcpy(object->data, data, static_cast<size_t>(size));
  if (!metadata.empty()) std::memcpy(object->metadata, metadata.data(), metadata.size());
  absl::Status sealed = Seal(id);
  if (!sealed.ok()) return sealed;
  return Release(id);
}

int64_t ObjectStoreClient::capacity() const {
  std::lock_guard<std::mutex> lock(mu_);
  return capacity_;
}

}  // namespace object_store
}  // namespace photon
