#pragma once
#include <memory>

#include "core/core_worker/memory_store.h"

namespace photon {
namespace python {

// See bind_buffer.cc.
struct Buffer {
  std::shared_ptr<const StoredObject> value;
};

}  // namespace python
}  // namespace photon
