#include "object_store/object_manager.h"

#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "object_store/framing.h"
#include "object_store/store_calls.h"
#include "object_store/tcp.h"

namespace photon {
namespace object_store {
namespace {

// Sends one request and reads its header; the caller then reads `length` bytes.
absl::StatusOr<rpc::TransferHeader> Ask(int fd, const std::string& token, const ObjectID& id,
                                        int64_t offset, int64_t length) {
  rpc::TransferRequest request;
  request.set_token(token);
  request.set_object_id(id.Binary());
  request.set_offset(offset);
  request.set_length(length);
  absl::Status sent = WriteFrame(fd, request.SerializeAsString());
  if (!sent.ok()) return sent;
  absl::StatusOr<std::string> frame = ReadFrame(fd);
  if (!frame.ok()) return frame.status();
  rpc::TransferHeader header;
  if (!header.ParseFromString(*frame)) return absl::DataLossError("malformed transfer header");
  if (header.code() != 0) return absl::Status(static_cast<absl::StatusCode>(header.code()), header.message());
  if (header.offset() != offset || header.length() != length) {
    return absl::DataLossError("transfer header does not match the request");
  }
  return header;
}

}  // namespace

ObjectManager::ObjectManager(Options options, StoreServer& store)
    : options_(std::move(options)), store_(store),
      pool_(std::make_unique<ThreadPool>("transfer-in", options_.pull_threads)) {}

ObjectManager::~ObjectManager() { pool_->Shutdown(); }

void ObjectManager::Pull(const ObjectID& id, std::vector<std::string> holders, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, first] = pulling_.try_emplace(id);
    it->second.push_back(std::move(done));
    if (!first) return;  // merged into the pull already running
  }
  pool_->Submit([this, id, holders = std::move(holders)] {
    absl::StatusOr<int64_t> result = RunPull(id, holders);
    std::vector<Done> waiting;
    {
      std::lock_guard<std::mutex> lock(mu_);
      waiting = std::move(pulling_[id]);
      pulling_.erase(id);
    }
    for (Done& d : waiting) d(result);
  });
}

void ObjectManager::Admit(int64_t bytes) {
  const int64_t limit = options_.max_inflight_bytes > 0 ? options_.max_inflight_bytes
                                                        : store_.capacity() / 2;
  std::unique_lock<std::mutex> lock(mu_);
  admission_cv_.wait(lock, [&] { return inflight_bytes_ == 0 || inflight_bytes_ + bytes <= limit; });
  inflight_bytes_ += bytes;
}

void ObjectManager::Leave(int64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    inflight_bytes_ -= bytes;
  }
  admission_cv_.notify_all();
}

absl::StatusOr<int64_t> ObjectManager::RunPull(const ObjectID& id, const std::vector<std::string>& holders) {
  if (holders.empty()) return absl::InvalidArgumentError("pull of object " + id.Hex() + ": no holder given");
  std::vector<std::string> failures;
  for (const std::string& holder : holders) {
    absl::StatusOr<int64_t> pulled = PullFrom(id, holder);
    if (pulled.ok()) return pulled;
    if (pulled.status().code() == absl::StatusCode::kAlreadyExists) {
      // Someone else (a task, another pull) made it here meanwhile.
      if (ContainsOnLoop(store_, id)) return 0;
    }
    failures.push_back(absl::StrCat(holder, ": ", pulled.status().message()));
    PHOTON_LOG(WARNING) << "pull of object " << id.Hex() << " from " << holder
                        << " failed: " << pulled.status().message();
  }
  return absl::UnavailableError(
      absl::StrCat("pull of object ", id.Hex(), " failed from every holder (", absl::StrJoin(failures, "; "), ")"));
}

absl::StatusOr<int64_t> ObjectManager::PullFrom(const ObjectID& id, const std::string& holder) {
  absl::StatusOr<int> first = ConnectTcp(holder, options_.connect_timeout, options_.io_timeout);
  if (!first.ok()) return first.status();
  std::vector<int> fds = {*first};
  auto close_all = [&] {
    for (int fd : fds) close(fd);
  };
  absl::StatusOr<rpc::TransferHeader> sizes = Ask(fds[0], options_.token, id, 0, 0);
  if (!sizes.ok()) {
    close_all();
    return sizes.status();
  }
  const int64_t total = sizes->data_size() + sizes->metadata_size();
  Admit(total);
  const ClientId client = store_.NewInternalClient();
  LocalStore::CreateArgs args;
  args.id = id;
  args.data_size = sizes->data_size();
  args.metadata_size = sizes->metadata_size();
  args.primary = false;
  absl::StatusOr<int64_t> offset = CreateOnLoop(store_, client, args);
  if (!offset.ok()) {
    Leave(total);
    close_all();
    return offset.status();
  }
  uint8_t* dest = store_.base() + *offset;
  const int64_t chunks = std::max<int64_t>(1, (total + options_.chunk_size - 1) / options_.chunk_size);
  const int streams = static_cast<int>(std::min<int64_t>(options_.connections, chunks));
  for (int i = 1; i < streams; i++) {
    absl::StatusOr<int> fd = ConnectTcp(holder, options_.connect_timeout, options_.io_timeout);
    if (fd.ok()) fds.push_back(*fd);  // fewer streams is still fine
  }
  std::atomic<int64_t> next_chunk{0};
  std::mutex error_mu;
  absl::Status error;
  auto stream = [&](int fd) {
    while (true) {
      {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error.ok()) return;
      }
      int64_t chunk = next_chunk++;
      if (chunk >= chunks) return;
      int64_t begin = chunk * options_.chunk_size;
      int64_t length = std::min(options_.chunk_size, total - begin);
      absl::StatusOr<rpc::TransferHeader> header = Ask(fd, options_.token, id, begin, length);
      absl::Status s = header.ok() ? RecvAll(fd, dest + begin, length) : header.status();
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (error.ok()) error = absl::Status(s.code(), absl::StrCat("chunk at byte ", begin, ": ", s.message()));
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < fds.size(); i++) threads.emplace_back(stream, fds[i]);
  stream(fds[0]);
  for (std::thread& t : threads) t.join();
  close_all();
  absl::Status finished;
  if (error.ok()) {
    finished = RunOnLoop(store_, "ObjectManager.Seal", [client, id](LocalStore& store) {
      absl::Status sealed = store.Seal(client, id);
      return sealed.ok() ? store.Release(client, id) : sealed;
    });
  } else {
    // Never sealed: nobody saw it, and its memory goes back.
    (void)RunOnLoop(store_, "ObjectManager.Abort",
                    [client, id](LocalStore& store) { return store.Abort(client, id); });
    finished = error;
  }
  Leave(total);
  if (!finished.ok()) return finished;
  return total;
}

}  // namespace object_store
}  // namespace photon
