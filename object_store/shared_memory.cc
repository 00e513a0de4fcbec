#include "object_store/shared_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace photon {
namespace object_store {

absl::StatusOr<int64_t> SharedMemory::FreeBytes(const std::string& dir) {
  struct statvfs st;
  if (statvfs(dir.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot inspect ", dir, ": ", std::strerror(errno)));
  }
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

absl::StatusOr<std::unique_ptr<SharedMemory>> SharedMemory::Create(const std::string& dir,
                                                                   int64_t size) {
  if (size <= 0) return absl::InvalidArgumentError(absl::StrCat("object store size must be > 0, got ", size));
  absl::StatusOr<int64_t> free_bytes = FreeBytes(dir);
  if (!free_bytes.ok()) return free_bytes.status();
  if (*free_bytes < size) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the object store wants ", size, " bytes of shared memory but ", dir, " has only ",
        *free_bytes, " bytes free; lower --object-store-memory or enlarge ", dir,
        " (docker: --shm-size)"));
  }
  static std::atomic<int> counter{0};
  std::string path = absl::StrCat(dir, "/photon-store-", getpid(), "-", counter++);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  unlink(path.c_str());
  if (ftruncate(fd, size) != 0) {
    int err = errno;
    close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("cannot size ", path, " to ", size, " bytes: ", std::strerror(err)));
  }
  void* base = mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    int err = errno;
    close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("cannot map ", size, " bytes of shared memory: ", std::strerror(err)));
  }
  return std::unique_ptr<SharedMemory>(new SharedMemory(fd, static_cast<uint8_t*>(base), size));
}

SharedMemory::~SharedMemory() {
  munmap(base_, static_cast<size_t>(size_));
  close(fd_);
}

}  // namespace object_store
}  // namespace photon
