#include "core/rpc/core_worker_client.h"

#include "core/rpc/channel.h"

namespace photon {
namespace rpc {
namespace {

using Async = CoreWorkerService::StubInterface::async_interface;
using std::chrono::hours;
using std::chrono::seconds;

// The deadline of one attempt and the attempts in all (UNAVAILABLE is retried).
// GetObjectStatus waits at the owner until the object is ready: a week.
constexpr RetryPolicy kGetObjectStatus{hours(24 * 7), 3};
constexpr RetryPolicy kAddObjectLocation{seconds(10), 2};
constexpr RetryPolicy kAddBorrower{seconds(10), 2};
constexpr RetryPolicy kRemoveBorrower{seconds(10), 2};
constexpr RetryPolicy kCancelChildren{seconds(10), 2};

}  // namespace

CoreWorkerClient::CoreWorkerClient(EventLoop& loop, std::string address, std::string token)
    : loop_(loop),
      address_(std::move(address)),
      token_(std::move(token)),
      stub_(CoreWorkerService::NewStub(MakeChannel(address_))) {}

void CoreWorkerClient::GetObjectStatus(GetObjectStatusRequest request,
                                       ReplyCallback<GetObjectStatusReply> done) {
  StartCall<GetObjectStatusReply>(loop_, CallSpec{"CoreWorker.GetObjectStatus", address_, token_, kGetObjectStatus},
                                  BindAttempt(stub_, &Async::GetObjectStatus, std::move(request)), std::move(done));
}

void CoreWorkerClient::AddObjectLocation(AddObjectLocationRequest request,
                                         ReplyCallback<AddObjectLocationReply> done) {
  StartCall<AddObjectLocationReply>(
      loop_, CallSpec{"CoreWorker.AddObjectLocation", address_, token_, kAddObjectLocation},
      BindAttempt(stub_, &Async::AddObjectLocation, std::move(request)), std::move(done));
}

void CoreWorkerClient::AddBorrower(AddBorrowerRequest request, ReplyCallback<AddBorrowerReply> done) {
  StartCall<AddBorrowerReply>(loop_, CallSpec{"CoreWorker.AddBorrower", address_, token_, kAddBorrower},
                              BindAttempt(stub_, &Async::AddBorrower, std::move(request)), std::move(done));
}

void CoreWorkerClient::RemoveBorrower(RemoveBorrowerRequest request, ReplyCallback<RemoveBorrowerReply> done) {
  StartCall<RemoveBorrowerReply>(loop_, CallSpec{"CoreWorker.RemoveBorrower", address_, token_, kRemoveBorrower},
                                 BindAttempt(stub_, &Async::RemoveBorrower, std::move(request)), std::move(done));
}

void CoreWorkerClient::CancelChildren(CancelChildrenRequest request, ReplyCallback<CancelChildrenReply> done) {
  StartCall<CancelChildrenReply>(loop_, CallSpec{"CoreWorker.CancelChildren", address_, token_, kCancelChildren},
                                 BindAttempt(stub_, &Async::CancelChildren, std::move(request)), std::move(done));
}

}  // namespace rpc
}  // namespace photon
