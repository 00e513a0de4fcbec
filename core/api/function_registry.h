#pragma once

// FunctionRegistry: the names of a program's remote functions, and how to call
// each one given its arguments as bytes.
//
// A C++ job's workers run the job's own executable, so a function is shipped
// by name: the driver looks up the name of a function pointer (NameOf), sends
// it with the serialized arguments, and the worker finds the same function
// under that name (Find) and calls its invoker. Registration happens during
// static initialization, through PHOTON_REMOTE in the user's .cc:
//
//   int Plus(int a, int b) { return a + b; }
//   void Log(const std::string& line) { ... }
//   namespace geo { double Norm(std::vector<double> v) { ... } }
//
//   PHOTON_REMOTE(Plus, Log, geo::Norm);   // at namespace scope
//
//   // In the worker:
//   const FunctionRegistry::Entry* entry = FunctionRegistry::Global().Find("Plus");
//   absl::StatusOr<std::string> result = entry->invoke({Serialize(1), Serialize(2)});
//   // *result == Serialize(3)
//
// Each function is registered under its name as written in the macro ("Plus",
// "geo::Norm"; a leading '&' is dropped). Overloaded functions cannot be
// registered directly: give the overload you mean a name of its own.
//
// What an invoker returns:
//   - OK with the serialized result; a void function returns Serialize(nil).
//   - InvalidArgument, naming the function, the argument's index and the
//     expected C++ type, when the argument count is wrong or an argument's
//     bytes do not deserialize to the parameter's type.
//   - Unknown, "task Plus threw std::runtime_error: <what()>", when the
//     function throws anything (std::exception or not). The core worker turns
//     this status into a TaskError for the caller.
//
// Registering a second, different function under a name already taken is a
// programmer error: PHOTON_REMOTE aborts at startup naming the name (Register
// returns AlreadyExists instead). Registering the same function again under
// the same name is a no-op, so PHOTON_REMOTE may repeat a function.
//
// Thread-safe. Entries are never removed, so a pointer returned by Find stays
// valid for the registry's lifetime.

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "core/api/function_traits.h"
#include "core/api/internal/invoker.h"

namespace photon {

class FunctionRegistry {
 public:
  using Invoker = api_internal::Invoker;
  using MethodInvoker = api_internal::MethodInvoker;
  using FactoryInvoker = api_internal::FactoryInvoker;

  // Exactly one of invoke, factory, method is set: a remote function, an
  // actor factory (returns T*: registered as the actor's constructor), or
  // an actor method.
  struct Entry {
    std::string name;
    // The function's address (or a method's key): what NameOf looks up.
    const void* address = nullptr;
    std::string method_key;
    std::size_t arity = 0;
    Invoker invoke;
    FactoryInvoker factory;
    MethodInvoker method;
  };

  // The registry PHOTON_REMOTE fills, shared by the whole process. Safe to use
  // from static initializers in any translation unit.
  static FunctionRegistry& Global();

  // An empty registry, for tests; the program uses Global().
  FunctionRegistry() = default;
  FunctionRegistry(const FunctionRegistry&) = delete;
  FunctionRegistry& operator=(const FunctionRegistry&) = delete;

  // Registers `f` under `name`. Fails to compile when f's parameters or result
  // cannot be serialized or a parameter is a non-const lvalue reference.
  // Returns AlreadyExists when `name` belongs to a different function; OK when
  // it already belongs to `f`. A function registered under several names keeps
  // the first for NameOf.
  // REQUIRES: `name` is not empty.
  template <typename F>
  absl::Status Register(const std::string& name, F* f) {
    static_assert(std::is_function_v<F>, "FunctionRegistry::Register takes a function pointer");
    Entry entry{name, Address(f), "", FunctionTraits<F>::kArity};
    if constexpr (IsActorFactory<F>::value) {
      entry.factory = api_internal::MakeFactoryInvoker(name, f);
    } else {
      entry.invoke = api_internal::MakeInvoker(name, f);
    }
    return Add(std::move(entry));
  }
  // An actor method (&Counter::Add).
  template <typename M>
  absl::Status RegisterMethod(const std::string& name, M method) {
    static_assert(std::is_member_function_pointer_v<M>, "RegisterMethod takes a member function pointer");
    Entry entry{name, nullptr, MethodKey(method), FunctionTraits<typename MethodTraits<M>::Function>::kArity};
    entry.method = api_internal::MakeMethodInvoker(name, method);
    return Add(std::move(entry));
  }

  // The entry registered under `name`, or nullptr.
  const Entry* Find(const std::string& name) const;

  // The name `f` was first registered under, or nullopt.
  template <typename F>
  std::optional<std::string> NameOf(F* f) const {
    static_assert(std::is_function_v<F>, "FunctionRegistry::NameOf takes a function pointer");
    return NameOfAddress(Address(f));
  }
  std::optional<std::string> NameOfAddress(const void* address) const;
  template <typename M>
  std::optional<std::string> NameOfMethod(M method) const {
    return NameOfMethodKey(MethodKey(method));
  }
  std::optional<std::string> NameOfMethodKey(const std::string& key) const;

  // All registered names, sorted; for diagnostics ("no remote function X; known: ...").
  std::vector<std::string> Names() const;

 private:
  // Function pointers are compared as addresses (POSIX guarantees the cast).
  template <typename F>
  static const void* Address(F* f) {
    return reinterpret_cast<const void*>(f);
  }

  // Member function pointers have no address to compare: their bytes and
  // type name identify them.
  template <typename M>
  static std::string MethodKey(M method) {
    std::string key(reinterpret_cast<const char*>(&method), sizeof(method));
    return key + typeid(M).name();
  }

  absl::Status Add(Entry entry);

  mutable std::mutex mu_;
  // unique_ptr keeps each Entry at a fixed address for Find's callers.
  std::map<std::string, std::unique_ptr<const Entry>> by_name_ ABSL_GUARDED_BY(mu_);
  std::map<const void*, std::string> by_address_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> by_method_key_ ABSL_GUARDED_BY(mu_);
};

namespace api_internal {

// Splits PHOTON_REMOTE's stringized argument list at top-level commas
// ("Plus, Add<int, long>" -> {"Plus", "Add<int, long>"}), trimming spaces and
// a leading '&'.
std::vector<std::string> SplitRemoteNames(const char* names);

// Aborts, naming the macro's location, unless `status` is OK.
void DieUnlessOk(const absl::Status& status, const char* file, int line);

// Aborts unless the stringized list split into one name per function.
void CheckNameCount(const std::vector<std::string>& names, std::size_t count,
                    const char* stringized, const char* file, int line);

template <typename F>
absl::Status RegisterOne(const std::string& name, F f) {
  if constexpr (std::is_member_function_pointer_v<F>) {
    return FunctionRegistry::Global().RegisterMethod(name, f);
  } else {
    return FunctionRegistry::Global().Register(name, f);
  }
}

template <typename... Fs>
bool RegisterRemote(const char* stringized, const char* file, int line, Fs... fs) {
  std::vector<std::string> names = SplitRemoteNames(stringized);
  CheckNameCount(names, sizeof...(Fs), stringized, file, line);
  std::size_t i = 0;
  (DieUnlessOk(RegisterOne(names[i++], fs), file, line), ...);
  return true;
}

}  // namespace api_internal
}  // namespace photon

#define PHOTON_REMOTE_CONCAT_INNER(a, b) a##b
#define PHOTON_REMOTE_CONCAT(a, b) PHOTON_REMOTE_CONCAT_INNER(a, b)

// Registers each listed function in FunctionRegistry::Global() under its name
// as written. Use at namespace scope in a .cc file (not a header), once or
// several times; any number of functions per use.
#define PHOTON_REMOTE(...)                                                          \
  [[maybe_unused]] static const bool PHOTON_REMOTE_CONCAT(photon_remote_registered_, \
                                                          __COUNTER__) =             \
      ::photon::api_internal::RegisterRemote(#__VA_ARGS__, __FILE__, __LINE__, __VA_ARGS__)
