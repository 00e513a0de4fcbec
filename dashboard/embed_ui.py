"""Writes a C++ file holding the web UI's files (dashboard/ui/...), so the
photon-dashboard binary serves its UI with nothing to install beside it.

    embed_ui.py OUT.cc dashboard/ui/index.html dashboard/ui/static/app.js ...
"""

import sys

PREFIX = "dashboard/ui/"


def main(out_path, paths):
    lines = ['#include "dashboard/ui_files.h"', "", "namespace photon {", "namespace dashboard {", "namespace {", ""]
    entries = []
    for i, path in enumerate(sorted(paths)):
        name = path[path.index(PREFIX) + len(PREFIX):]
        with open(path, "rb") as f:
            data = f.read()
        body = ",".join(str(b) for b in data) or "0"
        lines.append(f"const unsigned char kFile{i}[] = {{{body}}};")
        entries.append(f'      {{"{name}", std::string(reinterpret_cast<const char*>(kFile{i}), {len(data)})}},')
    lines += ["", "}  // namespace", "", "const std::map<std::string, std::string>& UiFiles() {",
              "  static const auto* files = new std::map<std::string, std::string>{"]
    lines += entries
    lines += ["  };", "  return *files;", "}", "", "}  // namespace dashboard", "}  // namespace photon", ""]
    with open(out_path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
