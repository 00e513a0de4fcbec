#pragma once

// StoredTable: one GCS table of protobuf rows in the StoreClient, for the
// managers that keep their state in memory and write each change through to
// storage (actors, placement groups), so that a GCS restarted on Redis can
// load it again.
//
//   StoredTable<rpc::PlacementGroupTableData> table(store, "placement_groups");
//   RETURN_IF_ERROR(table.Put(id.Binary(), group));
//   RETURN_IF_ERROR(table.Delete(id.Binary()));      // a row no longer kept
//   ASSIGN_OR_RETURN(auto rows, table.LoadAll());    // at start
//
// Errors name the table and the key ("storing placement_groups row 3f2a...:
// redis 127.0.0.1:6379 unreachable"). A row that does not parse is skipped
// with an error in the log: one bad row must not keep the GCS from
// starting. Thread-compatible (the StoreClient is).

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "gcs/store/store_client.h"

namespace photon {
namespace gcs {

template <typename Row>
class StoredTable {
 public:
  // `store` must outlive the table.
  StoredTable(StoreClient& store, std::string table) : store_(store), table_(std::move(table)) {}

  absl::Status Put(const std::string& key, const Row& row) {
    absl::StatusOr<bool> put = store_.Put(table_, key, row.SerializeAsString());
    if (put.ok()) return absl::OkStatus();
    return absl::Status(put.status().code(),
                        absl::StrCat("storing ", table_, " row ", Hex(key), ": ", put.status().message()));
  }

  // Removes the row of `key` (OK when there is none).
  absl::Status Delete(const std::string& key) {
    absl::StatusOr<int64_t> deleted = store_.Delete(table_, {key});
    if (deleted.ok()) return absl::OkStatus();
    return absl::Status(deleted.status().code(),
                        absl::StrCat("deleting ", table_, " row ", Hex(key), ": ", deleted.status().message()));
  }

  // Every row that parses, in key order.
  absl::StatusOr<std::vector<std::pair<std::string, Row>>> LoadAll() const {
    absl::StatusOr<std::map<std::string, std::string>> all = store_.GetAll(table_);
    if (!all.ok()) {
      return absl::Status(all.status().code(), absl::StrCat("loading table ", table_, ": ", all.status().message()));
    }
    std::vector<std::pair<std::string, Row>> rows;
    rows.reserve(all->size());
    for (const auto& [key, value] : *all) {
      Row row;
      if (!row.ParseFromString(value)) {
        PHOTON_LOG(ERROR) << "table " << table_ << ": skipping row " << Hex(key) << ", which does not parse ("
                          << value.size() << " bytes)";
        continue;
      }
      rows.emplace_back(key, std::move(row));
    }
    return rows;
  }

  const std::string& name() const { return table_; }

 private:
  static std::string Hex(const std::string& key) { return absl::BytesToHexString(key.substr(0, 8)); }

  StoreClient& store_;
  const std::string table_;
};

}  // namespace gcs
}  // namespace photon
