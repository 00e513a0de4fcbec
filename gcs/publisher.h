#pragma once

// Publisher: the GCS's pubsub, served as long polls (no broker).
//
// Every change (a node joining or dying, a job starting or ending, a node's
// resources changing) is published with a sequence number into a bounded
// buffer. A subscriber polls with the epoch and last sequence number it saw:
//   - anything newer on its channels comes back at once;
//   - nothing newer: the poll is parked until a publish or its timeout;
//   - a new subscriber, a subscriber of an earlier GCS process (epoch
//     changed, e.g. after a restart) or one that fell behind the buffer gets
//     a snapshot: the whole current state of its channels, is_snapshot=true.
// So a subscriber never misses state: it either sees every change in order,
// or is told to replace what it had.
//
// Event channels (RegisterEventChannel; WORKER_LOGS) carry things that
// happened, not state: they have no snapshot, so a new subscriber starts
// from now and never gets their history. Their messages share the sequence
// numbers but live in a window of their own, bounded by count and bytes, so
// a flood of events neither grows the GCS nor pushes state changes out of
// their buffer (which would cost state subscribers a snapshot). A subscriber
// slower than the event window just misses the oldest events.
//
//   Publisher publisher(epoch, options, run_after);
//   publisher.RegisterSnapshot(rpc::NODE, [&] { return node_manager.Snapshot(); });
//   publisher.Publish(NodeMessage(info));
//   publisher.Poll(request, &reply, [=] { reactor->Finish(OK); });
//
// Runs only on the GCS loop.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {

class Publisher {
 public:
  struct Options {
    // Messages kept for subscribers that poll late; older ones cost them a snapshot.
    size_t max_buffered_messages = 10000;
    // Upper bound on a poll's timeout_ms (a poll asking 0 gets this).
    std::chrono::milliseconds max_poll_timeout{30000};
    // The window of recent messages kept for event channels: at most this
    // many, and at most this many bytes (the newest one is always kept).
    size_t max_buffered_events = 1000;
    size_t max_buffered_event_bytes = 8 << 20;
  };
  // Schedules `fn` on the loop after `delay` (EventLoop::RunAfter in the GCS).
  using RunAfter = std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)>;
  using SnapshotFn = std::function<std::vector<rpc::PubMessage>()>;

  Publisher(std::string epoch, Options options, RunAfter run_after);

  // The current state of `channel`, for snapshots.
  void RegisterSnapshot(rpc::Channel channel, SnapshotFn fn);
  // Makes `channel` an event channel (see above).
  // REQUIRES: no snapshot is registered for it, and nothing was published on it yet.
  void RegisterEventChannel(rpc::Channel channel);

  // Assigns the next sequence number and answers parked polls that want it.
  void Publish(rpc::PubMessage message);

  // Fills `reply` now or later; `done` is called exactly once when it is filled.
  void Poll(const rpc::PollRequest& request, rpc::PollReply* reply, std::function<void()> done);

  // Answers every parked poll with what it has (nothing); for shutdown.
  void FlushParked();

  const std::string& epoch() const { return epoch_; }
  int64_t last_seq() const { return last_seq_; }
  size_t parked_polls() const { return parked_.size(); }

 private:
  struct ParkedPoll {
    std::vector<rpc::Channel> channels;
    rpc::PollReply* reply;
    std::function<void()> done;
  };

  void FillSnapshot(const std::vector<rpc::Channel>& channels, rpc::PollReply* reply);
  static bool Wants(const std::vector<rpc::Channel>& channels, rpc::Channel channel);
  bool IsEvent(rpc::Channel channel) const { return event_channels_.count(channel) > 0; }
  // True when `channels` has a state (non-event) channel.
  bool WantsState(const std::vector<rpc::Channel>& channels) const;
  void Finish(int64_t poll_id);

  const std::string epoch_;
  const Options options_;
  RunAfter run_after_;
  std::map<rpc::Channel, SnapshotFn> snapshots_;
  std::set<rpc::Channel> event_channels_;
  // State channels' recent messages, in seq order.
  std::deque<rpc::PubMessage> buffer_;
  // The highest seq dropped from buffer_: a state subscriber that saw less
  // than that missed a change and needs a snapshot.
  int64_t evicted_through_ = 0;
  // Event channels' recent messages, in seq order, and their total bytes.
  std::deque<rpc::PubMessage> events_;
  size_t event_bytes_ = 0;
  int64_t last_seq_ = 0;
  int64_t next_poll_id_ = 0;
  std::map<int64_t, ParkedPoll> parked_;
};

}  // namespace gcs
}  // namespace photon
