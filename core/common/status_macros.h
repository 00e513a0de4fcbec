#pragma once

// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr.
// Debian's Abseil (20220623) ships neither, so they are written once, here.
//
//   absl::StatusOr<Node> LoadNode(const NodeID& id) {
//     ASSIGN_OR_RETURN(std::string bytes, store.Get("nodes", id.Binary()));
//     RETURN_IF_ERROR(Validate(bytes));
//     ...
//   }

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PHOTON_STATUS_CONCAT_INNER(a, b) a##b
#define PHOTON_STATUS_CONCAT(a, b) PHOTON_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status); returns it from the caller when not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status photon_status_ = (expr);          \
    if (!photon_status_.ok()) return photon_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the caller, else moves the value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  PHOTON_ASSIGN_OR_RETURN_IMPL(PHOTON_STATUS_CONCAT(photon_statusor_, __LINE__), lhs, rexpr)

#define PHOTON_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return statusor.status();            \
  lhs = std::move(statusor).value()
