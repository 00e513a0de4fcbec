#include "core/common/free_port.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace photon {
namespace {

// A socket listening on `port` on all interfaces; -1 when that fails.
int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 1) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(FreePortTest, APickedPortCanBeBound) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  EXPECT_LT(*port, 65536);
  EXPECT_FALSE(PortInUse(*port));
  int fd = Listen(*port);
  ASSERT_GE(fd, 0) << "port " << *port;
  EXPECT_TRUE(PortInUse(*port));
  close(fd);
  EXPECT_FALSE(PortInUse(*port));
}

TEST(FreePortTest, PicksDifferentPortsWhileTheFirstIsHeld) {
  absl::StatusOr<int> first = PickFreePort();
  ASSERT_TRUE(first.ok());
  int fd = Listen(*first);
  ASSERT_GE(fd, 0);
  absl::StatusOr<int> second = PickFreePort();
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*first, *second);
  close(fd);
}

}  // namespace
}  // namespace photon
