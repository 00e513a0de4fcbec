#pragma once

// The web UI's files (dashboard/ui/), built into the binary by embed_ui.py:
// path under ui/ ("index.html", "static/app.js") -> contents.

#include <map>
#include <string>

namespace photon {
namespace dashboard {

const std::map<std::string, std::string>& UiFiles();

}  // namespace dashboard
}  // namespace photon
