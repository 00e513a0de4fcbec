#include "gcs/publisher.h"

#include <algorithm>

namespace photon {
namespace gcs {

Publisher::Publisher(std::string epoch, Options options, RunAfter run_after)
    : epoch_(std::move(epoch)), options_(options), run_after_(std::move(run_after)) {}

void Publisher::RegisterSnapshot(rpc::Channel channel, SnapshotFn fn) {
  snapshots_[channel] = std::move(fn);
}

bool Publisher::Wants(const std::vector<rpc::Channel>& channels, rpc::Channel channel) {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

void Publisher::Publish(rpc::PubMessage message) {
  message.set_seq(++last_seq_);
  buffer_.push_back(message);
  while (buffer_.size() > options_.max_buffered_messages) buffer_.pop_front();
  std::vector<int64_t> ready;
  for (auto& [id, poll] : parked_) {
    if (!Wants(poll.channels, message.channel())) continue;
    *poll.reply->add_messages() = message;
    ready.push_back(id);
  }
  for (int64_t id : ready) Finish(id);
}

void Publisher::FillSnapshot(const std::vector<rpc::Channel>& channels, rpc::PollReply* reply) {
  reply->set_is_snapshot(true);
  for (rpc::Channel channel : channels) {
    auto it = snapshots_.find(channel);
    if (it == snapshots_.end()) continue;
    for (rpc::PubMessage& m : it->second()) {
      m.set_channel(channel);
      m.set_seq(last_seq_);
      *reply->add_messages() = std::move(m);
    }
  }
}

void Publisher::Poll(const rpc::PollRequest& request, rpc::PollReply* reply,
                     std::function<void()> done) {
  std::vector<rpc::Channel> channels;
  for (int c : request.channels()) channels.push_back(static_cast<rpc::Channel>(c));
  reply->set_publisher_epoch(epoch_);
  reply->set_last_seq(last_seq_);
  const int64_t oldest_kept = buffer_.empty() ? last_seq_ + 1 : buffer_.front().seq();
  const bool stale = request.publisher_epoch() != epoch_ || request.after_seq() > last_seq_ ||
                     request.after_seq() + 1 < oldest_kept;
  if (stale) {
    FillSnapshot(channels, reply);
    done();
    return;
  }
  for (const rpc::PubMessage& m : buffer_) {
    if (m.seq() > request.after_seq() && Wants(channels, m.channel())) *reply->add_messages() = m;
  }
  if (reply->messages_size() > 0) {
    done();
    return;
  }
  int64_t id = next_poll_id_++;
  parked_.emplace(id, ParkedPoll{std::move(channels), reply, std::move(done)});
  std::chrono::milliseconds timeout(request.timeout_ms());
  if (timeout <= std::chrono::milliseconds(0) || timeout > options_.max_poll_timeout) {
    timeout = options_.max_poll_timeout;
  }
  run_after_(timeout, [this, id] { Finish(id); });
}

void Publisher::Finish(int64_t poll_id) {
  auto it = parked_.find(poll_id);
  if (it == parked_.end()) return;  // already answered by a publish
  it->second.reply->set_last_seq(last_seq_);
  std::function<void()> done = std::move(it->second.done);
  parked_.erase(it);
  done();
}

void Publisher::FlushParked() {
  while (!parked_.empty()) Finish(parked_.begin()->first);
}

}  // namespace gcs
}  // namespace photon
