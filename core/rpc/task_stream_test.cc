#include "core/rpc/task_stream.h"

#include <boost/asio/ip/tcp.hpp>
#include <future>

#include "gtest/gtest.h"

namespace photon {
namespace rpc {
namespace {

using boost::asio::ip::tcp;

Address Loopback(int port) {
  Address address;
  address.set_ip("127.0.0.1");
  address.set_port(port);
  return address;
}

TEST(TaskStreamTest, AFrameLargerThanTheReadBufferArrivesWhole) {
  EventLoop loop;
  loop.StartThread("stream-loop");
  tcp::acceptor acceptor(loop.io_context(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  std::promise<TaskStreamFrame> received;
  std::shared_ptr<TaskStream> server;
  std::shared_ptr<TaskStream> client;
  acceptor.async_accept([&](const boost::system::error_code& error, tcp::socket socket) {
    ASSERT_FALSE(error) << error.message();
    server = TaskStream::Adopt(loop, std::move(socket));
    server->Start([&](TaskStreamFrame frame) { received.set_value(std::move(frame)); },
                  [](const absl::Status&) {});
  });
  TaskStreamFrame big;
  big.add_push()->set_function_name(std::string(1 << 20, 'x'));  // 1 MiB: the buffer starts at 64 KiB
  loop.Post("test.Connect", [&] {
    TaskStream::Connect(loop, Loopback(acceptor.local_endpoint().port()),
                        [&](absl::StatusOr<std::shared_ptr<TaskStream>> s) {
                          ASSERT_TRUE(s.ok()) << s.status();
                          client = *s;
                          client->Start([](TaskStreamFrame) {}, [](const absl::Status&) {});
                          client->Send(big);
                        });
  });
  std::future<TaskStreamFrame> got = received.get_future();
  ASSERT_EQ(got.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(got.get().push(0).function_name().size(), size_t{1} << 20);
  std::promise<void> closed;
  loop.Post("test.Close", [&] {
    client->Close(absl::CancelledError("done"));
    server->Close(absl::CancelledError("done"));
    acceptor.close();
    closed.set_value();
  });
  closed.get_future().wait();
  loop.Stop();
}

TEST(TaskStreamTest, AnAddressWithoutAnIpIsRefused) {
  EventLoop loop;
  loop.StartThread("stream-loop");
  std::promise<absl::Status> outcome;
  Address bad = Loopback(4000);
  bad.set_ip("not-an-ip");
  loop.Post("test.Connect", [&] {
    TaskStream::Connect(loop, bad,
                        [&](absl::StatusOr<std::shared_ptr<TaskStream>> s) { outcome.set_value(s.status()); });
  });
  absl::Status status = outcome.get_future().get();
  loop.Stop();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "bad worker address 'not-an-ip:4000': want IP:PORT");
}

}  // namespace
}  // namespace rpc
}  // namespace photon
