#pragma once
// photon::Actor(factory): stateful workers, and calls to them.
//
//   class Counter {
//    public:
//     explicit Counter(int start) : value_(start) {}
//     static Counter* Create(int start) { return new Counter(start); }   // the factory
//     int Add(int x) { return value_ += x; }
//    private:
//     int value_;
//   };
//   PHOTON_REMOTE(Counter::Create, &Counter::Add);
//
//   photon::ActorHandle<Counter> c = photon::Actor(Counter::Create)
//                                        .SetName("counter")          // optional: found by GetActor
//                                        .SetMaxRestarts(1)
//                                        .Remote(10);
//   photon::ObjectRef<int> r = c.Task(&Counter::Add).Remote(5);    // 15
//   auto same = photon::GetActor<Counter>("counter");
//   c.Kill();
//
// Calls from one process run in the order they were made (with the default
// max_concurrency of 1). A handle is serializable: pass it to tasks and
// other actors, which call the same actor. A call to a dead actor, or one
// that died running it, raises photon::ActorDiedError from Get.
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/api/exceptions.h"
#include "core/api/function_registry.h"
#include "core/api/function_traits.h"
#include "core/api/object_ref.h"
#include "core/api/serialization.h"
#include "core/api/task_caller.h"
#include "core/core_worker/core_worker.h"

namespace photon {

namespace api_internal {
ActorID CreateActor(const std::string& factory, std::vector<core::TaskArg> args, const core::ActorOptions& options);
ObjectID SubmitActorTask(const ActorID& actor, const std::string& method, std::vector<core::TaskArg> args);
void KillActor(const ActorID& actor, bool no_restart);
ActorID GetNamedActor(const std::string& name, const std::string& ns);
std::string RequireMethodName(const std::optional<std::string>& name);
}  // namespace api_internal

template <typename M>
class ActorTaskCaller {
 public:
  using Function = typename MethodTraits<M>::Function;
  using Result = typename FunctionTraits<Function>::Result;

  ActorTaskCaller(const ActorID& actor, M method)
      : actor_(actor),
        name_(api_internal::RequireMethodName(FunctionRegistry::Global().NameOfMethod(method))) {}

  template <typename... Args>
  ObjectRef<Result> Remote(Args&&... args) {
    static_assert(sizeof...(Args) == FunctionTraits<Function>::kArity,
                  "photon: wrong number of arguments for the actor method");
    std::vector<core::TaskArg> packed =
        api_internal::PackArgs<Function>(std::index_sequence_for<Args...>(), std::forward<Args>(args)...);
    return ObjectRef<Result>::Adopt(api_internal::SubmitActorTask(actor_, name_, std::move(packed)));
  }

 private:
  ActorID actor_;
  std::string name_;
};

template <typename T>
class ActorHandle {
 public:
  ActorHandle() = default;
  explicit ActorHandle(const ActorID& id) : id_(id.Binary()) {}

  // A call of `method` (a member function of T registered with PHOTON_REMOTE).
  template <typename M>
  ActorTaskCaller<M> Task(M method) const {
    static_assert(std::is_member_function_pointer_v<M>, "photon: ActorHandle::Task takes &Class::Method");
    static_assert(std::is_base_of_v<typename MethodTraits<M>::Class, T>,
                  "photon: the method belongs to another class than the actor's");
    return ActorTaskCaller<M>(ID(), method);
  }
  // Ends the actor now; calls waiting or running fail with ActorDiedError.
  // With `no_restart` false it restarts if max_restarts allows.
  void Kill(bool no_restart = true) const { api_internal::KillActor(ID(), no_restart); }

  ActorID ID() const { return ActorID::FromBinary(id_).value_or(ActorID::Nil()); }
  bool operator==(const ActorHandle& other) const { return id_ == other.id_; }

  MSGPACK_DEFINE(id_);

 private:
  std::string id_;  // ActorID bytes
};

template <typename F>
class ActorCreator {
 public:
  using Class = std::remove_pointer_t<typename FunctionTraits<F>::Result>;

  explicit ActorCreator(F* factory)
      : name_(api_internal::RequireRemoteName(reinterpret_cast<const void*>(factory))) {}

  // Resources held for the actor's life (default none, as in Ray).
  ActorCreator& SetResource(const std::string& name, double amount) {
    options_.resources[name] = amount;
    return *this;
  }
  ActorCreator& SetResources(const std::map<std::string, double>& resources) {
    for (const auto& [name, amount] : resources) options_.resources[name] = amount;
    return *this;
  }
  ActorCreator& SetName(const std::string& name) {
    options_.name = name;
    return *this;
  }
  ActorCreator& SetNamespace(const std::string& ns) {
    options_.namespace_name = ns;
    return *this;
  }
  // With SetName: the live actor of that name when there is one (its
  // constructor arguments are then ignored), else a new one.
  ActorCreator& SetGetIfExists(bool get_if_exists = true) {
    options_.get_if_exists = get_if_exists;
    return *this;
  }
  // Outlives this job (until killed); usually with a name.
  ActorCreator& SetDetached(bool detached = true) {
    options_.detached = detached;
    return *this;
  }
  // Restarts after its worker dies (-1: forever; default 0).
  ActorCreator& SetMaxRestarts(int max_restarts) {
    options_.max_restarts = max_restarts;
    return *this;
  }
  // Calls running when it died are sent again after a restart (-1: always).
  ActorCreator& SetMaxTaskRetries(int max_task_retries) {
    options_.max_task_retries = max_task_retries;
    return *this;
  }
  // Calls run on this many threads at once (order is then not kept).
  ActorCreator& SetMaxConcurrency(int max_concurrency) {
    options_.max_concurrency = max_concurrency;
    return *this;
  }
  ActorCreator& SetSchedulingStrategy(const SchedulingStrategy& strategy) {
    options_.strategy = strategy.proto();
    return *this;
  }

  template <typename... Args>
  ActorHandle<Class> Remote(Args&&... args) {
    static_assert(sizeof...(Args) == FunctionTraits<F>::kArity,
                  "photon: wrong number of arguments for the actor factory");
    using Params = typename VoidResult<F>::type;
    std::vector<core::TaskArg> packed =
        api_internal::PackArgs<Params>(std::index_sequence_for<Args...>(), std::forward<Args>(args)...);
    return ActorHandle<Class>(api_internal::CreateActor(name_, std::move(packed), options_));
  }

 private:
  std::string name_;
  core::ActorOptions options_;
};

// `factory` returns a new T* and is registered with PHOTON_REMOTE.
template <typename F>
ActorCreator<F> Actor(F* factory) {
  static_assert(IsActorFactory<F>::value, "photon::Actor takes a factory function returning a pointer (T*)");
  return ActorCreator<F>(factory);
}

// The live actor named `name` in `ns` (empty: this job's namespace); throws
// photon::Error when there is none.
template <typename T>
ActorHandle<T> GetActor(const std::string& name, const std::string& ns = "") {
  return ActorHandle<T>(api_internal::GetNamedActor(name, ns));
}

}  // namespace photon
