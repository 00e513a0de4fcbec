#pragma once
// ObjectRef<T>: a reference to a value of type T in the cluster: the result
// of a task, or a value Put into the store.
//
//   photon::ObjectRef<int> ref = photon::Task(Plus).Remote(1, 2);
//   int three = photon::Get(ref);
//   photon::Task(Twice).Remote(ref);   // by reference: Twice(int) gets the value
//
// Copies share one referenced object; while any copy lives anywhere (here, or
// inside an argument of a running task), the object stays; when the last
// goes, it is freed in every store. An ObjectRef can itself be an argument or
// part of one (a remote function taking ObjectRef<T> or std::vector<ObjectRef<T>>);
// the receiving worker then borrows the object from its owner.
//
// Thread-safe as a value type (copying from several threads is fine).
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "core/common/id.h"

namespace photon {
namespace api_internal {
// Reference bookkeeping in the process's core worker (runtime.cc / object_ref.cc).
void AddRef(const ObjectID& id);
void RemoveRef(const ObjectID& id);
// The owner's address, serialized, for a reference being packed.
std::string OwnerOf(const ObjectID& id);
// A reference unpacked from bytes: borrow it (takes one local reference).
void Borrow(const ObjectID& id, const std::string& owner);
// While a RefCollector lives on a thread, every ObjectRef serialized on that
// thread is recorded in it (the references inside a task argument).
class RefCollector {
 public:
  RefCollector();
  ~RefCollector();
  RefCollector(const RefCollector&) = delete;
  RefCollector& operator=(const RefCollector&) = delete;
  const std::vector<ObjectID>& ids() const { return ids_; }
  static void Note(const ObjectID& id);

 private:
  RefCollector* previous_;
  std::vector<ObjectID> ids_;
};
}  // namespace api_internal

template <typename T>
class ObjectRef {
 public:
  using ValueType = T;

  // An empty reference (Get on it throws).
  ObjectRef() = default;
  ObjectRef(const ObjectRef& other) : id_(other.id_) {
    if (!id_.IsNil()) api_internal::AddRef(id_);
  }
  ObjectRef(ObjectRef&& other) noexcept : id_(other.id_) { other.id_ = ObjectID::Nil(); }
  ObjectRef& operator=(const ObjectRef& other) {
    if (this != &other) {
      if (!other.id_.IsNil()) api_internal::AddRef(other.id_);
      Reset();
      id_ = other.id_;
    }
    return *this;
  }
  ObjectRef& operator=(ObjectRef&& other) noexcept {
    if (this != &other) {
      Reset();
      id_ = other.id_;
      other.id_ = ObjectID::Nil();
    }
    return *this;
  }
  ~ObjectRef() { Reset(); }

  const ObjectID& ID() const { return id_; }
  std::string Hex() const { return id_.Hex(); }
  bool Empty() const { return id_.IsNil(); }
  bool operator==(const ObjectRef& other) const { return id_ == other.id_; }
  bool operator!=(const ObjectRef& other) const { return id_ != other.id_; }

  // Takes over an ID that already holds one local reference (API internal).
  static ObjectRef Adopt(const ObjectID& id) {
    ObjectRef ref;
    ref.id_ = id;
    return ref;
  }

  // msgpack: [object id bytes, owner address bytes].
  template <typename Packer>
  void msgpack_pack(Packer& packer) const {
    api_internal::RefCollector::Note(id_);
    packer.pack_array(2);
    packer.pack(id_.Binary());
    packer.pack(id_.IsNil() ? std::string() : api_internal::OwnerOf(id_));
  }
  void msgpack_unpack(const msgpack::object& o) {
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 2) throw msgpack::type_error();
    const std::string id = o.via.array.ptr[0].as<std::string>();
    const std::string owner = o.via.array.ptr[1].as<std::string>();
    Reset();
    auto parsed = ObjectID::FromBinary(id);
    if (!parsed.ok()) throw msgpack::type_error();
    if (parsed->IsNil()) return;
    api_internal::Borrow(*parsed, owner);
    id_ = *parsed;
  }

 private:
  void Reset() {
    if (!id_.IsNil()) api_internal::RemoveRef(id_);
    id_ = ObjectID::Nil();
  }

  ObjectID id_;
};

template <typename T>
struct IsObjectRef : std::false_type {};
template <typename T>
struct IsObjectRef<ObjectRef<T>> : std::true_type {};

}  // namespace photon
