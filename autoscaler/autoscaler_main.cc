// photon-autoscaler: adds nodes when demand exceeds capacity and removes
// idle ones (autoscaler/autoscaler.h). `photon start --head
// --autoscaling-config FILE` runs it; see `photon-autoscaler --help`.

#include <atomic>
#include <iostream>
#include <thread>

#include "core/common/daemon.h"
#include "core/common/flags.h"
#include "core/common/logging.h"
#include "core/common/session.h"
#include "core/common/wall_clock.h"
#include "autoscaler/autoscaler.h"
#include "autoscaler/kubernetes_provider.h"
#include "autoscaler/local_provider.h"

int main(int argc, char** argv) {
  using namespace photon;
  using namespace photon::autoscaler;
  BlockTerminationSignals();
  FlagSet flags("photon-autoscaler", "The Photon autoscaler: demand to nodes and back.");
  flags.AddString("gcs-address", "", "HOST:PORT of the GCS");
  flags.AddString("config", "", "the autoscaling config (YAML; see deploy/autoscaler-local.yaml)");
  flags.AddString("session-dir", "", "the head's session directory (logs, token, local nodes' files)");
  flags.AddBool("help", false, "print this help");
  absl::Status parsed = flags.Parse(argc, argv);
  if (!parsed.ok() || flags.GetBool("help") || flags.GetString("gcs-address").empty() ||
      flags.GetString("config").empty()) {
    if (!parsed.ok()) std::cerr << "photon-autoscaler: " << parsed.message() << "\n\n";
    if (parsed.ok() && !flags.GetBool("help")) std::cerr << "photon-autoscaler: --gcs-address and --config are required\n\n";
    std::cerr << flags.Usage();
    return parsed.ok() && flags.GetBool("help") ? 0 : 2;
  }
  const std::string session_dir = flags.GetString("session-dir");
  InitDaemonLogging("autoscaler", session_dir);
  absl::StatusOr<std::string> token = DaemonToken(session_dir);
  if (!token.ok()) {
    std::cerr << "photon-autoscaler: " << token.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::string> yaml = ReadFileToString(flags.GetString("config"));
  absl::StatusOr<AutoscalerConfig> config = yaml.ok() ? ParseAutoscalerConfig(*yaml) : yaml.status();
  if (!config.ok()) {
    std::cerr << "photon-autoscaler: " << flags.GetString("config") << ": " << config.status().message() << "\n";
    return 2;
  }
  const std::string gcs_address = flags.GetString("gcs-address");
  std::unique_ptr<NodeProvider> provider;
  if (config->provider.type == "local") {
    provider = std::make_unique<LocalProvider>(LocalProvider::Options{
        .gcs_address = gcs_address, .token = *token, .dir = session_dir + "/autoscaler"});
  } else if (config->provider.type == "kubernetes") {
    // Inside the head pod: the service account's token and CA (kubernetes_provider.h).
    ProviderConfig settings = config->provider;
    const std::string cluster = settings.settings["cluster_name"];
    settings.settings.erase("cluster_name");
    absl::StatusOr<KubernetesProvider::Options> options = KubernetesProvider::OptionsFromConfig(settings, cluster);
    absl::StatusOr<std::unique_ptr<KubernetesProvider>> kube =
        options.ok() ? KubernetesProvider::Create(*options) : options.status();
    if (!kube.ok()) {
      std::cerr << "photon-autoscaler: kubernetes provider: " << kube.status().message() << "\n";
      return 2;
    }
    provider = *std::move(kube);
  } else {
    std::cerr << "photon-autoscaler: unknown provider '" << config->provider.type << "' (local or kubernetes)\n";
    return 2;
  }
  gcs::GcsClient gcs({.address = gcs_address, .token = *token, .retry = {}});
  Autoscaler autoscaler({.gcs = gcs, .provider = provider.get(), .config = *config, .token = *token,
                         .now_ms = [] { return UnixMillis(); }});
  if (absl::Status s = autoscaler.Start(); !s.ok()) {
    std::cerr << "photon-autoscaler: " << s.message() << "\n";
    return 1;
  }
  std::atomic<bool> stop{false};
  std::thread loop([&] {
    const auto period = std::chrono::milliseconds(static_cast<int64_t>(config->loop_period_s * 1000));
    while (!stop.load()) {
      if (absl::Status s = autoscaler.RunOnce(); !s.ok()) PHOTON_LOG(WARNING) << "autoscaler: " << s;
      for (auto slept = std::chrono::milliseconds(0); slept < period && !stop.load();
           slept += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  PHOTON_LOG(INFO) << "autoscaler on GCS " << gcs_address << " with " << config->node_types.size() << " node types";
  int sig = WaitForTerminationSignal();
  PHOTON_LOG(INFO) << "autoscaler stopping on signal " << sig << " (its nodes keep running)";
  stop = true;
  loop.join();
  return 0;
}
