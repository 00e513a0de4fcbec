#include "core/common/session.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/common/status_macros.h"

namespace photon {
namespace {

absl::Status ErrnoStatus(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

}  // namespace

absl::Status MakeDirectories(const std::string& path, int mode) {
  std::string partial;
  std::stringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) {
      if (partial.empty()) partial = "/";
      continue;
    }
    partial += (partial.empty() || partial.back() == '/') ? part : "/" + part;
    if (mkdir(partial.c_str(), mode) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create directory " + partial, errno);
    }
  }
  return absl::OkStatus();
}


absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot read " + path, errno);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content, int mode) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return ErrnoStatus("cannot write " + tmp, errno);
  fchmod(fd, mode);  // umask must not widen or narrow the mode we asked for
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      int err = errno;
      close(fd);
      return ErrnoStatus("cannot write " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("cannot rename to " + path, errno);
  return absl::OkStatus();
}

std::string Session::Root() {
  const char* env = std::getenv("PHOTON_TMPDIR");
  return (env != nullptr && *env != '\0') ? std::string(env) : "/tmp/photon";
}

absl::StatusOr<Session> Session::Create() {
  std::string root = Root();
  RETURN_IF_ERROR(MakeDirectories(root, 0755));
  time_t now = time(nullptr);
  tm local;
  localtime_r(&now, &local);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%Y-%m-%d_%H-%M-%S", &local);
  // (A process may start several sessions within a second: photon.init(),
  // shutdown(), init() again.)
  static int started_here = 0;
  std::string name = absl::StrCat("session_", stamp, "_", getpid(), started_here++ > 0 ? absl::StrCat("_", started_here) : "");
  Session session(root + "/" + name);
  RETURN_IF_ERROR(MakeDirectories(session.logs_dir(), 0755));
  RETURN_IF_ERROR(MakeDirectories(session.dir_ + "/pids", 0755));
  // Repoint session_latest atomically: a new link, renamed over the old one.
  std::string link_tmp = absl::StrCat(root, "/session_latest.tmp.", getpid());
  unlink(link_tmp.c_str());
  if (symlink(name.c_str(), link_tmp.c_str()) != 0) {
    return ErrnoStatus("cannot create link " + link_tmp, errno);
  }
  if (rename(link_tmp.c_str(), (root + "/session_latest").c_str()) != 0) {
    return ErrnoStatus("cannot update " + root + "/session_latest", errno);
  }
  return session;
}

absl::StatusOr<Session> Session::Open(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError("no session directory at " + dir);
  }
  return Session(dir);
}

absl::StatusOr<Session> Session::Latest() {
  std::string link = Root() + "/session_latest";
  char target[4096];
  ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
  if (n < 0) {
    return absl::NotFoundError("no Photon session on this machine (" + link +
                               " does not exist); start one with `photon start --head`");
  }
  target[n] = '\0';
  std::string dir = target[0] == '/' ? std::string(target) : Root() + "/" + target;
  return Open(dir);
}

std::vector<Session> Session::All() {
  std::vector<Session> sessions;
  std::string root = Root();
  DIR* d = opendir(root.c_str());
  if (d == nullptr) return sessions;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind("session_", 0) != 0 || name == "session_latest") continue;
    if (name.find(".tmp.") != std::string::npos) continue;
    sessions.push_back(Session(root + "/" + name));
  }
  closedir(d);
  return sessions;
}

absl::StatusOr<std::string> Session::GenerateToken() {
  ASSIGN_OR_RETURN(std::string bytes, [&]() -> absl::StatusOr<std::string> {
    std::ifstream in("/dev/urandom", std::ios::binary);
    std::string buf(32, '\0');
    if (!in.read(buf.data(), buf.size())) return absl::InternalError("cannot read /dev/urandom");
    return buf;
  }());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xf];
  }
  return hex;
}

absl::Status Session::WriteToken(const std::string& token) const {
  return WriteFileAtomically(token_path(), token + "\n", 0600);
}

absl::StatusOr<std::string> Session::ReadToken() const {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(token_path()));
  return std::string(absl::StripAsciiWhitespace(text));
}

absl::Status Session::WriteGcsAddress(const std::string& address) const {
  return WriteFileAtomically(dir_ + "/gcs_address", address + "\n", 0644);
}

absl::StatusOr<std::string> Session::ReadGcsAddress() const {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(dir_ + "/gcs_address"));
  return std::string(absl::StripAsciiWhitespace(text));
}

absl::Status Session::WritePid(const std::string& name, int pid) const {
  RETURN_IF_ERROR(MakeDirectories(dir_ + "/pids", 0755));
  return WriteFileAtomically(dir_ + "/pids/" + name, std::to_string(pid) + "\n", 0644);
}

std::vector<std::pair<std::string, int>> Session::Pids() const {
  std::vector<std::pair<std::string, int>> pids;
  DIR* d = opendir((dir_ + "/pids").c_str());
  if (d == nullptr) return pids;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name.find(".tmp.") != std::string::npos) continue;
    absl::StatusOr<std::string> text = ReadFileToString(dir_ + "/pids/" + name);
    int pid = 0;
    if (text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid) && pid > 0) {
      pids.emplace_back(name, pid);
    }
  }
  closedir(d);
  return pids;
}

void Session::RemovePid(const std::string& name) const { unlink((dir_ + "/pids/" + name).c_str()); }

absl::StatusOr<std::string> ResolveClusterToken() {
  const char* env = std::getenv("PHOTON_CLUSTER_TOKEN");
  if (env != nullptr && *env != '\0') return std::string(env);
  absl::StatusOr<Session> latest = Session::Latest();
  if (!latest.ok()) {
    return absl::NotFoundError(
        "no cluster token: PHOTON_CLUSTER_TOKEN is not set and " + std::string(latest.status().message()));
  }
  absl::StatusOr<std::string> token = latest->ReadToken();
  if (!token.ok()) {
    return absl::NotFoundError("no cluster token: PHOTON_CLUSTER_TOKEN is not set and " +
                               std::string(token.status().message()));
  }
  return token;
}

}  // namespace photon
