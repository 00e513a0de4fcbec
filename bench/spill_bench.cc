// Spilling and restoring 1 GiB of objects through spill files, beside plain
// write()/read() of the same bytes into one file with 16 MiB calls (the
// reference: what the disk and page cache give without any spill logic).
// 64 objects of 16 MiB show the bulk path; 4096 objects of 256 KiB show the
// cost of fusing many objects (one header and one iovec each) into one file.
//
//   PHOTON_SPILL_BENCH_DIR=/mnt/nvme bazel run //bench:spill_bench   (default dir: /tmp)
//
// Files go under $PHOTON_SPILL_BENCH_DIR/photon_spill_bench and are deleted
// after each iteration (untimed). The page cache cannot be dropped here, so
// writes mostly land in, and reads come from, the page cache, for the spill
// path and the reference alike; the comparison is fair, the absolute figures
// are not the disk's. Rates are over wall-clock time. Prints figures; asserts
// nothing.
//
// Restores can beat the plain read: on some x86 CPUs (seen on an AMD EPYC VM)
// the kernel's copy out of the page cache runs several times slower when the
// source and destination sit at the same offset within a 4 KiB page, as they
// always do for the page-aligned reference, while the 48-byte headers shift
// every spilled payload off that alignment.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "core/common/id.h"
#include "object_store/spill/spill_file.h"

namespace photon {
namespace bench {
namespace {

using object_store::SpillItem;
using object_store::SpillLocation;

constexpr int64_t kTotalBytes = int64_t{1} << 30;
constexpr int64_t kPlainChunk = int64_t{16} << 20;

std::string BenchDir() {
  const char* env = std::getenv("PHOTON_SPILL_BENCH_DIR");
  std::string dir =
      absl::StrCat(env != nullptr && *env != '\0' ? env : "/tmp", "/photon_spill_bench");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir;
}

// 1 GiB of pseudo-random bytes, faulted in once for the whole run (standing
// in for the store's shared memory).
const uint8_t* Source() {
  static const uint8_t* source = [] {
    auto* bytes = new uint8_t[kTotalBytes];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int64_t i = 0; i < kTotalBytes; i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(bytes + i, &x, 8);
    }
    return bytes;
  }();
  return source;
}

// Where restores and plain reads land; faulted in once.
uint8_t* Dest() {
  static uint8_t* dest = [] {
    auto* bytes = new uint8_t[kTotalBytes];
    std::memset(bytes, 0, kTotalBytes);
    return bytes;
  }();
  return dest;
}

std::vector<SpillItem> Items(int64_t object_size) {
  TaskID task = TaskID::ForDriver(JobID::FromInt(1));
  std::vector<SpillItem> items;
  for (int64_t offset = 0; offset < kTotalBytes; offset += object_size) {
    uint32_t index = static_cast<uint32_t>(items.size() + 1);
    items.push_back({ObjectID::FromIndex(task, index), Source() + offset, object_size});
  }
  return items;
}

// Writes Source() to `path` with kPlainChunk write() calls; "" or the error.
std::string PlainWrite(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::StrCat("open ", path, ": ", std::strerror(errno));
  for (int64_t done = 0; done < kTotalBytes;) {
    ssize_t n = write(fd, Source() + done, static_cast<size_t>(kPlainChunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string error = absl::StrCat("write ", path, ": ", n < 0 ? std::strerror(errno) : "0");
      close(fd);
      return error;
    }
    done += n;
  }
  if (close(fd) != 0) return absl::StrCat("close ", path, ": ", std::strerror(errno));
  return "";
}

// Flushes the file system's journal and whatever else is dirty (untimed), so
// that one iteration's writeback does not slow the next.
void Settle(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  syncfs(fd);
  close(fd);
}

void SetRate(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kTotalBytes);
}

void BM_SpillWrite(benchmark::State& state) {
  const std::string dir = BenchDir();
  const std::vector<SpillItem> items = Items(state.range(0));
  // `timed`: inside the benchmark loop, where cleaning up is left out of the time.
  auto spill_once = [&](bool timed) {
    absl::StatusOr<std::vector<SpillLocation>> locations = object_store::WriteSpillFile(dir, items);
    if (!locations.ok()) return locations.status();
    if (timed) state.PauseTiming();
    absl::Status removed = object_store::RemoveSpillFile(locations->front().path);
    Settle(dir);
    if (timed) state.ResumeTiming();
    return removed;
  };
  // One round before timing: the first 1 GiB of page cache a process takes is slower.
  absl::Status status = spill_once(false);
  for (auto _ : state) {
    if (status.ok()) status = spill_once(true);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  SetRate(state);
}

void BM_PlainWrite(benchmark::State& state) {
  const std::string path = absl::StrCat(BenchDir(), "/plain-", getpid(), ".bin");
  auto write_once = [&](bool timed) {
    std::string error = PlainWrite(path);
    if (timed) state.PauseTiming();
    unlink(path.c_str());
    Settle(BenchDir());
    if (timed) state.ResumeTiming();
    return error;
  };
  std::string error = write_once(false);  // one round before timing, as for BM_SpillWrite
  for (auto _ : state) {
    if (error.empty()) error = write_once(true);
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  SetRate(state);
}

void BM_SpillRestore(benchmark::State& state) {
  const std::vector<SpillItem> items = Items(state.range(0));
  Dest();  // fault it in outside the timed loop
  absl::StatusOr<std::vector<SpillLocation>> locations =
      object_store::WriteSpillFile(BenchDir(), items);
  if (!locations.ok()) {
    state.SkipWithError(locations.status().ToString().c_str());
    return;
  }
  absl::Status status;
  for (auto _ : state) {
    for (size_t i = 0; i < items.size() && status.ok(); i++) {
      uint8_t* dest = Dest() + (items[i].data - Source());
      status = object_store::ReadSpilled((*locations)[i], items[i].id, dest);
    }
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  if (status.ok() && std::memcmp(Dest(), Source(), kTotalBytes) != 0) {
    state.SkipWithError("restored bytes differ from the spilled ones");
  }
  (void)object_store::RemoveSpillFile(locations->front().path);
  SetRate(state);
}

void BM_PlainRead(benchmark::State& state) {
  const std::string path = absl::StrCat(BenchDir(), "/plain-", getpid(), ".bin");
  Dest();  // fault it in outside the timed loop
  std::string error = PlainWrite(path);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (auto _ : state) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    int64_t done = 0;
    while (fd >= 0 && done < kTotalBytes) {
      ssize_t n = read(fd, Dest() + done, static_cast<size_t>(kPlainChunk));
      if (n <= 0) break;
      done += n;
    }
    if (fd >= 0) close(fd);
    if (done != kTotalBytes) {
      state.SkipWithError(absl::StrCat("read ", path, ": short or failed").c_str());
      break;
    }
  }
  unlink(path.c_str());
  SetRate(state);
}

// Range: object size in bytes.
BENCHMARK(BM_SpillWrite)
    ->ArgName("object_bytes")
    ->Arg(int64_t{16} << 20)
    ->Arg(int64_t{256} << 10)
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PlainWrite)->MinTime(2.0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SpillRestore)
    ->ArgName("object_bytes")
    ->Arg(int64_t{16} << 20)
    ->Arg(int64_t{256} << 10)
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PlainRead)->MinTime(2.0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace bench
}  // namespace photon

BENCHMARK_MAIN();
