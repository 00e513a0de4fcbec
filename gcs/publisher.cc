#include "gcs/publisher.h"

#include <algorithm>

namespace photon {
namespace gcs {

Publisher::Publisher(std::string epoch, Options options, RunAfter run_after)
    : epoch_(std::move(epoch)), options_(options), run_after_(std::move(run_after)) {}

void Publisher::RegisterSnapshot(rpc::Channel channel, SnapshotFn fn) {
  snapshots_[channel] = std::move(fn);
}

void Publisher::RegisterEventChannel(rpc::Channel channel) { event_channels_.insert(channel); }

bool Publisher::WantsState(const std::vector<rpc::Channel>& channels) const {
  for (rpc::Channel c : channels) {
    if (!IsEvent(c)) return true;
  }
  return false;
}

bool Publisher::Wants(const std::vector<rpc::Channel>& channels, rpc::Channel channel) {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

void Publisher::Publish(rpc::PubMessage message) {
  message.set_seq(++last_seq_);
  if (IsEvent(message.channel())) {
    event_bytes_ += message.ByteSizeLong();
    events_.push_back(message);
    while (events_.size() > 1 && (events_.size() > options_.max_buffered_events ||
                                  event_bytes_ > options_.max_buffered_event_bytes)) {
      event_bytes_ -= events_.front().ByteSizeLong();
      events_.pop_front();
    }
  } else {
    buffer_.push_back(message);
    while (buffer_.size() > options_.max_buffered_messages) {
      evicted_through_ = buffer_.front().seq();
      buffer_.pop_front();
    }
  }
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
  // Only state can be missed: events older than their window are just gone.
  const bool stale = request.publisher_epoch() != epoch_ || request.after_seq() > last_seq_ ||
                     (WantsState(channels) && request.after_seq() < evicted_through_);
  if (stale) {
    FillSnapshot(channels, reply);
    done();
    return;
  }
  // Both buffers are in seq order: merge what is newer than after_seq.
  auto newer = [](int64_t seq, const rpc::PubMessage& m) { return seq < m.seq(); };
  auto s = std::upper_bound(buffer_.begin(), buffer_.end(), request.after_seq(), newer);
  auto e = std::upper_bound(events_.begin(), events_.end(), request.after_seq(), newer);
  while (s != buffer_.end() || e != events_.end()) {
    const bool take_state = e == events_.end() || (s != buffer_.end() && s->seq() < e->seq());
    const rpc::PubMessage& m = take_state ? *s++ : *e++;
    if (Wants(channels, m.channel())) *reply->add_messages() = m;
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
