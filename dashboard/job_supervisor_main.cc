// photon-job-supervisor: runs one submitted job (dashboard/job_runner.h).
// The dashboard starts it, in a session of its own, once per job; SIGTERM
// stops the job.

#include <unistd.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "core/common/daemon.h"
#include "core/common/flags.h"
#include "core/common/logging.h"
#include "core/common/session.h"
#include "dashboard/job_runner.h"
#include "gcs/client/gcs_retry.h"

int main(int argc, char** argv) {
  using namespace photon;
  BlockTerminationSignals();
  FlagSet flags("photon-job-supervisor", "Runs one job submitted to the Photon dashboard.");
  flags.AddString("gcs-address", "", "HOST:PORT of the GCS");
  flags.AddString("session-dir", "", "the head's session directory");
  flags.AddString("submission-id", "", "the job to run");
  flags.AddString("node-id", "", "hex id of the node it runs on");
  flags.AddInt("stop-grace-ms", 3000, "time between SIGTERM and SIGKILL when the job is stopped");
  absl::Status parsed = flags.Parse(argc, argv);
  if (!parsed.ok() || flags.GetString("gcs-address").empty() || flags.GetString("submission-id").empty()) {
    std::cerr << "photon-job-supervisor: " << (parsed.ok() ? "--gcs-address and --submission-id are required"
                                                           : std::string(parsed.message()))
              << "\n\n"
              << flags.Usage();
    return 2;
  }
  absl::StatusOr<std::string> token = DaemonToken(flags.GetString("session-dir"));
  if (!token.ok()) {
    std::cerr << "photon-job-supervisor: " << token.status().message() << "\n";
    return 1;
  }
  dashboard::JobRunnerOptions options;
  options.gcs_address = flags.GetString("gcs-address");
  options.token = *token;
  options.session_dir = flags.GetString("session-dir");
  options.submission_id = flags.GetString("submission-id");
  options.node_id = flags.GetString("node-id");
  options.stop_grace = std::chrono::milliseconds(flags.GetInt("stop-grace-ms"));
  // Waits out a GCS restart (a head on Redis) rather than losing the job's end.
  const rpc::RetryPolicy retry = gcs::ThroughGcsRestart();

  static std::atomic<bool> stop{false};
  std::thread([] {
    WaitForTerminationSignal();
    stop = true;
  }).detach();
  // `photon stop` finds it through its pid file, and stops it (so its job)
  // before the raylets and the GCS.
  absl::StatusOr<Session> session = Session::Open(options.session_dir);
  const std::string pid_name = "job-" + options.submission_id;
  if (session.ok()) session->WritePid(pid_name, getpid()).IgnoreError();
  gcs::GcsClient gcs({.address = options.gcs_address, .token = options.token, .retry = retry});
  dashboard::JobRunner runner(gcs, options);
  absl::Status s = runner.Run(stop);
  if (session.ok()) session->RemovePid(pid_name);
  if (!s.ok()) {
    std::cerr << "photon-job-supervisor: job " << options.submission_id << ": " << s << "\n";
    return 1;
  }
  return 0;
}
