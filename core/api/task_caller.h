#pragma once
// photon::Task(fn): calling a registered function remotely.
//
//   PHOTON_REMOTE(Plus);
//   photon::ObjectRef<int> r = photon::Task(Plus).Remote(1, 2);
//   auto big = photon::Task(Render)
//                  .SetResource("CPU", 2)
//                  .SetResource("special", 1)
//                  .SetMaxRetries(0)
//                  .SetSchedulingStrategy(photon::SchedulingStrategy::Spread())
//                  .Remote(photon::Put(scene));   // an ObjectRef<Scene> for a Scene parameter: by reference
//
// Each argument is converted to its parameter's type and serialized (a type
// that cannot be serialized, a wrong count or an unconvertible argument fails
// to compile). An ObjectRef<T> given for a T parameter is passed by
// reference: the worker receives the value, fetched from wherever it lives.
// A function not registered with PHOTON_REMOTE throws photon::Error at Task().
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/api/exceptions.h"
#include "core/api/function_registry.h"
#include "core/api/function_traits.h"
#include "core/api/object_ref.h"
#include "core/api/placement_group.h"
#include "core/api/runtime.h"
#include "core/api/serialization.h"
#include "core/core_worker/core_worker.h"

namespace photon {

class SchedulingStrategy {
 public:
  // Pack onto busy nodes until they pass half load, then spread (the default).
  static SchedulingStrategy Default() { return SchedulingStrategy(); }
  // Spread tasks over the nodes that can run them.
  static SchedulingStrategy Spread() {
    SchedulingStrategy s;
    s.proto_.set_kind(rpc::LeaseSchedulingStrategy::SPREAD);
    return s;
  }
  // Run on the node with this hex ID; with `soft`, elsewhere when it cannot.
  static SchedulingStrategy NodeAffinity(const std::string& node_id_hex, bool soft = false);
  // Run in a bundle of the group (-1: any of its bundles), on its resources.
  static SchedulingStrategy PlacementGroup(const photon::PlacementGroup& group, int bundle_index = -1);
  const rpc::LeaseSchedulingStrategy& proto() const { return proto_; }

 private:
  rpc::LeaseSchedulingStrategy proto_;
};

namespace api_internal {

// Submits and adopts the returned reference; throws on failure.
ObjectID Submit(const std::string& name, std::vector<core::TaskArg> args, const core::TaskOptions& options);
std::string RequireRemoteName(const void* address);

template <typename Param, typename Arg>
core::TaskArg PackArg(Arg&& arg) {
  using A = std::decay_t<Arg>;
  if constexpr (IsObjectRef<A>::value && !IsObjectRef<Param>::value) {
    static_assert(std::is_same_v<typename A::ValueType, Param>,
                  "photon: an ObjectRef<T> passed by reference must hold the parameter's type T");
    return core::TaskArg::ByRef(arg.ID());
  } else {
    static_assert(std::is_convertible_v<Arg&&, Param>,
                  "photon: an argument of this remote call does not convert to the remote function's "
                  "parameter type");
    RefCollector collector;
    const Param& converted = std::forward<Arg>(arg);
    std::string bytes = Serialize(converted);
    return core::TaskArg::ByValue(std::move(bytes), collector.ids());
  }
}

template <typename F, std::size_t... I, typename... Args>
std::vector<core::TaskArg> PackArgs(std::index_sequence<I...>, Args&&... args) {
  std::vector<core::TaskArg> out;
  out.reserve(sizeof...(Args));
  (out.push_back(PackArg<typename FunctionTraits<F>::template DecayedParam<I>>(std::forward<Args>(args))), ...);
  return out;
}

}  // namespace api_internal

template <typename F>
class TaskCaller {
 public:
  using Result = typename FunctionTraits<F>::Result;

  explicit TaskCaller(F* f)
      : name_(api_internal::RequireRemoteName(reinterpret_cast<const void*>(f))) {}

  // Sets one resource (CPU defaults to 1; 0 removes it).
  TaskCaller& SetResource(const std::string& name, double amount) {
    options_.resources[name] = amount;
    return *this;
  }
  TaskCaller& SetResources(const std::map<std::string, double>& resources) {
    for (const auto& [name, amount] : resources) options_.resources[name] = amount;
    return *this;
  }
  // Retries after the worker or node running the task dies (default 3; -1: forever).
  TaskCaller& SetMaxRetries(int max_retries) {
    options_.max_retries = max_retries;
    return *this;
  }
  TaskCaller& SetSchedulingStrategy(const SchedulingStrategy& strategy) {
    options_.strategy = strategy.proto();
    return *this;
  }

  template <typename... Args>
  ObjectRef<Result> Remote(Args&&... args) {
    static_assert(sizeof...(Args) == FunctionTraits<F>::kArity,
                  "photon: wrong number of arguments for the remote function");
    std::vector<core::TaskArg> packed =
        api_internal::PackArgs<F>(std::index_sequence_for<Args...>(), std::forward<Args>(args)...);
    return ObjectRef<Result>::Adopt(api_internal::Submit(name_, std::move(packed), options_));
  }

 private:
  std::string name_;
  core::TaskOptions options_;
};

template <typename F>
TaskCaller<F> Task(F* f) {
  static_assert(std::is_function_v<F>, "photon::Task takes a function registered with PHOTON_REMOTE");
  return TaskCaller<F>(f);
}

}  // namespace photon
