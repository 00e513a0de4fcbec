#pragma once

// The session directory: where one cluster's processes on this machine keep
// their logs, the cluster token, addresses and pid files.
//
//   /tmp/photon/                         (PHOTON_TMPDIR overrides)
//     session_latest -> session_2026-11-26_04-30-00_1234
//     session_2026-11-26_04-30-00_1234/
//       token            cluster token, mode 0600
//       gcs_address      "127.0.0.1:6379"
//       ports            "gcs=6379", "raylet=41234" (written by photon start)
//       logs/gcs.log, logs/raylet.log, ...
//       pids/gcs, pids/raylet-<port>     one pid per file, read by `photon stop`
//
//   ASSIGN_OR_RETURN(Session s, Session::Create());
//   RETURN_IF_ERROR(s.WriteToken(Session::GenerateToken()));
//
// Thread-compatible.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace photon {

class Session {
 public:
  // PHOTON_TMPDIR, or /tmp/photon.
  static std::string Root();

  // Makes a new session directory under Root() and points session_latest at it.
  static absl::StatusOr<Session> Create();
  // Opens an existing session directory.
  static absl::StatusOr<Session> Open(const std::string& dir);
  // The directory session_latest points at; NotFound when there is none.
  static absl::StatusOr<Session> Latest();
  // Every session directory under Root().
  static std::vector<Session> All();

  // 32 random bytes from /dev/urandom, hex-encoded.
  static absl::StatusOr<std::string> GenerateToken();

  const std::string& dir() const { return dir_; }
  std::string logs_dir() const { return dir_ + "/logs"; }
  std::string token_path() const { return dir_ + "/token"; }

  // Writes the token with mode 0600.
  absl::Status WriteToken(const std::string& token) const;
  absl::StatusOr<std::string> ReadToken() const;

  absl::Status WriteGcsAddress(const std::string& address) const;
  absl::StatusOr<std::string> ReadGcsAddress() const;

  // Records that `pid` runs `name` in this session (pids/<name>).
  absl::Status WritePid(const std::string& name, int pid) const;
  // (name, pid) of every pid file.
  std::vector<std::pair<std::string, int>> Pids() const;
  void RemovePid(const std::string& name) const;

 private:
  explicit Session(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// The cluster token for clients: PHOTON_CLUSTER_TOKEN when set, else the
// token file of the latest session. NotFound says which places were tried.
absl::StatusOr<std::string> ResolveClusterToken();

// Reads a whole small file; NotFound/PermissionDenied name the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);
// Creates `path` and its missing parents (like mkdir -p).
absl::Status MakeDirectories(const std::string& path, int mode = 0755);
// Writes `content` to `path` atomically (temp file + rename) with `mode`.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content, int mode);

}  // namespace photon
