#include "object_store/spill/spill_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/status_macros.h"

namespace photon {
namespace object_store {
namespace {

// Header layout: magic (8) | object id (28) | zero (4) | payload size (8, little-endian).
constexpr char kMagic[] = "PHSPILL1";
constexpr int64_t kIdOffset = 8;
constexpr int64_t kSizeOffset = kIdOffset + ObjectID::kSize + 4;
static_assert(sizeof(kMagic) - 1 == kIdOffset, "magic fills the first 8 bytes");
static_assert(kSizeOffset + 8 == kSpillHeaderSize, "header layout adds up");

using Header = std::array<uint8_t, kSpillHeaderSize>;

void EncodeHeader(const SpillItem& item, Header& out) {
  out.fill(0);
  std::memcpy(out.data(), kMagic, kIdOffset);
  std::memcpy(out.data() + kIdOffset, item.id.data(), ObjectID::kSize);
  uint64_t size = static_cast<uint64_t>(item.size);
  for (int i = 0; i < 8; i++) out[kSizeOffset + i] = static_cast<uint8_t>(size >> (8 * i));
}

int64_t DecodeSize(const Header& header) {
  uint64_t size = 0;
  for (int i = 0; i < 8; i++) size |= static_cast<uint64_t>(header[kSizeOffset + i]) << (8 * i);
  return static_cast<int64_t>(size);
}

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof(buf));  // the GNU variant returns the text
}

absl::Status ErrnoStatus(int err, const std::string& what) {
  std::string message = absl::StrCat(what, ": ", ErrnoText(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// An error of WriteSpillFile: disk-full errors all read alike, whatever step hit them.
absl::Status SpillWriteError(int err, int64_t bytes, const std::string& dir,
                             const std::string& path, const std::string& what) {
  if (err == ENOSPC || err == EDQUOT) {
    std::string file = path.empty() ? "" : absl::StrCat(" (file ", path, ")");
    return ErrnoStatus(err,
                       absl::StrCat("disk full while spilling ", bytes, " bytes to ", dir, file));
  }
  return ErrnoStatus(err, what);
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Writes every byte of `iov` at `offset`, retrying short writes and EINTR and
// passing at most IOV_MAX iovecs per call. Returns 0 or an errno value.
// REQUIRES: no iovec is empty (a call writing 0 bytes would look like a stall).
int PwritevAll(int fd, std::vector<iovec> iov, int64_t offset) {
  size_t next = 0;
  while (next < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - next, IOV_MAX));
    ssize_t written = pwritev(fd, &iov[next], count, offset);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return EIO;
    offset += written;
    size_t left = static_cast<size_t>(written);
    while (left > 0) {
      iovec& v = iov[next];
      if (left >= v.iov_len) {
        left -= v.iov_len;
        next++;
      } else {
        v.iov_base = static_cast<uint8_t*>(v.iov_base) + left;
        v.iov_len -= left;
        left = 0;
      }
    }
  }
  return 0;
}

// Reads up to `size` bytes at `offset` into `dest`, stopping early only at the
// end of the file. Returns the bytes read, or -errno.
int64_t PreadAll(int fd, uint8_t* dest, int64_t size, int64_t offset) {
  int64_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, dest + done, static_cast<size_t>(size - done), offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;
    done += n;
  }
  return done;
}

std::string NewFileName(const std::string& dir) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }());
  return absl::StrCat(dir, "/spill-", getpid(), "-", counter.fetch_add(1), "-",
                      absl::Hex(random(), absl::kZeroPad16), ".bin");
}

absl::Status ValidateItems(const std::vector<SpillItem>& items) {
  if (items.empty()) return absl::InvalidArgumentError("no objects to spill");
  for (const SpillItem& item : items) {
    if (item.size < 0 || (item.data == nullptr && item.size > 0)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot spill object ", item.id.Hex(),
                                                     ": size ", item.size, ", data ",
                                                     item.data == nullptr ? "null" : "set"));
    }
  }
  return absl::OkStatus();
}

// Closes an fd when the scope ends (for reads, where close cannot lose data).
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  const int fd_;
};

}  // namespace

std::string SpillLocation::ToString() const {
  return absl::StrCat(path, "?offset=", offset, "&size=", size);
}

absl::StatusOr<SpillLocation> SpillLocation::Parse(const std::string& url) {
  auto bad = [&url]() {
    return absl::InvalidArgumentError(
        absl::StrCat("bad spill location \"", url, "\": want \"path?offset=N&size=M\""));
  };
  size_t question = url.rfind('?');
  if (question == std::string::npos || question == 0) return bad();
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(url).substr(question + 1), '&');
  if (fields.size() != 2 || !absl::ConsumePrefix(&fields[0], "offset=") ||
      !absl::ConsumePrefix(&fields[1], "size=")) {
    return bad();
  }
  SpillLocation location;
  location.path = url.substr(0, question);
  if (!absl::SimpleAtoi(fields[0], &location.offset) ||
      !absl::SimpleAtoi(fields[1], &location.size) || location.offset < 0 || location.size < 0) {
    return bad();
  }
  return location;
}

absl::StatusOr<std::vector<SpillLocation>> WriteSpillFile(const std::string& dir,
                                                          const std::vector<SpillItem>& items) {
  RETURN_IF_ERROR(ValidateItems(items));
  if (dir.empty()) return absl::InvalidArgumentError("empty spill directory");
  std::string clean_dir = dir;
  while (clean_dir.size() > 1 && clean_dir.back() == '/') clean_dir.pop_back();
  int64_t bytes = 0;
  for (const SpillItem& item : items) bytes += kSpillHeaderSize + item.size;

  std::error_code ec;
  std::filesystem::create_directories(clean_dir, ec);
  if (ec) {
    return SpillWriteError(ec.value(), bytes, clean_dir, "",
                           "cannot create spill directory " + clean_dir);
  }
  std::string path;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 8; attempt++) {
    path = NewFileName(clean_dir);
    fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST && errno != EINTR) {
      return SpillWriteError(errno, bytes, clean_dir, path, "cannot create spill file " + path);
    }
  }
  if (fd < 0) return absl::InternalError("cannot find a free spill file name in " + clean_dir);

  absl::StatusOr<std::vector<SpillLocation>> locations =
      spill_internal::WriteItemsToFd(fd, path, items);
  // close() can report a deferred write error (NFS, quotas), so it counts.
  int close_errno = close(fd) == 0 ? 0 : errno;
  if (locations.ok() && close_errno != 0) {
    locations =
        SpillWriteError(close_errno, bytes, clean_dir, path,
                        absl::StrCat("cannot write spill file ", path, " (", bytes, " bytes)"));
  }
  if (!locations.ok()) unlink(path.c_str());
  return locations;
}

absl::Status ReadSpilled(const SpillLocation& location, const ObjectID& expected, uint8_t* dest) {
  if (location.offset < kSpillHeaderSize || location.size < 0) {
    return absl::InvalidArgumentError(absl::StrCat("spill location ", location.ToString(),
                                                   " of object ", expected.Hex(),
                                                   " cannot hold a spilled object"));
  }
  const std::string& path = location.path;
  int fd;
  do {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("spill file ", path, " of object ", expected.Hex(), " is missing"));
    }
    return ErrnoStatus(
        errno, absl::StrCat("cannot open spill file ", path, " of object ", expected.Hex()));
  }
  FdCloser closer(fd);

  Header header;
  const int64_t header_offset = location.offset - kSpillHeaderSize;
  int64_t n = PreadAll(fd, header.data(), kSpillHeaderSize, header_offset);
  if (n < 0) {
    return ErrnoStatus(static_cast<int>(-n), absl::StrCat("cannot read spill file ", path));
  }
  if (n < kSpillHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        "spill file ", path, " is truncated: the header of object ", expected.Hex(), " at offset ",
        header_offset, " needs ", kSpillHeaderSize, " bytes, the file has ", n));
  }
  if (std::memcmp(header.data(), kMagic, kIdOffset) != 0) {
    return absl::DataLossError(absl::StrCat("spill file ", path, " has no spill header at offset ",
                                            header_offset, " (bad magic), looking for object ",
                                            expected.Hex()));
  }
  if (std::memcmp(header.data() + kIdOffset, expected.data(), ObjectID::kSize) != 0) {
    std::string found(reinterpret_cast<const char*>(header.data() + kIdOffset), ObjectID::kSize);
    return absl::DataLossError(absl::StrCat("spill file ", path, " holds object ",
                                            ObjectID::FromBinary(found)->Hex(), " at offset ",
                                            location.offset, ", expected object ", expected.Hex()));
  }
  if (DecodeSize(header) != location.size) {
    return absl::DataLossError(
        absl::StrCat("spill file ", path, ": object ", expected.Hex(), " has ", DecodeSize(header),
                     " bytes in its header, the location says ", location.size));
  }
  n = PreadAll(fd, dest, location.size, location.offset);
  if (n < 0) {
    return ErrnoStatus(static_cast<int>(-n), absl::StrCat("cannot read spill file ", path));
  }
  if (n < location.size) {
    return absl::DataLossError(absl::StrCat(
        "spill file ", path, " is truncated: object ", expected.Hex(), " needs ", location.size,
        " bytes at offset ", location.offset, ", the file holds ", n, " of them"));
  }
  return absl::OkStatus();
}

absl::Status RemoveSpillFile(const std::string& path) {
  if (unlink(path.c_str()) == 0) return absl::OkStatus();
  if (errno == ENOENT) return absl::NotFoundError("spill file " + path + " does not exist");
  return ErrnoStatus(errno, "cannot remove spill file " + path);
}

namespace spill_internal {

absl::StatusOr<std::vector<SpillLocation>> WriteItemsToFd(int fd, const std::string& path,
                                                          const std::vector<SpillItem>& items) {
  // Headers first, so that the iovecs below point at memory that stays put.
  std::vector<Header> headers(items.size());
  for (size_t i = 0; i < items.size(); i++) EncodeHeader(items[i], headers[i]);

  std::vector<iovec> iov;
  iov.reserve(2 * items.size());
  std::vector<SpillLocation> locations;
  locations.reserve(items.size());
  int64_t offset = 0;
  for (size_t i = 0; i < items.size(); i++) {
    iov.push_back({headers[i].data(), static_cast<size_t>(kSpillHeaderSize)});
    offset += kSpillHeaderSize;
    if (items[i].size > 0) {
      // pwritev only reads through iov_base; the cast is for its signature.
      iov.push_back({const_cast<uint8_t*>(items[i].data), static_cast<size_t>(items[i].size)});
    }
    locations.push_back({path, offset, items[i].size});
    offset += items[i].size;
  }
  int err = PwritevAll(fd, std::move(iov), 0);
  if (err != 0) {
    return SpillWriteError(err, offset, DirOf(path), path,
                           absl::StrCat("cannot write spill file ", path, " (", offset, " bytes)"));
  }
  return locations;
}

}  // namespace spill_internal

}  // namespace object_store
}  // namespace photon
